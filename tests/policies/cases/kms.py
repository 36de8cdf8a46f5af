"""Resource-policy cases of ``policies/rules/kms.py``: a compliant resource per case and, for every property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

from policies.engine import tokens as T
from tests.policies.cases.shapes import KEY, KEY_POLICY, PUBLIC, PUBLIC_AWS, REPLICA_KEY, ROOT_ADMIN, doc
from tests.policies.helpers import Case

CASES = {
    # KMS
    "kms-key-rotation": [Case(T.KMS_KEY, KEY, {"enableKeyRotation": False, "rotationPeriodInDays": 730})],
    "kms-key-safe-state": [
        Case(T.KMS_KEY, KEY, {"isEnabled": False, "bypassPolicyLockoutSafetyCheck": True}),
        Case(T.KMS_REPLICA_KEY, REPLICA_KEY, {"enabled": False, "bypassPolicyLockoutSafetyCheck": True}),
    ],
    "kms-key-deletion-window": [
        Case(T.KMS_KEY, KEY, {"deletionWindowInDays": 7}),
        Case(T.KMS_REPLICA_KEY, REPLICA_KEY, {"deletionWindowInDays": 10}),
        Case(
            T.KMS_KEY,
            {**KEY, "deletionWindowInDays": 7},
            {"deletionWindowInDays": 6},
            config={"minimumDays": 7},
            label="dev minimum",
        ),
    ],
    "kms-key-policy-no-public-principal": [
        Case(T.KMS_KEY, KEY, {"policy": doc(ROOT_ADMIN, PUBLIC_AWS)}),
        Case(T.KMS_REPLICA_KEY, REPLICA_KEY, {"policy": doc(PUBLIC)}),
        Case(T.KMS_KEY_POLICY, KEY_POLICY, {"policy": doc(PUBLIC_AWS)}),
        Case(T.KMS_KEY_POLICY, KEY_POLICY, {"policy": "{not json"}, label="malformed"),
    ],
}
