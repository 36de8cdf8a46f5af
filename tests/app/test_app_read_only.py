"""The drain of queued orders (app/read_only.py) when PostgreSQL fails while it runs: the order stays queued for a
retry; only a decision (no stock, unknown SKU) is recorded as a refusal and removes the message.

SQS on moto; PostgreSQL real. The end-to-end flow (flag, app, runbook) is tests/runbooks/test_read_only_mode.py."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from app import db
from app.orders import OrderService
from app.read_only import OrderIntake, drain
from tests.app.apphelpers import pg_conn
from tests.app.test_app_api import in_stock_sku

REGION = "eu-west-1"


@pytest.fixture
def queue():
    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        # visibility 0: a message a drain received and did not delete is at once receivable again
        url = sqs.create_queue(QueueName="queued-orders", Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
        yield sqs, url


def depth(sqs, url) -> int:
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"])


def outcomes(dsn) -> list[tuple]:
    with pg_conn(dsn) as conn:
        return conn.execute("SELECT status, reason FROM queued_order_outcomes").fetchall()


def test_an_outage_during_the_drain_leaves_the_order_queued_not_refused(queue, dsn, seeded):
    sqs, url = queue
    customer, sku = seeded.customers[0], in_stock_sku(dsn)
    OrderIntake(sqs, url).enqueue(customer, [{"sku": sku, "quantity": 1}], "drain-outage-0001")
    pool = db.make_pool(dsn, max_size=2, timeout=5)
    # the order write meets the outage (a server that is not there); the outcome table is reachable, as after a blip
    down = db.make_pool("postgresql://ecomart@127.0.0.1:1/nothing", max_size=1, timeout=0.3)
    try:
        stats = drain(sqs, url, OrderService(down), pool, wait_seconds=0)
        assert (stats.received, stats.left_for_retry, stats.placed, stats.refused) == (1, 1, 0, 0)
        assert depth(sqs, url) == 1, "the queued order was deleted: it is lost"
        assert outcomes(dsn) == [], "an outage is not a decision: nothing may be recorded as refused"

        # PostgreSQL back: the next drain places it
        stats = drain(sqs, url, OrderService(pool), pool, wait_seconds=0)
        assert (stats.received, stats.placed, stats.refused) == (1, 1, 0)
        assert depth(sqs, url) == 0 and outcomes(dsn) == [("placed", None)]
    finally:
        down.close()
        pool.close()


def test_a_refusal_is_recorded_with_its_reason_and_leaves_the_queue(queue, dsn, seeded):
    sqs, url = queue
    OrderIntake(sqs, url).enqueue(seeded.customers[0], [{"sku": "NOPE-00001", "quantity": 1}], "drain-refuse-0001")
    pool = db.make_pool(dsn, max_size=2, timeout=5)
    try:
        stats = drain(sqs, url, OrderService(pool), pool, wait_seconds=0)
        assert (stats.received, stats.refused, stats.left_for_retry) == (1, 1, 0)
        assert depth(sqs, url) == 0
        ((status, reason),) = outcomes(dsn)
        assert status == "refused" and "NOPE-00001" in reason
    finally:
        pool.close()


def _links(dsn, customer) -> set[tuple[str, bytes]]:
    with pg_conn(dsn) as conn:
        return {
            (k, bytes(f))
            for k, f in conn.execute(
                "SELECT kind, fingerprint FROM customer_links WHERE customer_id = %s", (customer,)
            ).fetchall()
        }


def test_a_queued_order_carries_fingerprints_and_records_them_when_placed(queue, dsn, seeded):
    """ADR 0028: an order taken in read-only mode records its fraud links when the drain places it — from
    fingerprints computed when it was taken, so the queue never holds a payment token or an address."""
    from app.relationships import fingerprints

    sqs, url = queue
    customer, sku = seeded.customers[1], in_stock_sku(dsn)
    prints = fingerprints(payment="tok_queued_1", address="7 Queue Lane, Leeds", device=None)
    OrderIntake(sqs, url).enqueue(customer, [{"sku": sku, "quantity": 1}], "drain-links-0001", prints)
    (msg,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
    assert "tok_queued_1" not in msg["Body"] and "Queue Lane" not in msg["Body"]
    assert prints[0][1].hex() in msg["Body"]
    refused = fingerprints(payment="tok_refused_1")
    OrderIntake(sqs, url).enqueue(customer, [{"sku": "NOPE-00002", "quantity": 1}], "drain-links-0002", refused)
    pool = db.make_pool(dsn, max_size=2, timeout=5)
    try:
        stats = drain(sqs, url, OrderService(pool), pool, wait_seconds=0)
        assert (stats.placed, stats.refused) == (1, 1)
        assert _links(dsn, customer) == set(prints), "placed: its links; refused: none"
    finally:
        pool.close()


def test_a_message_queued_before_links_were_carried_still_drains(queue, dsn, seeded):
    import json

    sqs, url = queue
    customer, sku = seeded.customers[2], in_stock_sku(dsn)
    OrderIntake(sqs, url).enqueue(customer, [{"sku": sku, "quantity": 1}], "drain-old-00001")
    (msg,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
    body = json.loads(msg["Body"])
    body.pop("links")
    sqs.delete_message(QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"])
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))
    pool = db.make_pool(dsn, max_size=2, timeout=5)
    try:
        assert drain(sqs, url, OrderService(pool), pool, wait_seconds=0).placed == 1
        assert _links(dsn, customer) == set()
    finally:
        pool.close()
