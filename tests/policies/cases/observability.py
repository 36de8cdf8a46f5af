"""Resource-policy cases of ``policies/rules/observability.py``: a compliant resource per case and, for every
property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

from policies.engine import tokens as T
from tests.policies.cases.shapes import CW_PUBLISH, DENY_HTTP, KEY_ARN, PUBLIC, TOPIC_ARN, doc
from tests.policies.helpers import DELETE, Case

CASES = {
    # observability
    "log-group-kms-encrypted": [
        Case(T.LOG_GROUP, {"name": "/ecomart/x", "retentionInDays": 365, "kmsKeyId": KEY_ARN}, {"kmsKeyId": DELETE}),
    ],
    "log-group-retention": [
        Case(T.LOG_GROUP, {"name": "/ecomart/x", "retentionInDays": 365, "kmsKeyId": KEY_ARN}, {"retentionInDays": 90}),
        Case(
            T.LOG_GROUP,
            {"name": "/ecomart/x", "retentionInDays": 400, "kmsKeyId": KEY_ARN},
            {"retentionInDays": DELETE},
            label="never expires",
        ),
        Case(
            T.LOG_GROUP,
            {"name": "/ecomart/x", "retentionInDays": 90, "kmsKeyId": KEY_ARN},
            {"retentionInDays": 30},
            config={"minimumDays": 90},
            label="dev minimum",
        ),
    ],
    "metric-alarm-notifies": [
        Case(
            T.METRIC_ALARM,
            {
                "name": "ecomart-prod-postgres-writer-cpu",
                "namespace": "AWS/RDS",
                "metricName": "CPUUtilization",
                "dimensions": {"DBInstanceIdentifier": "ecomart-prod-pg"},
                "statistic": "Average",
                "comparisonOperator": "GreaterThanThreshold",
                "threshold": 80,
                "period": 300,
                "evaluationPeriods": 3,
                "actionsEnabled": True,
                "alarmActions": [TOPIC_ARN],
                "okActions": [TOPIC_ARN],
            },
            {"actionsEnabled": False, "alarmActions": [], "okActions": DELETE},
        ),
    ],
    "composite-alarm-notifies": [
        Case(
            T.COMPOSITE_ALARM,
            {
                "alarmName": "ecomart-prod-data-tier-degraded",
                "alarmRule": 'ALARM("a")',
                "actionsEnabled": True,
                "alarmActions": [TOPIC_ARN],
                "okActions": [TOPIC_ARN],
            },
            {"alarmActions": [], "okActions": DELETE},
        ),
    ],
    "sns-topic-cmk": [
        Case(
            T.SNS_TOPIC,
            {"name": "ecomart-prod-data-alarms", "kmsMasterKeyId": KEY_ARN},
            {"kmsMasterKeyId": "alias/aws/sns"},
        ),
        Case(
            T.SNS_TOPIC,
            {"name": "ecomart-prod-data-alarms", "kmsMasterKeyId": KEY_ARN},
            {"kmsMasterKeyId": DELETE},
            label="unencrypted",
        ),
    ],
    "sns-subscription-encrypted-transport": [
        Case(
            T.SNS_SUBSCRIPTION,
            {"topic": TOPIC_ARN, "protocol": "https", "endpoint": "https://hooks.example/x"},
            {"protocol": "http", "endpoint": "http://hooks.example/x"},
        ),
    ],
    "sns-topic-policy-not-public": [
        Case(
            T.SNS_TOPIC_POLICY,
            {"arn": TOPIC_ARN, "policy": doc(CW_PUBLISH, DENY_HTTP)},
            {"policy": doc(CW_PUBLISH, DENY_HTTP, PUBLIC)},
        ),
    ],
    "sns-topic-policy-deny-insecure-transport": [
        Case(T.SNS_TOPIC_POLICY, {"arn": TOPIC_ARN, "policy": doc(CW_PUBLISH, DENY_HTTP)}, {"policy": doc(CW_PUBLISH)}),
    ],
}
