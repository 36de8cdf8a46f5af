"""First look when a data-tier alarm fires: which alarms, the stores' state, their recent events. Read-only."""

from __future__ import annotations

import datetime as _dt

from runbooks.core import Context, is_pending, runbook


@runbook(
    "data-tier-triage",
    "Triage a data tier alarm",
    "read-only first look: alarms in ALARM, the writer's, replicas' and cache's state and last hour of events",
    needs=("region", "postgresWriterIdentifier", "dataTierAlarmName"),
)
def triage(ctx: Context) -> None:
    since = _dt.datetime.fromtimestamp(ctx.clock(), _dt.UTC) - _dt.timedelta(hours=1)
    prefix = ctx.output("dataTierAlarmName").removesuffix("-data-tier-degraded")
    with ctx.step("Alarms in ALARM", verify="which store and metric fired (each alarm names its runbook)"):
        resp = ctx.read("cloudwatch", "DescribeAlarms", AlarmNamePrefix=prefix, StateValue="ALARM")
        if not is_pending(resp):
            for a in resp.get("MetricAlarms", []) + resp.get("CompositeAlarms", []):
                ctx.observe(a["AlarmName"], False, a.get("AlarmDescription", ""))
    for ident in [ctx.output("postgresWriterIdentifier"), *(ctx.facts.outputs.get("postgresReplicaIdentifiers") or [])]:
        with ctx.step(f"PostgreSQL {ident}: status and last hour of events"):
            inst = ctx.read("rds", "DescribeDBInstances", DBInstanceIdentifier=ident)
            events = ctx.read(
                "rds", "DescribeEvents", SourceIdentifier=ident, SourceType="db-instance", StartTime=since
            )
            if not is_pending(inst):
                i = inst["DBInstances"][0]
                ctx.observe(
                    f"{ident} available",
                    i["DBInstanceStatus"] == "available",
                    f"status {i['DBInstanceStatus']}, AZ {i.get('AvailabilityZone')}",
                )
                for e in events.get("Events", []):
                    ctx.say(f"     {e['Date']}: {e['Message']}")
    group = ctx.facts.outputs.get("redisReplicationGroupId")
    if group:
        with ctx.step(f"Cache {group}: status and node groups"):
            rg = ctx.read("elasticache", "DescribeReplicationGroups", ReplicationGroupId=group)
            if not is_pending(rg):
                g = rg["ReplicationGroups"][0]
                ctx.observe(f"{group} available", g["Status"] == "available", f"status {g['Status']}")
