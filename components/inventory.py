"""What a store tells monitoring about itself, so alarms and dashboards are derived instead of listed by hand.

The postgres and redis components produce these records (``Postgres.instances``, ``Redis.caches``); the monitoring
component builds every alarm from them, so adding a replica or a shard adds its alarms. They hold identifiers, not
resources: monitoring can as well watch stores this program did not create (examples/monitoring-existing-stores).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pulumi

from components.contract import arg


@dataclass(frozen=True)
class MonitoredDb:
    label: str = arg("Short name in alarm and dashboard titles, unique in the stack, e.g. 'postgres-writer'.")
    identifier: pulumi.Input[str] = arg("The RDS DB instance identifier (the DBInstanceIdentifier dimension).")
    role: Literal["writer", "replica"] = arg("Replicas also get a ReplicaLag alarm.")
    instance_class: str = arg("db.<family>.<size>: sizes the connections alarm (max_connections estimate).")
    allocated_storage_gb: int = arg("Sizes the free-storage alarm.")


@dataclass(frozen=True)
class MonitoredCache:
    label: str = arg("Short name in alarm and dashboard titles, unique in the stack.")
    replication_group_id: str = arg("The literal group id: node ids (CacheClusterId dimensions) are derived from it.")
    cluster_mode: bool = arg("Cluster mode enabled (node ids then name their shard).")
    num_shards: int = arg("Node groups (1 without cluster mode).")
    replicas_per_shard: int = arg("Replicas in each node group.")
    node_type: str = arg("cache.<family>.<size> (named in the alarm descriptions).")


@dataclass(frozen=True)
class MonitoredFunction:
    label: str = arg("Short name in alarm and dashboard titles, unique in the stack, e.g. 'api'.")
    function_name: str = arg("The literal function name (the FunctionName dimension).")
    timeout_seconds: int = arg("Sizes the duration alarm (near the timeout).")
    reserved_concurrency: int = arg("Sizes the concurrency alarm (near the reserved limit).")


@dataclass(frozen=True)
class MonitoredApi:
    label: str = arg("Short name in alarm and dashboard titles, unique in the stack.")
    api_id: pulumi.Input[str] = arg("The HTTP API's id (the ApiId dimension).")
    stage: str = arg("The stage whose metrics are watched (the Stage dimension; '$default').")


@dataclass(frozen=True)
class MonitoredProxy:
    label: str = arg("Short name in alarm and dashboard titles, unique in the stack.")
    proxy_name: str = arg("The RDS Proxy's name (the ProxyName dimension).")
    max_connections: int = arg(
        "Connections the proxy may open to its target (the pool's share of max_connections): sizes the alarm."
    )


@dataclass(frozen=True)
class MonitoredLag:
    label: str = arg("Short name in alarm and dashboard titles, unique in the stack.")
    namespace: str = arg(
        "CloudWatch namespace of a custom age metric (seconds) a worker publishes: the outbox "
        "relay's oldest pending event."
    )
    metric: str = arg("The metric's name.")
    dimensions: dict = arg("The metric's dimensions (the alarm watches exactly this series).")


@dataclass(frozen=True)
class MonitoredQueue:
    label: str = arg("Short name in alarm and dashboard titles, unique in the stack.")
    queue_name: str = arg(
        "A dead-letter queue's literal name (the QueueName dimension): any message in it is a scheduled run or "
        "an asynchronous invocation that failed every retry."
    )
