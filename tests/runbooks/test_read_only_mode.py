"""orders-read-only-mode end to end: SSM flag and SQS queue on moto, the app served by uvicorn against a real
PostgreSQL that is really stopped, Redis real; the drain places each queued order once and refuses the one short of
stock with its reason."""

from __future__ import annotations

import boto3
import pytest

from app import db
from app.api import create_app
from app.read_only import FLAG_CACHE_SECONDS, OrderIntake, ReadOnlyFlag, tracking_ref
from app.services import Services
from devtools.seed import seed
from devtools.servers import PostgresServer
from tests.app.apphelpers import LiveServer, authed_client, make_settings, pg_conn, wait_for
from tests.runbooks.conftest import REGION, run_book

PARAM = "/ecomart-dev/orders/read-only"


@pytest.fixture
def own_pg():
    with PostgresServer(prefix="ecomart-test-pg-readonly-") as server:
        db.migrate(server.dsn())
        yield server


@pytest.fixture
def stack(moto_aws):
    ssm = boto3.client("ssm", region_name=REGION)
    ssm.put_parameter(Name=PARAM, Value="off", Type="String")
    kms = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    url = boto3.client("sqs", region_name=REGION).create_queue(
        QueueName="ecomart-dev-queued-orders", Attributes={"KmsMasterKeyId": kms}
    )["QueueUrl"]
    return {"stack": "dev", "region": REGION, "ordersReadOnlyParameter": PARAM, "queuedOrdersQueueUrl": url}


def test_orders_queue_while_postgres_is_down_and_drain_exactly_once(own_pg, redis_url, mongo, stack, tmp_path):
    import redis as redis_lib

    dsn = own_pg.dsn()
    with pg_conn(dsn) as conn:
        sample = seed(conn, mongo, n_products=30, n_customers=3)
        rows = conn.execute(
            "SELECT p.sku, sum(i.quantity)::int FROM products p JOIN inventory i ON "
            "i.product_id = p.id WHERE p.active GROUP BY p.sku HAVING sum(i.quantity) >= 3 "
            "ORDER BY p.sku LIMIT 2"
        ).fetchall()
    (plenty, _), (scarce, scarce_units) = rows
    customer = sample.customers[0]
    services = Services.build(make_settings(dsn, redis_url), mongo=mongo)
    services.read_only = ReadOnlyFlag(boto3.client("ssm", region_name=REGION), PARAM, ttl=0)
    r = redis_lib.Redis.from_url(redis_url, decode_responses=True)
    services.intake = OrderIntake(boto3.client("sqs", region_name=REGION), stack["queuedOrdersQueueUrl"], r)
    try:
        slept: list[float] = []
        code, ev, out, _ = run_book(
            "orders-read-only-mode", stack, {"state": "on"}, execute=True, tmp_path=tmp_path, sleep=slept.append
        )
        assert code == 0, out
        assert slept == [FLAG_CACHE_SECONDS]  # it waits until every app instance's cached flag has expired
        assert boto3.client("ssm", region_name=REGION).get_parameter(Name=PARAM)["Parameter"]["Value"] == "on"
        own_pg.stop()
        with LiveServer(create_app(services)) as server, authed_client(base_url=server.url, timeout=20) as http:
            assert http.get("/products/p-00001").status_code == 200  # catalog unaffected

            def order(key, sku, qty, **extra):
                return http.post(
                    "/orders",
                    json={"customer_id": customer, "items": [{"sku": sku, "quantity": qty}], **extra},
                    headers={"Idempotency-Key": key, "X-Device-Id": "dev-queued-1"},
                )

            # its fraud links travel as fingerprints and are recorded when the drain places it (ADR 0028)
            first = order("key-plenty-0001", plenty, 1, payment_token="tok_queued_e2e")
            assert first.status_code == 202, first.text
            body = first.json()
            assert body["status"] == "queued" and body["tracking"] == tracking_ref(customer, "key-plenty-0001")
            assert first.headers["Location"] == body["status_url"] == f"/orders/queued/{body['tracking']}"
            retry = order("key-plenty-0001", plenty, 1)  # a client retry: same reference, queued twice in SQS
            assert retry.status_code == 202 and retry.json()["tracking"] == body["tracking"]
            a = order("key-scarce-000a", scarce, scarce_units)  # takes all of it
            b = order("key-scarce-000b", scarce, 1)  # nothing left for this one
            assert a.status_code == b.status_code == 202
            assert http.get(body["status_url"]).json()["status"] == "queued"  # from Redis: PostgreSQL is down
            assert order("short", plenty, 1).status_code == 400  # validated before queueing
            unknown = http.get("/orders/queued/q_" + "0" * 32)  # not in Redis: only PostgreSQL could tell
            assert unknown.status_code == 503 and unknown.json()["error"]["store"] == "postgresql"

            own_pg.start()
            # the app's PostgreSQL breaker lets a probe through within its cool-down: then unknown is a plain 404
            wait_for(lambda: http.get("/orders/queued/q_" + "0" * 32).status_code == 404)
            code, ev, out, _ = run_book(
                "orders-read-only-mode",
                stack,
                {"state": "off"},
                execute=True,
                tmp_path=tmp_path,
                extra={"database_url": dsn, "redis": r},
            )
            assert code == 0, out
            m = {k: v["value"] for k, v in ev["measurements"].items()}
            assert (m["drain_received"], m["drain_placed"], m["drain_refused"], m["drain_already_done"]) == (4, 2, 1, 1)
            placed = http.get(body["status_url"]).json()
            assert placed["status"] == "placed" and placed["order_url"] == f"/orders/{placed['order_id']}"
            assert http.get(placed["order_url"]).status_code == 200
            refused = http.get(b.json()["status_url"]).json()
            assert refused["status"] == "refused" and "insufficient stock" in refused["reason"]
            assert http.get(a.json()["status_url"]).json()["status"] == "placed"
            # flag off: orders go straight to PostgreSQL again
            assert order("key-after-00001", plenty, 1).status_code == 201
        with pg_conn(dsn) as conn:
            keys = [k for (k,) in conn.execute("SELECT idempotency_key FROM idempotency_keys ORDER BY 1")]
            # the refused order's key is not kept (its transaction rolled back): its outcome row records the refusal
            assert keys == ["key-after-00001", "key-plenty-0001", "key-scarce-000a"]
            assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 3
            assert conn.execute("SELECT count(*) FROM queued_order_outcomes").fetchone()[0] == 3
            links = conn.execute("SELECT kind FROM customer_links WHERE customer_id = %s", (customer,)).fetchall()
            assert sorted(k for (k,) in links) == ["device", "payment"]
        # a second drain finds nothing and places nothing again
        code, ev, out, _ = run_book(
            "orders-read-only-mode",
            stack,
            {"state": "off"},
            execute=True,
            tmp_path=tmp_path,
            extra={"database_url": dsn, "redis": r},
        )
        assert ev["steps"][1]["status"] == "already-done" and ev["measurements"]["drain_received"]["value"] == 0
    finally:
        services.close()


def test_dry_run_of_read_only_mode_changes_nothing(stack, tmp_path, call_log):
    code, ev, out, _ = run_book("orders-read-only-mode", stack, {"state": "on"}, tmp_path=tmp_path, call_log=call_log)
    assert code == 0, out
    assert call_log.ops() == ["GetParameter", "GetQueueAttributes"]
    assert boto3.client("ssm", region_name=REGION).get_parameter(Name=PARAM)["Parameter"]["Value"] == "off"
    assert (
        f'WOULD CALL ssm.PutParameter (us-east-1) {{"Name": "{PARAM}", "Overwrite": true, "Type": "String", '
        '"Value": "on"}' in out
    )


def test_bad_state_names_the_allowed_values(stack, tmp_path):
    from ecomart.cli import main

    assert main(["runbook", "run", "orders-read-only-mode", "--stack", "dev", "--state", "maybe"]) == 2


def test_dry_run_of_switching_off_drains_nothing_even_with_a_database(own_pg, stack, tmp_path, call_log):
    """A dry run against a deployed stack with the flag on, orders queued and a reachable database given: it says
    what the drain would do and does nothing (the flag stays on, every message stays queued, nothing is placed)."""
    dsn = own_pg.dsn()
    sqs, ssm = boto3.client("sqs", region_name=REGION), boto3.client("ssm", region_name=REGION)
    ssm.put_parameter(Name=PARAM, Value="on", Type="String", Overwrite=True)
    intake = OrderIntake(sqs, stack["queuedOrdersQueueUrl"])
    for i in range(2):
        intake.enqueue(1, [{"sku": "X-00001", "quantity": 1}], f"dry-run-key-000{i}")
    code, ev, out, _ = run_book(
        "orders-read-only-mode",
        stack,
        {"state": "off"},
        tmp_path=tmp_path,
        call_log=call_log,
        extra={"database_url": dsn},
    )
    assert code == 0, out
    assert "would place the 2 queued orders" in out
    assert "ReceiveMessage" not in call_log.ops() and "DeleteMessage" not in call_log.ops()
    assert ssm.get_parameter(Name=PARAM)["Parameter"]["Value"] == "on"
    attrs = sqs.get_queue_attributes(QueueUrl=stack["queuedOrdersQueueUrl"], AttributeNames=["All"])["Attributes"]
    assert int(attrs["ApproximateNumberOfMessages"]) == 2 and int(attrs["ApproximateNumberOfMessagesNotVisible"]) == 0
    with pg_conn(dsn) as conn:
        assert conn.execute("SELECT count(*) FROM queued_order_outcomes").fetchone()[0] == 0
    assert "drain_received" not in ev["measurements"]
