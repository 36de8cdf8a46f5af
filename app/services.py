"""Wiring: builds every store client and service from Settings. Nothing connects eagerly, so the app starts
(and answers 503 naming the store) even while a store is down."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from . import db
from .catalog import Catalog
from .errors import StoreUnavailable
from .mongo import MOCK_BANNER, MongoHandle, connect
from .orders import OrderService
from .public_ids import OrderIds, OrderIdsFromDb
from .read_only import OrderIntake, ReadOnlyFlag
from .recommendations import Recommendations
from .redis_stores import CartStore, CircuitBreaker, JsonCache, SessionStore, make_client
from .relay import OutboxRelay, RelayThread, outbox_lag
from .settings import Settings

log = logging.getLogger("ecomart")


def pg_connection_class(settings: Settings) -> type | None:
    """With PG_IAM_USER: connections carry a fresh RDS IAM token (the RDS Proxy or writer in DATABASE_URL)."""
    if not settings.pg_iam_user:
        return None
    from urllib.parse import urlsplit

    from .iam_auth import iam_connection_class

    url = urlsplit(settings.database_url)
    return iam_connection_class(url.hostname, url.port or 5432, settings.pg_iam_user, settings.aws_region)


def redis_client(settings: Settings) -> Any:
    """The Redis client REDIS_URL names: with REDIS_IAM_USER, TLS and an ElastiCache IAM token per connection."""
    if not settings.redis_url:
        return None
    if not settings.redis_iam_user:
        return make_client(settings.redis_url, settings.store_timeout)
    from urllib.parse import urlsplit

    from .iam_auth import elasticache_client

    url = urlsplit(settings.redis_url)
    return elasticache_client(
        url.hostname,
        url.port or 6379,
        settings.redis_cache_name,
        settings.redis_iam_user,
        settings.aws_region,
        timeout=settings.store_timeout,
    )


@dataclass
class Services:
    settings: Settings
    mongo: MongoHandle
    catalog: Catalog
    pool: ConnectionPool | None
    orders: OrderService | None
    redis: Any
    product_cache: JsonCache
    reco_cache: JsonCache
    carts: CartStore
    sessions: SessionStore
    recommendations: Recommendations
    relay_thread: RelayThread | None = None
    read_only: ReadOnlyFlag | None = None  # orders read-only mode: the flag and the intake queue, or neither
    intake: OrderIntake | None = None
    order_ids: OrderIdsFromDb | None = None  # the opaque order ids clients see (key read from PostgreSQL once)
    own_mongo: bool = False
    extras: dict = field(default_factory=dict)

    @classmethod
    def build(cls, settings: Settings, *, mongo: MongoHandle | None = None) -> Services:
        own_mongo = mongo is None
        if mongo is None:
            mongo = connect(settings.mongodb_uri, settings.mongodb_db, timeout_s=settings.store_timeout * 4)
            if mongo.is_mock:
                log.warning("\n%s", MOCK_BANNER)
        pool = None
        orders = None
        if settings.database_url:
            pool = db.make_pool(
                settings.database_url,
                min_size=settings.pg_pool_min,
                max_size=settings.pg_pool_max,
                timeout=settings.pg_pool_timeout,
                connection_class=pg_connection_class(settings),
            )
            orders = OrderService(pool, locking=settings.order_locking)
        client = redis_client(settings)
        breaker = CircuitBreaker()
        product_cache = JsonCache(
            client, "product", ttl=settings.cache_ttl, jitter=settings.cache_jitter, breaker=breaker
        )
        reco_cache = JsonCache(client, "reco", ttl=settings.reco_ttl, jitter=settings.cache_jitter, breaker=breaker)
        services = cls(
            settings=settings,
            mongo=mongo,
            catalog=Catalog(mongo, on_change=product_cache.invalidate),
            pool=pool,
            orders=orders,
            redis=client,
            product_cache=product_cache,
            reco_cache=reco_cache,
            carts=CartStore(client, settings.cart_ttl),
            sessions=SessionStore(client, settings.session_ttl * 1000),
            recommendations=Recommendations(mongo, reco_cache),
            own_mongo=own_mongo,
        )
        if pool is not None:
            services.order_ids = OrderIdsFromDb(pool)
        if settings.read_only_parameter and settings.queued_orders_queue_url:
            import boto3

            services.read_only = ReadOnlyFlag(
                boto3.client("ssm", region_name=settings.aws_region),
                settings.read_only_parameter,
                ttl=settings.read_only_cache_seconds,
            )
            services.intake = OrderIntake(
                boto3.client("sqs", region_name=settings.aws_region), settings.queued_orders_queue_url, client
            )
        if settings.relay_in_process and settings.database_url:
            relay = OutboxRelay(settings.database_url, mongo, product_cache=product_cache, reco_cache=reco_cache)
            services.relay_thread = RelayThread(relay)
            services.relay_thread.start()
        return services

    def require_order_ids(self) -> OrderIds:
        if self.order_ids is None:
            raise StoreUnavailable("postgresql", "DATABASE_URL is not configured")
        return self.order_ids.get()

    @contextmanager
    def pg(self) -> Iterator[psycopg.Connection]:
        """A pooled PostgreSQL connection for a read of the back office (behind the orders' circuit breaker)."""
        if self.pool is None:
            raise StoreUnavailable("postgresql", "DATABASE_URL is not configured")
        with db.connection(self.pool, self.orders.breaker if self.orders is not None else None) as conn:
            yield conn

    def customer_fingerprints(self, **values: str | None) -> list[tuple[str, bytes]]:
        """Fingerprints of an order's link values for the queue (read-only mode); a failure (KMS unreachable, an
        empty value) is logged and the order is queued without them."""
        if not any(values.values()):
            return []
        from .relationships import fingerprints

        try:
            return fingerprints(**values)
        except Exception as exc:  # noqa: BLE001 - a fraud signal lost is logged; the order is taken
            log.warning("order queued, but its customer links were not fingerprinted: %s", type(exc).__name__)
            return []

    def record_customer_links(self, customer_id: int, **values: str | None) -> int:
        """Fingerprints of what a placed order showed (payment token, device, address) for fraud review (ADR 0028).
        After the order committed, and never its failure: a store error is logged, the order stands."""
        if not any(values.values()) or self.pool is None:
            return 0
        from .relationships import record_links

        try:
            with self.pg() as conn:
                return record_links(conn, customer_id, **values)
        except Exception as exc:  # noqa: BLE001 - a fraud signal lost is logged; the customer's order is placed
            log.warning("order placed, but recording customer links failed: %s", type(exc).__name__)
            return 0

    def require_orders(self) -> OrderService:
        if self.orders is None:
            raise StoreUnavailable("postgresql", "DATABASE_URL is not configured")
        return self.orders

    def health(self) -> dict:
        stores: dict[str, dict] = {}

        def probe(name: str, fn) -> None:
            start = time.perf_counter()
            try:
                extra = fn() or {}
                stores[name] = {"ok": True, "latency_ms": round((time.perf_counter() - start) * 1000, 2), **extra}
            except Exception as exc:  # noqa: BLE001 - health reports, never raises
                # The driver's message names hosts and ports: it goes to the log, the report says what failed.
                log.warning("health: %s unavailable: %s", name, str(exc).strip().splitlines()[:1])
                stores[name] = {"ok": False, "error": f"{name} unavailable ({type(exc).__name__})"}

        def pg() -> dict:
            if self.pool is None:
                raise RuntimeError("DATABASE_URL is not configured")
            with self.pool.connection(timeout=min(1.0, self.settings.pg_pool_timeout)) as conn:
                return {"outbox": outbox_lag(conn)}

        def redis_ping() -> dict:
            if self.redis is None:
                raise RuntimeError("REDIS_URL is not configured")
            self.redis.ping()
            self.product_cache.breaker.reset()
            stats = self.product_cache.stats
            return {
                "product_cache": {"hits": stats.hits, "misses": stats.misses, "hit_ratio": round(stats.hit_ratio, 4)}
            }

        def mongo_ping() -> dict:
            self.mongo.ping()
            return {"kind": "mongomock (NOT a real MongoDB)" if self.mongo.is_mock else self.mongo.topology()}

        probe("postgresql", pg)
        probe("redis", redis_ping)
        probe("mongodb", mongo_ping)
        ok = all(s["ok"] for s in stores.values())
        return {"status": "ok" if ok else "degraded", "stores": stores}

    def close(self) -> None:
        if self.relay_thread is not None:
            self.relay_thread.stop()
        if self.pool is not None:
            self.pool.close()
        if self.redis is not None:
            try:
                self.redis.close()
            except Exception:  # noqa: BLE001
                pass
        if self.own_mongo:
            self.mongo.close()
