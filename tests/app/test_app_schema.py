"""PostgreSQL schema: migrations replay on an empty database (and roll back), partitions are created ahead,
constraints hold, and the hot queries' plans use their indexes on realistic data volumes."""

from __future__ import annotations

import datetime as dt
import json

import psycopg
import pytest

from app import db
from app.orders import OUTBOX_BATCH_SQL, RECENT_ORDERS_SQL
from tests.app.apphelpers import pg_conn

TABLES = {
    "customers",
    "products",
    "warehouses",
    "inventory",
    "orders",
    "order_items",
    "payments",
    "idempotency_keys",
    "outbox",
    "queued_order_outcomes",
    "ecomart_keys",
    "departments",
    "employees",
    "customer_links",
    "sales_points",
    "inventory_levels",
}


def tables(dsn: str) -> set[str]:
    with pg_conn(dsn) as conn:
        return {
            r[0]
            for r in conn.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
            )
        }


def test_migrations_replay_on_an_empty_database_and_roll_back(pg_server):
    name = "replay_empty"
    dsn = pg_server.create_database(name)
    try:
        assert db.migrate(dsn) == [
            "0001_core",
            "0002_orders",
            "0003_outbox",
            "0004_place_order",
            "0005_outbox_notify",
            "0006_queued_orders",
            "0007_order_id_key",
            "0008_relationships",
            "0009_time_series",
        ]
        assert TABLES <= tables(dsn)
        assert db.migrate(dsn) == [], "a second run applies nothing"
        assert db.migrate(dsn, rollback_all=True) == [
            "0009_time_series",
            "0008_relationships",
            "0007_order_id_key",
            "0006_queued_orders",
            "0005_outbox_notify",
            "0004_place_order",
            "0003_outbox",
            "0002_orders",
            "0001_core",
        ]
        assert not TABLES & tables(dsn)
        with pg_conn(dsn) as conn:
            assert (
                conn.execute(
                    "SELECT count(*) FROM pg_proc WHERE proname = 'ecomart_ensure_order_partitions'"
                ).fetchone()[0]
                == 0
            )
        assert db.migrate(dsn) == [
            "0001_core",
            "0002_orders",
            "0003_outbox",
            "0004_place_order",
            "0005_outbox_notify",
            "0006_queued_orders",
            "0007_order_id_key",
            "0008_relationships",
            "0009_time_series",
        ], "and apply again from scratch"
    finally:
        pg_server.drop_database(name)


def test_migrate_command_line(pg_server, capsys):
    from workers.__main__ import main as workers

    def main(argv):
        return workers(["migrate", *argv])

    name = "replay_cli"
    dsn = pg_server.create_database(name)
    try:
        assert main(["--database-url", dsn]) == 0
        assert "0003_outbox" in capsys.readouterr().out
        assert main(["--database-url", dsn]) == 0
        assert "none (up to date)" in capsys.readouterr().out
    finally:
        pg_server.drop_database(name)


def month_starts(first: dt.date, n: int) -> list[dt.date]:
    out, y, m = [], first.year, first.month
    for _ in range(n):
        out.append(dt.date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def test_partitions_exist_ahead_and_are_created_idempotently(dsn):
    today = dt.datetime.now(dt.UTC).date()
    with pg_conn(dsn) as conn:
        db.ensure_partitions(conn)
        names = {
            r[0]
            for r in conn.execute(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'orders'"
            )
        }
        last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        for m in month_starts(last_month, 5):  # last month, this month and 3 ahead
            assert f"orders_y{m:%Y}m{m:%m}" in names
        assert db.ensure_partitions(conn) == 0, "nothing new the second time"
        created = db.ensure_partitions(conn, months_ahead=6)
        assert created == 6, "three more months of orders and order_items"
        bound = conn.execute(
            "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = %s",
            (f"orders_y{today:%Y}m{today:%m}",),
        ).fetchone()[0]
        assert f"'{today:%Y-%m}-01 00:00:00+00'" in bound, "monthly ranges in UTC"


def test_an_order_outside_every_partition_is_refused_not_lost(dsn):
    with pg_conn(dsn) as conn:
        cid = conn.execute(
            "INSERT INTO customers (email, region, country) VALUES ('a@example.com', 'eu', 'NL') RETURNING id"
        ).fetchone()[0]
        with pytest.raises(psycopg.errors.CheckViolation, match="no partition"):
            conn.execute(
                "INSERT INTO orders (customer_id, total_cents, currency, created_at) "
                "VALUES (%s, 1, 'EUR', now() + interval '3 years')",
                (cid,),
            )


@pytest.mark.parametrize(
    "sql,error",
    [
        (
            "INSERT INTO customers (email, region, country) VALUES ('Ada@Example.com', 'eu', 'NL'), "
            "('ada@example.com', 'eu', 'NL')",
            psycopg.errors.UniqueViolation,
        ),
        (
            "INSERT INTO customers (email, region, country) VALUES ('x@example.com', 'mars', 'NL')",
            psycopg.errors.CheckViolation,
        ),
        (
            "INSERT INTO customers (email, region, country) VALUES ('x@example.com', 'eu', 'nl')",
            psycopg.errors.CheckViolation,
        ),
        (
            "INSERT INTO customers (email, region, country, erased_at) VALUES ('y@example.com', 'eu', 'NL', now())",
            psycopg.errors.CheckViolation,
        ),
        (
            "INSERT INTO products (sku, catalog_id, name, price_cents) VALUES ('lower', 'p', 'n', 1)",
            psycopg.errors.CheckViolation,
        ),
        (
            "INSERT INTO products (sku, catalog_id, name, price_cents) VALUES ('NEG-001', 'p', 'n', -1)",
            psycopg.errors.CheckViolation,
        ),
        (
            "WITH w AS (INSERT INTO warehouses (code, name, region) VALUES ('W', 'W', 'eu') RETURNING id), "
            "p AS (INSERT INTO products (sku, catalog_id, name, price_cents) "
            "VALUES ('RES-001', 'p', 'n', 1) RETURNING id) "
            "INSERT INTO inventory (product_id, warehouse_id, quantity, reserved) SELECT p.id, w.id, 1, -1 FROM p, w",
            psycopg.errors.CheckViolation,
        ),
    ],
)
def test_constraints(dsn, sql, error):
    with pg_conn(dsn) as conn, pytest.raises(error):
        conn.execute(sql)


# -- plans ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def volume(pg_server, template_db):
    """Production-like proportions: 3k customers, 60k orders over two months, 50k published outbox rows.
    Built once for the read-only plan tests of this module."""
    name = "plans_volume"
    dsn = pg_server.create_database(name, template=template_db)
    with pg_conn(dsn) as conn:
        db.ensure_partitions(conn)
        conn.execute("INSERT INTO warehouses (code, name, region) VALUES ('AMS-1', 'Amsterdam', 'eu')")
        conn.execute(
            "INSERT INTO products (sku, catalog_id, name, price_cents) "
            "SELECT 'SKU-' || lpad(g::text, 5, '0'), 'p-' || g, 'Product ' || g, 100 + g "
            "FROM generate_series(1, 2000) g"
        )
        conn.execute("INSERT INTO inventory (product_id, warehouse_id, quantity) SELECT id, 1, 100 FROM products")
        conn.execute(
            "INSERT INTO customers (email, region, country) SELECT 'c' || g || '@example.com', 'eu', 'NL' "
            "FROM generate_series(1, 3000) g"
        )
        conn.execute(
            "INSERT INTO orders (customer_id, total_cents, currency, created_at) "
            "SELECT 1 + (g % 3000), 1000, 'EUR', "
            "date_trunc('month', now()) - interval '20 days' + (g % 40) * interval '1 day' + g * interval '1 ms' "
            "FROM generate_series(1, 60000) g"
        )
        conn.execute(
            "INSERT INTO outbox (aggregate_type, aggregate_id, event_type, payload, published_at) "
            "SELECT 'order', g::text, 'OrderPlaced', '{}'::jsonb, CASE WHEN g <= 49980 THEN now() END "
            "FROM generate_series(1, 50000) g"
        )
        conn.execute("VACUUM ANALYZE")
    yield dsn
    pg_server.drop_database(name)


def populated(conn: psycopg.Connection) -> set[str]:
    return {
        r[0]
        for r in conn.execute(
            "SELECT relname FROM pg_class WHERE relname LIKE 'orders_y%%' AND relkind = 'r' AND reltuples > 0"
        )
    }


def plan_nodes(conn: psycopg.Connection, sql: str, params=()) -> list[dict]:
    (raw,) = conn.execute("EXPLAIN (FORMAT JSON) " + sql, params).fetchone()
    plan = (raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]
    out: list[dict] = []

    def walk(node: dict) -> None:
        out.append(node)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    return out


def scans(nodes: list[dict]) -> list[tuple[str, str, str]]:
    return [
        (n["Node Type"], n.get("Relation Name", ""), n.get("Index Name", "")) for n in nodes if "Scan" in n["Node Type"]
    ]


def test_recent_orders_of_a_customer_use_the_customer_index(volume):
    with pg_conn(volume) as conn:
        found = scans(plan_nodes(conn, RECENT_ORDERS_SQL, (42, 20)))
        filled = populated(conn)
    assert filled <= {r for _, r, _ in found}, found
    for node_type, relation, index in found:
        assert relation.startswith("orders_y"), found
        assert node_type in ("Index Scan", "Index Only Scan", "Bitmap Index Scan", "Bitmap Heap Scan"), found
        if node_type != "Bitmap Heap Scan":
            assert index.endswith("customer_id_created_at_idx"), found


def test_outbox_batch_and_lag_use_the_partial_index(volume):
    with pg_conn(volume) as conn:
        batch = scans(plan_nodes(conn, OUTBOX_BATCH_SQL, (100,)))
        lag = scans(plan_nodes(conn, "SELECT created_at FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT 1"))
    assert batch == [("Index Scan", "outbox", "outbox_unpublished_idx")]
    assert lag == [("Index Scan", "outbox", "outbox_unpublished_idx")]


def test_stock_lock_and_order_lookup_use_primary_keys(volume):
    with pg_conn(volume) as conn:
        lock = scans(
            plan_nodes(
                conn,
                "SELECT product_id, warehouse_id, quantity FROM inventory "
                "WHERE product_id = ANY(%s) ORDER BY product_id, warehouse_id FOR UPDATE",
                ([5, 17, 1999],),
            )
        )
        by_id = scans(plan_nodes(conn, "SELECT * FROM orders WHERE id = %s", (31337,)))
        filled = populated(conn)
    assert [(t, r, i) for t, r, i in lock] == [("Index Scan", "inventory", "inventory_pkey")]
    assert len(filled) == 2
    # every partition holding rows is probed through its primary key (empty future months may be seq-scanned)
    assert {r for t, r, i in by_id if t in ("Index Scan", "Index Only Scan") and i == f"{r}_pkey"} >= filled, by_id
