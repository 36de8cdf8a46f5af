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
