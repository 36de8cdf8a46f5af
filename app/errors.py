"""Domain errors. Each maps to one HTTP status in app/api.py and says which field, id, SKU or store is at fault."""

from __future__ import annotations

import logging
from typing import Any

MAX_ECHO = 64  # characters of a client's value echoed back in an error body


def echo(value: Any) -> Any:
    """A client's value as it may appear in an error body: strings cut to MAX_ECHO characters."""
    if isinstance(value, str) and len(value) > MAX_ECHO:
        return value[:MAX_ECHO] + f"… ({len(value)} characters)"
    return value


class AppError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = {k: echo(v) for k, v in details.items() if v is not None}

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, **self.details}}


class InvalidInput(AppError):
    """400/422: names the field and what is allowed."""

    status = 422
    code = "validation_error"

    def __init__(self, field: str, message: str, *, status: int = 422, value: Any = None) -> None:
        super().__init__(f"{field}: {message}", field=field, value=value)
        self.status = status


class NotFound(AppError):
    status = 404
    code = "not_found"

    def __init__(self, kind: str, ident: Any) -> None:
        super().__init__(f"{kind} {ident!s} not found", resource=kind, id=str(ident))


class InsufficientStock(AppError):
    status = 409
    code = "insufficient_stock"

    def __init__(self, sku: str, requested: int, available: int) -> None:
        super().__init__(
            f"insufficient stock for SKU {sku}: requested {requested}, available {available}",
            sku=sku,
            requested=requested,
            available=available,
        )
        self.sku = sku


class ProductUnavailable(AppError):
    status = 409
    code = "product_unavailable"

    def __init__(self, sku: str) -> None:
        super().__init__(f"SKU {sku} is not for sale", sku=sku)
        self.sku = sku


class CartLimitReached(AppError):
    """409: the body is valid, the cart's current state refuses it (99 units of one SKU, 100 SKUs)."""

    status = 409
    code = "cart_limit_reached"

    def __init__(self, field: str, message: str, value: Any) -> None:
        super().__init__(message, field=field, value=value)


class ConcurrencyConflict(AppError):
    """Optimistic locking gave up after its bounded retries; the client may retry with the same key."""

    status = 409
    code = "concurrency_conflict"

    def __init__(self, sku: str | None, attempts: int) -> None:
        super().__init__(
            f"stock of SKU {sku} kept changing; gave up after {attempts} attempts, retry the request",
            sku=sku,
            attempts=attempts,
        )
        self.sku = sku


class IdempotencyKeyReused(AppError):
    status = 422
    code = "idempotency_key_reused"

    def __init__(self, key: str) -> None:
        super().__init__(
            "Idempotency-Key was already used for a different request by this customer",
            field="Idempotency-Key",
            value=key,
        )


class StoreUnavailable(AppError):
    """503: names the store (postgresql, redis, mongodb) that could not be reached, and nothing else.

    ``detail`` (the driver's message: host, port, errno) goes to the server log, never into a response: it names
    internal addresses."""

    status = 503
    code = "store_unavailable"

    def __init__(self, store: str, detail: str = "") -> None:
        super().__init__(f"{store} is unavailable", store=store)
        self.store = store
        self.detail = detail
        if detail:
            logging.getLogger("ecomart.stores").warning("%s unavailable: %s", store, detail)
