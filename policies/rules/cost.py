"""What the stack costs: the monthly budget a stack's config sets (``cost.monthlyBudgetUsd``), priced the way
``ecomart cost`` prices it (``pricing``: the dated price files, the stack's usage file)."""

from __future__ import annotations

from typing import Any

from policies.engine.core import Stack, StackReport, known, stack_policy
from policies.engine.tokens import ATLAS_CLUSTER, EC_REPLICATION_GROUP, RDS_INSTANCE, VPC_ENDPOINT
from pricing import PriceError, Resource, UsageError, estimate, parse
from pricing.estimate import UNKNOWN


def _plain(value: Any) -> Any:
    """A property as pricing reads it: unknown values and opaque secrets become the engine's unknown marker."""
    if not known(value):
        return UNKNOWN
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@stack_policy(
    "stack-monthly-budget",
    types=(RDS_INSTANCE, EC_REPLICATION_GROUP, ATLAS_CLUSTER, VPC_ENDPOINT),  # what costs most; every type is priced
    severity="medium",
    category="cost",
    controls=("nist-sa-2",),
    description="The stack's estimated monthly cost (fixed costs from its declared resources plus the usage file's "
    "estimates) stays within `monthlyBudgetUsd` (the stack config's `cost.monthlyBudgetUsd`; 0: no budget).",
    why="A change that doubles what the data tier costs (a larger instance class, more shards, a second region) "
    "should be seen and decided in the pull request, not on the next invoice.",
    remediation="Make the change cheaper (`ecomart cost --stack <stack>` shows where the money goes and its "
    "savings), or raise the stack config's `cost.monthlyBudgetUsd` with the reason in the PR.",
    checks={
        RDS_INSTANCE: ("instanceClass", "multiAz", "allocatedStorage"),
        EC_REPLICATION_GROUP: ("nodeType", "numNodeGroups", "replicasPerNodeGroup"),
        ATLAS_CLUSTER: ("replicationSpecs",),
        VPC_ENDPOINT: ("subnetIds",),
    },
    config={"monthlyBudgetUsd": 0, "region": "us-east-1", "usage": {}},
    config_descriptions={
        "monthlyBudgetUsd": "Monthly ceiling, USD (0: no budget).",
        "region": "The stack's AWS region: its price file prices resources that name no region of their own.",
        "usage": "The usage file's content (pricing/usage.py): what usage-based prices are multiplied by.",
    },
)
def stack_monthly_budget(stack: Stack, report: StackReport) -> None:
    budget = float(stack.setting("monthlyBudgetUsd") or 0)
    if budget <= 0:
        return
    try:
        usage = parse(stack.setting("usage") or {}, "the policy config's usage")
        est = estimate(
            (Resource(r.urn, r.type, _plain(dict(r.props)), r.parent) for r in stack.resources),
            str(stack.setting("region")),
            usage,
        )
    except (PriceError, UsageError) as e:
        report(f"cannot price the stack: {e}", None)
        return
    if est.total <= budget:
        return
    top = sorted(est.by_component().items(), key=lambda kv: -kv[1])[:3]
    unpriced = len(est.not_priced())
    report(
        f"estimated ${est.total:,.2f} a month (${est.fixed:,.2f} fixed + ${est.usage:,.2f} usage estimates) exceeds "
        f"the budget of ${budget:,.2f} by ${est.total - budget:,.2f}; most: "
        + ", ".join(f"{c} ${v:,.2f}" for c, v in top)
        + (f"; {unpriced} resources not priced" if unpriced else ""),
        None,
    )


def budget_entry(monthly_usd: float, enforcement: str, region: str, usage: dict[str, Any]) -> dict[str, Any]:
    """The policy config entry of a stack's budget (written by ``ecomart policy-config``)."""
    return {"enforcementLevel": enforcement, "monthlyBudgetUsd": monthly_usd, "region": region, "usage": usage}
