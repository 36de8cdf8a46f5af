"""The layout's import rules (docs/adr/0024-layout.md): each package imports only what sits below it, so a
component runs outside this stack, the policy pack runs with pulumi-policy alone, and the CLI is the only thing
on top. Imports inside functions and under TYPE_CHECKING count."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = (
    "app",
    "bench",
    "bootstrap",
    "components",
    "ecomart",
    "infra",
    "platform_rules",
    "policies",
    "pricing",
    "runbooks",
)
# package -> the project packages it must never import
FORBIDDEN = {
    "platform_rules": set(PROJECT) - {"platform_rules"},
    "pricing": set(PROJECT) - {"pricing"},  # the price files and the estimate: standard library only
    "components": {"app", "bench", "ecomart", "infra", "policies", "runbooks"},
    "policies": {"app", "bench", "components", "ecomart", "infra", "runbooks"},
    "runbooks": {"bench", "ecomart", "infra", "components", "policies"},
    "app": {"bench", "components", "ecomart", "infra", "policies", "runbooks"},
    "infra": {"bench", "ecomart", "policies", "runbooks"},
}
FILES = [(pkg, p) for pkg in FORBIDDEN for p in sorted((ROOT / pkg).rglob("*.py"))]


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level}
    return names


@pytest.mark.parametrize("pkg,path", FILES, ids=[str(p.relative_to(ROOT)) for _, p in FILES])
def test_a_package_imports_nothing_above_it(pkg, path):
    bad = sorted(m for m in imports(path) if m.split(".")[0] in FORBIDDEN[pkg])
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}: {pkg} must not depend on them"


def test_the_import_check_sees_imports_inside_functions_and_type_checking(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from infra.config import A\n"
        "def f():\n    import ecomart.cli\n"
    )
    assert {"infra.config", "ecomart.cli"} <= imports(sample)


def test_the_policy_pack_needs_only_pulumi_policy_and_the_standard_library():
    """policies/requirements.txt is all the Pulumi CLI installs for the pack: nothing else may be imported."""
    import sys

    # pydantic_core: an optional faster JSON parser, imported under try/except ImportError (policies/engine/exports.py)
    allowed = {"pulumi_policy", "pulumi", "yaml", "policies", "platform_rules", "pricing", "pydantic_core"} | set(
        sys.stdlib_module_names
    )
    for path in sorted((ROOT / "policies").rglob("*.py")):
        bad = sorted(m for m in imports(path) if m.split(".")[0] not in allowed)
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}, which policies/requirements.txt does not install"


def test_every_command_module_is_a_command_of_the_cli(tmp_path, monkeypatch):
    """ecomart/commands/<name>.py is the whole of adding a command: the CLI lists the package, so a new module (with
    HELP, add_arguments and run) is a subcommand, and one missing any of them fails here."""
    import pkgutil
    import sys

    from ecomart import cli, commands

    found = {m.name.replace("_", "-") for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_")}
    assert found >= {"preview", "check", "diff", "runbook", "policy-config", "docs"}
    for name, module in cli.command_modules().items():
        assert isinstance(module.HELP, str) and module.HELP, name
        assert callable(module.add_arguments) and callable(module.run), name
    help_text = cli.build_parser().format_help()
    assert all(name in help_text for name in found)

    # A new module dropped into the package is picked up without touching the CLI.
    pkg = tmp_path / "extra_commands"
    pkg.mkdir()
    (pkg / "hello_world.py").write_text(
        'HELP = "say hello"\ndef add_arguments(p):\n    p.add_argument("--who", default="x")\n'
        "def run(args):\n    print('hello', args.who)\n    return 0\n"
    )
    monkeypatch.setattr(commands, "__path__", [*commands.__path__, str(pkg)])
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("ecomart.commands.hello_world", None)
    import importlib.util

    spec = importlib.util.spec_from_file_location("ecomart.commands.hello_world", pkg / "hello_world.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setitem(sys.modules, "ecomart.commands.hello_world", module)
    assert "hello-world" in cli.command_modules()
    assert cli.main(["hello-world", "--who", "you"]) == 0


def test_every_worker_module_is_a_worker_subcommand():
    """A module of workers/ that ``python -m workers`` does not offer is a worker nobody can run."""
    import importlib
    import pkgutil

    import workers
    from workers.__main__ import WORKERS

    modules = {f"workers.{m.name}" for m in pkgutil.iter_modules(workers.__path__) if not m.name.startswith("_")}
    offered = {module for module, _ in WORKERS.values()}
    assert modules == offered, (
        f"not offered: {sorted(modules - offered)}; offered but absent: {sorted(offered - modules)}"
    )
    for module in offered:
        m = importlib.import_module(module)
        assert callable(m.add_arguments) and callable(m.run), module
