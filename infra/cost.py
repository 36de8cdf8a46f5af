"""The stack config's ``cost`` section: the monthly budget the ``stack-monthly-budget`` policy holds the stack to,
and the usage file ``ecomart cost`` and the policy price usage-based costs with (docs/adr/0026-cost-estimates.md).
It configures no component: it is read by the policy config generator and the ``ecomart cost`` command."""

from __future__ import annotations

from pathlib import Path

from components.contract import arg, settings

ROOT = Path(__file__).resolve().parents[1]


def _usage_file(value: str) -> str | None:
    path = ROOT / value
    return None if path.is_file() else "a YAML usage file in this repository (e.g. usage/prod.yaml)"


_usage_file.means = "a YAML usage file in this repository (e.g. usage/prod.yaml)"  # type: ignore[attr-defined]


@settings
class CostSettings:
    """The stack config's ``cost`` section."""

    monthly_budget_usd: float = arg(
        "Monthly ceiling of the stack's estimated cost (fixed + usage estimates); 0: no budget.",
        default=0.0,
        units="USD",
        ge=0,
    )
    budget_enforcement: str = arg(
        "What exceeding the budget does in previews and the PR gate: advisory reports, mandatory blocks.",
        default="advisory",
        one_of=("advisory", "mandatory"),
    )
    usage_file: str | None = arg(
        "Usage estimates (requests, GB stored, MAUs) the usage-based prices are multiplied by "
        "(keys: pricing/usage.py, README 'What the stack costs'); none: usage-based costs are 0.",
        default=None,
        check=_usage_file,
    )
