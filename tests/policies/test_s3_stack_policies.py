"""Stack policies of s3 (policies/rules/s3.py): the generic cases of tests/policies/stack_cases.py and the ones only
they need."""

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

globals().update(generic_tests("s3"))


# --- the resource policies of s3 that need more than the generic cases ---------------------------------------------

from policies.engine import tokens as T  # noqa: E402
from tests.policies.helpers import run_resource_policy  # noqa: E402


def _lock(retention):
    return {"bucket": "b", "rule": {"defaultRetention": retention}}


def test_object_lock_retention_in_years_counts_365_days_a_year():
    assert (
        run_resource_policy("s3-object-lock-retention", T.S3_OBJECT_LOCK, _lock({"mode": "GOVERNANCE", "years": 1}))
        == []
    )
    assert run_resource_policy(
        "s3-object-lock-retention", T.S3_OBJECT_LOCK, _lock({"mode": "COMPLIANCE", "years": 1}), {"minimumDays": 400}
    )
    assert (
        run_resource_policy(
            "s3-object-lock-retention",
            T.S3_OBJECT_LOCK,
            _lock({"mode": "COMPLIANCE", "days": 400}),
            {"minimumDays": 400},
        )
        == []
    )


def test_object_lock_without_a_default_retention_is_reported():
    assert run_resource_policy("s3-object-lock-retention", T.S3_OBJECT_LOCK, {"bucket": "b"})
    assert run_resource_policy("s3-object-lock-retention", T.S3_OBJECT_LOCK, _lock({}))


def test_a_bucket_holding_another_buckets_access_logs_needs_no_logging_of_its_own(mandatory):
    doc = compliant_stack()
    assert "meta-log-bucket-logging" not in {e["urn"].rsplit("::", 1)[-1] for e in doc["deployment"]["resources"]}
    assert run("stack-s3-access-logging", doc, mandatory) == []
    set_prop(doc, "access-log-bucket-logging", "targetBucket", "ecomart-prod-elsewhere")  # meta receives nothing now
    assert [m for m in run("stack-s3-access-logging", doc, mandatory) if "meta-log-bucket" in m]


def test_an_access_log_bucket_needs_no_object_lock_even_when_a_trail_also_delivers_to_it(mandatory):
    doc = compliant_stack()
    assert find(doc, "access-log-bucket")["inputs"]["objectLockEnabled"] is False
    assert run("stack-s3-audit-buckets-protected", doc, mandatory) == []
    set_prop(doc, "trail", "s3BucketName", "ecomart-prod-access-logs")
    assert [m for m in run("stack-s3-audit-buckets-protected", doc, mandatory) if "no object lock" in m] == []
