"""``ecomart`` — the project's command line: one subcommand per module of ``ecomart.commands``.

A command module declares ``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int`` (exit status);
``TAKES_EXTRA = True`` hands it the arguments argparse does not know (a runbook's own parameters), as
``run(args, extra)``. The subcommand is the module's name with ``-`` for ``_`` (``policy_config`` ->
``ecomart policy-config``). Nothing is listed here: a new module is a new command.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from types import ModuleType

from ecomart import commands, gc_tuning


def command_names() -> list[str]:
    """The command names (``policy-config`` for ecomart/commands/policy_config.py), without importing them."""
    found = sorted(m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_"))
    return [name.replace("_", "-") for name in found]


def command_modules() -> dict[str, ModuleType]:
    """Command name -> its module, in name order."""
    return {name: _module(name) for name in command_names()}


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"ecomart.commands.{name.replace('-', '_')}")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of ``only`` (the others listed by name: a command imports what it needs,
    and ``ecomart cost`` need not load the policy engine)."""
    parser = argparse.ArgumentParser(
        prog="ecomart",
        description="EcoMart data platform: offline preview and compliance "
        "check of stacks and Pulumi programs, stack diffs, runbooks, generated docs.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in command_names():
        if only is not None and name != only:
            sub.add_parser(name)
            continue
        module = _module(name)
        p = sub.add_parser(name, help=module.HELP, description=(module.__doc__ or module.HELP).split("\n\n")[0])
        module.add_arguments(p)
        p.set_defaults(command_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command. Called as the program (``argv`` from the command line), it also sets the collector up for
    one short batch run (ecomart.gc_tuning); a caller passing ``argv`` keeps its own settings."""
    if argv is None:
        gc_tuning.for_batch_work()
    given = sys.argv[1:] if argv is None else argv
    first = next((a for a in given if not a.startswith("-")), None)
    parser = build_parser(first if first in command_names() else None)
    args, extra = parser.parse_known_args(argv)
    module = args.command_module
    if getattr(module, "TAKES_EXTRA", False):
        return int(module.run(args, extra))
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return int(module.run(args))


def entry() -> None:
    """The ``ecomart`` console script and ``python -m ecomart``: run, then exit without a last collection over a
    heap that is about to be freed whole."""
    code = main()
    sys.stdout.flush()
    gc_tuning.settle()
    sys.exit(code)
