"""``ecomart docs``: every file generated from the code — the policy-pack configs (from platform_rules and the
policies' metadata), the policy catalogue (docs/compliance.md), the components reference and the stack-config
reference — checked (exit 1 naming the stale ones) or, with ``--write``, rewritten. Each is rendered from the code
alone (the catalogue from the generated configs, not the committed ones), so one run after any change leaves
nothing stale."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HELP = (
    "check (or --write) every generated file: policy configs, compliance catalogue, reference docs, API routes, "
    "the CI roles' permissions"
)


def _policy_configs(root: Path) -> dict[str, str]:
    from policies.engine import enforcement

    rel = enforcement.CONFIG_DIR.relative_to(ROOT)
    from ecomart.costs import stack_entries

    return {f"{rel}/{s}.json": enforcement.render(s, stack_entries(s)) for s in enforcement.GENERATED_STACKS}


def _compliance(root: Path) -> dict[str, str]:
    from policies.engine import docs

    path = root / "docs" / "compliance.md"
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    return {"docs/compliance.md": docs.splice(current, docs.render())}


def _components(root: Path) -> dict[str, str]:
    from components import doc

    return {"docs/components.md": doc.render()}


def _configuration(root: Path) -> dict[str, str]:
    from infra import config_doc

    return {"docs/configuration.md": config_doc.render()}


def _app_routes(root: Path) -> dict[str, str]:
    from infra import app_contract

    return {str(app_contract.ROUTES_FILE.relative_to(ROOT)): app_contract.render_routes()}


def _iam_index(root: Path) -> dict[str, str]:
    from policies.engine import iam_index

    return {str(iam_index.INDEX_PATH.relative_to(ROOT)): iam_index.render()}


def _bootstrap_permissions(root: Path) -> dict[str, str]:
    from ecomart.commands.permissions import BOOTSTRAP_DIR, bootstrap_file, stacks

    rel = BOOTSTRAP_DIR.relative_to(ROOT)
    return {f"{rel}/{s}.json": bootstrap_file(s) for s in stacks()}


GENERATORS: tuple[Callable[[Path], dict[str, str]], ...] = (
    _iam_index,
    _policy_configs,
    _compliance,
    _components,
    _configuration,
    _app_routes,
    _bootstrap_permissions,
)


def generated(root: Path = ROOT) -> dict[str, str]:
    """Relative path -> the content the code generates for it (the catalogue keeps ``root``'s hand-written header)."""
    out: dict[str, str] = {}
    for generate in GENERATORS:
        out.update(generate(root))
    return out


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--write", action="store_true", help="rewrite the stale files")


def run(args: argparse.Namespace) -> int:
    return docs(args.write)


def docs(write: bool, root: Path = ROOT) -> int:
    stale = [
        rel
        for rel, text in generated(root).items()
        if not (root / rel).is_file() or (root / rel).read_text(encoding="utf-8") != text
    ]
    if write:
        for rel in stale:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(generated(root)[rel], encoding="utf-8")
        print(f"wrote {', '.join(stale)}" if stale else "every generated file is current")
        return 0
    if stale:
        print(f"stale (regenerate with `ecomart docs --write`): {', '.join(stale)}", file=sys.stderr)
        return 1
    print("every generated file is current")
    return 0
