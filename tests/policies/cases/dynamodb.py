"""Resource-policy cases of ``policies/rules/dynamodb.py``: a compliant resource per case and, for every property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

from policies.engine import tokens as T
from tests.policies.helpers import DELETE, Case

_TABLE = {
    "name": "carts",
    "hashKey": "id",
    "attributes": [{"name": "id", "type": "S"}],
    "billingMode": "PAY_PER_REQUEST",
}

CASES = {
    "dynamodb-point-in-time-recovery": [
        Case(
            T.DYNAMODB_TABLE,
            {**_TABLE, "pointInTimeRecovery": {"enabled": True}},
            {"pointInTimeRecovery.enabled": False},
        ),
        Case(
            T.DYNAMODB_TABLE,
            {**_TABLE, "pointInTimeRecovery": {"enabled": True}},
            {"pointInTimeRecovery": DELETE},
            label="absent: off by default",
        ),
    ],
}
