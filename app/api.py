"""The HTTP API: one ASGI app, independent of where it runs (uvicorn locally, Mangum on AWS Lambda).

The routes live one module per resource in ``app/routers`` (each depends on ``deps.ServicesDep`` and, for customer
routes, ``deps.CustomerDep``); this module builds the app around them: the services of the process, the body guard,
the error handlers and the offline API docs.

Every error is JSON ``{"error": {"code", "message", ...}}`` naming the field (400/422), the id (404), the
SKU (409) or the store (503). Tracebacks go to the server log, never into a response.
"""

from __future__ import annotations

import importlib
import logging
import threading
import uuid
from contextlib import asynccontextmanager
from typing import Any

import psycopg
import pymongo.errors
import redis.exceptions
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import __version__, routers
from .errors import AppError, StoreUnavailable
from .http import MAX_BODY_BYTES, BodyGuard
from .services import Services
from .settings import Settings

log = logging.getLogger("ecomart.api")


# -- error handling -----------------------------------------------------------------------------------
def _field_name(loc: tuple) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path", "header")]
    name = ""
    for p in parts:
        name += f"[{p}]" if isinstance(p, int) else (("." if name else "") + str(p))
    return name or "body"


def _error(status: int, body: dict, headers: dict | None = None) -> JSONResponse:
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
        return _error(
            status,
            {
                "error": {
                    "code": "validation_error",
                    "message": f"{first['field']}: {first['message']}",
                    "field": first["field"],
                    "fields": fields,
                }
            },
        )

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
def create_app(services: Services | None = None, settings: Settings | None = None) -> FastAPI:
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
    app.state.get_services = get_services  # what deps.get_services hands every route
    install_error_handlers(app)
    app.add_middleware(BodyGuard)
    _install_docs(app)
    for name in routers.ORDER:
        app.include_router(importlib.import_module(f"{routers.__name__}.{name}").router)
    _require_idempotency_key_in_schema(app)
    return app


def _install_docs(app: FastAPI) -> None:
    """Swagger UI from the swagger-ui-bundle package (no CDN): /docs renders offline."""
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/static/swagger-ui", StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - docs",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/swagger-ui/favicon-32x32.png",
        )


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
