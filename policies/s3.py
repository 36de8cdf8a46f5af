"""S3 buckets (exports, artefacts, reports): public access, encryption, versioning and bucket policies.

pulumi-aws 7 configures buckets through separate resources (``BucketPublicAccessBlock``,
``BucketServerSideEncryptionConfiguration``, ``BucketVersioning``, ``BucketAcl``, ``BucketPolicy``); each policy
reads the resource that carries its setting.
"""

from __future__ import annotations

from policies.core import (Report, Res, absent, denies_insecure_transport, document_statements, known, not_true,
                           report_public_statements, resource_policy, show)
from policies.meta import CCPA_BREACH, GDPR_CIA, GDPR_ENC, GDPR_RESTORE
from policies.tokens import S3_ACL, S3_BUCKET, S3_POLICY, S3_PUBLIC_ACCESS_BLOCK, S3_SSE, S3_VERSIONING

PUBLIC_ACLS = ("public-read", "public-read-write", "authenticated-read")
BLOCK_SETTINGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


@resource_policy(
    "s3-public-access-block",
    types=(S3_PUBLIC_ACCESS_BLOCK,), severity="critical", category="security",
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
    "s3-encryption-cmk",
    types=(S3_SSE,), severity="high", category="security",
    controls=(GDPR_ENC, "pci-3-5-1"),
    description="Bucket default encryption uses SSE-KMS with a customer-managed key.",
    why="SSE-S3 cannot be audited or revoked per data domain; SSE-KMS with our key can.",
    remediation="Set `rules=[{apply_server_side_encryption_by_default: {sse_algorithm: \"aws:kms\", "
                "kms_master_key_id: <CMK ARN>}, bucket_key_enabled: True}]`.",
    checks=("rules[].applyServerSideEncryptionByDefault.sseAlgorithm",
            "rules[].applyServerSideEncryptionByDefault.kmsMasterKeyId"),
)
def s3_encryption_cmk(r: Res, report: Report) -> None:
    rules = r.get("rules")
    if not known(rules):
        return
    if absent(rules):
        report("rules is empty: no default encryption configured")
    for i, rule in enumerate(rules or []):
        if not known(rule):
            continue
        default = rule.get("applyServerSideEncryptionByDefault") if isinstance(rule, dict) else None
        if not known(default):
            continue
        default = default or {}
        algorithm, key = default.get("sseAlgorithm"), default.get("kmsMasterKeyId")
        if known(algorithm) and algorithm not in ("aws:kms", "aws:kms:dsse"):
            report(f"rules[{i}] sseAlgorithm is {show(algorithm)}: use aws:kms with a customer-managed key")
        elif absent(key):
            report(f"rules[{i}] has no kmsMasterKeyId: the AWS-managed aws/s3 key would be used")


@resource_policy(
    "s3-no-public-acl",
    types=(S3_BUCKET, S3_ACL), severity="critical", category="security",
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
    types=(S3_VERSIONING,), severity="medium", category="resilience",
    controls=(GDPR_RESTORE,),
    description="Bucket versioning is Enabled (every overwrite and delete keeps the previous version).",
    why="Versioning is what makes an overwrite or delete recoverable.",
    remediation="Set `versioning_configuration={\"status\": \"Enabled\"}`.",
    checks=("versioningConfiguration.status",),
)
def s3_versioning_enabled(r: Res, report: Report) -> None:
    status = r.get("versioningConfiguration.status")
    if known(status) and status != "Enabled":
        report(f"versioningConfiguration.status is {show(status)}")


@resource_policy(
    "s3-policy-deny-insecure-transport",
    types=(S3_POLICY,), severity="medium", category="security",
    controls=("cis-2-1-1", "pci-4-2-1", GDPR_ENC, "fsbp-s3-5"),
    description="Bucket policies deny requests made without TLS.",
    why="Without the deny, objects can be read and written over plain HTTP.",
    remediation="Add to `policy` on `aws.s3.BucketPolicy` a Deny for `s3:*` with `Bool: {aws:SecureTransport: "
                "false}`.",
    checks=("policy",),
)
def s3_policy_deny_insecure_transport(r: Res, report: Report) -> None:
    statements = document_statements(r, "policy", report)
    if statements is not None and not denies_insecure_transport(statements):
        report("policy has no Deny for aws:SecureTransport=false")


@resource_policy(
    "s3-policy-not-public",
    types=(S3_POLICY,), severity="critical", category="security",
    controls=("cis-2-1-4", GDPR_CIA, CCPA_BREACH, "fsbp-s3-2", "fsbp-s3-3", "fsbp-s3-6"),
    description="No bucket policy allows a wildcard principal without a condition.",
    why="`Principal: *` without a condition makes the bucket public to every AWS account or the internet.",
    remediation="In `policy` on `aws.s3.BucketPolicy` name the principals; scope service access with "
                "`aws:SourceArn`/`aws:SourceAccount`.",
    checks=("policy",),
)
def s3_policy_not_public(r: Res, report: Report) -> None:
    report_public_statements(r, "policy", report)
