"""The migrations and relay functions against a real PostgreSQL (and Secrets Manager / CloudWatch under moto):
the IAM role the migrations create may read and write but not change the schema; a relay run publishes what
is pending, stops on time and reports its lag metric."""

from __future__ import annotations

import json
import threading
import time
import uuid
from urllib.parse import urlsplit

import boto3
import psycopg
import pytest

from app import lambda_handler
from app.relay import OutboxRelay, Wakeup, lag_publisher, outbox_lag, run_for
from app.settings import Settings, SettingsError
from platform_rules import OUTBOX_LAG_DIMENSION, OUTBOX_LAG_METRIC, OUTBOX_LAG_NAMESPACE
from tests.app.apphelpers import pg_conn
from tests.app.test_app_relay import place_orders

REGION = "us-east-1"


@pytest.fixture
def aws(monkeypatch):
    from moto import mock_aws

    for k, v in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(k, v)
    with mock_aws():
        yield


@pytest.fixture
def fresh_db(pg_server):
    """An empty database (no migrations yet) and the server's rds_iam role, as RDS has it."""
    name = f"m_{uuid.uuid4().hex[:10]}"
    dsn = pg_server.create_database(name)
    with pg_conn(pg_server.dsn()) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam'").fetchone():
            conn.execute("CREATE ROLE rds_iam NOLOGIN")
    yield dsn
    pg_server.drop_database(name)


def function_env(dsn: str, secret_arn: str, user: str) -> dict:
    url = urlsplit(dsn)
    return {
        "DB_HOST": url.hostname,
        "DB_PORT": str(url.port),
        "DB_NAME": url.path.lstrip("/"),
        "DB_MASTER_SECRET_ARN": secret_arn,
        "PG_APP_USER": user,
        "AWS_REGION": REGION,
        "PGSSLMODE": "disable",
    }  # the throwaway test server has no TLS; the function's default is require


def master_secret(dsn: str) -> str:
    sm = boto3.client("secretsmanager", region_name=REGION)
    return sm.create_secret(
        Name=f"rds!db-{uuid.uuid4()}",
        SecretString=json.dumps({"username": urlsplit(dsn).username, "password": "not-used-by-trust-auth"}),
    )["ARN"]


def test_migrate_applies_everything_and_creates_the_iam_role(aws, fresh_db):
    user = f"app_{uuid.uuid4().hex[:8]}"
    env = function_env(fresh_db, master_secret(fresh_db), user)
    first = lambda_handler.migrate({"action": "migrate"}, None, env=env)
    assert first["applied"][0].startswith("0001") and len(first["applied"]) >= 7
    assert first["partitionsCreated"] >= 0
    assert first["iamRoleStatements"][0] == f'CREATE ROLE "{user}" LOGIN'
    assert f'GRANT "rds_iam" TO "{user}"' in first["iamRoleStatements"]
    with pg_conn(fresh_db) as conn:
        login, password = conn.execute(
            "SELECT rolcanlogin, rolpassword IS NULL FROM pg_authid WHERE rolname = %s", (user,)
        ).fetchone()
        assert login is True and password is True, "no password: IAM tokens only"
        assert conn.execute("SELECT pg_has_role(%s, 'rds_iam', 'member')", (user,)).fetchone()[0] is True
    # the role reads and writes the app's tables, and nothing more
    as_app = fresh_db.replace("postgres@", f"{user}@")
    with pg_conn(as_app) as conn:
        conn.execute("SELECT count(*) FROM products").fetchone()
        conn.execute(
            "INSERT INTO outbox (aggregate_type, aggregate_id, event_type, payload) VALUES ('t', '1', 'Test', '{}')"
        )
        conn.execute("DELETE FROM outbox WHERE aggregate_type = 't'")
        for ddl in (
            "CREATE TABLE evil (id int)",
            "DROP TABLE outbox",
            "ALTER TABLE orders ADD COLUMN x int",
            "TRUNCATE outbox",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(ddl)
    # again: nothing to apply, the role is kept (no second CREATE ROLE)
    again = lambda_handler.migrate({"action": "migrate"}, None, env=env)
    assert again["applied"] == [] and not any(s.startswith("CREATE ROLE") for s in again["iamRoleStatements"])


def test_tables_a_later_migration_creates_are_granted_too(aws, fresh_db):
    user = f"app_{uuid.uuid4().hex[:8]}"
    env = function_env(fresh_db, master_secret(fresh_db), user)
    lambda_handler.migrate(None, None, env=env)
    with pg_conn(fresh_db) as conn:  # as the master user, like a future migration
        conn.execute("CREATE TABLE later (id bigserial PRIMARY KEY, v text)")
    with pg_conn(fresh_db.replace("postgres@", f"{user}@")) as conn:
        conn.execute("INSERT INTO later (v) VALUES ('x')")
        assert conn.execute("SELECT count(*) FROM later").fetchone()[0] == 1


def test_partitions_action_touches_neither_migrations_nor_roles(aws, fresh_db):
    env = function_env(fresh_db, master_secret(fresh_db), "unused_role")
    lambda_handler.migrate({"action": "migrate"}, None, env=env)
    result = lambda_handler.migrate({"action": "partitions"}, None, env=env)
    assert result["applied"] == [] and result["iamRoleStatements"] == []
    assert result["timeSeries"]["levelsSnapshot"] == 0 and set(result["timeSeries"]["created"]) == {
        "sales_points",
        "inventory_levels",
    }
    with pg_conn(fresh_db) as conn:
        conn.execute("INSERT INTO warehouses (code, name, region) VALUES ('w1', 'W', 'eu')")
        conn.execute("INSERT INTO products (sku, catalog_id, name, price_cents) VALUES ('SKU-1', 'c', 'n', 100)")
        conn.execute(
            "INSERT INTO inventory (product_id, warehouse_id, quantity) "
            "SELECT p.id, w.id, 5 FROM products p, warehouses w"
        )
    daily = lambda_handler.migrate({"action": "timeseries"}, None, env=env)
    assert daily["timeSeries"]["levelsSnapshot"] == 1 and daily["applied"] == [] and daily["iamRoleStatements"] == []
    with pytest.raises(ValueError, match="unknown action 'drop'"):
        lambda_handler.migrate({"action": "drop"}, None, env=env)


def test_migrate_refuses_a_server_without_rds_iam(aws, pg_server):
    name = f"m_{uuid.uuid4().hex[:10]}"
    dsn = pg_server.create_database(name)
    try:
        with pg_conn(pg_server.dsn()) as conn:
            conn.execute("DROP ROLE IF EXISTS rds_iam")
        env = function_env(dsn, master_secret(dsn), "x_role")
        with pytest.raises(RuntimeError, match="role rds_iam does not exist"):
            lambda_handler.migrate(None, None, env=env)
    finally:
        pg_server.drop_database(name)


def test_migrate_without_its_environment_names_the_variable(aws):
    with pytest.raises(RuntimeError, match="DB_MASTER_SECRET_ARN is not set"):
        lambda_handler.migrate(None, None, env={"AWS_REGION": REGION})


# --- relay ------------------------------------------------------------------------------------------------------


def metric_values(cw) -> list[float]:
    stats = cw.get_metric_statistics(
        Namespace=OUTBOX_LAG_NAMESPACE,
        MetricName=OUTBOX_LAG_METRIC,
        Dimensions=[{"Name": OUTBOX_LAG_DIMENSION, "Value": "ecomart-test"}],
        StartTime=time.time() - 600,
        EndTime=time.time() + 600,
        Period=60,
        Statistics=["Maximum", "SampleCount"],
    )
    return stats["Datapoints"]


def test_relay_run_publishes_pending_events_and_reports_its_lag(aws, services, seeded, dsn):
    place_orders(services, seeded, 6)
    cw = boto3.client("cloudwatch", region_name=REGION)
    relay = OutboxRelay(dsn, services.mongo, batch_size=4)
    wakeup = Wakeup(dsn)
    try:
        result = run_for(relay, wakeup, 1.0, interval=0.2, publish=lag_publisher(cw, "ecomart-test"))
    finally:
        wakeup.close()
        relay.close()
    assert result["published"] == 6 and result["pending"] == 0 and result["lag_seconds"] == 0.0
    assert services.mongo.db.order_analytics.count_documents({}) == 6
    (metric,) = cw.list_metrics(Namespace=OUTBOX_LAG_NAMESPACE)["Metrics"]
    assert metric["MetricName"] == OUTBOX_LAG_METRIC
    assert metric["Dimensions"] == [{"Name": OUTBOX_LAG_DIMENSION, "Value": "ecomart-test"}]
    points = metric_values(cw)
    assert sum(p["SampleCount"] for p in points) >= 2, "published during the run and at its end"


def test_events_committed_during_a_run_are_published_before_it_ends(services, seeded, dsn):
    """Real concurrency: orders placed while the relay waits are picked up in that same run."""
    relay = OutboxRelay(dsn, services.mongo)
    wakeup = Wakeup(dsn)
    out: dict = {}
    t = threading.Thread(target=lambda: out.update(run_for(relay, wakeup, 3.0, interval=1.0)))
    t.start()
    time.sleep(0.5)
    place_orders(services, seeded, 3, seed_value=11)
    t.join(timeout=20)
    wakeup.close()
    relay.close()
    assert not t.is_alive()
    assert out["published"] == 3 and out["pending"] == 0
    with pg_conn(dsn) as conn:
        assert outbox_lag(conn)["pending"] == 0


def test_run_for_stops_at_its_deadline_and_never_waits_past_it():
    class Clock:
        now = 100.0

        def __call__(self):
            return self.now

    clock = Clock()
    waits: list[float] = []

    class Relay:
        def run_once(self):
            return 0

        def lag(self):
            return {"pending": 0, "lag_seconds": 0.0}

    class Wake:
        def wait(self, timeout):
            waits.append(timeout)
            clock.now += timeout

    reports: list[dict] = []
    result = run_for(Relay(), Wake(), 2.5, interval=1.0, publish=reports.append, publish_every=1.0, clock=clock)
    assert waits == [1.0, 1.0, 0.5], "the last wait is cut to the deadline"
    assert clock.now == 102.5 and result == {"published": 0, "pending": 0, "lag_seconds": 0.0}
    assert len(reports) == 4  # at 100, 101, 102 and the final one


def test_relay_handler_runs_until_close_to_the_timeout(monkeypatch):
    calls = []
    monkeypatch.setattr(lambda_handler, "_relay_runtime", {"relay": "r", "wakeup": "w", "publish": "p"})
    monkeypatch.setattr(
        "app.relay.run_for",
        lambda relay, wakeup, seconds, publish: calls.append((relay, wakeup, seconds, publish)) or {"published": 0},
    )
    monkeypatch.setenv("RELAY_RUN_SECONDS", "55")

    class Context:
        def __init__(self, ms):
            self.ms = ms

        def get_remaining_time_in_millis(self):
            return self.ms

    lambda_handler.relay({}, Context(75_000))
    lambda_handler.relay({}, Context(30_000))
    assert [c[2] for c in calls] == [55.0, 20.0]
    assert calls[0][:2] == ("r", "w") and calls[0][3] == "p"


def test_atlas_srv_becomes_a_mongodb_aws_uri():
    s = Settings.from_env({"MONGODB_ATLAS_SRV": "mongodb+srv://cat-pl-0.abcde.mongodb.net", "MONGODB_DB": "catalog"})
    assert s.mongodb_uri == (
        "mongodb+srv://cat-pl-0.abcde.mongodb.net/catalog?authMechanism=MONGODB-AWS"
        "&authSource=%24external&retryWrites=true&w=majority"
    )
    with pytest.raises(SettingsError, match="MONGODB_ATLAS_SRV='cat.example' is not an SRV connection string"):
        Settings.from_env({"MONGODB_ATLAS_SRV": "cat.example"})


def test_catalog_collections_action_creates_the_missing_ones_once(monkeypatch):
    """ADR 0030: the deploy invokes the relay with this action before declaring the search indexes."""
    import mongomock

    from app import mongo

    client = mongomock.MongoClient(tz_aware=True)
    monkeypatch.setattr(mongo, "connect", lambda uri, db="catalog", **kw: mongo.MongoHandle(client, client[db], True))
    monkeypatch.setenv("MONGODB_URI", "mongodb://catalog.example:27017")
    first = lambda_handler.relay({"action": "catalog-collections"}, None)
    assert first["action"] == "catalog-collections" and "products" in first["created"]
    assert "products" in client["catalog"].list_collection_names()
    assert lambda_handler.relay({"action": "catalog-collections"}, None)["created"] == []
    monkeypatch.delenv("MONGODB_URI")
    monkeypatch.delenv("MONGODB_ATLAS_SRV", raising=False)
    with pytest.raises(RuntimeError, match="catalog-collections needs MONGODB_URI"):
        lambda_handler.relay({"action": "catalog-collections"}, None)
