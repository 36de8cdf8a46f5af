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


@pytest.fixture(scope="module")
def synth():
    return synthesize_program(ROOT / "bootstrap")


def roles(synth):
    return {r.inputs["name"]: r for r in synth.resources if r.type == "aws:iam/role:Role"}


def attached(synth, stack, kind):
    return [
        r
        for r in synth.resources
        if r.type == "aws:iam/policy:Policy" and r.inputs["name"].startswith(f"ecomart-{stack}-{kind}-")
    ]


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
def test_each_role_attaches_its_stacks_generated_policies_under_the_ci_path(synth, stack):
    """What the policies allow is tested in tests/ecomart/test_permissions.py (evaluated against every need)."""
    generated = json.loads((ROOT / "bootstrap" / "permissions" / f"{stack}.json").read_text())
    attachments = [r for r in synth.resources if r.type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment"]
    for kind in ("deploy", "preview"):
        role = roles(synth)[f"ecomart-{stack}-{kind}"]
        assert role.inputs["path"] == "/ci/"
        policies = attached(synth, stack, kind)
        assert len(policies) == len(generated[kind]) and all(p.inputs["path"] == "/ci/" for p in policies)
        mine = {a.inputs["policyArn"] for a in attachments if a.inputs["role"] == role.inputs["name"]}
        assert mine == {p.outputs["arn"] for p in policies}
        texts = [p.inputs["policy"] for p in policies]
        assert all("${Account}" not in t and "123456789012" in t for t in texts)


def test_a_stack_without_generated_permissions_is_named(tmp_path):
    import shutil

    from ecomart.synthesis import ProgramError

    d = tmp_path / "bootstrap"
    shutil.copytree(ROOT / "bootstrap", d)
    (d / "permissions" / "dev.json").unlink()
    with pytest.raises(ProgramError, match=r"'dev' has no bootstrap/permissions/dev.json \(run `ecomart permissions"):
        synthesize_program(d)


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
