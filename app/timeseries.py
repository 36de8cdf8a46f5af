"""Time series in PostgreSQL (docs/adr/0029): units sold per product over time (``sales_points``) and inventory
levels per product and warehouse (``inventory_levels``), in monthly range partitions with BRIN indexes on time.

Written by the outbox relay, in the transaction that marks the batch published (``record_batch``): an order's
lines become sales points and the levels of the stock it moved are recorded — exactly once, however often a batch
is redone. A daily snapshot (``snapshot_levels``, the migrations function's ``timeseries`` action) keeps the
daily level of every stocked product. Retention drops whole partitions (``maintain``).

Queries bucket time with ``date_bin``: a product's level over a window, stock-outs in a period, sales per category
per hour, top sellers per category per day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg

from platform_rules import RETENTION

from .errors import InvalidInput

TABLES = ("sales_points", "inventory_levels")
# Months kept (whole partitions): the platform's rule (platform_rules travels in the Lambda artifact with app/).
RETENTION_MONTHS = {
    "sales_points": RETENTION.sales_points_months,
    "inventory_levels": RETENTION.inventory_levels_months,
}
MONTHS_AHEAD = RETENTION.partition_months_ahead
UNCATEGORIZED = "uncategorized"
BUCKETS = {"15m": "15 minutes", "1h": "1 hour", "6h": "6 hours", "1d": "1 day"}
MAX_WINDOW = dt.timedelta(days=400)


def record_batch(conn: psycopg.Connection, events: list[dict], categories: dict[str, list[str]]) -> tuple[int, int]:
    """Sales points and levels for a relay batch's OrderPlaced events, in the caller's transaction; returns
    (sales points, levels) written. Both are keyed by the event, so a redone batch adds nothing."""
    sales: list[tuple[Any, ...]] = []
    moved: dict[int, dt.datetime] = {}  # product id -> the latest order time that moved it, per event below
    per_event: list[tuple[int, dt.datetime, set[int]]] = []
    for ev in events:
        if ev["event_type"] != "OrderPlaced":
            continue
        p = ev["payload"]
        sold_at = dt.datetime.fromisoformat(p["created_at"])
        products = set()
        for line, item in enumerate(p["items"], start=1):
            cats = categories.get(item["catalog_id"]) or [UNCATEGORIZED]
            sales.append(
                (
                    sold_at,
                    ev["id"],
                    line,
                    item["product_id"],
                    cats[0],
                    item["quantity"],
                    item["quantity"] * item["unit_price_cents"],
                )
            )
            products.add(item["product_id"])
            moved[item["product_id"]] = max(moved.get(item["product_id"], sold_at), sold_at)
        per_event.append((ev["id"], sold_at, products))
    if not sales:
        return 0, 0
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO sales_points (sold_at, event_id, line, product_id, category, quantity, revenue_cents) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            sales,
        )
        # The level each product is at now, recorded at each event's time that moved it (the relay runs seconds
        # behind the orders: a level is the one after the batch, stamped with the order that changed it).
        cur.execute(
            "INSERT INTO inventory_levels (at, product_id, warehouse_id, quantity, reserved, event_id) "
            "SELECT e.at, i.product_id, i.warehouse_id, i.quantity, i.reserved, e.event_id "
            "FROM unnest(%s::bigint[], %s::timestamptz[], %s::bigint[]) AS e(event_id, at, product_id) "
            "JOIN inventory i ON i.product_id = e.product_id "
            "ON CONFLICT (event_id, product_id, warehouse_id, at) WHERE event_id IS NOT NULL DO NOTHING",
            (
                [eid for eid, _, ps in per_event for _ in ps],
                [at for _, at, ps in per_event for _ in ps],
                [pid for _, _, ps in per_event for pid in sorted(ps)],
            ),
        )
        levels = cur.rowcount
    return len(sales), levels


def snapshot_levels(conn: psycopg.Connection, at: dt.datetime | None = None) -> int:
    """Every inventory row's level now (the daily history); returns how many were written."""
    cur = conn.execute(
        "INSERT INTO inventory_levels (at, product_id, warehouse_id, quantity, reserved) "
        "SELECT coalesce(%s, now()), product_id, warehouse_id, quantity, reserved FROM inventory",
        (at,),
    )
    return cur.rowcount


def maintain(conn: psycopg.Connection, today: dt.date | None = None) -> dict[str, Any]:
    """Partitions ahead (last month to ``MONTHS_AHEAD`` ahead) and retention (partitions wholly older than the
    months kept are dropped): idempotent, one transaction per table."""
    today = today or dt.datetime.now(dt.UTC).date()
    start = today.replace(day=1) - dt.timedelta(days=1)
    created: dict[str, int] = {}
    dropped: dict[str, list[str]] = {}
    for table in TABLES:
        keep_from = _months_back(today.replace(day=1), RETENTION_MONTHS[table] - 1)
        with conn.transaction():
            (created[table],) = conn.execute(
                "SELECT ecomart_ensure_time_partitions(%s, %s, %s)", (table, start, MONTHS_AHEAD + 1)
            ).fetchone()
            (dropped[table],) = conn.execute(
                "SELECT ecomart_drop_time_partitions(%s, %s)",
                (table, dt.datetime.combine(keep_from, dt.time(), dt.UTC)),
            ).fetchone()
    return {"created": created, "dropped": dropped}


def _months_back(first_of_month: dt.date, months: int) -> dt.date:
    y, m = divmod(first_of_month.year * 12 + first_of_month.month - 1 - months, 12)
    return dt.date(y, m + 1, 1)


def _window(start: dt.datetime, end: dt.datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("start", "times need a UTC offset (e.g. 2026-12-01T00:00:00Z)", status=400)
    if not start < end:
        raise InvalidInput("end", "must be after start", status=400, value=end.isoformat())
    if end - start > MAX_WINDOW:
        raise InvalidInput("end", f"the window is at most {MAX_WINDOW.days} days", status=400, value=end.isoformat())


def _bucket(bucket: str) -> str:
    if bucket not in BUCKETS:
        raise InvalidInput("bucket", f"allowed {', '.join(BUCKETS)}", status=400, value=bucket)
    return BUCKETS[bucket]


def level_over_window(
    conn: psycopg.Connection, product_id: int, start: dt.datetime, end: dt.datetime, bucket: str = "1h"
) -> list[dict[str, Any]]:
    """A product's level per time bucket, summed over its warehouses: the lowest, the highest and the last point
    of each warehouse in the bucket (buckets without a point are absent)."""
    _window(start, end)
    rows = conn.execute(
        """
        SELECT b, sum(lo)::int, sum(hi)::int, sum(last)::int FROM (
            SELECT date_bin(%(b)s::interval, at, %(o)s) AS b, warehouse_id,
                   min(quantity) AS lo, max(quantity) AS hi, (array_agg(quantity ORDER BY at DESC))[1] AS last
            FROM inventory_levels
            WHERE product_id = %(p)s AND at >= %(s)s AND at < %(e)s
            GROUP BY 1, 2
        ) w GROUP BY b ORDER BY b
        """,
        {"b": _bucket(bucket), "o": dt.datetime(2000, 1, 1, tzinfo=dt.UTC), "p": product_id, "s": start, "e": end},
    ).fetchall()
    return [{"bucket": r[0], "min": r[1], "max": r[2], "last": r[3]} for r in rows]


def stock_outs(conn: psycopg.Connection, start: dt.datetime, end: dt.datetime, limit: int = 100) -> list[dict]:
    """Products and warehouses whose available stock (quantity − reserved) was at zero in the period: when first
    seen there, and how many points were."""
    _window(start, end)
    rows = conn.execute(
        """
        SELECT product_id, warehouse_id, min(at), count(*)
        FROM inventory_levels
        WHERE at >= %s AND at < %s AND quantity - reserved <= 0
        GROUP BY 1, 2 ORDER BY 3, 1, 2 LIMIT %s
        """,
        (start, end, limit),
    ).fetchall()
    return [{"product_id": r[0], "warehouse_id": r[1], "first_at": r[2], "points": r[3]} for r in rows]


def sales_by_category(
    conn: psycopg.Connection, start: dt.datetime, end: dt.datetime, bucket: str = "1h"
) -> list[dict[str, Any]]:
    """Units, revenue and order lines per category per time bucket."""
    _window(start, end)
    rows = conn.execute(
        """
        SELECT date_bin(%(b)s::interval, sold_at, %(o)s), category, sum(quantity), sum(revenue_cents), count(*)
        FROM sales_points WHERE sold_at >= %(s)s AND sold_at < %(e)s
        GROUP BY 1, 2 ORDER BY 1, 2
        """,
        {"b": _bucket(bucket), "o": dt.datetime(2000, 1, 1, tzinfo=dt.UTC), "s": start, "e": end},
    ).fetchall()
    return [{"bucket": r[0], "category": r[1], "units": r[2], "revenue_cents": r[3], "lines": r[4]} for r in rows]


def top_sellers(
    conn: psycopg.Connection, start: dt.datetime, end: dt.datetime, per_category: int = 3
) -> list[dict[str, Any]]:
    """The ``per_category`` products with the most units sold per category per (UTC) day."""
    _window(start, end)
    if not 1 <= per_category <= 50:
        raise InvalidInput("per_category", "allowed 1..50", status=400, value=per_category)
    rows = conn.execute(
        """
        SELECT day, category, product_id, units, revenue FROM (
            SELECT date_bin('1 day', sold_at, %(o)s) AS day, category, product_id,
                   sum(quantity) AS units, sum(revenue_cents) AS revenue,
                   row_number() OVER (PARTITION BY date_bin('1 day', sold_at, %(o)s), category
                                      ORDER BY sum(quantity) DESC, product_id) AS rank
            FROM sales_points WHERE sold_at >= %(s)s AND sold_at < %(e)s
            GROUP BY 1, 2, 3
        ) ranked WHERE rank <= %(n)s ORDER BY day, category, units DESC, product_id
        """,
        {"o": dt.datetime(2000, 1, 1, tzinfo=dt.UTC), "s": start, "e": end, "n": per_category},
    ).fetchall()
    return [{"day": r[0], "category": r[1], "product_id": r[2], "units": r[3], "revenue_cents": r[4]} for r in rows]
