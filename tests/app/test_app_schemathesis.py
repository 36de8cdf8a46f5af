"""A bounded schemathesis run (every check, as ``--checks all``) against the app on the real PostgreSQL and Redis
the tests start: the OpenAPI document and the behaviour agree."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks

from app.api import create_app
from devtools.seed import seed
from tests.app.apphelpers import bearer

load_all_checks()
ALL_CHECKS = CHECKS.get_all()
TOKEN: dict = {}
EXAMPLES_PER_OPERATION = 25  # bounded: the whole run stays within seconds on this machine


@pytest.fixture
def api_schema(services, dsn):
    with psycopg.connect(dsn, autocommit=True) as conn:
        summary = seed(conn, services.mongo, n_products=30, n_customers=3)
    TOKEN["headers"] = bearer(summary.customers[0])
    config = schemathesis.Config.from_path(Path(__file__).with_name("schemathesis.toml"))
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(services), config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case):
    # As a signed-in customer; the checks also send requests without it (ignored_auth: those must be 401).
    case.call_and_validate(checks=ALL_CHECKS, headers=TOKEN["headers"])
