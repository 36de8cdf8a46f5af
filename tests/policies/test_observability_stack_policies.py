"""Stack policies of observability (policies/rules/observability.py): the generic cases of
tests/policies/stack_cases.py and the ones only they need."""

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

globals().update(generic_tests("observability"))


def test_alarms_with_unknown_dimensions_are_not_reported_as_missing(mandatory):
    doc = compliant_stack()
    set_prop(doc, "pg-CPUUtilization", "dimensions", UNKNOWN)
    set_prop(doc, "pg-FreeableMemory", "metricName", "NetworkIn")
    assert run("stack-data-store-alarms", doc, mandatory) == []
