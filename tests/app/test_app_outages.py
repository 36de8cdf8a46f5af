"""Outages with real servers stopped mid-test and restarted: Redis down -> reads still served; PostgreSQL down ->
orders 503 naming PostgreSQL, catalog 200; restart -> orders succeed again and nothing is lost."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from app import db
from app.api import create_app
from app.mongo import connect
from app.services import Services
from devtools.seed import seed
from devtools.servers import PostgresServer, RedisServer, free_port
from tests.app.apphelpers import LiveServer, authed_client, make_settings, pg_conn, wait_for


def sku_with_stock(dsn: str, units: int = 10) -> str:
    with pg_conn(dsn) as conn:
        return conn.execute(
            "SELECT p.sku FROM products p JOIN inventory i ON i.product_id = p.id WHERE p.active "
            "GROUP BY p.sku HAVING sum(i.quantity) >= %s ORDER BY p.sku LIMIT 1",
            (units,),
        ).fetchone()[0]


def error_store(resp: httpx.Response) -> str:
    assert "Traceback" not in resp.text
    return resp.json()["error"]["store"]


@pytest.fixture
def own_redis():
    with RedisServer(persistent=True, prefix="ecomart-test-redis-outage-") as server:
        yield server


@pytest.fixture
def own_pg():
    with PostgresServer(prefix="ecomart-test-pg-outage-") as server:
        db.migrate(server.dsn())
        yield server


def test_redis_down_catalog_still_served_then_cache_and_carts_come_back(dsn, own_redis, mongo):
    services = Services.build(make_settings(dsn, own_redis.url()), mongo=mongo)
    with pg_conn(dsn) as conn:
        sample = seed(conn, mongo, n_products=40, n_customers=3)
    sku = sku_with_stock(dsn)
    try:
        with LiveServer(create_app(services)) as server, authed_client(base_url=server.url, timeout=20) as http:
            assert http.get("/products/p-00001").headers["X-Cache"] == "MISS"
            warm = http.get("/products/p-00001")
            assert warm.headers["X-Cache"] == "HIT"
            assert http.post("/carts/cart-outage-1/items", json={"sku": sku, "quantity": 2}).status_code == 201

            own_redis.stop()
            down = http.get("/products/p-00001")
            assert down.status_code == 200 and down.json() == warm.json()
            assert down.headers["X-Cache"] == "BYPASS"
            assert http.get("/products/p-00004").status_code == 200
            listing = http.get("/products", params={"category": "groceries"})
            assert listing.status_code == 200 and listing.json()["total"] > 0
            resp = http.post("/carts/cart-outage-1/items", json={"sku": sku, "quantity": 1})
            assert resp.status_code == 503 and error_store(resp) == "redis"
            assert resp.headers.get("Retry-After")
            assert error_store(http.get("/carts/cart-outage-1")) == "redis"
            order = http.post(
                "/orders",
                json={"customer_id": sample.customers[0], "items": [{"sku": sku, "quantity": 1}]},
                headers={"Idempotency-Key": f"k-{uuid.uuid4()}"},
            )
            assert order.status_code == 201, "orders do not need Redis"
            health = http.get("/health")
            assert health.status_code == 200 and health.json()["status"] == "degraded"
            assert health.json()["stores"]["redis"]["ok"] is False

            own_redis.start()
            # the breaker retries Redis after its cooldown; the cache fills and hits again
            wait_for(lambda: http.get("/products/p-00001").headers["X-Cache"] == "HIT", timeout=10, interval=0.2)
            cart = http.get("/carts/cart-outage-1")
            assert cart.status_code == 200 and cart.json()["items"][0]["quantity"] == 2, "the cart survived"
            assert http.post("/carts/cart-outage-1/items", json={"sku": sku, "quantity": 1}).status_code == 201
            assert http.get("/health").json()["status"] == "ok"
    finally:
        services.close()


def test_postgres_down_orders_503_catalog_200_then_orders_resume_nothing_lost(own_pg, redis_url, mongo):
    dsn = own_pg.dsn()
    with pg_conn(dsn) as conn:
        sample = seed(conn, mongo, n_products=40, n_customers=3)
    sku = sku_with_stock(dsn, units=10)
    services = Services.build(make_settings(dsn, redis_url, pg_pool_timeout=1.0), mongo=mongo)
    try:
        with LiveServer(create_app(services)) as server, authed_client(base_url=server.url, timeout=20) as http:

            def order(key: str) -> httpx.Response:
                return http.post(
                    "/orders",
                    headers={"Idempotency-Key": key},
                    json={"customer_id": sample.customers[0], "items": [{"sku": sku, "quantity": 1}]},
                )

            before = [order(f"before-{i:04d}").json() for i in range(3)]
            assert all("id" in o for o in before)

            own_pg.stop()
            started = time.perf_counter()
            resp = order("during-0001")
            assert resp.status_code == 503 and error_store(resp) == "postgresql"
            assert time.perf_counter() - started < 5, "a dead database answers fast, not after a long hang"
            assert error_store(http.get(f"/orders/{before[0]['id']}")) == "postgresql"
            assert http.get("/products/p-00001").status_code == 200
            listing = http.get("/products", params={"category": "groceries", "max_price": "50"})
            assert listing.status_code == 200 and listing.json()["total"] > 0
            assert http.post("/carts/cart-pg-down/items", json={"sku": sku, "quantity": 1}).status_code == 201
            health = http.get("/health").json()
            assert health["status"] == "degraded" and health["stores"]["postgresql"]["ok"] is False

            own_pg.start()
            recovered_at = time.perf_counter()
            retried = wait_for(lambda: (r := order("during-0001")).status_code == 201 and r, timeout=15, interval=0.2)
            recovery_s = time.perf_counter() - recovered_at
            assert recovery_s < 10
            again = order("during-0001")
            assert again.status_code == 200 and again.json()["id"] == retried.json()["id"], (
                "retry after outage: one order"
            )
            assert order("after-0001").status_code == 201
            for o in before:
                assert http.get(f"/orders/{o['id']}").json() == o, "orders placed before the outage are intact"
        with pg_conn(dsn) as conn:
            assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 5
            assert conn.execute("SELECT count(*) FROM payments").fetchone()[0] == 5
            assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 5
    finally:
        services.close()


def test_mongodb_unreachable_is_503_naming_mongodb(dsn, redis_url):
    port = free_port()  # nothing listens here: a real pymongo client times out on server selection
    handle = connect(f"mongodb://127.0.0.1:{port}/?directConnection=true", timeout_s=0.3)
    services = Services.build(make_settings(dsn, redis_url), mongo=handle)
    try:
        with LiveServer(create_app(services)) as server, authed_client(base_url=server.url, timeout=20) as http:
            for path in ("/products/p-00001", "/products?category=groceries"):
                resp = http.get(path)
                assert resp.status_code == 503 and error_store(resp) == "mongodb", path
            health = http.get("/health").json()
            assert health["stores"]["mongodb"]["ok"] is False and health["stores"]["postgresql"]["ok"] is True
    finally:
        services.close()
        handle.close()


@pytest.mark.long(seconds=17)
def test_postgres_down_orders_fail_fast_under_concurrency_and_name_no_address(own_pg, redis_url, mongo):
    """Once PostgreSQL is known down, concurrent orders get 503 at once (one probe per cooldown reaches the pool)
    instead of each holding a worker thread for the pool timeout; no response names a host or port."""
    import concurrent.futures as cf

    dsn = own_pg.dsn()
    with pg_conn(dsn) as conn:
        sample = seed(conn, mongo, n_products=30, n_customers=2)
    sku = sku_with_stock(dsn, units=5)
    services = Services.build(make_settings(dsn, redis_url, pg_pool_timeout=2.0), mongo=mongo)
    orders = services.require_orders()
    checkouts = {"n": 0}
    real_connection = orders.pool.connection

    def counting(*a, **kw):
        checkouts["n"] += 1
        return real_connection(*a, **kw)

    orders.pool.connection = counting
    orders.breaker.cooldown = 30  # no probe during the storm: every fast failure is the breaker's
    try:
        with LiveServer(create_app(services)) as server, authed_client(base_url=server.url, timeout=20) as http:
            own_pg.stop()
            first = http.post(
                "/orders",
                headers={"Idempotency-Key": "down-0000"},
                json={"customer_id": sample.customers[0], "items": [{"sku": sku, "quantity": 1}]},
            )
            assert first.status_code == 503 and orders.breaker.is_open
            before = checkouts["n"]

            def attempt(i: int) -> httpx.Response:
                with authed_client(base_url=server.url, timeout=20) as c:
                    return c.post(
                        "/orders",
                        headers={"Idempotency-Key": f"down-{i:04d}"},
                        json={"customer_id": sample.customers[0], "items": [{"sku": sku, "quantity": 1}]},
                    )

            with cf.ThreadPoolExecutor(40) as ex:
                storm = list(ex.map(attempt, range(1, 81)))
            assert [r.status_code for r in storm] == [503] * 80
            assert checkouts["n"] == before, "while open, no attempt waited on the pool"
            assert orders.breaker.fast_failures >= 80
            for r in [first, *storm, http.get("/health")]:
                assert "127.0.0.1" not in r.text and str(own_pg.port) not in r.text, r.text
            assert first.json()["error"] == {
                "code": "store_unavailable",
                "message": "postgresql is unavailable",
                "store": "postgresql",
            }
            assert http.get("/products/p-00001").status_code == 200, "catalog reads unaffected"

            own_pg.start()
            orders.breaker.cooldown = 0.2
            orders.breaker.trip()
            ok = wait_for(
                lambda: (
                    (
                        r := http.post(
                            "/orders",
                            headers={"Idempotency-Key": "after-0001"},
                            json={"customer_id": sample.customers[0], "items": [{"sku": sku, "quantity": 1}]},
                        )
                    ).status_code
                    == 201
                    and r
                ),
                timeout=15,
                interval=0.3,
            )
            assert ok and not orders.breaker.is_open, "the probe closed the breaker"
    finally:
        orders.pool.connection = real_connection
        services.close()


def test_breaker_lets_one_probe_through_after_the_cooldown():
    import threading

    breaker = db.Breaker(cooldown=0.05, probe_timeout=0.25)
    breaker.trip()
    from app.errors import StoreUnavailable

    with pytest.raises(StoreUnavailable):
        with breaker.guard():
            pass
    time.sleep(0.06)
    inside, release = threading.Event(), threading.Event()
    results = []

    def probe():
        with breaker.guard() as timeout:
            results.append(timeout)
            inside.set()
            release.wait(5)

    t = threading.Thread(target=probe)
    t.start()
    assert inside.wait(5)
    with pytest.raises(StoreUnavailable):  # a second caller while the probe is out: fails fast
        with breaker.guard():
            pass
    release.set()
    t.join(5)
    assert results == [0.25]


def test_only_connection_failures_count_as_postgresql_unavailable():
    import psycopg
    from psycopg_pool import PoolTimeout

    assert db.server_unreachable(psycopg.OperationalError("connection refused"))
    assert db.server_unreachable(PoolTimeout("no connection in 2 s"))
    assert db.server_unreachable(psycopg.errors.AdminShutdown())
    for healthy_server_error in (
        psycopg.errors.DeadlockDetected(),
        psycopg.errors.SerializationFailure(),
        psycopg.errors.LockNotAvailable(),
        psycopg.errors.QueryCanceled(),
    ):
        assert not db.server_unreachable(healthy_server_error), type(healthy_server_error).__name__


def test_durable_server_keeps_every_acknowledged_order_through_a_crash(mongo):
    """What `make app` runs: PostgreSQL with fsync and synchronous commit on. Orders placed from 8 threads, the
    server crashed mid-load (immediate shutdown), restarted (crash recovery): every order that was answered as
    placed is there, and no id was handed out twice. (With synchronous_commit=off acknowledged commits can be
    lost: the WAL they are in may still be in the dropped buffers.)"""
    import threading

    from app.errors import AppError
    from app.orders import OrderLine, OrderService

    server = PostgresServer(durable=True, prefix="ecomart-test-pg-crash-").start()
    try:
        dsn = server.dsn()
        db.migrate(dsn)
        with pg_conn(dsn) as conn:
            sample = seed(conn, mongo, n_products=30, n_customers=5, stock_range=(100_000, 100_000))
        sku = sku_with_stock(dsn, units=1000)
        with pg_conn(dsn) as conn:
            assert conn.execute("SHOW synchronous_commit").fetchone()[0] == "on"
        pool = db.make_pool(dsn, min_size=8, max_size=8, timeout=2)
        svc = OrderService(pool)
        acknowledged: list[int] = []
        lock, stop = threading.Lock(), threading.Event()

        def buyer(i: int) -> None:
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    order, _ = svc.place_order(sample.customers[i % 5], [OrderLine(sku, 1)], f"crash-{i}-{n:06d}")
                except (AppError, Exception):  # noqa: BLE001 - the server is being killed: failures are expected
                    continue
                with lock:
                    acknowledged.append(order["id"])

        threads = [threading.Thread(target=buyer, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        wait_for(lambda: len(acknowledged) >= 200, timeout=30, interval=0.05)
        # An immediate shutdown is a crash as far as the data is concerned: every process quits at once, shared
        # memory (WAL buffers included) is dropped without a checkpoint, and the next start runs crash recovery.
        # (A SIGKILL of the postmaster would do the same, but leaves a zombie this sandbox never reaps.)
        server.stop(mode="immediate")
        stop.set()
        for t in threads:
            t.join(30)
        pool.close()
        server.start()
        with open(server.log) as fh:
            assert "not properly shut down" in fh.read(), "the restart ran crash recovery"
        with pg_conn(dsn) as conn:
            ids = {r[0] for r in conn.execute("SELECT id FROM orders")}
        assert len(acknowledged) == len(set(acknowledged)), "an order id was handed to two orders"
        missing = set(acknowledged) - ids
        assert not missing, f"{len(missing)} orders answered as placed were lost"
    finally:
        server.cleanup()
