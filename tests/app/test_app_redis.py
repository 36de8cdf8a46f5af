"""Redis against a real redis-server: cache-aside with jittered TTL and invalidation, carts (hash, 7-day TTL),
sessions (sliding TTL)."""

from __future__ import annotations

import time

import pytest

from app.errors import CartLimitReached, StoreUnavailable
from app.redis_stores import CartStore, CircuitBreaker, JsonCache, SessionStore, make_client


@pytest.fixture
def client(redis_url):
    c = make_client(redis_url)
    yield c
    c.close()


def test_cache_aside_hit_miss_and_ttl_with_jitter(client):
    cache = JsonCache(client, "product", ttl=300, jitter=0.1)
    loads = []

    def loader():
        loads.append(1)
        return {"id": "p-1", "name": "Tea"}

    assert cache.get_or_load("p-1", loader) == ({"id": "p-1", "name": "Tea"}, "store")
    assert cache.get_or_load("p-1", loader) == ({"id": "p-1", "name": "Tea"}, "cache")
    assert len(loads) == 1 and cache.stats.hits == 1 and cache.stats.misses == 1
    ttls = set()
    for i in range(40):
        cache.get_or_load(f"p-{i + 10}", lambda: {"x": 1})
        ttls.add(client.ttl(cache.key(f"p-{i + 10}")))
    assert min(ttls) >= 270 and max(ttls) <= 330
    assert len(ttls) > 5, "TTLs are spread, so hot keys do not all expire at once"


def test_missing_values_are_cached_briefly(client):
    cache = JsonCache(client, "product", negative_ttl=30)
    calls = []
    assert cache.get_or_load("p-none", lambda: calls.append(1)) == (None, "store")
    assert cache.get_or_load("p-none", lambda: calls.append(1)) == (None, "cache")
    assert len(calls) == 1 and 0 < client.ttl(cache.key("p-none")) <= 30


def test_invalidation_removes_the_entry_and_replays_after_an_outage(client):
    cache = JsonCache(client, "product")
    cache.get_or_load("p-1", lambda: {"v": 1})
    assert cache.invalidate("p-1")
    assert cache.get_or_load("p-1", lambda: {"v": 2}) == ({"v": 2}, "store")
    # Redis unreachable during an invalidation: remembered and done once Redis answers again
    broken = JsonCache(make_client("redis://127.0.0.1:1/0", timeout=0.1), "product")
    assert not broken.invalidate("p-1")
    broken.r = client
    broken.breaker.reset()
    broken.get_or_load("p-other", lambda: {"v": 0})
    assert client.get(cache.key("p-1")) is None


def test_cache_down_falls_back_and_the_breaker_avoids_paying_timeouts():
    cache = JsonCache(make_client("redis://127.0.0.1:1/0", timeout=0.2), "product", breaker=CircuitBreaker(5))
    assert cache.get_or_load("p-1", lambda: {"v": 1}) == ({"v": 1}, "store (cache down)")
    start = time.perf_counter()
    for _ in range(50):
        assert cache.get_or_load("p-1", lambda: {"v": 1})[0] == {"v": 1}
    assert time.perf_counter() - start < 0.2, "with the breaker open Redis is not tried again"
    assert cache.stats.bypassed >= 50 and cache.breaker.trips == 1


def test_cart_is_a_hash_with_seven_day_ttl_and_line_cap(client):
    carts = CartStore(client)
    assert carts.add("cart-0001", "TEA-001", 2) == 2
    assert carts.add("cart-0001", "TEA-001", 3) == 5
    assert carts.add("cart-0001", "MUG-001", 1) == 1
    assert client.type(carts.key("cart-0001")) == "hash"
    assert carts.get("cart-0001") == {"TEA-001": 5, "MUG-001": 1}
    assert 7 * 24 * 3600 - 5 <= carts.ttl_of("cart-0001") <= 7 * 24 * 3600
    with pytest.raises(CartLimitReached, match="at most 99 units of one SKU per cart") as refused:
        carts.add("cart-0001", "TEA-001", 95)
    assert refused.value.status == 409 and refused.value.details["field"] == "quantity"
    assert carts.get("cart-0001")["TEA-001"] == 5, "a refused add leaves the line unchanged"
    client.expire(carts.key("cart-0001"), 100)
    carts.add("cart-0001", "MUG-001", 1)
    assert carts.ttl_of("cart-0001") > 100, "every change pushes the expiry back to 7 days"


def test_cart_on_dead_redis_names_redis():
    carts = CartStore(make_client("redis://127.0.0.1:1/0", timeout=0.1))
    with pytest.raises(StoreUnavailable) as exc:
        carts.get("cart-0001")
    assert exc.value.store == "redis" and exc.value.status == 503


def test_session_ttl_slides_on_each_read(client):
    sessions = SessionStore(client, ttl_ms=800)
    token = sessions.create({"customer_id": 7})
    for _ in range(4):  # 4 x 0.4 s = 1.6 s, twice the TTL, alive because every read extends it
        time.sleep(0.4)
        assert sessions.get(token) == {"customer_id": 7}
    time.sleep(1.0)
    assert sessions.get(token) is None
    other = sessions.create({"customer_id": 8})
    sessions.delete(other)
    assert sessions.get(other) is None
