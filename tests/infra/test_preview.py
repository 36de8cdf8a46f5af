"""The offline preview: realistic mocks, stack-export shape, isolation between stacks, CLI behaviour."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ecomart.synthesis import ROOT, render_tree, synthesize, write_export
from infra import config as c
from platform_rules import REQUIRED_TAG_KEYS
from tests.conftest import stack_bag

STACKS = ["dev", "prod"]


@pytest.fixture(params=STACKS)
def synth(request, dev, prod):
    return {"dev": dev, "prod": prod}[request.param]


def test_no_input_resolved_to_unknown(synth):
    """Every output a component reads is produced by the mocks: no input silently dropped or left unknown."""
    assert synth.unknown_inputs() == []


def test_unknown_detection_works():
    """The guard above can fail: a program reading an output the mocks never produce is caught."""
    import pulumi_aws as aws

    def program(cfg):
        vpc = aws.ec2.Vpc("v", cidr_block="10.0.0.0/16")
        # `ipv6CidrBlock` is never produced by the mocks: the dry run leaves it unknown.
        aws.ec2.Subnet("s", vpc_id=vpc.id, cidr_block="10.0.0.0/24", ipv6_cidr_block=vpc.ipv6_cidr_block)
        return {}

    synth = synthesize("dev", stack_bag("dev"), program=program)
    assert [p for _, p in synth.unknown_inputs()] == ["ipv6CidrBlock"]


def test_every_aws_arn_is_realistic(synth):
    for r in synth.resources:
        arn = r.outputs.get("arn")
        if r.custom and r.type.startswith("aws:") and arn is not None:
            assert arn.startswith("arn:aws:") and "None" not in arn, (r.urn, arn)


def test_export_has_stack_export_v3_shape(synth, tmp_path):
    path = write_export(synth, tmp_path)
    doc = json.loads(path.read_text())
    assert doc["version"] == 3
    # the manifest names the SDK that ran the program (it once printed an empty version: pulumi has no __version__)
    from importlib.metadata import version

    assert doc["deployment"]["manifest"]["version"] == f"pulumi-python-sdk {version('pulumi')} (offline mock preview)"
    resources = doc["deployment"]["resources"]
    urns = {r["urn"] for r in resources}
    assert resources[0]["type"] == "pulumi:pulumi:Stack"
    assert len(urns) == len(resources), "URNs are unique"
    for r in resources:
        assert r["urn"].startswith(f"urn:pulumi:{synth.stack}::ecomart-data-platform::")
        assert r["urn"].endswith("::" + r["urn"].split("::")[-1])
        assert set(r) >= {"urn", "type", "custom", "inputs"}
        if r["type"] != "pulumi:pulumi:Stack":
            assert r["parent"] in urns, r["urn"]
        for dep in r.get("dependencies", []):
            assert dep in urns, (r["urn"], dep)
        if r["custom"]:
            assert r.get("id"), r["urn"]


def test_only_components_hang_off_the_stack(synth):
    """Every resource belongs to a component (parent=self): nothing custom is declared at the top level."""
    by_urn = synth.by_urn()
    for r in synth.resources:
        parent = by_urn[r.parent]
        if r.custom:
            assert not parent.custom and parent.type.startswith("ecomart:"), (r.urn, parent.type)


def test_every_component_has_children_and_its_type_in_the_urn(synth):
    components = [r for r in synth.resources if not r.custom]
    assert components
    for comp in components:
        kids = [r for r in synth.resources if r.parent == comp.urn]
        assert kids, f"{comp.type} {comp.name} declares nothing"
        for kid in kids:
            assert f"{comp.type}$" in kid.urn, kid.urn


def _args_class(token: str):
    """pulumi_aws class for a type token, e.g. aws:rds/instance:Instance -> pulumi_aws.rds.InstanceArgs."""
    package, module_path, cls = token.split(":")
    name = module_path.split("/")[0]
    module = importlib.import_module(f"pulumi_{package}.{name}_" if name == "lambda" else f"pulumi_{package}.{name}")
    return getattr(module, f"{cls}Args", None)


def test_every_taggable_resource_carries_required_tags(synth):
    checked = 0
    for r in synth.resources:
        if not r.custom or not r.type.startswith("aws:"):
            continue
        args = _args_class(r.type)
        assert args is not None, r.type
        if "tags" not in inspect.signature(args.__init__).parameters:
            continue
        checked += 1
        tags = r.inputs.get("tags") or {}
        missing = [k for k in REQUIRED_TAG_KEYS if not tags.get(k)]
        assert not missing, f"{r.type} {r.name} lacks tags {missing}"
        assert tags["environment"] == synth.config.environment
    assert checked > 20


def test_no_public_ingress_anywhere(synth):
    for r in synth.resources:
        if r.type == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
            assert r.inputs.get("cidrIpv4") not in ("0.0.0.0/0",) and r.inputs.get("cidrIpv6") != "::/0", r.urn
        if r.type == "aws:ec2/securityGroup:SecurityGroup":
            for rule in r.inputs.get("ingress", []):
                assert "0.0.0.0/0" not in rule.get("cidrBlocks", []) and "::/0" not in rule.get("ipv6CidrBlocks", [])


def test_stacks_do_not_bleed_into_each_other():
    dev1 = synthesize("dev")
    prod = synthesize("prod")
    dev2 = synthesize("dev")
    assert [r.urn for r in dev1.registrations] and sorted(r.urn for r in dev1.registrations) == sorted(
        r.urn for r in dev2.registrations
    )
    assert all("urn:pulumi:dev::" in r.urn for r in dev2.registrations)
    assert all("urn:pulumi:prod::" in r.urn for r in prod.registrations)
    assert dev1.counts() == dev2.counts() != prod.counts()
    assert dev1.outputs.keys() == dev2.outputs.keys()

    def inputs(s):
        return json.dumps(sorted(([r.urn, r.inputs] for r in s.registrations), key=lambda p: p[0]), sort_keys=True)

    assert inputs(dev1) == inputs(dev2)


def test_bad_config_stops_before_anything_is_declared():
    calls = []

    def program(cfg):
        calls.append(cfg)
        return {}

    with pytest.raises(c.ConfigError):
        synthesize("dev", stack_bag("dev", postgres={"backupRetentionDays": 40}), program=program)
    assert calls == []


def test_tree_shows_components_settings_and_counts(prod):
    tree = render_tree(prod)
    assert tree.splitlines()[0].startswith("pulumi:pulumi:Stack  ecomart-data-platform-prod")
    assert "├─ ecomart:network:Network  network" in tree
    assert "enableKeyRotation=true" in tree
    summary = tree.splitlines()[-1]
    assert summary.startswith(f"{len(prod.resources)} resources") and "Vpc×1" in summary
    # rds and elasticache both have ParameterGroup and SubnetGroup: the summary tells them apart
    assert "rds.ParameterGroup×1" in summary and "elasticache.ParameterGroup×1" in summary
    assert "rds.SubnetGroup×1" in summary and "elasticache.SubnetGroup×1" in summary
    labels = [item.rsplit("×", 1)[0] for item in summary.split(": ", 1)[1].split(", ")]
    assert len(labels) == len(set(labels)), labels


def _cli(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ecomart", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_cli_preview_writes_export_and_loads_neither_the_app_nor_its_drivers(tmp_path):
    """The command as a user runs it (check included). The stack reads the app's routes from
    infra/app_routes.json and hashes app/migrations by path: importing the app (FastAPI, psycopg, pymongo, redis)
    cost every preview 1.5 s of CPU; Python's own import log (-X importtime) shows a new import of it."""
    res = _cli("preview", "--stack", "dev", "--out-dir", str(tmp_path), env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert res.returncode == 0, res.stderr[-3000:]
    assert "resources (" in res.stdout and "Compliance check" in res.stdout
    doc = json.loads((tmp_path / "stack-export.json").read_text())
    assert any(r["type"] == "aws:ec2/vpc:Vpc" for r in doc["deployment"]["resources"])
    imported = {line.rsplit("|", 1)[-1].strip() for line in res.stderr.splitlines() if line.startswith("import time:")}
    assert "pulumi_aws" in imported  # the log is read
    heavy = {"app", "fastapi", "psycopg", "pymongo", "redis", "starlette", "uvicorn"}
    assert not {m.split(".")[0] for m in imported} & heavy


def test_cli_bad_config_exits_2_with_the_key_and_no_traceback(tmp_path):
    text = (
        (ROOT / "Pulumi.dev.yaml")
        .read_text()
        .replace(
            "    instanceClass: db.t4g.medium\n", "    instanceClass: db.t4g.medium\n    backupRetentionDays: 90\n"
        )
    )
    assert "backupRetentionDays: 90" in text
    (tmp_path / "Pulumi.dev.yaml").write_text(text)
    res = _cli(
        "preview", "--stack", "dev", "--no-check", "--project-dir", str(tmp_path), "--out-dir", str(tmp_path / "out")
    )
    assert res.returncode == 2
    assert "ecomart-data-platform:postgres.backupRetentionDays: bad value 90" in res.stderr
    assert "must be 1..35" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "out").exists()


def test_cli_unknown_stack_exits_2():
    res = _cli("preview", "--stack", "qa", "--no-check")
    assert res.returncode == 2 and "no Pulumi.qa.yaml" in res.stderr and "dev" in res.stderr


def test_stack_without_atlas_has_no_document_key_and_checks_clean(synth_with):
    """Atlas is optional: without it no Atlas resource and no (unused) document-store key is declared."""
    synth = synth_with("dev", atlas=None)
    assert synth.config.atlas is None
    assert not [r for r in synth.resources if r.type.startswith("mongodbatlas:")]
    domains = {r.inputs["tags"].get("data-domain") for r in synth.of_type("aws:kms/key:Key")}
    assert "document" not in domains and {"relational", "cache", "logs", "backups"} <= domains
    assert synth.unknown_inputs() == []


def test_stack_without_atlas_has_no_mandatory_violation(synth_with):
    from policies.engine.checker import check_export

    result = check_export(synth_with("dev", atlas=None).export(), stack="dev")
    assert result.mandatory == [], [(v.policy, v.urn) for v in result.mandatory]
