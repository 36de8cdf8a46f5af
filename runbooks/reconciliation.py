"""Inventory reconciliation: PostgreSQL stock (the truth) against the catalog's availability summaries.

Repair never edits PostgreSQL's stock: it re-emits an ``AvailabilityResync`` outbox event per mismatched product,
and the relay recomputes the summary from PostgreSQL exactly as it does after an order (app/relay.py).
"""

from __future__ import annotations

import os
from typing import Any

from runbooks.core import Context, RunbookError, runbook
from runbooks.data import close, sql_change, sql_read

EXIT_MISMATCHES = 3

STOCK_SQL = (
    "SELECT catalog_id, sum(q)::int AS units, count(*) FILTER (WHERE q > 0)::int AS skus_in_stock FROM ("
    "  SELECT p.catalog_id, p.sku, coalesce(sum(i.quantity), 0) AS q FROM products p "
    "  LEFT JOIN inventory i ON i.product_id = p.id GROUP BY 1, 2) s GROUP BY catalog_id"
)
# Products an unpublished event will touch anyway: a difference there is in flight, not an inconsistency.
IN_FLIGHT_SQL = (
    "SELECT DISTINCT coalesce(item->>'catalog_id', o.payload->>'catalog_id') AS catalog_id FROM outbox o "
    "LEFT JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(o.payload->'items') = 'array' "
    "THEN o.payload->'items' ELSE '[]'::jsonb END) item ON true WHERE o.published_at IS NULL"
)


def catalog_db(ctx: Context) -> Any:
    handle = ctx.extra.get("mongo")
    if handle is None:
        uri = os.environ.get("MONGODB_URI")
        if not uri:
            raise RunbookError("MONGODB_URI is not set: the catalog cluster to compare with")
        from app.mongo import connect

        handle = connect(uri, os.environ.get("MONGODB_DB", "catalog"))
        ctx.extra["mongo"] = handle
    return handle.db


def compare(stock: list[dict], docs: dict[str, dict], in_flight: set[str]) -> list[dict]:
    """Every product whose catalog summary disagrees with PostgreSQL (in-flight ones excluded)."""
    out = []
    for row in stock:
        cid = row["catalog_id"]
        if cid in in_flight:
            continue
        doc = docs.get(cid)
        if doc is None:
            out.append({"catalog_id": cid, "kind": "missing-in-catalog", "postgres": row["units"], "catalog": None})
            continue
        avail = doc.get("availability") or {}
        if avail.get("units") != max(row["units"], 0) or avail.get("skus_in_stock") != row["skus_in_stock"]:
            out.append(
                {
                    "catalog_id": cid,
                    "kind": "availability-differs",
                    "postgres": {"units": row["units"], "skus_in_stock": row["skus_in_stock"]},
                    "catalog": {"units": avail.get("units"), "skus_in_stock": avail.get("skus_in_stock")},
                }
            )
    return out


@runbook(
    "inventory-reconciliation",
    "Reconcile stock with the catalog's availability",
    "compare PostgreSQL stock with the catalog's availability summaries; --execute re-emits events; exit 3 on "
    "mismatches",
    changes=("postgres:SQL",),
)
def reconcile(ctx: Context) -> int:
    try:
        with ctx.step("Read PostgreSQL stock per catalog product and the outbox's in-flight products"):
            stock = sql_read(ctx, STOCK_SQL)
            in_flight = {r["catalog_id"] for r in sql_read(ctx, IN_FLIGHT_SQL) if r["catalog_id"]}
            ctx.measure("products", len(stock))
            ctx.measure("in_flight", len(in_flight))
        with ctx.step(
            "Read the catalog's availability summaries and compare",
            verify="every product's units and SKUs in stock equal PostgreSQL's",
        ):
            ctx.record_call("read", "mongodb", "products.find", "catalog", {"projection": ["availability"]})
            docs = {d["_id"]: d for d in catalog_db(ctx).products.find({}, {"availability": 1})}
            mismatches = compare(stock, docs, in_flight)
            for m in mismatches:
                ctx.observe(
                    f"{m['catalog_id']} consistent",
                    False,
                    f"{m['kind']}: postgres {m['postgres']}, catalog {m['catalog']}",
                )
            ctx.measure("mismatches", mismatches)
        with ctx.step(
            f"Re-emit an AvailabilityResync event for each of the {len(mismatches)} mismatches",
            verify="the relay publishes them and a re-run finds no mismatch",
        ):
            if not mismatches:
                ctx.skip("nothing to repair")
            for m in mismatches:
                sql_change(
                    ctx,
                    "INSERT INTO outbox (aggregate_type, aggregate_id, event_type, payload) VALUES "
                    "('product', %s, 'AvailabilityResync', jsonb_build_object('catalog_id', %s::text, "
                    "'reason', 'inventory-reconciliation'))",
                    (m["catalog_id"], m["catalog_id"]),
                )
        return EXIT_MISMATCHES if mismatches else 0
    finally:
        close(ctx)
