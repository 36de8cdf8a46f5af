"""The component contract: no stack imports, documented Args, children only under their own component, every
config key reaching a component, and a generated reference that is current."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from components import doc
from infra import config as c
from infra.stack import STACK_ONLY_KEYS, args_from
from tests.conftest import stack_bag

ROOT = Path(__file__).resolve().parents[2]
COMPONENT_FILES = sorted((ROOT / "components").glob("*.py"))


@pytest.mark.parametrize("module,comp,args,nested", doc.COMPONENTS, ids=[c[1] for c in doc.COMPONENTS])
def test_every_args_field_is_documented(module, comp, args, nested):
    import importlib
    mod = importlib.import_module(f"components.{module}")
    for cls in (getattr(mod, args), *(getattr(mod, n) for n in nested)):
        assert dataclasses.is_dataclass(cls)
        for f in dataclasses.fields(cls):
            assert f.metadata.get("doc"), f"{cls.__name__}.{f.name} has no doc"


def test_components_reference_is_current():
    assert (ROOT / "docs" / "components.md").read_text() == doc.render(), \
        "docs/components.md is stale: run `ecomart docs --write`"


def _children_of_other_components(synth) -> list[str]:
    components = {r.urn: r for r in synth.resources if not r.custom}
    bad = []
    for r in synth.resources:
        parent = components.get(r.parent)
        if r.custom and parent is not None and not r.name.startswith(parent.name + "-"):
            bad.append(f"{r.name} ({r.type}) under {parent.name}")
        if not r.custom and parent is not None:
            bad.append(f"component {r.name} nested under {parent.name}")
    return bad


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_resource_is_parented_to_another_component(stack, dev, prod):
    """A component names its children <its name>-...; a child under a component of another name was put there
    by someone else (as Atlas once put its security-group rules under the network)."""
    synth = {"dev": dev, "prod": prod}[stack]
    assert _children_of_other_components(synth) == []
    roots = {r.urn for r in synth.registrations if r.type == "pulumi:pulumi:Stack"}
    assert {r.parent for r in synth.resources if not r.custom} == roots


def test_the_parent_check_catches_a_foreign_child(dev):
    import copy
    synth = copy.deepcopy(dev)
    network = next(r for r in synth.resources if r.type == "ecomart:network:Network")
    rule = next(r for r in synth.resources if r.name == "catalog-app-to-atlas-in")
    rule.parent = network.urn
    assert _children_of_other_components(synth) == ["catalog-app-to-atlas-in "
                                                    "(aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule) "
                                                    "under network"]


SECTIONS = {"network": "NetworkArgs", "kms": "KmsArgs", "postgres": "PostgresArgs", "redis": "RedisArgs",
            "monitoring": "MonitoringArgs", "backup": "BackupArgs", "atlas": "AtlasArgs"}
# Config fields consumed under another name (a property of the section carries them).
DERIVED = {("AtlasZone", "locations"): "country_codes"}


def _unconsumed(model, args_cls, path: str) -> list[str]:
    fields = {f.name: f for f in dataclasses.fields(args_cls)}
    missing = []
    for name, info in type(model).model_fields.items():
        if (type(model).__name__, name) in DERIVED:
            name = DERIVED[(type(model).__name__, name)]
        if name not in fields:
            missing.append(f"{path}.{name}")
            continue
        value = getattr(model, name)
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, c.BaseModel):
                from infra.stack import _dataclass_in
                missing += _unconsumed(v, _dataclass_in(args_cls, fields[name].type), f"{path}.{name}")
    return missing


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_config_key_reaches_a_component(stack):
    import importlib
    cfg = c.load(stack, stack_bag(stack, atlas={"backupCompliance": {
        "authorizedEmail": "a@b.example", "authorizedFirstName": "A", "authorizedLastName": "B"},
        "ipAccessList": [{"cidr": "203.0.113.0/24", "comment": "office"}]}))
    for section, args_name in SECTIONS.items():
        module = importlib.import_module(f"components.{'atlas' if section == 'atlas' else section}")
        missing = _unconsumed(getattr(cfg, section), getattr(module, args_name), section)
        missing = [m for m in missing if m.split(".", 1)[1] not in STACK_ONLY_KEYS.get(section, set())]
        assert missing == [], f"config keys that reach no component: {missing}"


def test_args_from_copies_by_name_and_refuses_stray_wiring():
    from components.redis import RedisArgs
    cfg = c.load("prod", stack_bag("prod"))
    args = args_from(RedisArgs, cfg.redis, prefix="p", region="us-east-1", subnet_ids=["a"],
                     security_group_id="sg", cache_kms_key_arn="k", logs_kms_key_arn="l")
    assert (args.num_shards, args.replicas_per_shard, args.node_type) == (2, 2, "cache.r7g.large")
    with pytest.raises(TypeError, match=r"RedisArgs has no fields \['shards'\]"):
        args_from(RedisArgs, cfg.redis, shards=3)
