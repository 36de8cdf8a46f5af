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


@dataclass(frozen=True)
class MonitoredFunction:
    label: str
    """Short name in alarm and dashboard titles, unique in the stack, e.g. "api"."""
    function_name: str
    """The literal function name (the FunctionName dimension)."""
    timeout_seconds: int
    """Sizes the duration alarm (near the timeout)."""
    reserved_concurrency: int
    """Sizes the concurrency alarm (near the reserved limit)."""


@dataclass(frozen=True)
class MonitoredApi:
    label: str
    """Short name in alarm and dashboard titles, unique in the stack."""
    api_id: pulumi.Input[str]
    """The HTTP API's id (the ApiId dimension)."""
    stage: str
    """The stage whose metrics are watched (the Stage dimension; "$default")."""


@dataclass(frozen=True)
class MonitoredProxy:
    label: str
    """Short name in alarm and dashboard titles, unique in the stack."""
    proxy_name: str
    """The RDS Proxy's name (the ProxyName dimension)."""
    max_connections: int
    """Connections the proxy may open to its target (the pool's share of max_connections): sizes the alarm."""


@dataclass(frozen=True)
class MonitoredLag:
    label: str
    """Short name in alarm and dashboard titles, unique in the stack."""
    namespace: str
    metric: str
    dimensions: dict
    """A custom age metric (seconds) a worker publishes: the outbox relay's oldest pending event."""
