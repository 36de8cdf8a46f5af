"""``ecomart diff``: compare two stack exports (base and head of a pull request) — resources added, removed and
changed by component, changes that likely replace a data store, and the policy delta — as markdown or JSON.

Exit status: the worst of the pairs' (1 when the head adds a mandatory violation), 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ecomart.stackdiff import DiffError, diff_exports, render_json, render_markdown
from policies.engine.checker import read_export, stack_name_of, validate_export
from policies.engine.exports import BadInput

HELP = "compare two stack exports: resources, likely replacements and the policy delta"


def _read(path: str) -> dict[str, Any]:

    try:
        return read_export(Path(path))
    except BadInput as e:
        raise DiffError(str(e)) from None


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--base",
        required=True,
        metavar="FILE",
        action="append",
        help="the base commit's stack export (repeat with --head for several stacks, in order)",
    )
    p.add_argument("--head", required=True, metavar="FILE", action="append", help="the head commit's stack export")
    p.add_argument(
        "--stack", action="append", help="stack whose policy config applies, per pair (default: from the head's URNs)"
    )
    p.add_argument("--format", choices=("markdown", "json"), default="markdown")
    p.add_argument("--output", metavar="FILE", help="write the report here instead of standard output")


def run(args: argparse.Namespace) -> int:
    try:
        if len(args.base) != len(args.head) or (args.stack and len(args.stack) != len(args.head)):
            raise DiffError("give one --head (and one --stack, if any) per --base, in the same order")
        results = []
        for i, (base_path, head_path) in enumerate(zip(args.base, args.head)):
            base, head = _read(base_path), _read(head_path)
            stack = args.stack[i] if args.stack else stack_name_of(validate_export(head, head_path))
            results.append(diff_exports(base, head, stack=stack))
        text = render_markdown(results) if args.format == "markdown" else render_json(results)
        if args.output:
            try:
                Path(args.output).parent.mkdir(parents=True, exist_ok=True)
                Path(args.output).write_text(text, encoding="utf-8")
            except OSError as e:
                raise DiffError(f"{args.output}: cannot write ({e.strerror})") from None
        else:
            sys.stdout.write(text)
        return max(r.exit_code for r in results)
    except (DiffError, BadInput) as e:
        print(f"ecomart diff: {e}", file=sys.stderr)
        return 2
