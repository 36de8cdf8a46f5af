"""deploy-preflight against botocore's Stubber (each request validated against botocore's own service models; moto
emulates neither Service Quotas' codes nor SES v2's account): the prod stack's declared resources from the offline
preview, and the account's answers: every check passes on a ready account, each fails on the one thing wrong."""

from __future__ import annotations

import io
import json

import pytest

from runbooks.core import Facts
from runbooks.runner import load_all, run
from tests.runbooks.conftest import REGION, StubbedClients


@pytest.fixture(scope="module")
def facts(prod):
    return Facts(
        stack="prod",
        outputs=dict(prod.outputs),
        source="offline preview export",
        deployed=False,
        resources=prod.export()["deployment"]["resources"],
    )


def _declared(facts, rtype):
    return [r for r in facts.resources if r["type"] == rtype]


def account(
    facts,
    *,
    concurrency=1000,
    db_room=40,
    endpoint_quota=50.0,
    zones_ok=True,
    ses_verified=True,
    sandbox=False,
    session=4 * 3600,
):
    """Stubbed answers of a ready account (each keyword spoils one)."""
    c = StubbedClients()
    c.stub("sts").add_response(
        "get_caller_identity",
        {"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/ops", "UserId": "AIDA"},
        {},
    )
    c.stub("lambda").add_response(
        "get_account_settings",
        {"AccountLimit": {"ConcurrentExecutions": concurrency, "UnreservedConcurrentExecutions": concurrency}},
        {},
    )
    quotas = [
        {"AccountQuotaName": n, "Used": 0, "Max": db_room if n == "DBInstances" else 40}
        for n in ("DBInstances", "EventSubscriptions", "DBSubnetGroups", "DBParameterGroups")
    ]
    c.stub("rds").add_response("describe_account_attributes", {"AccountQuotas": quotas}, {})
    c.stub("service-quotas").add_response(
        "get_service_quota",
        {
            "Quota": {
                "ServiceCode": "vpc",
                "QuotaCode": "L-29B6F2EB",
                "QuotaName": "Interface VPC endpoints per VPC",
                "Value": endpoint_quota,
            }
        },
        {"ServiceCode": "vpc", "QuotaCode": "L-29B6F2EB"},
    )
    zones = sorted({r["inputs"]["availabilityZone"] for r in _declared(facts, "aws:ec2/subnet:Subnet")})
    c.stub("ec2").add_response(
        "describe_availability_zones",
        {
            "AvailabilityZones": [
                {"ZoneName": z, "State": "available" if zones_ok or i else "impaired"} for i, z in enumerate(zones)
            ]
        },
        {"ZoneNames": zones},
    )
    services = sorted(
        {
            r["inputs"]["serviceName"]
            for r in _declared(facts, "aws:ec2/vpcEndpoint:VpcEndpoint")
            if r["inputs"]["serviceName"].startswith(f"com.amazonaws.{REGION}.")
        }
    )
    c.stub("ec2").add_response(
        "describe_vpc_endpoint_services",
        {"ServiceDetails": [{"ServiceName": s, "AvailabilityZones": zones} for s in services]},
        {"ServiceNames": services},
    )
    (pool,) = _declared(facts, "aws:cognito/userPool:UserPool")
    identity = pool["inputs"]["emailConfiguration"]["sourceArn"].split(":identity/")[1]
    c.stub("sesv2").add_response(
        "get_email_identity", {"VerifiedForSendingStatus": ses_verified}, {"EmailIdentity": identity}
    )
    c.stub("sesv2").add_response("get_account", {"ProductionAccessEnabled": not sandbox}, {})
    role = {
        "Path": "/",
        "RoleName": "ecomart-prod-deploy",
        "RoleId": "AROAEXAMPLE123456789",
        "Arn": "arn:aws:iam::123456789012:role/ecomart-prod-deploy",
        "CreateDate": "2026-12-01T00:00:00Z",
        "MaxSessionDuration": session,
    }
    c.stub("iam").add_response("get_role", {"Role": role}, {"RoleName": "ecomart-prod-deploy"})
    return c


def preflight(facts, clients, tmp_path, **params):
    book = load_all()["deploy-preflight"]
    values = {p.name: p.default for p in book.params} | {"region": REGION} | params
    out = io.StringIO()
    code, path, ctx = run(book, facts, values, out=out, evidence_dir=tmp_path, clients=clients)
    return code, json.loads(path.read_text()), out.getvalue()


def test_a_ready_account_passes_every_check(facts, tmp_path):
    clients = account(facts)
    code, evidence, out = preflight(facts, clients, tmp_path)
    clients.assert_no_pending()
    assert code == 0, out
    names = {c["check"] for c in evidence["checks"]}
    assert {
        "Lambda concurrency",
        "RDS DBInstances",
        "interface endpoints per VPC",
        "AZs available",
        "SES production access (out of the sandbox)",
        "deploy role session",
    } <= names
    reserved = sum(
        int(r["inputs"].get("reservedConcurrentExecutions") or 0)
        for r in _declared(facts, "aws:lambda/function:Function")
    )
    assert evidence["measurements"]["lambda_concurrency"]["value"] == {"limit": 1000, "reserved": reserved}
    assert reserved > 0


@pytest.mark.parametrize(
    "spoil,check",
    [
        ({"concurrency": 150}, "Lambda concurrency"),  # the API function alone reserves 100: + 100 unreserved
        ({"db_room": 2}, "RDS DBInstances"),
        ({"endpoint_quota": 5.0}, "interface endpoints per VPC"),
        ({"zones_ok": False}, "AZs available"),
        ({"ses_verified": False}, "verified"),
        ({"sandbox": True}, "SES production access (out of the sandbox)"),
        ({"session": 3600}, "deploy role session"),  # the default hour: a first prod deploy outlasts it
    ],
)
def test_each_thing_the_account_lacks_is_a_finding(facts, tmp_path, spoil, check):
    clients = account(facts, **spoil)
    code, evidence, _ = preflight(facts, clients, tmp_path)
    failed = [c["check"] for c in evidence["checks"] if not c["ok"]]
    assert code == 3 and len(failed) == 1 and check in failed[0], failed


def test_it_needs_the_declared_resources_not_outputs(tmp_path):
    deployed = Facts(stack="prod", outputs={"region": REGION}, source="outputs x.json", deployed=True)
    book = load_all()["deploy-preflight"]
    values = {p.name: p.default for p in book.params}
    out = io.StringIO()
    code, _, _ = run(book, deployed, values, out=out, evidence_dir=tmp_path, clients=StubbedClients())
    assert code == 2 and "run it without --outputs" in out.getvalue()


def test_bootstrap_gives_deploy_roles_the_session_a_first_deploy_needs():
    import ast
    from pathlib import Path

    tree = ast.parse((Path(__file__).resolve().parents[2] / "bootstrap" / "__main__.py").read_text())
    value = next(
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "DEPLOY_SESSION_SECONDS"
    )
    seconds = eval(compile(ast.Expression(value), "b", "eval"))  # a constant expression (4 * 3600)
    default_minutes = next(p.default for p in load_all()["deploy-preflight"].params if p.name == "deploy-minutes")
    assert seconds >= default_minutes * 60
