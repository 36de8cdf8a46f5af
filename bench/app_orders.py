"""Order placement under contention: pessimistic vs optimistic stock locking at 8 and 32 concurrent clients,
beside pgbench's built-in TPC-B-like script on the same PostgreSQL server with the same client counts.

Both run against one throwaway, durable PostgreSQL 15 (fsync and synchronous_commit on). The order
workload draws 1-3 lines per order from a Zipf(1.1) distribution over 2,000 SKUs, so the hottest SKUs
are contended. Clients are Python threads calling the same OrderService the API uses (one pooled
connection each); pgbench is C with one connection per client.

Results: a table on stdout and build/bench/app_orders.json. ``python -m bench.app_orders --help``.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Optional

import psycopg

from app import db
from app.devservers import PostgresServer, pg_bin_dir
from app.errors import ConcurrencyConflict, InsufficientStock
from app.orders import OrderLine, OrderService

OUT = Path("build/bench/app_orders.json")
CLIENTS = (8, 32)
VARIANTS = ("pessimistic", "optimistic")


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


class Zipf:
    """Ranks 0..n-1 with P(rank k) proportional to 1/(k+1)^s (inverse-CDF sampling)."""

    def __init__(self, n: int, s: float, rng: random.Random) -> None:
        weights = [1 / (k + 1) ** s for k in range(n)]
        total = sum(weights)
        acc, self.cdf = 0.0, []
        for w in weights:
            acc += w / total
            self.cdf.append(acc)
        self.rng = rng

    def sample(self) -> int:
        return min(bisect.bisect_left(self.cdf, self.rng.random()), len(self.cdf) - 1)


def prepare(dsn: str, skus: int, customers: int) -> tuple[list[str], list[int]]:
    db.migrate(dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        db.ensure_partitions(conn)
        with conn.transaction():
            conn.execute("INSERT INTO warehouses (code, name, region) VALUES ('AMS-1', 'Amsterdam', 'eu'), "
                         "('MAN-1', 'Manchester', 'uk'), ('RNO-1', 'Reno', 'us')")
            conn.execute("INSERT INTO products (sku, catalog_id, name, price_cents) "
                         "SELECT 'BEN-' || lpad(g::text, 5, '0'), 'p-' || lpad(g::text, 5, '0'), 'Bench ' || g, "
                         "100 + (g * 37) %% 5000 FROM generate_series(1, %s) g", (skus,))
            # plenty of stock: the benchmark measures locking, not sell-outs
            conn.execute("INSERT INTO inventory (product_id, warehouse_id, quantity) "
                         "SELECT p.id, w.id, 100000000 FROM products p CROSS JOIN warehouses w")
            conn.execute("INSERT INTO customers (email, region, country) SELECT 'bench' || g || '@example.com', 'eu', 'NL' "
                         "FROM generate_series(1, %s) g", (customers,))
        conn.execute("VACUUM ANALYZE")
        sku_list = [r[0] for r in conn.execute("SELECT sku FROM products ORDER BY id")]
        cust = [r[0] for r in conn.execute("SELECT id FROM customers ORDER BY id")]
    return sku_list, cust


def run_orders(dsn: str, variant: str, clients: int, duration: float, warmup: float, skus: list[str],
               customers: list[int], seed: int) -> dict:
    pool = db.make_pool(dsn, min_size=clients, max_size=clients, timeout=30, name=f"bench-{variant}")
    pool.wait(30)
    svc = OrderService(pool, locking=variant)
    stop = threading.Event()
    measuring = threading.Event()
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = {"conflict": 0, "short": 0, "other": 0}
    lock = threading.Lock()

    def client(i: int) -> None:
        rng = random.Random(seed * 1000 + i)
        zipf = Zipf(len(skus), 1.1, rng)
        while not stop.is_set():
            picks = sorted({zipf.sample() for _ in range(rng.randint(1, 3))})
            lines = [OrderLine(skus[k], rng.randint(1, 3)) for k in picks]
            started = time.perf_counter()
            try:
                svc.place_order(rng.choice(customers), lines, f"b-{uuid.uuid4().hex}")
            except ConcurrencyConflict:
                kind = "conflict"
            except InsufficientStock:
                kind = "short"
            except Exception:  # noqa: BLE001 - counted, reported
                kind = "other"
            else:
                if measuring.is_set():
                    latencies[i].append(time.perf_counter() - started)
                continue
            if measuring.is_set():
                with lock:
                    errors[kind] += 1

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    time.sleep(warmup)
    retries_before = svc.retries
    measuring.set()
    t0 = time.perf_counter()
    time.sleep(duration)
    measuring.clear()
    elapsed = time.perf_counter() - t0
    retries = svc.retries - retries_before
    stop.set()
    for t in threads:
        t.join(30)
    pool.close()
    lat = sorted(x for per in latencies for x in per)
    return {
        "variant": variant, "clients": clients, "orders": len(lat), "seconds": round(elapsed, 2),
        "orders_per_s": round(len(lat) / elapsed, 1),
        "p50_ms": round(percentile(lat, 50) * 1000, 2), "p99_ms": round(percentile(lat, 99) * 1000, 2),
        "mean_ms": round(statistics.fmean(lat) * 1000, 2) if lat else None,
        "optimistic_retries": retries if variant == "optimistic" else 0,
        "retries_per_order": round(retries / len(lat), 3) if lat and variant == "optimistic" else 0.0,
        "errors": errors,
    }


def run_pgbench(server: PostgresServer, clients: int, duration: float, scale: int, workdir: str) -> dict:
    pgbench = os.path.join(pg_bin_dir(), "pgbench")
    prefix = os.path.join(workdir, f"pgbench_c{clients}")
    cmd = [pgbench, "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres", "-n", "-M", "prepared",
           "-c", str(clients), "-j", str(min(clients, os.cpu_count() or 2)), "-T", str(int(duration)),
           "-l", "--log-prefix", prefix, "pgbench"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration * 4 + 60, cwd=workdir)
    if out.returncode != 0:
        raise RuntimeError(f"pgbench failed: {out.stderr.strip()}")
    tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", out.stdout).group(1))
    lat: list[float] = []
    for path in Path(workdir).glob(f"pgbench_c{clients}.*"):
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3:
                lat.append(int(parts[2]) / 1000.0)  # microseconds -> ms
        path.unlink()
    lat.sort()
    return {"clients": clients, "tps": round(tps, 1), "transactions": len(lat),
            "p50_ms": round(percentile(lat, 50), 2), "p99_ms": round(percentile(lat, 99), 2)}


def table(rows: list[list], headers: list[str]) -> str:
    cells = [headers] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = lambda r: "  ".join(c.rjust(w) for c, w in zip(r, widths))  # noqa: E731
    return "\n".join([line(cells[0]), "  ".join("-" * w for w in widths)] + [line(r) for r in cells[1:]])


def write_results(path: str, results: dict) -> None:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}\n", flush=True)


def main(argv: Optional[list[str]] = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.app_orders", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=float(os.environ.get("BENCH_DURATION", "8")))
    parser.add_argument("--warmup", type=float, default=1.5)
    parser.add_argument("--skus", type=int, default=2000)
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--pgbench-scale", type=int, default=10)
    parser.add_argument("--not-durable", action="store_true", help="fsync off (faster, not crash safe)")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)

    print(f"== bench.app_orders: order placement vs pgbench TPC-B-like, {args.duration:.0f}s per run ==", flush=True)
    results: dict = {"benchmark": "app_orders", "duration_s": args.duration, "durable": not args.not_durable,
                     "cpus": os.cpu_count(), "workload": {"skus": args.skus, "zipf_s": 1.1, "lines_per_order": "1-3",
                                                          "units_per_line": "1-3"},
                     "orders": [], "pgbench": [], "ratio": []}
    settings = {"shared_buffers": "256MB", "max_wal_size": "2GB"}
    with PostgresServer(durable=not args.not_durable, settings=settings, prefix="ecomart-bench-pg-") as server, \
            tempfile.TemporaryDirectory(prefix="ecomart-bench-") as workdir:
        os.chmod(workdir, 0o777)
        server.create_database("orders_bench")
        dsn = server.dsn("orders_bench")
        skus, customers = prepare(dsn, args.skus, args.customers)
        for variant in VARIANTS:
            for clients in CLIENTS:
                r = run_orders(dsn, variant, clients, args.duration, args.warmup, skus, customers, seed=clients)
                results["orders"].append(r)
                print(f"  {variant:<11} {clients:>2} clients: {r['orders_per_s']:>8} orders/s  p50 {r['p50_ms']} ms  "
                      f"p99 {r['p99_ms']} ms", flush=True)
        server.create_database("pgbench")
        init = subprocess.run([os.path.join(pg_bin_dir(), "pgbench"), "-h", "127.0.0.1", "-p", str(server.port),
                               "-U", "postgres", "-i", "-q", "-s", str(args.pgbench_scale), "pgbench"],
                              capture_output=True, text=True, timeout=600)
        if init.returncode != 0:
            raise RuntimeError(f"pgbench -i failed: {init.stderr.strip()}")
        for clients in CLIENTS:
            r = run_pgbench(server, clients, args.duration, args.pgbench_scale, workdir)
            results["pgbench"].append(r)
            print(f"  pgbench     {clients:>2} clients: {r['tps']:>8} tps       p50 {r['p50_ms']} ms  "
                  f"p99 {r['p99_ms']} ms", flush=True)

    pg_tps = {r["clients"]: r["tps"] for r in results["pgbench"]}
    rows = []
    for r in results["orders"]:
        ratio = round(r["orders_per_s"] / pg_tps[r["clients"]], 3) if pg_tps.get(r["clients"]) else None
        results["ratio"].append({"variant": r["variant"], "clients": r["clients"], "orders_per_pgbench_tx": ratio})
        rows.append([r["variant"], r["clients"], r["orders_per_s"], r["p50_ms"], r["p99_ms"], pg_tps[r["clients"]],
                     ratio, r["retries_per_order"], sum(r["errors"].values())])
    for r in results["pgbench"]:
        rows.append(["pgbench tpcb", r["clients"], r["tps"], r["p50_ms"], r["p99_ms"], r["tps"], 1.0, "-", "-"])
    print()
    print(table(rows, ["workload", "clients", "tx/s", "p50 ms", "p99 ms", "pgbench tps", "ratio", "retries/order",
                       "errors"]))
    print(f"(durable={results['durable']}; pgbench scale {args.pgbench_scale}; ratio = orders/s / pgbench tps at the "
          "same client count; errors = conflicts that exhausted retries or stock shortfalls)")
    write_results(args.out, results)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
