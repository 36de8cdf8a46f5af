"""Outbox relay: publishes PostgreSQL outbox events into MongoDB, at least once, with idempotent effects.

One batch = one PostgreSQL transaction: lock the oldest unpublished rows (``FOR UPDATE SKIP LOCKED``, so several
relays can run at once, each taking rows the others have not locked), apply the batch to MongoDB in a few bulk
writes, mark the rows published, commit. A relay killed anywhere in between leaves the rows unpublished (the
transaction dies with its connection) and the next run delivers them again, so every MongoDB write must be
idempotent (docs/adr/0013-outbox-relay.md). Relays wake on ``LISTEN ecomart_outbox`` (a statement trigger on the
outbox NOTIFYs at commit), polling every ``interval`` seconds only as a fallback:

* order_analytics: one document per order, ``$setOnInsert`` upsert keyed by order id;
* product_popularity: the document is created empty first (an upsert on ``_id`` alone, which concurrent relays
  may race on safely), then counters are ``$inc``-ed only if the event id is not among the document's recent
  event ids (the update's filter), which are pushed in the same atomic single-document update;
* customer_profiles: ``$addToSet`` / ``$max`` - naturally idempotent;
* catalog price: applied only if the event's price version is newer; availability: set from current
  PostgreSQL stock (converges, never accumulates).

``python -m workers relay`` runs it as a process (DATABASE_URL, MONGODB_URI, REDIS_URL for cache invalidation).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pymongo
from psycopg.rows import dict_row

from . import timeseries
from .catalog import Catalog
from .mongo import MongoHandle
from .orders import OUTBOX_BATCH_SQL
from .recommendations import Recommendations
from .redis_stores import JsonCache

log = logging.getLogger("ecomart.relay")

RECENT_EVENT_WINDOW = 1000  # must exceed 2 x batch size: a re-delivered event is never older than that
MAX_BATCH = RECENT_EVENT_WINDOW // 2 - 1
NOTIFY_CHANNEL = "ecomart_outbox"  # migration 0005: NOTIFY on every transaction that writes outbox rows


class RelayCrash(RuntimeError):
    """Raised by injected faults in tests, standing in for a killed process."""


@dataclass
class RelayStats:
    batches: int = 0
    events: int = 0
    last_batch_at: dt.datetime | None = None
    errors: int = 0
    by_type: dict = field(default_factory=dict)
    counter_fallbacks: int = 0  # batches whose per-SKU counter updates fell back to per-event ones (a redo)


class OutboxRelay:
    def __init__(
        self,
        dsn: str,
        mongo: MongoHandle,
        *,
        batch_size: int = 100,
        product_cache: JsonCache | None = None,
        reco_cache: JsonCache | None = None,
        fault: Callable[[str, int], None] | None = None,
        connection_class: type = psycopg.Connection,
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(
                f"batch_size={batch_size} must be 1..{MAX_BATCH} (idempotency window is {RECENT_EVENT_WINDOW} events)"
            )
        self.dsn = dsn
        self.mongo = mongo
        self.db = mongo.db
        self.catalog = Catalog(mongo)
        self.reco = Recommendations(mongo, reco_cache)
        self.product_cache = product_cache
        self.batch_size = batch_size
        self.fault = fault
        self.stats = RelayStats()
        self.connection_class = connection_class  # app.iam_auth's IAM connection class behind RDS Proxy
        self._conn: psycopg.Connection | None = None

    # -- connection -------------------------------------------------------------------------------
    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = self.connection_class.connect(
                self.dsn, autocommit=True, row_factory=dict_row, connect_timeout=5, application_name="ecomart-relay"
            )
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- one batch ------------------------------------------------------------------------------
    def run_once(self) -> int:
        """Publish one batch; returns the number of events published (0: nothing unlocked to do)."""
        conn = self._connection()
        touched_products: set[str] = set()
        customers: set[int] = set()
        try:
            with conn.transaction():
                events = conn.execute(OUTBOX_BATCH_SQL, (self.batch_size,)).fetchall()
                if not events:
                    return 0
                categories = self._categories(events)
                self._apply_batch(events, categories, touched_products, customers)
                self._sync_availability(conn, touched_products)
                # sales points and stock levels, in this transaction: exactly once with the batch (ADR 0029)
                timeseries.record_batch(conn, events, categories)
                if self.fault:
                    self.fault("before_mark", len(events))
                conn.execute(
                    "UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE id = ANY(%s)",
                    ([e["id"] for e in events],),
                )
        except BaseException:
            self.stats.errors += 1
            self.close()  # like a killed process: the connection (and its transaction) is gone
            raise
        # After commit: derived, idempotent, safe to redo. The batch is published whatever happens here: a failure
        # is logged (the next event of the customer or product redoes it), never reported as a failed batch.
        try:
            if customers:
                self.reco.refresh_customers(customers)
            if self.product_cache is not None:
                for pid in touched_products:
                    self.product_cache.invalidate(pid)
        except Exception as exc:  # noqa: BLE001 - derived work after the commit; logged, retried by later events
            log.warning("relay: batch published, but refreshing derived data failed: %s", exc)
        self.stats.batches += 1
        self.stats.events += len(events)
        self.stats.last_batch_at = dt.datetime.now(dt.UTC)
        return len(events)

    def drain(self, max_batches: int = 10_000) -> int:
        total = 0
        for _ in range(max_batches):
            n = self.run_once()
            if n == 0:
                break
            total += n
        return total

    def lag(self) -> dict:
        return outbox_lag(self._connection())

    # -- applying events ------------------------------------------------------------------------
    def _categories(self, events: list[dict]) -> dict[str, list[str]]:
        ids = {i["catalog_id"] for e in events if e["event_type"] == "OrderPlaced" for i in e["payload"]["items"]}
        if not ids:
            return {}
        return {
            d["_id"]: d.get("categories", [])
            for d in self.db.products.find({"_id": {"$in": sorted(ids)}}, {"categories": 1})
        }

    def _apply_batch(
        self, events: list[dict], categories: dict[str, list[str]], touched: set[str], customers: set[int]
    ) -> None:
        """The batch's effects in a handful of bulk writes (one round trip each), every one idempotent."""
        analytics, ensure, counters = [], {}, []
        profiles: dict[int, dict] = {}
        for ev in events:
            kind = ev["event_type"]
            self.stats.by_type[kind] = self.stats.by_type.get(kind, 0) + 1
            if kind == "OrderPlaced":
                self._order_placed(ev, categories, touched, customers, analytics, ensure, counters, profiles)
            elif kind == "AvailabilityResync":  # inventory-reconciliation: recompute from PostgreSQL below
                touched.add(ev["payload"]["catalog_id"])
            elif kind == "ProductPriceChanged":
                p = ev["payload"]
                self.catalog.apply_price(p["catalog_id"], int(p["price_cents"]), int(p["version"]))
                touched.add(p["catalog_id"])
            else:
                log.warning("outbox event %s has unknown type %s; marking it published", ev["id"], kind)
        # Four bulk writes; ``fault("applied", stage)`` after each lets tests crash between them (0-3).
        if analytics:
            self._bulk(self.db.order_analytics, analytics)
        self._stage(0)
        if ensure:
            self._bulk(self.db.product_popularity, list(ensure.values()))
        self._stage(1)
        if counters:
            self._counters(counters)
        self._stage(2)
        if profiles:
            self._bulk(
                self.db.customer_profiles,
                [
                    (
                        {"_id": cid, **p["owner"]},
                        {
                            "$addToSet": {
                                "categories": {"$each": sorted(p["categories"])},
                                "purchased": {"$each": sorted(p["purchased"])},
                            },
                            "$max": {"last_order_at": p["last_order_at"]},
                        },
                        True,
                    )
                    for cid, p in profiles.items()
                ],
            )
        self._stage(3)

    def _counters(self, per_event: list[tuple[dict, dict, bool]]) -> None:
        """The batch's popularity counters, one update per SKU instead of one per (event, SKU): hot SKUs appear in
        many events of a batch, and every update is a round trip on a server (a scan of the collection on mongomock).

        Each SKU's update sums its events and applies only if the document holds none of them (``$nin``); when a
        redone batch holds some already-applied events (a relay died after this stage, and the redo's batch is
        composed differently), that update matches nothing and the per-event updates run instead, each guarded by
        its own event id (``$ne``): every event counted once, whatever the batches looked like."""
        by_sku: dict[str, dict] = {}
        for filter_, update, _ in per_event:
            sku, event_id = filter_["_id"], filter_["recent_events"]["$ne"]
            acc = by_sku.setdefault(sku, {"ids": [], "inc": dict.fromkeys(update["$inc"], 0), "set": update["$set"]})
            acc["ids"].append(event_id)
            for k, v in update["$inc"].items():
                acc["inc"][k] += v
        coalesced = [
            (
                {"_id": sku, "recent_events": {"$nin": acc["ids"]}},
                {
                    "$inc": acc["inc"],
                    "$set": acc["set"],
                    "$push": {"recent_events": {"$each": acc["ids"], "$slice": -RECENT_EVENT_WINDOW}},
                },
                False,
            )
            for sku, acc in by_sku.items()
        ]
        if self._bulk(self.db.product_popularity, coalesced) < len(coalesced):
            self.stats.counter_fallbacks += 1
            self._bulk(self.db.product_popularity, per_event)

    def _bulk(self, collection, ops: list[tuple[dict, dict, bool]]) -> int:
        """The number of operations whose filter matched a document (an upsert that inserted counts as matched)."""
        """One unordered bulk write (one round trip). mongomock 4.3 cannot take pymongo 4.20's UpdateOne in
        bulk_write, so on mongomock the same updates run one by one: the tests there check the effects, and the
        bulk path itself runs only against a real server (MONGODB_URI)."""
        if not self.mongo.is_mock:
            result = collection.bulk_write([pymongo.UpdateOne(f, u, upsert=up) for f, u, up in ops], ordered=False)
            return result.matched_count + result.upserted_count
        matched = 0
        for filter_, update, upsert in ops:
            try:
                r = collection.update_one(filter_, update, upsert=upsert)
            except pymongo.errors.DuplicateKeyError:
                if not upsert:
                    raise
                r = collection.update_one(filter_, update, upsert=upsert)  # a concurrent relay inserted it first
            matched += r.matched_count + (1 if r.upserted_id is not None else 0)
        return matched

    def _stage(self, stage: int) -> None:
        if self.fault:
            self.fault("applied", stage)

    def _order_placed(
        self,
        ev: dict,
        categories: dict[str, list[str]],
        touched: set[str],
        customers: set[int],
        analytics: list,
        ensure: dict,
        counters: list,
        profiles: dict,
    ) -> None:
        p = ev["payload"]
        created = dt.datetime.fromisoformat(p["created_at"])
        cats = sorted({c for i in p["items"] for c in categories.get(i["catalog_id"], [])})
        # Customer-owned documents: the filter carries the full shard key {location, customerId}.
        owner = {"location": p["location"], "customerId": p["customer_id"]}
        analytics.append(
            (
                {"_id": p["order_id"], **owner},
                {
                    "$setOnInsert": {
                        "region": p["region"],
                        "created_at": created,
                        "total_cents": p["total_cents"],
                        "currency": p["currency"],
                        "categories": cats,
                        "event_id": ev["id"],
                        "items": [
                            {k: i[k] for k in ("sku", "catalog_id", "quantity", "unit_price_cents")} for i in p["items"]
                        ],
                    }
                },
                True,
            )
        )
        for item in p["items"]:
            ensure.setdefault(
                item["sku"],
                (
                    {"_id": item["sku"]},
                    {"$setOnInsert": {"units_sold": 0, "orders": 0, "revenue_cents": 0, "recent_events": []}},
                    True,
                ),
            )
            counters.append(
                (
                    {"_id": item["sku"], "recent_events": {"$ne": ev["id"]}},
                    {
                        "$inc": {
                            "units_sold": item["quantity"],
                            "orders": 1,
                            "revenue_cents": item["quantity"] * item["unit_price_cents"],
                        },
                        "$set": {"catalog_id": item["catalog_id"]},
                        "$push": {"recent_events": {"$each": [ev["id"]], "$slice": -RECENT_EVENT_WINDOW}},
                    },
                    False,
                )
            )
            touched.add(item["catalog_id"])
        # Profiles merge (set unions and a max): combining a batch's events per customer is the same effect.
        prof = profiles.setdefault(
            p["customer_id"], {"owner": owner, "categories": set(), "purchased": set(), "last_order_at": created}
        )
        prof["categories"].update(cats)
        prof["purchased"].update(i["catalog_id"] for i in p["items"])
        prof["last_order_at"] = max(prof["last_order_at"], created)
        customers.add(p["customer_id"])

    def _sync_availability(self, conn: psycopg.Connection, catalog_ids: set[str]) -> None:
        if not catalog_ids:
            return
        rows = conn.execute(
            "SELECT catalog_id, sum(q)::int AS units, count(*) FILTER (WHERE q > 0)::int AS skus_in_stock FROM ("
            "  SELECT p.catalog_id, p.sku, coalesce(sum(i.quantity), 0) AS q FROM products p "
            "  LEFT JOIN inventory i ON i.product_id = p.id WHERE p.catalog_id = ANY(%s) GROUP BY 1, 2) s "
            "GROUP BY catalog_id",
            (sorted(catalog_ids),),
        ).fetchall()
        for r in rows:
            self.catalog.set_availability(r["catalog_id"], r["units"], r["skus_in_stock"])


def outbox_lag(conn: psycopg.Connection) -> dict:
    """Unpublished events and the age of the oldest one (seconds): the relay's lag."""
    cur = conn.cursor(row_factory=dict_row)
    oldest = cur.execute(
        "SELECT extract(epoch FROM now() - created_at)::float AS age FROM outbox "
        "WHERE published_at IS NULL ORDER BY id LIMIT 1"
    ).fetchone()
    pending = cur.execute("SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL").fetchone()
    return {"pending": pending["n"], "lag_seconds": round(oldest["age"], 3) if oldest else 0.0}


class Wakeup:
    """``LISTEN ecomart_outbox`` on its own connection: ``wait(timeout)`` returns when an order commits (or after
    ``timeout``: the poll fallback, also after a lost connection, which is reopened on the next wait)."""

    def __init__(self, dsn: str, connection_class: type = psycopg.Connection) -> None:
        self.dsn = dsn
        self.connection_class = connection_class
        self._conn: psycopg.Connection | None = None

    def wait(self, timeout: float) -> bool:
        try:
            if self._conn is None or self._conn.closed or self._conn.broken:
                self._conn = self.connection_class.connect(
                    self.dsn, autocommit=True, connect_timeout=5, application_name="ecomart-relay-listen"
                )
                self._conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
            woke = False
            for _ in self._conn.notifies(timeout=timeout, stop_after=1):
                woke = True
            return woke
        except psycopg.Error:
            self.close()
            time.sleep(min(timeout, 1.0))
            return False

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def run_for(
    relay: OutboxRelay,
    wakeup: Any,
    seconds: float,
    *,
    interval: float = 1.0,
    publish: Callable[[dict], None] | None = None,
    publish_every: float = 10.0,
    clock: Callable[[], float] = time.monotonic,
) -> dict:
    """Publish events for about ``seconds`` (one scheduled Lambda invocation), then return.

    Between batches it waits for a NOTIFY but at most ``interval`` seconds, so events flow within about
    ``interval`` even where notifications do not arrive (through RDS Proxy a LISTEN pins its session, and
    whether the proxy forwards notifications cannot be verified here). ``publish`` gets the lag
    (``outbox_lag``) every ``publish_every`` seconds and once at the end: the relay's lag metric.
    """
    deadline = clock() + seconds
    next_report = clock()
    published = 0
    while True:
        n = relay.run_once()
        published += n
        now = clock()
        if publish is not None and now >= next_report:
            publish(relay.lag())
            next_report = now + publish_every
        if now >= deadline:
            break
        if n == 0:
            wakeup.wait(min(interval, max(0.0, deadline - now)))
    lag = relay.lag()
    if publish is not None:
        publish(lag)
    return {"published": published, **lag}


def lag_publisher(cloudwatch: Any, stack: str) -> Callable[[dict], None]:
    """``publish`` for ``run_for``: the age of the oldest pending event as a CloudWatch metric (monitoring alarms
    on it: too old, or missing because no relay runs)."""
    from platform_rules import OUTBOX_LAG_DIMENSION, OUTBOX_LAG_METRIC, OUTBOX_LAG_NAMESPACE

    def publish(lag: dict) -> None:
        cloudwatch.put_metric_data(
            Namespace=OUTBOX_LAG_NAMESPACE,
            MetricData=[
                {
                    "MetricName": OUTBOX_LAG_METRIC,
                    "Dimensions": [{"Name": OUTBOX_LAG_DIMENSION, "Value": stack}],
                    "Value": float(lag["lag_seconds"]),
                    "Unit": "Seconds",
                }
            ],
        )

    return publish


class RelayThread(threading.Thread):
    """Runs a relay in the background of the API process (local runs: mongomock lives in-process)."""

    def __init__(self, relay: OutboxRelay, interval: float = 0.5) -> None:
        super().__init__(name="outbox-relay", daemon=True)
        self.relay = relay
        self.interval = interval
        self._stop_event = threading.Event()
        self.wakeup = Wakeup(relay.dsn)

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                busy = self.relay.run_once() > 0
            except Exception as exc:  # noqa: BLE001 - keep relaying after an outage
                log.warning("relay batch failed (will retry): %s", str(exc).splitlines()[0] if str(exc) else exc)
                busy = False
            if not busy and not self._stop_event.is_set():
                self.wakeup.wait(self.interval)
        self.wakeup.close()
        self.relay.close()

    def stop(self, timeout: float = 10) -> None:
        self._stop_event.set()
        try:  # wake the LISTEN wait now rather than after its poll interval
            with psycopg.connect(self.relay.dsn, autocommit=True, connect_timeout=2) as conn:
                conn.execute(f"NOTIFY {NOTIFY_CHANNEL}")
        except psycopg.Error:
            pass  # the server is down: the wait ends on its own timeout
        self.join(timeout)
