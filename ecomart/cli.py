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


def command_modules() -> dict[str, ModuleType]:
    """Command name -> its module, in name order."""
    found = sorted(m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_"))
    return {name.replace("_", "-"): importlib.import_module(f"ecomart.commands.{name}") for name in found}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecomart",
        description="EcoMart data platform: offline preview and compliance "
        "check of stacks and Pulumi programs, stack diffs, runbooks, generated docs.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, module in command_modules().items():
        p = sub.add_parser(name, help=module.HELP, description=(module.__doc__ or module.HELP).split("\n\n")[0])
        module.add_arguments(p)
        p.set_defaults(command_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command. Called as the program (``argv`` from the command line), it also sets the collector up for
    one short batch run (ecomart.gc_tuning); a caller passing ``argv`` keeps its own settings."""
    if argv is None:
        gc_tuning.for_batch_work()
    parser = build_parser()
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
