"""Recommendations (the "Amazone" design): for each customer, the two highest-rated products in every
category they bought from (excluding what they already bought), materialized in MongoDB and cached in Redis.

Two materializations, both idempotent:
* ``category_top_rated``: per category, the best-rated active products (refreshed by ``python -m workers
  recommendations-refresh`` on a schedule, and whenever it is empty);
* ``recommendations``: per customer, derived from their ``customer_profiles`` document (categories and
  products bought, maintained by the outbox relay) and the category tops. The relay re-materializes a
  customer after each batch containing their orders and invalidates the cached copy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pymongo

from .catalog import to_public
from .mongo import MongoHandle
from .redis_stores import JsonCache

PER_CATEGORY = 2
KEEP_PER_CATEGORY = 12  # headroom for excluding what the customer already bought


def upsert_replace(collection, filter_: dict, doc: dict) -> None:
    """``replace_one(upsert=True)``, retried once on a duplicate key: two writers (relays) upserting the same new
    ``_id`` race, and the loser's insert collides; the retry then finds the document and replaces it. (MongoDB
    4.2+ retries such an upsert itself; mongomock does not.)"""
    try:
        collection.replace_one(filter_, doc, upsert=True)
    except pymongo.errors.DuplicateKeyError:
        collection.replace_one(filter_, doc, upsert=True)


class Recommendations:
    def __init__(self, handle: MongoHandle, cache: JsonCache | None = None, *, per_category: int = PER_CATEGORY):
        self.handle = handle
        self.db = handle.db
        self.cache = cache
        self.per_category = per_category

    def refresh_category_top(self) -> int:
        """Recompute the best-rated products per category; returns the number of categories written."""
        pipeline = [
            {"$match": {"active": True, "rating.count": {"$gt": 0}}},
            {"$unwind": "$categories"},
            {"$sort": {"rating.avg": -1, "rating.count": -1, "_id": 1}},
            {
                "$group": {
                    "_id": "$categories",
                    "top": {
                        "$push": {
                            "id": "$_id",
                            "name": "$name",
                            "rating": "$rating.avg",
                            "reviews": "$rating.count",
                            "price_cents": "$price.amount_cents",
                        }
                    },
                }
            },
            {"$project": {"top": {"$slice": ["$top", KEEP_PER_CATEGORY]}}},
        ]
        now = dt.datetime.now(dt.UTC)
        rows = list(self.db.products.aggregate(pipeline))
        for row in rows:
            upsert_replace(self.db.category_top_rated, {"_id": row["_id"]}, {"top": row["top"], "generated_at": now})
        seen = [r["_id"] for r in rows]
        self.db.category_top_rated.delete_many({"_id": {"$nin": seen}})
        return len(rows)

    def refresh_customers(self, customer_ids: Iterable[int], locations: dict[int, str] | None = None) -> int:
        """Re-materialize these customers' recommendations. A customer's ``location`` (shard key prefix) comes
        from their profile, or from ``locations`` for customers who have not bought anything yet."""
        ids = sorted(set(int(c) for c in customer_ids))
        if not ids:
            return 0
        if self.db.category_top_rated.estimated_document_count() == 0:
            self.refresh_category_top()
        profiles = {p["_id"]: p for p in self.db.customer_profiles.find({"_id": {"$in": ids}})}
        wanted = sorted({c for p in profiles.values() for c in p.get("categories", [])})
        tops = {t["_id"]: t["top"] for t in self.db.category_top_rated.find({"_id": {"$in": wanted}})}
        now = dt.datetime.now(dt.UTC)
        docs: list[tuple[dict, dict]] = []
        for cid in ids:
            profile = profiles.get(cid, {})
            location = profile.get("location") or (locations or {}).get(cid)
            if not location:
                continue  # unknown home country: never write personal data without its zone key
            bought = set(profile.get("purchased", []))
            by_category = []
            for category in sorted(profile.get("categories", [])):
                picks = [p for p in tops.get(category, []) if p["id"] not in bought][: self.per_category]
                if picks:
                    for p in picks:
                        p["rating"] = round(float(p["rating"]), 2)
                    by_category.append({"category": category, "products": picks})
            owner = {"location": location, "customerId": cid}
            docs.append(({"_id": cid, **owner}, {**owner, "by_category": by_category, "generated_at": now}))
        # One round trip for all of them on a server (the relay refreshes a batch's customers at once); mongomock
        # cannot take pymongo's ReplaceOne in bulk_write, so there they are written one by one.
        if docs and not self.handle.is_mock:
            self.db.recommendations.bulk_write([pymongo.ReplaceOne(f, d, upsert=True) for f, d in docs], ordered=False)
        else:
            for f, d in docs:
                upsert_replace(self.db.recommendations, f, d)
        if self.cache is not None and docs:
            self.cache.invalidate_many(f["_id"] for f, _ in docs)
        return len(docs)

    def get(self, customer_id: int) -> tuple[dict | None, str]:
        """(materialized recommendations or None, source) through the cache."""

        def load() -> dict | None:
            doc = self.db.recommendations.find_one({"_id": customer_id})
            if not doc:
                return None
            return {k: v for k, v in to_public(doc).items() if k in ("by_category", "generated_at")}

        if self.cache is None:
            return load(), "store"
        return self.cache.get_or_load(customer_id, load)
