"""Resource-policy cases of ``policies/rules/operations.py``: a compliant resource per case and, for every property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

import json

from policies.engine import tokens as T
from tests.policies.cases.shapes import ACCOUNT, ADMIN, DENY_HTTP, KEY_ARN, PUBLIC, ROLE_ARN, doc
from tests.policies.helpers import DELETE, Case

CASES = {
    # operations: SQS, FIS
    "sqs-queue-encrypted": [
        Case(
            T.SQS_QUEUE,
            {"name": "orders", "sqsManagedSseEnabled": True},
            {"sqsManagedSseEnabled": False},
            label="sse-sqs",
        ),
        Case(
            T.SQS_QUEUE,
            {"name": "orders", "sqsManagedSseEnabled": False, "kmsMasterKeyId": "alias/aws/sqs"},
            {"kmsMasterKeyId": DELETE},
            label="sse-kms",
        ),
    ],
    "sqs-queue-cmk": [
        Case(
            T.SQS_QUEUE,
            {"name": "ecomart-prod-queued-orders", "kmsMasterKeyId": KEY_ARN},
            {"kmsMasterKeyId": "alias/aws/sqs"},
        ),
        Case(
            T.SQS_QUEUE,
            {"name": "ecomart-prod-queued-orders", "kmsMasterKeyId": KEY_ARN},
            {"kmsMasterKeyId": DELETE},
            label="unencrypted",
        ),
    ],
    "sqs-queue-dead-letter": [
        Case(
            T.SQS_QUEUE,
            {
                "name": "ecomart-prod-queued-orders",
                "redrivePolicy": json.dumps(
                    {
                        "deadLetterTargetArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:ecomart-prod-queued-orders-dlq",
                        "maxReceiveCount": 5,
                    }
                ),
            },
            {"redrivePolicy": json.dumps({"maxReceiveCount": 5})},
        ),
        Case(
            T.SQS_QUEUE,
            {
                "name": "ecomart-prod-queued-orders",
                "redrivePolicy": json.dumps(
                    {"deadLetterTargetArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:x-dlq", "maxReceiveCount": 5}
                ),
            },
            {"redrivePolicy": DELETE},
            label="no-redrive",
        ),
        Case(
            T.SQS_QUEUE,
            {"name": "ecomart-prod-queued-orders-dlq"},
            {"name": "ecomart-prod-queued-orders-dlq2"},
            label="dlq-exempt-by-name",
        ),
    ],
    "sqs-policy-not-public": [
        Case(
            T.SQS_QUEUE_POLICY,
            {"queueUrl": "https://sqs.us-east-1.amazonaws.com/1/q", "policy": doc(DENY_HTTP)},
            {"policy": doc(DENY_HTTP, PUBLIC)},
        ),
    ],
    "sqs-policy-deny-insecure-transport": [
        Case(
            T.SQS_QUEUE_POLICY,
            {"queueUrl": "https://sqs.us-east-1.amazonaws.com/1/q", "policy": doc(DENY_HTTP)},
            {"policy": doc(ADMIN)},
        ),
    ],
    "fis-template-stop-condition": [
        Case(
            T.FIS_TEMPLATE,
            {
                "description": "drill",
                "roleArn": ROLE_ARN,
                "stopConditions": [
                    {"source": "aws:cloudwatch:alarm", "value": f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:x"}
                ],
            },
            {"stopConditions": [{"source": "none"}]},
        ),
    ],
}
