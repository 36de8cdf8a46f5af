"""Resource-policy cases of ``policies/rules/appsync.py``: a compliant resource per case and, for every property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

from policies.engine import tokens as T
from tests.policies.helpers import Case

_API = {
    "name": "catalog",
    "authenticationType": "AMAZON_COGNITO_USER_POOLS",
    "userPoolConfig": {"userPoolId": "us-east-1_abc", "defaultAction": "ALLOW"},
    "additionalAuthenticationProviders": [{"authenticationType": "AWS_IAM"}],
}

CASES = {
    "appsync-no-api-key-auth": [
        Case(T.APPSYNC_API, _API, {"authenticationType": "API_KEY"}),
        Case(
            T.APPSYNC_API,
            _API,
            {"additionalAuthenticationProviders.0.authenticationType": "API_KEY"},
            label="an API key as an additional provider",
        ),
    ],
}
