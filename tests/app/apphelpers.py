"""Helpers shared by the app tests (imported as a plain module; fixtures live in conftest.py)."""

from __future__ import annotations

import contextlib
import os
import threading
import time

import httpx
import psycopg
import pytest

from app.auth import AuthConfig, issue_token, new_key_pair
from app.settings import Settings
from devtools.servers import free_port

# The tests' token issuer: a throwaway key pair, as `make app` has its own.
ISSUER, AUDIENCE = "https://issuer.test.ecomart.example", "ecomart-api-test"
PRIVATE_KEY, PUBLIC_KEY = new_key_pair()
TEST_AUTH = AuthConfig(mode="jwt", issuer=ISSUER, audience=AUDIENCE, public_key_pem=PUBLIC_KEY)


def token_for(customer_id: int, **kw) -> str:
    return issue_token(
        PRIVATE_KEY,
        issuer=kw.pop("issuer", ISSUER),
        audience=kw.pop("audience", AUDIENCE),
        customer_id=customer_id,
        **kw,
    )


def bearer(customer_id: int, **kw) -> dict:
    return {"Authorization": f"Bearer {token_for(customer_id, **kw)}"}


class CustomerAuth(httpx.Auth):
    """Signs each request as the customer it acts for, like one client per customer would: the body's
    customer_id (POST /orders), the path's (/customers/{id}/...), the owner of an order it placed earlier, else
    ``default``. A request that already carries Authorization is sent as it is (the auth tests set their own)."""

    def __init__(self, default: int = 1) -> None:
        self.default = default
        self.owners: dict[str, int] = {}
        self._tokens: dict[int, str] = {}

    def _customer(self, request: httpx.Request) -> int:
        path = request.url.path
        if path.startswith("/customers/"):
            part = path.split("/")[2]
            if part.isdigit():
                return int(part)
        if path == "/orders" and request.method == "POST":
            try:
                import json as _json

                cid = _json.loads(request.content or b"{}").get("customer_id")
                if isinstance(cid, int) and cid > 0:
                    return cid
            except (ValueError, AttributeError):
                pass
        if path.startswith("/orders/"):
            return self.owners.get(path.removeprefix("/orders/"), self.default)
        return self.default

    def auth_flow(self, request: httpx.Request):
        if "authorization" not in request.headers:
            customer = self._customer(request)
            if customer not in self._tokens:
                self._tokens[customer] = token_for(customer)
            request.headers["Authorization"] = f"Bearer {self._tokens[customer]}"
        response = yield request
        if request.method == "POST" and request.url.path == "/orders" and response.status_code in (200, 201, 202):
            response.read()
            try:
                body = response.json()
            except ValueError:
                return
            if "id" in body and "customer_id" in body:
                self.owners[str(body["id"])] = body["customer_id"]
            if "tracking" in body:
                self.owners[f"queued/{body['tracking']}"] = body["customer_id"]


def authed_client(base_url: str, **kw) -> httpx.Client:
    """An HTTP client that authenticates as each request's customer (see CustomerAuth)."""
    return httpx.Client(base_url=base_url, auth=kw.pop("auth", CustomerAuth()), **kw)


def make_settings(dsn: str, redis_url: str, **overrides) -> Settings:
    base = dict(
        database_url=dsn,
        redis_url=redis_url,
        mongodb_uri=None,
        pg_pool_timeout=1.0,
        store_timeout=0.3,
        pg_pool_max=12,
        auth=TEST_AUTH,
    )
    base.update(overrides)
    return Settings(**base)


class LiveServer:
    """The ASGI app served by a real uvicorn on a free loopback port, in a thread."""

    def __init__(self, app) -> None:
        import uvicorn

        from app.server import config

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


@contextlib.contextmanager
def pg_conn(dsn: str):
    with psycopg.connect(dsn, autocommit=True) as conn:
        yield conn


REAL_MONGO = os.environ.get("MONGODB_URI")
needs_real_mongo = pytest.mark.skipif(
    not REAL_MONGO,
    reason="needs a real MongoDB server (set MONGODB_URI); mongomock has no validators, "
    "$text, transactions or sharding",
)
