"""The checker's two ways to hand stack policies the stack — a view built straight from the export (the pack's own
policies) and PolicyResource objects through the SDK (anything else) — give the same findings; and the check
leaves the garbage collector as it found it."""

from __future__ import annotations

import gc

from policies.checker import check_export
from policies.registry import stack_policies
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
    from policies.checker import check_export_file
    import json

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
