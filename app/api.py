"""The HTTP API: one ASGI app, independent of where it runs (uvicorn locally, Mangum on AWS Lambda).

Every error is JSON ``{"error": {"code", "message", ...}}`` naming the field (400/422), the id (404), the
SKU (409) or the store (503). Tracebacks go to the server log, never into a response.
"""

from __future__ import annotations

import logging
import re
from enum import Enum
import threading
import uuid
from contextlib import asynccontextmanager
from typing import Any, Optional

import psycopg
import pymongo.errors
import redis.exceptions
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Path, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from psycopg_pool import PoolTimeout
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import __version__
from .auth import Authenticator, Principal
from .catalog import CATEGORIES, PRODUCT_ID_RE, SKU_RE, ListQuery, price_to_cents
from .errors import AppError, InvalidInput, NotFound, ProductUnavailable, StoreUnavailable
from .orders import IDEMPOTENCY_KEY_RE, MAX_LINES, MAX_QUANTITY, OrderLine, validate_lines
from .public_ids import PATTERN as ORDER_ID_PATTERN
from .read_only import outcome as queued_outcome
from .redis_stores import CartStore
from .services import Services
from .settings import Settings

log = logging.getLogger("ecomart.api")

CART_ID_RE = r"^[A-Za-z0-9_-]{8,64}$"
Category = Enum("Category", {c.replace("-", "_"): c for c in CATEGORIES}, type=str)  # the OpenAPI enum
PRICE_RE = r"^[0-9]{1,7}(\.[0-9]{1,2})?$"
MAX_ID = 2**63 - 1
MAX_BODY_BYTES = 64 * 1024  # request bodies above this are refused (413) before they are read or parsed
SEARCH_MIN_WORD = 2  # q must hold a word of at least this many letters or digits (one letter matches everything)
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


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
    quantity: JsonInt = Field(ge=1, le=MAX_QUANTITY, strict=True)


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: Optional[JsonInt] = Field(None, gt=0, le=MAX_ID, strict=True,
                                           description="Optional: the customer is the token's; if given it must "
                                                       "be the same")
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
    id: str = Field(pattern=ORDER_ID_PATTERN, description="opaque: not a sequence number (app/public_ids.py)")
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
AUTH_ERRORS = {401: {"model": ErrorOut, "description": "token missing, expired, wrongly signed or for another "
                                                        "audience"}}
BODY_ERRORS = {**ERRORS, 413: {"model": ErrorOut, "description": f"body over {MAX_BODY_BYTES} bytes"},
               415: {"model": ErrorOut, "description": "Content-Type is not application/json"}}


class BodyGuard:
    """ASGI middleware: a body over MAX_BODY_BYTES is 413 and a body that is not ``application/json`` is 415,
    both decided before the body is parsed (the declared Content-Length first, then the bytes as they stream)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            await self._reject(send, 413, "payload_too_large",
                               f"request body over {MAX_BODY_BYTES} bytes (Content-Length {length[:20]})")
            return
        media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media != "application/json" and (length not in (None, "0") or "transfer-encoding" in headers):
            await self._reject(send, 415, "unsupported_media_type",
                               f"Content-Type must be application/json, got {media or '(none)'!r}"[:120])
            return
        # Read the body here, at most MAX_BODY_BYTES of it, then hand it to the app: the limit holds for a body
        # without Content-Length (chunked) too, and nothing downstream ever sees more than the limit.
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay(b"", message), send)  # the client went away: let the app see it
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_BODY_BYTES:
                await self._reject(send, 413, "payload_too_large", f"request body over {MAX_BODY_BYTES} bytes")
                return
        await self.app(scope, _replay(body, None), send)

    @staticmethod
    async def _reject(send: Any, status: int, code: str, message: str) -> None:
        await JSONResponse(status_code=status, content={"error": {"code": code, "message": message}})(
            {"type": "http"}, None, send)


def _replay(body: bytes, final: Optional[dict]) -> Any:
    """An ASGI ``receive`` that delivers ``body`` once, then ``final`` (or a disconnect) like the server would."""
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return final if final is not None else {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


def header_text(raw: Optional[str]) -> Optional[str]:
    """A header value as the client wrote it: ASGI hands headers over as latin-1, clients send UTF-8."""
    if raw is None:
        return None
    try:
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw


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
        if exc.status == 401:
            headers = {"WWW-Authenticate": 'Bearer realm="ecomart"'}
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
        # exc.headers carries Allow on a 405 (RFC 9110 requires it).
        return _error(exc.status_code, {"error": {"code": code, "message": str(exc.detail)}}, exc.headers)

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
        description="Catalog in MongoDB, orders/inventory/payments in PostgreSQL, cache/carts/sessions in Redis. "
                    f"Request bodies are JSON (Content-Type application/json) of at most {MAX_BODY_BYTES} bytes.",
        lifespan=lifespan,
        docs_url=None,  # served below from the packaged Swagger UI: no CDN, works offline
        redoc_url=None,
    )
    app.state.get_services = get_services
    bearer = HTTPBearer(auto_error=False, description="A JWT of the configured issuer (AUTH_ISSUER); on Lambda "
                                                      "API Gateway's JWT authorizer verifies it first")

    def current_customer(request: Request,
                         _credentials: Optional[HTTPAuthorizationCredentials] = Depends(bearer)) -> Principal:
        """The verified customer of this request (401 otherwise); customer routes depend on it."""
        svc = get_services()
        auth = state.get("auth")
        if auth is None:
            auth = state["auth"] = Authenticator(svc.settings.auth)
        return auth.principal(request.headers, request.scope)
    install_error_handlers(app)
    app.add_middleware(BodyGuard)
    _install_docs(app)

    @app.get("/health", tags=["ops"], responses={503: {"description": "every store is down (same body)"}})
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
        category: Optional[Category] = Query(None, description="one of the catalog's categories"),
        certification: Optional[str] = Query(None, min_length=1, max_length=100),
        min_price: Optional[str] = Query(None, pattern=PRICE_RE, description="EUR, e.g. 4.99"),
        max_price: Optional[str] = Query(None, pattern=PRICE_RE, description="EUR, e.g. 20"),
        q: Optional[str] = Query(None, min_length=SEARCH_MIN_WORD, max_length=200, pattern=rf"\w{{{SEARCH_MIN_WORD}}}",
                                 description=f"text search; needs a word of at least {SEARCH_MIN_WORD} letters or "
                                             "digits (punctuation and single letters are ignored)"),
        sort: str = Query("relevance", pattern=r"^(relevance|price_asc|price_desc|rating|name)$"),
        limit: int = Query(20, ge=1, le=100),
        offset: int = Query(0, ge=0, le=10_000),
    ) -> dict[str, Any]:
        """Filter by category, certification (currently valid) and price range, or search text; with facet counts."""
        if q is not None and not re.search(rf"\w{{{SEARCH_MIN_WORD},}}", q):
            raise InvalidInput("q", f"must contain a word of at least {SEARCH_MIN_WORD} letters or digits",
                               value=q)
        svc = get_services()
        lo = price_to_cents("min_price", min_price)
        hi = price_to_cents("max_price", max_price)
        if lo is not None and hi is not None and lo > hi:
            raise InvalidInput("min_price", f"must not exceed max_price ({min_price} > {max_price})", value=min_price)
        return svc.catalog.list_products(ListQuery(
            category=category.value if category is not None else None, certification=certification, min_cents=lo, max_cents=hi, q=q, limit=limit,
            offset=offset, sort=sort))

    def cart_key(who: Principal, cart_id: str) -> str:
        """Carts live under their customer: another customer's cart id is simply not found."""
        return f"c{who.customer_id}.{cart_id}"

    def cart_view(svc: Services, cart_id: str, who: Principal) -> CartOut:
        key = cart_key(who, cart_id)
        lines = svc.carts.get(key)
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
                       currency="EUR", expires_in_seconds=max(svc.carts.ttl_of(key), 0))

    @app.post("/carts/{cart_id}/items", tags=["carts"], status_code=201, responses={**BODY_ERRORS, **AUTH_ERRORS},
              response_model=CartOut)
    def add_to_cart(item: CartItemIn, cart_id: str = Path(pattern=CART_ID_RE),
                    who: Principal = Depends(current_customer)) -> CartOut:
        """Add units of a SKU to a cart (a Redis hash that expires 7 days after the last change)."""
        svc = get_services()
        doc, _ = svc.catalog.find_by_sku(item.sku)  # 404 naming the SKU if it is not in the catalog
        if not doc.get("active", False):
            raise ProductUnavailable(item.sku)  # 409 now, not at order time
        svc.carts.add(cart_key(who, cart_id), item.sku, item.quantity)
        return cart_view(svc, cart_id, who)

    @app.get("/carts/{cart_id}", tags=["carts"], responses={**ERRORS, **AUTH_ERRORS}, response_model=CartOut)
    def get_cart(cart_id: str = Path(pattern=CART_ID_RE), who: Principal = Depends(current_customer)) -> CartOut:
        return cart_view(get_services(), cart_id, who)

    @app.post("/orders", tags=["orders"], status_code=201, response_model=OrderOut,
              responses={**BODY_ERRORS, **AUTH_ERRORS, 202: {"description": "orders are read-only (PostgreSQL is down): the order "
                                                       "is queued; its status_url tells the outcome"},
                         200: {"model": OrderOut, "description": "a retry with the same "
                                                  "Idempotency-Key: the order placed by the first request "
                                                  "(header Idempotent-Replayed: true)"}})
    def place_order(
        body: OrderIn,
        idempotency_key: Optional[str] = Header(None, alias="Idempotency-Key",
                                                description="Required; 8-200 chars. Retries with the same key "
                                                            "return the same order and never charge twice."),
        who: Principal = Depends(current_customer),
    ) -> dict:
        """Place an order in one PostgreSQL transaction (stock, order, items, pending payment, outbox event)."""
        if not idempotency_key:
            raise InvalidInput("Idempotency-Key", "header is required for POST /orders", status=400)
        if body.customer_id is not None and body.customer_id != who.customer_id:
            raise InvalidInput("customer_id", "must be the authenticated customer (the token's; omit it)",
                               value=body.customer_id)
        svc = get_services()
        if svc.read_only is not None and svc.read_only.is_on():
            return queue_order(svc, who.customer_id, body, header_text(idempotency_key))
        order, created = svc.require_orders().place_order(
            who.customer_id, [OrderLine(i.sku, i.quantity) for i in body.items], header_text(idempotency_key))
        # The hot path: the service built this dict to OrderOut's shape (schemathesis checks it against the
        # schema), so it is sent as it is instead of being validated and serialized a second time.
        order = {**order, "id": svc.require_order_ids().public(order["id"])}
        if created:
            return JSONResponse(order, status_code=201, headers={"Location": f"/orders/{order['id']}"})
        return JSONResponse(order, status_code=200, headers={"Idempotent-Replayed": "true"})

    def queue_order(svc: Services, customer_id: int, body: OrderIn, key: str) -> JSONResponse:
        """Read-only mode: the order is validated, queued durably and placed when PostgreSQL is back (202)."""
        if not re.fullmatch(IDEMPOTENCY_KEY_RE, key or ""):
            raise InvalidInput("Idempotency-Key", "must be 8-200 characters of A-Z a-z 0-9 _ . : -", status=400,
                               value=key)
        lines = validate_lines([OrderLine(i.sku, i.quantity) for i in body.items])
        status = svc.intake.enqueue(customer_id, [{"sku": l.sku, "quantity": l.quantity} for l in lines], key)
        url = f"/orders/queued/{status['tracking']}"
        return JSONResponse({**status, "status_url": url}, status_code=202, headers={"Location": url})

    @app.get("/orders/queued/{tracking}", tags=["orders"], responses={**ERRORS, **AUTH_ERRORS})
    def queued_order(tracking: str = Path(pattern=r"^q_[0-9a-f]{32}$"),
                     who: Principal = Depends(current_customer)) -> dict[str, Any]:
        """The outcome of an order accepted while orders were read-only: queued, placed (with its order) or
        refused (with the reason)."""
        svc = get_services()
        found = queued_outcome(tracking, svc.redis, svc.pool)
        if found.get("customer_id") != who.customer_id:
            raise NotFound("queued order", tracking)
        if found.get("order_id") is not None:
            public = svc.require_order_ids().public(found["order_id"])
            found = {**found, "order_id": public, "order_url": f"/orders/{public}"}
        return found

    @app.get("/orders/{order_id}", tags=["orders"], responses={**ERRORS, **AUTH_ERRORS}, response_model=OrderOut)
    def get_order(order_id: str = Path(pattern=ORDER_ID_PATTERN), who: Principal = Depends(current_customer)) -> dict:
        svc = get_services()
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

    @app.get("/customers/{customer_id}/recommendations", tags=["recommendations"],
             responses={**ERRORS, **AUTH_ERRORS})
    def recommendations(response: Response, customer_id: int = Path(gt=0, le=MAX_ID),
                        who: Principal = Depends(current_customer)) -> dict[str, Any]:
        if customer_id != who.customer_id:
            raise NotFound("customer", customer_id)
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

    _require_idempotency_key_in_schema(app)
    return app


def _install_docs(app: FastAPI) -> None:
    """Swagger UI from the swagger-ui-bundle package (no CDN): /docs renders offline."""
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/static/swagger-ui", StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} - docs",
                                   swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
                                   swagger_css_url="/static/swagger-ui/swagger-ui.css",
                                   swagger_favicon_url="/static/swagger-ui/favicon-32x32.png")


def _require_idempotency_key_in_schema(app: FastAPI) -> None:
    """The header is required (400 without it), though the handler takes it as optional so that its absence is
    answered with our own 400 instead of a generic 422: say so in the OpenAPI document."""
    base = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = base()
        for param in schema["paths"]["/orders"]["post"].get("parameters", []):
            if param.get("name") == "Idempotency-Key":
                param["required"] = True
                param["schema"] = {"type": "string", "pattern": r"^[A-Za-z0-9_.:-]{8,200}$"}
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


app = create_app()
