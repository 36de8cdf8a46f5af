"""Orders read-only mode: PostgreSQL down, MongoDB up. Orders are queued (SQS) and placed when it is back."""

from __future__ import annotations

import os
from typing import Any

from app.settings import FLAG_CACHE_SECONDS as APP_FLAG_CACHE_SECONDS  # the app follows the flag within this
from platform_rules import READ_ONLY_OFF, READ_ONLY_ON
from runbooks.core import Context, Param, RunbookError, is_pending, runbook
from runbooks.data import database_url


def _state(value: str) -> str:
    if value not in (READ_ONLY_ON, READ_ONLY_OFF):
        raise ValueError(f"must be {READ_ONLY_ON} or {READ_ONLY_OFF}")
    return value


def _depth(ctx: Context, url: Any) -> Any:
    attrs = ctx.read(
        "sqs",
        "GetQueueAttributes",
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )
    if is_pending(attrs):
        return attrs
    a = attrs["Attributes"]
    return int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"])


@runbook(
    "orders-read-only-mode",
    "Orders read-only mode (PostgreSQL down, MongoDB up)",
    "flip the orders read-only flag: on queues orders (202 + tracking), off drains them into PostgreSQL",
    params=(
        Param("state", "on: queue orders; off: place them again and drain the queue", type=_state, required=True),
        Param(
            "drain",
            "with --state off: yes drains the queue now (needs DATABASE_URL), no leaves it to the drain worker",
            default="yes",
        ),
    ),
    needs=("region", "ordersReadOnlyParameter", "queuedOrdersQueueUrl"),
    changes=("ssm:PutParameter", "app:read_only.drain"),
)
def read_only_mode(ctx: Context) -> None:
    name, url = ctx.output("ordersReadOnlyParameter"), ctx.output("queuedOrdersQueueUrl")
    state = ctx.params["state"]
    with ctx.step("Read the flag and the queue", verify="the flag's value; orders waiting in the queue"):
        current = ctx.read("ssm", "GetParameter", Name=name)
        depth = _depth(ctx, url)
        if not is_pending(current):
            current = current["Parameter"]["Value"]
            ctx.measure("flag_before", current)
            ctx.measure("queued_before", depth, "orders")
    with ctx.step(
        f"Set {name} to {state}",
        verify=f"the parameter reads {state}; the app follows within {APP_FLAG_CACHE_SECONDS:g} s",
    ):
        if current == state:
            ctx.skip(f"the flag is {state} already")
        else:
            ctx.change("ssm", "PutParameter", Name=name, Value=state, Type="String", Overwrite=True)
            if ctx.execute:
                after = ctx.read("ssm", "GetParameter", Name=name)["Parameter"]["Value"]
                ctx.check(f"flag reads {state}", after == state, after)
                ctx.sleep(APP_FLAG_CACHE_SECONDS)  # every app instance's cache has expired after this
    if state == READ_ONLY_ON:
        with ctx.step("While on: what customers see"):
            ctx.say(
                "   POST /orders answers 202 with a tracking reference (GET /orders/queued/<ref>); catalog, "
                "carts and recommendations are unaffected; GET /orders/<id> answers 503 until PostgreSQL is back"
            )
        return
    with ctx.step(
        "Drain the queue: place each order with its idempotency key, refuse those short of stock",
        verify="every queued order placed or refused with a reason; the queue is empty",
    ):
        if ctx.params["drain"] != "yes":
            ctx.skip("--drain no: the drain worker (python -m workers drain) places them")
            return
        ctx.record_call(
            "call" if ctx.execute else "would",
            "app",
            "read_only.drain",
            ctx.region,
            {"queue": url, "database": "DATABASE_URL"},
        )
        if not ctx.execute:
            ctx.say(f"   would place the {depth} queued orders")
            return
        stats = _drain(ctx, url)
        for k in ("received", "placed", "refused", "already_done", "left_for_retry"):
            ctx.measure(f"drain_{k}", getattr(stats, k), "orders")
        ctx.check(
            "PostgreSQL took every order it was offered",
            stats.left_for_retry == 0,
            f"{stats.left_for_retry} left queued",
            why="PostgreSQL failed again: turn the flag back on",
        )
        left = _depth(ctx, url)
        ctx.observe("queue empty", left == 0, f"{left} messages left (in flight or arriving)")


def _drain(ctx: Context, url: str) -> Any:
    from app import db
    from app.orders import OrderService
    from app.read_only import drain

    try:
        pool = db.make_pool(database_url(ctx), min_size=1, max_size=2, timeout=10)
    except Exception as e:  # noqa: BLE001
        raise RunbookError(f"cannot connect to PostgreSQL: {e.__class__.__name__}") from None
    redis_client = ctx.extra.get("redis")
    if redis_client is None and os.environ.get("REDIS_URL"):
        from app.redis_stores import make_client

        redis_client = make_client(os.environ["REDIS_URL"], 2.0)
    try:
        return drain(ctx.clients.get("sqs", ctx.region), url, OrderService(pool), pool, redis_client)
    finally:
        pool.close()
