"""Every example previews offline with nothing unknown, passes the pack at prod strictness, and builds what its
README says."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from ecomart.synthesis import synthesize_program
from policies.engine.checker import check_export

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.parent for p in (ROOT / "examples").glob("*/Pulumi.yaml"))


@pytest.fixture(scope="module")
def synths():
    return {d.name: synthesize_program(d) for d in EXAMPLES}


def test_there_are_at_least_four_examples():
    assert {d.name for d in EXAMPLES} >= {
        "postgres-multi-az",
        "redis-iam",
        "atlas-sharded",
        "monitoring-existing-stores",
        "signed-lambda-code",
    }
    for d in EXAMPLES:
        assert (d / "README.md").is_file() and (d / "__main__.py").is_file()


@pytest.mark.parametrize("name", [d.name for d in EXAMPLES])
def test_example_uses_components_alone(name):
    import ast

    tree = ast.parse((ROOT / "examples" / name / "__main__.py").read_text())
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    # components, the platform rules, the providers' SDKs for the example's own resources and the standard library
    allowed = {"pulumi", "pulumi_aws", "pulumi_mongodbatlas", "components", "platform_rules"}
    tops = {m.split(".")[0] for m in modules}
    assert tops - allowed <= set(sys.stdlib_module_names), modules
    assert not tops & {"infra", "app", "policies", "runbooks", "bench"}, modules


@pytest.mark.parametrize("name", [d.name for d in EXAMPLES])
def test_example_previews_with_nothing_unknown_and_passes_the_pack(name, synths):
    synth = synths[name]
    assert synth.stack == "example" and synth.resources
    assert synth.unknown_inputs() == []
    result = check_export(synth.export(), stack=synth.stack)
    mandatory = [v for v in result.violations if v.enforcement == "mandatory"]
    assert mandatory == [], [f"{v.policy}: {v.message}" for v in mandatory]
    assert result.config_path.name == "prod.json"


def of_type(synth, typ):
    return [r for r in synth.resources if r.type == typ]


def test_postgres_example(synths):
    s = synths["postgres-multi-az"]
    rds = {r.name: r.inputs for r in of_type(s, "aws:rds/instance:Instance")}
    assert set(rds) == {"orders-writer", "orders-replica-1", "orders-replica-2"}
    assert rds["orders-writer"]["multiAz"] is True and rds["orders-writer"]["backupRetentionPeriod"] == 35
    assert rds["orders-writer"]["engineVersion"] == "16"
    (rep,) = of_type(s, "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication")
    assert rep.inputs["region"] == "eu-central-1"
    assert [v.inputs["region"] for v in of_type(s, "aws:backup/vault:Vault") if "region" in v.inputs] == [
        "eu-central-1"
    ]
    assert s.outputs["postgresWriterArn"] == "arn:aws:rds:eu-west-1:123456789012:db:orders-example-pg"


def test_redis_example(synths):
    s = synths["redis-iam"]
    (rg,) = of_type(s, "aws:elasticache/replicationGroup:ReplicationGroup")
    assert (rg.inputs["numNodeGroups"], rg.inputs["replicasPerNodeGroup"]) == (3, 2)
    users = {u.inputs["userName"]: u.inputs for u in of_type(s, "aws:elasticache/user:User")}
    assert users["carts-example-app"]["authenticationMode"] == {"type": "iam"}
    assert users["default"]["accessString"] == "off"
    assert (
        "~cart:*" in users["carts-example-app"]["accessString"]
        and "~product:*" not in users["carts-example-app"]["accessString"]
    )
    assert len(of_type(s, "aws:cloudwatch/metricAlarm:MetricAlarm")) == 3 * 3 * 5  # 9 nodes x 5 metrics


def test_atlas_example(synths):
    s = synths["atlas-sharded"]
    (cluster,) = of_type(s, "mongodbatlas:index/advancedCluster:AdvancedCluster")
    assert cluster.inputs["clusterType"] == "GEOSHARDED" and len(cluster.inputs["replicationSpecs"]) == 3
    (ear,) = of_type(s, "mongodbatlas:index/encryptionAtRest:EncryptionAtRest")
    (key,) = [k for k in of_type(s, "aws:kms/key:Key") if k.inputs["tags"].get("data-domain") == "document"]
    assert ear.inputs["awsKmsConfig"]["customerMasterKeyId"] == key.outputs["keyId"]
    (gc,) = of_type(s, "mongodbatlas:index/globalClusterConfig:GlobalClusterConfig")
    assert {m["location"] for m in gc.inputs["customZoneMappings"] if m["zone"] == "EU"} >= {"DE", "FR", "NO"}


def test_monitoring_example_watches_the_existing_stores(synths):
    s = synths["monitoring-existing-stores"]
    alarms = of_type(s, "aws:cloudwatch/metricAlarm:MetricAlarm")
    dims = {tuple(a.inputs["dimensions"].values())[0] for a in alarms}
    assert dims == {"legacy-orders", "legacy-orders-replica", "legacy-sessions-001", "legacy-sessions-002"}
    assert len(alarms) == 6 + 7 + 2 * 5
    cpu = next(a for a in alarms if a.inputs["name"] == "legacy-example-legacy-orders-cpu")
    assert cpu.inputs["threshold"] == 70
    assert not of_type(s, "aws:rds/instance:Instance"), "watching a store declares nothing of it"
    assert json.loads(json.dumps(s.outputs))["alarmNames"][0].startswith("legacy-example-")


def test_signed_lambda_code_example(synths):
    s = synths["signed-lambda-code"]
    (fn,) = of_type(s, "aws:lambda/function:Function")
    (job,) = of_type(s, "aws:signer/signingJob:SigningJob")
    (csc,) = of_type(s, "aws:lambda/codeSigningConfig:CodeSigningConfig")
    (obj,) = of_type(s, "aws:s3/bucketObjectv2:BucketObjectv2")
    (signed,) = job.outputs["signedObjects"][0]["s3s"]
    assert (fn.inputs["s3Bucket"], fn.inputs["s3Key"]) == (signed["bucket"], signed["key"])
    assert fn.inputs["codeSigningConfigArn"] == csc.outputs["arn"]
    assert csc.inputs["policies"] == {"untrustedArtifactOnDeployment": "Enforce"}
    assert job.inputs["source"]["s3"]["version"] == obj.outputs["versionId"]
    assert "code" not in fn.inputs and fn.inputs["vpcConfig"]["subnetIds"]
    # the zip is reproducible: previewing again uploads the same content-addressed key (no new signing job)
    again = synthesize_program(ROOT / "examples" / "signed-lambda-code")
    (obj2,) = of_type(again, "aws:s3/bucketObjectv2:BucketObjectv2")
    assert obj2.inputs["key"] == obj.inputs["key"]
