"""Enforcement per stack, in the standard policy-pack config format the Pulumi CLI reads.

``policies/config/<stack>.json`` (generated from ``platform_rules``: ``ecomart policy-config --write``) is what
``pulumi preview --policy-pack policies --policy-pack-config
policies/config/<stack>.json`` is given, and what the offline checker reads for that stack::

    {"all": "mandatory",
     "rds-multi-az": {"enforcementLevel": "advisory"},
     "rds-backup-retention": {"minimumDays": 7}}

``all`` sets every policy's level; a policy's own entry overrides it (a string level, or an object with an
optional ``enforcementLevel`` and the policy's config properties). A stack without a file of its own (e.g.
``staging``) is checked with ``prod.json``: unknown stacks get prod strictness.

The rules the files must follow (tests/policies/test_enforcement.py checks them against the policies' metadata):
prod runs every high and critical policy as mandatory; nothing is ever disabled; dev may run only cost-driven and
lifecycle policies (policies.engine.meta.CATEGORIES ``dev_may_advise``) as advisory.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import platform_rules

CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"
LEVELS = ("advisory", "mandatory", "remediate", "disabled")
STRICTEST = platform_rules.STRICTEST_ENVIRONMENT
# The stacks with a config file of their own, generated from platform_rules (others are checked as STRICTEST),
# and the portable profile for auditing stacks this repository did not write (`--policy-config ...portable.json`).
GENERATED_STACKS = ("dev", "prod", platform_rules.PORTABLE_ENVIRONMENT)


class PolicyConfigError(ValueError):
    pass


def config_path(stack: str | None) -> Path:
    """The config file for a stack: its own if there is one, else prod's (unknown stacks at prod strictness)."""
    if stack:
        own = CONFIG_DIR / f"{stack}.json"
        if own.is_file():
            return own
    return CONFIG_DIR / f"{STRICTEST}.json"


def load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyConfigError(f"policy config {path}: no such file") from None
    except json.JSONDecodeError as e:
        raise PolicyConfigError(f"policy config {path}: not JSON ({e.msg}, line {e.lineno})") from None
    if not isinstance(data, dict):
        raise PolicyConfigError(f"policy config {path}: expected a JSON object")
    for key, value in data.items():
        level = value if isinstance(value, str) else value.get("enforcementLevel") if isinstance(value, dict) else None
        if isinstance(value, (str, dict)) and (level is None or level in LEVELS):
            continue
        raise PolicyConfigError(
            f"policy config {path}: {key!r} has enforcement level {level!r}; allowed: {', '.join(LEVELS)}"
        )
    return data


def level_of(name: str, config: Mapping[str, Any], default: str = "mandatory") -> str:
    """The enforcement level of policy ``name`` under ``config`` (the pack's own default is mandatory)."""
    entry = config.get(name)
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict) and entry.get("enforcementLevel"):
        return entry["enforcementLevel"]
    all_level = config.get("all")
    if isinstance(all_level, str):
        return all_level
    if isinstance(all_level, dict) and all_level.get("enforcementLevel"):
        return all_level["enforcementLevel"]
    return default


def properties_of(name: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """The config properties a policy gets (``args.get_config()``): its entry minus ``enforcementLevel``."""
    entry = config.get(name)
    if isinstance(entry, dict):
        return {k: v for k, v in entry.items() if k != "enforcementLevel"}
    return {}


def render(stack: str, extra: Mapping[str, Any] | None = None) -> str:
    """The config file of a stack, as generated from its environment's rules (portable: the catalogues'
    thresholds, every house rule disabled), plus ``extra`` entries that come from the stack's own config (its
    monthly budget: ``ecomart.costs.stack_entries``)."""
    if stack == platform_rules.PORTABLE_ENVIRONMENT:
        return json.dumps(portable_config(), indent=2) + "\n"
    return json.dumps({**platform_rules.policy_config(stack), **(extra or {})}, indent=2) + "\n"


def portable_config() -> dict[str, Any]:
    from policies.engine.registry import metadata

    config: dict[str, Any] = {"all": "mandatory"}
    for pid, meta in sorted(metadata().items()):
        if meta.house_rule:
            config[pid] = {"enforcementLevel": "disabled"}
    for pid, values in platform_rules.PORTABLE_THRESHOLDS.items():
        config.setdefault(pid, {}).update(values)
    return config


def stale_files(config_dir: Path = CONFIG_DIR, extra: Callable[[str], Mapping[str, Any]] | None = None) -> list[Path]:
    """The generated config files whose committed content differs from the rules (and ``extra(stack)``)."""
    return [
        config_dir / f"{s}.json"
        for s in GENERATED_STACKS
        if not (config_dir / f"{s}.json").is_file()
        or (config_dir / f"{s}.json").read_text(encoding="utf-8") != render(s, extra(s) if extra else None)
    ]
