"""CloudWatch Logs, CloudWatch alarms and SNS: the audit trail and the alerting path.

Pulumi's compliance-ready policies have nothing for CloudWatch Logs; here log groups must be KMS-encrypted and
kept long enough for PCI DSS (12 months), alarms must actually notify, and the alarm topic must use a CMK that
CloudWatch can use (``alias/aws/sns`` silently drops alarm notifications).
"""

from __future__ import annotations

from policies.core import (Report, Res, absent, denies_insecure_transport, document_statements, is_false, known, num,
                           report_public_statements, resource_policy, show)
from platform_rules import DEV, PROD, policy_defaults
from policies.meta import CCPA_SEC, GDPR_BREACH, GDPR_CIA, GDPR_ENC, GDPR_TEST
from policies.tokens import COMPOSITE_ALARM, LOG_GROUP, METRIC_ALARM, SNS_SUBSCRIPTION, SNS_TOPIC, SNS_TOPIC_POLICY

AWS_MANAGED_SNS_KEYS = ("alias/aws/sns",)


@resource_policy(
    "log-group-kms-encrypted",
    types=(LOG_GROUP,), severity="high", category="security",
    controls=("pci-10-3-2", GDPR_ENC, CCPA_SEC),
    description="CloudWatch log groups are encrypted with a customer-managed KMS key.",
    why="Database, cache and flow logs contain client addresses, user names and statement text; encrypting "
        "them with the logs CMK lets the key policy decide who can read them.",
    remediation="Set `kms_key_id=<logs CMK ARN>` on `aws.cloudwatch.LogGroup` (the key policy must allow "
                "logs.<region>.amazonaws.com).",
    checks=("kmsKeyId",),
)
def log_group_kms_encrypted(r: Res, report: Report) -> None:
    if absent(r.get("kmsKeyId")):
        report("kmsKeyId is not set: log data would be encrypted only with a CloudWatch-owned key")


@resource_policy(
    "log-group-retention",
    types=(LOG_GROUP,), severity="medium", category="security",
    controls=("pci-10-5-1", GDPR_BREACH),
    description=f"Log groups expire their events, after at least `minimumDays` days (prod {PROD.log_retention_days} "
                f"for PCI DSS 10.5.1, dev {DEV.log_retention_days}).",
    why="Never-expiring logs keep personal data forever (GDPR storage limitation); too short a retention loses "
        "the audit trail an investigation needs.",
    remediation="Set `retention_in_days` to a CloudWatch retention period of at least the minimum.",
    checks=("retentionInDays",),
    config=policy_defaults("log-group-retention"),
    config_descriptions={"minimumDays": "Shortest allowed retention, in days."},
)
def log_group_retention(r: Res, report: Report) -> None:
    raw = r.get("retentionInDays")
    if not known(raw):
        return
    days = num(raw)
    if absent(raw) or days == 0:
        report("retentionInDays is not set: events are kept forever")
        return
    minimum = r.setting("minimumDays")
    if days is None or days < minimum:
        report(f"retentionInDays is {show(raw)}: at least {minimum} days required")


@resource_policy(
    "metric-alarm-notifies",
    types=(METRIC_ALARM,), severity="medium", category="resilience",
    controls=("pci-10-7-2", GDPR_BREACH, GDPR_TEST),
    description="Metric alarms have actions enabled and notify on ALARM and on OK.",
    why="An alarm without actions changes colour on a dashboard nobody watches; the OK notification tells the "
        "on-call the incident is over.",
    remediation="Set `actions_enabled=True`, `alarm_actions=[topic.arn]` and `ok_actions=[topic.arn]`.",
    checks=("actionsEnabled", "alarmActions", "okActions"),
)
def metric_alarm_notifies(r: Res, report: Report) -> None:
    if is_false(r.get("actionsEnabled")):
        report("actionsEnabled is false: the alarm notifies no one")
    for prop in ("alarmActions", "okActions"):
        value = r.get(prop)
        if known(value) and absent(value):
            report(f"{prop} is empty: no notification on {'ALARM' if prop == 'alarmActions' else 'OK'}")


@resource_policy(
    "composite-alarm-notifies",
    types=(COMPOSITE_ALARM,), severity="medium", category="resilience",
    controls=("pci-10-7-2", GDPR_BREACH),
    description="Composite alarms that have actions enabled notify on ALARM and on OK.",
    why="The composite 'data tier degraded' alarm is the page; chunk composites that only feed another composite "
        "may run with actions disabled.",
    remediation="Set `alarm_actions` and `ok_actions` to the alarm topic (or `actions_enabled=False` for an "
                "intermediate composite).",
    checks=("alarmActions", "okActions"),
)
def composite_alarm_notifies(r: Res, report: Report) -> None:
    if is_false(r.get("actionsEnabled")):
        return
    for prop in ("alarmActions", "okActions"):
        value = r.get(prop)
        if known(value) and absent(value):
            report(f"{prop} is empty on a composite alarm with actions enabled")


@resource_policy(
    "sns-topic-cmk",
    types=(SNS_TOPIC,), severity="high", category="security",
    controls=(GDPR_ENC, "pci-3-5-1"),
    description="SNS topics are encrypted with a customer-managed key (not `alias/aws/sns`).",
    why="Alarm messages name databases, hosts and thresholds. `alias/aws/sns` cannot be used by CloudWatch, "
        "so alarm notifications to such a topic are silently dropped.",
    remediation="Set `kms_master_key_id=<logs CMK ARN>`; its key policy must allow cloudwatch.amazonaws.com.",
    checks=("kmsMasterKeyId",),
)
def sns_topic_cmk(r: Res, report: Report) -> None:
    key = r.get("kmsMasterKeyId")
    if absent(key):
        report("kmsMasterKeyId is not set: messages are stored unencrypted")
    elif known(key) and key in AWS_MANAGED_SNS_KEYS:
        report(f"kmsMasterKeyId is {show(key)}: CloudWatch cannot publish to a topic under the AWS-managed key")


@resource_policy(
    "sns-subscription-encrypted-transport",
    types=(SNS_SUBSCRIPTION,), severity="medium", category="security",
    controls=("pci-4-2-1", GDPR_ENC),
    description="SNS subscriptions never deliver over plain HTTP.",
    why="An `http` subscription sends every alarm message in plaintext across the internet.",
    remediation="Use `protocol=\"https\"` (or email, SQS, Lambda).",
    checks=("protocol", "endpoint"),
)
def sns_subscription_encrypted_transport(r: Res, report: Report) -> None:
    protocol, endpoint = r.get("protocol"), r.get("endpoint")
    if known(protocol) and protocol == "http":
        report("protocol is 'http': notifications travel in plaintext")
    elif known(protocol) and protocol == "https" and known(endpoint) and isinstance(endpoint, str) \
            and not endpoint.startswith("https://"):
        report(f"endpoint {show(endpoint)} is not an https:// URL")


@resource_policy(
    "sns-topic-policy-not-public",
    types=(SNS_TOPIC_POLICY,), severity="critical", category="security",
    controls=("pci-7-2-1", GDPR_CIA),
    description="No SNS topic policy allows a wildcard principal without a condition.",
    why="Anyone could publish forged alarms to the on-call or subscribe to read them.",
    remediation="Set `policy` on `aws.sns.TopicPolicy` to grant `sns:Publish` to `cloudwatch.amazonaws.com` "
                "scoped by `aws:SourceAccount`/`aws:SourceArn`.",
    checks=("policy",),
)
def sns_topic_policy_not_public(r: Res, report: Report) -> None:
    report_public_statements(r, "policy", report)


@resource_policy(
    "sns-topic-policy-deny-insecure-transport",
    house_rule=True,
    types=(SNS_TOPIC_POLICY,), severity="medium", category="security",
    controls=("pci-4-2-1", GDPR_ENC),
    description="SNS topic policies deny requests made without TLS (`aws:SecureTransport` false).",
    why="Publishing over plain HTTP exposes the message; the deny makes TLS mandatory for every publisher.",
    remediation="Add to `policy` on `aws.sns.TopicPolicy` a Deny statement for `sns:Publish` with condition "
                "`Bool: {aws:SecureTransport: false}`.",
    checks=("policy",),
)
def sns_topic_policy_deny_insecure_transport(r: Res, report: Report) -> None:
    statements = document_statements(r, "policy", report)
    if statements is not None and not denies_insecure_transport(statements):
        report("policy has no Deny for aws:SecureTransport=false")

