"""``ecomart policy-config``: policies/config/<stack>.json, generated from platform_rules and the policies'
metadata — check that the committed files are current (exit 1 naming the stale ones) or ``--write`` them.
(``ecomart docs`` does this and regenerates everything that depends on them.)"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "policies/config/<stack>.json generated from platform_rules: check the committed files, or --write them"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--write", action="store_true", help="regenerate the files")


def run(args: argparse.Namespace) -> int:
    return policy_config(args.write)


def policy_config(write: bool, config_dir: Path | None = None) -> int:
    from ecomart.costs import stack_entries
    from policies.engine import enforcement

    config_dir = config_dir or enforcement.CONFIG_DIR
    stacks = enforcement.GENERATED_STACKS
    if write:
        for s in stacks:
            (config_dir / f"{s}.json").write_text(enforcement.render(s, stack_entries(s)), encoding="utf-8")
        print(f"wrote {', '.join(f'{s}.json' for s in stacks)} in {config_dir}")
        return 0
    stale = enforcement.stale_files(config_dir, stack_entries)
    if stale:
        print(
            "stale (regenerate with `ecomart policy-config --write`): " + ", ".join(str(p) for p in stale),
            file=sys.stderr,
        )
        return 1
    print(f"policy configs current: {', '.join(f'{s}.json' for s in stacks)}")
    return 0
