"""The public catalogues: every control is either implemented by a policy that cites it or says why not, never
both; the coverage tables in docs/compliance.md come from the same data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policies.engine.catalogues import CATALOGUES, catalogue_controls
from policies.engine.docs import coverage_counts
from policies.engine.meta import CONTROLS
from policies.engine.registry import metadata

DOC = Path(__file__).resolve().parents[2] / "docs" / "compliance.md"
CITED = {c for m in metadata().values() for c in m.controls}


@pytest.mark.parametrize("cat", CATALOGUES, ids=lambda c: c.key)
def test_every_control_is_covered_or_says_why_not(cat):
    for c in cat.controls:
        if c.uncovered is None:
            assert c.key in CITED, f"{cat.key} {c.ref}: no policy cites {c.key} and no reason is given"
        else:
            kind, reason = c.uncovered
            assert kind in ("not-expressible", "not-applicable", "gap") and len(reason) > 15, c.ref
            assert c.key not in CITED, f"{c.ref} is cited by a policy but listed as {kind}"


def test_keys_and_refs_are_unique_and_citable():
    keys = [c.key for cat in CATALOGUES for c in cat.controls]
    assert len(keys) == len(set(keys))
    for cat in CATALOGUES:
        refs = [c.ref for c in cat.controls]
        assert len(refs) == len(set(refs)), cat.key
    assert set(catalogue_controls()) <= set(CONTROLS)


def test_fsbp_keys_follow_the_control_ids():
    (fsbp,) = [c for c in CATALOGUES if c.key == "fsbp"]
    for c in fsbp.controls:
        assert re.fullmatch(r"[A-Za-z0-9]+\.\d+", c.ref), c.ref
        assert c.key == "fsbp-" + c.ref.lower().replace(".", "-")


def test_every_fsbp_service_of_the_data_tier_is_in_the_catalogue():
    (fsbp,) = [c for c in CATALOGUES if c.key == "fsbp"]
    services = {c.ref.split(".")[0] for c in fsbp.controls}
    assert services >= {
        "RDS",
        "ElastiCache",
        "KMS",
        "Backup",
        "S3",
        "Lambda",
        "APIGateway",
        "SecretsManager",
        "SNS",
        "SQS",
        "Cognito",
        "CloudWatch",
        "EC2",
        "IAM",
    }


def test_coverage_tables_are_in_the_committed_doc():
    text = DOC.read_text(encoding="utf-8")
    counts = coverage_counts()
    for cat in CATALOGUES:
        n = counts[cat.key]
        assert f"#### {cat.name} ({cat.version})" in text
        assert (
            f"{len(cat.controls)} controls: {n['covered']} covered, {n['gap']} gaps, "
            f"{n['not-expressible']} not expressible, {n['not-applicable']} not applicable."
        ) in text
        for c in cat.controls:
            assert f"| {c.ref} | {c.title} |" in text, c.ref
    assert "not covered and no reason given" not in text


def test_new_policies_cite_what_they_implement():
    m = metadata()
    expected = {
        "rds-snapshot-not-public": "fsbp-rds-1",
        "rds-custom-master-username": "fsbp-rds-25",
        "iam-no-decrypt-all-keys": "fsbp-kms-1",
        "iam-no-service-wildcard-actions": "fsbp-iam-21",
        "apigw-rest-stage-xray": "fsbp-apigateway-3",
        "cognito-identity-pool-no-unauthenticated": "fsbp-cognito-2",
        "lambda-multiple-subnets": "fsbp-lambda-5",
        "rds-parameter-group-hardening": "cis-pg-pgaudit",
        "atlas-organization-hardened": "atlas-organizations-mfa-required",
        "atlas-cluster-dedicated-tier": "atlas-checklist-dedicated-tier",
        "atlas-cluster-retain-backups": "atlas-checklist-retain-backups",
    }
    for pid, key in expected.items():
        assert key in m[pid].controls, pid
