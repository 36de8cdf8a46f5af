"""Resource-policy cases of ``policies/rules/scheduler.py``: a compliant resource per case and, for every property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

from policies.engine import tokens as T
from tests.policies.helpers import DELETE, Case

CASES = {
    "scheduler-target-dead-letter": [
        Case(T.SCHEDULER_SCHEDULE, "RELAY_SCHEDULE", {"target.deadLetterConfig.arn": "", "target.retryPolicy": {}}),
        Case(
            T.SCHEDULER_SCHEDULE,
            "RELAY_SCHEDULE",
            {"target.deadLetterConfig": DELETE, "target.retryPolicy": DELETE},
            label="absent",
        ),
    ],
}
