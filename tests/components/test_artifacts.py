"""The signed-code component on both stacks and alone: what is uploaded, signed and deployed; the two buckets'
every setting (the S3 policies' inputs); the signing profile and the enforcing code signing config."""

from __future__ import annotations

import dataclasses
import json

import pytest

from components.artifacts import (
    ACCESS_LOGS_PREFIX_FORMAT,
    SIGNED_PREFIX,
    CodeArtifacts,
    CodeArtifactsLinks,
    CodeArtifactsSettings,
    artifact_key,
)
from components.contract import Placement, SettingError
from ecomart.mocks import ACCOUNT_ID
from ecomart.synthesis import synthesize
from platform_rules import LAMBDA_SIGNATURE_VALIDITY_MONTHS, LAMBDA_SIGNING_PLATFORM
from tests.conftest import domain_key_arn as key_arn
from tests.conftest import one

BUCKET = "aws:s3/bucket:Bucket"
OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"
JOB = "aws:signer/signingJob:SigningJob"
PROFILE = "aws:signer/signingProfile:SigningProfile"
CSC = "aws:lambda/codeSigningConfig:CodeSigningConfig"
FN = "aws:lambda/function:Function"


@pytest.fixture(params=["dev", "prod"])
def synth(request, dev, prod):
    return {"dev": dev, "prod": prod}[request.param]


def on_bucket(synth, typ: str, bucket) -> list:
    return [r for r in synth.of_type(f"aws:s3/{typ}") if r.inputs.get("bucket") == bucket.id]


def test_the_artifact_is_uploaded_under_its_content_hash_and_that_version_is_signed(synth):
    bucket = one(synth, BUCKET, "code-artifacts")
    obj = one(synth, OBJECT, "code-unsigned")
    path = obj.inputs["source"]["path"]
    assert path.endswith("app-py312-arm64.zip")
    assert obj.inputs["key"] == artifact_key(path) and obj.inputs["key"].startswith("unsigned/")
    assert obj.inputs["bucket"] == bucket.id
    assert (obj.inputs["serverSideEncryption"], obj.inputs["kmsKeyId"], obj.inputs["bucketKeyEnabled"]) == (
        "aws:kms",
        key_arn(synth, "compute"),
        True,
    )
    # uploaded only after versioning is on: the job signs an object *version*
    assert one(synth, "aws:s3/bucketVersioning:BucketVersioning", "code-artifacts-versioning").urn in obj.dependencies
    job = one(synth, JOB, "code-signing-job")
    assert job.inputs["source"] == {
        "s3": {"bucket": bucket.id, "key": obj.inputs["key"], "version": obj.outputs["versionId"]}
    }
    assert job.inputs["destination"] == {"s3": {"bucket": bucket.id, "prefix": SIGNED_PREFIX}}
    assert job.inputs["profileName"] == one(synth, PROFILE).outputs["name"]
    assert job.inputs["ignoreSigningJobFailure"] is False


def test_every_function_deploys_the_signed_object_under_the_enforcing_config(synth):
    (signed,) = one(synth, JOB).outputs["signedObjects"][0]["s3s"]
    assert signed["key"].startswith(SIGNED_PREFIX)
    csc = one(synth, CSC)
    functions = synth.of_type(FN)
    assert len(functions) == 3
    for fn in functions:
        assert (fn.inputs["s3Bucket"], fn.inputs["s3Key"], fn.inputs["codeSigningConfigArn"]) == (
            signed["bucket"],
            signed["key"],
            csc.outputs["arn"],
        ), fn.name
    assert csc.inputs["policies"] == {"untrustedArtifactOnDeployment": "Enforce"}
    assert csc.inputs["allowedPublishers"] == {"signingProfileVersionArns": [one(synth, PROFILE).outputs["versionArn"]]}


def test_the_signing_profile_signs_for_lambda_with_a_bounded_validity(synth):
    profile = one(synth, PROFILE)
    assert profile.inputs["platformId"] == LAMBDA_SIGNING_PLATFORM == "AWSLambda-SHA384-ECDSA"
    assert profile.inputs["signatureValidityPeriod"] == {"type": "MONTHS", "value": LAMBDA_SIGNATURE_VALIDITY_MONTHS}
    assert profile.inputs["namePrefix"] == f"ecomart_{synth.stack}_lambda_" and "name" not in profile.inputs
    assert profile.inputs["tags"]["environment"] == synth.config.environment


@pytest.mark.parametrize(
    "res, name, kms, force_destroy_in_dev, retained",
    [
        ("code-artifacts", "lambda-artifacts", "compute", True, False),
        ("code-access-logs", "access-logs", None, False, True),
    ],
)
def test_both_buckets_are_private_encrypted_versioned_expiring_and_notifying(
    synth, res, name, kms, force_destroy_in_dev, retained
):
    bucket = one(synth, BUCKET, res)
    assert bucket.inputs["bucket"] == f"ecomart-{synth.stack}-{name}-{ACCOUNT_ID}"
    assert bucket.inputs["forceDestroy"] is (force_destroy_in_dev and synth.stack == "dev")
    assert bucket.retain_on_delete is retained
    assert bucket.inputs["tags"]["Name"] == bucket.inputs["bucket"]
    (pab,) = on_bucket(synth, "bucketPublicAccessBlock:BucketPublicAccessBlock", bucket)
    assert {
        k: pab.inputs[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    } == dict.fromkeys(("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"), True)
    (own,) = on_bucket(synth, "bucketOwnershipControls:BucketOwnershipControls", bucket)
    assert own.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    (sse,) = on_bucket(synth, "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", bucket)
    if kms is None:  # the access-log bucket: SSE-S3, the only default encryption server access logging supports
        assert sse.inputs["rules"] == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
    else:
        assert sse.inputs["rules"] == [
            {
                "applyServerSideEncryptionByDefault": {
                    "sseAlgorithm": "aws:kms",
                    "kmsMasterKeyId": key_arn(synth, kms),
                },
                "bucketKeyEnabled": True,
            }
        ]
    (ver,) = on_bucket(synth, "bucketVersioning:BucketVersioning", bucket)
    assert ver.inputs["versioningConfiguration"] == {"status": "Enabled"}
    assert ver.retain_on_delete is retained
    (note,) = on_bucket(synth, "bucketNotification:BucketNotification", bucket)
    assert note.inputs["eventbridge"] is True
    (lifecycle,) = on_bucket(synth, "bucketLifecycleConfiguration:BucketLifecycleConfiguration", bucket)
    (rule,) = lifecycle.inputs["rules"]
    assert rule["status"] == "Enabled" and rule["filter"] == {"prefix": ""}
    days = synth.config.service.log_retention_days
    if res == "code-access-logs":
        assert rule["expiration"] == {"days": days} and rule["noncurrentVersionExpiration"] == {"noncurrentDays": days}
    else:
        assert "expiration" not in rule  # the current signed key is what the functions run
        assert rule["noncurrentVersionExpiration"] == {"noncurrentDays": 30}
        assert rule["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 1}


def test_the_export_says_which_resources_a_destroy_leaves(synth):
    kept = sorted(
        r["urn"].rsplit("::", 1)[-1] for r in synth.export()["deployment"]["resources"] if r.get("retainOnDelete")
    )
    assert kept == ["code-access-logs", "code-access-logs-versioning"]


def test_bucket_policies_deny_plain_http_and_admit_only_the_artifact_buckets_log_delivery(synth):
    artifacts, logs = one(synth, BUCKET, "code-artifacts"), one(synth, BUCKET, "code-access-logs")
    policies = {
        r.inputs["bucket"]: json.loads(r.inputs["policy"])
        for r in synth.of_type("aws:s3/bucketPolicy:BucketPolicy")
        if r.inputs["bucket"] in (artifacts.id, logs.id)
    }
    for bucket in (artifacts, logs):
        deny = policies[bucket.id]["Statement"][0]
        arn = bucket.outputs["arn"]
        assert deny == {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn, f"{arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    assert len(policies[artifacts.id]["Statement"]) == 1
    (delivery,) = policies[logs.id]["Statement"][1:]
    prefix = ACCESS_LOGS_PREFIX_FORMAT.format(bucket=artifacts.id)
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"} and delivery["Action"] == "s3:PutObject"
    assert delivery["Resource"] == f"{logs.outputs['arn']}/{prefix}*"
    assert delivery["Condition"] == {
        "ArnLike": {"aws:SourceArn": artifacts.outputs["arn"]},
        "StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
    }
    (logging,) = synth.of_type("aws:s3/bucketLogging:BucketLogging")
    assert (logging.inputs["bucket"], logging.inputs["targetBucket"], logging.inputs["targetPrefix"]) == (
        artifacts.id,
        logs.id,
        prefix,
    )


def test_the_logs_key_grants_nothing_to_s3_log_delivery(synth):
    """The access-log bucket is SSE-S3: S3's log delivery needs no KMS key, and gets none."""
    (key,) = [k for k in synth.of_type("aws:kms/key:Key") if k.inputs["tags"].get("data-domain") == "logs"]
    statements = json.loads(key.inputs["policy"])["Statement"]
    assert not [s for s in statements if "logging.s3.amazonaws.com" in json.dumps(s.get("Principal"))]


def test_a_new_artifact_is_a_new_key(tmp_path):
    a, b = tmp_path / "a.zip", tmp_path / "b.zip"
    a.write_bytes(b"one")
    b.write_bytes(b"two")
    assert artifact_key(str(a)) != artifact_key(str(b))
    assert artifact_key(str(a)) == ("unsigned/7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed.zip")


def test_the_component_alone_with_its_defaults(tmp_path):
    zip_path = tmp_path / "code.zip"
    zip_path.write_bytes(b"PK\x05\x06" + bytes(18))

    def program(cfg):
        code = CodeArtifacts(
            "solo",
            CodeArtifactsSettings(),
            CodeArtifactsLinks(code_path=str(zip_path), kms_key_arn="k1"),
            Placement(prefix="solo", region=cfg.region),
        )
        return {
            "bucket": code.bucket_name,
            "key": code.signed_key,
            "csc": code.code_signing_config_arn,
            "logs": code.access_logs_bucket_name,
            "profile": code.signing_profile_version_arn,
        }

    synth = synthesize("dev", program=program)
    assert synth.outputs["bucket"] == f"solo-lambda-artifacts-{ACCOUNT_ID}"
    assert synth.outputs["logs"] == f"solo-access-logs-{ACCOUNT_ID}"
    assert synth.outputs["key"].startswith(SIGNED_PREFIX) and synth.outputs["csc"].startswith("arn:aws:lambda:")
    assert synth.outputs["profile"].startswith("arn:aws:signer:")
    assert one(synth, BUCKET, "solo-artifacts").inputs["forceDestroy"] is False
    assert {r.parent for r in synth.registrations if r.type.startswith("aws:")} == {
        one(synth, "ecomart:app:CodeArtifacts").urn
    }


@pytest.mark.parametrize(
    "kw, fragment",
    [
        ({"access_log_retention_days": 0}, "access_log_retention_days is 0: must be 1..3650"),
        ({"noncurrent_version_days": 400}, "noncurrent_version_days is 400: must be 1..365"),
        ({"signature_validity_months": 136}, "signature_validity_months is 136: must be 1..135"),
    ],
)
def test_bad_settings_name_the_field(kw, fragment):
    with pytest.raises(SettingError) as e:
        CodeArtifactsSettings(**kw)
    assert fragment in str(e.value)


def test_every_field_is_documented():
    for cls in (CodeArtifactsSettings, CodeArtifactsLinks):
        for f in dataclasses.fields(cls):
            assert f.metadata.get("doc"), f.name
