"""The HTTP API: one ASGI app, independent of where it runs (uvicorn locally, Mangum on AWS Lambda).

Every error is JSON ``{"error": {"code", "message", ...}}`` naming the field (400/422), the id (404), the
SKU (409) or the store (503). Tracebacks go to the server log, never into a response.
"""

from __future__ import annotations

import logging
import threading
import uuid
from contextlib import asynccontextmanager
from typing import Any, Optional

import psycopg
import pymongo.errors
import redis.exceptions
from fastapi import FastAPI, Header, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import __version__
from .catalog import PRODUCT_ID_RE, SKU_RE, ListQuery, price_to_cents
from .errors import AppError, InvalidInput, NotFound, StoreUnavailable
from .orders import MAX_LINES, MAX_QUANTITY, OrderLine
from .redis_stores import CartStore
from .services import Services
from .settings import Settings

log = logging.getLogger("ecomart.api")

CART_ID_RE = r"^[A-Za-z0-9_-]{8,64}$"
CATEGORY_RE = r"^[a-z0-9][a-z0-9-]{0,63}$"
MAX_ID = 2**63 - 1


# -- request/response models (they are the OpenAPI document) -----------------------------------------
class CartItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str = Field(pattern=SKU_RE, description="A sellable SKU (for apparel: a variant SKU)")
    quantity: int = Field(default=1, ge=1, le=CartStore.MAX_PER_LINE, strict=True)


class CartLineOut(BaseModel):
    sku: str
    product_id: str
    name: str
    variant: Optional[dict] = None
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
    quantity: int = Field(ge=1, le=MAX_QUANTITY, strict=True)


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: int = Field(gt=0, le=MAX_ID, strict=True)
    items: list[OrderLineIn] = Field(min_length=1, max_length=MAX_LINES)


class OrderItemOut(BaseModel):
    sku: str
    quantity: int
    unit_price_cents: int


class PaymentOut(BaseModel):
    id: int
    amount_cents: int
    currency: str
    status: str


class OrderOut(BaseModel):
    id: int
    customer_id: int
    status: str
    total_cents: int
    currency: str
    created_at: str
    items: list[OrderItemOut]
    payment: Optional[PaymentOut]


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorDetail


ERRORS = {status: {"model": ErrorOut} for status in (400, 404, 409, 422, 503)}


# -- error handling -----------------------------------------------------------------------------------
def _field_name(loc: tuple) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path", "header")]
    name = ""
    for p in parts:
        name += f"[{p}]" if isinstance(p, int) else (("." if name else "") + str(p))
    return name or "body"


def _error(status: int, body: dict, headers: Optional[dict] = None) -> JSONResponse:
    return JSONResponse(status_code=status, content=body, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(_: Request, exc: AppError) -> JSONResponse:
        headers = {"Retry-After": "5"} if exc.status == 503 else None
        return _error(exc.status, exc.body(), headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = []
        status = 422
        for err in exc.errors():
            name = _field_name(tuple(err.get("loc", ())))
            if err.get("type") == "json_invalid":
                status = 400
                name = "body"
            fields.append({"field": name, "message": err.get("msg", "invalid")})
        first = fields[0] if fields else {"field": "body", "message": "invalid request"}
        return _error(status, {"error": {"code": "validation_error", "message": f"{first['field']}: {first['message']}",
                                         "field": first["field"], "fields": fields}})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _error(exc.status_code, {"error": {"code": code, "message": str(exc.detail)}})

    def store_down(store: str):
        async def handler(_: Request, exc: Exception) -> JSONResponse:
            log.warning("%s unavailable: %s", store, exc)
            return _error(503, StoreUnavailable(store, type(exc).__name__).body(), {"Retry-After": "5"})
        return handler

    for exc_type in (psycopg.OperationalError, PoolTimeout):
        app.add_exception_handler(exc_type, store_down("postgresql"))
    for exc_type in (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
        app.add_exception_handler(exc_type, store_down("redis"))
    app.add_exception_handler(pymongo.errors.ConnectionFailure, store_down("mongodb"))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        ref = uuid.uuid4().hex[:12]
        log.exception("unhandled error (ref %s)", ref)
        return _error(500, {"error": {"code": "internal_error", "message": f"internal error (ref {ref})"}})


# -- app --------------------------------------------------------------------------------------------
def create_app(services: Optional[Services] = None, settings: Optional[Settings] = None) -> FastAPI:
    """The ASGI app. With ``services`` the caller owns them; otherwise they are built from the environment
    on first use (once per process / Lambda container) and closed at shutdown."""
    state: dict[str, Any] = {"services": services, "owned": services is None}
    lock = threading.Lock()

    def get_services() -> Services:
        if state["services"] is None:
            with lock:
                if state["services"] is None:
                    state["services"] = Services.build(settings or Settings.from_env())
        return state["services"]

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        yield
        if state["owned"] and state["services"] is not None:
            state["services"].close()
            state["services"] = None

    app = FastAPI(
        title="EcoMart order and catalog service",
        version=__version__,
        description="Catalog in MongoDB, orders/inventory/payments in PostgreSQL, cache/carts/sessions in Redis.",
        lifespan=lifespan,
    )
    app.state.get_services = get_services
    install_error_handlers(app)

    @app.get("/health", tags=["ops"])
    def health(response: Response) -> dict:
        """Each store's status (and the outbox relay's lag). 200 unless every store is down."""
        report = get_services().health()
        if not any(s["ok"] for s in report["stores"].values()):
            response.status_code = 503
        return report

    @app.get("/products/{product_id}", tags=["catalog"], responses=ERRORS)
    def get_product(response: Response, product_id: str = Path(pattern=PRODUCT_ID_RE)) -> dict[str, Any]:
        """A product (through the Redis cache; straight from MongoDB when Redis is down)."""
        svc = get_services()
        doc, source = svc.product_cache.get_or_load(product_id, lambda: svc.catalog.get_public(product_id))
        response.headers["X-Cache"] = {"cache": "HIT", "store": "MISS"}.get(source, "BYPASS")
        if doc is None:
            raise NotFound("product", product_id)
        return doc

    @app.get("/products", tags=["catalog"], responses=ERRORS)
    def list_products(
        category: Optional[str] = Query(None, pattern=CATEGORY_RE),
        certification: Optional[str] = Query(None, min_length=1, max_length=100),
        min_price: Optional[str] = Query(None, description="EUR, e.g. 4.99"),
        max_price: Optional[str] = Query(None, description="EUR, e.g. 20"),
        q: Optional[str] = Query(None, min_length=1, max_length=200, description="text search"),
        sort: str = Query("relevance", pattern=r"^(relevance|price_asc|price_desc|rating|name)$"),
        limit: int = Query(20, ge=1, le=100),
        offset: int = Query(0, ge=0, le=10_000),
    ) -> dict[str, Any]:
        """Filter by category, certification (currently valid) and price range, or search text; with facet counts."""
        lo = price_to_cents("min_price", min_price)
        hi = price_to_cents("max_price", max_price)
        if lo is not None and hi is not None and lo > hi:
            raise InvalidInput("min_price", f"must not exceed max_price ({min_price} > {max_price})", value=min_price)
        return get_services().catalog.list_products(ListQuery(
            category=category, certification=certification, min_cents=lo, max_cents=hi, q=q, limit=limit,
            offset=offset, sort=sort))

    def cart_view(svc: Services, cart_id: str) -> CartOut:
        lines = svc.carts.get(cart_id)
        if not lines:
            raise NotFound("cart", cart_id)
        found = svc.catalog.lookup_skus(lines)
        items = []
        for sku, qty in sorted(lines.items()):
            if sku not in found:
                continue  # withdrawn from the catalog since it was added
            doc, variant = found[sku]
            unit = doc["price"]["amount_cents"]
            items.append(CartLineOut(sku=sku, product_id=doc["_id"], name=doc["name"], quantity=qty,
                                     variant={k: variant[k] for k in ("size", "colour") if k in variant} if variant else None,
                                     unit_price_cents=unit, line_total_cents=unit * qty))
        return CartOut(cart_id=cart_id, items=items, total_cents=sum(i.line_total_cents for i in items),
                       currency="EUR", expires_in_seconds=max(svc.carts.ttl_of(cart_id), 0))

    @app.post("/carts/{cart_id}/items", tags=["carts"], status_code=201, responses=ERRORS, response_model=CartOut)
    def add_to_cart(item: CartItemIn, cart_id: str = Path(pattern=CART_ID_RE)) -> CartOut:
        """Add units of a SKU to a cart (a Redis hash that expires 7 days after the last change)."""
        svc = get_services()
        svc.catalog.find_by_sku(item.sku)  # 404 naming the SKU if it is not in the catalog
        svc.carts.add(cart_id, item.sku, item.quantity)
        return cart_view(svc, cart_id)

    @app.get("/carts/{cart_id}", tags=["carts"], responses=ERRORS, response_model=CartOut)
    def get_cart(cart_id: str = Path(pattern=CART_ID_RE)) -> CartOut:
        return cart_view(get_services(), cart_id)

    @app.post("/orders", tags=["orders"], status_code=201, responses=ERRORS, response_model=OrderOut)
    def place_order(
        body: OrderIn,
        response: Response,
        idempotency_key: Optional[str] = Header(None, alias="Idempotency-Key",
                                                description="Required; 8-200 chars. Retries with the same key "
                                                            "return the same order and never charge twice."),
    ) -> dict:
        """Place an order in one PostgreSQL transaction (stock, order, items, pending payment, outbox event)."""
        if not idempotency_key:
            raise InvalidInput("Idempotency-Key", "header is required for POST /orders", status=400)
        svc = get_services()
        order, created = svc.require_orders().place_order(
            body.customer_id, [OrderLine(i.sku, i.quantity) for i in body.items], idempotency_key)
        if created:
            response.headers["Location"] = f"/orders/{order['id']}"
        else:
            response.status_code = 200
            response.headers["Idempotent-Replayed"] = "true"
        return order

    @app.get("/orders/{order_id}", tags=["orders"], responses=ERRORS, response_model=OrderOut)
    def get_order(order_id: int = Path(gt=0, le=MAX_ID)) -> dict:
        return get_services().require_orders().get_order(order_id)

    @app.get("/customers/{customer_id}/recommendations", tags=["recommendations"], responses=ERRORS)
    def recommendations(response: Response, customer_id: int = Path(gt=0, le=MAX_ID)) -> dict[str, Any]:
        """Top two highest-rated products in each category the customer bought from (materialized, cached)."""
        svc = get_services()
        doc, source = svc.recommendations.get(customer_id)
        response.headers["X-Cache"] = {"cache": "HIT", "store": "MISS"}.get(source, "BYPASS")
        if doc is None:  # not materialized yet (e.g. no order relayed): check the customer, materialize now
            orders = svc.require_orders()
            with orders.pool.connection(timeout=svc.settings.pg_pool_timeout) as conn:
                known = conn.execute("SELECT country FROM customers WHERE id = %s AND erased_at IS NULL",
                                     (customer_id,)).fetchone()
            if not known:
                raise NotFound("customer", customer_id)
            svc.recommendations.refresh_customers([customer_id], {customer_id: known[0]})
            doc, _ = svc.recommendations.get(customer_id)
        return {"customer_id": customer_id, **(doc or {"by_category": []})}

    return app


app = create_app()
