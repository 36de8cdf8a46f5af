"""Resource-policy cases of ``policies/rules/secretsmanager.py``: a compliant resource per case and, for every
property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

from policies.engine import tokens as T
from tests.policies.cases.shapes import DENY_HTTP, KEY_ARN, PUBLIC, doc
from tests.policies.helpers import DELETE, Case

CASES = {
    # Secrets Manager
    "secret-cmk": [
        Case(T.SECRET, {"name": "ecomart/x", "kmsKeyId": KEY_ARN, "recoveryWindowInDays": 30}, {"kmsKeyId": DELETE})
    ],
    "secret-recovery-window": [
        Case(
            T.SECRET,
            {"name": "ecomart/x", "kmsKeyId": KEY_ARN, "recoveryWindowInDays": 30},
            {"recoveryWindowInDays": 0},
        )
    ],
    "secret-rotation-90-days": [
        Case(
            T.SECRET_ROTATION,
            {"secretId": "arn:secret", "rotationLambdaArn": "arn:fn", "rotationRules": {"automaticallyAfterDays": 30}},
            {"rotationRules.automaticallyAfterDays": 365, "rotationEnabled": False},
        ),
    ],
    "secret-policy-not-public": [
        Case(
            T.SECRET_POLICY,
            {"secretArn": "arn:secret", "policy": doc(DENY_HTTP), "blockPublicPolicy": True},
            {"blockPublicPolicy": False, "policy": doc(PUBLIC)},
        ),
    ],
}
