"""CloudWatch Logs, CloudWatch alarms and SNS: the audit trail and the alerting path.

Pulumi's compliance-ready policies have nothing for CloudWatch Logs; here log groups must be KMS-encrypted and
kept long enough for PCI DSS (12 months), alarms must actually notify, and the alarm topic must use a CMK that
CloudWatch can use (``alias/aws/sns`` silently drops alarm notifications).
"""

from __future__ import annotations

from platform_rules import DEV, PROD, elasticache_node_ids, policy_defaults
from policies.engine.core import (
    Report,
    Res,
    SRes,
    Stack,
    StackReport,
    absent,
    identity,
    is_false,
    known,
    num,
    resource_policy,
    show,
    stack_policy,
)
from policies.engine.facts import REQUIRED
from policies.engine.families import insecure_transport_rule, public_policy_rule
from policies.engine.meta import CCPA_SEC, GDPR_BREACH, GDPR_CIA, GDPR_ENC, GDPR_TEST
from policies.engine.relations import CACHE_ALARM_METRICS, RDS_ALARM_METRICS, RDS_REPLICA_ALARM_METRICS, is_rds_replica
from policies.engine.tokens import (
    COMPOSITE_ALARM,
    EC_REPLICATION_GROUP,
    LOG_GROUP,
    METRIC_ALARM,
    RDS_INSTANCE,
    SNS_SUBSCRIPTION,
    SNS_TOPIC,
    SNS_TOPIC_POLICY,
)

AWS_MANAGED_SNS_KEYS = ("alias/aws/sns",)


@resource_policy(
    "log-group-kms-encrypted",
    types=(LOG_GROUP,),
    severity="high",
    category="security",
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
    types=(LOG_GROUP,),
    severity="medium",
    category="security",
    controls=("pci-10-5-1", GDPR_BREACH, "fsbp-cloudwatch-16"),
    description=f"Log groups expire their events, after at least `minimumDays` days (prod {PROD.log_retention_days} "
    f"for PCI DSS 10.5.1, dev {DEV.log_retention_days}).",
    why="Never-expiring logs keep personal data forever (GDPR storage limitation); too short a retention loses "
    "the audit trail an investigation needs.",
    remediation="Set `retention_in_days` to a CloudWatch retention period of at least the minimum.",
    checks=("retentionInDays",),
    config=policy_defaults("log-group-retention"),
    config_descriptions={
        "minimumDays": "Shortest allowed retention, in days.",
        "neverExpireCompliant": "A log group that never expires its events passes (AWS Config's "
        "cw-loggroup-retention-period-check counts it COMPLIANT; this platform does not).",
    },
)
def log_group_retention(r: Res, report: Report) -> None:
    raw = r.get("retentionInDays")
    if not known(raw):
        return
    days = num(raw)
    if absent(raw) or days == 0:
        if not r.setting("neverExpireCompliant"):
            report("retentionInDays is not set: events are kept forever")
        return
    minimum = r.setting("minimumDays")
    if days is None or days < minimum:
        report(f"retentionInDays is {show(raw)}: at least {minimum} days required")


@resource_policy(
    "metric-alarm-notifies",
    defaults={"actionsEnabled": True},
    types=(METRIC_ALARM,),
    severity="medium",
    category="resilience",
    controls=("pci-10-7-2", GDPR_BREACH, GDPR_TEST, "fsbp-cloudwatch-15", "fsbp-cloudwatch-17"),
    description="Metric alarms have actions enabled and notify on ALARM, and on OK when `okActionRequired`.",
    why="An alarm without actions changes colour on a dashboard nobody watches; the OK notification tells the "
    "on-call the incident is over.",
    remediation="Set `actions_enabled=True`, `alarm_actions=[topic.arn]` and `ok_actions=[topic.arn]`.",
    checks=("actionsEnabled", "alarmActions", "okActions"),
    config=policy_defaults("metric-alarm-notifies"),
    config_descriptions={
        "okActionRequired": "An OK action is required too (AWS Config's cloudwatch-alarm-action-check: false by "
        "default; this platform: true)."
    },
)
def metric_alarm_notifies(r: Res, report: Report) -> None:
    if is_false(r.get("actionsEnabled")):
        report("actionsEnabled is false: the alarm notifies no one")
    wanted = ("alarmActions", "okActions") if r.setting("okActionRequired") else ("alarmActions",)
    for prop in wanted:
        value = r.get(prop)
        if known(value) and absent(value):
            report(f"{prop} is empty: no notification on {'ALARM' if prop == 'alarmActions' else 'OK'}")


@resource_policy(
    "composite-alarm-notifies",
    types=(COMPOSITE_ALARM,),
    severity="medium",
    category="resilience",
    # Not CloudWatch.17 (actions activated): an intermediate composite may run with actions off, by design.
    controls=("pci-10-7-2", GDPR_BREACH, "fsbp-cloudwatch-15"),
    description="Composite alarms that have actions enabled notify on ALARM, and on OK when `okActionRequired`.",
    why="The composite 'data tier degraded' alarm is the page; chunk composites that only feed another composite "
    "may run with actions disabled.",
    remediation="Set `alarm_actions` and `ok_actions` to the alarm topic (or `actions_enabled=False` for an "
    "intermediate composite).",
    checks=("alarmActions", "okActions"),
    config=policy_defaults("composite-alarm-notifies"),
    config_descriptions={
        "okActionRequired": "An OK action is required too (AWS Config's cloudwatch-alarm-action-check: false by "
        "default; this platform: true)."
    },
)
def composite_alarm_notifies(r: Res, report: Report) -> None:
    if is_false(r.get("actionsEnabled")):
        return
    for prop in ("alarmActions", "okActions") if r.setting("okActionRequired") else ("alarmActions",):
        value = r.get(prop)
        if known(value) and absent(value):
            report(f"{prop} is empty on a composite alarm with actions enabled")


@resource_policy(
    "sns-topic-cmk",
    types=(SNS_TOPIC,),
    severity="high",
    category="security",
    controls=(GDPR_ENC, "pci-3-5-1", "fsbp-sns-1"),
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
    unset={"protocol": REQUIRED, "endpoint": REQUIRED},
    types=(SNS_SUBSCRIPTION,),
    severity="medium",
    category="security",
    controls=("pci-4-2-1", GDPR_ENC),
    description="SNS subscriptions never deliver over plain HTTP.",
    why="An `http` subscription sends every alarm message in plaintext across the internet.",
    remediation='Use `protocol="https"` (or email, SQS, Lambda).',
    checks=("protocol", "endpoint"),
)
def sns_subscription_encrypted_transport(r: Res, report: Report) -> None:
    protocol, endpoint = r.get("protocol"), r.get("endpoint")
    if known(protocol) and protocol == "http":
        report("protocol is 'http': notifications travel in plaintext")
    elif (
        known(protocol)
        and protocol == "https"
        and known(endpoint)
        and isinstance(endpoint, str)
        and not endpoint.startswith("https://")
    ):
        report(f"endpoint {show(endpoint)} is not an https:// URL")


public_policy_rule(
    __name__,
    "sns-topic-policy-not-public",
    unset={"policy": REQUIRED},
    types=(SNS_TOPIC_POLICY,),
    controls=("pci-7-2-1", GDPR_CIA, "fsbp-sns-4"),
    description="No SNS topic policy allows a wildcard principal without a condition.",
    why="Anyone could publish forged alarms to the on-call or subscribe to read them.",
    remediation="Set `policy` on `aws.sns.TopicPolicy` to grant `sns:Publish` to `cloudwatch.amazonaws.com` "
    "scoped by `aws:SourceAccount`/`aws:SourceArn`.",
)


insecure_transport_rule(
    __name__,
    "sns-topic-policy-deny-insecure-transport",
    unset={"policy": REQUIRED},
    house_rule=True,
    types=(SNS_TOPIC_POLICY,),
    controls=("pci-4-2-1", GDPR_ENC),
    description="SNS topic policies deny requests made without TLS (`aws:SecureTransport` false).",
    why="Publishing over plain HTTP exposes the message; the deny makes TLS mandatory for every publisher.",
    remediation="Add to `policy` on `aws.sns.TopicPolicy` a Deny statement for `sns:Publish` with condition "
    "`Bool: {aws:SecureTransport: false}`.",
)


# === stack policies: how these resources relate to the rest of the stack =====================

# --- alarms for every store ------------------------------------------------------------------------------------------


def _alarm_metrics(alarm: SRes) -> list[tuple[object, object]] | None:
    """(metric name, dimensions) an alarm watches; None when that is unknown."""
    out: list[tuple[object, object]] = []
    metric, dims = alarm.get("metricName"), alarm.get("dimensions")
    if not known(metric) or not known(dims):
        return None
    if not absent(metric):
        out.append((metric, dims or {}))
    queries = alarm.get("metricQueries")
    if not known(queries):
        return None
    for q in queries or []:
        m = q.get("metric") if isinstance(q, dict) else None
        if not known(m):
            return None
        if isinstance(m, dict):
            if not known(m.get("metricName")) or not known(m.get("dimensions")):
                return None
            out.append((m.get("metricName"), m.get("dimensions") or {}))
    return out


def _cache_node_ids(rg: SRes) -> list[str] | None:
    """ElastiCache's node ids for a replication group (<id>-001.. or <id>-0001-001..), None when unknown."""
    rg_id, mode = rg.get("replicationGroupId"), rg.get("clusterMode")
    if not known(rg_id) or not isinstance(rg_id, str) or not known(mode):
        return None
    if mode == "enabled":
        shards, replicas = num(rg.get("numNodeGroups")), num(rg.get("replicasPerNodeGroup"))
        if shards is None or replicas is None:
            return None
        return [n for n, _ in elasticache_node_ids(rg_id, True, int(shards), int(replicas))]
    clusters = num(rg.get("numCacheClusters"))
    if clusters is None:
        return None
    return [n for n, _ in elasticache_node_ids(rg_id, False, 1, int(clusters) - 1)]


@stack_policy(
    "stack-data-store-alarms",
    house_rule=True,
    types=(RDS_INSTANCE, EC_REPLICATION_GROUP, METRIC_ALARM),
    severity="high",
    category="resilience",
    controls=("pci-10-7-2", GDPR_BREACH, GDPR_TEST, GDPR_CIA),
    description="Every RDS instance has CPU, free storage, freeable memory, connections and read/write latency "
    "alarms (replicas also replica lag), every ElastiCache node has engine CPU, memory, evictions, "
    "connections and replication lag alarms, and each of these alarms notifies (alarm and OK actions).",
    why="These are the alarms the monitoring component promises; a store added without them fails silently. An "
    "alarm without actions is the same as none.",
    remediation="Pass every store to the monitoring component (`MonitoredDb` / `MonitoredCache` in "
    "components/inventory.py); alarms need `alarm_actions` and `ok_actions` set to the alarm topic.",
    checks={
        RDS_INSTANCE: ("identifier",),
        EC_REPLICATION_GROUP: ("replicationGroupId",),
        METRIC_ALARM: ("metricName", "dimensions", "alarmActions", "okActions"),
    },
)
def stack_data_store_alarms(stack: Stack, report: StackReport) -> None:
    alarms = stack.of_type(METRIC_ALARM)
    watched: list[tuple[SRes, list[tuple[object, object]]]] = []
    blind = False  # some alarm's metric/dimensions are unknown: it might cover anything
    for a in alarms:
        metrics = _alarm_metrics(a)
        if metrics is None:
            blind = True
        else:
            watched.append((a, metrics))

    by_metric: dict[object, list[tuple[SRes, dict]]] = {}
    for a, ms in watched:
        for m, d in ms:
            if isinstance(d, dict):
                by_metric.setdefault(m, []).append((a, d))

    def covering(metric: str, match) -> list[SRes]:
        return list({a.urn: a for a, d in by_metric.get(metric, ()) if match(a, d)}.values())

    # Indexes by (metric, dimension, value) and by (metric, dimension, dependency URN): one lookup per store and
    # metric instead of a scan of every alarm (at 50,000 resources the scan was most of the whole check's time).
    by_value: dict[tuple, dict[str, SRes]] = {}
    by_dependency: dict[tuple, dict[str, SRes]] = {}
    for a, ms in watched:
        deps = [*a.property_dependencies.get("dimensions", ()), *a.property_dependencies.get("metricQueries", ())]
        for m, d in ms:
            if not isinstance(d, dict):
                continue
            for key, value in d.items():
                if isinstance(value, str):
                    by_value.setdefault((m, key, value), {})[a.urn] = a
                for u in deps:
                    by_dependency.setdefault((m, key, u), {})[a.urn] = a

    used: set[str] = set()
    for db in stack.of_type(RDS_INSTANCE):
        ident = db.get("identifier")
        if not known(ident) or absent(ident):
            ident = db.get("id")

        for metric in RDS_REPLICA_ALARM_METRICS if is_rds_replica(db) else RDS_ALARM_METRICS:
            # the alarm names the instance, or its dimensions come from the instance (an unknown identifier)
            hits = dict(by_value.get((metric, "DBInstanceIdentifier", ident), {})) if isinstance(ident, str) else {}
            hits.update(by_dependency.get((metric, "DBInstanceIdentifier", db.urn), {}))
            found = list(hits.values())
            used.update(a.urn for a in found)
            if not found and not blind:
                report(f"RDS instance {identity(db)} has no {metric} alarm", db.urn)

    for rg in stack.of_type(EC_REPLICATION_GROUP):
        rg_id = rg.get("replicationGroupId")
        nodes = _cache_node_ids(rg)
        for metric in CACHE_ALARM_METRICS:
            if nodes is not None:
                for node in nodes:
                    found = list(by_value.get((metric, "CacheClusterId", node), {}).values())
                    used.update(a.urn for a in found)
                    if not found and not blind:
                        report(f"ElastiCache node {node} of {identity(rg)} has no {metric} alarm", rg.urn)
            else:

                def in_group(alarm: SRes, dims: dict, rg=rg, rg_id=rg_id) -> bool:
                    node = dims.get("CacheClusterId")
                    if isinstance(rg_id, str) and isinstance(node, str) and node.startswith(rg_id + "-"):
                        return True
                    return rg.urn in alarm.property_dependencies.get("dimensions", [])

                found = covering(metric, in_group)
                used.update(a.urn for a in found)
                if not found and not blind:
                    report(f"ElastiCache group {identity(rg)} has no {metric} alarm", rg.urn)

    for a in alarms:
        if a.urn not in used:
            continue
        if is_false(a.get("actionsEnabled")):
            report(f"alarm {identity(a)} watches a data store but has actions disabled", a.urn)
        for prop in ("alarmActions", "okActions"):
            value = a.get(prop)
            if known(value) and absent(value):
                report(f"alarm {identity(a)} watches a data store but has no {prop}", a.urn)
