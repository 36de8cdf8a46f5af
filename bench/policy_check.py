"""Benchmark of the offline policy check (``ecomart check``).

- prod: wall time of checking the real prod stack's export (median of 5), and of ``ecomart check --stack prod``
  end to end (offline synthesis + check, median of 5);
- throughput: a synthetic 5,000-resource export made of renamed copies of the prod stack (so references still
  resolve inside each copy, as in a real stack), checked in one go: resources per second (median of 3);
- scale: a synthetic 50,000-resource export written to a file (as `pulumi stack export` would) and checked the way a
  reviewer runs it, streamed from the file (``check_export_file``, what ``ecomart check --export`` does), in a fresh
  process each time (3 runs): resources per second of the check (reading and parsing included) and the process's
  peak memory (VmHWM, interpreter and imports included) — the figures issue 13 sets targets for (>= 15,000/s,
  <= 400 MB); plus the command's wall time (``python -m ecomart check --export``, start-up included) and, for
  comparison, the same export checked from memory (``check_export`` of the loaded document).

Prints a table and writes build/bench/policy_check.json.
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench" / "policy_check.json"


def _median_seconds(fn: Callable[[], Any], runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


# Resources nothing refers to, dropped from the last copies to land exactly on the target size.
_LEAF_TYPES = (
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:sns/topicSubscription:TopicSubscription",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "mongodbatlas:index/alertConfiguration:AlertConfiguration",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
)


def synthetic_export(base: dict[str, Any], target: int) -> dict[str, Any]:
    """Whole renamed copies of ``base``'s resources (every URN, id, name and ARN suffixed per copy, so references
    resolve inside each copy as in a real stack), trimmed of leaf resources to exactly ``target`` resources."""
    resources = base["deployment"]["resources"]
    custom = [r for r in resources if r["type"] != "pulumi:pulumi:Stack"]
    out: list[dict] = [r for r in resources if r["type"] == "pulumi:pulumi:Stack"]
    text = json.dumps(custom)
    # Provider-made ids (vpc-..., sg-..., key uuids, Atlas object ids) appear verbatim in other resources' inputs.
    ids = sorted({r["id"] for r in custom if r.get("id") and "ecomart-prod" not in r["id"]}, key=len, reverse=True)
    copy_no = 0
    while len(out) < target:
        suffix = f"-c{copy_no}"
        renamed = text.replace("ecomart-prod", f"ecomart-prod{suffix}")
        for rid in ids:
            renamed = renamed.replace(f'"{rid}"', f'"{rid}{suffix}"').replace(f'/{rid}"', f'/{rid}{suffix}"')
        batch = json.loads(renamed)
        for r in batch:
            r["urn"] = r["urn"] + suffix
            if r.get("parent") and not r["parent"].endswith("::ecomart-data-platform-prod"):
                r["parent"] = r["parent"] + suffix
            r["dependencies"] = [d + suffix for d in r.get("dependencies", [])]
            r["propertyDependencies"] = {
                k: [u + suffix for u in v] for k, v in r.get("propertyDependencies", {}).items()
            }
        out.extend(batch)
        copy_no += 1
    excess = len(out) - target
    leaves = [id(r) for r in reversed(out) if r["type"] in _LEAF_TYPES]
    dropped = set(leaves[:excess])
    out = [r for r in out if id(r) not in dropped][:target]
    doc = copy.deepcopy(base)
    doc["deployment"]["resources"] = out
    return doc


_SCALE_CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[2])


def hwm_mb():
    # This process's own peak resident set (VmHWM): ru_maxrss on Linux also counts the forked parent's, kept
    # across exec.
    with open("/proc/self/status") as f:
        return next(round(int(line.split()[1]) / 1024) for line in f if line.startswith("VmHWM:"))


from policies.engine.checker import check_export_file, read_export, check_export
from policies.engine.results import render_json
from policies.engine.registry import all_policies
pols = all_policies()
base = hwm_mb()
t = time.perf_counter()
if sys.argv[3] == "file":
    result = check_export_file(sys.argv[1], stack="prod", policies=pols)
else:
    doc = read_export(sys.argv[1])
    t = time.perf_counter()
    result = check_export(doc, stack="prod", policies=pols)
seconds = time.perf_counter() - t
render_json(result)
peak = hwm_mb()
n = int(sys.argv[4])  # entries in the export (the stack resource included)
print(json.dumps({"resources": n, "seconds": round(seconds, 3), "resources_per_second": round(n / seconds),
                  "violations": sum(v.policy != "stack-monthly-budget" for v in result.violations),
                  "over_budget": any(v.policy == "stack-monthly-budget" for v in result.violations),
                  "peak_rss_mb": peak, "imports_rss_mb": base}))
"""


def _child(path: Path, mode: str, entries: int) -> dict[str, Any]:
    import subprocess

    out = subprocess.run(
        [sys.executable, "-c", _SCALE_CHILD, str(path), str(ROOT), mode, str(entries)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _scale_run(prod: dict[str, Any], resources: int, runs: int = 3) -> dict[str, Any]:
    """The scale figures: each run a fresh interpreter, so its peak memory is the check's alone."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"synthetic-{resources}.json"
        doc = synthetic_export(prod, resources)
        entries = len(doc["deployment"]["resources"])
        path.write_text(json.dumps(doc), encoding="utf-8")
        del doc
        streamed = [_child(path, "file", entries) for _ in range(runs)]
        walls = []
        for _ in range(runs):
            started = time.perf_counter()
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "ecomart",
                    "check",
                    "--export",
                    str(path),
                    "--stack",
                    "prod",
                    "--format",
                    "json",
                    "--output",
                    str(Path(tmp) / "report.json"),
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=1800,
            )
            if done.returncode not in (0, 1):  # 1: the check found mandatory violations, which is still a check
                raise RuntimeError(f"ecomart check failed ({done.returncode}): {done.stderr.strip()}")
            walls.append(time.perf_counter() - started)
        loaded = _child(path, "memory", entries)
        rates = [r["resources_per_second"] for r in streamed]
        return {
            "resources": streamed[0]["resources"],
            "file_mb": round(path.stat().st_size / 2**20),
            "violations": streamed[0]["violations"],
            "over_budget": streamed[0]["over_budget"],
            "streamed_runs_s": [r["seconds"] for r in streamed],
            "streamed_resources_per_second": [min(rates), max(rates)],
            "streamed_peak_rss_mb": max(r["peak_rss_mb"] for r in streamed),
            "imports_rss_mb": streamed[0]["imports_rss_mb"],
            "cli_wall_runs_s": [round(w, 2) for w in walls],
            "loaded_check_s": loaded["seconds"],
            "loaded_resources_per_second": loaded["resources_per_second"],
            "loaded_peak_rss_mb": loaded["peak_rss_mb"],
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.policy_check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, default=5000, help="size of the synthetic export")
    parser.add_argument("--runs", type=int, default=5, help="runs for the prod medians")
    parser.add_argument("--scale-resources", type=int, default=50_000, help="size of the one-shot scale run")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])

    from ecomart.synthesis import synthesize
    from policies.engine.checker import check_export
    from policies.engine.registry import all_policies

    policies = all_policies()
    prod = synthesize("prod").export()
    first = check_export(prod, stack="prod", policies=policies)
    check_s, check_runs = _median_seconds(lambda: check_export(prod, stack="prod", policies=policies), args.runs)
    e2e_s, e2e_runs = _median_seconds(
        lambda: check_export(synthesize("prod").export(), stack="prod", policies=policies), args.runs
    )

    big = synthetic_export(prod, args.resources)
    n = len(big["deployment"]["resources"])
    big_result = check_export(big, stack="prod", policies=policies)
    big_s, big_runs = _median_seconds(lambda: check_export(big, stack="prod", policies=policies), 3)

    big50 = _scale_run(prod, args.scale_resources)

    results = {
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "policies": len(policies),
        "prod": {
            "resources": first.resource_count,
            "violations": len(first.violations),
            "check_median_s": round(check_s, 4),
            "check_runs_s": [round(t, 4) for t in check_runs],
            "synthesize_and_check_median_s": round(e2e_s, 4),
            "synthesize_and_check_runs_s": [round(t, 4) for t in e2e_runs],
        },
        "synthetic": {
            "resources": n,
            # N copies of prod cost N times prod's budget: that finding is expected, the others are not.
            "violations": sum(v.policy != "stack-monthly-budget" for v in big_result.violations),
            "over_budget": any(v.policy == "stack-monthly-budget" for v in big_result.violations),
            "check_median_s": round(big_s, 4),
            "check_runs_s": [round(t, 4) for t in big_runs],
            "resources_per_second": round(n / big_s),
        },
        "scale": big50,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")

    print(f"policy check ({len(policies)} policies)")
    print(f"  prod check ({first.resource_count} resources, median of {args.runs}): {check_s * 1000:8.1f} ms")
    print(f"  prod synthesize + check (median of {args.runs}):{'':7}{e2e_s * 1000:8.1f} ms")
    print(
        f"  synthetic {n} resources (median of 3):{'':8}{big_s * 1000:8.1f} ms  "
        f"= {n / big_s:,.0f} resources/s ({len(big_result.violations)} violations)"
    )
    lo, hi = big50["streamed_resources_per_second"]
    print(
        f"  synthetic {big50['resources']} resources ({big50['file_mb']} MB file), streamed, fresh process "
        f"(3 runs): {min(big50['streamed_runs_s']):.2f}-{max(big50['streamed_runs_s']):.2f} s = {lo:,}-{hi:,} "
        f"resources/s, peak RSS {big50['streamed_peak_rss_mb']} MB (imports {big50['imports_rss_mb']} MB)"
    )
    print(
        f"    `ecomart check --export` wall time (start-up included): "
        f"{min(big50['cli_wall_runs_s']):.2f}-{max(big50['cli_wall_runs_s']):.2f} s"
    )
    print(
        f"    loaded first, then checked from memory: {big50['loaded_check_s']:.2f} s = "
        f"{big50['loaded_resources_per_second']:,} resources/s, peak RSS {big50['loaded_peak_rss_mb']} MB"
    )
    print(f"  wrote {OUT.relative_to(ROOT) if OUT.is_relative_to(ROOT) else OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
