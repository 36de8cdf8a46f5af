"""``ecomart permissions``: the IAM permissions deploying a stack takes, derived from its export — for every
declared resource the actions creating, updating, reading (refresh) and deleting it need (ecomart/data/
resource-actions.json, each entry with its source) and the actions AWS documents those depend on, scoped to the
stack's resources — as IAM policy documents a user can attach (managed policies of at most 6,144 characters) or a
table. ``--role preview`` gives the drift job's read-only role (no data reads). ``--write`` rewrites
bootstrap/permissions/<stack>.json, which bootstrap/ attaches to the stack's CI roles.

Exit status: 0, 2 on bad input (a resource type the table lacks, an unreadable export).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ecomart.costs import ROOT, CostError

HELP = "the IAM policy a stack's deploy (or preview) needs, derived from its resources"
FORMATS = ("json", "table", "summary")
BOOTSTRAP_DIR = ROOT / "bootstrap" / "permissions"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stack", help="stack to synthesize offline (its config gives the region and name prefix)")
    p.add_argument("--export", metavar="FILE", help="a `pulumi stack export` file (version 3)")
    p.add_argument("--program", metavar="DIR", help="preview the Pulumi Python program in DIR offline")
    p.add_argument("--region", help="the default region of resources that name none (default: the stack's)")
    p.add_argument("--account", help="the account id in the ARNs (default: the export's; ${Account} is kept as is)")
    p.add_argument("--role", choices=("deploy", "preview"), default="deploy")
    p.add_argument("--format", choices=FORMATS, default="json")
    p.add_argument("--output", metavar="FILE", help="write here instead of standard output")
    p.add_argument("--write", action="store_true", help="rewrite bootstrap/permissions/<stack>.json (our stacks)")


def run(args: argparse.Namespace) -> int:
    from ecomart.permissions import PermissionsError

    try:
        if args.write:
            if not args.stack or args.export or args.program:
                raise CostError("--write takes --stack NAME alone (it rewrites bootstrap/permissions/NAME.json)")
            path = BOOTSTRAP_DIR / f"{args.stack}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(bootstrap_file(args.stack), encoding="utf-8")
            print(f"{args.stack}: -> {path.relative_to(ROOT)}")
            return 0
        derived, label = _derive(args)
        text = _render(derived, label, args.role, args.format)
        if args.output:
            try:
                Path(args.output).parent.mkdir(parents=True, exist_ok=True)
                Path(args.output).write_text(text, encoding="utf-8")
            except OSError as e:
                raise CostError(f"{args.output}: cannot write ({e.strerror})") from None
            print(f"{label}: {args.role} permissions -> {args.output}")
        else:
            sys.stdout.write(text)
        return 0
    except (CostError, PermissionsError) as e:
        print(f"ecomart permissions: {e}", file=sys.stderr)
        return 2


def _prefixes(stack: str | None, ours: bool) -> tuple[str, ...]:
    """The names every resource of one of our stacks starts with (platform_rules.resource_prefix)."""
    if not (stack and ours):
        return ()
    from platform_rules import resource_prefix

    prefix = resource_prefix(stack)
    return (prefix, prefix.replace("-", "_"))


def _derive(args: argparse.Namespace) -> tuple[Any, str]:
    from ecomart.commands.cost import resolve_source
    from ecomart.permissions import derive

    doc, stack, cfg, region = resolve_source(args)
    return derive(doc, region, _prefixes(stack, cfg is not None), args.account), stack or "program"


def _render(derived: Any, label: str, role: str, fmt: str) -> str:
    from ecomart.permissions import by_service, table_rows

    needs = derived.deploy if role == "deploy" else derived.preview
    policies = derived.deploy_policies if role == "deploy" else derived.preview_policies
    if fmt == "json":
        return json.dumps({"stack": label, "role": role, "policies": policies}, indent=2) + "\n"
    counts = by_service(needs)
    if fmt == "summary":
        lines = [
            f"{label} ({role}): {sum(counts.values())} actions over {len(counts)} services, "
            f"{len(policies)} managed policies; regions {', '.join(derived.regions)}"
        ]
        lines += [f"  {svc:<16} {n:>4}" for svc, n in counts.items()]
        if derived.atlas:
            lines.append(f"  + {len(derived.atlas)} MongoDB Atlas resources: the Atlas API key's roles, not IAM")
        return "\n".join(lines) + "\n"
    rows = table_rows(needs)
    width = max((len(r[1]) for r in rows), default=10)
    out = [f"{'action':<{width}}  {'phases':<24}  resources"]
    out += [f"{a:<{width}}  {ph:<24}  {res}" for _, a, ph, res in rows]
    return "\n".join(out) + "\n"


def stacks() -> list[str]:
    """Our stacks: one per Pulumi.<stack>.yaml."""
    return sorted(p.name.split(".")[1] for p in ROOT.glob("Pulumi.*.yaml"))


def bootstrap_file(stack: str) -> str:
    """bootstrap/permissions/<stack>.json: the stack's deploy and preview managed policies with ``${Account}`` for
    the account bootstrap/ deploys to (generated; ``ecomart docs`` checks it is current)."""
    from ecomart.permissions import ACCOUNT, by_service

    args = argparse.Namespace(stack=stack, export=None, program=None, region=None, account=ACCOUNT)
    derived, _ = _derive(args)
    doc = {
        "about": f"Generated by `ecomart permissions --stack {stack} --write` (and `ecomart docs --write`) from the "
        "stack's declared resources: do not edit. bootstrap/ replaces ${Account} with its account id.",
        "stack": stack,
        "regions": list(derived.regions),
        "actionsByService": by_service(derived.deploy),
        "deploy": derived.deploy_policies,
        "preview": derived.preview_policies,
    }
    return json.dumps(doc, indent=1) + "\n"
