"""Redis: cache-aside for product reads, carts (hashes, 7-day TTL) and sessions (sliding TTL).

The cache is optional: when Redis is unreachable reads go straight to MongoDB and a circuit breaker
stops every request from paying a connect timeout. Carts and sessions live only in Redis, so for them
an outage is a 503 naming Redis.
"""

from __future__ import annotations

import json
import random
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from .errors import CartLimitReached, StoreUnavailable

UNAVAILABLE_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)
NAMESPACE = "ecomart"


def make_client(url: str, timeout: float = 0.5) -> redis.Redis:
    """A client that fails fast (no retries, short timeouts): the caller decides what an outage means."""
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        decode_responses=True,
        health_check_interval=0,
        client_name="ecomart-app",
    )


class CircuitBreaker:
    """Open for ``cooldown`` seconds after a failure; while open, callers skip Redis entirely."""

    def __init__(self, cooldown: float = 2.0) -> None:
        self.cooldown = cooldown
        self._open_until = 0.0
        self.trips = 0

    @property
    def open(self) -> bool:
        return time.monotonic() < self._open_until

    def trip(self) -> None:
        self._open_until = time.monotonic() + self.cooldown
        self.trips += 1

    def reset(self) -> None:
        self._open_until = 0.0


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    errors: int = 0
    bypassed: int = 0

    @property
    def hit_ratio(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


class JsonCache:
    """Cache-aside of JSON values with a TTL and +/- jitter (so hot keys do not expire together)."""

    def __init__(
        self,
        client: redis.Redis | None,
        prefix: str,
        *,
        ttl: int = 300,
        jitter: float = 0.1,
        breaker: CircuitBreaker | None = None,
        negative_ttl: int = 30,
    ) -> None:
        self.r = client
        self.prefix = f"{NAMESPACE}:{prefix}:"
        self.ttl = ttl
        self.jitter = jitter
        self.negative_ttl = negative_ttl
        self.breaker = breaker or CircuitBreaker()
        self.stats = CacheStats()
        self._lock = threading.Lock()
        self._pending_invalidations: set[str] = set()

    def key(self, ident: Any) -> str:
        return f"{self.prefix}{ident}"

    def ttl_with_jitter(self) -> int:
        spread = self.ttl * self.jitter
        return max(1, int(round(self.ttl + random.uniform(-spread, spread))))

    def _count(self, attr: str) -> None:
        with self._lock:
            setattr(self.stats, attr, getattr(self.stats, attr) + 1)

    def _usable(self) -> bool:
        if self.r is None or self.breaker.open:
            self._count("bypassed")
            return False
        if self._pending_invalidations:
            self._flush_invalidations()
        return True

    def get_or_load(self, ident: Any, loader: Callable[[], dict | None]) -> tuple[dict | None, str]:
        """(value, source) where source is 'cache', 'store' or 'store (cache down)'. None values are cached
        briefly too, so a flood of requests for a missing id does not reach the store every time."""
        key = self.key(ident)
        if self._usable():
            try:
                raw = self.r.get(key)
            except UNAVAILABLE_ERRORS:
                self._count("errors")
                self.breaker.trip()
            else:
                if raw is not None:
                    self._count("hits")
                    return json.loads(raw), "cache"
                self._count("misses")
                value = loader()
                try:
                    ttl = self.ttl_with_jitter() if value is not None else self.negative_ttl
                    self.r.set(key, json.dumps(value, separators=(",", ":")), ex=ttl)
                except UNAVAILABLE_ERRORS:
                    self._count("errors")
                    self.breaker.trip()
                return value, "store"
        return loader(), "store (cache down)"

    def invalidate_many(self, idents: Any) -> bool:
        """``invalidate`` for many values in one round trip (one DEL), with the same fallback when Redis is down."""
        keys = [self.key(i) for i in idents]
        if self.r is None or not keys:
            return False
        try:
            self.r.delete(*keys)
            return True
        except UNAVAILABLE_ERRORS:
            self.breaker.trip()
            with self._lock:
                self._pending_invalidations.update(keys)
            return False

    def invalidate(self, ident: Any) -> bool:
        """Delete the cached value. If Redis is down the key is remembered and deleted once it is back
        (per process; the TTL bounds staleness for entries another process cached)."""
        key = self.key(ident)
        if self.r is None:
            return False
        try:
            self.r.delete(key)
            return True
        except UNAVAILABLE_ERRORS:
            self.breaker.trip()
            with self._lock:
                self._pending_invalidations.add(key)
            return False

    def _flush_invalidations(self) -> None:
        with self._lock:
            keys = list(self._pending_invalidations)
        try:
            self.r.delete(*keys)
        except UNAVAILABLE_ERRORS:
            self.breaker.trip()
            return
        with self._lock:
            self._pending_invalidations.difference_update(keys)


# Atomically add to a cart line without exceeding the per-line cap, and refresh the cart's TTL.
_CART_ADD = """
local q = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
if q > tonumber(ARGV[3]) then
  redis.call('HINCRBY', KEYS[1], ARGV[1], -tonumber(ARGV[2]))
  return -q
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
return q
"""


class CartStore:
    """Carts as Redis hashes ``sku -> quantity`` that expire ``ttl`` seconds after the last change."""

    MAX_PER_LINE = 99
    MAX_LINES = 100

    def __init__(self, client: redis.Redis | None, ttl: int = 7 * 24 * 3600) -> None:
        self.r = client
        self.ttl = ttl
        self._add = client.register_script(_CART_ADD) if client is not None else None

    def key(self, cart_id: str) -> str:
        return f"{NAMESPACE}:cart:{cart_id}"

    def _call(self, fn: Callable, *args):
        if self.r is None:
            raise StoreUnavailable("redis", "REDIS_URL is not configured")
        try:
            return fn(*args)
        except UNAVAILABLE_ERRORS as exc:
            raise StoreUnavailable("redis", str(exc).splitlines()[0][:200]) from exc

    def add(self, cart_id: str, sku: str, quantity: int) -> int:
        key = self.key(cart_id)
        lines = self._call(self.r.hlen, key)
        if lines >= self.MAX_LINES and not self._call(self.r.hexists, key, sku):
            raise CartLimitReached("sku", f"a cart holds at most {self.MAX_LINES} different SKUs", value=sku)
        new_qty = self._call(self._add, [key], [sku, quantity, self.MAX_PER_LINE, self.ttl])
        if new_qty < 0:
            raise CartLimitReached(
                "quantity", f"at most {self.MAX_PER_LINE} units of one SKU per cart (would be {-new_qty})", quantity
            )
        return int(new_qty)

    def get(self, cart_id: str) -> dict[str, int]:
        raw = self._call(self.r.hgetall, self.key(cart_id))
        return {sku: int(q) for sku, q in raw.items()}

    def ttl_of(self, cart_id: str) -> int:
        return int(self._call(self.r.ttl, self.key(cart_id)))

    def delete(self, cart_id: str) -> None:
        self._call(self.r.delete, self.key(cart_id))


class SessionStore:
    """Sessions with a sliding TTL: every read pushes the expiry ``ttl_ms`` into the future (GETEX PX)."""

    def __init__(self, client: redis.Redis | None, ttl_ms: int = 30 * 60 * 1000) -> None:
        self.r = client
        self.ttl_ms = ttl_ms

    def key(self, token: str) -> str:
        return f"{NAMESPACE}:session:{token}"

    def _call(self, fn: Callable, *args, **kwargs):
        if self.r is None:
            raise StoreUnavailable("redis", "REDIS_URL is not configured")
        try:
            return fn(*args, **kwargs)
        except UNAVAILABLE_ERRORS as exc:
            raise StoreUnavailable("redis", str(exc).splitlines()[0][:200]) from exc

    def create(self, data: dict) -> str:
        token = secrets.token_urlsafe(32)
        self._call(self.r.set, self.key(token), json.dumps(data), px=self.ttl_ms, nx=True)
        return token

    def get(self, token: str) -> dict | None:
        raw = self._call(self.r.getex, self.key(token), px=self.ttl_ms)
        return json.loads(raw) if raw is not None else None

    def delete(self, token: str) -> None:
        self._call(self.r.delete, self.key(token))
