"""Relationships walked in PostgreSQL (docs/adr/0028): EcoMart's staff hierarchy (everyone under a manager at any
depth, an employee's management chain, span of control) with recursive SQL on an indexed ``manager_id``, and the
links between customers fraud review follows (a shared payment fingerprint, device or shipping address): the
connected groups above a size, and the shortest chain of links between two customers.

Link values are stored as fingerprints of the normalized value under a per-kind prefix, never the value: equal
addresses still match, the table holds no address. Deployed, a fingerprint is an HMAC-SHA-256 under a KMS key
(``FINGERPRINT_KEY_ID``, kms:GenerateMac: the key never leaves KMS), so the table alone cannot confirm a guessed
address; locally, without the variable, a plain SHA-256 (which can). They are personal data all the same, so
erasing a customer deletes them (app/orders.py, erase_customer).
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import psycopg

from .errors import InvalidInput, NotFound

KINDS = ("payment", "device", "address")
MAX_DEPTH = 64  # deeper than any real organisation; bounds a walk should the data ever hold a loop
HUB_LIMIT = 50  # a fingerprint shared by more customers (a parcel locker, a shop's card reader) links nobody


# --- the staff hierarchy ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Employee:
    id: int
    full_name: str
    title: str
    department: str
    manager_id: int | None
    depth: int  # levels below the employee the query started from (0: that employee)


_EMPLOYEE_COLUMNS = "e.id, e.full_name, e.title, d.code, e.manager_id"


def _employee_exists(conn: psycopg.Connection, employee_id: int) -> None:
    if conn.execute("SELECT 1 FROM employees WHERE id = %s", (employee_id,)).fetchone() is None:
        raise NotFound("employee", employee_id)


def subordinates(
    conn: psycopg.Connection, manager_id: int, max_depth: int | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[Employee], int]:
    """Everyone reporting to ``manager_id`` directly or not (current staff), nearest levels first, and how many
    there are in all. One recursive query down ``employees_manager_idx``."""
    depth = MAX_DEPTH if max_depth is None else max_depth
    if not 1 <= depth <= MAX_DEPTH:
        raise InvalidInput("max_depth", f"allowed 1..{MAX_DEPTH}", status=400, value=max_depth)
    _employee_exists(conn, manager_id)
    rows = conn.execute(
        f"""
        WITH RECURSIVE tree(id, depth) AS (
            SELECT id, 1 FROM employees WHERE manager_id = %(m)s AND left_on IS NULL
            UNION ALL
            SELECT e.id, tree.depth + 1 FROM employees e JOIN tree ON e.manager_id = tree.id
            WHERE e.left_on IS NULL AND tree.depth < %(d)s
        )
        SELECT {_EMPLOYEE_COLUMNS}, tree.depth, count(*) OVER ()
        FROM tree JOIN employees e USING (id) JOIN departments d ON d.id = e.department_id
        ORDER BY tree.depth, e.id LIMIT %(l)s OFFSET %(o)s
        """,
        {"m": manager_id, "d": depth, "l": limit, "o": offset},
    ).fetchall()
    total = rows[0][6] if rows else _count_subordinates(conn, manager_id, depth) if offset else 0
    return [Employee(*r[:6]) for r in rows], total


def _count_subordinates(conn: psycopg.Connection, manager_id: int, depth: int) -> int:
    (n,) = conn.execute(
        """
        WITH RECURSIVE tree(id, depth) AS (
            SELECT id, 1 FROM employees WHERE manager_id = %(m)s AND left_on IS NULL
            UNION ALL
            SELECT e.id, tree.depth + 1 FROM employees e JOIN tree ON e.manager_id = tree.id
            WHERE e.left_on IS NULL AND tree.depth < %(d)s
        )
        SELECT count(*) FROM tree
        """,
        {"m": manager_id, "d": depth},
    ).fetchone()
    return n


def management_chain(conn: psycopg.Connection, employee_id: int) -> list[Employee]:
    """The employee, their manager, that manager's manager ... up to the root (depth counts upwards here)."""
    rows = conn.execute(
        f"""
        WITH RECURSIVE up(id, depth) AS (
            SELECT %(e)s::bigint, 0
            UNION ALL
            SELECT e.manager_id, up.depth + 1 FROM employees e JOIN up ON e.id = up.id
            WHERE e.manager_id IS NOT NULL AND up.depth < %(d)s
        )
        SELECT {_EMPLOYEE_COLUMNS}, up.depth
        FROM up JOIN employees e USING (id) JOIN departments d ON d.id = e.department_id
        ORDER BY up.depth
        """,
        {"e": employee_id, "d": MAX_DEPTH},
    ).fetchall()
    if not rows:
        raise NotFound("employee", employee_id)
    return [Employee(*r) for r in rows]


@dataclass(frozen=True)
class Span:
    manager_id: int
    direct: int  # direct reports
    total: int  # everyone under the manager
    levels: int  # how many levels deep the manager's organisation goes


def span_of_control(conn: psycopg.Connection, manager_id: int) -> Span:
    _employee_exists(conn, manager_id)
    direct, total, levels = conn.execute(
        """
        WITH RECURSIVE tree(id, depth) AS (
            SELECT id, 1 FROM employees WHERE manager_id = %(m)s AND left_on IS NULL
            UNION ALL
            SELECT e.id, tree.depth + 1 FROM employees e JOIN tree ON e.manager_id = tree.id
            WHERE e.left_on IS NULL AND tree.depth < %(d)s
        )
        SELECT count(*) FILTER (WHERE depth = 1), count(*), coalesce(max(depth), 0) FROM tree
        """,
        {"m": manager_id, "d": MAX_DEPTH},
    ).fetchone()
    return Span(manager_id, direct, total, levels)


def widest_spans(conn: psycopg.Connection, limit: int = 20) -> list[tuple[int, int]]:
    """(manager, direct reports) for the managers with the most direct reports: an index-only count."""
    rows = conn.execute(
        "SELECT manager_id, count(*) FROM employees WHERE manager_id IS NOT NULL AND left_on IS NULL "
        "GROUP BY manager_id ORDER BY count(*) DESC, manager_id LIMIT %s",
        (limit,),
    ).fetchall()
    return [(m, n) for m, n in rows]


# --- links between customers ----------------------------------------------------------------------------------


def normalize(kind: str, value: str) -> str:
    """The form two spellings of one value share: NFKC, case-folded, punctuation dropped, spaces collapsed (for
    addresses); payment fingerprints and device ids only trimmed (they are opaque tokens, case matters)."""
    if kind not in KINDS:
        raise InvalidInput("kind", f"allowed {', '.join(KINDS)}", status=400, value=kind)
    value = unicodedata.normalize("NFKC", value).strip()
    if kind == "address":
        value = re.sub(r"[^\w]+", " ", value.casefold()).strip()
    if not value:
        raise InvalidInput(kind, "is empty", status=400)
    return value


def fingerprint(kind: str, value: str) -> bytes:
    """32 bytes for the normalized value: HMAC-SHA-256 under the KMS key ``FINGERPRINT_KEY_ID`` names, else
    (local runs, tests) SHA-256. One store must keep one scheme: the two never match each other."""
    message = f"ecomart-link:{kind}:{normalize(kind, value)}".encode()
    key_id = os.environ.get("FINGERPRINT_KEY_ID")
    if not key_id:
        return hashlib.sha256(message).digest()
    return _kms().generate_mac(KeyId=key_id, Message=message, MacAlgorithm="HMAC_SHA_256")["Mac"]


_KMS: list = []


def _kms():
    """One KMS client per process (the Lambda's region, its role's credentials)."""
    if not _KMS:
        import boto3

        _KMS.append(boto3.client("kms"))
    return _KMS[0]


def fingerprints(**values: str | None) -> list[tuple[str, bytes]]:
    """``(kind, fingerprint)`` of each value given (``payment=``, ``device=``, ``address=``; None skipped)."""
    unknown = sorted(set(values) - set(KINDS))
    if unknown:
        raise InvalidInput("kind", f"allowed {', '.join(KINDS)}", status=400, value=unknown[0])
    return [(kind, fingerprint(kind, v)) for kind, v in values.items() if v is not None]


def record_fingerprints(conn: psycopg.Connection, customer_id: int, prints: list[tuple[str, bytes]]) -> int:
    """Record a customer's fingerprints (computed earlier: an order queued while PostgreSQL was down carries them,
    never the values); returns how many links were new. Idempotent: a link seen again only moves its
    ``last_seen``."""
    new = 0
    with conn.transaction():
        for kind, fp in prints:
            if kind not in KINDS or len(fp) != 32:
                raise InvalidInput("fingerprint", f"a 32-byte fingerprint of {', '.join(KINDS)}", value=kind)
            cur = conn.execute(
                "INSERT INTO customer_links (kind, fingerprint, customer_id) VALUES (%s, %s, %s) "
                "ON CONFLICT (kind, fingerprint, customer_id) DO UPDATE SET last_seen = now() "
                "RETURNING (xmax = 0)",
                (kind, fp, customer_id),
            )
            (inserted,) = cur.fetchone()
            new += bool(inserted)
    return new


def record_links(conn: psycopg.Connection, customer_id: int, **values: str | None) -> int:
    """Record what an order or sign-in showed about a customer (``payment=``, ``device=``, ``address=``); returns
    how many links were new. Idempotent: a link seen again only moves its ``last_seen``."""
    return record_fingerprints(conn, customer_id, fingerprints(**values))


@dataclass(frozen=True)
class Ring:
    customers: list[int]
    links: int  # shared fingerprints inside the group
    kinds: list[str]


def rings(conn: psycopg.Connection, min_size: int = 3, hub_limit: int = HUB_LIMIT, limit: int = 100) -> list[Ring]:
    """Groups of customers connected by shared fingerprints (any chain of them), of ``min_size`` or more, largest
    first. PostgreSQL groups each fingerprint's customers (the primary key's order); the groups are merged here by
    union-find, which is linear in the links where a recursive CTE would enumerate every path."""
    if not 2 <= min_size <= 10_000:
        raise InvalidInput("min_size", "allowed 2..10000", status=400, value=min_size)
    if not 2 <= hub_limit <= 10_000:
        raise InvalidInput("hub_limit", "allowed 2..10000", status=400, value=hub_limit)
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    shared: list[tuple[str, list[int]]] = []
    # a server-side cursor (inside a transaction, as PostgreSQL requires): the groups stream, not all held at once
    with conn.transaction(), conn.cursor(name="ecomart_rings") as cur:
        cur.execute(
            "SELECT kind, array_agg(customer_id) FROM customer_links GROUP BY kind, fingerprint "
            "HAVING count(*) BETWEEN 2 AND %s",
            (hub_limit,),
        )
        for kind, members in cur:
            shared.append((kind, members))
            first = find(members[0])
            for m in members[1:]:
                r = find(m)
                if r != first:
                    parent[r] = first
    groups: dict[int, set[int]] = defaultdict(set)
    for _kind, members in shared:
        groups[find(members[0])].update(members)
    links: dict[int, int] = defaultdict(int)
    kinds: dict[int, set[str]] = defaultdict(set)
    for kind, members in shared:
        root = find(members[0])
        links[root] += 1
        kinds[root].add(kind)
    found = [
        Ring(sorted(members), links[root], sorted(kinds[root]))
        for root, members in groups.items()
        if len(members) >= min_size
    ]
    found.sort(key=lambda r: (-len(r.customers), r.customers[0]))
    return found[:limit]


@dataclass(frozen=True)
class Step:
    customer_id: int
    via: str | None  # the kind of link that led here (None for the first customer)


def path(conn: psycopg.Connection, a: int, b: int, max_hops: int = 4, hub_limit: int = HUB_LIMIT) -> list[Step] | None:
    """The shortest chain of shared fingerprints from customer ``a`` to ``b`` (at most ``max_hops`` links), or
    None. Breadth-first from both ends, one query per level for the whole frontier."""
    if not 1 <= max_hops <= 8:
        raise InvalidInput("max_hops", "allowed 1..8", status=400, value=max_hops)
    for c in (a, b):
        if conn.execute("SELECT 1 FROM customers WHERE id = %s", (c,)).fetchone() is None:
            raise NotFound("customer", c)
    if a == b:
        return [Step(a, None)]
    came: list[dict[int, tuple[int | None, str | None]]] = [{a: (None, None)}, {b: (None, None)}]
    frontier: list[set[int]] = [{a}, {b}]
    hops = 0
    while hops < max_hops and frontier[0] and frontier[1]:
        side = 0 if len(frontier[0]) <= len(frontier[1]) else 1  # expand the smaller side
        nxt: set[int] = set()
        for src, dst, kind in _neighbours(conn, frontier[side], hub_limit):
            if dst in came[side]:
                continue
            came[side][dst] = (src, kind)
            nxt.add(dst)
            if dst in came[1 - side]:
                return _join(came, dst)
        frontier[side] = nxt
        hops += 1
    return None


def _neighbours(conn: psycopg.Connection, customers: set[int], hub_limit: int) -> list[tuple[int, int, str]]:
    return conn.execute(
        """
        SELECT l1.customer_id, l2.customer_id, l1.kind
        FROM customer_links l1
        JOIN customer_links l2
          ON l2.kind = l1.kind AND l2.fingerprint = l1.fingerprint AND l2.customer_id <> l1.customer_id
        WHERE l1.customer_id = ANY(%(c)s)
          AND (SELECT count(*) FROM customer_links h WHERE h.kind = l1.kind AND h.fingerprint = l1.fingerprint)
              <= %(h)s
        ORDER BY l1.customer_id, l2.customer_id, l1.kind
        """,
        {"c": sorted(customers), "h": hub_limit},
    ).fetchall()


def _join(came: list[dict[int, tuple[int | None, str | None]]], meet: int) -> list[Step]:
    """The path a → meet (from side 0's parents) then meet → b (side 1's parents, reversed)."""
    node: int | None = meet
    chain: list[tuple[int, str | None]] = []
    while node is not None:
        prev, kind = came[0][node]
        chain.append((node, kind))
        node = prev
    chain.reverse()
    left = [Step(c, k) for c, k in chain]
    node, hop_kind = came[1][meet]
    while node is not None:
        left.append(Step(node, hop_kind))
        node, hop_kind = came[1][node]
    return left
