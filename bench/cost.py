"""``ecomart cost`` on the prod export (the target: at most 100 ms once the export exists): the command's wall and
CPU time as a process (median of 10, interpreter start included), and in-process the read, price and render alone
(median of 20)."""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench" / "cost.json"
TARGET_S = 0.100


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cost", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])

    import yaml

    from ecomart.synthesis import synthesize
    from pricing import estimate, parse, resources_of_export, savings
    from pricing.render import render_table

    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "prod.json"
        export.write_text(json.dumps(synthesize("prod").export()), encoding="utf-8")
        usage_file = ROOT / "usage" / "prod.yaml"
        command = [sys.executable, "-m", "ecomart", "cost", "--export", str(export), "--usage", str(usage_file)]
        walls, cpus = [], []
        for _ in range(args.runs):
            cpu0, t0 = _child_cpu(), time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            walls.append(time.perf_counter() - t0)
            cpus.append(_child_cpu() - cpu0)
        usage = parse(yaml.safe_load(usage_file.read_text()))
        inproc = []
        for _ in range(20):
            t0 = time.perf_counter()
            est = estimate(resources_of_export(json.loads(export.read_text())), "us-east-1", usage, stack="prod")
            render_table(est, savings(est, True))
            inproc.append(time.perf_counter() - t0)
    report = {
        "resources": len(est.items),
        "total_usd": round(est.total, 2),
        "command_wall_s": round(statistics.median(walls), 3),
        "command_cpu_s": round(statistics.median(cpus), 3),
        "in_process_s": round(statistics.median(inproc), 4),
        "target_s": TARGET_S,
        "runs": args.runs,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    verdict = "met" if report["command_wall_s"] <= TARGET_S else "MISSED"
    print(
        f"ecomart cost --export (prod, {report['resources']} resources, ${report['total_usd']:,.2f}/month): "
        f"command {report['command_wall_s'] * 1000:.0f} ms wall, {report['command_cpu_s'] * 1000:.0f} ms CPU "
        f"(median of {args.runs}; target {TARGET_S * 1000:.0f} ms: {verdict}); read + price + render in process "
        f"{report['in_process_s'] * 1000:.1f} ms -> {OUT.relative_to(ROOT)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
