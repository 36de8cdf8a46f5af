"""Order placement against a real PostgreSQL: atomicity, stock never negative, both locking variants under
contention, idempotency, one payment per order."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from app import db
from app.errors import IdempotencyKeyReused, InsufficientStock, InvalidInput, NotFound, ProductUnavailable
from app.orders import (
    OrderLine,
    OrderService,
    change_price,
    create_customer,
    ensure_warehouse,
    erase_customer,
    set_stock,
    stock_of,
    upsert_product,
)
from tests.app.apphelpers import pg_conn


@pytest.fixture
def shop(dsn):
    """Two warehouses, three products, one customer; returns ids."""
    with pg_conn(dsn) as conn:
        w1 = ensure_warehouse(conn, "AMS-1", "Amsterdam", "eu")
        w2 = ensure_warehouse(conn, "MAN-1", "Manchester", "uk")
        upsert_product(conn, "TEA-001", "p-tea", "Green tea", 450)
        upsert_product(conn, "MUG-001", "p-mug", "Mug", 1200)
        upsert_product(conn, "OLD-001", "p-old", "Withdrawn", 100, active=False)
        set_stock(conn, "TEA-001", w1, 5)
        set_stock(conn, "TEA-001", w2, 3)
        set_stock(conn, "MUG-001", w1, 2)
        set_stock(conn, "OLD-001", w1, 10)
        cid = create_customer(conn, "ada@example.com", "eu")
    return {"w1": w1, "w2": w2, "customer": cid}


@pytest.fixture
def pool(dsn):
    p = db.make_pool(dsn, min_size=2, max_size=20, timeout=10)
    yield p
    p.close()


def counts(dsn) -> dict:
    with pg_conn(dsn) as conn:
        return {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("orders", "order_items", "payments", "outbox", "idempotency_keys")
        }


@pytest.mark.parametrize("locking", ["pessimistic", "optimistic"])
def test_order_writes_everything_in_one_transaction(dsn, shop, pool, locking):
    svc = OrderService(pool, locking=locking)
    order, created = svc.place_order(
        shop["customer"], [OrderLine("TEA-001", 7), OrderLine("MUG-001", 1)], "key-00000001"
    )
    assert created
    assert order["total_cents"] == 7 * 450 + 1200
    assert order["status"] == "pending_payment"
    assert order["payment"]["status"] == "pending" and order["payment"]["amount_cents"] == order["total_cents"]
    assert {i["sku"]: i["quantity"] for i in order["items"]} == {"MUG-001": 1, "TEA-001": 7}
    with pg_conn(dsn) as conn:
        stock = stock_of(conn, ["TEA-001", "MUG-001"])
        # 7 tea: 5 from the first warehouse, 2 from the second (one order line, two allocations)
        split = conn.execute(
            "SELECT warehouse_id, quantity FROM order_items WHERE sku = 'TEA-001' ORDER BY warehouse_id"
        ).fetchall()
        event = conn.execute("SELECT event_type, payload FROM outbox").fetchone()
    assert stock == {"TEA-001": {"quantity": 1, "reserved": 7}, "MUG-001": {"quantity": 1, "reserved": 1}}
    assert split == [(shop["w1"], 5), (shop["w2"], 2)]
    assert event[0] == "OrderPlaced" and event[1]["order_id"] == order["id"]
    assert {i["sku"] for i in event[1]["items"]} == {"TEA-001", "MUG-001"}
    assert counts(dsn) == {"orders": 1, "order_items": 3, "payments": 1, "outbox": 1, "idempotency_keys": 1}


@pytest.mark.parametrize("locking", ["pessimistic", "optimistic"])
def test_short_line_refuses_whole_order_and_changes_nothing(dsn, shop, pool, locking):
    svc = OrderService(pool, locking=locking)
    with pytest.raises(InsufficientStock) as exc:
        svc.place_order(shop["customer"], [OrderLine("TEA-001", 1), OrderLine("MUG-001", 3)], "key-00000002")
    assert exc.value.sku == "MUG-001" and exc.value.body()["error"]["available"] == 2
    with pg_conn(dsn) as conn:
        assert stock_of(conn, ["TEA-001", "MUG-001"]) == {
            "TEA-001": {"quantity": 8, "reserved": 0},
            "MUG-001": {"quantity": 2, "reserved": 0},
        }
    assert counts(dsn) == {"orders": 0, "order_items": 0, "payments": 0, "outbox": 0, "idempotency_keys": 0}
    # the key was not burnt by the failed attempt: the same key works once stock allows it
    order, created = svc.place_order(
        shop["customer"], [OrderLine("TEA-001", 1), OrderLine("MUG-001", 2)], "key-00000002"
    )
    assert created


def test_rejections_name_what_is_wrong(dsn, shop, pool):
    svc = OrderService(pool)
    with pytest.raises(NotFound, match="sku NOPE-001"):
        svc.place_order(shop["customer"], [OrderLine("NOPE-001", 1)], "key-00000003")
    with pytest.raises(ProductUnavailable, match="OLD-001"):
        svc.place_order(shop["customer"], [OrderLine("OLD-001", 1)], "key-00000004")
    with pytest.raises(NotFound, match="customer 999"):
        svc.place_order(999, [OrderLine("TEA-001", 1)], "key-00000005")
    with pytest.raises(InvalidInput, match=r"items\[1\].sku"):
        svc.place_order(shop["customer"], [OrderLine("TEA-001", 1), OrderLine("TEA-001", 2)], "key-00000006")
    with pytest.raises(InvalidInput, match=r"items\[0\].quantity"):
        svc.place_order(shop["customer"], [OrderLine("TEA-001", 0)], "key-00000007")
    with pytest.raises(InvalidInput, match="Idempotency-Key") as exc:
        svc.place_order(shop["customer"], [OrderLine("TEA-001", 1)], "short")
    assert exc.value.status == 400
    assert counts(dsn)["orders"] == 0


def test_erased_customer_cannot_order_but_keeps_history(dsn, shop, pool):
    svc = OrderService(pool)
    order, _ = svc.place_order(shop["customer"], [OrderLine("TEA-001", 1)], "key-00000008")
    with pg_conn(dsn) as conn:
        erase_customer(conn, shop["customer"])
        email, erased = conn.execute(
            "SELECT email, erased_at IS NOT NULL FROM customers WHERE id = %s", (shop["customer"],)
        ).fetchone()
    assert erased and email == f"erased-{shop['customer']}@invalid"
    assert svc.get_order(order["id"])["id"] == order["id"]
    with pytest.raises(NotFound, match="customer"):
        svc.place_order(shop["customer"], [OrderLine("TEA-001", 1)], "key-00000009")


def test_same_key_returns_same_order_and_different_body_is_refused(dsn, shop, pool):
    svc = OrderService(pool)
    first, created1 = svc.place_order(shop["customer"], [OrderLine("TEA-001", 2)], "key-00000010")
    again, created2 = svc.place_order(shop["customer"], [OrderLine("TEA-001", 2)], "key-00000010")
    assert created1 and not created2 and again == first
    with pytest.raises(IdempotencyKeyReused):
        svc.place_order(shop["customer"], [OrderLine("TEA-001", 3)], "key-00000010")
    # keys are unique per customer: another customer may use the same key
    with pg_conn(dsn) as conn:
        other = create_customer(conn, "grace@example.com", "us")
    _, created3 = svc.place_order(other, [OrderLine("TEA-001", 1)], "key-00000010")
    assert created3
    assert counts(dsn)["payments"] == 2


def test_one_payment_per_order_is_a_constraint(dsn, shop, pool):
    order, _ = OrderService(pool).place_order(shop["customer"], [OrderLine("MUG-001", 1)], "key-00000011")
    with pg_conn(dsn) as conn, pytest.raises(psycopg.errors.UniqueViolation, match="payments_one_per_order"):
        conn.execute(
            "INSERT INTO payments (order_id, order_created_at, amount_cents, currency) "
            "SELECT id, created_at, total_cents, currency FROM orders WHERE id = %s",
            (order["id"],),
        )


def _buy_concurrently(svc: OrderService, customers: list[int], sku: str) -> tuple[list, list]:
    barrier = threading.Barrier(len(customers))
    ok, refused = [], []
    lock = threading.Lock()

    def buyer(cid: int) -> None:
        barrier.wait()
        try:
            order, _ = svc.place_order(cid, [OrderLine(sku, 1)], f"buy-{uuid.uuid4()}")
            with lock:
                ok.append(order["id"])
        except InsufficientStock as exc:
            with lock:
                refused.append(exc)

    with ThreadPoolExecutor(len(customers)) as ex:
        list(ex.map(buyer, customers))
    return ok, refused


@pytest.mark.parametrize("locking", ["pessimistic", "optimistic"])
def test_contention_50_buyers_10_units(dsn, pool, locking):
    """50 concurrent buyers, 10 units split over two warehouses: exactly 10 orders, stock 0, never negative."""
    with pg_conn(dsn) as conn:
        w1 = ensure_warehouse(conn, "AMS-1", "Amsterdam", "eu")
        w2 = ensure_warehouse(conn, "MAN-1", "Manchester", "uk")
        upsert_product(conn, "HOT-001", "p-hot", "Limited edition", 999)
        set_stock(conn, "HOT-001", w1, 6)
        set_stock(conn, "HOT-001", w2, 4)
        customers = [create_customer(conn, f"buyer{i}@example.com", "eu") for i in range(50)]
        # A watcher records the smallest quantity it ever sees while the buyers run.
        conn.execute("CREATE TABLE stock_seen (q int)")
        conn.execute("""CREATE FUNCTION record_stock() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN INSERT INTO stock_seen VALUES (NEW.quantity); RETURN NEW; END $$""")
        conn.execute("CREATE TRIGGER watch AFTER UPDATE ON inventory FOR EACH ROW EXECUTE FUNCTION record_stock()")
    svc = OrderService(pool, locking=locking)
    ok, refused = _buy_concurrently(svc, customers, "HOT-001")
    assert len(ok) == 10 and len(set(ok)) == 10
    assert len(refused) == 40 and all(e.sku == "HOT-001" for e in refused)
    with pg_conn(dsn) as conn:
        assert stock_of(conn, ["HOT-001"]) == {"HOT-001": {"quantity": 0, "reserved": 10}}
        assert conn.execute("SELECT min(q) FROM stock_seen").fetchone()[0] == 0
        sold = conn.execute("SELECT sum(quantity) FROM order_items WHERE sku = 'HOT-001'").fetchone()[0]
        assert sold == 10
    assert counts(dsn) == {"orders": 10, "order_items": 10, "payments": 10, "outbox": 10, "idempotency_keys": 10}
    if locking == "optimistic":
        assert svc.retries > 0, "50 buyers on one row must have caused version conflicts and retries"


def test_stock_can_never_go_negative_even_by_hand(dsn, shop):
    with pg_conn(dsn) as conn, pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("UPDATE inventory SET quantity = quantity - 100")


def test_price_change_is_transactional_with_its_outbox_event(dsn, shop):
    with pg_conn(dsn) as conn:
        v = change_price(conn, "p-tea", 499)
        price, version = conn.execute("SELECT price_cents, version FROM products WHERE sku = 'TEA-001'").fetchone()
        ev = conn.execute("SELECT payload FROM outbox WHERE event_type = 'ProductPriceChanged'").fetchone()[0]
        with pytest.raises(NotFound):
            change_price(conn, "p-missing", 100)
    assert (price, version) == (499, v) and ev == {"catalog_id": "p-tea", "price_cents": 499, "version": v}


def test_get_order_unknown_is_not_found(pool, dsn):
    with pytest.raises(NotFound, match="order 123456"):
        OrderService(pool).get_order(123456)


def _deadlocks(dsn: str) -> int:
    with pg_conn(dsn) as conn:
        return conn.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()").fetchone()[0]


@pytest.mark.parametrize("locking", ["pessimistic", "optimistic"])
def test_overlapping_multi_sku_orders_in_shuffled_order_never_deadlock(dsn, locking):
    """24 threads place 480 orders of 2-4 SKUs drawn from 6, each order's lines shuffled, stock in 3 warehouses:
    every lock is taken in one global order, so PostgreSQL's deadlock counter must not move and every order is
    placed (stock is ample), none refused for contention."""
    import random

    with pg_conn(dsn) as conn:
        warehouses = [ensure_warehouse(conn, f"W{i}-1", f"Warehouse {i}", "eu") for i in range(3)]
        skus = [f"HOT-{i:03d}" for i in range(6)]
        for i, sku in enumerate(skus):
            upsert_product(conn, sku, f"p-hot-{i}", f"Hot {i}", 100 + i)
            for w in reversed(warehouses):  # heap order unlike (product, warehouse) order
                set_stock(conn, sku, w, 100_000)
        customers = [create_customer(conn, f"dl{i}@example.com", "eu") for i in range(24)]
    pool = db.make_pool(dsn, min_size=24, max_size=24, timeout=30)
    svc = OrderService(pool, locking=locking)
    before = _deadlocks(dsn)
    errors: list[BaseException] = []
    start = threading.Barrier(24)

    def buyer(i: int) -> int:
        rng = random.Random(i)
        start.wait()
        placed = 0
        for n in range(20):
            picked = rng.sample(skus, rng.randint(2, 4))
            rng.shuffle(picked)
            try:
                svc.place_order(customers[i], [OrderLine(s, rng.randint(1, 5)) for s in picked], f"dl-{i}-{n}-x")
                placed += 1
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
        return placed

    try:
        with ThreadPoolExecutor(24) as ex:
            placed = sum(ex.map(buyer, range(24)))
    finally:
        pool.close()
    assert errors == [], errors[:3]
    assert placed == 480
    assert _deadlocks(dsn) == before, "a deadlock happened: the lock order was not global"
    with pg_conn(dsn) as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 480


def test_optimistic_falls_back_to_locks_instead_of_giving_up(dsn):
    """30 buyers on one hot row with the optimistic variant and only 2 attempts: conflicts are certain, yet every
    buyer gets an order (the pessimistic fallback queues on the lock)."""
    with pg_conn(dsn) as conn:
        w = ensure_warehouse(conn, "AMS-1", "Amsterdam", "eu")
        upsert_product(conn, "HOT-ONE", "p-hot-one", "Hot", 100)
        set_stock(conn, "HOT-ONE", w, 1000)
        customers = [create_customer(conn, f"fb{i}@example.com", "eu") for i in range(30)]
    pool = db.make_pool(dsn, min_size=30, max_size=30, timeout=30)
    svc = OrderService(pool, locking="optimistic", max_attempts=2, backoff_s=0.0005)
    start = threading.Barrier(30)

    def buyer(i: int):
        start.wait()
        return svc.place_order(customers[i], [OrderLine("HOT-ONE", 1)], f"fallback-{i:04d}")

    try:
        with ThreadPoolExecutor(30) as ex:
            results = list(ex.map(buyer, range(30)))
    finally:
        pool.close()
    assert all(created for _, created in results) and len({o["id"] for o, _ in results}) == 30
    assert svc.retries > 0 and svc.fallbacks > 0, "contention happened and was absorbed by the fallback"
    with pg_conn(dsn) as conn:
        assert conn.execute("SELECT sum(quantity) FROM inventory").fetchone()[0] == 970
