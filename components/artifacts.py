"""Signed Lambda code: the functions run only code that AWS Signer signed with this stack's profile.

The artifact (``make package``'s zip) is uploaded to a versioned, KMS-encrypted bucket under a content-addressed
key; an ``aws.signer.SigningJob`` signs that object version with a signing profile on Lambda's platform
(``LAMBDA_SIGNING_PLATFORM``) and writes the signed zip under ``signed/``; the functions deploy the signed object,
and their code signing config *enforces* the signature (Lambda refuses an unsigned or foreign-signed upload,
instead of logging a warning, which is the API's default). A new artifact is a new key, so a new object version, a
new signing job (every input of a job forces a new one) and a new signed key: the functions update.

The artifact bucket's server access logs go to a second bucket in this component, which is never force-destroyed
and is retained when the stack is destroyed (``retain_on_delete``): access logs are audit evidence. Both buckets
block public access, enforce bucket-owner ownership, deny requests without TLS, encrypt with a customer-managed
key, expire what they no longer need and send their events to EventBridge. See docs/adr/0023-signed-lambda-code.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.contract import Placement, arg, settings
from components.tagging import with_name
from platform_rules import LAMBDA_SIGNATURE_VALIDITY_MONTHS, LAMBDA_SIGNING_PLATFORM, SIGNER_MAX_VALIDITY_MONTHS

SIGNED_PREFIX = "signed/"
"""Where the signing job writes signed zips (the unsigned uploads are under ``unsigned/``)."""
UNSIGNED_PREFIX = "unsigned/"
ACCESS_LOGS_PREFIX_FORMAT = "{bucket}/"
"""Key prefix of a bucket's server access logs in the access-log bucket (one prefix per source bucket)."""


@settings
class CodeArtifactsSettings:
    """The stack config's ``artifacts`` section."""

    access_log_retention_days: int = arg(
        "How long server access logs (and their replaced versions) are kept.", default=365, units="days", ge=1, le=3650
    )
    noncurrent_version_days: int = arg(
        "How long a replaced artifact version is kept (the rollback window; current "
        "objects are kept: the functions' code is the current signed key).",
        default=30,
        units="days",
        ge=1,
        le=365,
    )
    signature_validity_months: int = arg(
        "How long a signature stays valid: Lambda refuses to deploy code whose "
        "signature expired (revoke the profile to stop it sooner; AWS Signer's "
        "limits).",
        default=LAMBDA_SIGNATURE_VALIDITY_MONTHS,
        units="months",
        ge=1,
        le=SIGNER_MAX_VALIDITY_MONTHS,
    )
    force_destroy: bool = arg(
        "A destroy empties the artifact bucket (dev); the access-log bucket is never "
        "force-destroyed and is kept on destroy.",
        default=False,
    )


@dataclass
class CodeArtifactsLinks:
    code_path: str = arg("The Lambda artifact to sign (make package): a zip.")
    kms_key_arn: pulumi.Input[str] = arg("Key of the artifact bucket (SSE-KMS): the compute domain's.")


def _sse_default(
    kms_key_arn: pulumi.Input[str] | None,
) -> aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs:
    """SSE-KMS with ``kms_key_arn``; SSE-S3 without one (the access-log bucket)."""
    if kms_key_arn is None:
        return aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
            sse_algorithm="AES256"
        )
    return aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
        sse_algorithm="aws:kms", kms_master_key_id=kms_key_arn
    )


def artifact_key(path: str) -> str:
    """Content-addressed key of an unsigned artifact: a changed zip is a new key, so a new signing job."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return f"{UNSIGNED_PREFIX}{digest.hexdigest()}.zip"


def deny_insecure_transport(bucket_arn: str) -> dict[str, Any]:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def access_log_delivery(log_bucket_arn: str, source_bucket_arn: str, account_id: str) -> dict[str, Any]:
    """S3 server access log delivery into ``log_bucket_arn``, for ``source_bucket_arn`` of this account only
    (bucket-owner-enforced ownership: the grant is this statement, never an ACL)."""
    source = source_bucket_arn.split(":::", 1)[-1]
    return {
        "Sid": f"S3ServerAccessLogsFrom{''.join(p.capitalize() for p in source.split('-'))}"[:100],
        "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": f"{log_bucket_arn}/{ACCESS_LOGS_PREFIX_FORMAT.format(bucket=source)}*",
        "Condition": {
            "ArnLike": {"aws:SourceArn": source_bucket_arn},
            "StringEquals": {"aws:SourceAccount": account_id},
        },
    }


def bucket_policy(statements: Sequence[dict[str, Any]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class CodeArtifacts(pulumi.ComponentResource):
    """Artifact and access-log buckets, the signing profile, one signing job per artifact, the code signing config."""

    bucket_name: pulumi.Output[str]
    signed_key: pulumi.Output[str]
    code_signing_config_arn: pulumi.Output[str]
    signing_profile_version_arn: pulumi.Output[str]
    access_logs_bucket_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        settings: CodeArtifactsSettings,
        links: CodeArtifactsLinks,
        place: Placement,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("ecomart:app:CodeArtifacts", name, None, opts)
        self._tags = dict(place.tags)
        child = pulumi.ResourceOptions(parent=self)
        account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        p = place.prefix

        # Access logs: never emptied by a destroy, and kept when the stack goes (retain_on_delete).
        self.access_logs, _ = self._bucket(
            f"{name}-access-logs",
            account_id.apply(lambda a: f"{p}-access-logs-{a}"),
            # SSE-S3, not a KMS key: S3 server access logging supports only SSE-S3 default encryption on the
            # destination bucket (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html,
            # "destination bucket ... default encryption"); CDK's #25350 reports SSE-KMS working, against the guide.
            None,
            force_destroy=False,
            retain=True,
            rule=aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire-access-logs",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                    days=settings.access_log_retention_days
                ),
                noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=settings.access_log_retention_days
                ),
            ),
        )
        self.artifacts, artifacts_versioning = self._bucket(
            f"{name}-artifacts",
            account_id.apply(lambda a: f"{p}-lambda-artifacts-{a}"),
            links.kms_key_arn,
            force_destroy=settings.force_destroy,
            retain=False,
            rule=aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire-replaced-artifacts",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=settings.noncurrent_version_days
                ),
                abort_incomplete_multipart_upload=(
                    aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(days_after_initiation=1)
                ),
            ),
        )
        aws.s3.BucketPolicy(
            f"{name}-artifacts-policy",
            aws.s3.BucketPolicyArgs(
                bucket=self.artifacts.id,
                policy=self.artifacts.arn.apply(lambda arn: bucket_policy([deny_insecure_transport(arn)])),
            ),
            opts=child,
        )
        aws.s3.BucketPolicy(
            f"{name}-access-logs-policy",
            aws.s3.BucketPolicyArgs(
                bucket=self.access_logs.id,
                policy=pulumi.Output.all(self.access_logs.arn, self.artifacts.arn, account_id).apply(
                    lambda v: bucket_policy([deny_insecure_transport(v[0]), access_log_delivery(v[0], v[1], v[2])])
                ),
            ),
            opts=child,
        )
        aws.s3.BucketLogging(
            f"{name}-artifacts-access-logging",
            aws.s3.BucketLoggingInitArgs(
                bucket=self.artifacts.id,
                target_bucket=self.access_logs.id,
                target_prefix=self.artifacts.bucket.apply(lambda b: ACCESS_LOGS_PREFIX_FORMAT.format(bucket=b)),
            ),
            opts=child,
        )

        self.profile = aws.signer.SigningProfile(
            f"{name}-signing-profile",
            aws.signer.SigningProfileArgs(
                # Profile names are [A-Za-z0-9_] and never reusable once cancelled: a generated suffix.
                name_prefix=f"{p.replace('-', '_')}_lambda_",
                platform_id=LAMBDA_SIGNING_PLATFORM,
                signature_validity_period=aws.signer.SigningProfileSignatureValidityPeriodArgs(
                    type="MONTHS", value=settings.signature_validity_months
                ),
                tags=with_name(self._tags, f"{p}-lambda-signing"),
            ),
            opts=child,
        )
        self.code_signing_config = aws.lambda_.CodeSigningConfig(
            f"{name}-code-signing",
            aws.lambda_.CodeSigningConfigArgs(
                description=f"EcoMart {p}: only code signed by the stack's signing profile deploys",
                allowed_publishers=aws.lambda_.CodeSigningConfigAllowedPublishersArgs(
                    signing_profile_version_arns=[self.profile.version_arn]
                ),
                policies=aws.lambda_.CodeSigningConfigPoliciesArgs(untrusted_artifact_on_deployment="Enforce"),
                tags=with_name(self._tags, f"{p}-code-signing"),
            ),
            opts=child,
        )

        key = artifact_key(links.code_path)
        self.unsigned = aws.s3.BucketObjectv2(
            f"{name}-unsigned",
            aws.s3.BucketObjectv2Args(
                bucket=self.artifacts.id,
                key=key,
                source=pulumi.FileAsset(links.code_path),
                content_type="application/zip",
                server_side_encryption="aws:kms",
                kms_key_id=links.kms_key_arn,
                bucket_key_enabled=True,
                tags=with_name(self._tags, key),
            ),
            # Versioning must be on before the upload: the signing job signs an object version.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[artifacts_versioning]),
        )
        self.signing_job = aws.signer.SigningJob(
            f"{name}-signing-job",
            aws.signer.SigningJobArgs(
                profile_name=self.profile.name,
                source=aws.signer.SigningJobSourceArgs(
                    s3=aws.signer.SigningJobSourceS3Args(
                        bucket=self.artifacts.id, key=self.unsigned.key, version=self.unsigned.version_id
                    )
                ),
                destination=aws.signer.SigningJobDestinationArgs(
                    s3=aws.signer.SigningJobDestinationS3Args(bucket=self.artifacts.id, prefix=SIGNED_PREFIX)
                ),
                # A failed signature fails the deploy (the default; said so it cannot be flipped unnoticed).
                ignore_signing_job_failure=False,
            ),
            opts=child,
        )

        self.bucket_name = self.artifacts.bucket
        self.signed_key = self.signing_job.signed_objects.apply(_signed_key)
        self.code_signing_config_arn = self.code_signing_config.arn
        self.signing_profile_version_arn = self.profile.version_arn
        self.access_logs_bucket_name = self.access_logs.bucket
        self.register_outputs(
            {
                "bucketName": self.bucket_name,
                "signedKey": self.signed_key,
                "codeSigningConfigArn": self.code_signing_config_arn,
                "signingProfileVersionArn": self.signing_profile_version_arn,
                "accessLogsBucketName": self.access_logs_bucket_name,
            }
        )

    def _bucket(
        self,
        res: str,
        bucket_name: pulumi.Input[str],
        kms_key_arn: pulumi.Input[str] | None,
        *,
        force_destroy: bool,
        retain: bool,
        rule: aws.s3.BucketLifecycleConfigurationRuleArgs,
    ) -> tuple[aws.s3.Bucket, aws.s3.BucketVersioning]:
        """A bucket with the settings every S3 policy asks for (its bucket policy and logging are the caller's)."""
        keep = pulumi.ResourceOptions(parent=self, retain_on_delete=retain)
        child = pulumi.ResourceOptions(parent=self)
        bucket = aws.s3.Bucket(
            res,
            aws.s3.BucketArgs(
                bucket=bucket_name,
                force_destroy=force_destroy,
                tags=pulumi.Output.from_input(bucket_name).apply(lambda n: with_name(self._tags, n)),
            ),
            opts=keep,
        )
        aws.s3.BucketPublicAccessBlock(
            f"{res}-public-access-block",
            aws.s3.BucketPublicAccessBlockArgs(
                bucket=bucket.id,
                block_public_acls=True,
                block_public_policy=True,
                ignore_public_acls=True,
                restrict_public_buckets=True,
            ),
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{res}-ownership",
            aws.s3.BucketOwnershipControlsArgs(
                bucket=bucket.id, rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced")
            ),
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{res}-encryption",
            aws.s3.BucketServerSideEncryptionConfigurationInitArgs(
                bucket=bucket.id,
                rules=[
                    aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                        apply_server_side_encryption_by_default=_sse_default(kms_key_arn),
                        bucket_key_enabled=True if kms_key_arn is not None else None,
                    )
                ],
            ),
            opts=child,
        )
        versioning = aws.s3.BucketVersioning(
            f"{res}-versioning",
            aws.s3.BucketVersioningInitArgs(
                bucket=bucket.id,
                versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            ),
            opts=keep,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{res}-lifecycle",
            aws.s3.BucketLifecycleConfigurationArgs(bucket=bucket.id, rules=[rule]),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )
        aws.s3.BucketNotification(
            f"{res}-notifications", aws.s3.BucketNotificationArgs(bucket=bucket.id, eventbridge=True), opts=child
        )
        return bucket, versioning


def _signed_key(objects: Sequence[aws.signer.outputs.SigningJobSignedObject] | None) -> str:
    """The signed object's key from the job's ``signed_objects`` (one object, one S3 location)."""
    for obj in objects or []:
        for s3 in obj.s3s or []:
            if s3.key:
                return s3.key
    raise ValueError("the signing job reported no signed object")
