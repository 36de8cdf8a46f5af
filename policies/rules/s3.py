"""S3 buckets (exports, artefacts, reports, audit logs): public access, encryption, versioning, ownership, object
lock, bucket policies; and, across the stack, access logging, lifecycle, notifications and the protection of the
buckets that receive audit logs.

pulumi-aws 7 configures buckets through separate resources (``BucketPublicAccessBlock``,
``BucketServerSideEncryptionConfiguration``, ``BucketVersioning``, ``BucketAcl``, ``BucketPolicy``,
``BucketOwnershipControls``, ``BucketObjectLockConfiguration``, ``BucketLogging``, ``BucketLifecycleConfiguration``,
``BucketNotification``); each resource policy reads the resource that carries its setting, and the stack policies
relate those resources to their bucket (its ``bucket`` input: the bucket's name, which is also its id).
"""

from __future__ import annotations

from typing import Any

from platform_rules import policy_defaults
from policies.engine.core import (
    Report,
    Res,
    SRes,
    Stack,
    StackReport,
    absent,
    as_list,
    identity,
    is_true,
    known,
    not_true,
    num,
    resource_policy,
    show,
    stack_policy,
)
from policies.engine.facts import REQUIRED
from policies.engine.families import insecure_transport_rule, public_policy_rule
from policies.engine.meta import CCPA_BREACH, GDPR_BREACH, GDPR_CIA, GDPR_ENC, GDPR_RESTORE
from policies.engine.tokens import (
    CLOUDTRAIL,
    CONFIG_DELIVERY_CHANNEL,
    FLOW_LOG,
    S3_ACL,
    S3_BUCKET,
    S3_BUCKET_V2,
    S3_LIFECYCLE,
    S3_LOGGING,
    S3_NOTIFICATION,
    S3_OBJECT_LOCK,
    S3_OWNERSHIP,
    S3_POLICY,
    S3_PUBLIC_ACCESS_BLOCK,
    S3_SSE,
    S3_VERSIONING,
)

PUBLIC_ACLS = ("public-read", "public-read-write", "authenticated-read")
BLOCK_SETTINGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


@resource_policy(
    "s3-public-access-block",
    types=(S3_PUBLIC_ACCESS_BLOCK,),
    severity="critical",
    category="security",
    controls=("cis-2-1-4", "pci-1-4-4", GDPR_CIA, CCPA_BREACH, "fsbp-s3-8"),
    description="Bucket public access blocks turn on all four settings.",
    why="Any one of them off lets a later ACL or bucket policy make objects public.",
    remediation="Set `block_public_acls`, `block_public_policy`, `ignore_public_acls` and "
    "`restrict_public_buckets` to `True`.",
    checks=BLOCK_SETTINGS,
)
def s3_public_access_block(r: Res, report: Report) -> None:
    for prop in BLOCK_SETTINGS:
        value = r.get(prop)
        if not_true(value):
            report(f"{prop} is {show(value)}")


@resource_policy(
    "s3-no-public-acl",
    defaults={"acl": "private"},
    types=(S3_BUCKET, S3_ACL),
    severity="critical",
    category="security",
    controls=("cis-2-1-4", GDPR_CIA, CCPA_BREACH, "fsbp-s3-2", "fsbp-s3-3", "fsbp-s3-12"),
    description="Buckets never carry a public canned ACL.",
    why="`public-read` and friends expose every object to the internet or to every AWS account.",
    remediation="Remove the canned `acl` (use `private` and bucket-owner-enforced object ownership).",
    checks=("acl",),
)
def s3_no_public_acl(r: Res, report: Report) -> None:
    acl = r.get("acl")
    if known(acl) and acl in PUBLIC_ACLS:
        report(f"acl is {show(acl)}: objects are readable outside the account")


@resource_policy(
    "s3-versioning-enabled",
    types=(S3_VERSIONING,),
    severity="medium",
    category="resilience",
    controls=(GDPR_RESTORE,),
    description="Bucket versioning is Enabled (every overwrite and delete keeps the previous version).",
    why="Versioning is what makes an overwrite or delete recoverable.",
    remediation='Set `versioning_configuration={"status": "Enabled"}`.',
    checks=("versioningConfiguration.status",),
)
def s3_versioning_enabled(r: Res, report: Report) -> None:
    status = r.get("versioningConfiguration.status")
    if known(status) and status != "Enabled":
        report(f"versioningConfiguration.status is {show(status)}")


insecure_transport_rule(
    __name__,
    "s3-policy-deny-insecure-transport",
    unset={"policy": REQUIRED},
    types=(S3_POLICY,),
    controls=("cis-2-1-1", "pci-4-2-1", GDPR_ENC, "fsbp-s3-5"),
    description="Bucket policies deny requests made without TLS.",
    why="Without the deny, objects can be read and written over plain HTTP.",
    remediation="Add to `policy` on `aws.s3.BucketPolicy` a Deny for `s3:*` with `Bool: {aws:SecureTransport: false}`.",
)


public_policy_rule(
    __name__,
    "s3-policy-not-public",
    unset={"policy": REQUIRED},
    types=(S3_POLICY,),
    controls=("cis-2-1-4", GDPR_CIA, CCPA_BREACH, "fsbp-s3-2", "fsbp-s3-3"),
    description="No bucket policy allows a wildcard principal without a condition.",
    why="`Principal: *` without a condition makes the bucket public to every AWS account or the internet.",
    remediation="In `policy` on `aws.s3.BucketPolicy` name the principals; scope service access with "
    "`aws:SourceArn`/`aws:SourceAccount`.",
)


@resource_policy(
    "s3-ownership-controls-enforced",
    types=(S3_OWNERSHIP,),
    severity="medium",
    category="security",
    controls=(GDPR_CIA, "fsbp-s3-12"),
    description="Bucket ownership controls are `BucketOwnerEnforced`: ACLs are off and the bucket owner owns every "
    "object.",
    why="With ACLs on, an object written by another account (a log delivery, a partner) can stay unreadable to the "
    "owner and carry its own grants; `BucketOwnerEnforced` makes the bucket policy the only access control. "
    "(A bucket without ownership controls gets `BucketOwnerEnforced`, the default for new buckets since 2023.)",
    remediation='Set `rule={"object_ownership": "BucketOwnerEnforced"}` on `aws.s3.BucketOwnershipControls` '
    "(grant log delivery through the bucket policy, not an ACL).",
    checks=("rule.objectOwnership",),
)
def s3_ownership_controls_enforced(r: Res, report: Report) -> None:
    ownership = r.get("rule.objectOwnership")
    if known(ownership) and ownership != "BucketOwnerEnforced":
        report(f"rule.objectOwnership is {show(ownership)}: ACLs still decide who may read objects")


@resource_policy(
    "s3-object-lock-retention",
    unset={"rule.defaultRetention.years": "unset: the retention is given in days"},
    types=(S3_OBJECT_LOCK,),
    severity="high",
    category="lifecycle",
    controls=("pci-10-3-2", "pci-10-5-1", GDPR_RESTORE),
    description="Object lock configurations lock every new object by default (`rule.defaultRetention`, mode "
    "COMPLIANCE or GOVERNANCE) for at least `minimumDays` days.",
    why="Object lock without a default retention locks only the uploads that ask for it (log deliveries never "
    "do); a retention shorter than the audit-log horizon lets logs be deleted while they must still be kept.",
    remediation='Set `rule={"default_retention": {"mode": "COMPLIANCE", "days": <minimumDays>}}`.',
    checks=("rule.defaultRetention.mode", "rule.defaultRetention.days", "rule.defaultRetention.years"),
    config=policy_defaults("s3-object-lock-retention"),
    config_descriptions={"minimumDays": "Shortest allowed default retention, in days (a year counts 365)."},
)
def s3_object_lock_retention(r: Res, report: Report) -> None:
    retention = r.get("rule.defaultRetention")
    if not known(retention):
        return
    if not isinstance(retention, dict) or absent(retention):
        report("rule.defaultRetention is not set: objects are locked only when an upload asks for it")
        return
    mode, days, years = retention.get("mode"), retention.get("days"), retention.get("years")
    if known(mode) and mode not in ("COMPLIANCE", "GOVERNANCE"):
        report(f"rule.defaultRetention.mode is {show(mode)}: COMPLIANCE or GOVERNANCE")
    if not known(days) or not known(years):
        return
    if days is not None and years is not None:
        report("rule.defaultRetention sets both days and years: S3 accepts exactly one")
        return
    minimum = r.setting("minimumDays")
    length = (num(days) or 0) + 365 * (num(years) or 0)
    if length < minimum:
        given = (
            f"{show(days)} days"
            if days is not None
            else f"{show(years)} years"
            if years is not None
            else "without days or years"
        )
        report(f"rule.defaultRetention is {given}: at least {minimum} days required")


# === stack policies: how the bucket configuration resources relate to their buckets ==========================

BUCKETS = (S3_BUCKET, S3_BUCKET_V2)


def _configured(stack: Stack, config_type: str) -> tuple[dict[str, list[SRes]], bool]:
    """Bucket URN -> the ``config_type`` resources whose ``bucket`` names it; and whether one of them names a bucket
    that cannot be told yet (a preview without recorded dependencies): then no bucket is judged as lacking it."""
    configs = stack.of_type(config_type)
    unknown = any(c.unplaced("bucket") for c in configs)
    return stack.referenced(configs, "bucket", BUCKETS), unknown


def _bucket_refs(stack: Stack, source: SRes, prop: str) -> set[str]:
    """Buckets ``source.prop`` names: by name, id or ARN, also an S3 ARN with a key prefix (``arn:aws:s3:::b/x``)."""
    found = stack.refs(source, prop, BUCKETS)
    value = source.get(prop)
    if isinstance(value, str) and known(value) and value.startswith("arn:aws:s3:::"):
        name = value[len("arn:aws:s3:::") :].split("/", 1)[0]
        found |= {b.urn for b in stack.of_type(*BUCKETS) if name and name in (b.get("bucket"), b.get("id"))}
    return found


def _access_log_targets(stack: Stack) -> tuple[dict[str, set[str]], bool]:
    """Buckets that receive server access logs (``BucketLogging.targetBucket``) -> the buckets whose logs they
    receive; and whether some target cannot be told yet."""
    targets: dict[str, set[str]] = {}
    unknown = False
    for logging in stack.of_type(S3_LOGGING):
        if logging.unplaced("targetBucket"):
            unknown = True
        sources = stack.refs(logging, "bucket", BUCKETS)
        for target in _bucket_refs(stack, logging, "targetBucket"):
            targets.setdefault(target, set()).update(sources)
    return targets, unknown


def _sse_defaults(sse: SRes) -> list[tuple[int, Any, Any]] | None:
    """(rule index, sseAlgorithm, kmsMasterKeyId) of a default-encryption configuration; None while unknown."""
    rules = sse.get("rules")
    if not known(rules):
        return None
    out = []
    for i, rule in enumerate(rules or []):
        default = rule.get("applyServerSideEncryptionByDefault") if isinstance(rule, dict) else None
        if not known(rule) or not known(default):
            return None
        default = default or {}
        out.append((i, default.get("sseAlgorithm"), default.get("kmsMasterKeyId")))
    return out


@stack_policy(
    "s3-encryption-cmk",
    types=(S3_SSE, S3_LOGGING),
    severity="high",
    category="security",
    controls=(GDPR_ENC, "pci-3-5-1"),
    description="Bucket default encryption uses SSE-KMS with a customer-managed key, except on buckets that receive "
    "S3 server access logs, which use SSE-S3 (the only default encryption log delivery supports).",
    why="SSE-S3 cannot be audited or revoked per data domain; SSE-KMS with our key can. But S3 server access "
    "logging supports only SSE-S3 default encryption on the destination bucket "
    "(https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html): a log target under "
    "SSE-KMS silently receives no logs.",
    remediation='Set `rules=[{apply_server_side_encryption_by_default: {sse_algorithm: "aws:kms", '
    "kms_master_key_id: <CMK ARN>}, bucket_key_enabled: True}]`; on an access-log bucket "
    '`sse_algorithm: "AES256"`.',
    checks={
        S3_SSE: (
            "rules[].applyServerSideEncryptionByDefault.sseAlgorithm",
            "rules[].applyServerSideEncryptionByDefault.kmsMasterKeyId",
        ),
        S3_LOGGING: ("targetBucket",),
    },
)
def s3_encryption_cmk(stack: Stack, report: StackReport) -> None:
    targets, unknown = _access_log_targets(stack)
    for sse in stack.of_type(S3_SSE):
        defaults = _sse_defaults(sse)
        if defaults is None:
            continue
        if not defaults:
            report(f"{identity(sse)}: rules is empty: no default encryption configured", sse.urn)
            continue
        buckets = _bucket_refs(stack, sse, "bucket")
        log_target = any(b in targets for b in buckets)
        if not log_target and unknown:
            continue  # a log target not placed yet might be this bucket
        for i, algorithm, key in defaults:
            if not known(algorithm) or not known(key):
                continue
            if log_target:
                if algorithm != "AES256":
                    report(
                        f"{identity(sse)}: rules[{i}] sseAlgorithm is {show(algorithm)} on a bucket that receives "
                        "S3 server access logs: log delivery supports only SSE-S3 (AES256)",
                        sse.urn,
                    )
            elif algorithm not in ("aws:kms", "aws:kms:dsse"):
                report(
                    f"{identity(sse)}: rules[{i}] sseAlgorithm is {show(algorithm)}: use aws:kms with a "
                    "customer-managed key",
                    sse.urn,
                )
            elif absent(key):
                report(
                    f"{identity(sse)}: rules[{i}] has no kmsMasterKeyId: the AWS-managed aws/s3 key would be used",
                    sse.urn,
                )


@stack_policy(
    "stack-s3-access-logging",
    types=(S3_BUCKET, S3_BUCKET_V2, S3_LOGGING),
    severity="medium",
    category="security",
    controls=("pci-10-2-1", GDPR_BREACH, "fsbp-s3-9"),
    description="Every bucket has server access logging (an `aws.s3.BucketLogging`) into another bucket. The "
    "buckets that receive the access logs are exempt (logging them loops; AWS cannot object-lock them).",
    why="Access logs are the record of who read or deleted which object; without them a leak from a bucket "
    "cannot be scoped.",
    remediation="Declare `aws.s3.BucketLogging(bucket=<bucket>.id, target_bucket=<access-log bucket>.id, "
    'target_prefix="<bucket>/")` for every bucket.',
    checks={S3_BUCKET: ("bucket",), S3_BUCKET_V2: ("bucket",), S3_LOGGING: ("bucket", "targetBucket")},
)
def stack_s3_access_logging(stack: Stack, report: StackReport) -> None:
    logged, unknown = _configured(stack, S3_LOGGING)
    targets, unknown_target = _access_log_targets(stack)
    if unknown or unknown_target:
        return
    for bucket in stack.of_type(*BUCKETS):
        if targets.get(bucket.urn, set()) - {bucket.urn}:
            continue  # it holds another bucket's access logs
        loggings = logged.get(bucket.urn, [])
        if not loggings:
            report(f"bucket {identity(bucket)} has no server access logging", bucket.urn)
        elif all(bucket.urn in _bucket_refs(stack, lg, "targetBucket") for lg in loggings):
            report(f"bucket {identity(bucket)} logs its access into itself", bucket.urn)


def _enabled_rules(lifecycle: SRes) -> list | None:
    rules = lifecycle.get("rules")
    if not known(rules):
        return None
    return [r for r in as_list(rules) if isinstance(r, dict) and r.get("status") == "Enabled"]


@stack_policy(
    "stack-s3-lifecycle",
    types=(S3_BUCKET, S3_BUCKET_V2, S3_LIFECYCLE),
    severity="low",
    category="cost",
    controls=(GDPR_RESTORE, "fsbp-s3-10", "fsbp-s3-13"),
    description="Every bucket has a lifecycle configuration with at least one Enabled rule (versioned buckets "
    "included: their noncurrent versions are otherwise kept forever).",
    why="Without lifecycle rules data is kept past its purpose (GDPR storage limitation) and old versions of a "
    "versioned bucket accumulate cost without bound.",
    remediation='Declare `aws.s3.BucketLifecycleConfiguration(bucket=<bucket>.id, rules=[{"id": ..., "status": '
    '"Enabled", "expiration" or "noncurrent_version_expiration": ...}])`.',
    checks={S3_BUCKET: ("bucket",), S3_BUCKET_V2: ("bucket",), S3_LIFECYCLE: ("bucket", "rules[].status")},
)
def stack_s3_lifecycle(stack: Stack, report: StackReport) -> None:
    lifecycles, unknown = _configured(stack, S3_LIFECYCLE)
    if unknown:
        return
    for bucket in stack.of_type(*BUCKETS):
        configs = lifecycles.get(bucket.urn, [])
        if not configs:
            report(f"bucket {identity(bucket)} has no lifecycle configuration", bucket.urn)
            continue
        rules = [_enabled_rules(c) for c in configs]
        if None not in rules and not any(rules):
            report(f"bucket {identity(bucket)}'s lifecycle configuration has no Enabled rule", bucket.urn)


_DESTINATIONS = ("topics", "queues", "lambdaFunctions")


@stack_policy(
    "stack-s3-event-notifications",
    types=(S3_BUCKET, S3_BUCKET_V2, S3_NOTIFICATION),
    severity="low",
    category="security",
    controls=(GDPR_BREACH, "fsbp-s3-11"),
    description="Every bucket sends event notifications (an `aws.s3.BucketNotification` with a topic, queue, "
    "function or EventBridge).",
    why="Notifications are how deletions and unexpected writes in a bucket reach someone who can react.",
    remediation="Declare `aws.s3.BucketNotification(bucket=<bucket>.id, eventbridge=True)` (or topics/queues/"
    "lambda_functions for the events that matter).",
    checks={
        S3_BUCKET: ("bucket",),
        S3_BUCKET_V2: ("bucket",),
        S3_NOTIFICATION: ("bucket", "eventbridge", "topics", "queues", "lambdaFunctions"),
    },
)
def stack_s3_event_notifications(stack: Stack, report: StackReport) -> None:
    notifications, unknown = _configured(stack, S3_NOTIFICATION)
    if unknown:
        return
    for bucket in stack.of_type(*BUCKETS):
        configs = notifications.get(bucket.urn, [])
        values = [[c.get("eventbridge")] + [c.get(d) for d in _DESTINATIONS] for c in configs]
        if any(not known(v) for vs in values for v in vs):
            continue
        if not any(is_true(vs[0]) or any(not absent(v) for v in vs[1:]) for vs in values):
            report(f"bucket {identity(bucket)} sends no event notifications", bucket.urn)


# Where audit logs are delivered: (resource type, property naming the bucket).
AUDIT_LOG_SOURCES = (
    (CLOUDTRAIL, "s3BucketName"),
    (FLOW_LOG, "logDestination"),
    (CONFIG_DELIVERY_CHANNEL, "s3BucketName"),
)


@stack_policy(
    "stack-s3-audit-buckets-protected",
    types=(
        S3_BUCKET,
        S3_BUCKET_V2,
        S3_VERSIONING,
        S3_OBJECT_LOCK,
        CLOUDTRAIL,
        FLOW_LOG,
        CONFIG_DELIVERY_CHANNEL,
        S3_LOGGING,
    ),
    severity="high",
    category="lifecycle",
    controls=("pci-10-3-2", "pci-10-5-1", GDPR_BREACH, GDPR_RESTORE),
    description="Buckets that receive audit logs (CloudTrail trails, VPC flow logs, AWS Config, S3 access logs) "
    "cannot be emptied by a destroy (`forceDestroy` not true), are versioned, and — except access-log "
    "buckets, which AWS cannot object-lock — have object lock on.",
    why="Audit logs are evidence: a `pulumi destroy` with `forceDestroy`, an overwrite or a delete by whoever "
    "holds write access must not be able to erase them before their retention ends.",
    remediation="On the bucket: `force_destroy=False`, `object_lock_enabled=True`; declare an "
    "`aws.s3.BucketVersioning` (status Enabled) and an `aws.s3.BucketObjectLockConfiguration` with a "
    "default retention (`s3-object-lock-retention`).",
    checks={
        S3_BUCKET: ("forceDestroy", "objectLockEnabled"),
        S3_BUCKET_V2: ("forceDestroy", "objectLockEnabled"),
        S3_VERSIONING: ("bucket", "versioningConfiguration.status"),
        S3_OBJECT_LOCK: ("bucket", "objectLockEnabled"),
        CLOUDTRAIL: ("s3BucketName",),
        FLOW_LOG: ("logDestination",),
        CONFIG_DELIVERY_CHANNEL: ("s3BucketName",),
        S3_LOGGING: ("targetBucket",),
    },
)
def stack_s3_audit_buckets_protected(stack: Stack, report: StackReport) -> None:
    audit: dict[str, str] = {}  # bucket URN -> what it receives
    for source_type, prop in AUDIT_LOG_SOURCES:
        for source in stack.of_type(source_type):
            if source_type == FLOW_LOG and source.get("logDestinationType") not in ("s3",):
                continue
            for urn in _bucket_refs(stack, source, prop):
                audit.setdefault(urn, f"{source_type.rsplit(':', 1)[-1]} {identity(source)}")
    access_targets, _ = _access_log_targets(stack)
    for urn in access_targets:
        audit.setdefault(urn, "S3 server access logs")
    if not audit:
        return
    versioned, unknown_v = _configured(stack, S3_VERSIONING)
    locks, unknown_l = _configured(stack, S3_OBJECT_LOCK)
    for urn, receives in sorted(audit.items()):
        bucket = stack.by_urn[urn]
        name = identity(bucket)
        force = bucket.get("forceDestroy")
        if known(force) and is_true(force):
            report(
                f"audit bucket {name} (receives {receives}) has forceDestroy: a destroy deletes every log in it", urn
            )
        statuses = [v.get("versioningConfiguration.status") for v in versioned.get(urn, [])]
        if not unknown_v and all(known(s) for s in statuses) and "Enabled" not in statuses:
            report(f"audit bucket {name} (receives {receives}) is not versioned: an overwrite or delete is final", urn)
        if urn in access_targets:
            continue
        enabled = [c.get("objectLockEnabled") for c in locks.get(urn, [])]
        lock_on = is_true(bucket.get("objectLockEnabled")) or any(e in (None, "Enabled") for e in enabled)
        if not lock_on and not unknown_l and known(bucket.get("objectLockEnabled")) and all(map(known, enabled)):
            report(f"audit bucket {name} (receives {receives}) has no object lock: its logs can be deleted", urn)
