"""Relationship queries on PostgreSQL (app/relationships.py, ADR 0028): the staff hierarchy at 100,000 employees
and depth 12 — all subordinates of the CEO and of a mid-level manager, a leaf's management chain, span of control —
with the ``manager_id`` index and without it (the ratio is what the index buys); and fraud rings over 100,000
customers with about 250,000 links (connected groups, and the shortest path between two customers).

Medians of ``--runs`` runs each, on a throwaway server (fsync off); the machine is shared, so read the with/without
ratio measured in the same run rather than absolute times."""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

OUT = Path("build/bench/app_graph.json")


def _org(conn, employees: int, depth: int, seed: int) -> dict:
    """A tree of ``employees`` with exactly ``depth`` levels under the root: level sizes growing geometrically,
    each employee under a random employee of the level above."""
    rng = random.Random(seed)
    growth = 1.0
    while sum(round(growth**level) for level in range(depth + 1)) < employees:
        growth += 0.01
    sizes = [max(1, round(growth**level)) for level in range(depth + 1)]
    sizes[-1] -= sum(sizes) - employees
    (dept,) = conn.execute("INSERT INTO departments (code, name) VALUES ('all', 'All') RETURNING id").fetchone()
    rows, levels, next_id = [], [], 1
    for level, size in enumerate(sizes):
        ids = list(range(next_id, next_id + size))
        next_id += size
        for i in ids:
            rows.append((i, f"e{i}", "staff", dept, rng.choice(levels[-1]) if level else None))
        levels.append(ids)
    with (
        conn.cursor() as cur,
        cur.copy("COPY employees (id, full_name, title, department_id, manager_id) FROM STDIN") as copy,
    ):
        for r in rows:
            copy.write_row(r)
    conn.execute("ANALYZE employees")
    return {"levels": sizes, "root": levels[0][0], "mid": levels[3][0], "leaf": levels[-1][-1]}


def _links(conn, customers: int, seed: int) -> dict:
    """``customers`` customers; each has a card, a device and an address of its own, and one customer in 20 shares
    one of them with another (fraud-like chains), plus a few hubs (a parcel locker used by 200)."""
    rng = random.Random(seed)
    conn.execute(
        "INSERT INTO customers (email, region, country) SELECT 'c' || g || '@x.example', 'eu', 'DE' "
        "FROM generate_series(1, %s) g",
        (customers,),
    )
    from app.relationships import fingerprint

    rows = []
    for c in range(1, customers + 1):
        for kind in ("payment", "device", "address"):
            rows.append((kind, fingerprint(kind, f"{kind}-{c}"), c))
        if rng.random() < 0.05:
            other = rng.randint(1, customers)
            kind = rng.choice(("payment", "device", "address"))
            rows.append((kind, fingerprint(kind, f"{kind}-{other}"), c))
        if c % 500 < 2:  # about 400 hubs of 200... bounded: one locker per 500 customers, 2 of them each
            rows.append(("address", fingerprint("address", f"locker-{c // 500 % 2}"), c))
    rows = list({(k, f, c): None for k, f, c in rows})
    with conn.cursor() as cur, cur.copy("COPY customer_links (kind, fingerprint, customer_id) FROM STDIN") as copy:
        for r in rows:
            copy.write_row(r)
    conn.execute("ANALYZE customer_links")
    return {"links": len(rows)}


def _median(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.app_graph", description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--depth", type=int, default=12)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])

    import psycopg

    from app import db
    from app import relationships as R
    from devtools.servers import PostgresServer

    results: dict = {"benchmark": "app_graph", "employees": args.employees, "depth": args.depth, "runs": args.runs}
    with PostgresServer(prefix="ecomart-bench-graph-") as server:
        server.create_database("graph")
        dsn = server.dsn("graph")
        db.migrate(dsn)
        with psycopg.connect(dsn, autocommit=True) as conn:
            t0 = time.perf_counter()
            org = _org(conn, args.employees, args.depth, seed=1)
            results["load_employees_s"] = round(time.perf_counter() - t0, 2)
            results["levels"] = org["levels"]
            queries = {
                "subordinates of the CEO (all)": lambda: R.subordinates(conn, org["root"], limit=50)[1],
                "subordinates of a level-3 manager": lambda: R.subordinates(conn, org["mid"], limit=50)[1],
                "management chain of a leaf": lambda: len(R.management_chain(conn, org["leaf"])),
                "span of control of the CEO": lambda: R.span_of_control(conn, org["root"]).total,
                "widest spans (top 20)": lambda: len(R.widest_spans(conn, 20)),
            }
            rows = {}
            for label, fn in queries.items():
                rows[label] = {"with_index_ms": round(_median(fn, args.runs)[0] * 1000, 2), "result": fn()}
            conn.execute("DROP INDEX employees_manager_idx")
            conn.execute("ANALYZE employees")
            for label, fn in queries.items():
                if label.startswith("subordinates of the CEO") or label.startswith("span of control of the CEO"):
                    runs = 1  # a scan per level: slow enough that one run says it
                else:
                    runs = args.runs
                rows[label]["without_index_ms"] = round(_median(fn, runs)[0] * 1000, 2)
                rows[label]["ratio"] = round(
                    rows[label]["without_index_ms"] / max(rows[label]["with_index_ms"], 1e-3), 1
                )
            results["hierarchy"] = rows

            t0 = time.perf_counter()
            links = _links(conn, args.customers, seed=2)
            results["load_links_s"] = round(time.perf_counter() - t0, 2)
            results["links"] = links["links"]
            secs, found = _median(lambda: R.rings(conn, min_size=3), args.runs)
            results["rings_ms"] = round(secs * 1000, 1)
            results["rings_found"] = len(found)
            results["largest_ring"] = len(found[0].customers) if found else 0
            pairs = [(r.customers[0], r.customers[-1]) for r in found[:20]]
            times = []
            for a, b in pairs:
                t0 = time.perf_counter()
                R.path(conn, a, b, max_hops=6)
                times.append(time.perf_counter() - t0)
            results["path_ms_median"] = round(statistics.median(times) * 1000, 2) if times else None
            t0 = time.perf_counter()
            R.path(conn, 1, args.customers, max_hops=6)
            results["path_unlinked_ms"] = round((time.perf_counter() - t0) * 1000, 2)

    print(f"== bench.app_graph: {args.employees:,} employees, depth {args.depth}; {args.customers:,} customers ==")
    print(f"{'query':<36} {'index ms':>10} {'no index ms':>12} {'ratio':>7}  result")
    for label, r in results["hierarchy"].items():
        print(f"{label:<36} {r['with_index_ms']:>10} {r['without_index_ms']:>12} {r['ratio']:>7}  {r['result']}")
    print(
        f"fraud rings over {results['links']:,} links: {results['rings_ms']} ms, {results['rings_found']} rings of 3+ "
        f"(largest {results['largest_ring']}); shortest path inside a ring {results['path_ms_median']} ms (median "
        f"of {len(pairs)}), between two unlinked customers {results['path_unlinked_ms']} ms"
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}\n", flush=True)
    return results


if __name__ == "__main__":
    main()
