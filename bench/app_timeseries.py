"""Time series on PostgreSQL (app/timeseries.py, ADR 0029) at 10 million points each of sales and inventory levels
over 90 days: the relay's write rate (``record_batch``, as the relay calls it, 500-event batches of 3 lines) and a
bulk load's (both tables at once, on two connections), then the queries' latency — sales per category per hour
over a day, top sellers per category per day over a week, one product's level over 30 days, stock-outs in a day —
with the BRIN indexes and, for the time-range queries, without them (the ratio is what they buy); and retention
(dropping a month's partition).

Throwaway server (fsync off), medians of ``--runs``; the machine is shared, so read ratios from one run."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

OUT = Path("build/bench/app_timeseries.json")
DAYS = 90


def _median(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.app_timeseries", description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=10_000_000, help="sales points and as many level points")
    parser.add_argument("--relay-events", type=int, default=20_000, help="events written through record_batch")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])

    import psycopg

    from app import db
    from app import timeseries as T
    from devtools.servers import PostgresServer

    end = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    start = end - dt.timedelta(days=DAYS)
    results: dict = {"benchmark": "app_timeseries", "points": args.points, "days": DAYS, "runs": args.runs}
    with PostgresServer(prefix="ecomart-bench-ts-", settings={"shared_buffers": "512MB", "max_wal_size": "4GB"}) as s:
        s.create_database("ts")
        dsn = s.dsn("ts")
        db.migrate(dsn)
        with psycopg.connect(dsn, autocommit=True) as conn:
            for table in T.TABLES:
                conn.execute("SELECT ecomart_ensure_time_partitions(%s, %s, 5)", (table, start.date()))
            conn.execute("INSERT INTO warehouses (code, name, region) VALUES ('w1', 'W1', 'eu'), ('w2', 'W2', 'eu')")
            conn.execute(
                "INSERT INTO products (sku, catalog_id, name, price_cents) "
                "SELECT 'SKU-' || lpad(g::text, 5, '0'), 'c' || g, 'p' || g, 100 + g FROM generate_series(1, 5000) g"
            )
            conn.execute(
                "INSERT INTO inventory (product_id, warehouse_id, quantity) "
                "SELECT p.id, w.id, 100 FROM products p, warehouses w"
            )
            # the relay's path: batches of 500 OrderPlaced events, 3 lines each
            events = [
                {
                    "id": i,
                    "event_type": "OrderPlaced",
                    "payload": {
                        "created_at": (end - dt.timedelta(seconds=args.relay_events - i)).isoformat(),
                        "items": [
                            {
                                "product_id": 1 + (i * 7 + k) % 5000,
                                "catalog_id": "c",
                                "quantity": 1,
                                "unit_price_cents": 250,
                            }
                            for k in range(3)
                        ],
                    },
                }
                for i in range(1, args.relay_events + 1)
            ]
            t0 = time.perf_counter()
            written = [0, 0]
            for b in range(0, len(events), 500):
                with conn.transaction():
                    n_sales, n_levels = T.record_batch(conn, events[b : b + 500], {"c": ["apparel"]})
                written[0] += n_sales
                written[1] += n_levels
            secs = time.perf_counter() - t0
            results["relay_path"] = {
                "events": args.relay_events,
                "sales_points": written[0],
                "level_points": written[1],
                "seconds": round(secs, 2),
                "points_per_s": round((written[0] + written[1]) / secs),
            }
            # bulk: the rest of the points, spread over the 90 days in time order; the two tables load at once,
            # each on its own connection (as the relay writes both), so each rate is under the other's load
            bulk_sql = {
                "sales_points": (
                    "INSERT INTO sales_points (sold_at, event_id, line, product_id, category, quantity, revenue_cents) "
                    "SELECT %(s)s + (g * %(step)s) * interval '1 second', 1000000 + g, 1, 1 + (g * 7919) %% 5000, "
                    "(ARRAY['apparel','groceries','home','personal-care','subscriptions'])[1 + g %% 5], 1 + g %% 3, "
                    "(1 + g %% 3) * 250 FROM generate_series(1::bigint, %(n)s::bigint) g"
                ),
                "inventory_levels": (
                    "INSERT INTO inventory_levels (at, product_id, warehouse_id, quantity, reserved) "
                    "SELECT %(s)s + (g * %(step)s) * interval '1 second', 1 + (g * 7919) %% 5000, 1 + g %% 2, "
                    "(g * 31) %% 120 - 5, 0 FROM generate_series(1::bigint, %(n)s::bigint) g"
                ),
            }
            took: dict[str, float] = {}

            def load(table: str) -> None:
                with psycopg.connect(dsn, autocommit=True) as c:
                    t = time.perf_counter()
                    c.execute(bulk_sql[table], {"s": start, "step": DAYS * 86400 / args.points, "n": args.points})
                    took[table] = time.perf_counter() - t
                    c.execute(f"VACUUM ANALYZE {table}")  # as autovacuum would after an insert burst; not timed

            with ThreadPoolExecutor(2) as pool:
                list(pool.map(load, bulk_sql))
            wall = max(took.values())
            bulk_sales, bulk_levels = took["sales_points"], took["inventory_levels"]
            results["bulk"] = {
                "sales_points_per_s": round(args.points / bulk_sales),
                "level_points_per_s": round(args.points / bulk_levels),
                "both_points_per_s": round(2 * args.points / wall),
                "seconds": round(wall, 1),
            }
            day = end - dt.timedelta(days=10)
            queries = {
                "sales per category per hour, one day": lambda: T.sales_by_category(
                    conn, day, day + dt.timedelta(days=1), "1h"
                ),
                "top 3 sellers per category per day, a week": lambda: T.top_sellers(
                    conn, day - dt.timedelta(days=6), day + dt.timedelta(days=1), 3
                ),
                "one product's level over 30 days, 6 h buckets": lambda: T.level_over_window(
                    conn, 42, end - dt.timedelta(days=30), end, "6h"
                ),
                "stock-outs in a day": lambda: T.stock_outs(conn, day, day + dt.timedelta(days=1)),
            }
            rows = {}
            for label, fn in queries.items():
                rows[label] = {"ms": round(_median(fn, args.runs) * 1000, 1), "rows": len(fn())}
            for index in ("sales_points_sold_at_brin", "inventory_levels_at_brin"):
                conn.execute(f"DROP INDEX {index}")
            for label in ("sales per category per hour, one day", "stock-outs in a day"):
                rows[label]["without_brin_ms"] = round(_median(queries[label], max(1, args.runs // 2)) * 1000, 1)
                rows[label]["ratio"] = round(rows[label]["without_brin_ms"] / rows[label]["ms"], 1)
            results["queries"] = rows
            sizes = conn.execute(
                "SELECT sum(pg_relation_size(i.indexrelid)) FILTER (WHERE c.relname LIKE '%%product_idx'), "
                "sum(pg_total_relation_size(i.indrelid)) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname LIKE 'sales_points_y%%'"
            ).fetchone()
            results["sales_product_index_mb"] = round((sizes[0] or 0) / 2**20, 1)
            t0 = time.perf_counter()
            dropped = conn.execute(
                "SELECT ecomart_drop_time_partitions('sales_points', %s)", (start + dt.timedelta(days=31),)
            ).fetchone()[0]
            results["retention"] = {"dropped": dropped, "ms": round((time.perf_counter() - t0) * 1000, 1)}

    print(f"== bench.app_timeseries: {args.points:,} sales points and {args.points:,} levels over {DAYS} days ==")
    r = results["relay_path"]
    print(
        f"relay path: {r['events']:,} events -> {r['sales_points']:,} sales + {r['level_points']:,} level points in "
        f"{r['seconds']} s ({r['points_per_s']:,} points/s); bulk, both tables at once: "
        f"{results['bulk']['sales_points_per_s']:,} sales points/s and {results['bulk']['level_points_per_s']:,} "
        f"levels/s, {results['bulk']['both_points_per_s']:,} points/s together ({results['bulk']['seconds']} s)"
    )
    for label, q in results["queries"].items():
        extra = f", without BRIN {q['without_brin_ms']} ms (×{q['ratio']})" if "ratio" in q else ""
        print(f"  {label:<48} {q['ms']:>8} ms  ({q['rows']} rows){extra}")
    print(f"retention: dropped {results['retention']['dropped']} in {results['retention']['ms']} ms")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"wrote {out}\n", flush=True)
    return results


if __name__ == "__main__":
    main()
