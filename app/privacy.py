"""Erasure (GDPR art. 17 / CCPA deletion) across the three stores.

PostgreSQL keeps the orders (tax law) with the customer's PII overwritten; MongoDB loses every document the
customer owns and their reviews (the products' rating summaries are corrected); Redis loses their cached
recommendations. Each step is idempotent, so a failed erasure is simply run again.
"""

from __future__ import annotations

import psycopg

from .mongo import MongoHandle
from .orders import erase_customer
from .redis_stores import JsonCache

CUSTOMER_COLLECTIONS = ("customer_profiles", "order_analytics", "recommendations")


def erase_documents(mongo: MongoHandle, customer_id: int) -> dict[str, int]:
    """Delete the customer's documents and reviews from MongoDB; returns what was removed per collection."""
    db = mongo.db
    removed = {coll: db[coll].delete_many({"customerId": customer_id}).deleted_count for coll in CUSTOMER_COLLECTIONS}
    reviews = 0
    for bucket in list(db.reviews.find({"reviews.customerId": customer_id})):
        theirs = [r for r in bucket["reviews"] if r.get("customerId") == customer_id]
        res = db.reviews.update_one(
            {"_id": bucket["_id"], "reviews.customerId": customer_id},
            {"$pull": {"reviews": {"customerId": customer_id}}, "$inc": {"count": -len(theirs)}},
        )
        if res.modified_count != 1:
            continue  # a concurrent erasure got there first
        reviews += len(theirs)
        drop_sum = sum(r["rating"] for r in theirs)
        db.products.update_one(
            {"_id": bucket["productId"]},
            [
                {
                    "$set": {
                        "rating.count": {"$max": [0, {"$subtract": ["$rating.count", len(theirs)]}]},
                        "rating.sum": {"$max": [0, {"$subtract": ["$rating.sum", drop_sum]}]},
                    }
                },
                {
                    "$set": {
                        "rating.avg": {
                            "$cond": [{"$gt": ["$rating.count", 0]}, {"$divide": ["$rating.sum", "$rating.count"]}, 0]
                        }
                    }
                },
            ],
        )
    removed["reviews"] = reviews
    return removed


def erase_customer_everywhere(
    conn: psycopg.Connection, mongo: MongoHandle, customer_id: int, reco_cache: JsonCache | None = None
) -> dict[str, int]:
    erase_customer(conn, customer_id)
    removed = erase_documents(mongo, customer_id)
    if reco_cache is not None:
        reco_cache.invalidate(customer_id)
    return removed
