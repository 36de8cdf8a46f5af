"""Resource-policy cases of ``policies/rules/cognito.py``: a compliant resource per case and, for every property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

from policies.engine import tokens as T
from tests.policies.helpers import DELETE, Case

CASES = {
    "cognito-password-policy": [
        Case(
            T.COGNITO_USER_POOL,
            "USER_POOL",
            {
                "passwordPolicy.minimumLength": 8,
                "passwordPolicy.requireNumbers": False,
                "passwordPolicy.requireLowercase": False,
            },
        ),
        Case(T.COGNITO_USER_POOL, "USER_POOL", {"passwordPolicy": DELETE}, label="absent"),
        Case(T.COGNITO_USER_POOL, "USER_POOL", {"passwordPolicy.minimumLength": 11}, label="one short"),
    ],
    "cognito-mfa-available": [
        Case(T.COGNITO_USER_POOL, "USER_POOL", {"mfaConfiguration": "OFF"}),
        Case(T.COGNITO_USER_POOL, "USER_POOL", {"mfaConfiguration": DELETE}, label="absent"),
    ],
    "cognito-threat-protection": [
        Case(
            T.COGNITO_USER_POOL,
            "USER_POOL",
            {"userPoolAddOns.advancedSecurityMode": "AUDIT", "userPoolTier": "ESSENTIALS"},
        ),
        Case(T.COGNITO_USER_POOL, "USER_POOL", {"userPoolAddOns": DELETE}, label="no add-ons"),
    ],
    "cognito-deletion-protection": [
        Case(T.COGNITO_USER_POOL, "USER_POOL", {"deletionProtection": "INACTIVE"}),
        Case(T.COGNITO_USER_POOL, "USER_POOL", {"deletionProtection": DELETE}, label="absent"),
    ],
    "cognito-identity-pool-no-unauthenticated": [
        Case(
            T.COGNITO_IDENTITY_POOL,
            {"identityPoolName": "ecomart", "allowUnauthenticatedIdentities": False},
            {"allowUnauthenticatedIdentities": True},
        ),
    ],
}
