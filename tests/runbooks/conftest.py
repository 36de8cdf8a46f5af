"""Runbooks against emulated AWS: moto where it emulates the API, botocore's Stubber where it does not."""

from __future__ import annotations

import io
import json
from pathlib import Path

import boto3
import pytest

REGION, DR = "us-east-1", "us-west-2"


@pytest.fixture
def aws_env(monkeypatch):
    for k, v in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def moto_aws(aws_env):
    from moto import mock_aws

    with mock_aws():
        yield


class CallLog:
    """Every API call the runbook's clients made, with its parameters as given, seen by botocore itself."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict]] = []

    def factory(self, region: str):
        session = boto3.session.Session(region_name=region)

        def record(params, model, **_):
            self.calls.append((model.service_model.service_name, model.name, dict(params)))

        session.events.register("before-parameter-build", record)
        return session

    def ops(self) -> list[str]:
        return [op for _, op, _ in self.calls]

    def params(self, op: str) -> dict:
        found = [p for _, o, p in self.calls if o == op]
        assert found, f"{op} was not called; calls: {self.ops()}"
        return found[-1]


@pytest.fixture
def call_log():
    return CallLog()


def run_book(
    name,
    outputs,
    params=None,
    *,
    execute=False,
    tmp_path: Path,
    call_log=None,
    extra=None,
    stack="dev",
    clock=None,
    sleep=None,
    clients=None,
):
    from runbooks.core import Clients, Facts
    from runbooks.runner import load_all, run

    book = load_all()[name]
    values = {p.name: p.default for p in book.params}
    values.update(params or {})
    facts = Facts(stack=stack, outputs=outputs, source="outputs test.json", deployed=True)
    out = io.StringIO()
    kwargs = {"poll_seconds": 0}
    if clock is not None:
        kwargs["clock"] = clock
    if sleep is not None:
        kwargs["sleep"] = sleep
    else:
        kwargs["sleep"] = lambda s: None
    code, path, ctx = run(
        book,
        facts,
        values,
        execute=execute,
        confirm=stack if execute else None,
        out=out,
        evidence_dir=tmp_path,
        clients=clients or Clients(call_log.factory if call_log else None),
        extra=extra,
        **kwargs,
    )
    return code, json.loads(path.read_text()), out.getvalue(), ctx


class StubbedClients:
    """Clients whose calls go to botocore Stubbers: each request is validated against botocore's service model."""

    def __init__(self) -> None:
        from botocore.stub import Stubber

        self._Stubber = Stubber
        self.stubs: dict[tuple[str, str], object] = {}
        self._clients: dict[tuple[str, str], object] = {}
        self.calls: list[tuple[str, str, str]] = []

    def stub(self, service: str, region: str = REGION):
        key = (service, region)
        if key not in self._clients:
            client = boto3.session.Session(region_name=region, aws_access_key_id="x", aws_secret_access_key="x").client(
                service, region_name=region
            )
            stubber = self._Stubber(client)
            stubber.activate()
            self._clients[key], self.stubs[key] = client, stubber
        return self.stubs[key]

    def get(self, service: str, region: str):
        if (service, region) not in self._clients:
            raise AssertionError(f"unexpected client {service} in {region}")
        return self._clients[(service, region)]

    def assert_no_pending(self) -> None:
        for s in self.stubs.values():
            s.assert_no_pending_responses()


# Real PostgreSQL and Redis servers (started by the tests), the same fixtures the app tests use.
from tests.app.conftest import dsn, mongo, pg_server, redis_server, redis_url, seeded, services, template_db  # noqa: E402,F401


class Clock:
    """A fake clock for waits: ``sleep`` advances it, so polling loops run instantly and times are exact."""

    def __init__(self, start):
        self.t = start.timestamp()

    def __call__(self):
        return self.t

    def sleep(self, s):
        self.t += s


WRITER = "ecomart-dev-pg"


@pytest.fixture
def writer(moto_aws):
    rds = boto3.client("rds", region_name=REGION)
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
        for i, az in enumerate("ab")
    ]
    sg = ec2.create_security_group(GroupName="pg", Description="pg", VpcId=vpc)["GroupId"]
    rds.create_db_subnet_group(
        DBSubnetGroupName="ecomart-dev-postgres", DBSubnetGroupDescription="x", SubnetIds=subnets
    )
    rds.create_db_parameter_group(
        DBParameterGroupName="ecomart-dev-postgres16", DBParameterGroupFamily="postgres16", Description="x"
    )
    key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    inst = rds.create_db_instance(
        DBInstanceIdentifier=WRITER,
        Engine="postgres",
        DBInstanceClass="db.t4g.medium",
        AllocatedStorage=20,
        MasterUsername="ecomart_admin",
        ManageMasterUserPassword=True,
        DBSubnetGroupName="ecomart-dev-postgres",
        VpcSecurityGroupIds=[sg],
        DBParameterGroupName="ecomart-dev-postgres16",
        StorageEncrypted=True,
        KmsKeyId=key,
        EnableIAMDatabaseAuthentication=True,
        BackupRetentionPeriod=7,
        MultiAZ=True,
        MonitoringInterval=60,
        MonitoringRoleArn="arn:aws:iam::123456789012:role/ecomart-dev-rds-monitoring",
        Tags=[{"Key": "environment", "Value": "dev"}, {"Key": "owner", "Value": "data@ecomart.example"}],
    )["DBInstance"]
    return {"sg": sg, "key": key, "arn": inst["DBInstanceArn"]}


OUTPUTS = {"stack": "dev", "region": REGION, "postgresWriterIdentifier": WRITER}
