"""The read-only drain as a process: places the orders queued while orders were read-only, once PostgreSQL is
back (runbooks/orders-read-only-mode.md). Exit 1 when some were left for a retry."""

from __future__ import annotations

import argparse
import json
import sys

from app import db
from app.orders import OrderService
from app.read_only import drain
from app.redis_stores import make_client
from app.settings import Settings, SettingsError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options: DATABASE_URL, QUEUED_ORDERS_QUEUE_URL, REDIS_URL and AWS_REGION from the environment."""


def run(args: argparse.Namespace) -> int:
    import boto3

    try:
        settings = Settings.from_env()
    except SettingsError as e:
        print(f"workers drain: {e}", file=sys.stderr)
        return 2
    if not settings.database_url or not settings.queued_orders_queue_url:
        print("workers drain: DATABASE_URL and QUEUED_ORDERS_QUEUE_URL must be set", file=sys.stderr)
        return 2
    pool = db.make_pool(settings.database_url, max_size=2, timeout=10)
    client = make_client(settings.redis_url, 2.0) if settings.redis_url else None
    try:
        stats = drain(
            boto3.client("sqs", region_name=settings.aws_region),
            settings.queued_orders_queue_url,
            OrderService(pool),
            pool,
            client,
        )
    finally:
        pool.close()
    print(json.dumps(stats.__dict__))
    return 0 if stats.left_for_retry == 0 else 1
