"""The checker's two ways to hand stack policies the stack — a view built straight from the export (the pack's own
policies) and PolicyResource objects through the SDK (anything else) — give the same findings; and the check
leaves the garbage collector as it found it."""

from __future__ import annotations

import gc

from policies.engine.checker import check_export
from policies.engine.registry import stack_policies
from tests.policies.stack_cases import compliant_stack, set_prop


def _findings(doc, policies):
    return sorted((v.policy, v.urn, v.message) for v in check_export(doc, stack="prod", policies=policies).violations)


def test_prebuilt_view_and_sdk_objects_agree(monkeypatch):
    doc = compliant_stack()
    # a few findings to compare, not only silence
    set_prop(doc, "pg-writer", "dbSubnetGroupName", "default")
    set_prop(doc, "data-nacl", "subnetIds", [])
    set_prop(doc, "catalog-pl-service", "privateLinkId", "pl-other")
    policies = list(stack_policies())
    fast = _findings(doc, policies)
    for p in policies:
        monkeypatch.setattr(p, "reads_stack_view", False, raising=False)
    slow = _findings(doc, policies)
    assert fast == slow and len(fast) >= 3


def test_every_stack_policy_of_the_pack_takes_the_prebuilt_view():
    assert all(getattr(p, "reads_stack_view", False) for p in stack_policies())


def test_the_collector_is_restored():
    assert gc.isenabled()
    check_export(compliant_stack(), stack="prod")
    assert gc.isenabled()
    gc.disable()
    try:
        check_export(compliant_stack(), stack="prod")
        assert not gc.isenabled(), "a caller that had it off keeps it off"
    finally:
        gc.enable()


def test_export_order_does_not_matter_and_references_outside_the_export_are_dropped(tmp_path):
    """Dependents before their dependencies (references settled after the last resource is read) and references
    to resources the export does not hold: the same findings, loaded or streamed, as the export in Pulumi's order."""
    import json

    from policies.engine.checker import check_export_file
    from tests.policies.stack_cases import _as_preview

    doc = compliant_stack()
    set_prop(doc, "pg-writer", "dbSubnetGroupName", "default")
    set_prop(doc, "catalog-ear", "awsKmsConfig.customerMasterKeyId", "not-our-key")
    doc = _as_preview(doc)  # references are the engine's recorded dependencies: reversed, they all point forward
    expected = _findings(doc, None)
    resources = doc["deployment"]["resources"]
    assert sum(len(v) for r in resources for v in (r.get("propertyDependencies") or {}).values()) > 20
    outside = "urn:pulumi:prod::ecomart-data-platform::aws:kms/key:Key::not-in-this-export"
    for r in resources:
        r["dependencies"] = [*r.get("dependencies", []), outside]
        pdeps = r.setdefault("propertyDependencies", {})
        pdeps["kmsKeyId"] = [*pdeps.get("kmsKeyId", []), outside]
    resources.reverse()
    assert _findings(doc, None) == expected
    path = tmp_path / "reversed.json"
    path.write_text(json.dumps(doc))
    streamed = sorted((v.policy, v.urn, v.message) for v in check_export_file(path, stack="prod").violations)
    assert streamed == expected and len(expected) >= 2


def test_empty_property_dependencies_reach_foreign_policies_and_mean_nothing_to_the_packs(monkeypatch):
    """Pulumi records a list for every input, mostly empty. A stack policy that is not the pack's gets every key,
    as the engine hands them over; the pack's own view keeps only the non-empty ones, which its policies read the
    same way (``.get(prop)`` empty or absent): the same findings with every list emptied or padded."""
    from pulumi_policy import StackValidationPolicy

    key = "urn:pulumi:x::p::aws:kms/key:Key::k"
    db = "urn:pulumi:x::p::aws:rds/instance:Instance::db"
    doc = {
        "version": 3,
        "deployment": {
            "resources": [
                {"urn": "urn:pulumi:x::p::pulumi:pulumi:Stack::p-x", "type": "pulumi:pulumi:Stack", "custom": False},
                {"urn": key, "type": "aws:kms/key:Key", "custom": True, "inputs": {}, "outputs": {"arn": "arn:k"}},
                {
                    "urn": db,
                    "type": "aws:rds/instance:Instance",
                    "custom": True,
                    "inputs": {"kmsKeyId": "arn:k"},
                    "dependencies": [key],
                    "propertyDependencies": {"identifier": [], "kmsKeyId": [key], "tags": []},
                },
            ]
        },
    }
    seen = {}

    def look(args, report):
        for r in args.resources:
            seen[r.urn] = {k: [d.urn for d in v] for k, v in r.property_dependencies.items()}

    from policies.engine import core

    foreign = StackValidationPolicy(name="t-look", description="d", validate=look)
    monkeypatch.setitem(
        core._META,
        foreign.name,
        core.PolicyMeta(
            id=foreign.name,
            kind="stack",
            service="test",
            severity="low",
            category="governance",
            controls=("gdpr-30",),
            resource_types=("aws:kms/key:Key",),
            description="d",
            why="test",
            remediation="none",
            checks={"aws:kms/key:Key": ("policy",)},
        ),
    )
    check_export(doc, stack="x", policies=[foreign])
    assert seen[db] == {"identifier": [], "kmsKeyId": [key], "tags": []}

    padded = compliant_stack()
    set_prop(padded, "pg-writer", "dbSubnetGroupName", "default")
    for r in padded["deployment"]["resources"]:
        pdeps = r.setdefault("propertyDependencies", {})
        for prop in r.get("inputs", {}):
            pdeps.setdefault(prop, [])
    policies = list(stack_policies())
    view = _findings(padded, policies)
    for p in policies:
        monkeypatch.setattr(p, "reads_stack_view", False, raising=False)
    assert _findings(padded, policies) == view and view
