"""The savings section: each figure against the price file (reserved shares, the Graviton class's price, gp3's GB
price, office hours)."""

from __future__ import annotations

import pytest

from pricing import Resource, estimate, savings
from pricing.catalog import book
from pricing.savings import OFFICE_HOURS

P = book("us-east-1").prices


def _db(cls: str, **props) -> Resource:
    return Resource(
        f"urn:pulumi:s::p::aws:rds/instance:Instance::{cls}",
        "aws:rds/instance:Instance",
        {"engine": "postgres", "instanceClass": cls, **props},
    )


def test_reserved_instances_save_the_share_not_paid_per_term_and_payment():
    est = estimate([_db("db.r6g.large")], "us-east-1")
    found = {s.what: s.monthly for s in savings(est, production=True) if s.kind == "reserved"}
    on_demand = P["rds.postgres.db.r6g.large"]["usd"] * 730
    share = P["ri.rds.3yr.all-upfront"]["usd"]
    assert found["RDS instances: 3yr reserved, all-upfront"] == pytest.approx(on_demand * (1 - share))
    assert len(found) == 6


def test_an_x86_class_is_shown_its_graviton_equivalent():
    est = estimate([_db("db.m5.large")], "us-east-1")
    (g,) = [s for s in savings(est, production=True) if s.kind == "graviton"]
    assert "db.m5.large -> db.m6g.large" in g.what
    assert g.monthly == pytest.approx(
        (P["rds.postgres.db.m5.large"]["usd"] - P["rds.postgres.db.m6g.large"]["usd"]) * 730
    )
    graviton_only = estimate([_db("db.m6g.large")], "us-east-1")
    assert not [s for s in savings(graviton_only, production=True) if s.kind == "graviton"]


def test_io1_to_gp3_saves_the_provisioned_iops():
    est = estimate([_db("db.m6g.large", storageType="io1", allocatedStorage=100, iops=3000)], "us-east-1")
    (g,) = [s for s in savings(est, production=True) if s.kind == "gp3"]
    io1 = 100 * P["rds.storage.io1"]["usd"] + 3000 * P["rds.storage.io1.iops"]["usd"]
    assert g.monthly == pytest.approx(io1 - 100 * P["rds.storage.gp3"]["usd"])


def test_dev_only_savings_paid_insights_and_office_hours():
    est = estimate([_db("db.t4g.medium", performanceInsightsRetentionPeriod=731)], "us-east-1")
    assert not [s for s in savings(est, production=True) if s.kind == "dev"]
    dev = {s.what: s.monthly for s in savings(est, production=False) if s.kind == "dev"}
    insights = 2 * 730 * P["rds.database-insights.advanced"]["usd"]
    assert dev["db.t4g.medium: Performance Insights back to the free 7 days"] == pytest.approx(insights)
    running = P["rds.postgres.db.t4g.medium"]["usd"] * 730
    office = next(v for k, v in dev.items() if "office hours" in k)
    assert office == pytest.approx(running * (1 - OFFICE_HOURS * 52 / 12 / 730))
