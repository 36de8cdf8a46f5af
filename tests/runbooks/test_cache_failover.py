"""cache-failover-drill through botocore's Stubber (moto has no ElastiCache TestFailover)."""

from __future__ import annotations

import datetime as dt

from botocore.stub import ANY

from tests.runbooks.conftest import Clock, StubbedClients, run_book

GROUP = "ecomart-dev-cache"
OUTPUTS = {"stack": "dev", "region": "us-east-1", "redisReplicationGroupId": GROUP}
T0 = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)


def group(status="available", primary="ecomart-dev-cache-001", failover="enabled"):
    members = [
        {
            "CacheClusterId": c,
            "CacheNodeId": "0001",
            "CurrentRole": "primary" if c == primary else "replica",
            "PreferredAvailabilityZone": az,
        }
        for c, az in (("ecomart-dev-cache-001", "us-east-1a"), ("ecomart-dev-cache-002", "us-east-1b"))
    ]
    return {
        "ReplicationGroups": [
            {
                "ReplicationGroupId": GROUP,
                "Status": status,
                "AutomaticFailover": failover,
                "MultiAZ": "enabled",
                "NodeGroups": [{"NodeGroupId": "0001", "Status": status, "NodeGroupMembers": members}],
            }
        ]
    }


def event(minutes):
    return {
        "Events": [
            {
                "SourceIdentifier": GROUP,
                "SourceType": "replication-group",
                "Date": T0 + dt.timedelta(minutes=minutes),
                "Message": "Failover from primary node ecomart-dev-cache-001 to replica node "
                "ecomart-dev-cache-002 completed",
            }
        ]
    }


def test_dry_run_reads_the_group_and_only_prints_the_failover(tmp_path):
    clients = StubbedClients()
    ec = clients.stub("elasticache")
    ec.add_response("describe_replication_groups", group(), {"ReplicationGroupId": GROUP})
    code, ev, out, _ = run_book("cache-failover-drill", OUTPUTS, tmp_path=tmp_path, clients=clients)
    assert code == 0, out
    clients.assert_no_pending()  # a TestFailover would have failed: no response was queued for it
    assert (
        'WOULD CALL elasticache.TestFailover (us-east-1) {"NodeGroupId": "0001", "ReplicationGroupId": '
        f'"{GROUP}"}}' in out
    )


def test_execute_fails_over_waits_and_measures(tmp_path):
    clients, clock = StubbedClients(), Clock(T0)
    ec = clients.stub("elasticache")
    ec.add_response("describe_replication_groups", group(), {"ReplicationGroupId": GROUP})
    ec.add_response(
        "test_failover",
        {"ReplicationGroup": group("modifying")["ReplicationGroups"][0]},
        {"ReplicationGroupId": GROUP, "NodeGroupId": "0001"},
    )
    ec.add_response("describe_replication_groups", group("modifying"), {"ReplicationGroupId": GROUP})
    ec.add_response(
        "describe_replication_groups", group(primary="ecomart-dev-cache-002"), {"ReplicationGroupId": GROUP}
    )
    ec.add_response(
        "describe_events", event(2), {"SourceIdentifier": GROUP, "SourceType": "replication-group", "StartTime": ANY}
    )
    code, ev, out, _ = run_book(
        "cache-failover-drill",
        OUTPUTS,
        execute=True,
        tmp_path=tmp_path,
        clients=clients,
        clock=clock,
        sleep=clock.sleep,
    )
    assert code == 0, out
    clients.assert_no_pending()
    assert ev["measurements"]["failover_seconds"]["value"] == 120.0
    assert ev["measurements"]["primary_after"]["value"] == "ecomart-dev-cache-002"


def test_a_primary_that_did_not_change_fails_the_drill(tmp_path):
    clients, clock = StubbedClients(), Clock(T0)
    ec = clients.stub("elasticache")
    ec.add_response("describe_replication_groups", group(), {"ReplicationGroupId": GROUP})
    ec.add_response(
        "test_failover",
        {"ReplicationGroup": group()["ReplicationGroups"][0]},
        {"ReplicationGroupId": GROUP, "NodeGroupId": "0001"},
    )
    ec.add_response("describe_replication_groups", group(), {"ReplicationGroupId": GROUP})
    ec.add_response(
        "describe_events",
        {
            "Events": [
                {
                    **event(1)["Events"][0],
                    "Message": "Failover from primary node ecomart-dev-cache-001 to replica node ecomart-dev-cache-001 "
                    "completed",
                }
            ]
        },
        {"SourceIdentifier": GROUP, "SourceType": "replication-group", "StartTime": ANY},
    )
    code, ev, out, _ = run_book(
        "cache-failover-drill",
        OUTPUTS,
        execute=True,
        tmp_path=tmp_path,
        clients=clients,
        clock=clock,
        sleep=clock.sleep,
    )
    assert code == 1 and "the shard has a new primary" in ev["error"]


def test_group_without_automatic_failover_is_refused_before_the_failover(tmp_path):
    clients = StubbedClients()
    clients.stub("elasticache").add_response(
        "describe_replication_groups", group(failover="disabled"), {"ReplicationGroupId": GROUP}
    )
    code, ev, out, _ = run_book("cache-failover-drill", OUTPUTS, execute=True, tmp_path=tmp_path, clients=clients)
    assert code == 1 and "automatic failover enabled" in ev["error"]
    clients.assert_no_pending()


def test_unknown_shard_names_the_shards(tmp_path):
    clients = StubbedClients()
    clients.stub("elasticache").add_response("describe_replication_groups", group(), {"ReplicationGroupId": GROUP})
    code, ev, out, _ = run_book("cache-failover-drill", OUTPUTS, {"shard": "0009"}, tmp_path=tmp_path, clients=clients)
    assert code == 1 and "shards: 0001" in ev["error"]
