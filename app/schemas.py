"""The API's request and response models and constants: they are its OpenAPI document."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .catalog import CATEGORIES, SKU_RE
from .http import MAX_BODY_BYTES
from .orders import MAX_LINES, MAX_QUANTITY
from .public_ids import PATTERN as ORDER_ID_PATTERN
from .redis_stores import CartStore

CART_ID_RE = r"^[A-Za-z0-9_-]{8,64}$"
Category = Enum("Category", {c.replace("-", "_"): c for c in CATEGORIES}, type=str)  # the OpenAPI enum
PRICE_RE = r"^[0-9]{1,7}(\.[0-9]{1,2})?$"
MAX_ID = 2**63 - 1
SEARCH_MIN_WORD = 2  # q must hold a word of at least this many letters or digits (one letter matches everything)


def _json_int(value: Any) -> Any:
    """JSON has one number type: 4.0 is the integer 4 (JSON Schema's "integer"); 4.5, "4" and true are not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# An integer as JSON Schema means it: 4 and 4.0, never "4" or true (strict after the float is folded).
JsonInt = Annotated[int, BeforeValidator(_json_int)]


# -- request/response models (they are the OpenAPI document) -----------------------------------------
class CartItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str = Field(pattern=SKU_RE, description="A sellable SKU (for apparel: a variant SKU)")
    quantity: JsonInt = Field(default=1, ge=1, le=CartStore.MAX_PER_LINE, strict=True)


class CartLineOut(BaseModel):
    sku: str
    product_id: str
    name: str
    variant: dict | None = None
    quantity: int
    unit_price_cents: int
    line_total_cents: int


class CartOut(BaseModel):
    cart_id: str
    items: list[CartLineOut]
    total_cents: int
    currency: str
    expires_in_seconds: int


class OrderLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str = Field(pattern=SKU_RE)
    quantity: JsonInt = Field(ge=1, le=MAX_QUANTITY, strict=True)


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: JsonInt | None = Field(
        None,
        gt=0,
        le=MAX_ID,
        strict=True,
        description="Optional: the customer is the token's; if given it must be the same",
    )
    items: list[OrderLineIn] = Field(min_length=1, max_length=MAX_LINES)
    # What fraud review links customers by (ADR 0028): kept only as fingerprints, never stored as given.
    shipping_address: str | None = Field(
        None, min_length=1, max_length=500, description="Optional: where it ships (kept only as a fingerprint)"
    )
    payment_token: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        pattern=r"^[A-Za-z0-9_:.-]+$",
        description="Optional: the payment processor's fingerprint of the card (never a card number)",
    )


class OrderItemOut(BaseModel):
    sku: str
    quantity: int
    unit_price_cents: int


class PaymentOut(BaseModel):
    """The order's payment. No id: the payments table's sequence would tell anyone the shop's order volume
    (consecutive orders got consecutive payment ids), and one order has one payment, reached through the order."""

    amount_cents: int
    currency: str
    status: str


class OrderOut(BaseModel):
    id: str = Field(pattern=ORDER_ID_PATTERN, description="opaque: not a sequence number (app/public_ids.py)")
    customer_id: int
    status: str
    total_cents: int
    currency: str
    created_at: str
    items: list[OrderItemOut]
    payment: PaymentOut | None


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorDetail


ERRORS = {status: {"model": ErrorOut} for status in (400, 404, 409, 422, 503)}
AUTH_ERRORS = {
    401: {"model": ErrorOut, "description": "token missing, expired, wrongly signed or for another audience"}
}
BODY_ERRORS = {
    **ERRORS,
    413: {"model": ErrorOut, "description": f"body over {MAX_BODY_BYTES} bytes"},
    415: {"model": ErrorOut, "description": "Content-Type is not application/json"},
}


# --- the back office (app/routers/backoffice.py) -------------------------------------------------------------
STAFF_ERRORS = {
    **AUTH_ERRORS,
    403: {"model": ErrorOut, "description": "the token verifies but its groups lack the back-office group"},
}


class EmployeeOut(BaseModel):
    id: int
    full_name: str
    title: str
    department: str
    manager_id: int | None
    depth: int = Field(description="levels from the employee the query started at (reports: down; chain: up)")


class ReportsOut(BaseModel):
    manager_id: int
    total: int = Field(description="everyone under the manager (within max_depth), not just this page")
    items: list[EmployeeOut]


class ChainOut(BaseModel):
    items: list[EmployeeOut] = Field(description="the employee first, the root last")


class SpanOut(BaseModel):
    manager_id: int
    direct: int
    total: int
    levels: int


class RingOut(BaseModel):
    customers: list[int]
    links: int = Field(description="fingerprints shared inside the group")
    kinds: list[str]


class RingsOut(BaseModel):
    items: list[RingOut]


class StepOut(BaseModel):
    customer_id: int
    via: str | None = Field(description="the kind of link to the previous customer (payment, device, address)")


class PathOut(BaseModel):
    found: bool
    hops: int | None
    steps: list[StepOut]


class LevelBucketOut(BaseModel):
    bucket: dt.datetime
    min: int
    max: int
    last: int


class LevelsOut(BaseModel):
    product_id: int
    items: list[LevelBucketOut] = Field(description="summed over the product's warehouses; empty buckets absent")


class StockOutOut(BaseModel):
    product_id: int
    warehouse_id: int
    first_at: dt.datetime
    points: int


class CategorySalesOut(BaseModel):
    bucket: dt.datetime
    category: str
    units: int
    revenue_cents: int
    lines: int


class TopSellerOut(BaseModel):
    day: dt.datetime
    category: str
    product_id: int
    units: int
    revenue_cents: int


class StockOutsOut(BaseModel):
    items: list[StockOutOut]


class CategorySalesListOut(BaseModel):
    items: list[CategorySalesOut]


class TopSellersOut(BaseModel):
    items: list[TopSellerOut]
