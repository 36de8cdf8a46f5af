"""Time series (app/timeseries.py, migration 0009) on a real PostgreSQL: written by the relay exactly once (also
when a batch is redone after a crash), every query checked against a plain Python computation over the same
points, partitions made ahead and dropped whole for retention, bad windows named."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import psycopg
import pytest

from app import timeseries as T
from app.errors import InvalidInput
from app.relay import OutboxRelay, RelayCrash
from tests.app.apphelpers import pg_conn
from tests.app.test_app_relay import place_orders

UTC = dt.UTC


@pytest.fixture
def conn(dsn):
    with psycopg.connect(dsn, autocommit=True) as c:
        yield c


def test_the_relay_writes_each_order_line_and_the_levels_it_moved_once(services, seeded, dsn):
    orders = place_orders(services, seeded, 12)
    state = {"n": 0}

    def fault(stage: str, i: int) -> None:  # the second batch dies after its Mongo writes: redone later
        if stage == "before_mark":
            state["n"] += 1
            if state["n"] == 2:
                raise RelayCrash("injected")

    crashing = OutboxRelay(dsn, services.mongo, batch_size=5, fault=fault)
    crashing.run_once()
    with pytest.raises(RelayCrash):
        crashing.run_once()
    OutboxRelay(dsn, services.mongo, batch_size=4).drain()
    with pg_conn(dsn) as c:
        points = c.execute(
            "SELECT product_id, quantity, revenue_cents, category FROM sales_points ORDER BY event_id, line"
        ).fetchall()
        units = dict(c.execute("SELECT product_id, sum(quantity)::int FROM order_items GROUP BY 1").fetchall())
        got: dict = defaultdict(int)
        for pid, q, _, _ in points:
            got[pid] += q
        assert dict(got) == units, "every unit sold, none twice"
        (lines,) = c.execute(
            "SELECT sum(jsonb_array_length(payload->'items'))::int FROM outbox WHERE event_type = 'OrderPlaced'"
        ).fetchone()
        assert len(points) == lines, "one point per order line"
        revenue = c.execute("SELECT sum(quantity * unit_price_cents)::bigint FROM order_items").fetchone()[0]
        assert sum(p[2] for p in points) == revenue
        # the category is the catalog's (the product's first), as the relay read it
        catalog = {d["_id"]: d.get("categories", []) for d in services.mongo.db.products.find({}, {"categories": 1})}
        by_pid = dict(c.execute("SELECT id, catalog_id FROM products").fetchall())
        assert all(cat == (catalog[by_pid[pid]] or ["uncategorized"])[0] for pid, _, _, cat in points)
        levels = c.execute(
            "SELECT count(*), count(DISTINCT (event_id, product_id, warehouse_id)) FROM inventory_levels"
        ).fetchone()
        assert levels[0] == levels[1] > 0, "each event's levels once"
        # the last recorded level of a moved product equals its stock now (nothing moved it since)
        pid = points[-1][0]
        last = c.execute(
            "SELECT DISTINCT ON (warehouse_id) warehouse_id, quantity FROM inventory_levels WHERE product_id = %s "
            "ORDER BY warehouse_id, at DESC, event_id DESC",
            (pid,),
        ).fetchall()
        now = c.execute("SELECT warehouse_id, quantity FROM inventory WHERE product_id = %s", (pid,)).fetchall()
        assert sorted(last) == sorted(now)
    assert len(orders) == 12


def _points(conn, n: int, seed: int, start: dt.datetime) -> list[tuple]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        at = start + dt.timedelta(minutes=rng.randint(0, 3 * 24 * 60 - 1))
        rows.append(
            (at, 10_000 + i, 1, rng.randint(1, 6), rng.choice(["apparel", "groceries", "home"]), rng.randint(1, 4))
        )
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO sales_points (sold_at, event_id, line, product_id, category, quantity, revenue_cents) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s * 250)",
            [(*r, r[5]) for r in rows],
        )
    return rows


def test_sales_by_category_and_top_sellers_match_a_plain_computation(conn):
    start = dt.datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=3)
    rows = _points(conn, 400, seed=5, start=start)
    end = start + dt.timedelta(days=3)
    hourly = T.sales_by_category(conn, start, end, "1h")
    expected: dict = defaultdict(lambda: [0, 0])
    for at, _, _, _, cat, q in rows:
        key = (at.replace(minute=0, second=0, microsecond=0), cat)
        expected[key][0] += q
        expected[key][1] += 1
    assert {(r["bucket"], r["category"]): [r["units"], r["lines"]] for r in hourly} == dict(expected)
    top = T.top_sellers(conn, start, end, per_category=2)
    units: dict = defaultdict(int)
    for at, _, _, pid, cat, q in rows:
        units[(at.date(), cat, pid)] += q
    for day in {k[0] for k in units}:
        for cat in {k[1] for k in units}:
            ranked = sorted(((-u, p) for (d, c, p), u in units.items() if d == day and c == cat))[:2]
            got = [(r["product_id"], r["units"]) for r in top if r["day"].date() == day and r["category"] == cat]
            assert got == [(p, -u) for u, p in ranked]


def test_levels_over_a_window_and_stock_outs(conn):
    t0 = dt.datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=6)
    series = {1: [5, 3, 0, 4], 2: [7, 7, 6, 6]}  # warehouse -> levels at t0, +20 min, +70 min, +130 min
    for wid, qs in series.items():
        for q, minutes in zip(qs, (0, 20, 70, 130), strict=True):
            conn.execute(
                "INSERT INTO inventory_levels (at, product_id, warehouse_id, quantity, reserved) "
                "VALUES (%s, 42, %s, %s, 0)",
                (t0 + dt.timedelta(minutes=minutes), wid, q),
            )
    got = T.level_over_window(conn, 42, t0, t0 + dt.timedelta(hours=3), "1h")
    assert [(r["min"], r["max"], r["last"]) for r in got] == [
        (3 + 7, 5 + 7, 3 + 7),
        (0 + 6, 0 + 6, 0 + 6),
        (4 + 6, 4 + 6, 4 + 6),
    ]
    outs = T.stock_outs(conn, t0, t0 + dt.timedelta(hours=3))
    assert outs == [{"product_id": 42, "warehouse_id": 1, "first_at": t0 + dt.timedelta(minutes=70), "points": 1}]
    assert T.stock_outs(conn, t0 + dt.timedelta(hours=2), t0 + dt.timedelta(hours=3)) == []


def test_daily_snapshot_records_every_inventory_row(services, seeded, conn):
    n = conn.execute("SELECT count(*) FROM inventory").fetchone()[0]
    assert T.snapshot_levels(conn) == n > 0
    assert conn.execute("SELECT count(*) FROM inventory_levels WHERE event_id IS NULL").fetchone()[0] == n


def test_partitions_ahead_and_retention_drop_whole_months(conn):
    today = dt.date(2027, 3, 15)
    T.maintain(conn, today)
    names = {
        r[0]
        for r in conn.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'sales_points'::regclass"
        )
    }
    # last month through MONTHS_AHEAD + 1 months after it
    assert {f"sales_points_y2027m{m:02}" for m in range(2, 7)} <= names
    assert T.maintain(conn, today)["created"] == {"sales_points": 0, "inventory_levels": 0}, "idempotent"
    old = dt.datetime(2027, 2, 10, tzinfo=UTC)
    conn.execute(
        "INSERT INTO inventory_levels (at, product_id, warehouse_id, quantity, reserved) VALUES (%s, 1, 1, 5, 0)",
        (old,),
    )
    later = T.maintain(conn, dt.date(2028, 3, 1))  # 13 months of levels kept: March 2027 onwards
    assert "inventory_levels_y2027m02" in later["dropped"]["inventory_levels"]
    assert "inventory_levels_y2027m03" not in later["dropped"]["inventory_levels"]
    assert "sales_points_y2027m02" not in later["dropped"]["sales_points"], "25 months of sales kept"
    assert conn.execute("SELECT count(*) FROM inventory_levels WHERE at = %s", (old,)).fetchone() == (0,)


@pytest.mark.parametrize(
    "args,field",
    [
        ((dt.datetime(2026, 1, 2, tzinfo=UTC), dt.datetime(2026, 1, 1, tzinfo=UTC)), "end"),
        ((dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 2)), "start"),
        ((dt.datetime(2024, 1, 1, tzinfo=UTC), dt.datetime(2026, 1, 1, tzinfo=UTC)), "end"),
    ],
)
def test_bad_windows_are_named(conn, args, field):
    with pytest.raises(InvalidInput) as e:
        T.sales_by_category(conn, *args)
    assert e.value.details["field"] == field
    with pytest.raises(InvalidInput, match="bucket: allowed 15m, 1h, 6h, 1d"):
        T.level_over_window(conn, 1, dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime(2026, 1, 2, tzinfo=UTC), "2h")


def test_without_a_partition_for_the_month_the_relay_stops_and_keeps_the_batch(services, seeded, dsn):
    """What runbooks/postgres-maintenance.md says: a missing month stops the relay (the outbox lag alarm's case);
    nothing is half-published, and once the month exists the batch goes through."""
    place_orders(services, seeded, 3)
    month = dt.datetime.now(UTC)
    part = f"sales_points_y{month:%Y}m{month:%m}"
    with pg_conn(dsn) as c:
        c.execute(f"ALTER TABLE sales_points DETACH PARTITION {part}")
    relay = OutboxRelay(dsn, services.mongo, batch_size=10)
    with pytest.raises(psycopg.errors.CheckViolation, match="no partition of relation"):
        relay.run_once()
    with pg_conn(dsn) as c:
        assert c.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0] == 3
        c.execute(f"DROP TABLE {part}")
        T.maintain(c)
    assert OutboxRelay(dsn, services.mongo, batch_size=10).drain() == 3
