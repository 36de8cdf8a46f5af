"""Cognito user pools (the customers' identities behind the API's JWT authorizer): password strength, MFA and
deletion protection."""

from __future__ import annotations

from policies.engine.core import Report, Res, absent, is_true, known, not_true, num, resource_policy, show
from policies.engine.facts import REQUIRED
from policies.engine.meta import CCPA_SEC, GDPR_CIA, GDPR_RESTORE
from policies.engine.tokens import COGNITO_IDENTITY_POOL, COGNITO_USER_POOL

MIN_PASSWORD_LENGTH = 12  # PCI DSS v4.0.1 8.3.6


@resource_policy(
    "cognito-password-policy",
    types=(COGNITO_USER_POOL,),
    severity="high",
    category="security",
    controls=("pci-8-3-6", CCPA_SEC, "fsbp-cognito-3"),
    description=f"User pools require passwords of at least `minimumLength` ({MIN_PASSWORD_LENGTH}) characters "
    "with numbers and letters.",
    why="Short or letter-only passwords fall to credential stuffing; customer accounts hold addresses and "
    "order history.",
    remediation="Set `password_policy={minimum_length: 12, require_numbers: True, require_lowercase: True, "
    "require_uppercase: True}`.",
    checks=("passwordPolicy.minimumLength", "passwordPolicy.requireNumbers", "passwordPolicy.requireLowercase"),
    config={"minimumLength": MIN_PASSWORD_LENGTH},
    config_descriptions={"minimumLength": "Shortest password allowed."},
)
def cognito_password_policy(r: Res, report: Report) -> None:
    policy = r.get("passwordPolicy")
    if not known(policy):
        return
    if absent(policy):
        report("passwordPolicy is not set: Cognito's default allows 8 characters")
        return
    length, floor = r.get("passwordPolicy.minimumLength"), r.setting("minimumLength")
    if known(length) and (num(length) or 0) < floor:
        report(f"passwordPolicy.minimumLength is {show(length)}: at least {floor} required")
    for prop in ("requireNumbers", "requireLowercase"):
        value = r.get(f"passwordPolicy.{prop}")
        if not_true(value):
            report(f"passwordPolicy.{prop} is {show(value)}: passwords need numbers and letters")


@resource_policy(
    "cognito-mfa-available",
    types=(COGNITO_USER_POOL,),
    severity="medium",
    category="security",
    controls=(GDPR_CIA, CCPA_SEC),
    description="User pools offer multi-factor authentication (`mfa_configuration` OPTIONAL or ON).",
    why="With MFA off a stolen password is a taken-over account; OPTIONAL lets customers protect theirs.",
    remediation='Set `mfa_configuration="OPTIONAL"` (or `"ON"`) with '
    "`software_token_mfa_configuration={enabled: True}`.",
    checks=("mfaConfiguration",),
)
def cognito_mfa_available(r: Res, report: Report) -> None:
    mode = r.get("mfaConfiguration")
    if known(mode) and (absent(mode) or mode == "OFF"):
        report(f"mfaConfiguration is {show(mode)}: customers cannot use a second factor")


@resource_policy(
    "cognito-deletion-protection",
    types=(COGNITO_USER_POOL,),
    severity="high",
    category="lifecycle",
    controls=(GDPR_CIA, GDPR_RESTORE),
    description="User pools have deletion protection on.",
    why="Deleting a pool deletes every customer's account and cannot be undone.",
    remediation='Set `deletion_protection="ACTIVE"` (stack config `service.userPoolDeletionProtection`).',
    checks=("deletionProtection",),
)
def cognito_deletion_protection(r: Res, report: Report) -> None:
    value = r.get("deletionProtection")
    if known(value) and value != "ACTIVE":
        report(f"deletionProtection is {show(value)}: the pool (every customer account) can be deleted")


@resource_policy(
    "cognito-identity-pool-no-unauthenticated",
    unset={"allowUnauthenticatedIdentities": REQUIRED},
    types=(COGNITO_IDENTITY_POOL,),
    severity="high",
    category="security",
    controls=("pci-8-3-1", GDPR_CIA, "fsbp-cognito-2"),
    description="Identity pools give AWS credentials to signed-in users only (no unauthenticated identities).",
    why="Unauthenticated identities hand temporary AWS credentials (the pool's guest role) to anyone.",
    remediation="Set `allow_unauthenticated_identities=False`.",
    checks=("allowUnauthenticatedIdentities",),
)
def cognito_identity_pool_no_unauthenticated(r: Res, report: Report) -> None:
    if is_true(r.get("allowUnauthenticatedIdentities")):
        report("allowUnauthenticatedIdentities is true: anyone gets the guest role's credentials")


@resource_policy(
    "cognito-threat-protection",
    types=(COGNITO_USER_POOL,),
    severity="medium",
    category="security",
    controls=(CCPA_SEC, GDPR_CIA, "fsbp-cognito-1"),
    description="User pools run threat protection in full-function mode: `userPoolAddOns.advancedSecurityMode` "
    "ENFORCED, on the Plus feature plan (`userPoolTier` PLUS) it requires.",
    why="Threat protection blocks or challenges sign-ins with credentials known to be leaked and sign-ins from "
    "risky context; audit mode only records them, and without it credential stuffing against customer "
    "accounts goes unnoticed.",
    remediation='Set `user_pool_tier="PLUS"` and `user_pool_add_ons={"advanced_security_mode": "ENFORCED"}` '
    "(stack config `service.userPoolThreatProtection: true`).",
    checks=("userPoolAddOns.advancedSecurityMode", "userPoolTier"),
)
def cognito_threat_protection(r: Res, report: Report) -> None:
    mode, tier = r.get("userPoolAddOns.advancedSecurityMode"), r.get("userPoolTier")
    if known(mode) and mode != "ENFORCED":
        report(f"userPoolAddOns.advancedSecurityMode is {show(mode)}: threat protection must be ENFORCED")
    if known(tier) and tier != "PLUS":
        report(f"userPoolTier is {show(tier)}: threat protection needs the PLUS plan (new pools default to ESSENTIALS)")
