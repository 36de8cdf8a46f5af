"""Helpers shared by the app tests (imported as a plain module; fixtures live in conftest.py)."""

from __future__ import annotations

import contextlib
import os
import threading
import time

import psycopg
import pytest

from app.devservers import free_port
from app.settings import Settings


def make_settings(dsn: str, redis_url: str, **overrides) -> Settings:
    base = dict(database_url=dsn, redis_url=redis_url, mongodb_uri=None, pg_pool_timeout=1.0, store_timeout=0.3,
                pg_pool_max=12)
    base.update(overrides)
    return Settings(**base)


class LiveServer:
    """The ASGI app served by a real uvicorn on a free loopback port, in a thread."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
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
    not REAL_MONGO, reason="needs a real MongoDB server (set MONGODB_URI); mongomock has no validators, "
                           "$text, transactions or sharding")
