"""PostgreSQL on RDS: point-in-time restore, Multi-AZ failover drill, regional recovery from replicated backups."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

from runbooks.core import Context, Param, RunbookError, is_pending, parse_time, runbook

WAIT_RESTORE_SECONDS = 3 * 3600  # a 400 GiB gp3 instance restores in well under an hour; 3 h before giving up
WAIT_REBOOT_SECONDS = 900

# What a restored instance keeps of its source: the restore call takes these, the checks compare them after.
SAME_AS_SOURCE = (
    "DBSubnetGroupName",
    "VpcSecurityGroupIds",
    "DBParameterGroupName",
    "KmsKeyId",
    "IAMDatabaseAuthenticationEnabled",
    "MonitoringInterval",
    "MonitoringRoleArn",
)


def _instance(ctx: Context, identifier: str, region: str | None = None) -> Any:
    resp = ctx.read("rds", "DescribeDBInstances", region=region, DBInstanceIdentifier=identifier)
    return resp["DBInstances"][0]


def _exists(ctx: Context, identifier: str, region: str | None = None) -> dict | None:
    """The instance, or None when it does not exist (reads are not made in an offline plan: None too)."""
    if not ctx.calls_made:
        return None
    from runbooks.core import AwsError

    try:
        found = ctx.read("rds", "DescribeDBInstances", region=region, DBInstanceIdentifier=identifier)["DBInstances"]
        return found[0] if found else None
    except AwsError as e:
        if e.code == "DBInstanceNotFound":
            return None
        raise


def _shape(inst: Any) -> dict[str, Any]:
    """The settings a restored copy must share with its source, read from DescribeDBInstances."""
    return {
        "DBSubnetGroupName": inst["DBSubnetGroup"]["DBSubnetGroupName"],
        "VpcSecurityGroupIds": sorted(g["VpcSecurityGroupId"] for g in inst["VpcSecurityGroups"])
        if not is_pending(inst)
        else inst["VpcSecurityGroups"],
        "DBParameterGroupName": inst["DBParameterGroups"][0]["DBParameterGroupName"],
        "KmsKeyId": inst["KmsKeyId"],
        "IAMDatabaseAuthenticationEnabled": inst["IAMDatabaseAuthenticationEnabled"],
        "MonitoringInterval": inst.get("MonitoringInterval", 0),
        "MonitoringRoleArn": inst.get("MonitoringRoleArn"),
    }


def _tags(ctx: Context, arn: Any, region: str | None = None) -> Any:
    return ctx.read("rds", "ListTagsForResource", region=region, ResourceName=arn)["TagList"]


def _available(ctx: Context, identifier: str, region: str | None = None) -> Callable[[], dict | None]:
    def probe() -> dict | None:
        inst = _exists(ctx, identifier, region)
        return inst if inst is not None and inst.get("DBInstanceStatus") == "available" else None

    return probe


def _restore_tags(source_tags: Any, **extra: str) -> Any:
    if is_pending(source_tags):
        return source_tags
    kept = [t for t in source_tags if not t["Key"].startswith("aws:") and t["Key"] != "Name"]
    return kept + [{"Key": k, "Value": v} for k, v in extra.items()]


def verify_orders(ctx: Context, address: str, port: int, target: _dt.datetime) -> None:
    """The restored database's newest order is at or before the target time; its row counts are reported."""
    connect = ctx.extra.get("connect")
    if connect is None:
        ctx.note("no database connection configured (ECOMART_RUNBOOK_DB_USER): the data checks were not made")
        return
    with connect(address, port) as conn:
        newest = conn.execute("SELECT max(created_at) FROM orders").fetchone()[0]
        counts = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608 (fixed names)
            for t in ("orders", "order_items", "payments", "outbox")
        }
    ctx.measure("row_counts", counts)
    ctx.check(
        "newest order at or before the target time",
        newest is None or newest <= target,
        f"newest order {newest.isoformat() if newest else 'none'}, target {target.isoformat()}",
    )


@runbook(
    "rds-pitr-restore",
    "Restore the PostgreSQL writer to a point in time",
    "restore the writer to a point in time into a new instance shaped like it; never touches the original",
    params=(
        Param(
            "target-time",
            "the time to restore to, ISO 8601 with zone (e.g. 2026-11-30T14:05:00Z)",
            type=parse_time,
            required=True,
        ),
        Param("target-id", "identifier of the new instance (default <writer>-pitr-<yyyymmddhhmm>)"),
    ),
    needs=("region", "postgresWriterIdentifier"),
    changes=("rds:RestoreDBInstanceToPointInTime", "rds:ModifyDBInstance"),
)
def pitr_restore(ctx: Context) -> None:
    writer = ctx.output("postgresWriterIdentifier")
    target: _dt.datetime = ctx.params["target-time"]
    target_id = ctx.params["target-id"] or f"{writer}-pitr-{target:%Y%m%d%H%M}"

    with ctx.step(
        f"Read the writer {writer}: its shape and restorable window",
        verify="the target time lies inside the restorable window",
    ):
        source = _instance(ctx, writer)
        shape = _shape(source)
        tags = _tags(ctx, source["DBInstanceArn"])
        windows = ctx.read("rds", "DescribeDBInstanceAutomatedBackups", DBInstanceIdentifier=writer)
        if ctx.calls_made:
            latest = source["LatestRestorableTime"]
            earliest = min(
                (
                    b["RestoreWindow"]["EarliestTime"]
                    for b in windows["DBInstanceAutomatedBackups"]
                    if b.get("RestoreWindow", {}).get("EarliestTime")
                ),
                default=None,
            )
            ctx.check(
                "target time not after the latest restorable time",
                target <= latest,
                f"target {target.isoformat()}, latest restorable {latest.isoformat()}",
            )
            ctx.check(
                "target time not before the earliest restorable time",
                earliest is None or target >= earliest,
                f"earliest restorable {earliest.isoformat() if earliest else 'unknown'}",
            )

    with ctx.step(
        f"Restore into a new instance {target_id} (the original is not modified)",
        verify="the new instance exists with the writer's subnet group, security groups, parameter "
        "group, KMS key and IAM authentication",
    ):
        existing = _exists(ctx, target_id)
        if existing is not None:
            ctx.skip(f"{target_id} exists already (status {existing['DBInstanceStatus']}): resuming")
        else:
            ctx.change(
                "rds",
                "RestoreDBInstanceToPointInTime",
                SourceDBInstanceIdentifier=writer,
                TargetDBInstanceIdentifier=target_id,
                RestoreTime=target,
                DBInstanceClass=source["DBInstanceClass"],
                MultiAZ=False,
                PubliclyAccessible=False,
                DBSubnetGroupName=shape["DBSubnetGroupName"],
                VpcSecurityGroupIds=shape["VpcSecurityGroupIds"],
                DBParameterGroupName=shape["DBParameterGroupName"],
                EnableIAMDatabaseAuthentication=shape["IAMDatabaseAuthenticationEnabled"],
                StorageType=source["StorageType"],
                CopyTagsToSnapshot=True,
                DeletionProtection=True,
                CACertificateIdentifier=source["CACertificateIdentifier"],
                Tags=_restore_tags(tags, **{"restored-from": writer, "restore-time": target.isoformat()}),
            )

    with ctx.step(f"Wait until {target_id} is available", verify="status 'available'"):
        restored = ctx.wait(f"{target_id} is available", _available(ctx, target_id), timeout=WAIT_RESTORE_SECONDS)

    with ctx.step(
        f"Give {target_id} the writer's Enhanced Monitoring and Performance Insights",
        verify="monitoring interval and role equal the writer's",
    ):
        if (
            restored is not None
            and restored.get("MonitoringInterval") == shape["MonitoringInterval"]
            and restored.get("MonitoringRoleArn") == shape["MonitoringRoleArn"]
        ):
            ctx.skip("monitoring already matches the writer")
        else:
            monitoring = {"MonitoringInterval": shape["MonitoringInterval"]}
            if shape["MonitoringRoleArn"]:
                monitoring["MonitoringRoleArn"] = shape["MonitoringRoleArn"]
            pi = (
                {
                    "EnablePerformanceInsights": True,
                    "PerformanceInsightsKMSKeyId": source["PerformanceInsightsKMSKeyId"],
                }
                if is_pending(source) or source.get("PerformanceInsightsEnabled")
                else {}
            )
            ctx.change(
                "rds", "ModifyDBInstance", DBInstanceIdentifier=target_id, ApplyImmediately=True, **monitoring, **pi
            )

    with ctx.step(
        f"Verify {target_id} against the writer and the target time",
        verify="same shape as the writer; newest order at or before the target time; row counts",
    ):
        if ctx.execute:
            restored = ctx.wait(f"{target_id} is available", _available(ctx, target_id), timeout=WAIT_RESTORE_SECONDS)
            got = _shape(restored)
            for key in SAME_AS_SOURCE:
                ctx.check(f"{key} same as the writer", got[key] == shape[key], f"{got[key]!r} vs {shape[key]!r}")
            original = _instance(ctx, writer)
            ctx.check(
                "the original writer is untouched",
                original["DBInstanceStatus"] == "available",
                f"status {original['DBInstanceStatus']}",
            )
            verify_orders(ctx, restored["Endpoint"]["Address"], restored["Endpoint"]["Port"], target)

    with ctx.step("Cutover (by hand, after sign-off): what to switch"):
        ctx.say(
            f"   a. stop writes: `ecomart runbook run orders-read-only-mode --stack {ctx.facts.stack} "
            "--execute --state on` (orders queue, catalog stays up)"
        )
        ctx.say(f"   b. point the app (RDS Proxy target, or ECOMART_PG_HOST) at {target_id}")
        ctx.say(
            "   c. re-create the read replicas from the new writer; keep the old writer until the incident "
            "review is closed (deletion protection stays on)"
        )
        ctx.say("   d. turn read-only mode off: the drain places the queued orders")


def _events(ctx: Context, identifier: str, start: _dt.datetime, region: str | None = None) -> list[dict]:
    resp = ctx.read(
        "rds", "DescribeEvents", region=region, SourceIdentifier=identifier, SourceType="db-instance", StartTime=start
    )
    return [] if is_pending(resp) else resp.get("Events", [])


# RDS event messages that bracket a Multi-AZ failover (RDS-EVENT-0013 started, -0015/-0049 completed).
FAILOVER_STARTED = ("RDS-EVENT-0013", "Multi-AZ instance failover started")
FAILOVER_DONE = ("RDS-EVENT-0015", "RDS-EVENT-0049", "Multi-AZ instance failover completed")


def _event_time(events: list[dict], markers: tuple[str, ...]) -> _dt.datetime | None:
    for e in sorted(events, key=lambda e: e["Date"]):
        text = e.get("Message", "") + " " + " ".join(e.get("EventCategories", [])) + " " + e.get("SourceArn", "")
        if any(m in text for m in markers) or any(m == e.get("EventId") for m in markers):
            return e["Date"]
    return None


@runbook(
    "rds-failover-drill",
    "Multi-AZ failover drill on the PostgreSQL writer",
    "reboot the writer with failover; RTO from RDS events; verify the writer moved AZ; replica lag",
    params=(
        Param("via-fis", "yes: start the stack's FIS experiment instead of calling RebootDBInstance", default="no"),
    ),
    needs=("region", "postgresWriterIdentifier"),
    changes=("rds:RebootDBInstance", "fis:StartExperiment"),
)
def failover_drill(ctx: Context) -> None:
    writer = ctx.output("postgresWriterIdentifier")
    with ctx.step(f"Read {writer}: Multi-AZ, current and standby AZ", verify="the writer is available and Multi-AZ"):
        before = _instance(ctx, writer)
        if ctx.calls_made:
            ctx.check("writer is Multi-AZ", before["MultiAZ"] is True, why="a single-AZ instance cannot fail over")
            ctx.check(
                "writer is available", before["DBInstanceStatus"] == "available", f"status {before['DBInstanceStatus']}"
            )
            ctx.measure("az_before", before["AvailabilityZone"])
    started = _dt.datetime.fromtimestamp(ctx.clock(), _dt.UTC)
    with ctx.step(f"Reboot {writer} with failover", verify="RDS reports the failover started"):
        if ctx.params["via-fis"] == "yes":
            template = ctx.output("fisTemplateIds")["rds-failover"]
            ctx.change(
                "fis",
                "StartExperiment",
                experimentTemplateId=template,
                clientToken=f"drill-{writer}-{started:%Y%m%d%H%M}",
            )
        else:
            ctx.change("rds", "RebootDBInstance", DBInstanceIdentifier=writer, ForceFailover=True)
    with ctx.step(f"Wait until {writer} is available again", verify="status 'available'"):
        after = ctx.wait(f"{writer} is available", _available(ctx, writer), timeout=WAIT_REBOOT_SECONDS, poll=5)
    with ctx.step(
        "Measure RTO and verify the writer moved AZ",
        verify="failover events present; AZ changed; replicas lag under 60 s",
    ):
        if ctx.execute:
            events = _events(ctx, writer, started)
            t0 = _event_time(events, FAILOVER_STARTED) or started
            t1 = _event_time(events, FAILOVER_DONE)
            ctx.check(
                "RDS reported the failover completed",
                t1 is not None,
                f"{len(events)} events since {started.isoformat()}",
                why="none says the failover completed",
            )
            ctx.measure("rto_seconds", round((t1 - t0).total_seconds(), 1), "s")
            ctx.check(
                "writer moved AZ",
                after["AvailabilityZone"] != before["AvailabilityZone"],
                f"{before['AvailabilityZone']} -> {after['AvailabilityZone']}",
            )
        replicas = ctx.facts.outputs.get("postgresReplicaIdentifiers") or []
        for rid in replicas:
            lag = ctx.read(
                "cloudwatch",
                "GetMetricStatistics",
                Namespace="AWS/RDS",
                MetricName="ReplicaLag",
                Dimensions=[{"Name": "DBInstanceIdentifier", "Value": rid}],
                StartTime=started,
                EndTime=started + _dt.timedelta(hours=1),
                Period=60,
                Statistics=["Maximum"],
            )
            if ctx.execute:
                points = lag.get("Datapoints", [])
                worst = max((p["Maximum"] for p in points), default=None)
                ctx.observe(
                    f"replica {rid} lag under 60 s",
                    worst is not None and worst < 60,
                    f"max {worst} s" if worst is not None else "no datapoints yet",
                )


@runbook(
    "rds-regional-recovery",
    "Recover PostgreSQL in the secondary region from replicated automated backups",
    "in the secondary region, restore the replicated automated backups to the latest restorable time; RPO",
    params=(
        Param(
            "subnet-group", "DB subnet group in the secondary region (the stack builds no VPC there)", required=False
        ),
        Param("security-group-ids", "comma-separated security groups in the secondary region"),
        Param("target-id", "identifier of the new instance (default <writer>-dr-<yyyymmddhhmm>)"),
    ),
    needs=("region", "secondaryRegion", "postgresWriterIdentifier"),
    changes=("rds:RestoreDBInstanceToPointInTime",),
)
def regional_recovery(ctx: Context) -> None:
    writer = ctx.output("postgresWriterIdentifier")
    dr = ctx.output("secondaryRegion")
    now = _dt.datetime.fromtimestamp(ctx.clock(), _dt.UTC)
    target_id = ctx.params["target-id"] or f"{writer}-dr-{now:%Y%m%d%H%M}"
    if ctx.execute and not ctx.params["subnet-group"]:
        raise RunbookError(f"--subnet-group is required with --execute: the DB subnet group in {dr} to restore into")
    with ctx.step(
        f"Find the writer's replicated automated backups in {dr}",
        verify="a replicated backup of the writer exists with a restore window; RPO = now - latest",
    ):
        resp = ctx.read("rds", "DescribeDBInstanceAutomatedBackups", region=dr, DBInstanceIdentifier=writer)
        backup = None
        if ctx.calls_made:
            found = resp.get("DBInstanceAutomatedBackups", [])
            ctx.check(
                f"replicated automated backups of {writer} in {dr}",
                bool(found),
                f"{len(found)} found",
                why="is InstanceAutomatedBackupsReplication deployed and healthy?",
            )
            backup = found[0]
            latest = backup.get("RestoreWindow", {}).get("LatestTime")
            ctx.check("a latest restorable time is reported", latest is not None, why="the restore window is empty")
            ctx.measure("rpo_seconds", round((now - latest).total_seconds(), 1), "s")
        arn = (
            backup["DBInstanceAutomatedBackupsArn"]
            if backup
            else resp["DBInstanceAutomatedBackups"][0]["DBInstanceAutomatedBackupsArn"]
        )
    with ctx.step(
        f"Restore into {target_id} in {dr} at the latest restorable time",
        verify="the new instance becomes available in the secondary region",
    ):
        existing = _exists(ctx, target_id, dr)
        if existing is not None:
            ctx.skip(f"{target_id} exists already in {dr}: resuming")
        else:
            sgs = [s for s in (ctx.params["security-group-ids"] or "").split(",") if s]
            ctx.change(
                "rds",
                "RestoreDBInstanceToPointInTime",
                region=dr,
                SourceDBInstanceAutomatedBackupsArn=arn,
                TargetDBInstanceIdentifier=target_id,
                UseLatestRestorableTime=True,
                MultiAZ=True,
                PubliclyAccessible=False,
                EnableIAMDatabaseAuthentication=True,
                DeletionProtection=True,
                CopyTagsToSnapshot=True,
                DBSubnetGroupName=ctx.params["subnet-group"] or "<--subnet-group>",
                **({"VpcSecurityGroupIds": sgs} if sgs else {}),
                Tags=[{"Key": "restored-from", "Value": writer}, {"Key": "recovery", "Value": "regional"}],
            )
    with ctx.step(f"Wait until {target_id} is available in {dr}", verify="status 'available', Multi-AZ"):
        restored = ctx.wait(f"{target_id} is available", _available(ctx, target_id, dr), timeout=WAIT_RESTORE_SECONDS)
        if ctx.execute:
            ctx.check("restored in the secondary region", dr in restored["DBInstanceArn"], restored["DBInstanceArn"])
            ctx.check("IAM authentication on", restored["IAMDatabaseAuthenticationEnabled"] is True)
    with ctx.step("Next (by hand): point the app at the recovered writer"):
        ctx.say(f"   the app in {dr} needs its own stack (network, proxy); see docs/adr/0006-backup-strategy.md")
