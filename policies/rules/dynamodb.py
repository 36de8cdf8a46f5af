"""DynamoDB: point-in-time recovery (the carts, sessions and order indexes a data tier often keeps there)."""

from __future__ import annotations

from policies.engine.core import Report, Res, known, not_true, resource_policy, show
from policies.engine.meta import GDPR_RESTORE
from policies.engine.tokens import DYNAMODB_TABLE


@resource_policy(
    "dynamodb-point-in-time-recovery",
    types=(DYNAMODB_TABLE,),
    severity="medium",
    category="resilience",
    controls=(GDPR_RESTORE, "pci-12-10-1", "fsbp-dynamodb-2"),
    description="DynamoDB tables have point-in-time recovery on.",
    why="Without it a bad write or a deleted item can only be restored from an on-demand backup someone remembered "
    "to take; PITR restores any second of the last 35 days.",
    remediation='Set `point_in_time_recovery={"enabled": True}` on `aws.dynamodb.Table`.',
    checks=("pointInTimeRecovery.enabled",),
)
def dynamodb_point_in_time_recovery(r: Res, report: Report) -> None:
    value = r.get("pointInTimeRecovery.enabled")
    if known(value) and not_true(value):  # absent is off (AWS's default): reported as off
        report(f"pointInTimeRecovery.enabled is {show(value)}: no point-in-time restore")
