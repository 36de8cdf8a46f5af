"""``ecomart preview --stack prod`` (the main job, compliance check included): CPU time of the command as a user runs
it, and where it goes.

- command: user+sys CPU of ``python -m ecomart preview --stack prod`` in a fresh process (interpreter start-up
  included), median of ``--runs`` (issue 22's target: <= 2.5 s);
- breakdown, each run in its own fresh process (median per phase over ``--runs``):
  ``sdk imports`` pulumi, pulumi_aws, pulumi_mongodbatlas and every provider class the stack declares (the floor a
  program using these classes pays whoever runs it); ``our imports`` the CLI, its commands, the synthesis, the stack
  program and its components, the checker; ``program`` the stack program's own call (components and resource
  constructors); ``engine`` the SDK's mock engine finishing the registrations (serialization, the mocks, outputs);
  ``export`` the export written and the tree printed; ``check`` the policy check;
- ``sdk engine alone``: the same program with the SDK's own mock monitor instead of the preview's recording
  monitor — what the engine phase costs without anything of ours in it.

CPU time, not wall time: the shared 2-core machine's load moves wall times, and the SDK's engine runs on threads
(``process_time`` counts them all). Prints a table and writes build/bench/infra_preview.json.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench" / "infra_preview.json"
TARGET_S = 2.5
PHASES = ("sdk imports", "our imports", "program", "engine", "export", "check")


def provider_classes(export: dict) -> list[type]:
    """The provider classes behind the export's resource types (``aws:ec2/vpc:Vpc`` -> ``pulumi_aws.ec2.Vpc``)."""
    import importlib

    classes = []
    for token in sorted({r["type"] for r in export["deployment"]["resources"]}):
        package, module_path, cls = token.split(":")
        if package == "aws":
            module = module_path.split("/")[0]
            module = {"lambda": "lambda_"}.get(module, module)
            classes.append(getattr(getattr(importlib.import_module("pulumi_aws"), module), cls))
        elif package == "mongodbatlas":
            classes.append(getattr(importlib.import_module("pulumi_mongodbatlas"), cls))
    return classes


def phases(export_file: Path, out_dir: Path, sdk_engine: bool) -> dict[str, float]:
    """One preview of prod, CPU per phase (run in a fresh process: ``--phases``)."""
    from ecomart import gc_tuning

    gc_tuning.for_batch_work()  # as the command does (ecomart.cli.main)
    clock = time.process_time
    marks: dict[str, float] = {}
    t = clock()
    provider_classes(json.loads(export_file.read_text()))
    marks["sdk imports"] = clock() - t

    t = clock()
    from ecomart import cli
    from ecomart.commands.check import check_after_preview
    from ecomart.synthesis import render_outputs, render_tree, synthesize, write_export
    from infra.stack import build

    cli.build_parser()  # the CLI imports its command modules to build its parser
    marks["our imports"] = clock() - t

    program_cpu = 0.0

    def timed_program(cfg):
        nonlocal program_cpu
        started = clock()
        try:
            return build(cfg)
        finally:
            program_cpu = clock() - started

    t = clock()
    synth = synthesize("prod", program=timed_program)
    marks["program"] = program_cpu
    marks["engine"] = clock() - t - program_cpu

    t = clock()
    path = write_export(synth, out_dir)
    render_tree(synth)
    render_outputs(synth)
    marks["export"] = clock() - t

    t = clock()
    with contextlib.redirect_stdout(io.StringIO()):
        check_after_preview("prod", path, None)
    marks["check"] = clock() - t
    if sdk_engine:
        marks["sdk engine alone"] = _sdk_engine_alone(build)
    return marks


def _sdk_engine_alone(build) -> float:
    """CPU of the same program under the SDK's own ``MockMonitor`` (the recording monitor left out), second run of
    the process so that nothing is imported during it."""
    import contextvars

    import pulumi

    from ecomart.mocks import EcoMartMocks
    from ecomart.synthesis import load_config

    bag, cfg = load_config("prod")

    def once() -> None:
        pulumi.runtime.set_all_config(dict(bag), secret_keys=[])
        pulumi.runtime.set_mocks(
            EcoMartMocks(region=cfg.region), project="ecomart-data-platform", stack="prod", preview=True
        )

        @pulumi.runtime.test
        def run():
            outputs = build(cfg)
            return pulumi.Output.all(*[pulumi.Output.from_input(v) for v in outputs.values()])

        run()

    started = time.process_time()
    contextvars.Context().run(once)
    return time.process_time() - started


def command_cpu(out_dir: Path) -> float:
    """user+sys CPU of one ``python -m ecomart preview --stack prod`` (its exit status must be 0)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, "-m", "ecomart", "preview", "--stack", "prod", "--out-dir", str(out_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(
            f"bench.infra_preview: ecomart preview --stack prod exited {done.returncode}: "
            f"{done.stderr.strip().splitlines()[-1:]}"
        )
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.infra_preview", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--phases", metavar="EXPORT", help=argparse.SUPPRESS)  # internal: one breakdown run
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    with tempfile.TemporaryDirectory(prefix="bench-preview-") as tmp:
        out_dir = Path(tmp)
        if args.phases:
            print(json.dumps(phases(Path(args.phases), out_dir, sdk_engine=True)))
            return 0
        # Commands and breakdown runs alternate, so a drift of the machine's load touches both alike.
        commands: list[float] = []
        runs: list[dict[str, float]] = []
        for _ in range(args.runs):
            commands.append(command_cpu(out_dir))
            done = subprocess.run(
                [sys.executable, "-m", "bench.infra_preview", "--phases", str(out_dir / "stack-export.json")],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            runs.append(json.loads(done.stdout))
    names = [*PHASES, "sdk engine alone"]
    breakdown = {n: statistics.median(r[n] for r in runs) for n in names}
    total = sum(breakdown[n] for n in PHASES)
    floor = breakdown["sdk imports"] + breakdown["sdk engine alone"]
    median = statistics.median(commands)
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "runs": args.runs,
        "command_cpu_s": {"median": round(median, 3), "all": [round(c, 3) for c in commands]},
        "target_s": TARGET_S,
        "breakdown_cpu_s": {n: round(v, 3) for n, v in breakdown.items()},
        "breakdown_total_s": round(total, 3),
        "sdk_floor_s": round(floor, 3),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(f"ecomart preview --stack prod (check included), CPU user+sys, median of {args.runs} fresh processes")
    print(
        f"  command            {median:6.2f} s   (all: {', '.join(f'{c:.2f}' for c in commands)}; "
        f"target <= {TARGET_S} s: {'met' if median <= TARGET_S else 'NOT met'})"
    )
    print("  breakdown (one process per run, median per phase):")
    for n in PHASES:
        print(f"    {n:16} {breakdown[n]:6.2f} s")
    print(f"    {'sum':16} {total:6.2f} s   (the rest of the command: interpreter start-up, exit)")
    print(
        f"  sdk engine alone   {breakdown['sdk engine alone']:6.2f} s   (program + engine again, under the SDK's own "
        "MockMonitor: the recording monitor left out)"
    )
    print(f"  sdk floor          {floor:6.2f} s   (sdk imports + sdk engine alone: any runner pays it)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
