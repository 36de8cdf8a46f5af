"""Resource-policy cases of ``policies/rules/iam.py``: a compliant resource per case and, for every property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

from policies.engine import tokens as T
from tests.policies.cases.shapes import (
    ACCOUNT,
    ADMIN,
    CONNECT,
    DECRYPT_ALL,
    DECRYPT_ONE_KEY,
    LAMBDA_TRUST,
    PUBLIC_TRUST,
    doc,
)
from tests.policies.helpers import Case

CASES = {
    # IAM
    "iam-no-admin-policy": [
        Case(T.IAM_POLICY, {"name": "ecomart-prod-cache-connect", "policy": doc(CONNECT)}, {"policy": doc(ADMIN)}),
        Case(T.IAM_ROLE_POLICY, {"role": "r", "policy": doc(CONNECT)}, {"policy": doc(CONNECT, ADMIN)}),
        Case(
            T.IAM_ROLE,
            {"assumeRolePolicy": doc(LAMBDA_TRUST), "inlinePolicies": [{"name": "connect", "policy": doc(CONNECT)}]},
            {"inlinePolicies.0.policy": doc(ADMIN)},
        ),
    ],
    "iam-no-decrypt-all-keys": [
        Case(T.IAM_ROLE_POLICY, {"role": "r", "policy": doc(DECRYPT_ONE_KEY)}, {"policy": doc(DECRYPT_ALL)}),
        Case(
            T.IAM_POLICY,
            {"name": "p", "policy": doc(DECRYPT_ONE_KEY)},
            {"policy": doc({**DECRYPT_ALL, "Action": "kms:*", "Resource": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*"})},
            label="kms:* on key/*",
        ),
        Case(
            T.IAM_ROLE,
            {"assumeRolePolicy": doc(LAMBDA_TRUST), "inlinePolicies": [{"name": "k", "policy": doc(DECRYPT_ONE_KEY)}]},
            {"inlinePolicies.0.policy": doc(DECRYPT_ALL)},
            label="inline",
        ),
    ],
    "iam-no-service-wildcard-actions": [
        Case(
            T.IAM_POLICY,
            {"name": "ecomart-prod-cache-connect", "policy": doc(CONNECT)},
            {"policy": doc({**CONNECT, "Action": "elasticache:*"})},
        ),
    ],
    "iam-role-trust-not-public": [
        Case(T.IAM_ROLE, {"assumeRolePolicy": doc(LAMBDA_TRUST)}, {"assumeRolePolicy": doc(PUBLIC_TRUST)}),
    ],
}
