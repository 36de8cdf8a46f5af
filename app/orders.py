"""Order placement in one PostgreSQL transaction, with pessimistic or optimistic stock locking.

Both variants: claim the idempotency key (unique per customer), check customer and products, allocate
every line from inventory, refuse the whole order if any line is short (nothing changes), decrement
stock, and write order, items, a pending payment and an outbox event, then commit once.

* pessimistic: ``SELECT ... FOR UPDATE`` on the inventory rows ordered by (product_id, warehouse_id), so
  two orders touching the same rows always lock them in the same order and cannot deadlock.
* optimistic: read without locks, then ``UPDATE ... WHERE version = <read version>`` row by row in the same
  fixed order; if any row changed meanwhile the transaction is rolled back and retried (bounded).

The idempotency key is inserted first with ``ON CONFLICT DO NOTHING``: a concurrent request with the same
key blocks on the unique index until the first commits, then finds its order. One payment per order is
also a UNIQUE constraint, so a retry can never charge twice. See docs/adr/0010 and 0011.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import random
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from . import db
from .errors import (
    ConcurrencyConflict,
    IdempotencyKeyReused,
    InsufficientStock,
    InvalidInput,
    NotFound,
    ProductUnavailable,
)
from .settings import LOCKING_VARIANTS

log = logging.getLogger("ecomart.orders")

MAX_LINES = 50
MAX_QUANTITY = 1000
IDEMPOTENCY_KEY_RE = r"^[A-Za-z0-9_.:-]{8,200}$"


@dataclass(frozen=True)
class OrderLine:
    sku: str
    quantity: int


class _VersionConflict(Exception):
    def __init__(self, sku: str) -> None:
        self.sku = sku


def request_hash(customer_id: int, lines: Sequence[OrderLine]) -> str:
    canonical = json.dumps(
        {"customer_id": customer_id, "items": sorted([[ln.sku, ln.quantity] for ln in lines])}, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def validate_lines(lines: Sequence[OrderLine]) -> list[OrderLine]:
    if not lines:
        raise InvalidInput("items", "at least one item is required")
    if len(lines) > MAX_LINES:
        raise InvalidInput("items", f"at most {MAX_LINES} lines per order, got {len(lines)}")
    seen: set[str] = set()
    for i, line in enumerate(lines):
        if not isinstance(line.quantity, int) or not 1 <= line.quantity <= MAX_QUANTITY:
            raise InvalidInput(
                f"items[{i}].quantity", f"must be an integer from 1 to {MAX_QUANTITY}", value=line.quantity
            )
        if line.sku in seen:
            raise InvalidInput(
                f"items[{i}].sku", f"SKU {line.sku} appears twice; send one line per SKU", value=line.sku
            )
        seen.add(line.sku)
    return sorted(lines, key=lambda ln: ln.sku)


def allocate(
    lines: Sequence[OrderLine], products: dict[str, dict], stock: dict[int, list[dict]]
) -> list[tuple[OrderLine, dict, int, int]]:
    """(line, product, warehouse_id, units) picks, warehouses in id order; InsufficientStock if any line is short."""
    picks: list[tuple[OrderLine, dict, int, int]] = []
    for line in lines:
        product = products[line.sku]
        rows = stock.get(product["id"], [])
        available = sum(r["quantity"] for r in rows)
        if available < line.quantity:
            raise InsufficientStock(line.sku, line.quantity, available)
        need = line.quantity
        for row in rows:
            take = min(need, row["quantity"])
            if take > 0:
                picks.append((line, product, row["warehouse_id"], take))
                need -= take
            if need == 0:
                break
    return picks


class OrderService:
    def __init__(
        self,
        pool: ConnectionPool,
        *,
        locking: str = "pessimistic",
        max_attempts: int = 6,
        backoff_s: float = 0.002,
        max_backoff_s: float = 0.05,
        breaker: db.Breaker | None = None,
    ) -> None:
        if locking not in LOCKING_VARIANTS:
            raise ValueError(f"locking={locking!r} is not one of {LOCKING_VARIANTS}")
        self.pool = pool
        self.breaker = breaker if breaker is not None else db.Breaker()
        self.locking = locking
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.retries = 0  # optimistic retries taken (for the benchmark)
        self.fallbacks = 0  # optimistic orders placed by the pessimistic path after their retries

    # -- placing ----------------------------------------------------------------------------------
    def place_order(
        self, customer_id: int, lines: Sequence[OrderLine], idempotency_key: str, *, locking: str | None = None
    ) -> tuple[dict, bool]:
        """Place an order; returns (order, created). ``created`` is False when the key was seen before."""
        if not isinstance(idempotency_key, str) or not re.fullmatch(IDEMPOTENCY_KEY_RE, idempotency_key):
            raise InvalidInput(
                "Idempotency-Key", "must be 8-200 characters of A-Z a-z 0-9 _ . : -", status=400, value=idempotency_key
            )
        variant = locking or self.locking
        if variant not in LOCKING_VARIANTS:
            raise InvalidInput("locking", f"must be one of {list(LOCKING_VARIANTS)}", value=variant)
        ordered = validate_lines(lines)
        digest = request_hash(customer_id, ordered)
        if variant == "optimistic":
            placed = self._place_optimistic(customer_id, ordered, idempotency_key, digest)
            if placed is not None:
                return placed
            self.fallbacks += 1  # contention outlasted the retries: queue on the locks instead of giving up
        return self._place_pessimistic(customer_id, ordered, idempotency_key, digest)

    def _place_pessimistic(self, customer_id: int, lines: list[OrderLine], key: str, digest: str) -> tuple[dict, bool]:
        """One round trip: ``ecomart_place_order`` (migration 0004) locks, checks and writes in one statement,
        which is its own transaction (autocommit). A lock wait past lock_timeout is retried twice, then 409.

        A deadlock is *not* retried: the function locks in one global order, so one means that order was broken,
        and it must be seen (logged as an error, counted by PostgreSQL), not absorbed."""
        for attempt in range(1, 4):
            try:
                with db.connection(self.pool, self.breaker) as conn:
                    row = conn.execute(
                        PLACE_FN_SQL,
                        (customer_id, key, digest, [ln.sku for ln in lines], [ln.quantity for ln in lines]),
                    ).fetchone()
                    result = row[0]
                    if result["outcome"] == "placed":
                        return _order_view(customer_id, lines, result), True
                    if result["outcome"] == "unknown_customer":
                        raise NotFound("customer", customer_id)
                    if result["outcome"] == "key_reused":
                        raise IdempotencyKeyReused(key)
                    with conn.transaction():
                        conn.row_factory = dict_row
                        try:
                            return self._load(conn, result["order_id"]), False
                        finally:
                            conn.row_factory = psycopg.rows.tuple_row
            except psycopg.errors.LockNotAvailable as exc:
                if attempt == 3:
                    raise ConcurrencyConflict(lines[0].sku, attempt) from exc
                self.retries += 1
                time.sleep(random.uniform(0, self.backoff_s * attempt))
            except psycopg.errors.DeadlockDetected as exc:
                log.error("deadlock placing an order (lock order violated?): %s", exc)
                raise ConcurrencyConflict(lines[0].sku, attempt) from exc
            except psycopg.Error as exc:
                _raise_refusal(exc)
                raise
        raise AssertionError("unreachable")

    def _place_optimistic(
        self, customer_id: int, lines: list[OrderLine], key: str, digest: str
    ) -> tuple[dict, bool] | None:
        """Read without locks, decrement with version checks; on a conflict back off (exponential, full jitter,
        capped) and retry, at most ``max_attempts`` times. None: give the order to the pessimistic path."""
        for attempt in range(1, self.max_attempts + 1):
            try:
                with db.connection(self.pool, self.breaker) as conn:
                    conn.row_factory = dict_row
                    try:
                        with conn.transaction():
                            return self._place(conn, customer_id, lines, key, digest, "optimistic")
                    finally:
                        conn.row_factory = psycopg.rows.tuple_row
            except (
                _VersionConflict,
                psycopg.errors.SerializationFailure,
                psycopg.errors.LockNotAvailable,
                psycopg.errors.DeadlockDetected,
            ):
                pass
            if attempt < self.max_attempts:
                self.retries += 1
                time.sleep(random.uniform(0, min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1))))
        return None

    def _place(
        self, conn: psycopg.Connection, customer_id: int, lines: list[OrderLine], key: str, digest: str, variant: str
    ) -> tuple[dict, bool]:
        # Happy path round trips: claim the key (1), read (+lock) stock (1), [optimistic: version-checked
        # updates (1, pipelined)], everything else in one statement (1), commit. Fewer round trips after
        # the stock is locked means the hot rows are held for less time.
        claimed = conn.execute(
            "INSERT INTO idempotency_keys (customer_id, idempotency_key, request_hash) "
            "SELECT id, %s, %s FROM customers WHERE id = %s AND erased_at IS NULL "
            "ON CONFLICT (customer_id, idempotency_key) DO NOTHING RETURNING customer_id",
            (key, digest, customer_id),
        ).fetchone()
        if not claimed:  # unknown customer, or an earlier request with this key committed
            prior = conn.execute(
                "SELECT k.request_hash, k.order_id FROM idempotency_keys k JOIN customers c ON c.id = k.customer_id "
                "WHERE k.customer_id = %s AND k.idempotency_key = %s AND c.erased_at IS NULL",
                (customer_id, key),
            ).fetchone()
            if not prior:
                raise NotFound("customer", customer_id)
            if prior["request_hash"] != digest:
                raise IdempotencyKeyReused(key)
            return self._load(conn, prior["order_id"]), False

        skus = [ln.sku for ln in lines]
        lock = " FOR UPDATE OF i" if variant == "pessimistic" else ""
        rows = conn.execute(
            "SELECT p.id, p.sku, p.catalog_id, p.price_cents, p.currency, p.active, i.warehouse_id, i.quantity, "
            "i.version FROM products p JOIN inventory i ON i.product_id = p.id WHERE p.sku = ANY(%s) "
            "ORDER BY p.id, i.warehouse_id" + lock,
            (skus,),
        ).fetchall()
        products: dict[str, dict] = {}
        stock: dict[int, list[dict]] = {}
        for r in rows:
            products.setdefault(r["sku"], r)
            stock.setdefault(r["id"], []).append(r)
        missing = [s for s in skus if s not in products]
        if missing:  # an unknown SKU, or a product without any inventory row
            for r in conn.execute(
                "SELECT id, sku, catalog_id, price_cents, currency, active FROM products WHERE sku = ANY(%s)",
                (missing,),
            ):
                products[r["sku"]] = r
        for sku in skus:
            if sku not in products:
                raise NotFound("sku", sku)
            if not products[sku]["active"]:
                raise ProductUnavailable(sku)
        picks = allocate(lines, products, stock)
        if variant == "optimistic":
            self._take_versions(conn, picks, stock)

        total = sum(ln.quantity * products[ln.sku]["price_cents"] for ln in lines)
        currency = products[skus[0]]["currency"].strip()
        line_no = {ln.sku: i + 1 for i, ln in enumerate(lines)}
        alloc = [(line_no[ln.sku], wid, p["id"], ln.sku, units, p["price_cents"]) for ln, p, wid, units in picks]
        dec = sorted((p["id"], wid, units) for _, p, wid, units in picks) if variant == "pessimistic" else []
        items = [
            {
                "sku": ln.sku,
                "product_id": products[ln.sku]["id"],
                "catalog_id": products[ln.sku]["catalog_id"],
                "quantity": ln.quantity,
                "unit_price_cents": products[ln.sku]["price_cents"],
            }
            for ln in lines
        ]
        row = conn.execute(
            PLACE_SQL,
            {
                "cid": customer_id,
                "key": key,
                "total": total,
                "currency": currency,
                "line_no": [a[0] for a in alloc],
                "wid": [a[1] for a in alloc],
                "pid": [a[2] for a in alloc],
                "sku": [a[3] for a in alloc],
                "qty": [a[4] for a in alloc],
                "price": [a[5] for a in alloc],
                "dec_pid": [d[0] for d in dec],
                "dec_wid": [d[1] for d in dec],
                "dec_qty": [d[2] for d in dec],
                "event": psycopg.types.json.Jsonb(
                    {"customer_id": customer_id, "total_cents": total, "currency": currency, "items": items}
                ),
            },
        ).fetchone()
        if row["item_rows"] != len(alloc) or row["stock_rows"] != len(dec) or row["claimed"] != 1:
            raise RuntimeError(f"order write incomplete: {dict(row)}")  # cannot happen; never commit half
        order = {
            "id": row["id"],
            "customer_id": customer_id,
            "status": "pending_payment",
            "total_cents": total,
            "currency": currency,
            "created_at": row["created_at"].isoformat(),
            "items": [
                {"sku": ln.sku, "quantity": ln.quantity, "unit_price_cents": products[ln.sku]["price_cents"]}
                for ln in lines
            ],
            "payment": {"amount_cents": total, "currency": currency, "status": "pending"},
        }
        return order, True

    @staticmethod
    def _take_versions(conn: psycopg.Connection, picks, stock: dict[int, list[dict]]) -> None:
        """Optimistic: decrement each row only if its version is still the one we read, in the same fixed
        order as the pessimistic locks (so concurrent writers cannot deadlock); a miss retries the order."""
        versions = {(r["id"], r["warehouse_id"]): r["version"] for rs in stock.values() for r in rs}
        rows = sorted(((p["id"], wid, units, ln.sku) for ln, p, wid, units in picks), key=lambda r: (r[0], r[1]))
        with conn.cursor() as cur:
            cur.executemany(
                "UPDATE inventory SET quantity = quantity - %s, reserved = reserved + %s, version = version + 1, "
                "updated_at = now() WHERE product_id = %s AND warehouse_id = %s AND version = %s RETURNING 1",
                [(units, units, pid, wid, versions[(pid, wid)]) for pid, wid, units, _ in rows],
                returning=True,
            )
            for i, (_, _, _, sku) in enumerate(rows):
                if i:
                    cur.nextset()
                if cur.fetchone() is None:
                    raise _VersionConflict(sku)

    # -- reading ----------------------------------------------------------------------------------
    def _load(self, conn: psycopg.Connection, order_id: int) -> dict:
        cur = conn.cursor(row_factory=dict_row)
        order = cur.execute(
            "SELECT id, customer_id, status, total_cents, currency, created_at FROM orders WHERE id = %s", (order_id,)
        ).fetchone()
        if not order:
            raise NotFound("order", order_id)
        items = cur.execute(
            "SELECT sku, sum(quantity)::int AS quantity, min(unit_price_cents) AS unit_price_cents "
            "FROM order_items WHERE order_id = %s AND order_created_at = %s GROUP BY sku, line_no ORDER BY line_no",
            (order_id, order["created_at"]),
        ).fetchall()
        payments = cur.execute(
            "SELECT amount_cents, currency, status FROM payments WHERE order_id = %s", (order_id,)
        ).fetchall()
        return {
            "id": order["id"],
            "customer_id": order["customer_id"],
            "status": order["status"],
            "total_cents": order["total_cents"],
            "currency": order["currency"].strip(),
            "created_at": order["created_at"].isoformat(),
            "items": items,
            "payment": payments[0] if payments else None,
        }

    def get_order(self, order_id: int) -> dict:
        with db.connection(self.pool, self.breaker) as conn:
            with conn.transaction():
                return self._load(conn, order_id)

    def recent_orders(self, customer_id: int, limit: int = 20) -> list[dict]:
        with db.connection(self.pool, self.breaker) as conn:
            return conn.cursor(row_factory=dict_row).execute(RECENT_ORDERS_SQL, (customer_id, limit)).fetchall()


# Everything after the stock check in one statement: decrement stock (pessimistic: rows already locked),
# order, items (one row per line and warehouse), pending payment, outbox event, idempotency key -> order.
PLACE_SQL = """
WITH stock AS (
    UPDATE inventory i SET quantity = i.quantity - d.qty, reserved = i.reserved + d.qty, version = i.version + 1,
           updated_at = now()
    FROM unnest(%(dec_pid)s::bigint[], %(dec_wid)s::smallint[], %(dec_qty)s::int[]) AS d(pid, wid, qty)
    WHERE i.product_id = d.pid AND i.warehouse_id = d.wid
    RETURNING 1
), o AS (
    INSERT INTO orders (customer_id, total_cents, currency) VALUES (%(cid)s, %(total)s, %(currency)s)
    RETURNING id, created_at
), items AS (
    INSERT INTO order_items (order_id, order_created_at, line_no, warehouse_id, product_id, sku, quantity,
                             unit_price_cents)
    SELECT o.id, o.created_at, x.line_no, x.wid, x.pid, x.sku, x.qty, x.price
    FROM o, unnest(%(line_no)s::smallint[], %(wid)s::smallint[], %(pid)s::bigint[], %(sku)s::text[],
                   %(qty)s::int[], %(price)s::int[]) AS x(line_no, wid, pid, sku, qty, price)
    RETURNING 1
), pay AS (
    INSERT INTO payments (order_id, order_created_at, amount_cents, currency)
    SELECT id, created_at, %(total)s, %(currency)s FROM o
    RETURNING id
), event AS (
    INSERT INTO outbox (aggregate_type, aggregate_id, event_type, payload)
    SELECT 'order', o.id::text, 'OrderPlaced',
           %(event)s::jsonb || jsonb_build_object('order_id', o.id, 'created_at', o.created_at)
           || (SELECT jsonb_build_object('region', region, 'location', country) FROM customers WHERE id = %(cid)s)
    FROM o
    RETURNING 1
), claim AS (
    UPDATE idempotency_keys k SET order_id = o.id, order_created_at = o.created_at FROM o
    WHERE k.customer_id = %(cid)s AND k.idempotency_key = %(key)s
    RETURNING 1
)
SELECT o.id, o.created_at, pay.id AS payment_id, (SELECT count(*) FROM stock) AS stock_rows,
       (SELECT count(*) FROM items) AS item_rows, (SELECT count(*) FROM claim) AS claimed
FROM o, pay
"""

PLACE_FN_SQL = "SELECT ecomart_place_order(%s, %s, %s, %s::text[], %s::int[])"


def _order_view(customer_id: int, lines: Sequence[OrderLine], result: dict) -> dict:
    """The API's view of an order the function just placed (no second query)."""
    by_sku = {i["sku"]: i for i in result.get("items", [])}
    created = result["created_at"]
    return {
        "id": result["id"],
        "customer_id": customer_id,
        "status": "pending_payment",
        "total_cents": result["total_cents"],
        "currency": result["currency"],
        "created_at": dt.datetime.fromisoformat(created).isoformat() if isinstance(created, str) else created,
        "items": [
            {"sku": ln.sku, "quantity": ln.quantity, "unit_price_cents": by_sku[ln.sku]["unit_price_cents"]}
            for ln in lines
        ]
        if by_sku
        else [],
        "payment": {
            "amount_cents": result["total_cents"],
            "currency": result["currency"],
            "status": "pending",
        },
    }


def _raise_refusal(exc: psycopg.Error) -> None:
    """The function's refusals (SQLSTATE EC...) as the app's errors; anything else is left to the caller."""
    code = getattr(exc, "sqlstate", None)
    message = exc.diag.message_primary if exc.diag else None
    if code == "ECNF1":
        raise NotFound("sku", message) from exc
    if code == "ECIN1":
        raise ProductUnavailable(message) from exc
    if code == "ECST1":
        detail = json.loads(exc.diag.message_detail)
        raise InsufficientStock(detail["sku"], detail["requested"], detail["available"]) from exc


RECENT_ORDERS_SQL = (
    "SELECT id, status, total_cents, created_at FROM orders WHERE customer_id = %s ORDER BY created_at DESC LIMIT %s"
)
OUTBOX_BATCH_SQL = (
    "SELECT id, aggregate_type, aggregate_id, event_type, payload, created_at FROM outbox "
    "WHERE published_at IS NULL ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED"
)


# -- administration used by the seed, tests and benchmark ------------------------------------------
REGION_DEFAULT_COUNTRY = {"eu": "NL", "uk": "GB", "us": "US", "us-ca": "US", "apac": "SG"}


def create_customer(
    conn: psycopg.Connection,
    email: str,
    region: str,
    *,
    country: str | None = None,
    full_name: str = "",
    marketing_consent: bool = False,
) -> int:
    (cid,) = conn.execute(
        "INSERT INTO customers (email, full_name, region, country, marketing_consent, consent_updated_at) "
        "VALUES (%s, %s, %s, %s, %s, CASE WHEN %s THEN now() END) RETURNING id",
        (
            email,
            full_name,
            region,
            country or REGION_DEFAULT_COUNTRY.get(region, "NL"),
            marketing_consent,
            marketing_consent,
        ),
    ).fetchone()
    return cid


def erase_customer(conn: psycopg.Connection, customer_id: int) -> None:
    """GDPR art. 17 / CCPA deletion: overwrite PII, keep the orders (tax retention), block new orders."""
    with conn.transaction():
        cur = conn.execute(
            "UPDATE customers SET email = 'erased-' || id || '@invalid', full_name = NULL, marketing_consent = false, "
            "erasure_requested_at = coalesce(erasure_requested_at, now()), erased_at = coalesce(erased_at, now()) "
            "WHERE id = %s",
            (customer_id,),
        )  # idempotent: erasing twice is fine
        if cur.rowcount != 1:
            raise NotFound("customer", customer_id)
        # the fingerprints of their payment instruments, devices and addresses are personal data too (ADR 0028)
        conn.execute("DELETE FROM customer_links WHERE customer_id = %s", (customer_id,))


def upsert_product(
    conn: psycopg.Connection, sku: str, catalog_id: str, name: str, price_cents: int, active: bool = True
) -> int:
    (pid,) = conn.execute(
        "INSERT INTO products (sku, catalog_id, name, price_cents, active) VALUES (%s, %s, %s, %s, %s) "
        "ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name, catalog_id = EXCLUDED.catalog_id, "
        "active = EXCLUDED.active RETURNING id",
        (sku, catalog_id, name, price_cents, active),
    ).fetchone()
    return pid


def ensure_warehouse(conn: psycopg.Connection, code: str, name: str, region: str) -> int:
    (wid,) = conn.execute(
        "INSERT INTO warehouses (code, name, region) VALUES (%s, %s, %s) "
        "ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name RETURNING id",
        (code, name, region),
    ).fetchone()
    return wid


def set_stock(conn: psycopg.Connection, sku: str, warehouse_id: int, quantity: int) -> None:
    conn.execute(
        "INSERT INTO inventory (product_id, warehouse_id, quantity) SELECT id, %s, %s FROM products WHERE sku = %s "
        "ON CONFLICT (product_id, warehouse_id) DO UPDATE SET quantity = EXCLUDED.quantity, "
        "version = inventory.version + 1, updated_at = now()",
        (warehouse_id, quantity, sku),
    )


def change_price(conn: psycopg.Connection, catalog_id: str, price_cents: int) -> int:
    """Change a catalog product's price (all its SKUs) and emit ProductPriceChanged in the same transaction.
    PostgreSQL is the source of truth for what is charged; the relay carries the price to the catalog."""
    if not isinstance(price_cents, int) or price_cents < 0:
        raise InvalidInput("price_cents", "must be a non-negative integer", value=price_cents)
    with conn.transaction():
        rows = conn.execute(
            "UPDATE products SET price_cents = %s, version = version + 1, updated_at = now() "
            "WHERE catalog_id = %s RETURNING version",
            (price_cents, catalog_id),
        ).fetchall()
        if not rows:
            raise NotFound("product", catalog_id)
        version = max(r[0] for r in rows)
        conn.execute(
            "INSERT INTO outbox (aggregate_type, aggregate_id, event_type, payload) "
            "VALUES ('product', %s, 'ProductPriceChanged', %s)",
            (
                catalog_id,
                psycopg.types.json.Jsonb({"catalog_id": catalog_id, "price_cents": price_cents, "version": version}),
            ),
        )
    return version


def stock_of(conn: psycopg.Connection, skus: Iterable[str]) -> dict[str, dict[str, Any]]:
    return {
        r[0]: {"quantity": r[1], "reserved": r[2]}
        for r in conn.execute(
            "SELECT p.sku, coalesce(sum(i.quantity), 0)::int, coalesce(sum(i.reserved), 0)::int FROM products p "
            "LEFT JOIN inventory i ON i.product_id = p.id WHERE p.sku = ANY(%s) GROUP BY p.sku",
            (list(skus),),
        )
    }
