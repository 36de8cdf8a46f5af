"""What the stores declare about themselves so monitoring, backup (and policies' tests) derive from them.

The postgres and redis components append to these lists; the monitoring component builds every alarm from them,
so adding a replica or a cache automatically adds its alarms (nothing is listed twice by hand).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pulumi_aws as aws


@dataclass(frozen=True)
class MonitoredDb:
    label: str                         # short name for alarm/dashboard titles, e.g. "orders-writer"
    instance: aws.rds.Instance
    role: Literal["writer", "replica"]
    instance_class: str
    allocated_storage_gb: int


@dataclass(frozen=True)
class MonitoredCache:
    label: str
    group: aws.elasticache.ReplicationGroup
    replication_group_id: str          # the literal id, needed for per-node CacheClusterId dimensions
    cluster_mode: bool
    num_shards: int
    replicas_per_shard: int
    node_type: str
