"""The outbox relay under full-rate order load: orders for ``--duration`` seconds (16 in-process clients, the
pessimistic path) with 1 and then 2 relay processes running; the outbox's pending count and oldest event's age are
sampled every 0.25 s. Reports the order rate, the relays' drain rate, the maximum pending count and age, and the
time to drain after the load stops.

The relays write to MongoDB at $MONGODB_URI, or else to an in-process mongomock store. mongomock scans every
document of a collection for each update (no index), so with it the relay's rate is mongomock's, falling as its
collections grow: a floor, not a MongoDB measurement. Run with MONGODB_URI for the real figure.
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


def _relay_process(dsn: str, batch_size: int, stop, counter) -> None:
    from app.catalog import bootstrap
    from app.mongo import connect
    from app.relay import OutboxRelay, Wakeup

    mongo = connect(os.environ.get("MONGODB_URI") or None, os.environ.get("MONGODB_DB", "relay_bench"))
    bootstrap(mongo)
    relay, wakeup = OutboxRelay(dsn, mongo, batch_size=batch_size), Wakeup(dsn)
    while not stop.is_set():
        n = relay.run_once()
        if n:
            with counter.get_lock():
                counter.value += n
        else:
            wakeup.wait(1.0)
    wakeup.close()
    relay.close()


def run(
    dsn: str, relays: int, duration: float, clients: int, skus: list[str], customers: list[int], batch_size: int
) -> dict:
    from bench.app_orders import run_orders

    ctx = mp.get_context("fork")
    stop, counter = ctx.Event(), ctx.Value("q", 0)
    procs = [ctx.Process(target=_relay_process, args=(dsn, batch_size, stop, counter)) for _ in range(relays)]
    for p in procs:
        p.start()
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
    published_before = counter.value
    load = run_orders(dsn, "pessimistic", clients, duration, 0.5, skus, customers, seed=relays)
    load_end = time.perf_counter()
    published_during = counter.value - published_before
    drained_at = None
    with psycopg.connect(dsn, autocommit=True) as conn:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if conn.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0] == 0:
                drained_at = time.perf_counter()
                break
            time.sleep(0.1)
    sampling.set()
    sampler.join(5)
    stop.set()
    for p in procs:
        p.join(30)
    during = [s for s in samples if s[0] <= load_end]
    return {
        "relays": relays,
        "clients": clients,
        "orders_per_s": load["orders_per_s"],
        "relay_events_per_s_during_load": round(published_during / (load_end - (load_end - duration - 0.5)), 1),
        "max_pending": max((s[1] for s in samples), default=0),
        "max_age_s": round(max((s[2] for s in samples), default=0.0), 2),
        "pending_at_load_end": during[-1][1] if during else None,
        "drain_after_load_s": round(drained_at - load_end, 2) if drained_at else None,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.app_relay", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=float(os.environ.get("BENCH_RELAY_DURATION", "30")))
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)

    from bench.app_orders import prepare, table
    from devtools.servers import PostgresServer

    print(
        f"== bench.app_relay: {args.duration:.0f}s of orders with 1 and 2 relays (MongoDB side: "
        f"{'MONGODB_URI' if os.environ.get('MONGODB_URI') else 'mongomock, NOT a MongoDB server'}) ==",
        flush=True,
    )
    results: dict = {
        "benchmark": "app_relay",
        "duration_s": args.duration,
        "cpus": os.cpu_count(),
        "mongodb": "server at MONGODB_URI" if os.environ.get("MONGODB_URI") else "mongomock (in-process, not a server)",
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
            r = run(dsn, relays, args.duration, args.clients, skus, customers, args.batch_size)
            results["runs"].append(r)
            print(
                f"  {relays} relay(s): orders {r['orders_per_s']}/s, relays {r['relay_events_per_s_during_load']} "
                f"events/s, max pending {r['max_pending']} (oldest {r['max_age_s']} s), drained "
                f"{r['drain_after_load_s']} s after the load",
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
                    r["drain_after_load_s"],
                ]
                for r in results["runs"]
            ],
            ["relays", "orders/s", "relay events/s", "relay ÷ orders", "max pending", "max age s", "drain s"],
        )
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}\n", flush=True)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
