"""Stack policies of rds (policies/rules/rds.py): the generic cases of tests/policies/stack_cases.py."""

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

globals().update(generic_tests("rds"))


def test_event_subscriptions_naming_sources_through_outputs_still_cover_them(mandatory):
    """A preview: the subscription's sourceIds are the instances' identifiers, not known yet (the whole list, or
    one element), and the engine recorded which instances they come from."""
    doc = compliant_stack()
    sub = find(doc, "events-db-instance")
    writer, replica = find(doc, "pg-writer")["urn"], find(doc, "pg-replica")["urn"]
    for ids in (UNKNOWN, [UNKNOWN, UNKNOWN]):
        set_prop(doc, "events-db-instance", "sourceIds", ids)
        sub["propertyDependencies"] = {"sourceIds": [writer, replica]}
        assert run("stack-rds-event-subscriptions", doc, mandatory) == [], ids
    sub["propertyDependencies"] = {"sourceIds": [writer]}
    found = run("stack-rds-event-subscriptions", doc, mandatory)
    assert len(found) == 1 and found[0].startswith("pg-replica:"), found
