"""Stack policies of kms (policies/kms.py): the generic cases of tests/policies/stack_cases.py and the ones only they need."""

from __future__ import annotations

from tests.policies.stack_cases import (CLUSTER_ARN, UNKNOWN, _as_preview, compliant_stack, find,  # noqa: F401
                                        generic_tests, run, set_prop, urn)

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
