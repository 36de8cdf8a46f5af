"""A customer's recommendations (materialized in MongoDB, cached in Redis)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Response

from ..deps import CustomerDep, ServicesDep
from ..errors import NotFound
from ..schemas import AUTH_ERRORS, ERRORS, MAX_ID

router = APIRouter(tags=["recommendations"])


@router.get("/customers/{customer_id}/recommendations", responses={**ERRORS, **AUTH_ERRORS})
def recommendations(
    response: Response, svc: ServicesDep, who: CustomerDep, customer_id: int = Path(gt=0, le=MAX_ID)
) -> dict[str, Any]:
    """Top two highest-rated products in each category the customer bought from (materialized, cached)."""
    if customer_id != who.customer_id:
        raise NotFound("customer", customer_id)
    doc, source = svc.recommendations.get(customer_id)
    response.headers["X-Cache"] = {"cache": "HIT", "store": "MISS"}.get(source, "BYPASS")
    if doc is None:  # not materialized yet (e.g. no order relayed): check the customer, materialize now
        orders = svc.require_orders()
        with orders.pool.connection(timeout=svc.settings.pg_pool_timeout) as conn:
            known = conn.execute(
                "SELECT country FROM customers WHERE id = %s AND erased_at IS NULL", (customer_id,)
            ).fetchone()
        if not known:
            raise NotFound("customer", customer_id)
        svc.recommendations.refresh_customers([customer_id], {customer_id: known[0]})
        doc, _ = svc.recommendations.get(customer_id)
    return {"customer_id": customer_id, **(doc or {"by_category": []})}
