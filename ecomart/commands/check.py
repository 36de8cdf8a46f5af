"""``ecomart check``: evaluate the policy pack offline, without the Pulumi engine, on a stack export — one a real
``pulumi stack export`` wrote, or one the offline preview makes of this project's stack or any Pulumi Python program.

    ecomart check --stack prod                      # synthesize offline (the preview), then check
    ecomart check --export state.json               # a `pulumi stack export` file; stack name from its URNs
    ecomart check --export state.json --stack prod  # ... checked as prod
    ecomart check --stack dev --format markdown|json|sarif|table --output report.md

Exit status: 0 no mandatory violation, 1 at least one (with ``--fail-on SEVERITY``: one of that severity or higher;
findings in ``--baseline FILE`` do not count; ``--soft-fail``: always 0), 2 bad input (one line on stderr, never a
traceback).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from policies.engine import baseline
from policies.engine.exports import BadInput
from policies.engine.meta import SEVERITIES
from policies.engine.results import FORMATS

HELP = "check a stack (synthesized offline) or a stack export against the policy pack"


def add_source_arguments(p: argparse.ArgumentParser) -> None:
    """What is checked and against which profile (shared by ``ecomart check`` and ``ecomart report``)."""
    p.add_argument(
        "--stack",
        help="stack to synthesize offline (with no --export), or the stack whose "
        "enforcement applies (default: from the export's URNs; unknown stacks get prod's)",
    )
    p.add_argument("--export", metavar="FILE", help="a `pulumi stack export` file (version 3) to check")
    p.add_argument(
        "--program",
        metavar="DIR",
        help="preview the Pulumi Python program in DIR offline and check it "
        "(--stack: its stack, default the only one, else dev)",
    )
    p.add_argument(
        "--stack-outputs",
        metavar="NAME=FILE",
        action="append",
        default=[],
        help="with --program: the outputs of the stack a StackReference NAME reads (`pulumi stack output --json`)",
    )
    p.add_argument(
        "--policy-config",
        metavar="FILE",
        help="policy-pack config file to use instead of policies/config/<stack>.json "
        "(default for --program: policies/config/portable.json)",
    )
    p.add_argument(
        "--waivers",
        metavar="FILE",
        help="waiver file (default policies/waivers.yaml when present): "
        "waived findings are reported as waived and not counted",
    )


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_source_arguments(p)
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--output", metavar="FILE", help="write the report here instead of standard output")
    p.add_argument(
        "--create-baseline",
        metavar="FILE",
        help="record today's findings in FILE (JSON: fingerprint, policy, resource, message of each)",
    )
    p.add_argument(
        "--baseline",
        metavar="FILE",
        help="findings recorded in FILE (--create-baseline) are reported as known and neither counted nor failing: "
        "only new ones fail",
    )
    p.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        help="fail (exit 1) only on mandatory findings of this severity or higher (default: any mandatory finding)",
    )
    p.add_argument(
        "--soft-fail",
        action="store_true",
        help="report, but exit 0 whatever is found (bad input still exits 2)",
    )


def evaluate(args: argparse.Namespace) -> Any:
    """The check's Result for the source the arguments name (add_source_arguments); BadInput on bad input."""
    from policies.engine import checker

    if not args.export and not args.stack and not args.program:
        raise BadInput(
            "give --stack NAME (synthesize offline), --program DIR (any Pulumi Python program) or "
            "--export FILE (check a stack export)"
        )
    if args.stack_outputs and not args.program:
        raise BadInput("--stack-outputs applies to --program (this project's stacks read no other stack)")
    not_previewed: list[tuple[str, str, str]] = []
    if args.program:
        doc, stack, not_previewed = synthesize_program_export(args.program, args.stack, args.stack_outputs)
    else:
        doc, stack = None if args.export else synthesize_export(args.stack), args.stack
    config_file = policy_config_for(args)
    waivers_file = Path(args.waivers) if args.waivers else None
    result = (
        checker.check_export_file(args.export, stack=stack, config_file=config_file, waivers_file=waivers_file)
        if doc is None
        else checker.check_export(doc, stack=stack, config_file=config_file, waivers_file=waivers_file)
    )
    result.not_previewed = not_previewed
    return result


def write_output(text: str, output: str | None, summary: str) -> None:
    """``text`` to ``output`` (then ``summary`` on standard output), else to standard output."""
    if not output:
        sys.stdout.write(text)
        return
    out = Path(output)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as e:
        raise BadInput(f"{output}: cannot write ({e.strerror})") from None
    print(f"{summary} -> {output}")


def run(args: argparse.Namespace) -> int:
    from policies.engine.results import RENDERERS

    try:
        result = evaluate(args)
        if args.baseline:
            result.apply_baseline(baseline.read(Path(args.baseline)))
        result.fail_on, result.soft_fail = args.fail_on, args.soft_fail
        if args.create_baseline:
            count = baseline.write(Path(args.create_baseline), result)
            print(f"ecomart check: {count} findings recorded in {args.create_baseline}", file=sys.stderr)
        write_output(RENDERERS[args.format](result), args.output, result.one_line())
        return result.exit_code
    except BadInput as e:
        print(f"ecomart check: {e}", file=sys.stderr)
        return 2


def portable_config() -> Path:
    """The profile for programs this repository did not write: public controls, none of this platform's house rules
    (its tag keys, its thresholds)."""
    import platform_rules
    from policies.engine.enforcement import CONFIG_DIR

    return CONFIG_DIR / f"{platform_rules.PORTABLE_ENVIRONMENT}.json"


def policy_config_for(args: argparse.Namespace) -> Path | None:
    """``--policy-config`` when given; for ``--program`` (a program this repository did not write) the portable
    profile; else None (the stack's own ``policies/config/<stack>.json``)."""
    if getattr(args, "policy_config", None):
        path = Path(args.policy_config)
        if not path.is_file():
            raise BadInput(f"--policy-config {args.policy_config}: no such file")
        return path
    return portable_config() if getattr(args, "program", None) else None


def check_after_preview(
    stack: str,
    export_path: Path | None,
    config_file: Path | None = None,
    not_previewed: list[tuple[str, str, str]] | None = None,
) -> int:
    """Run after ``ecomart preview``: check the export it just wrote and print the table and summary
    (``not_previewed``: the plugin components the preview could not run, reported by the check)."""
    from policies.engine.checker import check_export_file
    from policies.engine.results import render_table

    try:
        if export_path is None:
            raise BadInput("the preview wrote no export")
        result = check_export_file(export_path, stack=stack, config_file=config_file)
        result.not_previewed = list(not_previewed or [])
    except BadInput as e:
        print(f"ecomart check: {e}", file=sys.stderr)
        return 2
    print("\nCompliance check (policies/, offline):")
    sys.stdout.write(render_table(result))
    return result.exit_code


def synthesize_export(stack: str) -> dict[str, Any]:
    """Run the stack program offline (ecomart.synthesis) and return its export; BadInput on a bad config."""
    from ecomart.synthesis import synthesize
    from infra import config as stack_config

    try:
        return synthesize(stack).export()
    except stack_config.ConfigError as e:
        raise BadInput(f"stack {stack}: " + "; ".join(e.problems)) from None


def synthesize_program_export(
    directory: str, stack: str | None, stack_outputs: list[str] | None = None
) -> tuple[dict[str, Any], str, list[tuple[str, str, str]]]:
    """Preview any Pulumi Python program offline; (export, stack name, plugin components it could not preview).
    BadInput when it cannot run."""
    from ecomart.synthesis import ProgramError, read_stack_outputs, synthesize_program

    try:
        synth = synthesize_program(Path(directory), stack, read_stack_outputs(stack_outputs or []))
    except ProgramError as e:
        raise BadInput(str(e)) from None
    return synth.export(), synth.stack, synth.plugin_components()
