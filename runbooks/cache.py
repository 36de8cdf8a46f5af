"""ElastiCache (Valkey/Redis OSS): a primary failover drill on one shard."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from runbooks.core import Context, Param, is_pending, runbook

WAIT_FAILOVER_SECONDS = 900
# ElastiCache's event when a test failover finishes: "Failover from primary node <a> to replica node <b> completed"
_FAILOVER_DONE = re.compile(r"Failover from primary node (\S+) to replica node (\S+) completed")


def _group(ctx: Context, group_id: str) -> Any:
    return ctx.read("elasticache", "DescribeReplicationGroups", ReplicationGroupId=group_id)["ReplicationGroups"][0]


def primary_of(node_group: dict) -> str | None:
    """The primary's cache cluster id where ElastiCache reports roles (cluster mode disabled); else None."""
    for m in node_group.get("NodeGroupMembers", []):
        if m.get("CurrentRole") == "primary":
            return m["CacheClusterId"]
    return None


def failover_event(events: list[dict]) -> tuple[str, str, _dt.datetime] | None:
    for e in sorted(events, key=lambda e: e["Date"]):
        m = _FAILOVER_DONE.search(e.get("Message", ""))
        if m:
            return m.group(1), m.group(2), e["Date"]
    return None


@runbook(
    "cache-failover-drill",
    "Primary failover drill on one cache shard",
    "ElastiCache TestFailover on one shard; wait; verify the new primary; report the time it took",
    params=(
        Param("shard", "node group id to fail over (default: the first one, e.g. 0001)"),
        Param("via-fis", "yes: start the stack's FIS AZ power interruption experiment instead", default="no"),
    ),
    needs=("region", "redisReplicationGroupId"),
    changes=("elasticache:TestFailover", "fis:StartExperiment"),
)
def cache_failover(ctx: Context) -> None:
    group_id = ctx.output("redisReplicationGroupId")
    with ctx.step(
        f"Read {group_id}: shards, automatic failover, current primary",
        verify="the group is available with automatic failover and Multi-AZ enabled",
    ):
        group = _group(ctx, group_id)
        shard = ctx.params["shard"]
        before: str | None = None
        if ctx.calls_made:
            ctx.check("group available", group["Status"] == "available", f"status {group['Status']}")
            ctx.check(
                "automatic failover enabled",
                group.get("AutomaticFailover") == "enabled",
                str(group.get("AutomaticFailover")),
            )
            shards = [g["NodeGroupId"] for g in group["NodeGroups"]]
            shard = shard or shards[0]
            ctx.check(f"shard {shard} exists", shard in shards, f"shards: {', '.join(shards)}")
            node_group = next(g for g in group["NodeGroups"] if g["NodeGroupId"] == shard)
            before = primary_of(node_group)
            ctx.measure("primary_before", before or "not reported (cluster mode: read from events)")
        shard = shard or "0001"
    started = _dt.datetime.fromtimestamp(ctx.clock(), _dt.UTC)
    with ctx.step(f"Fail over shard {shard} of {group_id}", verify="ElastiCache accepts the test failover"):
        if ctx.params["via-fis"] == "yes":
            ctx.change(
                "fis",
                "StartExperiment",
                experimentTemplateId=ctx.output("fisTemplateIds")["cache-az-power"],
                clientToken=f"drill-{group_id}-{started:%Y%m%d%H%M}",
            )
        else:
            ctx.change("elasticache", "TestFailover", ReplicationGroupId=group_id, NodeGroupId=shard)

    def settled() -> Any:
        g = _group(ctx, group_id)
        if g["Status"] != "available":
            return None
        events = ctx.read(
            "elasticache",
            "DescribeEvents",
            SourceIdentifier=group_id,
            SourceType="replication-group",
            StartTime=started,
        )
        done = failover_event(events.get("Events", []))
        return (g, done) if done else None

    with ctx.step(
        "Wait until the failover completed and the group is available",
        verify="a 'Failover ... completed' event; the shard's primary changed",
    ):
        result = ctx.wait("the failover completed", settled, timeout=WAIT_FAILOVER_SECONDS, poll=10)
        if ctx.execute:
            group, (old, new, at) = result
            node_group = next(g for g in group["NodeGroups"] if g["NodeGroupId"] == shard)
            after = primary_of(node_group) or new
            ctx.check("the shard has a new primary", after != (before or old), f"{before or old} -> {after}")
            ctx.measure("failover_seconds", round((at - started).total_seconds(), 1), "s")
            ctx.measure("primary_after", after)
    if is_pending(group):
        ctx.note("the app reconnects through the configuration endpoint: no client change is needed")
