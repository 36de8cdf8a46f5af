"""``ecomart diff`` on the prod export pair a typical PR produces (one read replica fewer, an alarm threshold moved):
wall time of the diff including the policy delta (both exports checked), median of 5."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench" / "infra_diff.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.infra_diff", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])

    from ecomart.stackdiff import diff_exports, render_markdown
    from ecomart.synthesis import synthesize
    from tests.conftest import stack_bag

    base = synthesize("prod").export()
    head = synthesize(
        "prod", stack_bag("prod", postgres={"readReplicas": 1}, monitoring={"thresholds": {"cpuPercent": 65}})
    ).export()
    times, result = [], None
    for _ in range(args.runs):
        started = time.perf_counter()
        result = diff_exports(base, head, stack="prod")
        render_markdown([result])
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "resources_base": result.base_count,
                "resources_head": result.head_count,
                "changed": len(result.resources),
                "median_s": round(median, 4),
                "runs_s": [round(t, 4) for t in times],
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(
        f"ecomart diff, prod pair ({result.base_count} -> {result.head_count} resources, "
        f"{len(result.resources)} differing, policy delta included; median of {args.runs}): {median * 1000:.1f} ms"
    )
    print(f"  wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
