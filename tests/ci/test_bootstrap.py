"""The OIDC bootstrap program: one deploy and one read-only preview role per stack, trusted only for this
repository and the right GitHub environments; previewed and checked offline like every program."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecomart.synthesis import synthesize_program
from policies.engine.checker import check_export

ROOT = Path(__file__).resolve().parents[2]
REPO = "ecomart/ecomart-data-platform"
ISSUER = "token.actions.githubusercontent.com"
DATA_READS = (
    "secretsmanager:GetSecretValue",
    "kms:Decrypt",
    "s3:GetObject",
    "rds-db:connect",
    "elasticache:Connect",
    "kms:GenerateDataKey",
)


@pytest.fixture(scope="module")
def synth():
    return synthesize_program(ROOT / "bootstrap")


def roles(synth):
    return {r.inputs["name"]: r for r in synth.resources if r.type == "aws:iam/role:Role"}


def policy_of(synth, role):
    (p,) = [r for r in synth.resources if r.type == "aws:iam/rolePolicy:RolePolicy" and r.inputs["role"] == role.id]
    return json.loads(p.inputs["policy"])["Statement"]


def test_provider_is_githubs_with_sts_audience(synth):
    (p,) = [r for r in synth.resources if r.type == "aws:iam/openIdConnectProvider:OpenIdConnectProvider"]
    assert p.inputs["url"] == f"https://{ISSUER}" and p.inputs["clientIdLists"] == ["sts.amazonaws.com"]
    assert synth.outputs["oidcProviderArn"] == f"arn:aws:iam::123456789012:oidc-provider/{ISSUER}"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_trust_is_this_repository_and_the_stacks_environment_only(synth, stack):
    r = roles(synth)
    for kind, subjects in (
        ("deploy", [f"repo:{REPO}:environment:{stack}"]),
        ("preview", [f"repo:{REPO}:environment:preview", f"repo:{REPO}:environment:drift"]),
    ):
        (st,) = json.loads(r[f"ecomart-{stack}-{kind}"].inputs["assumeRolePolicy"])["Statement"]
        assert st["Principal"] == {"Federated": synth.outputs["oidcProviderArn"]}
        assert st["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert st["Condition"] == {"StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com", f"{ISSUER}:sub": subjects}}
        assert "StringLike" not in st["Condition"], "no wildcard subjects"


def test_no_role_trusts_pull_requests_or_another_stacks_environment(synth):
    for name, role in roles(synth).items():
        text = role.inputs["assumeRolePolicy"]
        assert ":pull_request" not in text and "*" not in text, name
    deploy_dev = roles(synth)["ecomart-dev-deploy"].inputs["assumeRolePolicy"]
    assert "environment:prod" not in deploy_dev


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_deploy_permissions_are_scoped(synth, stack):
    statements = policy_of(synth, roles(synth)[f"ecomart-{stack}-deploy"])
    for st in statements:
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
        assert "*" not in actions and st["Effect"] == "Allow"
        if st["Sid"] == "Read":  # read-only actions, on anything (refresh reads every resource of the stack)
            assert all(a.split(":")[1].startswith(("Describe", "List", "Get")) for a in actions)
            assert resources == ["*"] and not set(DATA_READS) & set(actions), "reads control planes, never data"
            continue
        if resources == ["*"]:
            # no resource-level permissions for these: held to the stack's regions (and its tag for keys)
            cond = st["Condition"]["StringEquals"]
            assert cond["aws:RequestedRegion"] == ["us-east-1", "us-west-2"], st["Sid"]
        else:
            assert all(
                f"ecomart-{stack}-" in r
                or f"/ecomart-{stack}/" in r
                or r.endswith(("auto-backup:*", "backup-plan:*", "key/*", "secret:rds!*", "aws-service-role/*"))
                for r in resources
            ), (st["Sid"], resources)
    other = "prod" if stack == "dev" else "dev"
    assert f"ecomart-{other}-" not in json.dumps(statements)
    keys = next(s for s in statements if s["Sid"] == "ManageStackKeys")
    assert keys["Condition"] == {"StringEquals": {"aws:ResourceTag/stack": stack}}


def test_preview_role_reads_control_planes_only(synth):
    for stack in ("dev", "prod"):
        (st,) = policy_of(synth, roles(synth)[f"ecomart-{stack}-preview"])
        assert all(a.split(":")[1].startswith(("Describe", "List", "Get")) for a in st["Action"])
        assert not set(DATA_READS) & set(st["Action"])


def test_passes_the_pack_with_nothing_unknown(synth):
    assert synth.unknown_inputs() == []
    result = check_export(synth.export(), stack=synth.stack)
    assert [v for v in result.violations if v.enforcement == "mandatory"] == []


def test_bad_repository_is_named(tmp_path):
    import shutil

    from ecomart.synthesis import ProgramError

    d = tmp_path / "bootstrap"
    shutil.copytree(ROOT / "bootstrap", d)
    cfg = (d / "Pulumi.ci.yaml").read_text().replace("ecomart/ecomart-data-platform", "just-a-name")
    (d / "Pulumi.ci.yaml").write_text(cfg)
    with pytest.raises(ProgramError, match="githubRepository is 'just-a-name': expected owner/name"):
        synthesize_program(d)
