"""Fixtures for the app tests: real PostgreSQL and Redis servers started here (never a leftover service),
a fresh database per test cloned from a migrated template, a fresh mongomock catalog per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from app import db
from app.catalog import bootstrap
from app.mongo import connect
from app.services import Services
from devtools.seed import seed
from devtools.servers import PostgresServer, RedisServer
from tests.app.apphelpers import LiveServer, authed_client, make_settings

TEMPLATE = "ecomart_template"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    with PostgresServer(prefix="ecomart-test-pg-") as server:
        yield server


@pytest.fixture(scope="session")
def template_db(pg_server: PostgresServer) -> str:
    dsn = pg_server.create_database(TEMPLATE)
    db.migrate(dsn)
    return TEMPLATE


@pytest.fixture
def dsn(pg_server: PostgresServer, template_db: str) -> Iterator[str]:
    """A fresh, migrated database for this test only."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = pg_server.create_database(name, template=template_db)
    yield url
    pg_server.drop_database(name)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    with RedisServer(prefix="ecomart-test-redis-") as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    import redis

    client = redis.Redis.from_url(redis_server.url())
    client.flushdb()
    client.close()
    return redis_server.url()


@pytest.fixture
def mongo():
    handle = connect(None)
    bootstrap(handle)
    return handle


@pytest.fixture
def services(dsn: str, redis_url: str, mongo) -> Iterator[Services]:
    svc = Services.build(make_settings(dsn, redis_url), mongo=mongo)
    yield svc
    svc.close()


@pytest.fixture
def seeded(services: Services, dsn: str):
    """A small sample catalog (60 products, all types) with stock, and 10 customers."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        return seed(conn, services.mongo, n_products=60, n_customers=10)


@pytest.fixture
def live(services: Services) -> Iterator[str]:
    from app.api import create_app

    with LiveServer(create_app(services)) as server:
        yield server.url


@pytest.fixture
def http(live: str) -> Iterator[httpx.Client]:
    with authed_client(base_url=live, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def ro_http(pg_server, template_db, redis_server):
    """One seeded server shared by this module's tests that only read or are refused before writing."""
    import psycopg

    from app.api import create_app
    from app.catalog import bootstrap
    from app.mongo import connect
    from app.services import Services
    from devtools.seed import seed

    name = "api_readonly"
    dsn = pg_server.create_database(name, template=template_db)
    mongo = connect(None)
    bootstrap(mongo)
    with psycopg.connect(dsn, autocommit=True) as conn:
        seed(conn, mongo, n_products=40, n_customers=3)
    services = Services.build(make_settings(dsn, redis_server.url(1)), mongo=mongo)
    try:
        with LiveServer(create_app(services)) as server, authed_client(base_url=server.url, timeout=30) as client:
            yield client
    finally:
        services.close()
        pg_server.drop_database(name)
