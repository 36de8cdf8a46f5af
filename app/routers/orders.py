"""Orders: placed in one PostgreSQL transaction (or queued while orders are read-only), read back by their
customer only."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Header, Path
from fastapi.responses import JSONResponse

from ..deps import CustomerDep, ServicesDep
from ..errors import InvalidInput, NotFound
from ..http import header_text
from ..orders import IDEMPOTENCY_KEY_RE, OrderLine, validate_lines
from ..public_ids import PATTERN as ORDER_ID_PATTERN
from ..read_only import outcome as queued_outcome
from ..schemas import AUTH_ERRORS, BODY_ERRORS, ERRORS, OrderIn, OrderOut
from ..services import Services

router = APIRouter(tags=["orders"])


@router.post(
    "/orders",
    status_code=201,
    response_model=OrderOut,
    responses={
        **BODY_ERRORS,
        **AUTH_ERRORS,
        202: {
            "description": "orders are read-only (PostgreSQL is down): the order is queued; its "
            "status_url tells the outcome"
        },
        200: {
            "model": OrderOut,
            "description": "a retry with the same Idempotency-Key: the order "
            "placed by the first request (header "
            "Idempotent-Replayed: true)",
        },
    },
)
def place_order(
    body: OrderIn,
    svc: ServicesDep,
    who: CustomerDep,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        description="Required; 8-200 chars. Retries with the same key return the same order and never charge twice.",
    ),
    device_id: str | None = Header(
        None,
        alias="X-Device-Id",
        min_length=1,
        max_length=200,
        description="Optional: the client's device id (fraud review links customers by it, as a fingerprint)",
    ),
) -> dict:
    """Place an order in one PostgreSQL transaction (stock, order, items, pending payment, outbox event)."""
    if not idempotency_key:
        raise InvalidInput("Idempotency-Key", "header is required for POST /orders", status=400)
    if body.customer_id is not None and body.customer_id != who.customer_id:
        raise InvalidInput(
            "customer_id", "must be the authenticated customer (the token's; omit it)", value=body.customer_id
        )
    if svc.read_only is not None and svc.read_only.is_on():
        return queue_order(svc, who.customer_id, body, header_text(idempotency_key), header_text(device_id))
    order, created = svc.require_orders().place_order(
        who.customer_id, [OrderLine(i.sku, i.quantity) for i in body.items], header_text(idempotency_key)
    )
    # The hot path: the service built this dict to OrderOut's shape (schemathesis checks it against the
    # schema), so it is sent as it is instead of being validated and serialized a second time.
    order = {**order, "id": svc.require_order_ids().public(order["id"])}
    if created:
        svc.record_customer_links(
            who.customer_id, payment=body.payment_token, device=header_text(device_id), address=body.shipping_address
        )
        return JSONResponse(order, status_code=201, headers={"Location": f"/orders/{order['id']}"})
    return JSONResponse(order, status_code=200, headers={"Idempotent-Replayed": "true"})


def queue_order(
    svc: Services, customer_id: int, body: OrderIn, key: str | None, device: str | None = None
) -> JSONResponse:
    """Read-only mode: the order is validated, queued durably and placed when PostgreSQL is back (202). Its fraud
    links travel as fingerprints (the queue never holds the values) and are recorded when it is placed."""
    if not re.fullmatch(IDEMPOTENCY_KEY_RE, key or ""):
        raise InvalidInput("Idempotency-Key", "must be 8-200 characters of A-Z a-z 0-9 _ . : -", status=400, value=key)
    lines = validate_lines([OrderLine(i.sku, i.quantity) for i in body.items])
    status = svc.intake.enqueue(
        customer_id,
        [{"sku": line.sku, "quantity": line.quantity} for line in lines],
        key,
        svc.customer_fingerprints(payment=body.payment_token, device=device, address=body.shipping_address),
    )
    url = f"/orders/queued/{status['tracking']}"
    return JSONResponse({**status, "status_url": url}, status_code=202, headers={"Location": url})


@router.get("/orders/queued/{tracking}", responses={**ERRORS, **AUTH_ERRORS})
def queued_order(
    svc: ServicesDep, who: CustomerDep, tracking: str = Path(pattern=r"^q_[0-9a-f]{32}$")
) -> dict[str, Any]:
    """The outcome of an order accepted while orders were read-only: queued, placed (with its order) or
    refused (with the reason)."""
    found = queued_outcome(tracking, svc.redis, svc.pool)
    if found.get("customer_id") != who.customer_id:
        raise NotFound("queued order", tracking)
    if found.get("order_id") is not None:
        public = svc.require_order_ids().public(found["order_id"])
        found = {**found, "order_id": public, "order_url": f"/orders/{public}"}
    return found


@router.get("/orders/{order_id}", responses={**ERRORS, **AUTH_ERRORS}, response_model=OrderOut)
def get_order(svc: ServicesDep, who: CustomerDep, order_id: str = Path(pattern=ORDER_ID_PATTERN)) -> dict:
    internal = svc.require_order_ids().internal(order_id)
    if internal is None:
        raise NotFound("order", order_id)  # not an id this deployment issued
    try:
        order = svc.require_orders().get_order(internal)
    except NotFound:
        raise NotFound("order", order_id) from None  # never echo the internal id
    if order["customer_id"] != who.customer_id:
        raise NotFound("order", order_id)  # the same answer as for an id that does not exist
    return {**order, "id": order_id}
