"""Customer-managed KMS keys: rotation, deletion window, and key policies without a public principal."""

from __future__ import annotations

import json

from platform_rules import DEV, PROD, policy_defaults
from policies.engine.core import (
    Report,
    Res,
    Stack,
    StackReport,
    absent,
    identity,
    is_false,
    is_true,
    known,
    not_true,
    num,
    resource_policy,
    show,
    stack_policy,
)
from policies.engine.families import public_policy_rule
from policies.engine.meta import CCPA_SEC, GDPR_CIA, GDPR_ENC, GDPR_RESTORE
from policies.engine.tokens import KMS_ALIAS, KMS_KEY, KMS_KEY_POLICY, KMS_REPLICA_KEY


@resource_policy(
    "kms-key-rotation",
    defaults={"rotationPeriodInDays": 365},
    types=(KMS_KEY,),
    severity="high",
    category="security",
    controls=("pci-3-7-4", "cis-3-8", GDPR_ENC, "fsbp-kms-4"),
    description="Symmetric customer-managed keys rotate their key material, at least every `maximumRotationDays` "
    "days (this platform: 365).",
    why="Rotation bounds how much data one key version protects and is what PCI DSS calls the end of a key's "
    "cryptoperiod.",
    remediation="Set `enable_key_rotation=True` (and `rotation_period_in_days<=365` if set) on `aws.kms.Key`.",
    checks=("enableKeyRotation", "rotationPeriodInDays"),
    config=policy_defaults("kms-key-rotation"),
    config_descriptions={"maximumRotationDays": "Longest allowed `rotation_period_in_days`."},
)
def kms_key_rotation(r: Res, report: Report) -> None:
    spec = r.get("customerMasterKeySpec")
    if known(spec) and spec not in (None, "SYMMETRIC_DEFAULT"):
        return  # AWS rotates only symmetric keys
    enabled = r.get("enableKeyRotation")
    if not_true(enabled):
        report(f"enableKeyRotation is {show(enabled)}: key material never changes")
    period, limit = r.get("rotationPeriodInDays"), r.setting("maximumRotationDays")
    if known(period) and period is not None and (num(period) or 0) > limit:
        report(f"rotationPeriodInDays is {show(period)}: rotate at least every {limit} days")


@resource_policy(
    "kms-key-deletion-window",
    defaults={"deletionWindowInDays": 30},
    types=(KMS_KEY, KMS_REPLICA_KEY),
    severity="medium",
    category="resilience",
    controls=(GDPR_RESTORE, "pci-3-6-1"),
    description=f"Keys wait at least `minimumDays` (prod {PROD.key_deletion_window_days}, dev "
    f"{DEV.key_deletion_window_days}) between a scheduled deletion and the deletion.",
    why="Deleting a key destroys every byte encrypted with it, backups included; the waiting period is the time "
    "to notice and cancel.",
    remediation="Set `deletion_window_in_days` to at least the minimum (stack config `kms.deletionWindowDays`).",
    checks=("deletionWindowInDays",),
    config=policy_defaults("kms-key-deletion-window"),
    config_descriptions={"minimumDays": "Shortest allowed key deletion window, in days (AWS allows 7-30)."},
)
def kms_key_deletion_window(r: Res, report: Report) -> None:
    raw = r.get("deletionWindowInDays")  # unset: the declared default, KMS's 30 days
    if not known(raw):
        return
    minimum = r.setting("minimumDays")
    days = num(raw)
    if days is None or days < minimum:
        report(f"deletionWindowInDays is {show(raw)}: at least {minimum} days required")


@resource_policy(
    "kms-key-safe-state",
    defaults={"isEnabled": True, "enabled": True, "bypassPolicyLockoutSafetyCheck": False},
    types=(KMS_KEY, KMS_REPLICA_KEY),
    severity="high",
    category="resilience",
    controls=(GDPR_RESTORE, GDPR_CIA, "pci-3-6-1"),
    description="Keys are declared enabled and never skip KMS's policy lockout safety check.",
    why="A disabled key makes everything it encrypts unreadable (backups included) until someone enables it; "
    "bypassing the lockout check lets a key policy lock every principal, the account included, out of the key "
    "for good.",
    remediation="Leave `is_enabled` unset (or True) and `bypass_policy_lockout_safety_check` unset (or False).",
    checks={
        KMS_KEY: ("isEnabled", "bypassPolicyLockoutSafetyCheck"),
        KMS_REPLICA_KEY: ("enabled", "bypassPolicyLockoutSafetyCheck"),
    },
)
def kms_key_safe_state(r: Res, report: Report) -> None:
    prop = "enabled" if r.type == KMS_REPLICA_KEY else "isEnabled"
    if is_false(r.get(prop)):
        report(f"{prop} is false: data encrypted with the key cannot be read")
    if is_true(r.get("bypassPolicyLockoutSafetyCheck")):
        report("bypassPolicyLockoutSafetyCheck is true: a key policy may lock everyone out of the key")


public_policy_rule(
    __name__,
    "kms-key-policy-no-public-principal",
    unset={"policy": "unset: KMS's default key policy names only the account"},
    types=(KMS_KEY, KMS_REPLICA_KEY, KMS_KEY_POLICY),
    controls=("pci-7-2-1", "pci-3-6-1", GDPR_CIA, CCPA_SEC, "fsbp-kms-5"),
    description="No key policy allows a wildcard principal (`*`) without a condition.",
    why="A key policy statement for `Principal: *` lets any AWS account use (or administer) the key that "
    "protects our data.",
    remediation="Set `policy` on `aws.kms.Key` (or `aws.kms.KeyPolicy`) to a document that names principals "
    "explicitly (the account root, service principals, roles) and scopes service use with "
    "`kms:ViaService`/`kms:CallerAccount` conditions.",
)


# === stack policies: how these resources relate to the rest of the stack =====================


def _default_key_policy(policy: object) -> bool:
    """KMS's default key policy: one statement letting the account root do kms:* (what a key created without a
    policy reads back)."""
    try:
        doc = json.loads(policy) if isinstance(policy, str) else policy
    except ValueError:
        return False
    statements = doc.get("Statement") if isinstance(doc, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or len(statements) != 1 or not isinstance(statements[0], dict):
        return False
    st = statements[0]
    principal = st.get("Principal")
    aws = principal.get("AWS") if isinstance(principal, dict) else None
    return (
        st.get("Effect") == "Allow"
        and isinstance(aws, str)
        and aws.endswith(":root")
        and st.get("Action") in ("kms:*", ["kms:*"])
        and "Condition" not in st
    )


@stack_policy(
    "stack-kms-keys-explicit-policy",
    types=(KMS_KEY, KMS_KEY_POLICY),
    severity="medium",
    category="security",
    controls=(GDPR_CIA, "pci-3-6-1", "pci-7-2-1"),
    description="Every customer-managed key declares its key policy (`policy` on the key, or an `aws.kms.KeyPolicy` "
    "for it), not KMS's default one.",
    why="A key created without a policy gets KMS's default: the account root may do kms:*, so who can decrypt is "
    "decided by IAM policies anywhere in the account, not by the key "
    "(https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).",
    remediation="Set `policy=` on `aws.kms.Key` (or declare `aws.kms.KeyPolicy(key_id=key.id, policy=...)`) naming "
    "the key's administrators and its users.",
    checks={KMS_KEY: ("policy",), KMS_KEY_POLICY: ("keyId",)},
)
def stack_kms_keys_explicit_policy(stack: Stack, report: StackReport) -> None:
    covered: set[str] = set()
    for kp in stack.of_type(KMS_KEY_POLICY):
        if kp.unplaced("keyId"):
            return  # a key policy not placed yet might be any key's
        covered |= stack.refs(kp, "keyId", (KMS_KEY,))
    for key in stack.of_type(KMS_KEY):
        policy = key.get("policy")
        if key.urn in covered or not known(policy):
            continue
        if absent(policy) or _default_key_policy(policy):
            report(
                f"{identity(key)} has no key policy of its own: KMS's default lets IAM policies across the account "
                "decide who uses the key",
                key.urn,
            )


# --- every KMS key used -----------------------------------------------------------------------------------------------

_NOT_A_USE = (KMS_ALIAS, KMS_KEY_POLICY, KMS_KEY, KMS_REPLICA_KEY)


def _with_primaries(stack: Stack, used: set[str]) -> set[str]:
    """A replica key is used through its own use; its primary through the replica."""
    for r in stack.of_type(KMS_REPLICA_KEY):
        if r.urn in used:
            used |= stack.refs(r, "primaryKeyArn", (KMS_KEY,))
    return used


@stack_policy(
    "stack-kms-keys-in-use",
    types=(KMS_KEY, KMS_REPLICA_KEY),
    severity="medium",
    category="security",
    controls=("pci-3-6-1", GDPR_CIA),
    description="Every customer-managed key is used by at least one resource (aliases and key policies do not count).",
    why="An unused key is an unreviewed grant surface (its key policy still admits principals and services) and "
    "usually means a store was wired to the wrong key or to the AWS-managed one.",
    remediation="Wire the key into the store it was created for (`kms_key_id=kms.keys.require(domain).arn`) or stop "
    "creating it.",
    checks=("arn",),
)
def stack_kms_keys_in_use(stack: Stack, report: StackReport) -> None:
    keys = stack.of_type(KMS_KEY, KMS_REPLICA_KEY)
    if not keys:
        return
    key_types = (KMS_KEY, KMS_REPLICA_KEY)
    users = [r for r in stack.resources if r.type not in _NOT_A_USE]
    # The engine's recorded references first (cheap); the walk of every value for literal ids and ARNs only when
    # some key is not used through them (a deployed export from elsewhere) — the same verdict either way.
    recorded = set().union(*(deps for r in users for deps in r.property_dependencies.values()))
    used = _with_primaries(stack, {k.urn for k in keys if k.urn in recorded})
    if any(key.urn not in used for key in keys):
        used = _with_primaries(stack, set().union(*(stack.all_refs(r, key_types) for r in users)))
    for key in keys:
        if key.urn in used:
            continue
        report(f"KMS key {identity(key)} is not used by any resource", key.urn)
