"""What stack policies share: how resources relate, which no single resource can show.

Stack policies live with their service's resource policies (``policies/<service>.py``); the cross-service ones
(tags, prod resilience, waivers) in ``policies/rules/cross_service.py``. Resources refer to each other by id, ARN
or name in their
inputs. During ``pulumi preview`` those values are still unknown for resources not created yet, so every lookup uses
both the engine's per-property dependencies (the URNs an input was computed from) and literal ids/ARNs/names (what a
deployed stack's export holds): see ``Stack.refs``. A reference that can be neither resolved nor ruled out (unknown
value, no dependency) is never a violation.
"""

from __future__ import annotations

from platform_rules import RDS_REPLICA_SOURCE_PROPERTY
from policies.engine.core import Res, SRes, Stack, absent, known, num
from policies.engine.tokens import RDS_INSTANCE

RDS_ALARM_METRICS = (
    "CPUUtilization",
    "FreeStorageSpace",
    "FreeableMemory",
    "DatabaseConnections",
    "ReadLatency",
    "WriteLatency",
)
RDS_REPLICA_ALARM_METRICS = RDS_ALARM_METRICS + ("ReplicaLag",)
CACHE_ALARM_METRICS = (
    "EngineCPUUtilization",
    "DatabaseMemoryUsagePercentage",
    "Evictions",
    "CurrConnections",
    "ReplicationLag",
)


def is_replica(r: Res) -> bool:
    """A read replica (``replicateSourceDb`` set, even if still unknown) or a cluster member of a global cluster.

    Works for resource and stack policies alike (anything with ``type`` and ``get``)."""
    prop = RDS_REPLICA_SOURCE_PROPERTY.get(r.type)
    return prop is not None and not absent(r.get(prop))


def replica_in_source_region(r: Res) -> bool:
    """A read replica known to be in its source's region: its source named by identifier (only possible within a
    region) or by an ARN of the replica's own (explicit) region. Such a replica inherits its source's subnet group
    and parameter group when it names none (CreateDBInstanceReadReplica); a cross-region one gets the defaults."""
    if r.type != RDS_INSTANCE or not is_replica(r):
        return False
    source = r.get("replicateSourceDb")
    if not known(source) or not isinstance(source, str):
        return False
    if not source.startswith("arn:"):
        return True
    own = r.get("region")
    return known(own) and isinstance(own, str) and bool(own) and source.count(":") >= 4 and source.split(":")[3] == own


def is_rds_replica(r: SRes) -> bool:
    return r.type == RDS_INSTANCE and is_replica(r)


def writers(stack: Stack) -> list[SRes]:
    return [r for r in stack.of_type(RDS_INSTANCE) if not is_rds_replica(r)]


# --- log destinations (RDS and ElastiCache) ---------------------------------------------------------------------------


def log_group_problems(group: SRes) -> list[str]:
    problems = []
    if absent(group.get("kmsKeyId")):
        problems.append("not KMS-encrypted")
    retention = group.get("retentionInDays")
    if known(retention) and (absent(retention) or num(retention) == 0):
        problems.append("kept forever")
    return problems
