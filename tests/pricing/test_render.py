"""The report formats and the delta between two estimates (what `ecomart diff` and the PR comment show)."""

from __future__ import annotations

import json

import pytest

from pricing import Resource, estimate, savings
from pricing.render import delta, render_json, render_markdown, render_table

DB = Resource(
    "urn:pulumi:s::p::aws:rds/instance:Instance::db",
    "aws:rds/instance:Instance",
    {"engine": "postgres", "instanceClass": "db.r6g.large"},
)
ODD = Resource("urn:pulumi:s::p::aws:opensearch/domain:Domain::search", "aws:opensearch/domain:Domain", {})


def test_a_read_replica_added_is_the_delta():
    replica = Resource(
        "urn:pulumi:s::p::aws:rds/instance:Instance::replica",
        "aws:rds/instance:Instance",
        {"replicateSourceDb": "db", "instanceClass": "db.r6g.large", "engine": "postgres"},
    )
    before, after = estimate([DB], "us-east-1"), estimate([DB, replica], "us-east-1")
    d = delta(before, after)
    assert d["delta"] == pytest.approx(after.total - before.total) and d["delta"] > 0
    assert [r["resource"] for r in d["resources"]] == ["replica"]
    assert d["resources"][0]["before"] == 0 and d["resources"][0]["delta"] == pytest.approx(d["delta"], abs=0.01)


def test_every_format_carries_the_total_and_names_what_is_not_priced():
    est = estimate([DB, ODD], "us-east-1", stack="x")
    saved = savings(est, production=True)
    doc = json.loads(render_json(est, saved))
    assert doc["monthly"]["total"] == round(est.total, 2) and doc["not_priced"] == [ODD.urn]
    assert doc["savings"] and doc["prices_read"]["us-east-1"]
    md = render_markdown(est, saved)
    assert f"${est.total:,.2f} a month" in md and "**not priced**" in md
    table = render_table(est, saved)
    assert "not priced: search" in table and f"${est.total:,.2f}" in table
