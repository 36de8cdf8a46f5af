"""``ecomart runbook list | show NAME | run NAME --stack STACK [--outputs FILE] [--execute [--confirm STACK]]``:
operate the data tier. A run is a dry run unless ``--execute``; without ``--outputs`` the facts come from the
offline preview and nothing is called. Runbook parameters follow the name (``ecomart runbook show NAME`` lists
them). Exit status: 0 ok, 1 verification failed, 2 bad input or an error, 3 findings."""

from __future__ import annotations

import argparse
import sys

from runbooks.core import Facts, RunbookError
from runbooks.runner import EXIT_BAD_INPUT, EXIT_OK, database_handles, facts_from_outputs, load_all, params_from_argv
from runbooks.runner import run as run_book

HELP = "operate the data tier: list, show or run a runbook (dry run by default)"
TAKES_EXTRA = True  # a runbook's own parameters follow its name


def add_arguments(p: argparse.ArgumentParser) -> None:
    rsub = p.add_subparsers(dest="runbook_command", required=True)
    rsub.add_parser("list", help="every runbook, one line each")
    show = rsub.add_parser("show", help="a runbook's document")
    show.add_argument("name")
    r = rsub.add_parser(
        "run",
        help="run a runbook: dry run unless --execute",
        epilog="runbook parameters follow (e.g. --target-time 2026-11-30T14:05:00Z); "
        "`ecomart runbook show NAME` lists them",
    )
    r.add_argument("name")
    r.add_argument("--stack", required=True, help="stack name (dev, prod)")
    r.add_argument(
        "--outputs",
        metavar="FILE",
        help="`pulumi stack output --json` of the deployed stack; without "
        "it the offline preview's outputs are used and nothing is called",
    )
    r.add_argument("--execute", action="store_true", help="make the changes (default: dry run)")
    r.add_argument("--confirm", metavar="STACK", help="with --execute on a protected stack: its name again")


def run(args: argparse.Namespace, extra: list[str]) -> int:
    if args.runbook_command == "run":
        return _run(args, extra)
    if extra:
        print(f"ecomart runbook: unexpected arguments: {' '.join(extra)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return _list() if args.runbook_command == "list" else _show(args.name)


def facts_from_preview(stack: str) -> Facts:
    """The stack's outputs as the offline preview computes them (mock ids): enough to print the plan."""
    from ecomart.synthesis import synthesize
    from infra import config as stack_config

    try:
        synth = synthesize(stack)
    except stack_config.ConfigError as e:
        raise RunbookError(str(e)) from None
    return Facts(
        stack=stack,
        outputs=dict(synth.outputs),
        source="offline preview export",
        deployed=False,
        resources=synth.export()["deployment"]["resources"],
    )


def _show(name: str) -> int:
    books = load_all()
    book = books.get(name)
    if book is None:
        print(f"ecomart runbook: no runbook {name!r}; runbooks: {', '.join(sorted(books))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(book.doc_path.read_text(encoding="utf-8"))
    return EXIT_OK


def _list() -> int:
    books = load_all()
    width = max(len(n) for n in books)
    for name in sorted(books):
        print(f"{name.ljust(width)}  {books[name].summary}")
    return EXIT_OK


def _run(args: argparse.Namespace, extra: list[str]) -> int:
    books = load_all()
    book = books.get(args.name)
    try:
        if book is None:
            raise RunbookError(f"no runbook {args.name!r}; runbooks: {', '.join(sorted(books))}")
        params = params_from_argv(book, extra)
        facts = facts_from_outputs(args.stack, args.outputs) if args.outputs else facts_from_preview(args.stack)
        code, _, _ = run_book(
            book, facts, params, execute=args.execute, confirm=args.confirm, extra=database_handles(facts)
        )
        return code
    except RunbookError as e:
        print(f"ecomart runbook: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
