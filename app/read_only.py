"""Orders read-only mode (PostgreSQL down, MongoDB up): queue orders durably, place them when it is back.

- ``ReadOnlyFlag``: the stack's SSM parameter (``on``/``off``), cached ``ttl`` seconds so a busy API reads it a few
  times a minute, not per request; if SSM cannot be read the last known value stands (off before the first read).
- ``OrderIntake``: while the flag is on, ``POST /orders`` validates the body as usual, sends it to the stack's
  KMS-encrypted SQS queue and answers 202 with a tracking reference; the reference is derived from the customer and
  the Idempotency-Key, so a retry gets the same one.
- ``drain``: when the flag is off again, places each queued order with its own idempotency key (a message delivered
  twice, or two drains, place it once), records a refusal (no stock, unknown SKU) with its reason, and the outcome
  by tracking reference in PostgreSQL and Redis, where ``GET /orders/queued/{tracking}`` finds it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from platform_rules import READ_ONLY_OFF, READ_ONLY_ON

from .errors import AppError, NotFound, StoreUnavailable
from .settings import FLAG_CACHE_SECONDS

log = logging.getLogger("ecomart.read_only")

TRACKING_PREFIX = "q_"
OUTCOME_TTL_SECONDS = 14 * 24 * 3600  # as long as SQS keeps a queued order
REDIS_PREFIX = "ecomart:queued:"


def tracking_ref(customer_id: int, idempotency_key: str) -> str:
    """Same customer and key, same reference (a retried POST is told the same thing); unguessable without the key."""
    digest = hashlib.sha256(f"{customer_id}:{idempotency_key}".encode()).hexdigest()
    return TRACKING_PREFIX + digest[:32]


class ReadOnlyFlag:
    def __init__(
        self, ssm: Any, name: str, *, ttl: float = FLAG_CACHE_SECONDS, clock: Callable[[], float] = time.monotonic
    ):
        self.ssm, self.name, self.ttl, self.clock = ssm, name, ttl, clock
        self._value = False
        self._read_at: float | None = None
        self._lock = threading.Lock()
        self.reads = 0

    def is_on(self) -> bool:
        now = self.clock()
        if self._read_at is not None and now - self._read_at < self.ttl:
            return self._value
        with self._lock:
            if self._read_at is not None and now - self._read_at < self.ttl:
                return self._value
            try:
                self.reads += 1
                value = self.ssm.get_parameter(Name=self.name)["Parameter"]["Value"]
                self._value = value.strip().lower() == READ_ONLY_ON
            except Exception as exc:  # noqa: BLE001 - keep the last known value; an SSM blip must not flip modes
                log.warning(
                    "read-only flag %s unreadable (%s); keeping %s",
                    self.name,
                    exc.__class__.__name__,
                    READ_ONLY_ON if self._value else READ_ONLY_OFF,
                )
            self._read_at = now
            return self._value


@dataclass
class QueuedOrder:
    tracking: str
    customer_id: int
    lines: list[dict]
    idempotency_key: str
    queued_at: str
    # fraud-link fingerprints (kind, hex) computed when the order was taken — never the values (ADR 0028)
    links: list[list[str]] = field(default_factory=list)

    def body(self) -> str:
        return json.dumps(
            {
                "v": 1,
                "tracking": self.tracking,
                "customer_id": self.customer_id,
                "lines": self.lines,
                "idempotency_key": self.idempotency_key,
                "queued_at": self.queued_at,
                "links": self.links,
            },
            sort_keys=True,
        )

    @classmethod
    def parse(cls, text: str) -> QueuedOrder:
        d = json.loads(text)
        return cls(
            d["tracking"],
            int(d["customer_id"]),
            list(d["lines"]),
            d["idempotency_key"],
            d["queued_at"],
            [list(x) for x in d.get("links", [])],  # messages queued before links were carried have none
        )


class OrderIntake:
    """Queue an order (SQS) and remember it as queued (Redis) while PostgreSQL is down."""

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        redis_client: Any = None,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.sqs, self.queue_url, self.redis, self.now = sqs, queue_url, redis_client, now

    def enqueue(
        self, customer_id: int, lines: list[dict], idempotency_key: str, links: list[tuple[str, bytes]] = ()
    ) -> dict:
        order = QueuedOrder(
            tracking_ref(customer_id, idempotency_key),
            customer_id,
            lines,
            idempotency_key,
            self.now().isoformat(),
            [[kind, fp.hex()] for kind, fp in links],
        )
        try:
            self.sqs.send_message(
                QueueUrl=self.queue_url,
                MessageBody=order.body(),
                MessageAttributes={"tracking": {"DataType": "String", "StringValue": order.tracking}},
            )
        except Exception as exc:  # noqa: BLE001 - the order is not durable: say so, never pretend it was taken
            raise StoreUnavailable("sqs", f"order queue unavailable ({exc.__class__.__name__})") from exc
        status = {
            "tracking": order.tracking,
            "status": "queued",
            "customer_id": customer_id,
            "queued_at": order.queued_at,
        }
        if self.redis is not None:
            try:
                self.redis.set(REDIS_PREFIX + order.tracking, json.dumps(status), ex=OUTCOME_TTL_SECONDS, nx=True)
            except Exception as exc:  # noqa: BLE001 - SQS has it; the status page says "queued" from SQS's word
                log.warning("queued order %s: status not cached (%s)", order.tracking, exc.__class__.__name__)
        return status


def outcome(tracking: str, redis_client: Any, pool: Any) -> dict:
    """A queued order's outcome: Redis first (answers while PostgreSQL is down), then PostgreSQL."""
    if redis_client is not None:
        try:
            raw = redis_client.get(REDIS_PREFIX + tracking)
            if raw:
                return json.loads(raw)
        except Exception as exc:  # noqa: BLE001 - Redis down: PostgreSQL has the outcomes too
            log.warning("queued order %s: Redis unreadable (%s), asking PostgreSQL", tracking, exc.__class__.__name__)
    if pool is not None:
        with pool.connection() as conn:
            row = conn.execute(
                "SELECT tracking, status, customer_id, order_id, reason, queued_at, decided_at "
                "FROM queued_order_outcomes WHERE tracking = %s",
                (tracking,),
            ).fetchone()
        if row:
            return _outcome_view(*row)
    raise NotFound("queued order", tracking)


def _outcome_view(tracking, status, customer_id, order_id, reason, queued_at, decided_at) -> dict:
    view = {
        "tracking": tracking,
        "status": status,
        "customer_id": customer_id,
        "queued_at": queued_at.isoformat() if hasattr(queued_at, "isoformat") else queued_at,
        "decided_at": decided_at.isoformat() if hasattr(decided_at, "isoformat") else decided_at,
    }
    if order_id is not None:
        view["order_id"] = order_id
        view["order_url"] = f"/orders/{order_id}"
    if reason is not None:
        view["reason"] = reason
    return view


@dataclass
class DrainStats:
    received: int = 0
    placed: int = 0
    refused: int = 0
    already_done: int = 0
    left_for_retry: int = 0


def drain(
    sqs: Any,
    queue_url: str,
    orders: Any,
    pool: Any,
    redis_client: Any = None,
    *,
    max_messages: int = 10_000,
    wait_seconds: int = 1,
) -> DrainStats:
    """Place every queued order (see the module docstring). Stops at an empty queue or when PostgreSQL fails
    again (the message stays queued and comes back after its visibility timeout)."""
    from .orders import OrderLine

    stats = DrainStats()
    while stats.received < max_messages:
        resp = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds, MessageAttributeNames=["All"]
        )
        messages = resp.get("Messages", [])
        if not messages:
            break
        for msg in messages:
            stats.received += 1
            order = QueuedOrder.parse(msg["Body"])
            with pool.connection() as conn:
                done = conn.execute(
                    "SELECT status, order_id, reason, queued_at, decided_at FROM "
                    "queued_order_outcomes WHERE tracking = %s",
                    (order.tracking,),
                ).fetchone()
            if done:
                stats.already_done += 1
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=msg["ReceiptHandle"])
                continue
            order_id, reason = None, None
            try:
                placed, _created = orders.place_order(
                    order.customer_id,
                    [OrderLine(ln["sku"], int(ln["quantity"])) for ln in order.lines],
                    order.idempotency_key,
                )
                order_id = placed["id"]
            except StoreUnavailable:
                stats.left_for_retry += 1
                return stats
            except AppError as exc:  # no stock, unknown SKU, erased customer...: a decision, recorded with why
                reason = exc.message
            status = "placed" if order_id is not None else "refused"
            with pool.connection() as conn:
                row = conn.execute(
                    "INSERT INTO queued_order_outcomes (tracking, customer_id, idempotency_key, status, order_id, "
                    "reason, queued_at) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (tracking) DO UPDATE SET "
                    "tracking = EXCLUDED.tracking RETURNING tracking, status, customer_id, order_id, reason, "
                    "queued_at, decided_at",
                    (
                        order.tracking,
                        order.customer_id,
                        order.idempotency_key,
                        status,
                        order_id,
                        reason,
                        order.queued_at,
                    ),
                ).fetchone()
            view = _outcome_view(*row)
            if view["status"] == "placed" and order.links:  # as POST /orders does after its commit (ADR 0028)
                from .relationships import record_fingerprints

                try:
                    with pool.connection() as conn:
                        record_fingerprints(conn, order.customer_id, [(k, bytes.fromhex(h)) for k, h in order.links])
                except Exception as exc:  # noqa: BLE001 - a fraud signal lost is logged; the order stands
                    log.warning("queued order %s: links not recorded (%s)", order.tracking, exc.__class__.__name__)
            if redis_client is not None:
                try:
                    redis_client.set(REDIS_PREFIX + order.tracking, json.dumps(view), ex=OUTCOME_TTL_SECONDS)
                except Exception as exc:  # noqa: BLE001 - PostgreSQL has it; the status endpoint falls back to it
                    log.warning(
                        "queued order %s: outcome not cached in Redis (%s)", order.tracking, exc.__class__.__name__
                    )
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=msg["ReceiptHandle"])
            if view["status"] == "placed":
                stats.placed += 1
            else:
                stats.refused += 1
    return stats
