"""The pack as the Pulumi CLI runs it: ``python -m pulumi.policy <engine> .`` in the pack directory (what the
CLI's pulumi-analyzer-policy-python plugin executes), spoken to over the analyzer gRPC protocol the engine uses.

No Pulumi CLI exists here, so this is the closest to ``pulumi preview --policy-pack policies`` that can run:
it proves ``policies/__main__.py`` imports under ``runpy`` with the pack directory as cwd, serves every policy
with its metadata, takes a ``--policy-pack-config`` file's contents (Configure), and evaluates resources and
stacks, unknown values included, through pulumi-policy's own servicer.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from policies.engine import enforcement
from policies.engine.registry import all_policies, stack_policies

PACK = Path(__file__).resolve().parents[2] / "policies"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


@pytest.fixture(scope="module")
def analyzer():
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", "."],
        cwd=PACK,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    port: list[str] = []
    reader = threading.Thread(target=lambda: port.append(proc.stdout.readline().strip()), daemon=True)
    reader.start()
    reader.join(timeout=60)
    try:
        if not port or not port[0].isdigit():
            proc.kill()
            pytest.fail(f"the pack did not start: {proc.stderr.read() if proc.poll() is not None else 'timeout'}")
        channel = grpc.insecure_channel(f"127.0.0.1:{port[0]}")
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        proc.kill()
        proc.wait(timeout=10)


def _struct(values: dict) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(values)
    return s


def _configure(stub, stack: str) -> None:
    config = enforcement.load(enforcement.CONFIG_DIR / f"{stack}.json")
    levels = {"advisory": analyzer_pb2.ADVISORY, "mandatory": analyzer_pb2.MANDATORY, "disabled": analyzer_pb2.DISABLED}
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    for p in all_policies():  # the CLI resolves "all" and per-policy entries into one config per policy
        request.policyConfig[p.name].CopyFrom(
            analyzer_pb2.PolicyConfig(
                enforcementLevel=levels[enforcement.level_of(p.name, config)],
                properties=_struct(enforcement.properties_of(p.name, config)),
            )
        )
    stub.Configure(request)


WRITER = {
    "identifier": "db",
    "engine": "postgres",
    "port": 5433,
    "engineVersion": "16.8",
    "storageEncrypted": True,
    "kmsKeyId": UNKNOWN,
    "publiclyAccessible": False,
    "iamDatabaseAuthenticationEnabled": True,
    "manageMasterUserPassword": True,
    "masterUserSecretKmsKeyId": UNKNOWN,
    "multiAz": False,
    "backupRetentionPeriod": 7,
    "deleteAutomatedBackups": False,
    "deletionProtection": True,
    "finalSnapshotIdentifier": "db-final",
    "copyTagsToSnapshot": True,
    "performanceInsightsEnabled": True,
    "performanceInsightsKmsKeyId": UNKNOWN,
    "monitoringInterval": 60,
    "monitoringRoleArn": UNKNOWN,
    "enabledCloudwatchLogsExports": ["postgresql"],
    "parameterGroupName": UNKNOWN,
    "caCertIdentifier": "rds-ca-rsa2048-g1",
    "dbSubnetGroupName": UNKNOWN,
}


def _analyze(stub, rtype: str, props: dict):
    return stub.Analyze(
        analyzer_pb2.AnalyzeRequest(
            type=rtype, properties=_struct(props), urn=f"urn:pulumi:dev::ecomart-data-platform::{rtype}::r", name="r"
        )
    )


def test_pack_serves_every_policy_with_its_metadata(analyzer):
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == "ecomart-data-platform" and info.supportsConfig
    assert len(info.policies) == len(all_policies())
    stack = [p for p in info.policies if p.policy_type == analyzer_pb2.POLICY_TYPE_STACK]
    assert len(stack) == len(stack_policies())
    for p in info.policies:
        assert p.severity != analyzer_pb2.POLICY_SEVERITY_UNSPECIFIED, p.name
        assert p.framework.name and p.framework.reference and p.remediation_steps, p.name
        assert p.enforcementLevel == analyzer_pb2.MANDATORY  # the pack's default without a config file
    schema = next(p for p in info.policies if p.name == "rds-backup-retention").configSchema
    assert schema.properties["minimumDays"]["default"] == 35


def test_dev_config_makes_cost_driven_findings_advisory_and_unknowns_are_skipped(analyzer):
    _configure(analyzer, "dev")
    response = _analyze(analyzer, "aws:rds/instance:Instance", WRITER)
    found = {d.policyName: d.enforcementLevel for d in response.diagnostics}
    assert found == {"rds-multi-az": analyzer_pb2.ADVISORY}, [d.message for d in response.diagnostics]


def test_prod_config_blocks_them(analyzer):
    _configure(analyzer, "prod")
    found = {
        d.policyName: d.enforcementLevel for d in _analyze(analyzer, "aws:rds/instance:Instance", WRITER).diagnostics
    }
    assert found == {"rds-multi-az": analyzer_pb2.MANDATORY, "rds-backup-retention": analyzer_pb2.MANDATORY}


def test_stack_policies_run_over_the_engine_protocol(analyzer):
    _configure(analyzer, "prod")
    vpc_urn = "urn:pulumi:prod::ecomart-data-platform::aws:ec2/vpc:Vpc::vpc"
    tags = {"project": "p", "environment": "prod", "owner": "o", "cost-center": "c", "data-classification": "internal"}
    resources = [
        analyzer_pb2.AnalyzerResource(
            type="aws:ec2/vpc:Vpc",
            urn=vpc_urn,
            name="vpc",
            properties=_struct({"cidrBlock": "10.0.0.0/16", "id": UNKNOWN, "tags": tags}),
        ),
        analyzer_pb2.AnalyzerResource(
            type="aws:ec2/flowLog:FlowLog",
            urn=vpc_urn.replace("ec2/vpc:Vpc::vpc", "ec2/flowLog:FlowLog::fl"),
            name="fl",
            properties=_struct({"vpcId": UNKNOWN, "trafficType": "REJECT", "tags": tags}),
            dependencies=[vpc_urn],
            propertyDependencies={"vpcId": analyzer_pb2.AnalyzerPropertyDependencies(urns=[vpc_urn])},
        ),
    ]
    response = analyzer.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=resources))
    messages = {d.policyName: d.message for d in response.diagnostics}
    assert set(messages) == {"stack-vpc-flow-logs"}, messages
    assert "REJECT" in messages["stack-vpc-flow-logs"]


def test_policy_config_files_are_what_the_cli_reads():
    for stack in ("dev", "prod"):
        data = json.loads((PACK / "config" / f"{stack}.json").read_text())
        assert data["all"] == "mandatory"
