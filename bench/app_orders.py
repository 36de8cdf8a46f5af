"""Order placement under contention: pessimistic vs optimistic stock locking at 8 and 32 concurrent clients,
beside pgbench running the order transaction itself (a custom script calling the same ecomart_place_order the app
calls, on the same data: the database's own speed for this work) and pgbench's TPC-B-like script, at the same
client counts; then the same orders over HTTP (a real client on loopback against uvicorn) at 16 and 64 clients.

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

import psycopg

from app import db
from app.errors import ConcurrencyConflict, InsufficientStock
from app.orders import OrderLine, OrderService
from devtools.servers import PostgresServer, RedisServer, pg_bin_dir

OUT = Path("build/bench/app_orders.json")
CLIENTS = (8, 32)
HTTP_CLIENTS = (16, 64)
VARIANTS = ("pessimistic", "optimistic")
HTTP_SETUPS = ("bench", "make-app")
# Customers the HTTP clients order as (each with a token): signing one RS256 token per customer of 5,000 took over a
# minute of the benchmark's CPU before each HTTP run.
TOKEN_CUSTOMERS = 256


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
            conn.execute(
                "INSERT INTO warehouses (code, name, region) VALUES ('AMS-1', 'Amsterdam', 'eu'), "
                "('MAN-1', 'Manchester', 'uk'), ('RNO-1', 'Reno', 'us')"
            )
            conn.execute(
                "INSERT INTO products (sku, catalog_id, name, price_cents) "
                "SELECT 'BEN-' || lpad(g::text, 5, '0'), 'p-' || lpad(g::text, 5, '0'), 'Bench ' || g, "
                "100 + (g * 37) %% 5000 FROM generate_series(1, %s) g",
                (skus,),
            )
            # plenty of stock: the benchmark measures locking, not sell-outs
            conn.execute(
                "INSERT INTO inventory (product_id, warehouse_id, quantity) "
                "SELECT p.id, w.id, 100000000 FROM products p CROSS JOIN warehouses w"
            )
            conn.execute(
                "INSERT INTO customers (email, region, country) SELECT 'bench' || g || '@example.com', 'eu', 'NL' "
                "FROM generate_series(1, %s) g",
                (customers,),
            )
        conn.execute("VACUUM ANALYZE")
        sku_list = [r[0] for r in conn.execute("SELECT sku FROM products ORDER BY id")]
        cust = [r[0] for r in conn.execute("SELECT id FROM customers ORDER BY id")]
    return sku_list, cust


def run_orders(
    dsn: str,
    variant: str,
    clients: int,
    duration: float,
    warmup: float,
    skus: list[str],
    customers: list[int],
    seed: int,
) -> dict:
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
        "variant": variant,
        "clients": clients,
        "orders": len(lat),
        "seconds": round(elapsed, 2),
        "orders_per_s": round(len(lat) / elapsed, 1),
        "p50_ms": round(percentile(lat, 50) * 1000, 2),
        "p99_ms": round(percentile(lat, 99) * 1000, 2),
        "mean_ms": round(statistics.fmean(lat) * 1000, 2) if lat else None,
        "optimistic_retries": retries if variant == "optimistic" else 0,
        "fallbacks": svc.fallbacks,
        "retries_per_order": round(retries / len(lat), 3) if lat and variant == "optimistic" else 0.0,
        "errors": errors,
    }


# The order transaction as a pgbench script: 1-3 Zipf(1.1) SKUs out of the benchmark's 2,000, 1-3 units each, a
# random customer and a fresh idempotency key - the same call, statements and locks as OrderService's.
ORDER_SCRIPT = r"""
\set cid random(1, :ncustomers)
\set k1 random_zipfian(1, :nskus, 1.1)
\set k2 random_zipfian(1, :nskus, 1.1)
\set k3 random_zipfian(1, :nskus, 1.1)
\set n random(1, 3)
\set q random(1, 3)
SELECT ecomart_place_order(:cid::bigint, 'pgb-' || gen_random_uuid(), md5(random()::text), s.skus,
                           array_fill(:q::int, ARRAY[cardinality(s.skus)]))
FROM (SELECT ARRAY(SELECT DISTINCT 'BEN-' || lpad(x::text, 5, '0')
                   FROM unnest((ARRAY[:k1::int, :k2::int, :k3::int])[1:(:n::int)]) x ORDER BY 1) AS skus) s;
"""


def run_pgbench(
    server: PostgresServer,
    clients: int,
    duration: float,
    scale: int,
    workdir: str,
    database: str = "pgbench",
    script: str | None = None,
    defines: dict | None = None,
) -> dict:
    pgbench = os.path.join(pg_bin_dir(), "pgbench")
    prefix = os.path.join(workdir, f"pgbench_{database}_c{clients}")
    extra: list[str] = []
    if script is not None:
        path = os.path.join(workdir, f"{database}.sql")
        Path(path).write_text(script)
        os.chmod(path, 0o644)
        extra = ["-f", path, *(f"-D{k}={v}" for k, v in (defines or {}).items())]
    cmd = [
        pgbench,
        "-h",
        "127.0.0.1",
        "-p",
        str(server.port),
        "-U",
        "postgres",
        "-n",
        "-M",
        "prepared",
        "-c",
        str(clients),
        "-j",
        str(min(clients, os.cpu_count() or 2)),
        "-T",
        str(int(duration)),
        "-l",
        "--log-prefix",
        prefix,
        *extra,
        database,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration * 4 + 60, cwd=workdir)
    if out.returncode != 0:
        raise RuntimeError(f"pgbench failed: {out.stderr.strip()}")
    tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", out.stdout).group(1))
    lat: list[float] = []
    for path in Path(workdir).glob(f"pgbench_{database}_c{clients}.*"):
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3:
                lat.append(int(parts[2]) / 1000.0)  # microseconds -> ms
        path.unlink()
    lat.sort()
    return {
        "clients": clients,
        "tps": round(tps, 1),
        "transactions": len(lat),
        "p50_ms": round(percentile(lat, 50), 2),
        "p99_ms": round(percentile(lat, 99), 2),
    }


def run_http(
    dsn: str,
    clients: int,
    duration: float,
    warmup: float,
    skus: list[str],
    customers: list[int],
    seed: int,
    workers: int,
    setup: str = "bench",
    redis_url: str | None = None,
    pool_max: int | None = None,
) -> dict:
    """POST /orders through a real HTTP client on loopback against uvicorn. Bounded: ``duration`` seconds of
    measurement. Two setups:

    - ``bench``: ``workers`` uvicorn processes, each with a PostgreSQL pool sized to its share of the clients, no
      relay, Redis or MongoDB: the order path alone;
    - ``make-app``: what ``make app`` runs - one process, the outbox relay in a thread (RELAY_IN_PROCESS) writing
      to the in-process mongomock catalog, Redis, and the app's default pool (PG_POOL_MAX unset)."""
    import httpx

    from app.auth import issue_token, new_key_pair
    from devtools.servers import free_port

    port = free_port()
    # Customers authenticate with tokens the server verifies itself (AUTH_MODE=jwt: each request pays for an
    # RS256 verification, which API Gateway's authorizer does instead on Lambda).
    private_pem, public_pem = new_key_pair()
    keys = tempfile.TemporaryDirectory(prefix="ecomart-bench-")  # removed in `finally`, whatever stops the run
    key_file = Path(keys.name) / "issuer.pem"
    key_file.write_text(public_pem)
    issuer, audience = "https://bench.ecomart.example", "ecomart-bench"
    tokens = {
        c: issue_token(private_pem, issuer=issuer, audience=audience, customer_id=c, lifetime_seconds=6 * 3600)
        for c in customers[:TOKEN_CUSTOMERS]
    }
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PG_POOL")},
        "DATABASE_URL": dsn,
        "PG_POOL_TIMEOUT": "30",
        "AUTH_ISSUER": issuer,
        "AUTH_AUDIENCE": audience,
        "AUTH_PUBLIC_KEY_FILE": str(key_file),
    }
    for var in ("REDIS_URL", "MONGODB_URI", "RELAY_IN_PROCESS"):
        env.pop(var, None)
    if setup == "bench":
        env.update(PG_POOL_MIN="2", PG_POOL_MAX=str(max(4, clients // workers + 2)))
    elif setup == "make-app":
        workers = 1
        env.update(RELAY_IN_PROCESS="1", **({"REDIS_URL": redis_url} if redis_url else {}))
        if pool_max is not None:  # to compare pool sizes; unset: the app's default, as `make app` runs
            env["PG_POOL_MAX"] = str(pool_max)
    else:
        raise ValueError(f"setup {setup!r}: bench or make-app")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.api:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--http",
            "app.server:BoundedHeadersProtocol",  # as `make app` and app.server serve it
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("uvicorn did not come up")
            time.sleep(0.2)
        import multiprocessing as mp

        # The clients run in their own processes (threads within each): one Python process with 64 client
        # threads would measure its own GIL, not the server.
        procs = min(2, clients)
        ctx = mp.get_context("fork")
        results_q = ctx.Queue()
        workers_ = [
            ctx.Process(
                target=_http_clients,
                args=(
                    base,
                    [i for i in range(clients) if i % procs == p],
                    duration,
                    warmup,
                    skus,
                    tokens,
                    seed,
                    results_q,
                ),
            )
            for p in range(procs)
        ]
        for w in workers_:
            w.start()
        lat, statuses, elapsed = [], {}, duration
        for _ in workers_:
            part_lat, part_status, part_elapsed = results_q.get(timeout=duration + warmup + 120)
            lat += part_lat
            for k, v in part_status.items():
                statuses[k] = statuses.get(k, 0) + v
            elapsed = max(elapsed, part_elapsed)
        for w in workers_:
            w.join(30)
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        keys.cleanup()
    lat.sort()
    return {
        "transport": "http",
        "setup": setup,
        "clients": clients,
        "workers": workers,
        "client_processes": procs,
        "orders": len(lat),
        "orders_per_s": round(len(lat) / elapsed, 1),
        "p50_ms": round(percentile(lat, 50) * 1000, 2),
        "p99_ms": round(percentile(lat, 99) * 1000, 2),
        "non_201": statuses,
    }


def _http_clients(
    base: str, ids: list[int], duration: float, warmup: float, skus: list[str], tokens: dict[int, str], seed: int, out
) -> None:
    """One client process: a thread per client id, each with its own keep-alive connection (the standard
    library's http.client: a real HTTP/1.1 client that costs little CPU, so the server is what is measured)."""
    import http.client
    from urllib.parse import urlsplit

    host = urlsplit(base)
    stop, measuring = threading.Event(), threading.Event()
    latencies: list[list[float]] = [[] for _ in ids]
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    customers = sorted(tokens)

    def client(slot: int, i: int) -> None:
        rng = random.Random(seed * 1000 + i)
        zipf = Zipf(len(skus), 1.1, rng)
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
        try:
            while not stop.is_set():
                picks = sorted({zipf.sample() for _ in range(rng.randint(1, 3))})
                customer = rng.choice(customers)
                body = json.dumps({"items": [{"sku": skus[k], "quantity": rng.randint(1, 3)} for k in picks]})
                started = time.perf_counter()
                conn.request(
                    "POST",
                    "/orders",
                    body=body,
                    headers={
                        "Content-Type": "application/json",
                        "Idempotency-Key": f"h-{uuid.uuid4().hex}",
                        "Authorization": f"Bearer {tokens[customer]}",
                    },
                )
                resp = conn.getresponse()
                resp.read()
                if measuring.is_set():
                    if resp.status == 201:
                        latencies[slot].append(time.perf_counter() - started)
                    else:
                        with lock:
                            statuses[resp.status] = statuses.get(resp.status, 0) + 1
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(slot, i), daemon=True) for slot, i in enumerate(ids)]
    for t in threads:
        t.start()
    time.sleep(warmup)
    measuring.set()
    t0 = time.perf_counter()
    time.sleep(duration)
    measuring.clear()
    elapsed = time.perf_counter() - t0
    stop.set()
    for t in threads:
        t.join(60)
    out.put(([x for per in latencies for x in per], statuses, elapsed))


def abba(rep: int, a, b) -> tuple[dict, dict]:
    """Run ``a`` and ``b`` back to back, ``a`` first on even repetitions and ``b`` first on odd ones (ABBA), so a
    drift in the machine's load does not always favour the same side. Returns (a's result, b's result)."""
    if rep % 2 == 0:
        first = a()
        return first, b()
    second = b()
    return a(), second


def median_pair(pairs: list[tuple[float, dict, dict]]) -> tuple[dict, dict]:
    """The (first, second) runs of the pair with the median ratio; the first gets every pair's ratio."""
    pairs = sorted(pairs, key=lambda p: p[0])
    _, first, second = pairs[len(pairs) // 2]
    first["pair_ratios"] = [round(p[0], 3) for p in pairs]
    # every run of both sides, so a ratio taken against one side alone (optimistic ÷ same script, app ÷ TPC-B) can
    # show its spread too
    first["runs_per_s"] = [p[1].get("orders_per_s", p[1].get("tps")) for p in pairs]
    second["runs_tps"] = [p[2].get("tps", p[2].get("orders_per_s")) for p in pairs]
    return first, second


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


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.app_orders", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=float(os.environ.get("BENCH_DURATION", "5")))
    parser.add_argument("--warmup", type=float, default=1.5)
    parser.add_argument("--skus", type=int, default=2000)
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--pgbench-scale", type=int, default=10)
    parser.add_argument("--not-durable", action="store_true", help="fsync off (faster, not crash safe)")
    parser.add_argument("--http-workers", type=int, default=2, help="uvicorn worker processes for the HTTP runs")
    parser.add_argument(
        "--pairs", type=int, default=4, help="app / same-script run pairs per client count (even: ABBA balanced)"
    )
    parser.add_argument("--http-pairs", type=int, default=2, help="in-process / HTTP run pairs per setup (AB, BA)")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)

    print(f"== bench.app_orders: order placement vs pgbench TPC-B-like, {args.duration:.0f}s per run ==", flush=True)
    results: dict = {
        "benchmark": "app_orders",
        "duration_s": args.duration,
        "durable": not args.not_durable,
        "cpus": os.cpu_count(),
        "workload": {"skus": args.skus, "zipf_s": 1.1, "lines_per_order": "1-3", "units_per_line": "1-3"},
        "orders": [],
        "pgbench": [],
        "same_script": [],
        "http": [],
        "ratio": [],
    }
    settings = {"shared_buffers": "256MB", "max_wal_size": "2GB"}
    with (
        PostgresServer(durable=not args.not_durable, settings=settings, prefix="ecomart-bench-pg-") as server,
        RedisServer(prefix="ecomart-bench-redis-") as redis_server,
        tempfile.TemporaryDirectory(prefix="ecomart-bench-") as workdir,
    ):
        os.chmod(workdir, 0o777)
        server.create_database("orders_bench")
        dsn = server.dsn("orders_bench")
        skus, customers = prepare(dsn, args.skus, args.customers)
        # Warm the server (shared buffers, WAL files, plans) before anything is measured: the first measured run
        # would otherwise pay for it alone and be compared with the warm runs after it.
        run_orders(dsn, "pessimistic", 8, args.warmup * 2, 0.5, skus, customers, seed=99)
        # Pessimistic and the same work in pgbench (the order transaction as a custom script on the same data)
        # run back to back, ``--pairs`` times per client count, in ABBA order (app first, then pgbench first, ...):
        # on a shared machine the load drifts, and always running one side first biases the ratio. Reported: the
        # median pair and the spread (min-max) of every pair's ratio.
        for clients in CLIENTS:
            pairs = []
            for rep in range(args.pairs):

                def app_side(rep=rep, clients=clients) -> dict:
                    return run_orders(
                        dsn,
                        "pessimistic",
                        clients,
                        args.duration,
                        args.warmup,
                        skus,
                        customers,
                        seed=clients * 10 + rep,
                    )

                def pgbench_side(clients=clients) -> dict:
                    return run_pgbench(
                        server,
                        clients,
                        args.duration,
                        args.pgbench_scale,
                        workdir,
                        database="orders_bench",
                        script=ORDER_SCRIPT,
                        defines={"ncustomers": len(customers), "nskus": len(skus)},
                    )

                app_run, same_run = abba(rep, app_side, pgbench_side)
                pairs.append((app_run["orders_per_s"] / same_run["tps"], app_run, same_run))
                print(
                    f"  pessimistic {clients:>2} clients ({'app first' if rep % 2 == 0 else 'pgbench first'}): "
                    f"{app_run['orders_per_s']:>8} orders/s  p50 {app_run['p50_ms']} ms  p99 {app_run['p99_ms']} ms"
                    f" | same-script {same_run['tps']} tps p50 {same_run['p50_ms']} ms | ratio {pairs[-1][0]:.3f}",
                    flush=True,
                )
            app_run, same_run = median_pair(pairs)
            results["orders"].append(app_run)
            results["same_script"].append(same_run)
        for clients in CLIENTS:
            r = run_orders(dsn, "optimistic", clients, args.duration, args.warmup, skus, customers, seed=clients)
            results["orders"].append(r)
            print(
                f"  optimistic  {clients:>2} clients: {r['orders_per_s']:>8} orders/s  p50 {r['p50_ms']} ms  "
                f"p99 {r['p99_ms']} ms  (fallbacks {r['fallbacks']}, gave up {r['errors']['conflict']})",
                flush=True,
            )
        # Over HTTP (a real client on loopback) against in-process, in ABBA pairs at 16 clients (median pair and
        # spread reported), for both setups: the bench's (uvicorn workers, the order path alone) and `make app`'s
        # (one process with the relay thread, Redis and the default pool); then 64 clients once each.
        for setup in HTTP_SETUPS:
            http_pairs = []
            for rep in range(args.http_pairs):
                inproc, over_http = abba(
                    rep,
                    lambda rep=rep: run_orders(
                        dsn, "pessimistic", 16, args.duration, args.warmup, skus, customers, seed=160 + rep
                    ),
                    lambda rep=rep, setup=setup: run_http(
                        dsn,
                        16,
                        args.duration,
                        args.warmup + 1,
                        skus,
                        customers,
                        seed=16 + rep,
                        workers=args.http_workers,
                        setup=setup,
                        redis_url=redis_server.url(),
                    ),
                )
                http_pairs.append((over_http["orders_per_s"] / inproc["orders_per_s"], inproc, over_http))
                print(
                    f"  16 clients ({setup}): in-process {inproc['orders_per_s']} orders/s, http "
                    f"{over_http['orders_per_s']} orders/s (p50 {over_http['p50_ms']} ms, p99 {over_http['p99_ms']} "
                    f"ms) | ratio {http_pairs[-1][0]:.3f}",
                    flush=True,
                )
            inproc16, http16 = median_pair(http_pairs)
            http16["pair_ratios"] = inproc16.pop("pair_ratios")
            http16["inprocess_orders_per_s"] = inproc16["orders_per_s"]
            results["http"].append(http16)
            r = run_http(
                dsn,
                64,
                args.duration,
                args.warmup + 1,
                skus,
                customers,
                seed=64,
                workers=args.http_workers,
                setup=setup,
                redis_url=redis_server.url(),
            )
            results["http"].append(r)
            print(
                f"  http ({setup}) 64 clients: {r['orders_per_s']:>8} orders/s  p50 {r['p50_ms']} ms  "
                f"p99 {r['p99_ms']} ms  (workers {r['workers']}, non-201 {r['non_201']})",
                flush=True,
            )
        server.create_database("pgbench")
        init = subprocess.run(
            [
                os.path.join(pg_bin_dir(), "pgbench"),
                "-h",
                "127.0.0.1",
                "-p",
                str(server.port),
                "-U",
                "postgres",
                "-i",
                "-q",
                "-s",
                str(args.pgbench_scale),
                "pgbench",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if init.returncode != 0:
            raise RuntimeError(f"pgbench -i failed: {init.stderr.strip()}")
        for clients in CLIENTS:
            r = run_pgbench(server, clients, args.duration, args.pgbench_scale, workdir)
            results["pgbench"].append(r)
            print(
                f"  pgbench     {clients:>2} clients: {r['tps']:>8} tps       p50 {r['p50_ms']} ms  "
                f"p99 {r['p99_ms']} ms",
                flush=True,
            )

    pg_tps = {r["clients"]: r["tps"] for r in results["pgbench"]}
    same = {r["clients"]: r["tps"] for r in results["same_script"]}
    rows = []
    same_runs = {r["clients"]: r.get("runs_tps", [r["tps"]]) for r in results["same_script"]}

    def spread(values: list[float]) -> str:
        return f" ({min(values):.3f}-{max(values):.3f})" if len(values) > 1 else ""

    for r in results["orders"]:
        c = r["clients"]
        ratio = round(r["orders_per_s"] / same[c], 3) if same.get(c) else None
        tpcb = round(r["orders_per_s"] / pg_tps[c], 3) if pg_tps.get(c) else None
        if r.get("pair_ratios"):  # pessimistic: the ABBA pairs' own ratios
            ratio_spread = spread(r["pair_ratios"])
            tpcb_spread = spread([v / pg_tps[c] for v in r.get("runs_per_s", [])]) if pg_tps.get(c) else ""
        else:  # optimistic, one run: against each same-script run of that client count
            ratio_spread = spread([r["orders_per_s"] / t for t in same_runs.get(c, []) if t])
            tpcb_spread = ""
        results["ratio"].append(
            {
                "variant": r["variant"],
                "clients": c,
                "orders_per_same_script_tx": ratio,
                "orders_per_same_script_tx_spread": ratio_spread.strip(" ()"),
                "orders_per_tpcb_tx": tpcb,
                "orders_per_tpcb_tx_spread": tpcb_spread.strip(" ()"),
            }
        )
        ratio = f"{ratio}{ratio_spread}" if ratio is not None else None
        tpcb = f"{tpcb}{tpcb_spread}" if tpcb is not None else None
        rows.append(
            [
                r["variant"],
                c,
                r["orders_per_s"],
                r["p50_ms"],
                r["p99_ms"],
                same.get(c, "-"),
                ratio or "-",
                tpcb or "-",
                r["retries_per_order"],
                r.get("fallbacks", 0),
                sum(r["errors"].values()),
            ]
        )
    for r in results["same_script"]:
        rows.append(
            [
                "pgbench order script",
                r["clients"],
                r["tps"],
                r["p50_ms"],
                r["p99_ms"],
                r["tps"],
                1.0,
                "-",
                "-",
                "-",
                "-",
            ]
        )
    for r in results["pgbench"]:
        rows.append(["pgbench tpcb", r["clients"], r["tps"], r["p50_ms"], r["p99_ms"], "-", "-", 1.0, "-", "-", "-"])
    for r in results["http"]:
        base = r.get("inprocess_orders_per_s")  # the in-process run paired with it (16 clients)
        r["http_per_inprocess_16"] = round(r["orders_per_s"] / base, 3) if base else None
        shown = r["http_per_inprocess_16"] or "-"
        if r.get("pair_ratios"):
            shown = f"{shown} ({min(r['pair_ratios'])}-{max(r['pair_ratios'])})"
        rows.append(
            [
                f"http {r['setup']} ({r['workers']} worker{'s' if r['workers'] > 1 else ''})",
                r["clients"],
                r["orders_per_s"],
                r["p50_ms"],
                r["p99_ms"],
                "-",
                shown,
                "-",
                "-",
                "-",
                sum(r["non_201"].values()),
            ]
        )
    print()
    print(
        table(
            rows,
            [
                "workload",
                "clients",
                "tx/s",
                "p50 ms",
                "p99 ms",
                "same-script tps",
                "ratio",
                "÷ tpcb",
                "retries/order",
                "fallbacks",
                "errors",
            ],
        )
    )
    print(
        f"(durable={results['durable']}; ratio = orders/s ÷ the same order transaction in pgbench at the same "
        "client count (http rows: ÷ in-process pessimistic at 16 clients); ÷ tpcb = orders/s ÷ pgbench's TPC-B-like "
        f"script (scale {args.pgbench_scale}); errors = orders that gave up or found no stock)"
    )
    write_results(args.out, results)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
