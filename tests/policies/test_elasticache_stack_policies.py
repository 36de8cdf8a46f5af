"""Stack policies of elasticache (policies/rules/elasticache.py): the generic cases of tests/policies/stack_cases.py."""

from __future__ import annotations

from tests.policies.stack_cases import (  # noqa: F401
    CLUSTER_ARN,
    UNKNOWN,
    _as_preview,
    compliant_stack,
    find,
    generic_tests,
    run,
    set_prop,
    urn,
)

globals().update(generic_tests("elasticache"))
