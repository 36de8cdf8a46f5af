"""The outbox relay as a process: publishes outbox events to MongoDB until stopped (SIGTERM) or, with ``--once``,
until the outbox is empty. On Lambda the relay function (app/lambda_handler.py) does the same job."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

from app.mongo import connect
from app.redis_stores import JsonCache, make_client
from app.relay import OutboxRelay, Wakeup

log = logging.getLogger("ecomart.relay")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="publish until the outbox is empty, then exit")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument(
        "--interval", type=float, default=2.0, help="poll fallback: seconds to wait for a NOTIFY when idle"
    )
    parser.add_argument("--die-after-applying", type=int, default=None, help=argparse.SUPPRESS)  # kill -9 test


def run(args: argparse.Namespace) -> int:
    dsn = os.environ.get("DATABASE_URL")
    uri = os.environ.get("MONGODB_URI")
    if not dsn or not uri:
        print(
            "python -m workers relay needs DATABASE_URL and MONGODB_URI (mongomock is in-process only; "
            "the local app runs its relay in a thread)",
            file=sys.stderr,
        )
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    redis_url = os.environ.get("REDIS_URL")
    product_cache = reco_cache = None
    if redis_url:
        client = make_client(redis_url)
        product_cache = JsonCache(client, "product")
        reco_cache = JsonCache(client, "reco")

    applied = {"n": 0}

    def die_after(stage: str, _i: int) -> None:  # test hook: a real kill -9 in the middle of a batch
        if stage == "applied":
            applied["n"] += 1
            if applied["n"] >= args.die_after_applying:
                os.kill(os.getpid(), signal.SIGKILL)

    fault = die_after if args.die_after_applying is not None else None
    relay = OutboxRelay(
        dsn,
        connect(uri, os.environ.get("MONGODB_DB", "catalog")),
        batch_size=args.batch_size,
        product_cache=product_cache,
        reco_cache=reco_cache,
        fault=fault,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    wakeup = Wakeup(dsn)
    try:
        while not stop.is_set():
            n = relay.run_once()
            if n:
                log.info("published %d events; lag %s", n, relay.lag())
            elif args.once:
                break
            else:
                wakeup.wait(args.interval)
    except KeyboardInterrupt:
        pass
    finally:
        wakeup.close()
        relay.close()
    return 0
