"""Why an unset property can be compliant: the reasons a policy's ``unset`` metadata cites most.

A policy declares, beside the properties it checks, the facts about them that the provider or the service decides:
``defaults`` (the value AWS or Atlas uses when the property is unset: ``Res.get`` returns it, so the policy judges
an unset property as the service will run it), ``unset`` (other reasons leaving it unset is compliant) and
``secret_is_set`` (properties whose mere presence is the finding, so a secret value is still reported). The generated
tests (tests/policies/test_absent_properties.py, test_resource_policies.py) read the same metadata.
"""

NOT_PUBLIC = "unset: AWS's default is private"
NO_RULE = "unset: no such rule exists, so nothing is opened"
REQUIRED = "required by the provider: a resource without it cannot be declared"
NO_SECRET = "unset is the compliant state: no password or secret value exists"
