"""Opaque order ids: a keyed permutation of the internal id (one AES block with 8 check bytes), the key made by
the database itself; clients cannot enumerate or forge them."""

from __future__ import annotations

import os

import pytest

from app.public_ids import PATTERN, OrderIds, OrderIdsFromDb


def test_round_trip_and_shape():
    ids = OrderIds(os.urandom(32))
    for internal in (1, 2, 3, 10**6, 2**63 - 1):
        public = ids.public(internal)
        assert __import__("re").fullmatch(PATTERN, public)
        assert ids.internal(public) == internal
    # consecutive internal ids give unrelated public ids (no shared prefix to count with)
    a, b = ids.public(41), ids.public(42)
    assert a != b and len(os.path.commonprefix([a[2:], b[2:]])) < 4


def test_forged_altered_or_foreign_ids_are_refused():
    ids, other = OrderIds(os.urandom(32)), OrderIds(os.urandom(32))
    public = ids.public(7)
    assert other.internal(public) is None  # another deployment's key
    for i in (2, 10, 27):  # a character at the start, in the middle, and the last one (its 2 spare bits too)
        for c in "abcdefghijklmnopqrstuvwxyz234567":
            if c != public[i]:
                assert ids.internal(public[:i] + c + public[i + 1 :]) is None, (i, c)
    for bad in ("7", "o_", "o_" + "A" * 26, "o_" + "a" * 25, None, 7):
        assert ids.internal(bad) is None
    refused = sum(
        ids.internal("o_" + os.urandom(16).hex()[:26].translate(str.maketrans("0189", "abcd"))) is None
        for _ in range(2000)
    )
    assert refused == 2000


def test_key_is_made_by_the_database_and_read_once(dsn):
    import psycopg
    from psycopg_pool import ConnectionPool

    with psycopg.connect(dsn) as conn:
        (key,) = conn.execute("SELECT key FROM ecomart_keys WHERE name = 'order-public-id'").fetchone()
    assert len(bytes(key)) == 32
    pool = ConnectionPool(dsn, min_size=1, max_size=1, open=True)
    try:
        holder = OrderIdsFromDb(pool)
        first = holder.get()
        assert holder.get() is first and first.public(5) == OrderIds(bytes(key)).public(5)
    finally:
        pool.close()


def test_bad_key_length_is_refused():
    with pytest.raises(ValueError, match="32 bytes"):
        OrderIds(b"short")
