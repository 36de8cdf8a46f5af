"""``ecomart preview``: synthesize a stack offline under Pulumi's mock engine, print its resource tree and outputs,
write its graph in the shape of ``pulumi stack export``, then check it against the policy pack.

Exit status: 0 clean, 1 inputs left unknown or a mandatory violation, 2 bad config or a program that cannot run
(one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HELP = "synthesize a stack offline under Pulumi's mock engine and export its graph"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--stack",
        help="stack name: reads Pulumi.<stack>.yaml (with --program: default the program's only stack, else dev)",
    )
    p.add_argument(
        "--program",
        metavar="DIR",
        help="preview any Pulumi Python program in DIR (its Pulumi.yaml and "
        "Pulumi.<stack>.yaml) instead of this project's stack",
    )
    p.add_argument(
        "--out",
        metavar="FILE",
        help="write the stack export here (default build/<stack>/ or, with "
        "--program, build/<dir name>/<stack>/stack-export.json)",
    )
    p.add_argument("--out-dir", help="where to write stack-export.json (default build/<stack>/)")
    p.add_argument("--project-dir", help="directory holding Pulumi.<stack>.yaml (default: this project)")
    p.add_argument(
        "--stack-outputs",
        metavar="NAME=FILE",
        action="append",
        default=[],
        help="with --program: the outputs of the stack a StackReference NAME reads, from FILE (what `pulumi stack "
        "output --json --stack NAME` prints); without it that StackReference's outputs are unknown",
    )
    p.add_argument("--no-check", action="store_true", help="skip the compliance check after the preview")
    p.add_argument(
        "--policy-config",
        metavar="FILE",
        help="policy-pack config for the check (default: policies/config/<stack>.json; with --program, the portable "
        "profile policies/config/portable.json - a program this repository did not write)",
    )


def run(args: argparse.Namespace) -> int:
    not_previewed: list[tuple[str, str, str]] = []
    code, export_path = preview(
        args.stack,
        out_dir=args.out_dir,
        project_dir=args.project_dir,
        program=args.program,
        out_file=args.out,
        not_previewed=not_previewed,
        stack_outputs=args.stack_outputs,
    )
    # Inputs left unknown (exit 1) still get the compliance check: the export was written, and a policy reading
    # an unknown value treats it as unknown; before, the check was skipped and a reviewer saw no findings at all.
    if export_path is None or args.no_check:
        return code
    from ecomart.commands.check import BadInput, check_after_preview, policy_config_for
    from ecomart.synthesis import default_stack, load_program

    try:
        config_file = policy_config_for(args)
    except BadInput as e:
        print(f"ecomart preview: {e}", file=sys.stderr)
        return 2
    stack = args.stack
    if args.program and not stack:
        stack = default_stack(load_program(args.program))
    return max(code, check_after_preview(stack, export_path, config_file, not_previewed=not_previewed))


def preview(
    stack: str | None,
    out_dir: str | None = None,
    quiet: bool = False,
    project_dir: str | None = None,
    program: str | None = None,
    out_file: str | None = None,
    not_previewed: list[tuple[str, str, str]] | None = None,
    stack_outputs: list[str] | None = None,
) -> tuple[int, Path | None]:
    """(exit status, export path): 0 on success, 1 when inputs stayed unknown or a provider plugin's components
    could not be previewed, 2 on bad config or a program that cannot run (message on stderr, no traceback).
    ``not_previewed`` receives those components (type, name, plugin) for the check."""
    from ecomart.synthesis import (
        ROOT,
        ProgramError,
        read_stack_outputs,
        render_outputs,
        render_tree,
        synthesize,
        synthesize_program,
        write_export,
    )
    from infra import config as stack_config

    try:
        if stack_outputs and not program:
            raise ProgramError("--stack-outputs applies to --program (this project's stacks read no other stack)")
        if program:
            synth = synthesize_program(Path(program), stack, read_stack_outputs(stack_outputs or []))
        else:
            if not stack:
                raise ProgramError("give --stack NAME (this project's stacks) or --program DIR")
            synth = synthesize(stack, root=Path(project_dir) if project_dir else ROOT)
    except (stack_config.ConfigError, ProgramError) as e:
        print(f"ecomart preview: {e}", file=sys.stderr)
        return 2, None
    unknown = synth.unknown_inputs()
    if out_file:
        path = write_export(synth, path=Path(out_file))
    elif program:
        path = write_export(synth, ROOT / "build" / Path(program).resolve().name / synth.stack)
    else:
        path = write_export(synth, Path(out_dir) if out_dir else None)
    if not quiet:
        what = (
            f"{synth.config.environment}, {synth.region}"
            if synth.config is not None
            else f"program {synth.project} in {os.path.relpath(program or '.')}, {synth.region}"
        )
        print(f"Stack {synth.stack} ({what}) — offline preview under Pulumi's mock engine; nothing was created.\n")
        print(render_tree(synth))
        print("\nOutputs:")
        print(render_outputs(synth))
        print(f"\nWrote {os.path.relpath(path)}")
    if synth.echoed_data_sources:
        print(
            "ecomart preview: answered by echoing their arguments (what they compute stays unknown): "
            + ", ".join(synth.echoed_data_sources),
            file=sys.stderr,
        )
    for name in synth.unanswered_stack_references:
        print(
            f"ecomart preview: StackReference {name!r}: its outputs are unknown offline; give --stack-outputs "
            f"{name}=FILE (what `pulumi stack output --json --stack {name}` prints)",
            file=sys.stderr,
        )
    plugins = synth.plugin_components()
    if not_previewed is not None:
        not_previewed.extend(plugins)
    for t, n, plugin in plugins:
        print(
            f"ecomart preview: {t} {n!r} is created by the `{plugin}` plugin: its children cannot be previewed "
            "offline (the plugin does not run under the mock engine), so no policy sees them",
            file=sys.stderr,
        )
    from_plugins = synth.from_plugin_components(unknown)
    if from_plugins:
        print(
            f"ecomart preview: {len(from_plugins)} inputs depend on plugin components' outputs (unknown until the "
            "plugin runs): " + _first_inputs(from_plugins, short=True),
            file=sys.stderr,
        )
    from_references = synth.from_stack_references(unknown)
    if from_references:
        print(
            f"ecomart preview: {len(from_references)} inputs read StackReference outputs nobody gave: "
            + _first_inputs(from_references, short=True),
            file=sys.stderr,
        )
    other = [u for u in unknown if u not in from_plugins and u not in from_references]
    if other:
        print(
            f"ecomart preview: {len(other)} inputs stayed unknown (an output the mocks do not produce, or a value only "
            "the account holds): " + _first_inputs(other),
            file=sys.stderr,
        )
    return (1 if unknown or plugins else 0), path


def _first_inputs(inputs: list[tuple[str, str]], short: bool = False) -> str:
    """The first five (urn, property) of a report line, each as ``urn:property`` (``name:property`` when short)."""
    return ", ".join(f"{u.rsplit('::', 1)[-1] if short else u}:{p}" for u, p in inputs[:5])
