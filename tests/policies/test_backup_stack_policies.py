"""Stack policies of backup (policies/rules/backup.py): the generic cases of tests/policies/stack_cases.py and the
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

globals().update(generic_tests("backup"))


def test_preview_still_sees_an_unbacked_writer(mandatory):
    doc = compliant_stack()
    set_prop(doc, "selection", "resources", [CLUSTER_ARN])
    assert any("pg-writer" in m for m in run("stack-rds-backup-coverage", _as_preview(doc), mandatory))
