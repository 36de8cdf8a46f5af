"""``python -m workers migrate [--rollback-all] [--database-url URL]``: apply the PostgreSQL migrations.

Also creates the monthly order partitions ahead of time; run it from cron/a scheduled task at least monthly
(the app does the same at start-up), so an order never arrives for a month without a partition.
"""

from __future__ import annotations

import argparse

import psycopg

from app import db


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", default=None, help="default: $DATABASE_URL")
    parser.add_argument("--rollback-all", action="store_true", help="roll every migration back (destroys data)")
    parser.add_argument("--months-ahead", type=int, default=db.PARTITION_MONTHS_AHEAD)


def run(args: argparse.Namespace) -> int:
    dsn = args.database_url or db.database_url_from_env()
    done = db.migrate(dsn, rollback_all=args.rollback_all)
    verb = "rolled back" if args.rollback_all else "applied"
    print(f"migrations {verb}: {', '.join(done) if done else 'none (up to date)'}")
    if not args.rollback_all:
        with psycopg.connect(dsn) as conn:
            created = db.ensure_partitions(conn, args.months_ahead)
        print(f"order partitions created: {created}")
    return 0
