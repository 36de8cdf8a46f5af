"""What a store tells monitoring about itself, so alarms and dashboards are derived instead of listed by hand.

The postgres and redis components produce these records (``Postgres.instances``, ``Redis.caches``); the monitoring
component builds every alarm from them, so adding a replica or a shard adds its alarms. They hold identifiers, not
resources: monitoring can as well watch stores this program did not create (examples/monitoring-existing-stores).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pulumi


@dataclass(frozen=True)
class MonitoredDb:
    label: str
    """Short name in alarm and dashboard titles, unique in the stack, e.g. "postgres-writer"."""
    identifier: pulumi.Input[str]
    """The RDS DB instance identifier (the DBInstanceIdentifier dimension)."""
    role: Literal["writer", "replica"]
    """Replicas also get a ReplicaLag alarm."""
    instance_class: str
    """db.<family>.<size>: sizes the connections alarm (max_connections estimate)."""
    allocated_storage_gb: int
    """Sizes the free-storage alarm."""


@dataclass(frozen=True)
class MonitoredCache:
    label: str
    """Short name in alarm and dashboard titles, unique in the stack."""
    replication_group_id: str
    """The literal group id: node ids (CacheClusterId dimensions) are derived from it."""
    cluster_mode: bool
    num_shards: int
    replicas_per_shard: int
    node_type: str
