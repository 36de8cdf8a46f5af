"""The outbox relay under full-rate order load: orders for ``--duration`` seconds (16 in-process clients, the
pessimistic path) with 1 and then 2 relays running against **one shared store**; the outbox's pending count and
oldest event's age are sampled every 0.25 s. Reports the order rate, the relays' drain rate, the maximum pending
count and age, the time to drain after the load stops (bounded by ``--drain-timeout``), and whether the store ends
with exactly one analytics document per order (two relays sharing state correctly: nothing lost, nothing twice).

The store, named in every figure: MongoDB at $MONGODB_URI (relays as processes, each with its own client), or else
one in-process mongomock store shared by the relays as threads (one process: they also share its GIL). mongomock
scans every document of a collection for each update (no index), so its upserts slow down as collections grow
(0.26 s per 500 at 0 documents, 3.37 s at 5,000): a floor, not a MongoDB measurement.
Results: stdout and build/bench/app_relay.json. ``python -m bench.app_relay --help``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import threading
import time
from pathlib import Path

import psycopg

OUT = Path("build/bench/app_relay.json")


def _relay_loop(dsn: str, mongo, batch_size: int, stop, counter) -> None:
    from app.relay import OutboxRelay, Wakeup

    relay, wakeup = OutboxRelay(dsn, mongo, batch_size=batch_size), Wakeup(dsn)
    try:
        while not stop.is_set():
            n = relay.run_once()
            if n:
                with counter.get_lock():
                    counter.value += n
            else:
                wakeup.wait(1.0)
    finally:
        wakeup.close()
        relay.close()


def _relay_process(dsn: str, db_name: str, batch_size: int, stop, counter) -> None:
    from app.mongo import connect

    _relay_loop(dsn, connect(os.environ["MONGODB_URI"], db_name), batch_size, stop, counter)


def store_label() -> str:
    if os.environ.get("MONGODB_URI"):
        return "MongoDB server at MONGODB_URI (shared; relays as processes)"
    return "mongomock: one in-process store shared by the relays (threads; NOT a MongoDB server)"


def run(
    dsn: str,
    relays: int,
    duration: float,
    clients: int,
    skus: list[str],
    customers: list[int],
    batch_size: int,
    drain_timeout: float = 60.0,
) -> dict:
    from app.catalog import bootstrap
    from app.mongo import connect
    from bench.app_orders import run_orders

    uri = os.environ.get("MONGODB_URI") or None
    db_name = f"relay_bench_{relays}_{os.getpid()}"
    mongo = connect(uri, db_name)
    mongo.db.client.drop_database(db_name)  # a fresh store per run, also on a server
    bootstrap(mongo)
    if uri:
        ctx = mp.get_context("fork")
        stop, counter = ctx.Event(), ctx.Value("q", 0)
        workers = [
            ctx.Process(target=_relay_process, args=(dsn, db_name, batch_size, stop, counter)) for _ in range(relays)
        ]
    else:
        stop, counter = threading.Event(), mp.Value("q", 0)
        workers = [
            threading.Thread(target=_relay_loop, args=(dsn, mongo, batch_size, stop, counter), daemon=True)
            for _ in range(relays)
        ]
    for w in workers:
        w.start()
    samples: list[tuple[float, int, float]] = []
    sampling = threading.Event()

    def sample() -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            while not sampling.is_set():
                n, age = conn.execute(
                    "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0) "
                    "FROM outbox WHERE published_at IS NULL"
                ).fetchone()
                samples.append((time.perf_counter(), n, float(age)))
                time.sleep(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        published_before = counter.value
        load_start = time.perf_counter()
        load = run_orders(dsn, "pessimistic", clients, duration, 0.5, skus, customers, seed=relays)
        load_end = time.perf_counter()
        published_during = counter.value - published_before
        drained_at, pending_left = None, None
        with psycopg.connect(dsn, autocommit=True) as conn:
            deadline = time.monotonic() + drain_timeout
            while True:
                pending_left = conn.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0]
                if pending_left == 0:
                    drained_at = time.perf_counter()
                    break
                if time.monotonic() > deadline:
                    break
                time.sleep(0.1)
    finally:
        sampling.set()
        sampler.join(5)
        stop.set()
        for w in workers:
            w.join(60)
    # after the relays stopped (each finishes its batch): what they published, against what the store holds
    with psycopg.connect(dsn, autocommit=True) as conn:
        orders = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
        published = conn.execute("SELECT count(*) FROM outbox WHERE published_at IS NOT NULL").fetchone()[0]
    analytics = mongo.db.order_analytics.count_documents({})
    during = [s for s in samples if s[0] <= load_end]
    return {
        "relays": relays,
        "store": store_label(),
        "clients": clients,
        "orders_per_s": load["orders_per_s"],
        "relay_events_per_s_during_load": round(published_during / (load_end - load_start), 1),
        "max_pending": max((s[1] for s in samples), default=0),
        "max_age_s": round(max((s[2] for s in samples), default=0.0), 2),
        "pending_at_load_end": during[-1][1] if during else None,
        "drain_after_load_s": round(drained_at - load_end, 2) if drained_at else None,
        "pending_after_drain_timeout": 0 if drained_at else pending_left,
        # shared state: one analytics document per published order event, whichever relay published it
        "orders": orders,
        "events_published": published,
        "analytics_documents": analytics,
        "store_consistent": analytics == published,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.app_relay", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=float(os.environ.get("BENCH_RELAY_DURATION", "15")))
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument(
        "--drain-timeout", type=float, default=45.0, help="seconds to wait for the drain after the load"
    )
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)

    from bench.app_orders import prepare, table
    from devtools.servers import PostgresServer

    print(
        f"== bench.app_relay: {args.duration:.0f}s of orders with 1 and 2 relays; store: {store_label()} ==", flush=True
    )
    results: dict = {
        "benchmark": "app_relay",
        "duration_s": args.duration,
        "cpus": os.cpu_count(),
        "store": store_label(),
        "runs": [],
    }
    with PostgresServer(
        durable=True, settings={"shared_buffers": "256MB", "max_wal_size": "2GB"}, prefix="ecomart-bench-relay-"
    ) as server:
        for relays in (1, 2):
            name = f"relay_bench_{relays}"
            server.create_database(name)
            dsn = server.dsn(name)
            skus, customers = prepare(dsn, 2000, 5000)
            r = run(dsn, relays, args.duration, args.clients, skus, customers, args.batch_size, args.drain_timeout)
            results["runs"].append(r)
            print(
                f"  {relays} relay(s): orders {r['orders_per_s']}/s, relays {r['relay_events_per_s_during_load']} "
                f"events/s, max pending {r['max_pending']} (oldest {r['max_age_s']} s), drained "
                f"{r['drain_after_load_s']} s after the load (left after {args.drain_timeout:g} s: "
                f"{r['pending_after_drain_timeout']}); analytics documents {r['analytics_documents']} for "
                f"{r['events_published']} published events",
                flush=True,
            )
    print()
    print(
        table(
            [
                [
                    r["relays"],
                    r["orders_per_s"],
                    r["relay_events_per_s_during_load"],
                    round(r["relay_events_per_s_during_load"] / r["orders_per_s"], 2) if r["orders_per_s"] else "-",
                    r["max_pending"],
                    r["max_age_s"],
                    r["drain_after_load_s"] if r["drain_after_load_s"] is not None else f">{args.drain_timeout:g}",
                    r["store_consistent"],
                ]
                for r in results["runs"]
            ],
            [
                "relays",
                "orders/s",
                "relay events/s",
                "relay ÷ orders",
                "max pending",
                "max age s",
                "drain s",
                "one doc per event",
            ],
        )
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"(store: {store_label()})")
    print(f"wrote {out}\n", flush=True)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
