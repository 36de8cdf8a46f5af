"""SQS and AWS FIS: the queue that holds orders while PostgreSQL is down, and the fault-injection drills.

SQS queues carry orders (customer and payment-relevant data): CMK-encrypted, TLS-only, with a dead-letter queue so
a message that keeps failing is kept for a person instead of being retried forever or dropped. FIS experiments
inject real faults: each must stop on an alarm, never run blind.
"""

from __future__ import annotations

import json

from policies.engine.core import Report, Res, absent, is_false, known, resource_policy, show
from policies.engine.facts import REQUIRED
from policies.engine.families import insecure_transport_rule, public_policy_rule
from policies.engine.meta import CCPA_SEC, GDPR_CIA, GDPR_ENC, GDPR_TEST
from policies.engine.tokens import FIS_TEMPLATE, SQS_QUEUE, SQS_QUEUE_POLICY

AWS_MANAGED_SQS_KEYS = ("alias/aws/sqs",)


@resource_policy(
    "sqs-queue-encrypted",
    defaults={"sqsManagedSseEnabled": True},
    types=(SQS_QUEUE,),
    severity="high",
    category="security",
    controls=(GDPR_ENC, "pci-3-5-1", CCPA_SEC, "fsbp-sqs-1"),
    description="SQS queues are encrypted at rest, with SSE-SQS or a KMS key (FSBP SQS.1).",
    why="Queued orders hold customer ids and order lines. SQS.1 passes with either key "
    "(https://docs.aws.amazon.com/securityhub/latest/userguide/sqs-controls.html#sqs-1); only a queue with "
    "`sqs_managed_sse_enabled=False` and no KMS key stores messages unencrypted.",
    remediation="Leave `sqs_managed_sse_enabled` unset (or True), or set `kms_master_key_id`.",
    checks=("sqsManagedSseEnabled", "kmsMasterKeyId"),
)
def sqs_queue_encrypted(r: Res, report: Report) -> None:
    if is_false(r.get("sqsManagedSseEnabled")) and absent(r.get("kmsMasterKeyId")):
        report("sqsManagedSseEnabled is false and kmsMasterKeyId is not set: messages are stored unencrypted")


@resource_policy(
    "sqs-queue-cmk",
    house_rule=True,
    types=(SQS_QUEUE,),
    severity="high",
    category="security",
    controls=(GDPR_ENC, "pci-3-6-1", CCPA_SEC),
    description="SQS queues are encrypted with a customer-managed KMS key (not SSE-SQS or `alias/aws/sqs`).",
    why="Queued orders hold customer ids and order lines; with a CMK the key policy, not just the queue policy, "
    "decides who can read them, and key use is logged in CloudTrail. FSBP SQS.1 accepts SSE-SQS "
    "(sqs-queue-encrypted): this is the house rule.",
    remediation="Set `kms_master_key_id=<relational CMK ARN>` on `aws.sqs.Queue` (its key policy lets sqs use it "
    "through kms:ViaService).",
    checks=("kmsMasterKeyId",),
)
def sqs_queue_cmk(r: Res, report: Report) -> None:
    key = r.get("kmsMasterKeyId")
    if absent(key):
        report("kmsMasterKeyId is not set: the queue has no customer-managed key (SSE-SQS at best)")
    elif known(key) and key in AWS_MANAGED_SQS_KEYS:
        report(f"kmsMasterKeyId is {show(key)}: the AWS-managed key, whose policy no one here controls")


@resource_policy(
    "sqs-queue-dead-letter",
    house_rule=True,
    types=(SQS_QUEUE,),
    severity="medium",
    category="resilience",
    controls=(GDPR_CIA,),
    description="Every SQS queue that is not itself a dead-letter queue sends poison messages to one.",
    why="Without a redrive policy a message that always fails is retried until its retention ends and is then "
    "silently deleted: a queued order lost with no one told.",
    remediation='Set `redrive_policy` to `{"deadLetterTargetArn": <DLQ ARN>, "maxReceiveCount": 5}`; a '
    "dead-letter queue itself is named `*-dlq`.",
    checks=("redrivePolicy", "name"),
)
def sqs_queue_dead_letter(r: Res, report: Report) -> None:
    name = r.get("name")
    if not absent(name) and not known(name):
        return  # unknown (or secret) until apply: whether it is a dead-letter queue cannot be judged
    if isinstance(name, str) and name.removesuffix(".fifo").endswith("-dlq"):
        return
    policy = r.get("redrivePolicy")
    if absent(policy):
        report("redrivePolicy is not set: failing messages are dropped when their retention ends")
        return
    if not known(policy):
        return
    try:
        parsed = json.loads(policy) if isinstance(policy, str) else policy
    except ValueError:
        report(f"redrivePolicy is not JSON: {show(policy)}")
        return
    if not parsed.get("deadLetterTargetArn"):
        report("redrivePolicy has no deadLetterTargetArn")


public_policy_rule(
    __name__,
    "sqs-policy-not-public",
    unset={"policy": REQUIRED},
    types=(SQS_QUEUE_POLICY,),
    controls=("pci-7-2-1", GDPR_CIA, "fsbp-sqs-3"),
    description="No SQS queue policy allows a wildcard principal without a condition.",
    why="Anyone could read queued orders or inject forged ones.",
    remediation="Grant only named roles in `policy`; keep the Deny of insecure transport.",
)


insecure_transport_rule(
    __name__,
    "sqs-policy-deny-insecure-transport",
    unset={"policy": REQUIRED},
    house_rule=True,
    types=(SQS_QUEUE_POLICY,),
    controls=("pci-4-2-1", GDPR_ENC),
    description="SQS queue policies deny requests made without TLS (`aws:SecureTransport` false).",
    why="SQS accepts HTTP endpoints; the deny makes TLS mandatory for every producer and consumer.",
    remediation="Add to `policy` on `aws.sqs.QueuePolicy` a Deny statement for `sqs:*` with condition "
    "`Bool: {aws:SecureTransport: false}`.",
)


@resource_policy(
    "fis-template-stop-condition",
    types=(FIS_TEMPLATE,),
    severity="high",
    category="resilience",
    controls=(GDPR_TEST, "pci-12-10-1"),
    description="Every FIS experiment template stops on a CloudWatch alarm.",
    why="An experiment injects a real fault into production; without an alarm stop condition it runs its full "
    "duration even when the data tier is already degraded for another reason.",
    remediation='Set `stop_conditions=[{source: "aws:cloudwatch:alarm", value: <composite alarm ARN>}]`.',
    checks=("stopConditions",),
)
def fis_template_stop_condition(r: Res, report: Report) -> None:
    conditions = r.get("stopConditions")
    if absent(conditions):
        report("stopConditions is not set: the experiment cannot be stopped by an alarm")
        return
    if not known(conditions) or not isinstance(conditions, list):
        return
    alarms = [
        c for c in conditions if isinstance(c, dict) and c.get("source") == "aws:cloudwatch:alarm" and c.get("value")
    ]
    if not alarms:
        sources = ", ".join(str(c.get("source")) for c in conditions if isinstance(c, dict)) or "none"
        report(f"stopConditions has no aws:cloudwatch:alarm (sources: {sources})")
