"""``ecomart preview --program DIR``: any Pulumi Python program under the mock engine, with clear errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ecomart.mocks import arn_for, resource_id
from ecomart.synthesis import SEALED, ProgramError, synthesize_program

ROOT = Path(__file__).resolve().parents[2]


def program(
    tmp_path: Path,
    source: str,
    stacks: dict[str, str] | None = None,
    project: str = "demo",
    runtime: str = "python",
    extra: str = "",
) -> Path:
    d = tmp_path / project
    d.mkdir()
    (d / "Pulumi.yaml").write_text(f"name: {project}\nruntime: {runtime}\n{extra}")
    (d / "__main__.py").write_text(source)
    for name, text in (stacks or {}).items():
        (d / f"Pulumi.{name}.yaml").write_text(text)
    return d


QUEUE = """
import pulumi, pulumi_aws as aws
cfg = pulumi.Config()
key = aws.kms.Key("key", enable_key_rotation=True)
q = aws.sqs.Queue("orders", name=cfg.require("queueName"), kms_master_key_id=key.arn)
sg = aws.ec2.SecurityGroup("sg", vpc_id="vpc-1")
nat = aws.ec2.NatGateway("nat", subnet_id="subnet-1")
pulumi.export("queueArn", q.arn)
pulumi.export("sgArn", sg.arn)
pulumi.export("natId", nat.id)
pulumi.export("region", cfg.get("note") or "none")
"""


def test_runs_a_program_with_its_own_config_and_exports(tmp_path):
    d = program(
        tmp_path,
        QUEUE,
        {"only": "config:\n  aws:region: eu-west-3\n  demo:queueName: orders-q\n"},
        extra="config:\n  note:\n    value: from-project\n",
    )
    synth = synthesize_program(d)
    assert synth.stack == "only" and synth.project == "demo" and synth.region == "eu-west-3"
    queue = next(r for r in synth.resources if r.type == "aws:sqs/queue:Queue")
    key = next(r for r in synth.resources if r.type == "aws:kms/key:Key")
    # another resource's output reached the input: nothing vanished
    assert queue.inputs["kmsMasterKeyId"] == key.outputs["arn"]
    assert key.outputs["arn"].startswith("arn:aws:kms:eu-west-3:123456789012:key/")
    assert synth.outputs["queueArn"] == "arn:aws:sqs:eu-west-3:123456789012:orders-q"
    assert synth.outputs["sgArn"].startswith("arn:aws:ec2:eu-west-3:123456789012:security-group/sg-")
    assert synth.outputs["natId"].startswith("nat-")
    assert synth.outputs["region"] == "from-project"
    root = next(r for r in synth.registrations if r.type == "pulumi:pulumi:Stack")
    assert root.outputs["queueArn"] == synth.outputs["queueArn"], "exports are in the stack export"
    assert synth.unknown_inputs() == []


def test_default_stack_is_the_only_one_else_dev(tmp_path):
    d = program(tmp_path, QUEUE, {"a": "config:\n  demo:queueName: a\n", "dev": "config:\n  demo:queueName: d\n"})
    assert synthesize_program(d).stack == "dev"
    assert synthesize_program(d, "a").outputs["queueArn"].endswith(":a")
    with pytest.raises(ProgramError, match=r"no Pulumi.prod.yaml; stacks here: a, dev"):
        synthesize_program(d, "prod")


def test_missing_config_names_the_key(tmp_path):
    d = program(tmp_path, QUEUE, {"dev": "config:\n  aws:region: us-east-1\n"})
    with pytest.raises(ProgramError) as e:
        synthesize_program(d)
    assert "needs config 'demo:queueName'" in str(e.value) and "Pulumi.dev.yaml" in str(e.value)


def test_program_errors_are_one_line_with_the_place(tmp_path):
    d = program(tmp_path, "import pulumi\n\nraise ValueError('no such tier: M5')\n")
    with pytest.raises(ProgramError) as e:
        synthesize_program(d)
    assert "the program raised ValueError: no such tier: M5 (at " in str(e.value) and "__main__.py:3)" in str(e.value)


@pytest.mark.parametrize(
    "setup,fragment",
    [
        (lambda d: (d / "Pulumi.yaml").unlink(), "no Pulumi.yaml"),
        (lambda d: (d / "Pulumi.yaml").write_text("name: x\nruntime: nodejs\n"), "runtime is 'nodejs'"),
        (lambda d: (d / "Pulumi.yaml").write_text("runtime: python\n"), "needs a 'name'"),
        (lambda d: (d / "Pulumi.yaml").write_text("name: x\nruntime: python\nmain: src/\n"), "entry point"),
        (lambda d: (d / "Pulumi.yaml").write_text("name: [\n"), "not YAML"),
    ],
)
def test_bad_program_directories(tmp_path, setup, fragment):
    d = program(tmp_path, QUEUE)
    setup(d)
    with pytest.raises(ProgramError, match=fragment.replace("(", r"\(")):
        synthesize_program(d)


def test_unknown_outputs_are_reported_not_dropped(tmp_path, capsys):
    """An output the mocks do not produce stays unknown in a dependent input: the preview says so (exit 1)."""
    from ecomart.commands.preview import preview as main_preview

    d = program(
        tmp_path,
        "import pulumi, pulumi_aws as aws\n"
        "fn = aws.lambda_.Function('fn', role='arn:aws:iam::123456789012:role/r', runtime='python3.12',"
        " handler='h.main', code=pulumi.FileArchive('.'))\n"
        "aws.ssm.Parameter('p', name='/x', type='String', value=fn.signing_job_arn)\n",
    )
    code, path = main_preview(None, program=str(d), out_file=str(tmp_path / "out.json"), quiet=True)
    assert code == 1 and path == tmp_path / "out.json"
    assert "inputs stayed unknown" in capsys.readouterr().err


def test_ids_and_arns_derive_from_the_type_token():
    assert resource_id("aws:ec2/transitGatewayRouteTable:TransitGatewayRouteTable", "x", {}).startswith(
        "tgrt-"
    )  # initials of the kind
    assert (
        arn_for("aws:ec2/subnet:Subnet", "x", "subnet-1", {}, "us-east-1")
        == "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-1"
    )
    assert (
        arn_for("aws:ecr/repository:Repository", "x", "app", {"name": "app"}, "eu-west-1")
        == "arn:aws:ecr:eu-west-1:123456789012:repository/app"
    )
    assert (
        arn_for("aws:cloudwatch/logGroup:LogGroup", "x", "g", {"name": "/a/b"}, "us-east-1")
        == "arn:aws:logs:us-east-1:123456789012:log-group:/a/b"
    )
    assert arn_for("random:index/randomId:RandomId", "x", "r", {}, "us-east-1") is None


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "ecomart", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_cli_preview_and_check_of_an_example(tmp_path):
    out = tmp_path / "export.json"
    preview = run_cli("preview", "--program", "examples/redis-iam", "--out", str(out))
    assert preview.returncode == 0, preview.stderr
    assert "Stack example (program example-redis-iam" in preview.stdout and "PASS: stack example" in preview.stdout
    assert json.loads(out.read_text())["version"] == 3
    check = run_cli("check", "--program", "examples/redis-iam", "--format", "json")
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout)["summary"]["mandatory"] == 0


def test_cli_bad_program_is_one_line_exit_2(tmp_path):
    for cmd in ("preview", "check"):
        r = run_cli(cmd, "--program", str(tmp_path))
        assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
        assert "no Pulumi.yaml" in r.stderr


def test_stack_preview_still_works_as_before():
    r = run_cli("preview", "--stack", "dev", "--no-check", "--out-dir", "/tmp/ecomart-test-dev")
    assert r.returncode == 0 and "Stack dev (dev, us-east-1)" in r.stdout
    r = run_cli("preview")
    assert r.returncode == 2 and "give --stack NAME" in r.stderr


OPTIONS = """
import pulumi, pulumi_aws as aws
key = aws.kms.Key("key", enable_key_rotation=True,
                  opts=pulumi.ResourceOptions(protect=True, custom_timeouts=pulumi.CustomTimeouts(create="10m",
                                                                                              delete="1h30m")))
flag = aws.ssm.Parameter("flag", type="String", value="off",
                         opts=pulumi.ResourceOptions(ignore_changes=["value"], replace_on_changes=["name"],
                                                     deleted_with=key, additional_secret_outputs=["arn"]))
"""


def test_resource_options_are_exported_as_pulumi_stack_export_writes_them(tmp_path):
    """apitype.ResourceV3: protect, ignoreChanges, replaceOnChanges, deletedWith, additionalSecretOutputs and
    customTimeouts (seconds); absent ones left out. A policy or a reviewer can then see that a deploy during an
    incident keeps the flag's value."""
    export = synthesize_program(program(tmp_path, OPTIONS)).export()
    by_name = {r["urn"].rsplit("::", 1)[-1]: r for r in export["deployment"]["resources"]}
    key, flag = by_name["key"], by_name["flag"]
    assert key["protect"] is True and key["customTimeouts"] == {"create": 600.0, "delete": 5400.0}
    assert "ignoreChanges" not in key and "protect" not in flag
    assert flag["ignoreChanges"] == ["value"] and flag["replaceOnChanges"] == ["name"]
    assert flag["deletedWith"] == key["urn"]
    assert "arn" in flag["additionalSecretOutputs"]


RESOURCES_AS_IDS = """
import json
import pulumi, pulumi_aws as aws

class Network(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("demo:index:Network", name, None, opts)
        self.vpc = aws.ec2.Vpc(f"{name}-vpc", cidr_block="10.0.0.0/16", opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"vpc": self.vpc})

net = Network("net")
subnet = aws.ec2.Subnet("s", vpc_id=net.vpc, cidr_block="10.0.1.0/24")  # the resource where its id is expected
rt = aws.ec2.RouteTable("rt", vpc_id=net.vpc)
aws.ec2.RouteTableAssociation("rta", subnet_id=subnet, route_table_id=rt)
role = aws.iam.Role("role", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": []}))
aws.iam.RolePolicyAttachment("attach", role=role, policy_arn="arn:aws:iam::aws:policy/ReadOnlyAccess")
fn = aws.lambda_.Function("fn", role=role.arn, runtime="python3.12", handler="h.h", code=pulumi.AssetArchive({}))
aws.lambda_.Permission("perm", function=fn, action="lambda:InvokeFunction", principal="s3.amazonaws.com")
aws.ec2.SecurityGroup("sg", vpc_id=net.vpc, opts=pulumi.ResourceOptions(depends_on=[net]))
pulumi.export("vpc", net.vpc)
pulumi.export("subnetId", subnet.id)
"""


def test_a_resource_passed_where_its_id_is_expected_previews_without_hanging(tmp_path):
    """Real programs write ``Subnet(vpc_id=vpc)``, ``Permission(function=fn)``, ``RolePolicyAttachment(role=role)``:
    the SDK sends a resource reference. The preview hung (or failed with "attached to a different loop") because the
    recording monitor rehydrated references on its worker thread; the input is now the id a provider receives."""
    d = program(tmp_path, RESOURCES_AS_IDS)
    script = (
        "import json, sys; from ecomart.synthesis import synthesize_program; s = synthesize_program(sys.argv[1]); "
        "print(json.dumps({'inputs': {r.name: r.inputs for r in s.resources}, 'outputs': s.outputs,"
        " 'ids': {r.name: r.outputs.get('id') or r.id for r in s.resources}}, default=str))"
    )
    run = subprocess.run([sys.executable, "-c", script, str(d)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    inputs, ids = got["inputs"], got["ids"]
    assert inputs["s"]["vpcId"] == ids["net-vpc"] and ids["net-vpc"].startswith("vpc-")
    assert inputs["rta"]["subnetId"] == ids["s"] and inputs["rta"]["routeTableId"] == ids["rt"]
    assert inputs["attach"]["role"] == ids["role"]
    assert inputs["perm"]["function"] == ids["fn"]
    assert inputs["sg"]["vpcId"] == ids["net-vpc"]
    assert got["outputs"]["subnetId"] == ids["s"]
    assert got["outputs"]["vpc"], "a resource exported whole is not lost"


DATA_SOURCES = """
import pulumi, pulumi_aws as aws

assume = aws.iam.get_policy_document(statements=[aws.iam.GetPolicyDocumentStatementArgs(
    actions=["sts:AssumeRole"],
    principals=[aws.iam.GetPolicyDocumentStatementPrincipalArgs(type="Service", identifiers=["ec2.amazonaws.com"])],
)])
read = aws.iam.get_policy_document(statements=[
    aws.iam.GetPolicyDocumentStatementArgs(sid="Read", actions=["s3:GetObject", "s3:ListBucket"],
        resources=["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
        conditions=[aws.iam.GetPolicyDocumentStatementConditionArgs(test="Bool", variable="aws:SecureTransport",
                                                                    values=["true"])]),
    aws.iam.GetPolicyDocumentStatementArgs(effect="Deny", actions=["s3:*"], resources=["*"],
        principals=[aws.iam.GetPolicyDocumentStatementPrincipalArgs(type="*", identifiers=["*"])]),
])
role = aws.iam.Role("role", assume_role_policy=assume.json)
aws.iam.RolePolicy("read", role=role.id, policy=read.json)
ami = aws.ec2.get_ami(most_recent=True, owners=["amazon"],
                      filters=[aws.ec2.GetAmiFilterArgs(name="name", values=["al2023-ami-*-x86_64"])])
vpc = aws.ec2.get_vpc(default=True)
subnets = aws.ec2.get_subnets(filters=[aws.ec2.GetSubnetsFilterArgs(name="vpc-id", values=[vpc.id])])
sg = aws.ec2.SecurityGroup("web", vpc_id=vpc.id)
aws.ec2.Instance("web", ami=ami.id, instance_type="t3.micro", subnet_id=subnets.ids[0],
                 vpc_security_group_ids=[sg.id])
zone = aws.route53.get_zone(name="example.com.")
aws.route53.Record("www", zone_id=zone.zone_id, name="www.example.com", type="CNAME", ttl=300, records=["x"])
param = aws.ssm.get_parameter(name="/app/flag")
pulumi.export("flag", param.name)
itype = aws.ec2.get_instance_type(instance_type="t3.micro")
pulumi.export("itype", itype.instance_type)
"""


def test_the_data_sources_real_programs_call_are_answered(tmp_path, capsys):
    """get_policy_document, get_ami, get_vpc, get_subnets and get_zone stopped a preview (6 of 25 public programs);
    the policy document is computed as the provider computes it, so the pack checks the real document."""
    d = program(tmp_path, DATA_SOURCES)
    synth = synthesize_program(d)
    by = {r.name: r for r in synth.resources}
    assume = json.loads(by["role"].inputs["assumeRolePolicy"])
    assert assume == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}],
    }
    read = json.loads(next(r for r in synth.resources if r.type == "aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    assert read["Statement"][0] == {
        "Sid": "Read",
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "true"}},
    }
    assert read["Statement"][1] == {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Principal": "*"}
    instance = next(r for r in synth.resources if r.type == "aws:ec2/instance:Instance")
    assert instance.inputs["ami"].startswith("ami-") and instance.inputs["subnetId"].startswith("subnet-")
    sg = next(r for r in synth.resources if r.type == "aws:ec2/securityGroup:SecurityGroup")
    assert sg.inputs["vpcId"].startswith("vpc-")
    record = next(r for r in synth.resources if r.type == "aws:route53/record:Record")
    assert record.inputs["zoneId"].startswith("Z")
    # a data source without an answer is echoed and named, never invented
    assert synth.echoed_data_sources == ["aws:ec2/getInstanceType:getInstanceType"]
    assert synth.outputs["flag"] == "/app/flag" and synth.outputs["itype"] == "t3.micro"


MORE_DATA_SOURCES = """
import pulumi, pulumi_aws as aws
amis = aws.ec2.get_ami_ids(owners=["amazon"], filters=[aws.ec2.GetAmiIdsFilterArgs(name="name", values=["al2023-*"])])
subnet = aws.ec2.get_subnet(default_for_az=True, availability_zone="eu-west-1a")
sg = aws.ec2.get_security_group(name="default")
policy = aws.iam.get_policy(arn="arn:aws:iam::aws:policy/ReadOnlyAccess")
role = aws.iam.get_role(name="existing-role")
cert = aws.acm.get_certificate(domain="example.com", statuses=["ISSUED"])
key = aws.kms.get_key(key_id="alias/aws/s3")
alias = aws.kms.get_alias(name="alias/app")
secret = aws.secretsmanager.get_secret(name="app/db")
version = aws.secretsmanager.get_secret_version(secret_id=secret.arn)
bucket = aws.s3.get_bucket(bucket="existing-logs")
token = aws.ecr.get_authorization_token()
elb = aws.elb.get_service_account()
lb = aws.lb.get_load_balancer(name="web")
param = aws.ssm.get_parameter(name="/app/image")
aws.ec2.Instance("web", ami=amis.ids[0], instance_type="t3.micro", subnet_id=subnet.id,
                 vpc_security_group_ids=[sg.id], iam_instance_profile=role.name)
aws.iam.RolePolicyAttachment("ro", role=role.name, policy_arn=policy.arn)
aws.s3.BucketPolicy("elb-logs", bucket=bucket.bucket, policy=pulumi.Output.json_dumps({
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": elb.arn}, "Action": "s3:PutObject",
                   "Resource": bucket.arn + "/*"}]}))
aws.lb.Listener("https", load_balancer_arn=lb.arn, port=443, protocol="HTTPS", certificate_arn=cert.arn,
                default_actions=[aws.lb.ListenerDefaultActionArgs(type="fixed-response",
                    fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(content_type="text/plain",
                                                                                 status_code="200"))])
aws.sqs.Queue("q", kms_master_key_id=alias.target_key_arn)
aws.ssm.Parameter("copy", name="/app/copy", type="String", value=param.value)
pulumi.export("registry", token.proxy_endpoint)
pulumi.export("keyArn", key.arn)
"""


def test_the_other_data_sources_programs_call_are_answered_and_account_secrets_stay_unknown(tmp_path):
    d = program(tmp_path, MORE_DATA_SOURCES, {"dev": "config:\n  aws:region: eu-west-1\n"})
    synth = synthesize_program(d)
    assert synth.echoed_data_sources == []
    by = {r.name: r for r in synth.resources}
    web = by["web"].inputs
    assert web["ami"].startswith("ami-") and web["subnetId"].startswith("subnet-")
    assert web["vpcSecurityGroupIds"][0].startswith("sg-") and web["iamInstanceProfile"] == "existing-role"
    assert by["ro"].inputs["policyArn"] == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    doc = json.loads(by["elb-logs"].inputs["policy"])
    assert doc["Statement"][0]["Principal"]["AWS"].endswith(":root")
    assert doc["Statement"][0]["Resource"] == "arn:aws:s3:::existing-logs/*"
    listener = by["https"].inputs
    assert listener["loadBalancerArn"].startswith("arn:aws:elasticloadbalancing:eu-west-1:")
    assert listener["certificateArn"].startswith("arn:aws:acm:eu-west-1:")
    assert by["q"].inputs["kmsMasterKeyId"].startswith("arn:aws:kms:eu-west-1:")
    assert synth.outputs["registry"] == "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    # what only the account knows (a parameter's value) is unknown, not invented
    # A secret input is reported by its property's path (not the secret envelope's ``value``).
    assert [path for urn, path in synth.unknown_inputs() if urn.endswith("::copy")] == ["value"]


AUTONAMED = """
import json
import pulumi, pulumi_aws as aws
logs = aws.s3.Bucket("AccessLogs")
aws.s3.BucketPolicy("logs", bucket=logs.bucket, policy=logs.arn.apply(lambda a: json.dumps({"Statement": [a]})))
role = aws.iam.Role("role", assume_role_policy="{}")
aws.iam.RolePolicy("inline", role=role.name, policy="{}")
queue = aws.sqs.Queue("jobs")
prefixed = aws.sns.Topic("alerts", name_prefix="alerts-")
named = aws.cloudwatch.LogGroup("app", name="/app/explicit")
aws.cloudwatch.LogGroup("auto")
pulumi.export("bucket", logs.bucket)
pulumi.export("queueUrl", queue.url)
pulumi.export("topic", prefixed.name)
"""


def test_auto_named_resources_get_the_physical_name_the_provider_would_give(tmp_path):
    """12 of 15 public programs exited 1 because an auto-named resource had no ``bucket``/``name`` output, so every
    input that used it stayed unknown (and one unknown output blanked all the Outputs)."""
    d = program(tmp_path, AUTONAMED)
    synth = synthesize_program(d)
    assert synth.unknown_inputs() == []
    by = {(r.type.rsplit(":", 1)[-1], r.name): r for r in synth.resources}
    bucket = by[("Bucket", "AccessLogs")].outputs["bucket"]
    assert bucket.startswith("accesslogs-") and bucket == bucket.lower()
    assert by[("BucketPolicy", "logs")].inputs["bucket"] == bucket
    role = by[("Role", "role")].outputs["name"]
    assert role.startswith("role-") and by[("RolePolicy", "inline")].inputs["role"] == role
    queue = by[("Queue", "jobs")].outputs["name"]
    assert synth.outputs["queueUrl"].endswith("/" + queue)
    assert synth.outputs["topic"].startswith("alerts-") and len(synth.outputs["topic"]) > len("alerts-")
    assert by[("LogGroup", "app")].outputs["name"] == "/app/explicit"  # a name the program gave is kept
    assert by[("LogGroup", "auto")].outputs["name"].startswith("auto-")
    assert synth.outputs["bucket"] == bucket


PARTLY_UNKNOWN = """
import pulumi, pulumi_aws as aws
logs = aws.s3.Bucket("logs")
web = aws.ec2.Instance("web", ami="ami-0123456789abcdef0", instance_type="t3.micro")
aws.route53.Record("www", zone_id="Z123", name="www.example.com", type="A", ttl=60, records=[web.public_ip])
pulumi.export("bucket", logs.bucket)
pulumi.export("ip", web.public_ip)
"""


def test_one_unknown_output_blanks_nothing_and_the_check_still_runs(tmp_path):
    """An output the mocks cannot know (an instance's public IP) used to blank the whole Outputs section, and the
    unknown input built from it made `preview` skip the compliance check: a reviewer saw neither."""
    d = program(tmp_path, PARTLY_UNKNOWN)
    synth = synthesize_program(d)
    assert synth.outputs["bucket"].startswith("logs-")
    assert synth.outputs["ip"].startswith("(unknown")
    run = run_cli("preview", "--program", str(d), "--out", str(tmp_path / "export.json"))
    assert run.returncode == 1, run.stderr  # the unknown input is still reported as such
    assert "inputs stayed unknown" in run.stderr and "Record::www:records" in run.stderr
    assert "Compliance check" in run.stdout and "stack-s3-access-logging" in run.stdout
    assert f"bucket  {synth.outputs['bucket']}" in run.stdout


SECRETS = """
import pulumi, pulumi_aws as aws
cfg = pulumi.Config()
db = aws.rds.Instance("db", engine="postgres", instance_class="db.t3.micro", allocated_storage=20, username="app",
                      password=pulumi.Output.secret("hunter2-plaintext"), skip_final_snapshot=True)
aws.secretsmanager.SecretVersion("token", secret_id="x", secret_string=cfg.require_secret("apiToken"))
pulumi.export("password", db.password)
"""


def test_secrets_are_sealed_in_the_export_as_pulumi_stack_export_writes_them(tmp_path):
    """A secret was written as ``{sig, "value": "<plaintext>"}``: neither ``pulumi stack export``'s shape
    (``ciphertext``) nor safe to upload as a CI artifact. The checker still sees the secret as set."""
    d = program(tmp_path, SECRETS, {"dev": "config:\n  demo:apiToken:\n    secure: AAABADYwMzM1ZGMzNmE=\n"})
    out = tmp_path / "export.json"
    run = run_cli("preview", "--program", str(d), "--out", str(out))
    text = out.read_text()
    assert "hunter2-plaintext" not in text and "hunter2-plaintext" not in run.stdout + run.stderr
    export = json.loads(text)
    sealed = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": SEALED}
    by = {r["urn"].rsplit("::", 1)[-1]: r for r in export["deployment"]["resources"]}
    assert by["db"]["inputs"]["password"] == by["db"]["outputs"]["password"] == sealed
    assert by["token"]["inputs"]["secretString"] == sealed
    # the pack reads a sealed secret as set: the literal password is still a finding
    assert "rds-managed-master-password" in run.stdout


def test_a_foreign_program_is_checked_with_the_portable_profile_unless_told_otherwise(tmp_path):
    """A program this repository did not write was checked with its own dev profile: its five tag keys were half
    of all findings on public programs. The portable profile is the default for --program; --policy-config picks
    another, for `preview` as for `check`; a missing file is one line, exit 2."""
    d = program(tmp_path, 'import pulumi_aws as aws\naws.s3.Bucket("logs")\n')
    portable = run_cli("preview", "--program", str(d), "--out", str(tmp_path / "a.json"))
    assert "(policies/config/portable.json)" in portable.stdout
    assert "stack-required-tags" not in portable.stdout.split("n/a")[0]
    own = run_cli(
        "preview", "--program", str(d), "--out", str(tmp_path / "b.json"), "--policy-config", "policies/config/dev.json"
    )
    assert "(policies/config/dev.json)" in own.stdout and "lacks tags" in own.stdout
    checked = run_cli("check", "--program", str(d))
    assert "(policies/config/portable.json)" in checked.stdout
    missing = run_cli("preview", "--program", str(d), "--policy-config", "nope.json")
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines()[-1] == "ecomart preview: --policy-config nope.json: no such file"


NEVER_RESOLVES = """
import asyncio
import pulumi, pulumi_aws as aws
bucket = aws.s3.Bucket("logs")
never = asyncio.get_event_loop().create_future()  # something the program awaits that nothing ever resolves
pulumi.export("bucket", bucket.bucket)
pulumi.export("stuck", pulumi.Output.from_input(never))
aws.s3.BucketPolicy("policy", bucket=bucket.bucket, policy=pulumi.Output.from_input(never))  # an RPC that never ends
"""


def test_a_program_that_never_finishes_stops_at_the_time_limit_with_one_line(tmp_path):
    d = program(tmp_path, NEVER_RESOLVES)
    env = {**os.environ, "ECOMART_PREVIEW_TIME_LIMIT": "3"}
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "ecomart", "preview", "--program", str(d)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert time.monotonic() - started < 30
    assert run.returncode == 2
    (line,) = run.stderr.strip().splitlines()
    assert "the program did not finish within 3 s (ECOMART_PREVIEW_TIME_LIMIT)" in line
    assert "stack outputs still pending: stuck" in line and "1 resources registered, the last 'logs'" in line
    assert "asyncio" not in line.replace("asyncio.", "") and "Traceback" not in run.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "ecomart", "preview", "--program", str(d)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "ECOMART_PREVIEW_TIME_LIMIT": "soon"},
    )
    assert bad.returncode == 2 and "ECOMART_PREVIEW_TIME_LIMIT='soon' is not allowed" in bad.stderr


@pytest.mark.parametrize(
    "typ,limit",
    [
        ("aws:iam/role:Role", 64),  # IAM CreateRole RoleName: 1-64
        ("aws:lb/loadBalancer:LoadBalancer", 32),  # ELBv2 CreateLoadBalancer Name: at most 32
        ("aws:lb/targetGroup:TargetGroup", 32),  # ELBv2 CreateTargetGroup Name: at most 32
        ("aws:sqs/queue:Queue", 80),  # SQS CreateQueue QueueName: up to 80
        ("aws:s3/bucket:Bucket", 63),  # S3 bucket naming rules: 3-63
        ("aws:lambda/function:Function", 64),  # Lambda CreateFunction FunctionName: 1-64
        ("aws:rds/instance:Instance", 63),  # RDS DBInstanceIdentifier: 1-63
        ("aws:elasticache/replicationGroup:ReplicationGroup", 40),  # ReplicationGroupId: at most 40
    ],
)
def test_autonames_keep_within_each_types_name_limit(typ, limit):
    """A long logical name is shortened before the suffix, as the provider's autonaming does, so the name AWS gets
    is valid: logical-name prefix, ``-``, seven hex characters."""
    from ecomart.mocks import _autoname

    name = _autoname(typ, "a-very-long-logical-name-" * 6, None, {})
    assert len(name) == limit and re.fullmatch(r"a-very-long[a-z-]*-[0-9a-f]{7}", name), name
    assert _autoname(typ, "short", None, {}).startswith("short-")


def test_autonames_follow_each_types_spelling():
    from ecomart.mocks import _autoname

    assert _autoname("aws:s3/bucket:Bucket", "Uploads", None, {}).startswith("uploads-")  # S3: lower case
    fifo = _autoname("aws:sqs/queue:Queue", "jobs", None, {"fifoQueue": True})
    assert fifo.endswith(".fifo") and re.fullmatch(r"jobs-[0-9a-f]{7}\.fifo", fifo)
    assert re.fullmatch(r"api-[0-9a-f]{26}", _autoname("aws:iam/role:Role", "x", "api-", {}))  # <prop>Prefix


@pytest.mark.parametrize("raw", ["0", "-5", "3601", "soon"])
def test_the_time_limit_refuses_what_is_not_0_to_3600_seconds(monkeypatch, raw):
    from ecomart.synthesis import ProgramError, program_time_limit

    monkeypatch.setenv("ECOMART_PREVIEW_TIME_LIMIT", raw)
    with pytest.raises(
        ProgramError, match=r"ECOMART_PREVIEW_TIME_LIMIT=.* is not allowed \(allowed: seconds, 0 < s <= 3600\)"
    ):
        program_time_limit()


def test_the_time_limit_defaults_to_two_minutes_and_takes_any_allowed_value(monkeypatch):
    from ecomart.synthesis import program_time_limit

    monkeypatch.delenv("ECOMART_PREVIEW_TIME_LIMIT", raising=False)
    assert program_time_limit() == 120.0
    monkeypatch.setenv("ECOMART_PREVIEW_TIME_LIMIT", "3600")
    assert program_time_limit() == 3600.0
