"""Catalog reads on a Zipf-distributed workload: cache-aside through Redis vs straight to the catalog store.

The same operation sequence runs twice: product reads whose ids follow Zipf(1.1) over the catalog, with
0.5 % product updates (write + cache invalidation). "cached" goes through the app's cache-aside
(JsonCache over a throwaway Redis 7, cold at start); "uncached" reads the catalog store directly.

The catalog store is MongoDB at $MONGODB_URI when set; otherwise mongomock, in-process, which is NOT a
real MongoDB: its "uncached" latency says nothing about MongoDB and the table says so.

Results: a table on stdout and build/bench/app_catalog.json. ``python -m bench.app_catalog --help``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

from app.catalog import Catalog, bootstrap
from app.mongo import connect
from app.redis_stores import JsonCache, make_client
from bench.app_orders import Zipf, percentile, table, write_results
from devtools.seed import build_products, build_reviews
from devtools.servers import RedisServer

OUT = Path("build/bench/app_catalog.json")


def workload(n_ops: int, ids: list[str], seed: int, write_share: float) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    order = ids[:]
    rng.shuffle(order)  # popularity is unrelated to id order
    zipf = Zipf(len(order), 1.1, rng)
    return [("write" if rng.random() < write_share else "read", order[zipf.sample()]) for _ in range(n_ops)]


def run(catalog: Catalog, cache: JsonCache | None, ops: list[tuple[str, str]], clients: int) -> dict:
    chunks = [ops[i::clients] for i in range(clients)]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    counter = {"writes": 0}
    lock = threading.Lock()

    def client(i: int) -> None:
        for kind, pid in chunks[i]:
            if kind == "write":
                catalog.update_product(pid, {"tags": ["bench", f"v{time.perf_counter_ns() % 1000}"]})
                if cache is not None:
                    cache.invalidate(pid)
                with lock:
                    counter["writes"] += 1
                continue
            started = time.perf_counter()
            if cache is not None:
                doc, _ = cache.get_or_load(pid, lambda pid=pid: catalog.get_public(pid))
            else:
                doc = catalog.get_public(pid)
            latencies[i].append(time.perf_counter() - started)
            assert doc is not None

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    lat = sorted(x for per in latencies for x in per)
    out = {
        "reads": len(lat),
        "writes": counter["writes"],
        "seconds": round(elapsed, 2),
        "reads_per_s": round(len(lat) / elapsed, 1),
        "p50_ms": round(percentile(lat, 50) * 1000, 3),
        "p99_ms": round(percentile(lat, 99) * 1000, 3),
        "mean_ms": round(statistics.fmean(lat) * 1000, 3),
    }
    if cache is not None:
        out.update(hits=cache.stats.hits, misses=cache.stats.misses, hit_ratio=round(cache.stats.hit_ratio, 4))
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.app_catalog", description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--ops", type=int, default=int(os.environ.get("BENCH_CATALOG_OPS", "8000")))
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--write-share", type=float, default=0.005)
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)

    uri = os.environ.get("MONGODB_URI") or None
    store = "MongoDB at MONGODB_URI" if uri else "mongomock (in-process; NOT a real MongoDB)"
    print(
        f"== bench.app_catalog: Zipf(1.1) product reads over {args.products} products, {args.ops} ops, "
        f"{args.clients} clients; catalog store: {store} ==",
        flush=True,
    )
    handle = connect(uri, f"ecomart_bench_{os.getpid()}" if uri else "ecomart")
    results: dict = {
        "benchmark": "app_catalog",
        "catalog_store": store,
        "products": args.products,
        "ops": args.ops,
        "clients": args.clients,
        "zipf_s": 1.1,
        "write_share": args.write_share,
        "runs": {},
    }
    try:
        bootstrap(handle)
        docs = build_products(args.products, seed=21)
        buckets = build_reviews(docs, seed=21)
        handle.db.products.insert_many(docs)
        if buckets:
            handle.db.reviews.insert_many(buckets)
        catalog = Catalog(handle)
        ids = [d["_id"] for d in docs]
        ops = workload(args.ops, ids, seed=5, write_share=args.write_share)
        results["distinct_products_read"] = len({pid for kind, pid in ops if kind == "read"})
        with RedisServer(prefix="ecomart-bench-redis-") as redis_server:
            client = make_client(redis_server.url(), timeout=2.0)
            cache = JsonCache(client, "product", ttl=300, jitter=0.1)
            results["runs"]["uncached"] = run(catalog, None, ops, args.clients)
            results["runs"]["cached"] = run(catalog, cache, ops, args.clients)
            client.close()
    finally:
        if uri:
            handle.client.drop_database(handle.db.name)
        handle.close()

    u, c = results["runs"]["uncached"], results["runs"]["cached"]
    print(
        table(
            [
                ["uncached", u["reads"], u["reads_per_s"], u["p50_ms"], u["p99_ms"], "-"],
                ["cached (Redis)", c["reads"], c["reads_per_s"], c["p50_ms"], c["p99_ms"], f"{c['hit_ratio']:.1%}"],
            ],
            ["reads", "n", "reads/s", "p50 ms", "p99 ms", "hit ratio"],
        )
    )
    print(
        f"(catalog store: {store}; {results['distinct_products_read']} distinct products read; "
        f"{c['writes']} updates with invalidation; cache starts cold)"
    )
    write_results(args.out, results)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
