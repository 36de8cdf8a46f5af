"""Monitoring: encrypted topic, alarms derived from the declared stores, composite alarm, dashboard."""

from __future__ import annotations

import json
import re

import pytest

from components.contract import Placement
from components.inventory import MonitoredCache
from components.monitoring import (
    COMPOSITE_RULE_LIMIT,
    GIB,
    MIB,
    AlarmThresholds,
    Monitoring,
    MonitoringLinks,
    MonitoringSettings,
    cache_node_ids,
    composite_rules,
    estimated_max_connections,
    instance_memory_gib,
)
from ecomart.mocks import ACCOUNT_ID
from tests.conftest import one

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
TOPIC = "aws:sns/topic:Topic"
RDS = "aws:rds/instance:Instance"
RG = "aws:elasticache/replicationGroup:ReplicationGroup"
DB_METRICS = {
    "CPUUtilization",
    "FreeStorageSpace",
    "FreeableMemory",
    "DatabaseConnections",
    "ReadLatency",
    "WriteLatency",
}
CACHE_METRICS = {
    "EngineCPUUtilization",
    "DatabaseMemoryUsagePercentage",
    "Evictions",
    "CurrConnections",
    "ReplicationLag",
}
MISSING = {
    "CPUUtilization": "breaching",
    "ReplicaLag": "breaching",
    "EngineCPUUtilization": "breaching",
    "FreeStorageSpace": "ignore",
    "FreeableMemory": "ignore",
    "DatabaseConnections": "ignore",
    "DatabaseMemoryUsagePercentage": "ignore",
    "CurrConnections": "ignore",
    "ReadLatency": "notBreaching",
    "WriteLatency": "notBreaching",
    "Evictions": "notBreaching",
    "ReplicationLag": "notBreaching",
    # the service: no invocation/request means nothing failed; a relay that stops publishing is down
    "Errors": "notBreaching",
    "Throttles": "notBreaching",
    "Duration": "notBreaching",
    "ConcurrentExecutions": "notBreaching",
    "5xx": "notBreaching",
    "Latency": "notBreaching",
    "OldestPendingEventAgeSeconds": "breaching",
    # an idle queue publishes no metrics: nothing in it
    "ApproximateNumberOfMessagesVisible": "notBreaching",
}
# Alarms the "data tier degraded" composite leaves out: a failed maintenance run is work, not a degraded tier.
NOT_IN_COMPOSITE = ("-dead-letters-messages",)
TOPIC_ARN = re.compile(rf"^arn:aws:sns:us-east-1:{ACCOUNT_ID}:ecomart-(dev|prod)-data-alarms$")


def synth_of(stack, dev, prod):
    return {"dev": dev, "prod": prod}[stack]


def expected_alarms(synth) -> set[tuple[str, str, str]]:
    """(namespace, metric, dimension value) every declared store must have, derived from the registrations."""
    out: set[tuple[str, str, str]] = set()
    for db in synth.of_type(RDS):
        ident = db.outputs["identifier"]
        metrics = DB_METRICS | ({"ReplicaLag"} if db.inputs.get("replicateSourceDb") else set())
        out |= {("AWS/RDS", m, ident) for m in metrics}
    for rg in synth.of_type(RG):
        for node in rg.outputs["memberClusters"]:
            out |= {("AWS/ElastiCache", m, node) for m in CACHE_METRICS}
    return out


def store_alarms(synth) -> list:
    """The data stores' alarms (RDS instances and cache nodes); the service's are tested below."""
    return [
        a for a in synth.of_type(ALARM) if set(a.inputs["dimensions"]) in ({"DBInstanceIdentifier"}, {"CacheClusterId"})
    ]


def service_alarms(synth) -> list:
    return [a for a in synth.of_type(ALARM) if a not in store_alarms(synth)]


def actual_alarms(synth) -> set[tuple[str, str, str]]:
    found = set()
    for a in store_alarms(synth):
        (dim,) = a.inputs["dimensions"].values()
        found.add((a.inputs["namespace"], a.inputs["metricName"], dim))
    return found


def topic_arn(synth):
    return one(synth, TOPIC).outputs["arn"]


def by_metric(synth, metric):
    return [a for a in store_alarms(synth) if a.inputs["metricName"] == metric]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_topic_is_encrypted_with_the_logs_cmk_cloudwatch_may_use(stack, dev, prod):
    synth = synth_of(stack, dev, prod)
    topic = one(synth, TOPIC)
    (logs_key,) = [k for k in synth.of_type("aws:kms/key:Key") if k.inputs["tags"].get("data-domain") == "logs"]
    assert topic.inputs["kmsMasterKeyId"] == logs_key.outputs["arn"]
    assert "alias/aws/sns" not in json.dumps(topic.inputs)
    key_policy = json.loads(logs_key.inputs["policy"])
    cw = [s for s in key_policy["Statement"] if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert cw and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(cw[0]["Action"])
    assert TOPIC_ARN.match(topic.outputs["arn"])
    assert synth.outputs["alarmTopicArn"] == topic.outputs["arn"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_topic_policy_lets_cloudwatch_of_this_account_publish(stack, dev, prod):
    synth = synth_of(stack, dev, prod)
    policy_res = one(synth, "aws:sns/topicPolicy:TopicPolicy")
    assert policy_res.inputs["arn"] == topic_arn(synth)
    policy = json.loads(policy_res.inputs["policy"])
    (cw,) = [s for s in policy["Statement"] if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    assert cw["Effect"] == "Allow" and cw["Action"] == "sns:Publish" and cw["Resource"] == topic_arn(synth)
    assert cw["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT_ID
    for s in policy["Statement"]:
        if s["Effect"] == "Allow":
            assert s["Principal"] not in ("*", {"AWS": "*"}), s["Sid"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_email_subscriptions_from_config(stack, dev, prod):
    synth = synth_of(stack, dev, prod)
    subs = synth.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert sorted(s.inputs["endpoint"] for s in subs) == sorted(synth.config.monitoring.alarm_emails)
    assert all(s.inputs["protocol"] == "email" and s.inputs["topic"] == topic_arn(synth) for s in subs)
    assert len(subs) == {"dev": 1, "prod": 2}[stack]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_declared_store_has_its_alarms_and_nothing_else(stack, dev, prod):
    synth = synth_of(stack, dev, prod)
    assert synth.of_type(RDS) and synth.of_type(RG)
    assert actual_alarms(synth) == expected_alarms(synth)
    assert len(store_alarms(synth)) == len(expected_alarms(synth))


def test_alarm_counts_per_stack(dev, prod):
    # dev: writer (6) + 2 cache nodes x 5; prod: writer (6) + 2 replicas x 7 + 2 shards x 3 nodes x 5.
    assert len(store_alarms(dev)) == 6 + 2 * 5 == 16
    assert len(store_alarms(prod)) == 6 + 2 * 7 + 2 * 3 * 5 == 50
    # the service (both stacks): 3 functions x 4 less the migrations' concurrency alarm (a singleton: reserved
    # concurrency 1, so 80 % of it is breached by every run), the API's 5xx and p99 latency, the proxy, the relay's
    # lag, the functions' dead letters
    for synth in (dev, prod):
        assert len(service_alarms(synth)) == 3 * 4 - 1 + 2 + 1 + 1 + 1 == 16
        names = {a.inputs["name"] for a in service_alarms(synth)}
        assert not any(n.endswith("-migrations-concurrency") for n in names)
        assert any(n.endswith("-api-concurrency") for n in names) and any(
            n.endswith("-migrations-throttles") for n in names
        )
    assert len(dev.of_type(ALARM)) == 32 and len(prod.of_type(ALARM)) == 66
    assert len(by_metric(dev, "ReplicaLag")) == 0 and len(by_metric(prod, "ReplicaLag")) == 2


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_alarm_notifies_the_topic_on_alarm_and_ok(stack, dev, prod):
    synth = synth_of(stack, dev, prod)
    arn = topic_arn(synth)
    assert TOPIC_ARN.match(arn)
    for a in synth.of_type(ALARM) + synth.of_type(COMPOSITE):
        if a.inputs.get("actionsEnabled") is False:
            continue  # only the chunk composites of very large tiers (see the test below)
        assert a.inputs["alarmActions"] == [arn], a.name
        assert a.inputs["okActions"] == [arn], a.name
        assert a.inputs["actionsEnabled"] is True


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_missing_data_is_treated_per_metric(stack, dev, prod):
    synth = synth_of(stack, dev, prod)
    for a in synth.of_type(ALARM):
        assert a.inputs["treatMissingData"] == MISSING[a.inputs["metricName"]], a.name
        assert a.inputs["evaluationPeriods"] >= a.inputs["datapointsToAlarm"] >= 1


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_thresholds_come_from_config(stack, dev, prod):
    synth = synth_of(stack, dev, prod)
    t = synth.config.monitoring.thresholds
    pg = synth.config.postgres
    classes = {db.outputs["identifier"]: db.inputs["instanceClass"] for db in synth.of_type(RDS)}

    def thresholds(metric):
        return {list(a.inputs["dimensions"].values())[0]: a.inputs["threshold"] for a in by_metric(synth, metric)}

    assert set(thresholds("CPUUtilization").values()) == {t.cpu_percent}
    assert set(thresholds("EngineCPUUtilization").values()) == {t.cpu_percent}
    assert set(thresholds("FreeStorageSpace").values()) == {
        t.free_storage_percent / 100 * pg.allocated_storage_gb * GIB
    }
    assert set(thresholds("FreeableMemory").values()) == {t.freeable_memory_mb * MIB}
    for ident, limit in thresholds("DatabaseConnections").items():
        assert limit == round(t.connections_percent / 100 * estimated_max_connections(classes[ident]))
    assert set(thresholds("ReadLatency").values()) == {t.read_latency_ms / 1000}
    assert set(thresholds("WriteLatency").values()) == {t.write_latency_ms / 1000}
    assert set(thresholds("DatabaseMemoryUsagePercentage").values()) == {t.cache_memory_percent}
    assert set(thresholds("Evictions").values()) == {t.cache_evictions}
    assert set(thresholds("CurrConnections").values()) == {t.cache_connections}
    assert set(thresholds("ReplicationLag").values()) == {t.cache_replication_lag_seconds}
    for a in by_metric(synth, "FreeStorageSpace") + by_metric(synth, "FreeableMemory"):
        assert a.inputs["comparisonOperator"] == "LessThanThreshold"
    for a in by_metric(synth, "CPUUtilization") + by_metric(synth, "Evictions"):
        assert a.inputs["comparisonOperator"] == "GreaterThanThreshold"
    if stack == "prod":
        assert set(thresholds("ReplicaLag").values()) == {t.replica_lag_seconds}
        # db.r6g.xlarge: 32 GiB -> ~3244 default max_connections -> 80% = 2595
        assert set(thresholds("DatabaseConnections").values()) == {2595}


def test_threshold_overrides_reach_the_alarms(synth_with):
    synth = synth_with(
        "dev",
        monitoring={"alarmEmails": ["ops@ecomart.example"], "thresholds": {"cpuPercent": 65, "cacheEvictions": 0}},
    )
    assert {a.inputs["threshold"] for a in by_metric(synth, "CPUUtilization")} == {65}
    assert {a.inputs["threshold"] for a in by_metric(synth, "EngineCPUUtilization")} == {65}
    assert {a.inputs["threshold"] for a in by_metric(synth, "Evictions")} == {0}


def test_alarms_grow_with_cache_replicas_and_shards(dev, prod, synth_with):
    more_replicas = synth_with("dev", redis={"replicasPerShard": 2})
    assert len(more_replicas.of_type(ALARM)) == len(dev.of_type(ALARM)) + 5
    assert ("AWS/ElastiCache", "ReplicationLag", "ecomart-dev-cache-003") in actual_alarms(more_replicas)
    more_shards = synth_with("prod", redis={"numShards": 3})
    assert len(more_shards.of_type(ALARM)) == len(prod.of_type(ALARM)) + 3 * 5
    assert actual_alarms(more_shards) == expected_alarms(more_shards)
    assert ("AWS/ElastiCache", "EngineCPUUtilization", "ecomart-prod-cache-0003-003") in actual_alarms(more_shards)


def test_alarms_grow_with_read_replicas(dev, synth_with):
    with_replica = synth_with("dev", postgres={"readReplicas": 1})
    replicas = [db for db in with_replica.of_type(RDS) if db.inputs.get("replicateSourceDb")]
    assert len(replicas) == 1
    assert len(with_replica.of_type(ALARM)) == len(dev.of_type(ALARM)) + 7
    ident = replicas[0].outputs["identifier"]
    assert {m for ns, m, d in actual_alarms(with_replica) if d == ident} == DB_METRICS | {"ReplicaLag"}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_composite_ors_every_alarm_that_exists(stack, dev, prod):
    synth = synth_of(stack, dev, prod)
    composite = one(synth, COMPOSITE)
    assert composite.inputs["alarmName"] == f"ecomart-{stack}-data-tier-degraded"
    rule = composite.inputs["alarmRule"]
    referenced = re.findall(r'ALARM\("([^"]+)"\)', rule)
    names = {a.inputs["name"] for a in synth.of_type(ALARM) if not a.inputs["name"].endswith(NOT_IN_COMPOSITE)}
    assert set(referenced) == names and len(referenced) == len(names)
    assert any(a.inputs["name"].endswith(NOT_IN_COMPOSITE) for a in synth.of_type(ALARM)), "and it exists"
    assert rule.count(" OR ") == len(referenced) - 1 and " AND " not in rule
    assert len(rule) <= COMPOSITE_RULE_LIMIT
    assert {a.urn for a in synth.of_type(ALARM)} <= set(composite.dependencies)
    assert composite.inputs["alarmActions"] == composite.inputs["okActions"] == [topic_arn(synth)]
    assert synth.outputs["dataTierAlarmName"] == composite.inputs["alarmName"]


@pytest.mark.long(seconds=10)
def test_very_large_tiers_split_the_composite_rule(synth_with):
    synth = synth_with("prod", redis={"numShards": 20})
    composites = {c.inputs["alarmName"]: c for c in synth.of_type(COMPOSITE)}
    top = composites.pop("ecomart-prod-data-tier-degraded")
    assert len(composites) >= 2
    assert set(re.findall(r'ALARM\("([^"]+)"\)', top.inputs["alarmRule"])) == set(composites)
    members = set()
    for part in composites.values():
        assert len(part.inputs["alarmRule"]) <= COMPOSITE_RULE_LIMIT
        assert part.inputs["actionsEnabled"] is False  # the top composite notifies, once
        members |= set(re.findall(r'ALARM\("([^"]+)"\)', part.inputs["alarmRule"]))
    assert members == {
        a.inputs["name"] for a in synth.of_type(ALARM) if not a.inputs["name"].endswith(NOT_IN_COMPOSITE)
    }
    assert top.inputs["alarmActions"] == [topic_arn(synth)]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_dashboard_covers_every_store(stack, dev, prod):
    synth = synth_of(stack, dev, prod)
    dash = one(synth, "aws:cloudwatch/dashboard:Dashboard")
    assert dash.inputs["dashboardName"] == synth.outputs["dashboardName"] == f"ecomart-{stack}-data-tier"
    body = json.loads(dash.inputs["dashboardBody"])
    text = json.dumps(body)
    for db in synth.of_type(RDS):
        assert f'"DBInstanceIdentifier", "{db.outputs["identifier"]}"' in text
    for rg in synth.of_type(RG):
        assert rg.inputs["replicationGroupId"] in text
        for node in rg.outputs["memberClusters"]:
            assert f'"CacheClusterId", "{node}"' in text
    alarm_widgets = [w for w in body["widgets"] if w["type"] == "alarm"]
    shown = {arn for w in alarm_widgets for arn in w["properties"]["alarms"]}
    assert shown == {a.outputs["arn"] for a in synth.of_type(ALARM) + synth.of_type(COMPOSITE)}
    for w in body["widgets"]:
        assert 0 <= w["x"] and w["x"] + w["width"] <= 24 and w["y"] >= 0
        if w["type"] == "metric":
            assert w["properties"]["region"] == synth.config.region and w["properties"]["metrics"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_child_is_parented_to_monitoring(stack, dev, prod):
    synth = synth_of(stack, dev, prod)
    component = one(synth, "ecomart:observability:Monitoring")
    for typ in (
        ALARM,
        COMPOSITE,
        TOPIC,
        "aws:sns/topicPolicy:TopicPolicy",
        "aws:sns/topicSubscription:TopicSubscription",
        "aws:cloudwatch/dashboard:Dashboard",
    ):
        found = synth.of_type(typ)
        assert found and all(r.parent == component.urn for r in found), typ
    for r in synth.of_type(ALARM) + synth.of_type(COMPOSITE) + synth.of_type(TOPIC):
        assert {"project", "environment", "owner", "cost-center", "data-classification"} <= set(r.inputs["tags"])


def test_node_naming_matches_what_elasticache_reports(dev, prod):
    for synth in (dev, prod):
        rg = one(synth, RG)
        r = synth.config.redis
        cache = MonitoredCache(
            label="cache",
            replication_group_id=rg.inputs["replicationGroupId"],
            cluster_mode=r.cluster_mode,
            num_shards=r.num_shards,
            replicas_per_shard=r.replicas_per_shard,
            node_type=r.node_type,
        )
        assert [n for n, _ in cache_node_ids(cache)] == rg.outputs["memberClusters"]
    assert cache_node_ids(MonitoredCache("c", "rg", False, 1, 1, "cache.t4g.small")) == [
        ("rg-001", True),
        ("rg-002", False),
    ]
    assert [n for n, _ in cache_node_ids(MonitoredCache("c", "rg", True, 2, 1, "x"))] == [
        "rg-0001-001",
        "rg-0001-002",
        "rg-0002-001",
        "rg-0002-002",
    ]


@pytest.mark.parametrize(
    "instance_class,gib,max_conn",
    [
        ("db.t4g.medium", 4, 405),
        ("db.t3.micro", 1, 101),
        ("db.r6g.large", 16, 1622),
        ("db.r6g.xlarge", 32, 3244),
        ("db.m7g.2xlarge", 32, 3244),
        ("db.r6g.8xlarge", 256, 5000),
        ("db.x2g.large", 32, 3244),
    ],
)
def test_max_connections_estimate(instance_class, gib, max_conn):
    assert instance_memory_gib(instance_class) == gib
    assert estimated_max_connections(instance_class) == max_conn


@pytest.mark.parametrize("instance_class", ["db.z1d.large", "db.r6g.metal", "cache.r7g.large", "db.t4g.huge"])
def test_unknown_instance_class_is_a_clear_error(instance_class):
    with pytest.raises(ValueError, match=re.escape(instance_class)):
        estimated_max_connections(instance_class)


def test_composite_rules_split_only_when_needed():
    names = [f"alarm-{i:04d}-" + "x" * 40 for i in range(400)]
    rules = composite_rules(names)
    assert len(rules) > 1 and all(len(r) <= COMPOSITE_RULE_LIMIT for r in rules)
    assert [n for r in rules for n in re.findall(r'ALARM\("([^"]+)"\)', r)] == names
    assert composite_rules(names[:3]) == [" OR ".join(f'ALARM("{n}")' for n in names[:3])]


def test_monitoring_without_any_store_is_refused():
    with pytest.raises(ValueError, match="at least one store"):
        Monitoring(
            "m",
            MonitoringSettings(alarm_emails=["a@b.example"], thresholds=AlarmThresholds()),
            MonitoringLinks(logs_kms_key_arn="k"),
            Placement(prefix="p", region="us-east-1"),
        )


# --- every value an alarm depends on, against the intended table -------------------------------------------------
# Written from the design (docs/adr and the module docstring), not from the code: a changed period, statistic,
# operator, evaluation count or threshold formula fails here. Thresholds are functions of the stack's config:
# t = thresholds, gb = the instance's allocated storage, max_conn = the class's max_connections estimate.

INTENDED = {
    # metric: (namespace, statistic, comparison, period s, evaluation periods, datapoints to alarm, missing data,
    #          threshold(t, gb, max_conn))
    "CPUUtilization": (
        "AWS/RDS",
        "Average",
        "GreaterThanThreshold",
        300,
        3,
        3,
        "breaching",
        lambda t, gb, mc: t.cpu_percent,
    ),
    "FreeStorageSpace": (
        "AWS/RDS",
        "Minimum",
        "LessThanThreshold",
        300,
        2,
        2,
        "ignore",
        lambda t, gb, mc: t.free_storage_percent / 100 * gb * 1024**3,
    ),
    "FreeableMemory": (
        "AWS/RDS",
        "Average",
        "LessThanThreshold",
        300,
        3,
        3,
        "ignore",
        lambda t, gb, mc: t.freeable_memory_mb * 1024**2,
    ),
    "DatabaseConnections": (
        "AWS/RDS",
        "Maximum",
        "GreaterThanThreshold",
        300,
        2,
        2,
        "ignore",
        lambda t, gb, mc: round(t.connections_percent / 100 * mc),
    ),
    "ReadLatency": (
        "AWS/RDS",
        "Average",
        "GreaterThanThreshold",
        60,
        5,
        3,
        "notBreaching",
        lambda t, gb, mc: t.read_latency_ms / 1000,
    ),
    "WriteLatency": (
        "AWS/RDS",
        "Average",
        "GreaterThanThreshold",
        60,
        5,
        3,
        "notBreaching",
        lambda t, gb, mc: t.write_latency_ms / 1000,
    ),
    "ReplicaLag": (
        "AWS/RDS",
        "Maximum",
        "GreaterThanThreshold",
        60,
        5,
        3,
        "breaching",
        lambda t, gb, mc: t.replica_lag_seconds,
    ),
    "EngineCPUUtilization": (
        "AWS/ElastiCache",
        "Average",
        "GreaterThanThreshold",
        300,
        3,
        3,
        "breaching",
        lambda t, gb, mc: t.cpu_percent,
    ),
    "DatabaseMemoryUsagePercentage": (
        "AWS/ElastiCache",
        "Average",
        "GreaterThanThreshold",
        300,
        3,
        3,
        "ignore",
        lambda t, gb, mc: t.cache_memory_percent,
    ),
    "Evictions": (
        "AWS/ElastiCache",
        "Sum",
        "GreaterThanThreshold",
        300,
        3,
        2,
        "notBreaching",
        lambda t, gb, mc: t.cache_evictions,
    ),
    "CurrConnections": (
        "AWS/ElastiCache",
        "Maximum",
        "GreaterThanThreshold",
        300,
        2,
        2,
        "ignore",
        lambda t, gb, mc: t.cache_connections,
    ),
    "ReplicationLag": (
        "AWS/ElastiCache",
        "Maximum",
        "GreaterThanThreshold",
        60,
        5,
        3,
        "notBreaching",
        lambda t, gb, mc: t.cache_replication_lag_seconds,
    ),
}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_alarm_matches_the_intended_table(stack, dev, prod):
    synth = synth_of(stack, dev, prod)
    t = synth.config.monitoring.thresholds
    dbs = {db.outputs["identifier"]: db for db in synth.of_type(RDS)}
    pg = synth.config.postgres
    checked = set()
    for a in store_alarms(synth):
        i = a.inputs
        ns, stat, cmp, period, evals, dta, missing, threshold = INTENDED[i["metricName"]]
        gb = mc = None
        if ns == "AWS/RDS":
            db = dbs[i["dimensions"]["DBInstanceIdentifier"]]
            replica = bool(db.inputs.get("replicateSourceDb"))
            cls = (pg.replica_instance_class or pg.instance_class) if replica else pg.instance_class
            gb, mc = pg.allocated_storage_gb, estimated_max_connections(cls)
        else:
            assert set(i["dimensions"]) == {"CacheClusterId"}
        got = (
            i["namespace"],
            i["statistic"],
            i["comparisonOperator"],
            i["period"],
            i["evaluationPeriods"],
            i["datapointsToAlarm"],
            i["treatMissingData"],
        )
        assert got == (ns, stat, cmp, period, evals, dta, missing), i["alarmName"] if "alarmName" in i else i["name"]
        assert i["threshold"] == pytest.approx(threshold(t, gb, mc)), i["name"]
        assert i["actionsEnabled"] is True
        checked.add(i["metricName"])
    expected = set(INTENDED) if stack == "prod" else set(INTENDED) - {"ReplicaLag"}
    assert checked == expected


def test_intended_table_holds_for_non_default_thresholds(synth_with):
    """The same table with every threshold moved: no formula may ignore its config value."""
    moved = {
        "cpuPercent": 61,
        "freeStoragePercent": 21,
        "freeableMemoryMb": 333,
        "connectionsPercent": 55,
        "readLatencyMs": 7,
        "writeLatencyMs": 9,
        "replicaLagSeconds": 12,
        "cacheMemoryPercent": 66,
        "cacheEvictions": 7,
        "cacheConnections": 900,
        "cacheReplicationLagSeconds": 3,
    }
    synth = synth_with("prod", monitoring={"thresholds": moved})
    test_every_alarm_matches_the_intended_table("prod", None, synth)


# The service's alarms (components/service.py declares, monitoring derives): (namespace, metric) -> (statistic,
# comparison, period, evaluations, datapoints, missing data, threshold(t, ctx)). ctx: the function's config, the
# proxy's pool size.
SERVICE_INTENDED = {
    ("AWS/Lambda", "Errors"): ("Sum", "GreaterThanThreshold", 60, 5, 3, "notBreaching", lambda t, c: t.function_errors),
    ("AWS/Lambda", "Throttles"): (
        "Sum",
        "GreaterThanThreshold",
        60,
        5,
        2,
        "notBreaching",
        lambda t, c: t.function_throttles,
    ),
    ("AWS/Lambda", "Duration"): (
        "Maximum",
        "GreaterThanThreshold",
        60,
        5,
        3,
        "notBreaching",
        lambda t, c: t.function_duration_percent / 100 * c.timeout_seconds * 1000,
    ),
    ("AWS/Lambda", "ConcurrentExecutions"): (
        "Maximum",
        "GreaterThanThreshold",
        60,
        5,
        3,
        "notBreaching",
        lambda t, c: t.function_concurrency_percent / 100 * c.reserved_concurrency,
    ),
    ("AWS/ApiGateway", "5xx"): (
        "Sum",
        "GreaterThanThreshold",
        60,
        5,
        3,
        "notBreaching",
        lambda t, c: t.api_server_errors,
    ),
    ("AWS/ApiGateway", "Latency"): (
        "p99",
        "GreaterThanThreshold",
        60,
        5,
        3,
        "notBreaching",
        lambda t, c: t.api_latency_p99_ms,
    ),
    # Sum: the proxy publishes per node; the pool limit is about all of them (AWS RDS Proxy monitoring guide)
    ("AWS/RDS", "DatabaseConnections"): (
        "Sum",
        "GreaterThanThreshold",
        60,
        5,
        3,
        "ignore",
        lambda t, c: round(t.proxy_connections_percent / 100 * c),
    ),
    ("EcoMart/Outbox", "OldestPendingEventAgeSeconds"): (
        "Maximum",
        "GreaterThanThreshold",
        60,
        3,
        2,
        "breaching",
        lambda t, c: t.outbox_lag_seconds,
    ),
    # anything in the functions' dead-letter queue (SQS publishes every 5 minutes)
    ("AWS/SQS", "ApproximateNumberOfMessagesVisible"): (
        "Maximum",
        "GreaterThanThreshold",
        300,
        1,
        1,
        "notBreaching",
        lambda t, c: 0,
    ),
}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_service_alarm_matches_the_intended_table(stack, dev, prod):
    synth = synth_of(stack, dev, prod)
    cfg = synth.config
    t, prefix = cfg.monitoring.thresholds, f"ecomart-{stack}"
    functions = {f"{prefix}-{k}": getattr(cfg.service, k) for k in ("api", "migrations", "relay")}
    pool = estimated_max_connections(cfg.postgres.instance_class) * cfg.service.proxy_pool_percent // 100
    api = one(synth, "aws:apigatewayv2/api:Api")
    seen = set()
    for a in service_alarms(synth):
        i = a.inputs
        key = (i["namespace"], i["metricName"])
        stat, cmp, period, evals, dta, missing, threshold = SERVICE_INTENDED[key]
        dims = i["dimensions"]
        if key[0] == "AWS/Lambda":
            ctx = functions[dims["FunctionName"]]
            assert set(dims) == {"FunctionName"}
        elif key[0] == "AWS/ApiGateway":
            ctx = None
            assert dims == {"ApiId": api.id, "Stage": "$default"}
        elif key[0] == "AWS/RDS":
            ctx = pool
            assert dims == {"ProxyName": f"{prefix}-db-proxy"}
        elif key[0] == "AWS/SQS":
            ctx = None
            assert dims == {"QueueName": f"{prefix}-functions-dlq"}
            dlq = one(synth, "aws:sqs/queue:Queue", "app-dlq")
            assert dlq.inputs["name"] == dims["QueueName"], "the alarm watches the queue the functions dead-letter to"
        else:
            ctx = None
            assert dims == {"Stack": prefix}
        # percentiles go in extendedStatistic, everything else in statistic
        got_stat = i.get("extendedStatistic") if stat.startswith("p") else i.get("statistic")
        assert (stat.startswith("p") and "statistic" not in i) or (
            not stat.startswith("p") and "extendedStatistic" not in i
        ), i["name"]
        got = (
            got_stat,
            i["comparisonOperator"],
            i["period"],
            i["evaluationPeriods"],
            i["datapointsToAlarm"],
            i["treatMissingData"],
        )
        assert got == (stat, cmp, period, evals, dta, missing), i["name"]
        assert i["threshold"] == pytest.approx(threshold(t, ctx)), i["name"]
        assert i["alarmActions"] == [topic_arn(synth)] and i["actionsEnabled"] is True
        seen.add((key, dims.get("FunctionName")))
    assert {k for k, _ in seen} == set(SERVICE_INTENDED)
    assert {f for (ns, _), f in seen if ns == "AWS/Lambda"} == set(functions)


def test_service_alarm_thresholds_follow_config(synth_with):
    """Every service threshold moved: the table above must still hold (no formula ignores its value)."""
    moved = {
        "functionErrors": 9,
        "functionThrottles": 2,
        "functionDurationPercent": 70,
        "functionConcurrencyPercent": 60,
        "apiServerErrors": 11,
        "apiLatencyP99Ms": 1500,
        "proxyConnectionsPercent": 65,
        "outboxLagSeconds": 45,
    }
    synth = synth_with(
        "prod",
        monitoring={"thresholds": moved},
        service={"relay": {"memoryMb": 512, "timeoutSeconds": 100, "reservedConcurrency": 6}},
    )
    test_every_service_alarm_matches_the_intended_table("prod", None, synth)
    relay = [a for a in service_alarms(synth) if a.inputs["dimensions"].get("FunctionName") == "ecomart-prod-relay"]
    assert {a.inputs["metricName"]: a.inputs["threshold"] for a in relay}["Duration"] == 70_000


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_service_alarms_are_in_the_composite_and_on_the_dashboard(stack, dev, prod):
    synth = synth_of(stack, dev, prod)
    rule = one(synth, COMPOSITE).inputs["alarmRule"]
    body = json.loads(one(synth, "aws:cloudwatch/dashboard:Dashboard").inputs["dashboardBody"])
    text = json.dumps(body)
    for a in service_alarms(synth):
        in_rule = f'ALARM("{a.inputs["name"]}")' in rule
        assert in_rule is not a.inputs["name"].endswith(NOT_IN_COMPOSITE), a.inputs["name"]
        assert a.outputs["arn"] in text
    for fn in ("api", "migrations", "relay"):
        assert f'"FunctionName", "ecomart-{stack}-{fn}"' in text
    assert '"ProxyName", "ecomart-' + stack + '-db-proxy"' in text
    (proxy_widget,) = [w for w in body["widgets"] if "ProxyName" in json.dumps(w.get("properties", {}).get("metrics"))]
    assert proxy_widget["properties"]["stat"] == "Sum", "per-node metrics: the widget adds the proxy's nodes up"
    assert '["EcoMart/Outbox", "OldestPendingEventAgeSeconds", "Stack", "ecomart-' + stack + '"]' in text


def test_service_alarm_defaults_are_the_designed_ones():
    """Written from the design (docs/adr/0022, the issue): a changed default must change this test too, not only the
    generated reference."""
    t = AlarmThresholds()
    assert (t.function_errors, t.function_throttles, t.function_duration_percent, t.function_concurrency_percent) == (
        5,
        0,
        80,
        80,
    )
    assert (t.api_server_errors, t.api_latency_p99_ms) == (5, 2000)
    assert (t.proxy_connections_percent, t.outbox_lag_seconds) == (80, 60)


# --- RDS event notifications --------------------------------------------------------------------------------------

EVENTS = "aws:rds/eventSubscription:EventSubscription"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_rds_events_of_this_stacks_sources_reach_the_alarm_topic(stack, dev, prod):
    from platform_rules import RDS_EVENT_CATEGORIES

    synth = synth_of(stack, dev, prod)
    subs = {s.inputs["sourceType"]: s for s in synth.of_type(EVENTS)}
    assert set(subs) == {"db-instance", "db-parameter-group", "db-security-group"}  # no RDS clusters declared
    prefix = f"ecomart-{stack}"
    for source_type, s in subs.items():
        assert s.inputs["name"] == f"{prefix}-rds-{source_type}"
        assert s.inputs["snsTopic"] == topic_arn(synth) and s.inputs["enabled"] is True
        assert s.inputs["eventCategories"] == list(RDS_EVENT_CATEGORIES[source_type])
        assert s.inputs["tags"]["environment"] == stack
    assert sorted(subs["db-instance"].inputs["sourceIds"]) == sorted(
        db.outputs["identifier"] for db in synth.of_type(RDS)
    )
    assert subs["db-parameter-group"].inputs["sourceIds"] == [
        p.outputs["name"] for p in synth.of_type("aws:rds/parameterGroup:ParameterGroup")
    ]
    assert "sourceIds" not in subs["db-security-group"].inputs  # EC2-Classic groups: none exist to name


def test_the_rds_events_that_page_are_as_designed():
    """FSBP RDS.19-22's categories, plus what an on-call engineer acts on first: a failover, an instance running
    out of storage, an instance unavailable."""
    from platform_rules import RDS_EVENT_CATEGORIES

    assert dict(RDS_EVENT_CATEGORIES) == {
        "db-instance": ("availability", "configuration change", "failover", "failure", "low storage", "maintenance"),
        "db-cluster": ("failover", "failure", "maintenance"),
        "db-parameter-group": ("configuration change",),
        "db-security-group": ("configuration change", "failure"),
    }


def test_our_event_categories_include_the_catalogue_minimum():
    from platform_rules import RDS_EVENT_CATEGORIES
    from policies.rules.rds import FSBP_RDS_EVENTS

    for source_type, required in FSBP_RDS_EVENTS.items():
        assert set(required) <= set(RDS_EVENT_CATEGORIES[source_type]), source_type


def test_no_event_subscription_without_rds(synth_with):
    """A monitoring component watching only caches or functions subscribes to nothing of RDS."""
    from components.inventory import MonitoredCache as Cache

    def program(_cfg):
        Monitoring(
            "mon",
            MonitoringSettings(alarm_emails=["oncall@example.com"]),
            MonitoringLinks(
                logs_kms_key_arn=f"arn:aws:kms:us-east-1:{ACCOUNT_ID}:key/k",
                caches=[Cache("c", "c", False, 1, 1, "cache.t4g.small")],
            ),
            Placement(prefix="x", region="us-east-1"),
        )
        return {}

    synth = synth_with("dev", program)
    assert synth.of_type(ALARM)
    assert synth.of_type(EVENTS) == []


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_rds_may_publish_events_to_the_encrypted_topic(stack, dev, prod):
    synth = synth_of(stack, dev, prod)
    policy = json.loads(one(synth, "aws:sns/topicPolicy:TopicPolicy").inputs["policy"])
    (rds,) = [s for s in policy["Statement"] if s.get("Principal") == {"Service": "events.rds.amazonaws.com"}]
    assert rds["Effect"] == "Allow" and rds["Action"] == "sns:Publish" and rds["Resource"] == topic_arn(synth)
    assert rds["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
        "ArnLike": {"aws:SourceArn": f"arn:aws:rds:us-east-1:{ACCOUNT_ID}:es:*"},
    }
    (logs_key,) = [k for k in synth.of_type("aws:kms/key:Key") if k.inputs["tags"].get("data-domain") == "logs"]
    key_policy = json.loads(logs_key.inputs["policy"])
    (kms,) = [s for s in key_policy["Statement"] if s["Principal"] == {"Service": "events.rds.amazonaws.com"}]
    assert kms["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"] and kms["Resource"] == "*"
    assert kms["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}}
