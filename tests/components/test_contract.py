"""The component contract: every component found (nothing listed), documented settings and links, children only
under their own component, each component's settings being the stack config's section, and a generated reference
that is current. (Import rules: tests/test_layout.py.)"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from components import doc
from infra import config as c

ROOT = Path(__file__).resolve().parents[2]
COMPONENT_FILES = sorted((ROOT / "components").glob("*.py"))


CONTRACTS = doc.contracts()


def test_every_component_is_found():
    """Found by scanning components/, not listed: each module's ComponentResource classes, with their contract."""
    names = {ct.component.__name__ for ct in CONTRACTS}
    assert names == {
        "Atlas",
        "Backup",
        "CodeArtifacts",
        "Kms",
        "Monitoring",
        "Network",
        "Postgres",
        "ReadOnlyMode",
        "Redis",
        "Resilience",
        "Service",
    }


@pytest.mark.parametrize("contract", CONTRACTS, ids=[ct.component.__name__ for ct in CONTRACTS])
def test_every_settings_and_links_field_is_documented(contract):
    for cls in (contract.settings, contract.links, *contract.nested):
        assert dataclasses.is_dataclass(cls)
        for f in dataclasses.fields(cls):
            assert f.metadata.get("doc"), f"{cls.__name__}.{f.name} has no doc"


def test_each_components_settings_is_a_config_section_and_nothing_else_is():
    """One home for each setting: the stack config's sections are exactly the components' settings classes (and
    the stack-level ``cost`` section, infra/cost.py, which configures no component but the budget and the usage
    file), and the config declares no field of its own beyond the stack-level keys."""
    from infra.cost import CostSettings

    assert sorted(c.SECTIONS.values(), key=lambda k: k.__name__) == sorted(
        {ct.settings for ct in CONTRACTS} | {CostSettings}, key=lambda k: k.__name__
    )
    for key, cls in c.SECTIONS.items():
        field = next(f for n, f in c.StackConfig.model_fields.items() if (f.alias or n) == key)
        assert cls in (field.annotation, *getattr(field.annotation, "__args__", ())), key
    own = {n for n, f in c.StackConfig.model_fields.items() if (f.alias or n) not in c.SECTIONS}
    assert own == {"stack", "environment", "region", "secondary_region", "owner", "cost_center", "data_classification"}


@pytest.mark.parametrize("cls", doc.all_settings_classes(), ids=lambda k: k.__name__)
def test_every_settings_class_is_parsable_from_camel_case_json_and_refuses_unknown_keys(cls):
    from pydantic import TypeAdapter, ValidationError

    adapter = TypeAdapter(cls)
    with pytest.raises(ValidationError) as err:
        adapter.validate_json('{"noSuchSetting": 1}', strict=True)
    assert any(
        e["type"] == "unexpected_keyword_argument" and e["loc"] == ("noSuchSetting",) for e in err.value.errors()
    )


def test_components_reference_is_current():
    assert (ROOT / "docs" / "components.md").read_text() == doc.render(), (
        "docs/components.md is stale: run `ecomart docs --write`"
    )


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
    assert _children_of_other_components(synth) == [
        "catalog-app-to-atlas-in (aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule) under network"
    ]
