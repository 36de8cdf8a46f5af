"""Resource-policy cases of ``policies/rules/s3.py``: a compliant resource per case and, for every property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

from policies.engine import tokens as T
from tests.policies.cases.shapes import CONNECT, DENY_HTTP, PUBLIC, doc
from tests.policies.helpers import DELETE, Case

CASES = {
    # S3
    "s3-public-access-block": [
        Case(
            T.S3_PUBLIC_ACCESS_BLOCK,
            {
                "bucket": "b",
                "blockPublicAcls": True,
                "blockPublicPolicy": True,
                "ignorePublicAcls": True,
                "restrictPublicBuckets": True,
            },
            {
                "blockPublicAcls": False,
                "blockPublicPolicy": False,
                "ignorePublicAcls": DELETE,
                "restrictPublicBuckets": False,
            },
        ),
    ],
    "s3-no-public-acl": [
        Case(T.S3_BUCKET, {"bucket": "ecomart-exports", "acl": "private"}, {"acl": "public-read"}),
        Case(T.S3_ACL, {"bucket": "ecomart-exports", "acl": "private"}, {"acl": "public-read-write"}),
    ],
    "s3-versioning-enabled": [
        Case(
            T.S3_VERSIONING,
            {"bucket": "b", "versioningConfiguration": {"status": "Enabled"}},
            {"versioningConfiguration.status": "Suspended"},
        ),
    ],
    "s3-ownership-controls-enforced": [
        Case(
            T.S3_OWNERSHIP,
            {"bucket": "b", "rule": {"objectOwnership": "BucketOwnerEnforced"}},
            {"rule.objectOwnership": "ObjectWriter"},
        ),
    ],
    "s3-object-lock-retention": [
        Case(
            T.S3_OBJECT_LOCK,
            {
                "bucket": "b",
                "objectLockEnabled": "Enabled",
                "rule": {"defaultRetention": {"mode": "COMPLIANCE", "days": 365}},
            },
            {
                "rule.defaultRetention.mode": "FOREVER",
                "rule.defaultRetention.days": 30,
                "rule.defaultRetention.years": 1,
            },
        ),
    ],
    "s3-policy-deny-insecure-transport": [
        Case(T.S3_POLICY, {"bucket": "b", "policy": doc(DENY_HTTP)}, {"policy": doc(CONNECT)}),
    ],
    "s3-policy-not-public": [
        Case(T.S3_POLICY, {"bucket": "b", "policy": doc(DENY_HTTP)}, {"policy": doc(DENY_HTTP, PUBLIC)}),
        # FSBP S3.2 (public read) and S3.3 (public write) apart.
        Case(
            T.S3_POLICY,
            {"bucket": "b", "policy": doc(DENY_HTTP)},
            {"policy": doc(DENY_HTTP, {**PUBLIC, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})},
            label="public read",
        ),
        Case(
            T.S3_POLICY,
            {"bucket": "b", "policy": doc(DENY_HTTP)},
            {"policy": doc(DENY_HTTP, {**PUBLIC, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"})},
            label="public write",
        ),
    ],
}
