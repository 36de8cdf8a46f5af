"""AWS Lambda entry points (components/service.py deploys all three from one artifact).

- ``handler``: the ASGI app behind the HTTP API through Mangum. Store clients are built from the function's
  environment on the first request and reused for the life of the container (IAM auth to every store, see
  app/iam_auth.py); the ASGI lifespan is off because Lambda has no shutdown hook.
- ``migrate``: the migrations runner the deploy invokes whenever the migrations change (and a weekly schedule
  for the order partitions ahead). It reads the RDS-managed master secret, applies the migrations, creates the
  partitions and the IAM-authenticated role the other functions log in as. It raises on any failure, so a
  deploy whose migrations fail fails.
- ``relay``: one outbox relay run of ``RELAY_RUN_SECONDS`` (EventBridge Scheduler starts one every minute),
  publishing its lag metric. Relay and wake-up connections are kept for the container's next run.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from mangum import Mangum

from .api import app

handler = Mangum(app, lifespan="off")
log = logging.getLogger("ecomart.lambda")

RELAY_MARGIN_SECONDS = 10  # a relay run ends this long before the function's timeout
_relay_runtime: dict[str, Any] = {}


def _env(name: str, env: Mapping[str, str]) -> str:
    value = env.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set in the function's environment (components/service.py sets it)")
    return value


def master_dsn(secrets: Any, env: Mapping[str, str]) -> str:
    """A DSN for the writer as the master user, from the RDS-managed secret (never stored anywhere else)."""
    secret = json.loads(secrets.get_secret_value(SecretId=_env("DB_MASTER_SECRET_ARN", env))["SecretString"])
    # TLS always; the server is verified when the RDS CA bundle is given (PGSSLROOTCERT)
    sslmode = env.get("PGSSLMODE") or ("verify-full" if env.get("PGSSLROOTCERT") else "require")
    query = urlencode({"sslmode": sslmode, "connect_timeout": 10, "application_name": "ecomart-migrations"})
    return (
        f"postgresql://{quote(secret['username'], safe='')}:{quote(secret['password'], safe='')}@"
        f"{_env('DB_HOST', env)}:{int(env.get('DB_PORT', '5432'))}/{quote(_env('DB_NAME', env), safe='')}"
        f"?{query}"
    )


def migrate(event: dict | None, context: Any, *, secrets: Any = None, env: Mapping[str, str] | None = None) -> dict:
    """``{"action": "migrate"}`` (the deploy): migrations, partitions, the IAM role; ``{"action": "partitions"}``
    (weekly): partitions only (orders' and time series', with the time series' retention); ``{"action":
    "timeseries"}`` (daily): those and the daily inventory-level snapshot."""
    import boto3
    import psycopg

    from . import db, timeseries

    action = (event or {}).get("action", "migrate")
    if action not in ("migrate", "partitions", "timeseries"):
        raise ValueError(f"unknown action {action!r} (allowed: migrate, partitions, timeseries)")
    env = os.environ if env is None else env
    if secrets is None:
        secrets = boto3.client("secretsmanager", region_name=env.get("AWS_REGION"))
    dsn = master_dsn(secrets, env)
    if action == "migrate":
        with psycopg.connect(dsn) as conn:
            db.require_iam_support(conn)  # before anything changes
    applied = db.migrate(dsn) if action == "migrate" else []
    with psycopg.connect(dsn) as conn:
        partitions = db.ensure_partitions(conn)
        series = timeseries.maintain(conn)  # time-series partitions ahead, retention (ADR 0029)
        snapshot = 0
        if action == "timeseries":  # daily: every stocked product's level
            with conn.transaction():
                snapshot = timeseries.snapshot_levels(conn)
        role = db.ensure_iam_role(conn, _env("PG_APP_USER", env)) if action == "migrate" else []
    result = {
        "action": action,
        "applied": applied,
        "partitionsCreated": partitions,
        "timeSeries": {**series, "levelsSnapshot": snapshot},
        "iamRoleStatements": role,
    }
    log.info("migrations: %s", json.dumps(result))
    return result


def relay(event: dict | None, context: Any) -> dict:
    """One relay run: until ``RELAY_RUN_SECONDS`` have passed or the invocation is close to its timeout."""
    import boto3

    from .mongo import connect
    from .redis_stores import JsonCache
    from .relay import OutboxRelay, Wakeup, lag_publisher, run_for
    from .services import pg_connection_class, redis_client
    from .settings import Settings

    if (event or {}).get("action") == "catalog-collections":  # the deploy, before the search indexes (ADR 0030)
        from .catalog import ensure_collections

        settings = Settings.from_env()
        if not settings.mongodb_uri:
            raise RuntimeError("catalog-collections needs MONGODB_URI or MONGODB_ATLAS_SRV")
        created = ensure_collections(connect(settings.mongodb_uri, settings.mongodb_db))
        log.info("catalog collections created: %s", created)
        return {"action": "catalog-collections", "created": created}
    if not _relay_runtime:
        settings = Settings.from_env()
        if not settings.database_url or not settings.mongodb_uri:
            raise RuntimeError("the relay needs DATABASE_URL and MONGODB_URI or MONGODB_ATLAS_SRV")
        conn_class = pg_connection_class(settings)
        kwargs = {"connection_class": conn_class} if conn_class is not None else {}
        cache = redis_client(settings)
        _relay_runtime.update(
            relay=OutboxRelay(
                settings.database_url,
                connect(settings.mongodb_uri, settings.mongodb_db),
                product_cache=JsonCache(cache, "product") if cache is not None else None,
                reco_cache=JsonCache(cache, "reco") if cache is not None else None,
                **kwargs,
            ),
            wakeup=Wakeup(settings.database_url, **kwargs),
            publish=lag_publisher(
                boto3.client("cloudwatch", region_name=settings.aws_region),
                _env("OUTBOX_LAG_DIMENSION_VALUE", os.environ),
            ),
        )
    seconds = float(os.environ.get("RELAY_RUN_SECONDS", "55"))
    if context is not None:
        seconds = min(seconds, context.get_remaining_time_in_millis() / 1000 - RELAY_MARGIN_SECONDS)
    rt = _relay_runtime
    return run_for(rt["relay"], rt["wakeup"], max(0.0, seconds), publish=rt["publish"])
