"""``python -m bench`` (``make bench``): run each benchmark module's ``main()`` in turn.

Each module prints a results table and writes JSON under build/bench/. Add a module by appending its
name to MODULES.
"""

from __future__ import annotations

import importlib
import sys
import time

MODULES = [
    "bench.app_orders",
    "bench.app_relay",
    "bench.app_catalog",
    "bench.policy_check",
    "bench.infra_diff",
]


def main() -> int:
    started = time.perf_counter()
    for name in MODULES:
        importlib.import_module(name).main([])
    print(f"benchmarks done in {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
