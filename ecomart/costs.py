"""What ``ecomart cost`` and the policy configs need of a stack's ``cost`` config: its usage file, region and
budget (infra/cost.py declares the section)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


class CostError(Exception):
    """Bad input to pricing a stack: the message is the one line to print."""


def read_usage_file(path: Path) -> tuple[dict[str, Any], str]:
    """A usage file's document (YAML or JSON) and its name; CostError (one line) when it cannot be read."""
    import yaml

    from pricing import UsageError, parse

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as e:
        raise CostError(f"{path}: cannot read the usage file ({e.strerror})") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise CostError(f"{path}: not YAML{where}") from None
    try:
        parse(doc, str(path))
    except UsageError as e:
        raise CostError(str(e)) from None
    return doc, str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def stack_cost_config(stack: str) -> Any | None:
    """The stack's config (infra.config.StackConfig) when Pulumi.<stack>.yaml exists, else None."""
    from infra import config as stack_config

    path = ROOT / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        return None
    try:
        return stack_config.load(stack, stack_config.raw_from_yaml(str(path)))
    except stack_config.ConfigError as e:
        raise CostError(f"stack {stack}: " + "; ".join(e.problems)) from None


def stack_entries(stack: str) -> dict[str, Any]:
    """The policy config entries that come from a stack's own config: its monthly budget."""
    from policies.rules.cost import budget_entry

    cfg = stack_cost_config(stack)
    if cfg is None or cfg.cost.monthly_budget_usd <= 0:
        return {}
    usage = read_usage_file(ROOT / cfg.cost.usage_file)[0] if cfg.cost.usage_file else {}
    return {
        "stack-monthly-budget": budget_entry(
            cfg.cost.monthly_budget_usd, cfg.cost.budget_enforcement, cfg.region, usage
        )
    }


_ARN_REGION = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:([a-z]{2}-[a-z]+-\d):")


def region_of_export(doc: dict[str, Any]) -> str | None:
    """The region most ARNs of an export name (an export records no provider region when defaults are used)."""
    seen: Counter[str] = Counter()
    for e in (doc.get("deployment") or {}).get("resources") or []:
        for v in (e.get("outputs") or {}).values():
            if isinstance(v, str):
                m = _ARN_REGION.match(v)
                if m:
                    seen[m.group(1)] += 1
    return seen.most_common(1)[0][0] if seen else None


def pricing_inputs(stack: str | None, doc: dict[str, Any]) -> tuple[str, Any]:
    """(region, usage) to price an export of ``stack`` with: our stacks' config and usage file, else the export's
    region and no usage."""
    from pricing import Usage, parse

    cfg = stack_cost_config(stack) if stack else None
    region = (cfg.region if cfg else None) or region_of_export(doc) or "us-east-1"
    if cfg is not None and cfg.cost.usage_file:
        body, name = read_usage_file(ROOT / cfg.cost.usage_file)
        return region, parse(body, name)
    return region, Usage()
