"""postgres-maintenance and inventory-reconciliation against the real PostgreSQL the tests start (catalog on
mongomock: nothing here depends on a MongoDB behaviour mongomock might not share)."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from app.orders import set_stock
from app.relay import OutboxRelay
from tests.runbooks.conftest import run_book


def q(dsn, sql, *params):
    with psycopg.connect(dsn, autocommit=True) as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else cur.rowcount


def partitions(dsn):
    return {
        r[0]
        for r in q(
            dsn,
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname IN ('orders','order_items')",
        )
    }


def test_maintenance_dry_run_counts_and_changes_nothing(dsn, tmp_path):
    before = partitions(dsn)
    code, ev, out, _ = run_book(
        "postgres-maintenance", {"stack": "dev"}, {"months-ahead": 6}, tmp_path=tmp_path, extra={"database_url": dsn}
    )
    assert code == 0, out
    assert partitions(dsn) == before
    missing = ev["measurements"]["partitions_missing"]["value"]
    assert missing and all(m.startswith(("orders_y", "order_items_y")) for m in missing)
    assert "WOULD CALL postgres.SQL" in out
    assert all(c["mode"] in ("read", "would") for s in ev["steps"] for c in s["calls"])


def test_maintenance_creates_ahead_detaches_old_and_purges_in_batches(dsn, seeded, tmp_path):
    # an old, empty partition past the 10-year retention
    q(dsn, "SELECT ecomart_ensure_order_partitions('2015-03-01', 0)")
    assert {"orders_y2015m03", "order_items_y2015m03"} <= partitions(dsn)
    cid = seeded.customers[0]
    q(
        dsn,
        "INSERT INTO outbox (aggregate_type, aggregate_id, event_type, payload, published_at, created_at) "
        "SELECT 'x', g::text, 'Test', '{}'::jsonb, now() - interval '30 days', now() - interval '30 days' "
        "FROM generate_series(1, 23) g",
    )
    q(
        dsn,
        "INSERT INTO outbox (aggregate_type, aggregate_id, event_type, payload, created_at) "
        "VALUES ('x', 'pending', 'Test', '{}'::jsonb, now() - interval '30 days')",
    )  # unpublished: must stay
    q(
        dsn,
        "INSERT INTO idempotency_keys (customer_id, idempotency_key, request_hash, created_at) "
        "SELECT %s, 'old-key-' || g, 'h', now() - interval '90 days' FROM generate_series(1, 7) g",
        cid,
    )
    q(
        dsn,
        "INSERT INTO idempotency_keys (customer_id, idempotency_key, request_hash) VALUES (%s, 'fresh-key-1', 'h')",
        cid,
    )
    code, ev, out, _ = run_book(
        "postgres-maintenance",
        {"stack": "dev"},
        {"months-ahead": 6, "batch": 5},
        execute=True,
        tmp_path=tmp_path,
        extra={"database_url": dsn},
    )
    assert code == 0, out
    today = dt.date.today().replace(day=1)
    parts = partitions(dsn)
    month = today
    for _ in range(7):
        assert f"orders_y{month:%Y}m{month:%m}" in parts and f"order_items_y{month:%Y}m{month:%m}" in parts
        month = (month + dt.timedelta(days=32)).replace(day=1)
    assert "orders_y2015m03" not in parts and "order_items_y2015m03" not in parts
    assert q(dsn, "SELECT to_regclass('orders_y2015m03') IS NOT NULL")[0][0]  # detached, not dropped
    assert ev["measurements"]["outbox_purged"]["value"] == 23
    assert q(dsn, "SELECT count(*) FROM outbox WHERE aggregate_id = 'pending'")[0][0] == 1
    assert ev["measurements"]["idempotency_keys_purged"]["value"] == 7
    assert q(dsn, "SELECT count(*) FROM idempotency_keys WHERE idempotency_key = 'fresh-key-1'")[0][0] == 1
    deletes = [
        c for s in ev["steps"] for c in s["calls"] if c["params"].get("sql", "").startswith("DELETE FROM outbox")
    ]
    assert len(deletes) == 5  # 23 rows in batches of 5: 5+5+5+5+3
    # a re-run finds nothing left to do
    code, ev2, out2, _ = run_book(
        "postgres-maintenance",
        {"stack": "dev"},
        {"months-ahead": 6},
        execute=True,
        tmp_path=tmp_path,
        extra={"database_url": dsn},
    )
    assert code == 0 and ev2["steps"][0]["status"] == "already-done" and ev2["steps"][1]["status"] == "already-done"
    assert ev2["steps"][2]["status"] == "already-done", "time-series months present, none past retention"


def test_maintenance_makes_time_series_months_ahead_and_drops_expired_ones(dsn, tmp_path):
    """ADR 0029: the months ahead are created, months wholly past platform_rules' retention dropped (derived data:
    no archive), months still kept left alone; the dry run only counts."""
    from platform_rules import RETENTION

    def ts_parts():
        return {
            r[0]
            for r in q(
                dsn,
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname IN ('sales_points','inventory_levels')",
            )
        }

    today = dt.date.today().replace(day=1)

    def back(months: int) -> dt.date:
        y, m = divmod(today.year * 12 + today.month - 1 - months, 12)
        return dt.date(y, m + 1, 1)

    expired_levels, kept_levels = back(RETENTION.inventory_levels_months), back(RETENTION.inventory_levels_months - 1)
    for month in (expired_levels, kept_levels):
        q(dsn, "SELECT ecomart_ensure_time_partitions('inventory_levels', %s, 0)", month)
        q(dsn, "SELECT ecomart_ensure_time_partitions('sales_points', %s, 0)", month)
    expired = f"inventory_levels_y{expired_levels:%Y}m{expired_levels:%m}"
    before = ts_parts()
    code, ev, out, _ = run_book(
        "postgres-maintenance", {"stack": "dev"}, {"months-ahead": 6}, tmp_path=tmp_path, extra={"database_url": dsn}
    )
    assert code == 0, out
    assert ts_parts() == before, "the dry run changes nothing"
    assert ev["measurements"]["time_series_partitions_past_retention"]["value"] == [expired]
    code, ev, out, _ = run_book(
        "postgres-maintenance",
        {"stack": "dev"},
        {"months-ahead": 6},
        execute=True,
        tmp_path=tmp_path,
        extra={"database_url": dsn},
    )
    assert code == 0, out
    after = ts_parts()
    assert expired not in after and not q(dsn, "SELECT to_regclass(%s) IS NOT NULL", expired)[0][0], "dropped"
    assert f"inventory_levels_y{kept_levels:%Y}m{kept_levels:%m}" in after
    assert f"sales_points_y{expired_levels:%Y}m{expired_levels:%m}" in after, "sales are kept longer"
    month = today
    for _ in range(7):
        assert f"sales_points_y{month:%Y}m{month:%m}" in after and f"inventory_levels_y{month:%Y}m{month:%m}" in after
        month = (month + dt.timedelta(days=32)).replace(day=1)


def test_maintenance_keeps_an_old_partition_payments_still_reference(dsn, seeded, tmp_path):
    q(dsn, "SELECT ecomart_ensure_order_partitions('2014-05-01', 0)")
    cid = seeded.customers[0]
    q(
        dsn,
        "INSERT INTO orders (id, customer_id, total_cents, currency, created_at) VALUES "
        "(999001, %s, 100, 'EUR', '2014-05-10T00:00:00Z')",
        cid,
    )
    q(
        dsn,
        "INSERT INTO payments (order_id, order_created_at, amount_cents, currency) VALUES "
        "(999001, '2014-05-10T00:00:00Z', 100, 'EUR')",
    )
    code, ev, out, _ = run_book(
        "postgres-maintenance", {"stack": "dev"}, execute=True, tmp_path=tmp_path, extra={"database_url": dsn}
    )
    assert code == 0, out
    assert "orders_y2014m05" in partitions(dsn) and "order_items_y2014m05" not in partitions(dsn)
    finding = next(c for c in ev["checks"] if c["check"] == "orders_y2014m05 detachable")
    assert not finding["ok"] and "1 payments still reference" in finding["detail"]


def test_bad_batch_is_one_line(dsn, tmp_path):
    code, ev, out, _ = run_book(
        "postgres-maintenance", {"stack": "dev"}, {"batch": 0}, tmp_path=tmp_path, extra={"database_url": dsn}
    )
    assert code == 2 and ev["error"] == "--batch 0: must be a positive number"


def test_unreachable_database_is_one_line(tmp_path):
    code, ev, out, _ = run_book(
        "postgres-maintenance",
        {"stack": "dev"},
        tmp_path=tmp_path,
        extra={"database_url": "postgresql://nobody@127.0.0.1:1/x"},
    )
    assert code == 2 and ev["error"].startswith("cannot connect to PostgreSQL") and "Traceback" not in out


@pytest.fixture
def reconciled(dsn, services, seeded):
    """Seeded stores with every availability summary brought in line by the relay (the starting point)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        ids = [r[0] for r in conn.execute("SELECT DISTINCT catalog_id FROM products")]
        for cid in ids:
            conn.execute(
                "INSERT INTO outbox (aggregate_type, aggregate_id, event_type, payload) VALUES "
                "('product', %s, 'AvailabilityResync', jsonb_build_object('catalog_id', %s::text))",
                (cid, cid),
            )
    relay = OutboxRelay(dsn, services.mongo)
    relay.drain()
    relay.close()
    return ids


def test_reconciliation_finds_nothing_on_consistent_stores(dsn, services, reconciled, tmp_path):
    code, ev, out, _ = run_book(
        "inventory-reconciliation",
        {"stack": "dev"},
        tmp_path=tmp_path,
        extra={"database_url": dsn, "mongo": services.mongo},
    )
    assert code == 0, out
    assert ev["measurements"]["mismatches"]["value"] == []
    assert ev["measurements"]["products"]["value"] == len(reconciled)


def test_reconciliation_reports_repairs_by_events_and_exits_3(dsn, services, seeded, reconciled, tmp_path):
    a, b = reconciled[0], reconciled[1]
    with psycopg.connect(dsn, autocommit=True) as conn:  # stock changed behind the outbox's back
        sku = conn.execute("SELECT sku FROM products WHERE catalog_id = %s LIMIT 1", (a,)).fetchone()[0]
        wid = conn.execute("SELECT id FROM warehouses ORDER BY id LIMIT 1").fetchone()[0]
        set_stock(conn, sku, wid, 977)
    services.mongo.db.products.update_one({"_id": b}, {"$set": {"availability.units": 123456}})
    stock_before = q(dsn, "SELECT product_id, warehouse_id, quantity FROM inventory ORDER BY 1, 2")
    extra = {"database_url": dsn, "mongo": services.mongo}

    code, ev, out, _ = run_book("inventory-reconciliation", {"stack": "dev"}, tmp_path=tmp_path, extra=extra)
    assert code == 3, out
    assert {m["catalog_id"] for m in ev["measurements"]["mismatches"]["value"]} == {a, b}
    assert q(dsn, "SELECT count(*) FROM outbox WHERE published_at IS NULL")[0][0] == 0  # dry run: nothing emitted

    code, ev, out, _ = run_book(
        "inventory-reconciliation", {"stack": "dev"}, execute=True, tmp_path=tmp_path, extra=extra
    )
    assert code == 3
    emitted = q(dsn, "SELECT aggregate_id, event_type FROM outbox WHERE published_at IS NULL ORDER BY 1")
    assert emitted == sorted([(a, "AvailabilityResync"), (b, "AvailabilityResync")])
    assert q(dsn, "SELECT product_id, warehouse_id, quantity FROM inventory ORDER BY 1, 2") == stock_before

    # the pending events are in flight: not reported again while unpublished
    code, ev, out, _ = run_book("inventory-reconciliation", {"stack": "dev"}, tmp_path=tmp_path, extra=extra)
    assert code == 0 and ev["measurements"]["in_flight"]["value"] == 2

    relay = OutboxRelay(dsn, services.mongo)
    relay.drain()
    relay.close()
    code, ev, out, _ = run_book("inventory-reconciliation", {"stack": "dev"}, tmp_path=tmp_path, extra=extra)
    assert code == 0 and ev["measurements"]["mismatches"]["value"] == []
    assert services.mongo.db.products.find_one({"_id": b})["availability"]["units"] != 123456
