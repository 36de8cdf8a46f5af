"""``python -m workers relay|drain|migrate|catalog-bootstrap|recommendations-refresh [options]``."""

from __future__ import annotations

import argparse
import importlib
import sys

# subcommand -> (module, one line): each module has add_arguments(parser) and run(args) -> exit status.
WORKERS = {
    "relay": ("workers.relay", "publish outbox events to MongoDB (DATABASE_URL, MONGODB_URI, REDIS_URL)"),
    "drain": ("workers.drain", "place the orders queued in read-only mode (DATABASE_URL, QUEUED_ORDERS_QUEUE_URL)"),
    "migrate": ("workers.migrate", "apply the PostgreSQL migrations and create the order partitions ahead"),
    "catalog-bootstrap": ("workers.catalog", "apply the catalog's validators, indexes and sharding (MONGODB_URI)"),
    "recommendations-refresh": (
        "workers.recommendations",
        "refresh category tops and every customer's recommendations (MONGODB_URI)",
    ),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers", description=(__doc__ or "").strip())
    sub = parser.add_subparsers(dest="worker", required=True)
    for name, (module, text) in WORKERS.items():
        p = sub.add_parser(name, help=text, description=text)
        importlib.import_module(module).add_arguments(p)
        p.set_defaults(run=importlib.import_module(module).run)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
