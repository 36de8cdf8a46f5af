"""Secrets Manager: key, recovery window, rotation and resource policies.

Named ``secretsmanager`` (not ``secrets``): the Pulumi CLI runs the pack with its directory first on ``sys.path``,
where a ``secrets.py`` would shadow the standard library module of that name.
"""

from __future__ import annotations

from policies.engine.core import (
    Report,
    Res,
    Stack,
    StackReport,
    absent,
    identity,
    is_false,
    known,
    not_true,
    num,
    report_public_statements,
    resource_policy,
    show,
    stack_policy,
)
from policies.engine.facts import REQUIRED
from policies.engine.meta import CCPA_SEC, GDPR_CIA, GDPR_ENC, GDPR_RESTORE
from policies.engine.tokens import SECRET, SECRET_POLICY, SECRET_ROTATION


@resource_policy(
    "secret-cmk",
    types=(SECRET,),
    severity="medium",
    category="security",
    controls=("pci-3-6-1", "pci-8-3-2", GDPR_ENC),
    description="Secrets are encrypted with a customer-managed key, not `aws/secretsmanager`.",
    why="With our key, reading a secret needs kms:Decrypt on it too: a second, auditable gate.",
    remediation="Set `kms_key_id=<CMK ARN>` on `aws.secretsmanager.Secret`.",
    checks=("kmsKeyId",),
)
def secret_cmk(r: Res, report: Report) -> None:
    key = r.get("kmsKeyId")
    if absent(key) or (known(key) and key == "alias/aws/secretsmanager"):
        report("kmsKeyId is not a customer-managed key: the secret uses aws/secretsmanager")


@resource_policy(
    "secret-recovery-window",
    defaults={"recoveryWindowInDays": 30},
    types=(SECRET,),
    severity="medium",
    category="resilience",
    controls=(GDPR_RESTORE,),
    description="Deleted secrets stay recoverable for at least 7 days (never force-deleted).",
    why="A secret deleted without recovery window locks applications out for good.",
    remediation="Leave `recovery_window_in_days` unset (30) or set 7-30.",
    checks=("recoveryWindowInDays",),
)
def secret_recovery_window(r: Res, report: Report) -> None:
    raw = r.get("recoveryWindowInDays")
    if known(raw) and raw is not None and (num(raw) is None or num(raw) < 7):  # type: ignore[operator]
        report(f"recoveryWindowInDays is {show(raw)}: a deletion cannot be undone")


@resource_policy(
    "secret-rotation-90-days",
    defaults={"rotationEnabled": True},
    types=(SECRET_ROTATION,),
    severity="high",
    category="security",
    controls=("pci-8-3-9", CCPA_SEC, "fsbp-secretsmanager-1", "fsbp-secretsmanager-4"),
    description="Secret rotation is enabled and runs at least every 90 days.",
    why="PCI DSS limits password lifetime to 90 days; a leaked credential stops working at the next rotation.",
    remediation='Set `rotation_rules={"automatically_after_days": 30}` (or a schedule expression) on '
    "`aws.secretsmanager.SecretRotation`.",
    checks=("rotationRules.automaticallyAfterDays", "rotationEnabled"),
)
def secret_rotation_90_days(r: Res, report: Report) -> None:
    if is_false(r.get("rotationEnabled")):
        report("rotationEnabled is false")
        return
    days, schedule = r.get("rotationRules.automaticallyAfterDays"), r.get("rotationRules.scheduleExpression")
    if not known(days) or not known(schedule):
        return
    if absent(days) and absent(schedule):
        report("rotationRules sets neither automaticallyAfterDays nor scheduleExpression")
    elif not absent(days) and (num(days) or 0) > 90:
        report(f"rotationRules.automaticallyAfterDays is {show(days)}: at most 90")


@resource_policy(
    "secret-policy-not-public",
    unset={"policy": REQUIRED},
    types=(SECRET_POLICY,),
    severity="critical",
    category="security",
    controls=("pci-7-2-1", GDPR_CIA, CCPA_SEC),
    description="Secret resource policies block public policies and grant no wildcard principal without a condition.",
    why="A public secret policy hands the credential to any AWS account.",
    remediation="Keep `block_public_policy=True` and name principals explicitly.",
    checks=("blockPublicPolicy", "policy"),
)
def secret_policy_not_public(r: Res, report: Report) -> None:
    value = r.get("blockPublicPolicy")
    if not_true(value):  # absent is false: AWS's default does not block public policies
        report(f"blockPublicPolicy is {show(value)}: a public policy could be attached")
    report_public_statements(r, "policy", report)


@stack_policy(
    "stack-secrets-rotated",
    types=(SECRET, SECRET_ROTATION),
    severity="high",
    category="security",
    controls=("pci-8-3-9", CCPA_SEC, "fsbp-secretsmanager-1"),
    description="Every Secrets Manager secret of the stack has a rotation (`aws.secretsmanager.SecretRotation`).",
    why="FSBP SecretsManager.1 fails a secret with no automatic rotation at all; `secret-rotation-90-days` judges "
    "only the rotations that exist, so a secret never rotated passed it as not applicable.",
    remediation="Declare `aws.secretsmanager.SecretRotation(secret_id=secret.id, rotation_lambda_arn=..., "
    'rotation_rules={"automatically_after_days": 30})` for every secret, or let the service manage the '
    "credential (RDS `manage_master_user_password`, IAM authentication).",
    checks={SECRET: ("id", "arn"), SECRET_ROTATION: ("secretId",)},
)
def stack_secrets_rotated(stack: Stack, report: StackReport) -> None:
    rotations = stack.of_type(SECRET_ROTATION)
    rotated = stack.referenced(rotations, "secretId", (SECRET,))
    if any(r.unplaced("secretId") for r in rotations):
        return  # a rotation whose secret cannot be told yet may be any secret's
    for secret in stack.of_type(SECRET):
        if not rotated.get(secret.urn):
            report(f"secret {identity(secret)} has no rotation", secret.urn)
