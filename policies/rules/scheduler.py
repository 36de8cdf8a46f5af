"""EventBridge Scheduler schedules (they start the outbox relay): failed deliveries are kept, not dropped."""

from __future__ import annotations

from policies.engine.core import Report, Res, absent, known, resource_policy, show
from policies.engine.meta import GDPR_CIA, GDPR_RESTORE
from policies.engine.tokens import SCHEDULER_SCHEDULE


@resource_policy(
    "scheduler-target-dead-letter",
    types=(SCHEDULER_SCHEDULE,),
    severity="medium",
    category="resilience",
    controls=(GDPR_CIA, GDPR_RESTORE),
    description="Schedules send deliveries that failed to a dead-letter queue and say how often to retry.",
    why="Without a dead-letter queue a schedule whose target refused it (throttled, deleted, no permission) "
    "fails silently: the relay stops and events pile up in the outbox.",
    remediation="Set `target={..., dead_letter_config: {arn: <SQS ARN>}, retry_policy: {maximum_retry_attempts: "
    "<n>, maximum_event_age_in_seconds: <s>}}`.",
    checks=("target.deadLetterConfig.arn", "target.retryPolicy"),
)
def scheduler_target_dead_letter(r: Res, report: Report) -> None:
    dlq = r.get("target.deadLetterConfig.arn")
    if known(dlq) and absent(dlq):
        report("target.deadLetterConfig.arn is not set: failed deliveries are dropped")
    retry = r.get("target.retryPolicy")
    if known(retry) and absent(retry):
        report(
            f"target.retryPolicy is {show(retry)}: the retry behaviour is the default (185 attempts over 24 h), "
            "not a decision"
        )
