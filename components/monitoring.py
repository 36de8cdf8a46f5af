"""Alarms, notifications and one dashboard for the data tier, all derived from the stores that were declared.

Nothing here lists a database or a cache by hand: the postgres and redis components hand over ``MonitoredDb`` and
``MonitoredCache`` records (components/inventory.py), and every alarm, the composite alarm and every dashboard
widget is built from them. Add a read replica or a shard in config and its alarms appear.

Notifications go to one SNS topic encrypted with the *logs* customer-managed key. Never ``alias/aws/sns``: its key
policy cannot be edited, so CloudWatch may not use it and alarm notifications to such a topic are silently dropped.
The logs key policy lets ``cloudwatch.amazonaws.com`` (this account only) decrypt/generate data keys
(components/kms.py); the topic policy lets CloudWatch publish, scoped by ``aws:SourceAccount``/``aws:SourceArn``.

Per DB instance (AWS/RDS, dimension DBInstanceIdentifier): CPUUtilization, FreeStorageSpace, FreeableMemory,
DatabaseConnections, ReadLatency, WriteLatency, and ReplicaLag for replicas. Per cache node (AWS/ElastiCache,
dimension CacheClusterId): EngineCPUUtilization, DatabaseMemoryUsagePercentage, Evictions, CurrConnections,
ReplicationLag. Node ids follow ElastiCache's naming (see ``cache_node_ids``), so every node has its own alarms.

Missing data is treated per metric, on purpose:

- ``breaching`` for the one heartbeat metric per instance/node (CPUUtilization, EngineCPUUtilization) and for RDS
  ReplicaLag: silence there means the instance is down, being replaced, or a replica stopped replicating.
- ``ignore`` for level metrics (free storage, freeable memory, connections, cache memory): a gap neither raises nor
  clears them; the heartbeat alarm already reports the gap.
- ``notBreaching`` for read/write latency, cache evictions and cache ReplicationLag: no datapoint means no I/O, no
  eviction, or a node that is currently primary (only replicas emit ReplicationLag, and roles move on failover,
  which is why every node carries that alarm).

Connections are alarmed as a share of RDS PostgreSQL's default ``max_connections`` =
``LEAST(DBInstanceClassMemory / 9531392, 5000)``. DBInstanceClassMemory is the class's memory minus what RDS keeps
for the OS and its agents; we estimate it as 90% of the class's nominal memory (``instance_memory_gib``), which
matches published values for medium and larger classes and over-estimates on db.t*.micro/small (set
``max_connections`` explicitly there). Free storage is alarmed as a share of the *initially* allocated storage; with
storage autoscaling on, RDS grows the volume at 10% free, so this alarm firing means autoscaling did not keep up or
hit ``max_allocated_storage``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.aws_values import EMAIL
from components.contract import Placement, arg, settings
from components.inventory import (
    MonitoredApi,
    MonitoredCache,
    MonitoredDb,
    MonitoredFunction,
    MonitoredLag,
    MonitoredProxy,
    MonitoredQueue,
)
from components.tagging import with_name
from platform_rules import RDS_EVENT_CATEGORIES, elasticache_node_ids

GIB = 1024**3
MIB = 1024**2
PG_BYTES_PER_CONNECTION = 9531392  # RDS PostgreSQL default max_connections divisor
PG_MAX_CONNECTIONS_CAP = 5000
CLASS_MEMORY_USABLE = 0.9  # DBInstanceClassMemory / nominal memory (estimate, see module doc)
COMPOSITE_RULE_LIMIT = 10240  # CloudWatch's maximum AlarmRule length
ALARM_WIDGET_LIMIT = 100  # alarms per dashboard alarm-status widget

_BURSTABLE_GIB = {"micro": 1, "small": 2, "medium": 4, "large": 8, "xlarge": 16, "2xlarge": 32}
_GIB_PER_VCPU = {"m": 4, "r": 8, "x2g": 16}


def instance_memory_gib(instance_class: str) -> float:
    """Nominal memory of an RDS instance class (db.t*, db.m*, db.r*, db.x2g)."""
    match = re.fullmatch(r"db\.([a-z0-9]+)\.([a-z0-9]+)", instance_class)
    family, size = (match.group(1), match.group(2)) if match else ("", "")
    if family.startswith("t") and size in _BURSTABLE_GIB:
        return float(_BURSTABLE_GIB[size])
    per_vcpu = _GIB_PER_VCPU.get("x2g" if family.startswith("x2g") else family[:1])
    vcpus = {"large": 2, "xlarge": 4}.get(size)
    if vcpus is None and size.endswith("xlarge") and size[:-6].isdigit():
        vcpus = 4 * int(size[:-6])
    if per_vcpu is None or vcpus is None:
        raise ValueError(
            f"instance class {instance_class!r}: no memory size known to estimate max_connections; "
            "supported: db.t*.{micro..2xlarge}, db.m*/db.r*/db.x2g.{large,xlarge,<n>xlarge}"
        )
    return float(per_vcpu * vcpus)


def estimated_max_connections(instance_class: str) -> int:
    """RDS PostgreSQL's default max_connections for the class (see module docstring for the estimate)."""
    usable = instance_memory_gib(instance_class) * GIB * CLASS_MEMORY_USABLE
    return int(min(usable // PG_BYTES_PER_CONNECTION, PG_MAX_CONNECTIONS_CAP))


def cache_node_ids(cache: MonitoredCache) -> list[tuple[str, bool]]:
    """(CacheClusterId, created as primary) of every node of a replication group (platform_rules' naming rule)."""
    return elasticache_node_ids(
        cache.replication_group_id, cache.cluster_mode, cache.num_shards, cache.replicas_per_shard
    )


@settings
class AlarmThresholds:
    """Where each alarm fires. Units in the names; see the module docstring for what each metric means."""

    cpu_percent: float = arg("RDS CPU and ElastiCache engine-thread CPU.", default=80, units="%", gt=0, le=100)
    free_storage_percent: float = arg(
        "Alarm below this share of the initially allocated storage.", default=15, units="%", gt=0, lt=100
    )
    freeable_memory_mb: float = arg("RDS freeable memory floor.", default=256, units="MiB", gt=0)
    connections_percent: float = arg(
        "Of the instance class's max_connections estimate.", default=80, units="%", gt=0, le=100
    )
    read_latency_ms: float = arg("RDS read latency ceiling.", default=20, units="ms", gt=0)
    write_latency_ms: float = arg("RDS write latency ceiling.", default=20, units="ms", gt=0)
    replica_lag_seconds: float = arg("RDS replica lag ceiling.", default=30, units="seconds", gt=0)
    cache_memory_percent: float = arg("ElastiCache memory use ceiling.", default=80, units="%", gt=0, le=100)
    cache_evictions: float = arg("Evictions per 5 minutes.", default=100, units="count", ge=0)
    cache_connections: float = arg("Client connections per node.", default=5000, units="count", gt=0)
    cache_replication_lag_seconds: float = arg("ElastiCache replication lag ceiling.", default=5, units="seconds", gt=0)
    function_errors: float = arg(
        "Lambda invocation errors per minute (in 3 of 5 minutes).", default=5, units="count", ge=0
    )
    function_throttles: float = arg(
        "Lambda throttled invocations per minute: any means the reserved concurrency is too low.",
        default=0,
        units="count",
        ge=0,
    )
    function_duration_percent: float = arg(
        "Longest invocation as a share of the function's timeout.", default=80, units="%", gt=0, le=100
    )
    function_concurrency_percent: float = arg(
        "Concurrent executions as a share of the reserved concurrency.", default=80, units="%", gt=0, le=100
    )
    api_server_errors: float = arg(
        "HTTP API 5xx responses per minute (in 3 of 5 minutes).", default=5, units="count", ge=0
    )
    api_latency_p99_ms: float = arg(
        "HTTP API p99 latency ceiling (the integration's timeout is 29 s).", default=2000, units="ms", gt=0
    )
    proxy_connections_percent: float = arg(
        "RDS Proxy connections to the database as a share of its pool.", default=80, units="%", gt=0, le=100
    )
    outbox_lag_seconds: float = arg(
        "Age of the oldest unpublished outbox event (no data: the relay is not running).",
        default=60,
        units="seconds",
        gt=0,
    )


@dataclass(frozen=True)
class AlarmSpec:
    """One CloudWatch metric alarm, before it is declared."""

    name: str
    store: str
    namespace: str
    metric: str
    dimensions: dict[str, Any]
    statistic: str
    comparison: str
    threshold: float
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: str
    description: str
    # Whether the "data tier degraded" composite (FIS's stop condition, the page) includes it: a failed
    # maintenance run is work for someone, not a degraded data tier.
    in_composite: bool = True


def db_alarm_specs(prefix: str, db: MonitoredDb, t: AlarmThresholds) -> list[AlarmSpec]:
    """The alarms every RDS instance gets (ReplicaLag only for replicas)."""
    dims = {"DBInstanceIdentifier": db.identifier}
    free_bytes = t.free_storage_percent / 100 * db.allocated_storage_gb * GIB
    max_conn = estimated_max_connections(db.instance_class)
    conn_limit = round(t.connections_percent / 100 * max_conn)
    base = f"{prefix}-{db.label}"

    def spec(slug, metric, stat, cmp, threshold, period, evals, dta, missing, what):
        return AlarmSpec(
            f"{base}-{slug}",
            db.label,
            "AWS/RDS",
            metric,
            dims,
            stat,
            cmp,
            float(threshold),
            period,
            evals,
            dta,
            missing,
            f"{db.label} ({db.role}, {db.instance_class}): {what}",
        )

    specs = [
        spec(
            "cpu",
            "CPUUtilization",
            "Average",
            "GreaterThanThreshold",
            t.cpu_percent,
            300,
            3,
            3,
            "breaching",
            f"CPU above {t.cpu_percent:g}% for 15 min (no data: instance not reporting)",
        ),
        spec(
            "free-storage",
            "FreeStorageSpace",
            "Minimum",
            "LessThanThreshold",
            free_bytes,
            300,
            2,
            2,
            "ignore",
            f"free storage below {t.free_storage_percent:g}% of {db.allocated_storage_gb} GB allocated",
        ),
        spec(
            "freeable-memory",
            "FreeableMemory",
            "Average",
            "LessThanThreshold",
            t.freeable_memory_mb * MIB,
            300,
            3,
            3,
            "ignore",
            f"freeable memory below {t.freeable_memory_mb:g} MiB",
        ),
        spec(
            "connections",
            "DatabaseConnections",
            "Maximum",
            "GreaterThanThreshold",
            conn_limit,
            300,
            2,
            2,
            "ignore",
            f"connections above {conn_limit} ({t.connections_percent:g}% of an estimated "
            f"max_connections of {max_conn})",
        ),
        spec(
            "read-latency",
            "ReadLatency",
            "Average",
            "GreaterThanThreshold",
            t.read_latency_ms / 1000,
            60,
            5,
            3,
            "notBreaching",
            f"read latency above {t.read_latency_ms:g} ms",
        ),
        spec(
            "write-latency",
            "WriteLatency",
            "Average",
            "GreaterThanThreshold",
            t.write_latency_ms / 1000,
            60,
            5,
            3,
            "notBreaching",
            f"write latency above {t.write_latency_ms:g} ms",
        ),
    ]
    if db.role == "replica":
        specs.append(
            spec(
                "replica-lag",
                "ReplicaLag",
                "Maximum",
                "GreaterThanThreshold",
                t.replica_lag_seconds,
                60,
                5,
                3,
                "breaching",
                f"replica lag above {t.replica_lag_seconds:g} s (no data: replication stopped)",
            )
        )
    return specs


def cache_alarm_specs(prefix: str, cache: MonitoredCache, t: AlarmThresholds) -> list[AlarmSpec]:
    """The alarms every node of a replication group gets."""
    specs: list[AlarmSpec] = []
    for node_id, primary in cache_node_ids(cache):
        node = node_id[len(cache.replication_group_id) + 1 :]
        dims = {"CacheClusterId": node_id}
        base = f"{prefix}-{cache.label}-{node}"
        role = "primary at creation" if primary else "replica at creation"

        def spec(
            slug,
            metric,
            stat,
            cmp,
            threshold,
            period,
            evals,
            dta,
            missing,
            what,
            *,
            base=base,
            dims=dims,
            node_id=node_id,
            role=role,
        ):
            return AlarmSpec(
                f"{base}-{slug}",
                cache.label,
                "AWS/ElastiCache",
                metric,
                dims,
                stat,
                cmp,
                float(threshold),
                period,
                evals,
                dta,
                missing,
                f"{cache.label} node {node_id} ({role}, {cache.node_type}): {what}",
            )

        specs += [
            spec(
                "engine-cpu",
                "EngineCPUUtilization",
                "Average",
                "GreaterThanThreshold",
                t.cpu_percent,
                300,
                3,
                3,
                "breaching",
                f"engine thread CPU above {t.cpu_percent:g}% for 15 min (no data: node down)",
            ),
            spec(
                "memory",
                "DatabaseMemoryUsagePercentage",
                "Average",
                "GreaterThanThreshold",
                t.cache_memory_percent,
                300,
                3,
                3,
                "ignore",
                f"memory use above {t.cache_memory_percent:g}%",
            ),
            spec(
                "evictions",
                "Evictions",
                "Sum",
                "GreaterThanThreshold",
                t.cache_evictions,
                300,
                3,
                2,
                "notBreaching",
                f"more than {t.cache_evictions:g} evictions per 5 min",
            ),
            spec(
                "connections",
                "CurrConnections",
                "Maximum",
                "GreaterThanThreshold",
                t.cache_connections,
                300,
                2,
                2,
                "ignore",
                f"more than {t.cache_connections:g} client connections",
            ),
            spec(
                "replication-lag",
                "ReplicationLag",
                "Maximum",
                "GreaterThanThreshold",
                t.cache_replication_lag_seconds,
                60,
                5,
                3,
                "notBreaching",
                f"replication lag above {t.cache_replication_lag_seconds:g} s (only replicas report it)",
            ),
        ]
    return specs


def function_alarm_specs(prefix: str, fn: MonitoredFunction, t: AlarmThresholds) -> list[AlarmSpec]:
    """Errors, throttles, duration near the timeout and concurrency near the reserved limit."""
    dims = {"FunctionName": fn.function_name}
    base = f"{prefix}-{fn.label}"
    slow_ms = t.function_duration_percent / 100 * fn.timeout_seconds * 1000
    busy = t.function_concurrency_percent / 100 * fn.reserved_concurrency

    def spec(slug, metric, stat, threshold, period, evals, dta, what):
        return AlarmSpec(
            f"{base}-{slug}",
            fn.label,
            "AWS/Lambda",
            metric,
            dims,
            stat,
            "GreaterThanThreshold",
            float(threshold),
            period,
            evals,
            dta,
            "notBreaching",
            f"function {fn.function_name}: {what}",
        )

    specs = [
        spec(
            "errors", "Errors", "Sum", t.function_errors, 60, 5, 3, f"more than {t.function_errors:g} errors per minute"
        ),
        spec(
            "throttles",
            "Throttles",
            "Sum",
            t.function_throttles,
            60,
            5,
            2,
            f"more than {t.function_throttles:g} throttled invocations per minute (reserved concurrency "
            f"{fn.reserved_concurrency})",
        ),
        spec(
            "duration",
            "Duration",
            "Maximum",
            slow_ms,
            60,
            5,
            3,
            f"an invocation ran longer than {slow_ms:g} ms ({t.function_duration_percent:g}% of the "
            f"{fn.timeout_seconds} s timeout)",
        ),
        spec(
            "concurrency",
            "ConcurrentExecutions",
            "Maximum",
            busy,
            60,
            5,
            3,
            f"more than {busy:g} concurrent executions ({t.function_concurrency_percent:g}% of the reserved "
            f"{fn.reserved_concurrency})",
        ),
    ]
    # A threshold below one execution is breached by any run: a singleton (the migrations function, reserved
    # concurrency 1) would be in ALARM for the whole of every migration, tripping the composite alarm - which is
    # also FIS's stop condition. For it, "at its limit" is its normal state; a second invocation shows as a throttle.
    return [s for s in specs if s.metric != "ConcurrentExecutions" or busy >= 1]


def api_alarm_specs(prefix: str, api: MonitoredApi, t: AlarmThresholds) -> list[AlarmSpec]:
    """5xx responses and p99 latency of an HTTP API stage (detailed metrics on)."""
    dims = {"ApiId": api.api_id, "Stage": api.stage}
    base = f"{prefix}-{api.label}"
    return [
        AlarmSpec(
            f"{base}-5xx",
            api.label,
            "AWS/ApiGateway",
            "5xx",
            dims,
            "Sum",
            "GreaterThanThreshold",
            float(t.api_server_errors),
            60,
            5,
            3,
            "notBreaching",
            f"HTTP API {api.label}: more than {t.api_server_errors:g} 5xx responses per minute",
        ),
        AlarmSpec(
            f"{base}-latency",
            api.label,
            "AWS/ApiGateway",
            "Latency",
            dims,
            "p99",
            "GreaterThanThreshold",
            float(t.api_latency_p99_ms),
            60,
            5,
            3,
            "notBreaching",
            f"HTTP API {api.label}: p99 latency above {t.api_latency_p99_ms:g} ms",
        ),
    ]


# RDS Proxy publishes its metrics once per underlying node, and one proxy may run on several: "Use CloudWatch
# statistics to aggregate the values for a proxy across all the associated instances"
# (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.monitoring.html). Sum adds the nodes' connection
# counts (what the pool's limit is about); Maximum reported the busiest node alone and fired late.
PROXY_STATISTIC = "Sum"


def proxy_alarm_specs(prefix: str, proxy: MonitoredProxy, t: AlarmThresholds) -> list[AlarmSpec]:
    """Connections from the proxy to the database near the pool's limit (clients then wait to borrow one)."""
    limit = t.proxy_connections_percent / 100 * proxy.max_connections
    return [
        AlarmSpec(
            f"{prefix}-{proxy.label}-connections",
            proxy.label,
            "AWS/RDS",
            "DatabaseConnections",
            {"ProxyName": proxy.proxy_name},
            PROXY_STATISTIC,
            "GreaterThanThreshold",
            float(round(limit)),
            60,
            5,
            3,
            "ignore",
            f"RDS Proxy {proxy.proxy_name}: more than {round(limit)} database connections "
            f"({t.proxy_connections_percent:g}% of its {proxy.max_connections})",
        )
    ]


def lag_alarm_specs(prefix: str, lag: MonitoredLag, t: AlarmThresholds) -> list[AlarmSpec]:
    """A worker's published age metric: too old, or not published at all (missing data breaches)."""
    return [
        AlarmSpec(
            f"{prefix}-{lag.label}-lag",
            lag.label,
            lag.namespace,
            lag.metric,
            dict(lag.dimensions),
            "Maximum",
            "GreaterThanThreshold",
            float(t.outbox_lag_seconds),
            60,
            3,
            2,
            "breaching",
            f"{lag.label}: oldest pending event older than {t.outbox_lag_seconds:g} s (no data: the "
            "relay is not running)",
        )
    ]


def queue_alarm_specs(prefix: str, q: MonitoredQueue, t: AlarmThresholds) -> list[AlarmSpec]:
    """A dead-letter queue holding anything: a run that failed every retry (the daily time-series job, a relay
    start), which the functions' error-rate alarms miss when it fails once a day. SQS publishes its metrics every
    5 minutes; an idle queue publishes none (not breaching)."""
    return [
        AlarmSpec(
            f"{prefix}-{q.label}-messages",
            q.label,
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": q.queue_name},
            "Maximum",
            "GreaterThanThreshold",
            0.0,
            300,
            1,
            1,
            "notBreaching",
            f"{q.label}: messages in {q.queue_name} (a scheduled run or asynchronous invocation failed every retry)",
            in_composite=False,
        )
    ]


def composite_rules(alarm_names: Sequence[str], limit: int = COMPOSITE_RULE_LIMIT) -> list[str]:
    """``ALARM("a") OR ALARM("b") ...`` split into as few rules as fit CloudWatch's rule length limit."""
    rules: list[str] = []
    current = ""
    for name in alarm_names:
        term = f'ALARM("{name}")'
        candidate = f"{current} OR {term}" if current else term
        if len(candidate) > limit and current:
            rules.append(current)
            candidate = term
        current = candidate
    if current:
        rules.append(current)
    return rules


# The runbook each alarm's description names, by metric (`ecomart runbook show NAME`); anything else: triage.
DEFAULT_RUNBOOKS: dict[str, str] = {
    "FreeStorageSpace": "postgres-maintenance",
    # the dead-letter queue: mostly the scheduled partitions / time-series runs, which that runbook does by hand
    "ApproximateNumberOfMessagesVisible": "postgres-maintenance",
}
DEFAULT_RUNBOOK = "data-tier-triage"


def with_runbook(description: str, runbook: str) -> str:
    """An alarm description that tells the person paged what to run first."""
    return f"{description}. Runbook: {runbook} (ecomart runbook show {runbook})"


@settings
class MonitoringSettings:
    """The stack config's ``monitoring`` section."""

    alarm_emails: Sequence[str] = arg(
        "Addresses subscribed to the alarm topic (each confirms by e-mail).",
        non_empty=True,
        pattern=EMAIL,
        means="e-mail addresses",
    )
    thresholds: AlarmThresholds = arg("Where each alarm fires.", factory=AlarmThresholds)
    runbooks: Mapping[str, str] = arg(
        "Runbook named in an alarm's description, by metric name: the page says what to run first.",
        factory=lambda: dict(DEFAULT_RUNBOOKS),
    )
    default_runbook: str = arg(
        "Runbook of every alarm whose metric is not in runbooks (and of the composite).", default=DEFAULT_RUNBOOK
    )


@dataclass
class MonitoringLinks:
    logs_kms_key_arn: pulumi.Input[str] = arg(
        "Customer-managed key of the alarm topic; its policy must let "
        "cloudwatch.amazonaws.com use it (never alias/aws/sns)."
    )
    dbs: Sequence[MonitoredDb] = arg(
        "RDS instances to watch (Postgres.instances, or existing ones); their RDS events "
        "(platform_rules.RDS_EVENT_CATEGORIES) page too.",
        default=(),
    )
    db_parameter_groups: Sequence[pulumi.Input[str]] = arg(
        "Names of the DB parameter groups whose configuration changes page (Postgres.parameter_group_names).",
        default=(),
    )
    db_clusters: Sequence[pulumi.Input[str]] = arg("Identifiers of RDS clusters whose events page.", default=())
    caches: Sequence[MonitoredCache] = arg("ElastiCache groups to watch (Redis.caches, or existing ones).", default=())
    functions: Sequence[MonitoredFunction] = arg("Lambda functions to watch (Service.functions).", default=())
    apis: Sequence[MonitoredApi] = arg("HTTP API stages to watch (Service.apis).", default=())
    proxies: Sequence[MonitoredProxy] = arg("RDS Proxies to watch (Service.proxies).", default=())
    lags: Sequence[MonitoredLag] = arg("Published age metrics to watch (Service.lags: the outbox relay).", default=())
    queues: Sequence[MonitoredQueue] = arg(
        "Dead-letter queues to watch (Service.queues): not in the composite (a failed run is not a degraded tier).",
        default=(),
    )


class Monitoring(pulumi.ComponentResource):
    """SNS topic + subscriptions, derived metric alarms, the "data tier degraded" composite, one dashboard."""

    alarms: list[aws.cloudwatch.MetricAlarm]
    topic_arn: pulumi.Output[str]
    alarm_names: list[str]
    composite_alarm_name: str
    composite_alarm_arn: pulumi.Output[str]
    dashboard_name: str

    def __init__(
        self,
        name: str,
        settings: MonitoringSettings,
        links: MonitoringLinks,
        place: Placement,
        opts: pulumi.ResourceOptions | None = None,
    ):
        specs = [s for db in links.dbs for s in db_alarm_specs(place.prefix, db, settings.thresholds)]
        specs += [s for c in links.caches for s in cache_alarm_specs(place.prefix, c, settings.thresholds)]
        specs += [s for f in links.functions for s in function_alarm_specs(place.prefix, f, settings.thresholds)]
        specs += [s for a in links.apis for s in api_alarm_specs(place.prefix, a, settings.thresholds)]
        specs += [s for p in links.proxies for s in proxy_alarm_specs(place.prefix, p, settings.thresholds)]
        specs += [s for lag in links.lags for s in lag_alarm_specs(place.prefix, lag, settings.thresholds)]
        specs += [s for q in links.queues for s in queue_alarm_specs(place.prefix, q, settings.thresholds)]
        if not specs:
            raise ValueError(
                "monitoring needs at least one store or service: dbs, caches, functions, apis, "
                "proxies and lags are all empty"
            )
        names = [s.name for s in specs]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"alarm names collide (store labels must be unique): {duplicates}")
        super().__init__("ecomart:observability:Monitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(place.tags)
        account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id

        topic_name = f"{place.prefix}-data-alarms"
        self.topic = aws.sns.Topic(
            f"{name}-topic",
            aws.sns.TopicArgs(
                name=topic_name,
                display_name=f"EcoMart {place.prefix} data tier alarms",
                kms_master_key_id=links.logs_kms_key_arn,
                tags=with_name(tags, topic_name),
            ),
            opts=child,
        )
        region = place.region
        aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            aws.sns.TopicPolicyArgs(
                arn=self.topic.arn,
                policy=pulumi.Output.all(self.topic.arn, account_id).apply(
                    lambda v: json.dumps(topic_policy(v[0], v[1], region))
                ),
            ),
            opts=child,
        )
        self.subscriptions = [
            aws.sns.TopicSubscription(
                f"{name}-email-{i}",
                aws.sns.TopicSubscriptionArgs(topic=self.topic.arn, protocol="email", endpoint=email),
                opts=child,
            )
            for i, email in enumerate(settings.alarm_emails)
        ]

        # RDS event notifications to the same topic, scoped to this stack's sources (an account may hold others').
        # DB security groups (EC2-Classic) no longer exist: that subscription has no sources and stays quiet
        # unless one is created in the account.
        sources: dict[str, Sequence[pulumi.Input[str]]] = {}
        if links.dbs:
            sources["db-instance"] = [db.identifier for db in links.dbs]
            sources["db-security-group"] = []
        if links.db_clusters:
            sources["db-cluster"] = list(links.db_clusters)
            sources.setdefault("db-security-group", [])
        if links.db_parameter_groups:
            sources["db-parameter-group"] = list(links.db_parameter_groups)
        self.event_subscriptions = [
            aws.rds.EventSubscription(
                f"{name}-rds-events-{source_type}",
                aws.rds.EventSubscriptionArgs(
                    name=f"{place.prefix}-rds-{source_type}",
                    sns_topic=self.topic.arn,
                    source_type=source_type,
                    source_ids=list(ids) or None,
                    event_categories=list(RDS_EVENT_CATEGORIES[source_type]),
                    enabled=True,
                    tags=with_name(tags, f"{place.prefix}-rds-{source_type}"),
                ),
                opts=child,
            )
            for source_type, ids in sources.items()
        ]

        actions = [self.topic.arn]
        self.specs = specs
        self.alarms = [
            aws.cloudwatch.MetricAlarm(
                f"{name}-{s.name.removeprefix(place.prefix + '-')}",
                aws.cloudwatch.MetricAlarmArgs(
                    name=s.name,
                    alarm_description=with_runbook(
                        s.description, settings.runbooks.get(s.metric, settings.default_runbook)
                    ),
                    namespace=s.namespace,
                    metric_name=s.metric,
                    dimensions=s.dimensions,
                    # Percentiles (p99) are extended statistics in CloudWatch's API.
                    statistic=None if s.statistic.startswith("p") else s.statistic,
                    extended_statistic=s.statistic if s.statistic.startswith("p") else None,
                    comparison_operator=s.comparison,
                    threshold=s.threshold,
                    period=s.period,
                    evaluation_periods=s.evaluation_periods,
                    datapoints_to_alarm=s.datapoints_to_alarm,
                    treat_missing_data=s.treat_missing_data,
                    actions_enabled=True,
                    alarm_actions=actions,
                    ok_actions=actions,
                    tags=with_name(tags, s.name, store=s.store),
                ),
                opts=child,
            )
            for s in specs
        ]

        # The composite names its members literally; depends_on makes sure they exist before it is created.
        composite_name = f"{place.prefix}-data-tier-degraded"
        rules = composite_rules([s.name for s in specs if s.in_composite])
        self.composite_parts: list[aws.cloudwatch.CompositeAlarm] = []
        if len(rules) > 1:  # very large tiers: one composite per chunk, the top one ORs the chunks
            for i, rule in enumerate(rules, start=1):
                self.composite_parts.append(
                    self._composite(
                        f"{name}-degraded-part-{i}",
                        f"{composite_name}-part-{i}",
                        rule,
                        f"Part {i} of the data tier alarms (aggregated by {composite_name})",
                        actions,
                        tags,
                        self.alarms,
                        notify=False,
                    )
                )
            rules = [
                " OR ".join(f'ALARM("{p}")' for p in (f"{composite_name}-part-{i}" for i in range(1, len(rules) + 1)))
            ]
        self.composite = self._composite(
            f"{name}-data-tier-degraded",
            composite_name,
            rules[0],
            with_runbook(
                f"EcoMart {place.prefix} data tier degraded: any database, cache or service alarm is firing",
                settings.default_runbook,
            ),
            actions,
            tags,
            self.composite_parts or self.alarms,
            notify=True,
        )

        self.dashboard_name = f"{place.prefix}-data-tier"
        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            aws.cloudwatch.DashboardArgs(
                dashboard_name=self.dashboard_name,
                dashboard_body=pulumi.Output.json_dumps(
                    dashboard_body(
                        place.prefix,
                        region,
                        links.dbs,
                        links.caches,
                        [self.composite.arn, *(a.arn for a in self.alarms)],
                        functions=links.functions,
                        apis=links.apis,
                        proxies=links.proxies,
                        lags=links.lags,
                    )
                ),
            ),
            opts=child,
        )

        self.topic_arn = self.topic.arn
        self.alarm_names = names
        self.alarm_arns = [a.arn for a in self.alarms]
        self.composite_alarm_name = composite_name
        self.composite_alarm_arn = self.composite.arn
        self.register_outputs(
            {
                "topicArn": self.topic_arn,
                "alarmNames": self.alarm_names,
                "alarmArns": self.alarm_arns,
                "compositeAlarmName": composite_name,
                "compositeAlarmArn": self.composite_alarm_arn,
                "dashboardName": self.dashboard_name,
            }
        )

    def stack_outputs(self) -> dict[str, pulumi.Input]:
        """The stack outputs (camelCase) this component contributes."""
        return {
            "alarmTopicArn": self.topic_arn,
            "dataTierAlarmName": self.composite_alarm_name,
            "dashboardName": self.dashboard_name,
        }

    def _composite(
        self,
        resource: str,
        alarm_name: str,
        rule: str,
        description: str,
        actions: list,
        tags: dict[str, str],
        members: list,
        notify: bool,
    ) -> aws.cloudwatch.CompositeAlarm:
        return aws.cloudwatch.CompositeAlarm(
            resource,
            aws.cloudwatch.CompositeAlarmArgs(
                alarm_name=alarm_name,
                alarm_description=description,
                alarm_rule=rule,
                actions_enabled=notify,
                alarm_actions=actions if notify else None,
                ok_actions=actions if notify else None,
                tags=with_name(tags, alarm_name),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=members),
        )


# Who publishes to the alarm topic, from this account only: (Sid, service principal, source service, ARN kind).
_TOPIC_PUBLISHERS = (
    ("CloudWatchAlarmsPublish", "cloudwatch.amazonaws.com", "cloudwatch", "alarm"),
    ("RdsEventsPublish", "events.rds.amazonaws.com", "rds", "es"),
)


def topic_policy(topic_arn: str, account_id: str, region: str) -> dict[str, Any]:
    """Owner administers, CloudWatch alarms and RDS event subscriptions of this account publish, nothing arrives
    without TLS."""
    return {
        "Version": "2012-10-17",
        "Id": "ecomart-data-alarms",
        "Statement": [
            {
                "Sid": "AccountAdministersTopic",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                "Action": [
                    "sns:GetTopicAttributes",
                    "sns:SetTopicAttributes",
                    "sns:AddPermission",
                    "sns:RemovePermission",
                    "sns:DeleteTopic",
                    "sns:Subscribe",
                    "sns:ListSubscriptionsByTopic",
                    "sns:Publish",
                ],
                "Resource": topic_arn,
            },
            *(
                {
                    "Sid": sid,
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sns:Publish",
                    "Resource": topic_arn,
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": account_id},
                        "ArnLike": {"aws:SourceArn": f"arn:aws:{source}:{region}:{account_id}:{kind}:*"},
                    },
                }
                for sid, service, source, kind in _TOPIC_PUBLISHERS
            ),
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }


def _metric_widget(title: str, region: str, metrics: list, stat: str, period: int) -> dict[str, Any]:
    return {
        "type": "metric",
        "width": 12,
        "height": 6,
        "properties": {
            "title": title,
            "region": region,
            "view": "timeSeries",
            "stacked": False,
            "stat": stat,
            "period": period,
            "metrics": metrics,
        },
    }


def dashboard_body(
    prefix: str,
    region: str,
    dbs: Sequence[MonitoredDb],
    caches: Sequence[MonitoredCache],
    alarm_arns: Sequence[pulumi.Input[str]],
    *,
    functions: Sequence[MonitoredFunction] = (),
    apis: Sequence[MonitoredApi] = (),
    proxies: Sequence[MonitoredProxy] = (),
    lags: Sequence[MonitoredLag] = (),
) -> dict[str, Any]:
    """Alarm status first, then a row of widgets per database instance and per cache (values may be Outputs)."""
    stores = [f"RDS {d.label} ({d.role})" for d in dbs] + [
        f"ElastiCache {c.label} ({c.replication_group_id})" for c in caches
    ]
    widgets: list[dict[str, Any]] = [
        {
            "type": "text",
            "width": 24,
            "height": 2,
            "properties": {"markdown": f"# EcoMart {prefix} data tier\nStores: " + ", ".join(stores)},
        }
    ]
    for i in range(0, len(alarm_arns), ALARM_WIDGET_LIMIT):
        widgets.append(
            {
                "type": "alarm",
                "width": 24,
                "height": 4,
                "properties": {
                    "title": "Alarms" + (f" ({i // ALARM_WIDGET_LIMIT + 1})" if i else ""),
                    "alarms": list(alarm_arns[i : i + ALARM_WIDGET_LIMIT]),
                    "sortBy": "stateUpdatedTimestamp",
                },
            }
        )
    for db in dbs:
        ident = db.identifier

        def rds(metric: str, ident: Any = ident, **opts: Any) -> list:
            return ["AWS/RDS", metric, "DBInstanceIdentifier", ident, *([opts] if opts else [])]

        title = f"RDS {db.label} ({db.role})"
        widgets.append(
            _metric_widget(
                f"{title}: CPU % and connections",
                region,
                [rds("CPUUtilization"), rds("DatabaseConnections", yAxis="right")],
                "Average",
                300,
            )
        )
        widgets.append(
            _metric_widget(
                f"{title}: free storage and freeable memory (bytes)",
                region,
                [rds("FreeStorageSpace"), rds("FreeableMemory")],
                "Minimum",
                300,
            )
        )
        latency = [rds("ReadLatency"), rds("WriteLatency")]
        if db.role == "replica":
            latency.append(rds("ReplicaLag", yAxis="right"))
        widgets.append(
            _metric_widget(
                f"{title}: latency (s)" + (" and replica lag" if db.role == "replica" else ""),
                region,
                latency,
                "Average",
                60,
            )
        )
    for cache in caches:
        nodes = [n for n, _ in cache_node_ids(cache)]
        title = f"ElastiCache {cache.label} ({cache.replication_group_id})"

        def per_node(metric: str, nodes: list[str] = nodes) -> list:
            return [["AWS/ElastiCache", metric, "CacheClusterId", n] for n in nodes]

        widgets.append(
            _metric_widget(f"{title}: engine CPU %", region, per_node("EngineCPUUtilization"), "Average", 300)
        )
        widgets.append(
            _metric_widget(f"{title}: memory used %", region, per_node("DatabaseMemoryUsagePercentage"), "Average", 300)
        )
        widgets.append(_metric_widget(f"{title}: evictions", region, per_node("Evictions"), "Sum", 300))
        widgets.append(
            _metric_widget(f"{title}: client connections", region, per_node("CurrConnections"), "Maximum", 300)
        )
        widgets.append(
            _metric_widget(f"{title}: replication lag (s)", region, per_node("ReplicationLag"), "Maximum", 60)
        )
    for fn in functions:

        def lam(metric: str, fn: MonitoredFunction = fn, **opts: Any) -> list:
            return ["AWS/Lambda", metric, "FunctionName", fn.function_name, *([opts] if opts else [])]

        widgets.append(
            _metric_widget(
                f"Lambda {fn.label}: errors and throttles", region, [lam("Errors"), lam("Throttles")], "Sum", 60
            )
        )
        widgets.append(
            _metric_widget(
                f"Lambda {fn.label}: duration (ms, max) and concurrency",
                region,
                [lam("Duration"), lam("ConcurrentExecutions", yAxis="right")],
                "Maximum",
                60,
            )
        )
    for api in apis:
        widgets.append(
            _metric_widget(
                f"HTTP API {api.label}: 4xx and 5xx",
                region,
                [["AWS/ApiGateway", m, "ApiId", api.api_id, "Stage", api.stage] for m in ("4xx", "5xx")],
                "Sum",
                60,
            )
        )
        widgets.append(
            _metric_widget(
                f"HTTP API {api.label}: latency p99 (ms)",
                region,
                [["AWS/ApiGateway", "Latency", "ApiId", api.api_id, "Stage", api.stage]],
                "p99",
                60,
            )
        )
    for proxy in proxies:
        widgets.append(
            _metric_widget(
                f"RDS Proxy {proxy.label}: connections",
                region,
                [["AWS/RDS", m, "ProxyName", proxy.proxy_name] for m in ("DatabaseConnections", "ClientConnections")],
                PROXY_STATISTIC,
                60,
            )
        )
    for lag in lags:
        dims = [x for kv in sorted(lag.dimensions.items()) for x in kv]
        widgets.append(
            _metric_widget(
                f"{lag.label}: oldest pending event (s)", region, [[lag.namespace, lag.metric, *dims]], "Maximum", 60
            )
        )
    # Lay out on CloudWatch's 24-column grid, left to right, top to bottom.
    x = y = row_height = 0
    for w in widgets:
        if x + w["width"] > 24:
            x, y, row_height = 0, y + row_height, 0
        w["x"], w["y"] = x, y
        x += w["width"]
        row_height = max(row_height, w["height"])
    return {"widgets": widgets}
