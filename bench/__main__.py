"""``python -m bench`` (``make bench``): run the benchmark parts in turn, bounded in time, cleaning up on every exit.

``--only orders,relay`` (``make bench PARTS=orders,relay``) runs some parts; ``--list`` names them. Each part
prints a results table and writes JSON under build/bench/. Every part is given its default arguments, sized so
that a full run stays within ``BUDGET_S`` on the 2-core reference machine; the runner reports each part's wall time
and the total, and says when the budget was exceeded.

Stopping a run (Ctrl-C, or SIGTERM from CI or ``timeout``) unwinds every part's ``with`` blocks: the throwaway
PostgreSQL and Redis servers are stopped and their directories, and the temporary key files, removed (SIGTERM is
turned into the same unwinding as Ctrl-C; before, it killed the process and left a server running).
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import time

# name -> (module, what it measures). The order is the run order.
PARTS = {
    "orders": ("bench.app_orders", "order placement vs pgbench (ABBA pairs), over HTTP: bench setup and make app"),
    "relay": ("bench.app_relay", "outbox relay drain rate under order load, 1 and 2 relays on one shared store"),
    "catalog": ("bench.app_catalog", "catalog reads and writes (Zipf), through the cache"),
    "preview": ("bench.infra_preview", "CPU of ecomart preview --stack prod (the main job) and its breakdown"),
    "policy": ("bench.policy_check", "policy check of synthetic and scaled exports"),
    "diff": ("bench.infra_diff", "stack export diff"),
    "cost": ("bench.cost", "ecomart cost on the prod export (target 100 ms)"),
    "graph": ("bench.app_graph", "staff hierarchy at 100,000 employees / depth 12, fraud rings over 100,000 customers"),
    "search": ("bench.search_relevance", "product search nDCG@10 / recall@10 (text, semantic, hybrid), latency"),
    "timeseries": ("bench.app_timeseries", "sales and inventory time series at 10 M points each: writes, queries"),
}
BUDGET_S = 600  # a full run on the reference machine (2 cores): the bound


class Stopped(BaseException):
    """SIGTERM, raised in the main thread so that ``with`` blocks and ``finally`` clauses run (like Ctrl-C)."""


def _stop_on_sigterm(signum, frame) -> None:
    raise Stopped(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=(__doc__ or "").split("\n")[0])
    p.add_argument("--only", default="", help=f"comma-separated parts (default: all): {', '.join(PARTS)}")
    p.add_argument("--list", action="store_true", help="list the parts and exit")
    args = p.parse_args(argv)
    if args.list:
        for name, (module, what) in PARTS.items():
            print(f"{name:8} {module:20} {what}")
        return 0
    chosen = [x.strip() for x in args.only.split(",") if x.strip()] or list(PARTS)
    unknown = [x for x in chosen if x not in PARTS]
    if unknown:
        print(f"bench: --only {','.join(unknown)} is not a part (allowed: {', '.join(PARTS)})", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    started = time.perf_counter()
    took: dict[str, float] = {}
    try:
        for name in chosen:
            t0 = time.perf_counter()
            importlib.import_module(PARTS[name][0]).main([])
            took[name] = time.perf_counter() - t0
    except (KeyboardInterrupt, Stopped) as e:
        print(f"bench: stopped ({e.__class__.__name__}); servers and temporary files cleaned up", file=sys.stderr)
        return 130
    total = time.perf_counter() - started
    print("part times: " + ", ".join(f"{k} {v:.0f}s" for k, v in took.items()) + f"; total {total:.0f}s")
    if len(chosen) == len(PARTS) and total > BUDGET_S:
        print(f"bench: the full run took {total:.0f}s, over its {BUDGET_S}s budget", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
