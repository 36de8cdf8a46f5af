"""Bootstrap the catalog in $MONGODB_URI: validators, indexes and (on mongos) sharding, idempotently."""

from __future__ import annotations

import argparse
import os

from app.catalog import bootstrap
from app.mongo import connect


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--uri", default=os.environ.get("MONGODB_URI"))
    parser.add_argument("--db", default=os.environ.get("MONGODB_DB", "catalog"))


def run(args: argparse.Namespace) -> int:
    if not args.uri:
        print("MONGODB_URI is not set; nothing to bootstrap (the local app uses mongomock)")
        return 2
    print(bootstrap(connect(args.uri, args.db)))
    return 0
