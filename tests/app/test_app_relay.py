"""Outbox relay: at-least-once delivery with idempotent effects; killed mid-batch and restarted, every event is
applied exactly once in effect."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid

import pytest

from app.orders import OrderLine, change_price
from app.redis_stores import JsonCache, make_client
from app.relay import MAX_BATCH, OutboxRelay, RelayCrash, outbox_lag
from tests.app.apphelpers import REAL_MONGO, needs_real_mongo, pg_conn


def place_orders(services, seeded, n: int, seed_value: int = 3) -> list[dict]:
    rng = random.Random(seed_value)
    with pg_conn(services.settings.database_url) as conn:
        in_stock = [
            r[0]
            for r in conn.execute(
                "SELECT p.sku FROM products p JOIN inventory i ON i.product_id = p.id WHERE p.active "
                "GROUP BY p.sku HAVING sum(i.quantity) > 20 ORDER BY p.sku"
            )
        ]
    orders = []
    for _ in range(n):
        lines = [OrderLine(s, rng.randint(1, 2)) for s in rng.sample(in_stock, rng.randint(1, 3))]
        order, _ = services.orders.place_order(rng.choice(seeded.customers), lines, f"k-{uuid.uuid4()}")
        orders.append(order)
    return orders


def expected_effects(dsn: str) -> tuple[dict, int]:
    """What MongoDB must contain, computed from PostgreSQL: units sold per SKU and the number of orders."""
    with pg_conn(dsn) as conn:
        units = dict(conn.execute("SELECT sku, sum(quantity)::int FROM order_items GROUP BY sku").fetchall())
        n_orders = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
    return units, n_orders


def assert_exactly_once(services, dsn: str) -> None:
    units, n_orders = expected_effects(dsn)
    db = services.mongo.db
    assert db.order_analytics.count_documents({}) == n_orders
    got = {d["_id"]: d["units_sold"] for d in db.product_popularity.find()}
    assert got == units, "each event's units must be counted exactly once"
    order_lines = {}
    with pg_conn(dsn) as conn:
        for sku, n in conn.execute("SELECT sku, count(DISTINCT order_id)::int FROM order_items GROUP BY sku"):
            order_lines[sku] = n
    assert {d["_id"]: d["orders"] for d in db.product_popularity.find()} == order_lines
    with pg_conn(dsn) as conn:
        assert outbox_lag(conn)["pending"] == 0


def test_relay_publishes_orders_and_reports_lag(services, seeded, dsn):
    orders = place_orders(services, seeded, 12)
    with pg_conn(dsn) as conn:
        lag = outbox_lag(conn)
    assert lag["pending"] == 12 and lag["lag_seconds"] >= 0
    relay = OutboxRelay(dsn, services.mongo, batch_size=5)
    assert relay.drain() == 12
    assert relay.stats.batches == 3
    assert_exactly_once(services, dsn)
    doc = services.mongo.db.order_analytics.find_one({"_id": orders[0]["id"]})
    assert doc["customerId"] == orders[0]["customer_id"] and doc["total_cents"] == orders[0]["total_cents"]
    assert doc["categories"], "categories are looked up in the catalog"
    with pg_conn(dsn) as conn:
        country = conn.execute("SELECT country FROM customers WHERE id = %s", (orders[0]["customer_id"],)).fetchone()[0]
    assert doc["location"] == country, "customer-owned documents carry the customer's country (zone key)"
    profile = services.mongo.db.customer_profiles.find_one({"_id": orders[0]["customer_id"]})
    assert set(doc["categories"]) <= set(profile["categories"])
    from app.catalog import VALIDATORS, python_validator

    for coll in ("order_analytics", "customer_profiles", "recommendations"):
        validator = python_validator(VALIDATORS[coll]())
        assert all(validator.is_valid(d) for d in services.mongo.db[coll].find()), coll
    # recommendations were materialized for the customers in the batch
    assert services.mongo.db.recommendations.find_one({"_id": orders[0]["customer_id"]}) is not None
    relay.close()


@pytest.mark.parametrize(
    "crash_at",
    [("applied", 0), ("applied", 1), ("applied", 2), ("applied", 3), ("before_mark", None)],
    ids=["after-analytics", "after-counter-docs", "after-counters", "after-profiles", "between-apply-and-mark"],
)
def test_relay_killed_mid_batch_then_restarted_applies_each_event_once(services, seeded, dsn, crash_at):
    place_orders(services, seeded, 20)
    stage, index = crash_at
    state = {"batches_seen": 0}

    def fault(s: str, i: int) -> None:
        # crash in the second batch (the first batch is published), standing in for kill -9
        if s == "applied" and i == 0:
            state["batches_seen"] += 1
        if state["batches_seen"] == 2 and s == stage and (index is None or i == index):
            raise RelayCrash(f"injected crash at {s} {i}")

    crashing = OutboxRelay(dsn, services.mongo, batch_size=7, fault=fault)
    assert crashing.run_once() == 7
    with pytest.raises(RelayCrash):
        crashing.run_once()
    with pg_conn(dsn) as conn:
        assert outbox_lag(conn)["pending"] == 13, "the crashed batch stays unpublished"
    partially = services.mongo.db.order_analytics.count_documents({})
    assert partially >= 8, "some events of the crashed batch were applied before the crash"

    restarted = OutboxRelay(dsn, services.mongo, batch_size=7)
    assert restarted.drain() == 13
    assert_exactly_once(services, dsn)
    restarted.close()


def test_a_redo_batch_composed_differently_still_counts_each_event_once(services, seeded, dsn):
    """Counters are written per SKU for a whole batch. A relay dies after writing them; the redo takes a batch of
    another size, holding some applied events and some new ones: the per-SKU update matches nothing for SKUs
    that mix both, the per-event updates run instead, and every event is counted once."""
    place_orders(services, seeded, 30, seed_value=11)
    state = {"batches": 0}

    def fault(s: str, i: int) -> None:
        if s == "applied" and i == 0:
            state["batches"] += 1
        if state["batches"] == 2 and s == "applied" and i == 2:
            raise RelayCrash("after the counters of the second batch")

    crashing = OutboxRelay(dsn, services.mongo, batch_size=6, fault=fault)
    assert crashing.run_once() == 6
    with pytest.raises(RelayCrash):
        crashing.run_once()
    redo = OutboxRelay(dsn, services.mongo, batch_size=11)  # events 7-17: 7-12 counted already, 13-17 not
    assert redo.drain() == 24
    assert redo.stats.counter_fallbacks >= 1, "the mixed batch must have taken the per-event path"
    assert_exactly_once(services, dsn)
    redo.close()


def test_hot_skus_are_one_counter_update_per_batch(services, seeded, dsn):
    """Many events of a batch on the same SKU: one update for the SKU (fewer round trips), the same counts."""
    with pg_conn(dsn) as conn:
        (sku,) = conn.execute(
            "SELECT p.sku FROM products p JOIN inventory i ON i.product_id = p.id WHERE p.active "
            "GROUP BY p.sku HAVING sum(i.quantity) > 40 ORDER BY p.sku LIMIT 1"
        ).fetchone()
    for n in range(12):
        services.orders.place_order(seeded.customers[n % 3], [OrderLine(sku, 1)], f"hot-key-{n:04}")
    relay = OutboxRelay(dsn, services.mongo, batch_size=50)
    updates = []
    original = relay._bulk
    relay._bulk = lambda coll, ops: (updates.append((coll.name, len(ops))), original(coll, ops))[1]
    assert relay.drain() == 12
    assert ("product_popularity", 1) in updates[1:3], updates  # ensure, then the counters: one op each
    assert relay.stats.counter_fallbacks == 0
    assert_exactly_once(services, dsn)
    relay.close()


def test_replaying_already_published_events_changes_nothing(services, seeded, dsn):
    place_orders(services, seeded, 10)
    relay = OutboxRelay(dsn, services.mongo, batch_size=50)
    relay.drain()
    before = sorted((d["_id"], d["units_sold"], d["orders"]) for d in services.mongo.db.product_popularity.find())
    with pg_conn(dsn) as conn:
        conn.execute("UPDATE outbox SET published_at = NULL")  # deliver everything a second time
    assert relay.drain() == 10
    after = sorted((d["_id"], d["units_sold"], d["orders"]) for d in services.mongo.db.product_popularity.find())
    assert after == before
    assert_exactly_once(services, dsn)
    relay.close()


def test_two_relays_at_once_never_double_apply(services, seeded, dsn):
    place_orders(services, seeded, 30)
    relays = [OutboxRelay(dsn, services.mongo, batch_size=4) for _ in range(2)]
    barrier = threading.Barrier(2)
    published = [0, 0]

    def run(i: int) -> None:
        barrier.wait()
        for _ in range(200):
            published[i] += relays[i].run_once()
            time.sleep(0.005)  # let the other relay take the next rows
            with pg_conn(dsn) as conn:
                if outbox_lag(conn)["pending"] == 0:
                    break

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(published) == 30
    assert all(published), f"both relays published (SKIP LOCKED, no single leader): {published}"
    assert_exactly_once(services, dsn)
    for r in relays:
        r.close()


def test_price_change_reaches_catalog_in_version_order_and_invalidates_cache(services, seeded, dsn, redis_url):
    product = services.mongo.db.products.find_one({"type": "grocery"})
    cache = JsonCache(make_client(redis_url), "product")
    cache.get_or_load(product["_id"], lambda: {"cached": True})
    with pg_conn(dsn) as conn:
        change_price(conn, product["_id"], 111)
        change_price(conn, product["_id"], 222)
        # deliver the newer event first (move the older one behind it): the older one must then be ignored
        conn.execute(
            "WITH old AS (DELETE FROM outbox WHERE payload->>'price_cents' = '111' RETURNING *) "
            "INSERT INTO outbox (aggregate_type, aggregate_id, event_type, payload) "
            "SELECT aggregate_type, aggregate_id, event_type, payload FROM old"
        )
    relay = OutboxRelay(dsn, services.mongo, batch_size=1, product_cache=cache)
    assert relay.drain() == 2
    doc = services.mongo.db.products.find_one({"_id": product["_id"]})
    assert doc["price"]["amount_cents"] == 222
    assert cache.r.get(cache.key(product["_id"])) is None, "the cached product was invalidated"
    relay.close()


def test_availability_summary_follows_stock(services, seeded, dsn):
    product = services.mongo.db.products.find_one(
        {"type": "personal_care", "active": True, "availability.units": {"$gt": 0}}
    )
    with pg_conn(dsn) as conn:
        units = conn.execute(
            "SELECT sum(i.quantity)::int FROM inventory i JOIN products p ON p.id = i.product_id WHERE p.sku = %s",
            (product["sku"],),
        ).fetchone()[0]
    services.orders.place_order(seeded.customers[0], [OrderLine(product["sku"], units)], f"k-{uuid.uuid4()}")
    OutboxRelay(dsn, services.mongo).drain()
    doc = services.mongo.db.products.find_one({"_id": product["_id"]})
    assert doc["availability"]["status"] == "out_of_stock" and doc["availability"]["units"] == 0


def test_batch_size_is_bounded_by_the_idempotency_window(dsn, mongo):
    with pytest.raises(ValueError, match="batch_size"):
        OutboxRelay(dsn, mongo, batch_size=MAX_BATCH + 1)


@needs_real_mongo
def test_relay_process_killed_with_sigkill_then_restarted(services, seeded, dsn):
    """A real relay process, SIGKILLed mid-batch, then restarted: exactly once in effect (real MongoDB)."""
    from app.mongo import connect

    real = connect(REAL_MONGO, f"ecomart_test_{uuid.uuid4().hex[:8]}")
    try:
        place_orders(services, seeded, 15)
        env = {**os.environ, "DATABASE_URL": dsn, "MONGODB_URI": REAL_MONGO, "MONGODB_DB": real.db.name}
        env.pop("REDIS_URL", None)
        killed = subprocess.run(
            [sys.executable, "-m", "workers", "relay", "--once", "--batch-size", "10", "--die-after-applying", "6"],
            env=env,
            timeout=60,
        )
        assert killed.returncode == -signal.SIGKILL
        done = subprocess.run(
            [sys.executable, "-m", "workers", "relay", "--once", "--batch-size", "10"], env=env, timeout=60
        )
        assert done.returncode == 0
        units, n_orders = expected_effects(dsn)
        assert real.db.order_analytics.count_documents({}) == n_orders
        assert {d["_id"]: d["units_sold"] for d in real.db.product_popularity.find()} == units
    finally:
        real.client.drop_database(real.db.name)
        real.close()


def test_erasure_removes_customer_documents_and_reviews_everywhere(services, seeded, dsn):
    from app.privacy import erase_customer_everywhere

    orders = place_orders(services, seeded, 6)
    OutboxRelay(dsn, services.mongo).drain()
    customer = orders[0]["customer_id"]
    product = services.mongo.db.products.find_one({"active": True, "type": "home"})
    before = services.catalog.get_raw(product["_id"])["rating"]
    services.catalog.add_review(product["_id"], customer, "NL", 1)
    services.catalog.add_review(product["_id"], customer + 1000, "NL", 5)
    db = services.mongo.db
    assert db.order_analytics.count_documents({"customerId": customer}) >= 1
    with pg_conn(dsn) as conn:
        removed = erase_customer_everywhere(conn, services.mongo, customer, services.reco_cache)
        again = erase_customer_everywhere(conn, services.mongo, customer, services.reco_cache)
    assert removed["reviews"] == 1 and removed["order_analytics"] >= 1 and removed["customer_profiles"] == 1
    assert set(again.values()) == {0}, "erasing twice is harmless"
    for coll in ("order_analytics", "customer_profiles", "recommendations"):
        assert db[coll].count_documents({"customerId": customer}) == 0
    assert db.reviews.count_documents({"reviews.customerId": customer}) == 0
    after = services.catalog.get_raw(product["_id"])["rating"]
    assert after["count"] == before["count"] + 1 and after["sum"] == before.get("sum", 0) + 5
    with pg_conn(dsn) as conn:
        assert conn.execute("SELECT count(*) FROM orders WHERE customer_id = %s", (customer,)).fetchone()[0] >= 1
        assert conn.execute("SELECT erased_at IS NOT NULL FROM customers WHERE id = %s", (customer,)).fetchone()[0]


def test_relay_is_woken_by_notify_not_by_its_poll(services, seeded, dsn):
    """With a 60 s poll interval, an order's event is still published within seconds: the outbox trigger's
    NOTIFY wakes the relay at commit."""
    from app.relay import RelayThread

    relay = OutboxRelay(dsn, services.mongo, batch_size=50)
    thread = RelayThread(relay, interval=60)
    thread.start()
    try:
        time.sleep(0.5)  # the relay found nothing and is now waiting on LISTEN
        order = place_orders(services, seeded, 1)[0]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if services.mongo.db.order_analytics.find_one({"_id": order["id"]}):
                break
            time.sleep(0.05)
        assert services.mongo.db.order_analytics.find_one({"_id": order["id"]}), "woken by NOTIFY"
        assert time.monotonic() < deadline
    finally:
        thread.stop()
    with pg_conn(dsn) as conn:
        trigger = conn.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'outbox'::regclass AND NOT tgisinternal"
        ).fetchall()
    assert [t[0] for t in trigger] == ["outbox_notify"]
