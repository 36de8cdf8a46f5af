"""The staff hierarchy and customer links (app/relationships.py, migration 0008) on a real PostgreSQL: answers
checked against a plain Python walk of random trees and graphs, the schema's guards (no cycle, even from two
concurrent moves; one root), hubs ignored, and erasure removing the links."""

from __future__ import annotations

import random
import threading
from collections import deque

import psycopg
import pytest

from app import relationships as R
from app.errors import InvalidInput, NotFound
from app.orders import erase_customer


@pytest.fixture
def conn(dsn):
    with psycopg.connect(dsn, autocommit=True) as c:
        yield c


def _org(conn, n: int, seed: int, depth: int = 6) -> dict[int, int | None]:
    """A random organisation of ``n`` employees, ``depth`` levels: id -> manager id."""
    rng = random.Random(seed)
    (dept,) = conn.execute("INSERT INTO departments (code, name) VALUES ('ops', 'Operations') RETURNING id").fetchone()
    managers: dict[int, int | None] = {}
    levels: list[list[int]] = [[]]
    (root,) = conn.execute(
        "INSERT INTO employees (full_name, title, department_id) VALUES ('Ada', 'CEO', %s) RETURNING id", (dept,)
    ).fetchone()
    managers[root] = None
    levels[0].append(root)
    for i in range(n - 1):
        level = min(1 + i * depth // n, depth - 1) if depth > 1 else 0
        while len(levels) <= level:
            levels.append([])
        boss = rng.choice(levels[level - 1]) if level else root
        (eid,) = conn.execute(
            "INSERT INTO employees (full_name, title, department_id, manager_id) VALUES (%s, 'staff', %s, %s) "
            "RETURNING id",
            (f"e{i}", dept, boss),
        ).fetchone()
        managers[eid] = boss
        levels[level].append(eid)
    return managers


def _below(managers: dict[int, int | None], m: int) -> dict[int, int]:
    children: dict[int, list[int]] = {}
    for e, b in managers.items():
        if b is not None:
            children.setdefault(b, []).append(e)
    out, todo = {}, deque([(m, 0)])
    while todo:
        x, d = todo.popleft()
        for c in children.get(x, []):
            out[c] = d + 1
            todo.append((c, d + 1))
    return out


def test_subordinates_chain_and_span_match_a_plain_walk(conn):
    managers = _org(conn, 300, seed=7)
    rng = random.Random(1)
    for m in rng.sample(sorted(managers), 25):
        expected = _below(managers, m)
        got, total = R.subordinates(conn, m, limit=1000)
        assert {e.id: e.depth for e in got} == expected and total == len(expected)
        assert [e.depth for e in got] == sorted(e.depth for e in got), "nearest levels first"
        span = R.span_of_control(conn, m)
        assert (span.direct, span.total) == (sum(1 for d in expected.values() if d == 1), len(expected))
        assert span.levels == max(expected.values(), default=0)
        if expected:
            two, _ = R.subordinates(conn, m, max_depth=2, limit=1000)
            assert {e.id for e in two} == {e for e, d in expected.items() if d <= 2}
    leaf = next(e for e in managers if not _below(managers, e) and managers[e] is not None)
    chain = R.management_chain(conn, leaf)
    walk, x = [], leaf
    while x is not None:
        walk.append(x)
        x = managers[x]
    assert [e.id for e in chain] == walk and chain[-1].manager_id is None
    page, total = R.subordinates(conn, chain[-1].id, limit=10, offset=20)
    assert len(page) == 10 and total == len(managers) - 1


def test_leavers_drop_out_and_their_reports_with_them_until_moved(conn):
    managers = _org(conn, 40, seed=3, depth=3)
    root = next(e for e, b in managers.items() if b is None)
    mid = next(e for e, b in managers.items() if b == root and _below(managers, e))
    conn.execute("UPDATE employees SET left_on = current_date WHERE id = %s", (mid,))
    ids = {e.id for e in R.subordinates(conn, root, limit=1000)[0]}
    assert mid not in ids and not ids & set(_below(managers, mid))
    assert R.widest_spans(conn, 1)[0][1] == max(
        sum(1 for e, b in managers.items() if b == m and e != mid) for m in managers if m != mid
    )


def test_no_cycle_no_second_root_no_self_manager(conn):
    managers = _org(conn, 30, seed=5, depth=4)
    root = next(e for e, b in managers.items() if b is None)
    deep = max(managers, key=lambda e: len(R.management_chain(conn, e)))
    chain = [e.id for e in R.management_chain(conn, deep)]
    with pytest.raises(psycopg.errors.CheckViolation, match="cannot report to"):
        conn.execute("UPDATE employees SET manager_id = %s WHERE id = %s", (deep, chain[1]))  # under its report
    with pytest.raises(psycopg.errors.CheckViolation, match="cannot report to"):
        conn.execute("UPDATE employees SET manager_id = %s WHERE id = %s", (deep, root))
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("UPDATE employees SET manager_id = id WHERE id = %s", (deep,))
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute("UPDATE employees SET manager_id = NULL WHERE id = %s", (deep,))


def test_two_concurrent_moves_cannot_close_a_loop(dsn, conn):
    """A under B and B under A at once, from two connections: the advisory lock serializes the checks, so exactly
    one commits (without it both pass their check against the old tree and the org becomes a loop)."""
    managers = _org(conn, 10, seed=11, depth=3)
    root = next(e for e, b in managers.items() if b is None)
    a, b = [e for e, m in managers.items() if m == root][:2]
    barrier, results = threading.Barrier(2), {}

    def move(who: int, under: int) -> None:
        with psycopg.connect(dsn) as c:
            try:
                c.execute("SELECT 1")  # the transaction is open before both update
                barrier.wait()
                c.execute("UPDATE employees SET manager_id = %s WHERE id = %s", (under, who))
                if who == a:
                    threading.Event().wait(0.3)  # hold the lock while the other side reaches its check
                c.commit()
                results[who] = "ok"
            except psycopg.errors.CheckViolation:
                results[who] = "refused"

    threads = [threading.Thread(target=move, args=(a, b)), threading.Thread(target=move, args=(b, a))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results.values()) == ["ok", "refused"], results
    for e in (a, b):
        assert R.management_chain(conn, e)[-1].id == root  # both still reach the root


def test_unknown_employee_and_bad_depth_are_clear(conn):
    _org(conn, 5, seed=1, depth=2)
    with pytest.raises(NotFound):
        R.subordinates(conn, 10**9)
    with pytest.raises(NotFound):
        R.management_chain(conn, 10**9)
    with pytest.raises(InvalidInput, match=r"max_depth: allowed 1\.\.64"):
        R.subordinates(conn, 1, max_depth=0)


# --- customer links -------------------------------------------------------------------------------------------


def _customers(conn, n: int) -> list[int]:
    return [
        conn.execute(
            "INSERT INTO customers (email, region, country) VALUES (%s, 'eu', 'DE') RETURNING id", (f"c{i}@x.example",)
        ).fetchone()[0]
        for i in range(n)
    ]


def test_links_store_fingerprints_not_values_and_normalize_addresses(conn):
    (c,) = _customers(conn, 1)
    assert R.record_links(conn, c, payment="fp_9Xq", device="dev-1", address="12, Rue de la Paix  PARIS") == 3
    assert R.record_links(conn, c, address="12 rue de la paix, Paris") == 0, "the same address, spelled otherwise"
    stored = conn.execute("SELECT fingerprint FROM customer_links").fetchall()
    assert len(stored) == 3 and all(len(f) == 32 for (f,) in stored)
    raw = b"".join(f for (f,) in stored)
    assert b"Paix" not in raw and b"fp_9Xq" not in raw
    assert R.fingerprint("payment", "fp_9Xq") != R.fingerprint("payment", "FP_9XQ"), "tokens are case-sensitive"
    with pytest.raises(InvalidInput, match="kind: allowed payment, device, address"):
        R.record_links(conn, c, email="a@b")


def test_rings_are_connected_groups_of_shared_fingerprints(conn):
    cs = _customers(conn, 12)
    # ring 1: a chain 0-1 (card), 1-2 (device), 2-3 (address), 3-4 (card): five customers, no one shares with all
    R.record_links(conn, cs[0], payment="card-A")
    R.record_links(conn, cs[1], payment="card-A", device="phone-1")
    R.record_links(conn, cs[2], device="phone-1", address="1 Main St")
    R.record_links(conn, cs[3], address="1 main st.", payment="card-B")
    R.record_links(conn, cs[4], payment="card-B")
    # ring 2: a pair
    R.record_links(conn, cs[5], device="phone-2")
    R.record_links(conn, cs[6], device="phone-2")
    # a hub: a parcel locker everyone ships to, which must not join everything into one ring
    for c in cs:
        R.record_links(conn, c, address="Parcel Locker 7")
    found = R.rings(conn, min_size=2, hub_limit=5)
    assert [r.customers for r in found] == [sorted(cs[:5]), sorted(cs[5:7])]
    assert found[0].links == 4 and found[0].kinds == ["address", "device", "payment"]
    assert [r.customers for r in R.rings(conn, min_size=3, hub_limit=5)] == [sorted(cs[:5])]
    assert len(R.rings(conn, min_size=2, hub_limit=50)[0].customers) == 12, "under the hub limit the locker links all"


def test_path_is_the_shortest_chain_of_links(conn):
    cs = _customers(conn, 8)
    R.record_links(conn, cs[0], payment="card-A")
    R.record_links(conn, cs[1], payment="card-A", device="phone-1")
    R.record_links(conn, cs[2], device="phone-1", address="1 Main St")
    R.record_links(conn, cs[3], address="1 Main St", payment="card-B")
    R.record_links(conn, cs[4], payment="card-B")
    R.record_links(conn, cs[0], device="tablet-9")  # a shortcut 0-5-4
    R.record_links(conn, cs[5], device="tablet-9", address="9 Side Rd")
    R.record_links(conn, cs[4], address="9 side rd")
    steps = R.path(conn, cs[0], cs[4])
    assert [s.customer_id for s in steps] == [cs[0], cs[5], cs[4]]
    assert [s.via for s in steps] == [None, "device", "address"]
    long = R.path(conn, cs[1], cs[3])
    assert [s.customer_id for s in long] == [cs[1], cs[2], cs[3]] and [s.via for s in long][1:] == ["device", "address"]
    assert R.path(conn, cs[0], cs[6]) is None  # no link at all
    assert R.path(conn, cs[0], cs[4], max_hops=1) is None
    with pytest.raises(NotFound):
        R.path(conn, cs[0], 10**9)


def test_path_agrees_with_a_plain_bfs_on_random_graphs(conn):
    rng = random.Random(4)
    cs = _customers(conn, 60)
    values = [f"v{i}" for i in range(70)]
    held: dict[int, set[str]] = {}
    for c in cs:
        mine = set(rng.sample(values, 2))
        held[c] = mine
        for v in mine:
            R.record_links(conn, c, device=v)

    def bfs(a: int, b: int) -> int | None:
        dist, todo = {a: 0}, deque([a])
        while todo:
            x = todo.popleft()
            for y in cs:
                if y not in dist and held[x] & held[y]:
                    dist[y] = dist[x] + 1
                    todo.append(y)
        return dist.get(b)

    for _ in range(40):
        a, b = rng.sample(cs, 2)
        expected = bfs(a, b)
        got = R.path(conn, a, b, max_hops=8)
        if expected is None or expected > 8:
            assert got is None
        else:
            assert got is not None and len(got) - 1 == expected
            for x, y in zip(got, got[1:], strict=False):
                assert held[x.customer_id] & held[y.customer_id]


def test_erasure_deletes_the_customers_links(conn):
    a, b = _customers(conn, 2)
    R.record_links(conn, a, payment="card-A", address="1 Main St")
    R.record_links(conn, b, payment="card-A")
    erase_customer(conn, a)
    assert conn.execute("SELECT count(*) FROM customer_links WHERE customer_id = %s", (a,)).fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM customer_links").fetchone() == (1,)


@pytest.fixture
def kms_key(monkeypatch):
    """A deployed API's scheme: an HMAC_256 KMS key named by FINGERPRINT_KEY_ID (moto's KMS computes real HMACs)."""
    import boto3
    from moto import mock_aws

    for k, v in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        kms = boto3.client("kms", region_name="eu-west-1")
        arn = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["Arn"]
        monkeypatch.setenv("FINGERPRINT_KEY_ID", arn)
        monkeypatch.setattr(R, "_KMS", [])
        yield kms, arn
    R._KMS.clear()


def test_deployed_fingerprints_are_macs_under_the_kms_key(kms_key, monkeypatch):
    """With FINGERPRINT_KEY_ID (the service sets it) a fingerprint is KMS's HMAC-SHA-256 of the normalized value:
    the table alone cannot confirm a guessed address. Without it (local runs), SHA-256."""
    import hashlib

    kms, arn = kms_key
    message = b"ecomart-link:address:12 rue de la paix paris"
    mac = kms.generate_mac(KeyId=arn, Message=message, MacAlgorithm="HMAC_SHA_256")["Mac"]
    assert (
        R.fingerprint("address", "12, Rue de la Paix  PARIS")
        == mac
        == R.fingerprint("address", "12 rue de la paix paris")
    )
    assert len(mac) == 32 and mac != hashlib.sha256(message).digest()
    monkeypatch.delenv("FINGERPRINT_KEY_ID")
    assert R.fingerprint("address", "12 rue de la paix paris") == hashlib.sha256(message).digest()


def test_rings_are_found_on_kms_fingerprints(conn, kms_key):
    cs = _customers(conn, 3)
    R.record_links(conn, cs[0], payment="card-Z")
    R.record_links(conn, cs[1], payment="card-Z", device="phone-Z")
    R.record_links(conn, cs[2], device="phone-Z")
    assert [r.customers for r in R.rings(conn, min_size=3)] == [sorted(cs)]
    assert R.path(conn, cs[0], cs[2]) is not None
