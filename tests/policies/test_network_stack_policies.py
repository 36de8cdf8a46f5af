"""Stack policies of network (policies/rules/network.py): the generic cases of tests/policies/stack_cases.py and the
ones only they need."""

from __future__ import annotations

from tests.policies.stack_cases import (  # noqa: F401
    CLUSTER_ARN,
    UNKNOWN,
    _as_preview,
    compliant_stack,
    find,
    generic_tests,
    run,
    set_prop,
    urn,
)

globals().update(generic_tests("network"))


def test_preview_still_sees_a_store_in_an_app_subnet_through_property_dependencies(mandatory):
    doc = compliant_stack()
    set_prop(doc, "pg-subnets", "subnetIds", ["subnet-d0", "subnet-a0"])
    preview = _as_preview(doc)
    group = find(preview, "pg-subnets")
    assert group["inputs"]["subnetIds"] == [UNKNOWN, UNKNOWN]
    assert urn("aws:ec2/subnet:Subnet", "app-0") in group["propertyDependencies"]["subnetIds"]
    assert any("app-0" in m for m in run("stack-data-stores-in-data-subnets", preview, mandatory))
