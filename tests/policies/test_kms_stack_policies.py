"""Stack policies of kms (policies/rules/kms.py): the generic cases of tests/policies/stack_cases.py and the ones
only they need."""

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

globals().update(generic_tests("kms"))


def test_alias_references_count_as_key_use(mandatory):
    doc = compliant_stack()
    for name in ("pg-writer", "pg-replica", "aurora", "cache", "sessions"):
        set_prop(doc, name, "kmsKeyId", "alias/ecomart-prod/relational")
    assert run("stack-kms-keys-in-use", doc, mandatory) == []


def test_preview_still_sees_an_unused_key(mandatory):
    doc = compliant_stack()
    set_prop(doc, "catalog-ear", "awsKmsConfig.customerMasterKeyId", "not-our-key")
    assert any("key-document" in m for m in run("stack-kms-keys-in-use", _as_preview(doc), mandatory))


def test_recorded_and_literal_references_both_count(mandatory):
    """Every key but one used through the engine's recorded dependencies, that one only by its literal ARN in a
    value: the cheap pass over dependencies leaves it unused, and the walk of the values finds its use."""
    doc = compliant_stack()
    preview = {e["urn"]: e for e in _as_preview(doc)["deployment"]["resources"]}
    relational = find(doc, "key-relational")["urn"]
    for e in doc["deployment"]["resources"]:
        deps = preview[e["urn"]].get("propertyDependencies") or {}
        if deps and not any(relational in v for v in deps.values()):
            e["propertyDependencies"] = deps
    assert any(e.get("propertyDependencies") for e in doc["deployment"]["resources"])
    assert run("stack-kms-keys-in-use", doc, mandatory) == []
    set_prop(doc, "key-relational", "arn", "arn:aws:kms:us-east-1:123456789012:key/other")
    assert [m for m in run("stack-kms-keys-in-use", doc, mandatory) if "key-relational" in m]
