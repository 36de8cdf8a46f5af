"""The cache tier: one ElastiCache (Valkey or Redis OSS) replication group for product cache, carts and sessions.

Why this shape:

- **No password anywhere.** Access is RBAC only: the user group holds an IAM-authenticated application user (the
  app signs a short-lived token with its role; ``elasticache:Connect`` is granted by ``connect_policy``) and a
  replacement for the built-in ``default`` user that is switched off. ElastiCache requires a user *named*
  ``default`` in every user group and the built-in one (id ``default``) may run every command, so we add our own
  user with user name ``default``, a new user id, access string ``off`` and no password: it cannot log in at all.
- **Engine "redis" for the RBAC objects, whatever the cache engine.** AWS lets both "redis" and "valkey" user groups
  serve a Valkey cache, but a "valkey" user group only admits users with a password or IAM, so it could not hold the
  password-less disabled default user. A "redis" group holding "redis" users is valid for Redis OSS and Valkey
  alike (docs/adr/0003).
- **IAM user rules:** user id and user name must be identical (lowercase) for ``authentication_mode`` "iam"; IAM auth
  needs Redis OSS >= 7.0 or Valkey >= 7.2 and in-transit encryption (``infra/config.py`` enforces the versions).
- **Eviction:** ``maxmemory-policy volatile-ttl``. Every key the app writes has a TTL (product cache: minutes,
  sessions: sliding, carts: 7 days). Under memory pressure volatile-ttl evicts the keys closest to expiry first, which
  are cache entries that are cheap to rebuild from the stores, before idle sessions and long before carts, which are
  customer state we would rather keep. LRU policies (volatile-lru/allkeys-lru) would evict an abandoned-but-valid
  cart as readily as a cold cache entry. The trade-off: a key written without a TTL is never evicted, and a cache
  filled only with such keys refuses writes (OOM) instead of evicting; the memory and evictions alarms
  (components/monitoring.py) catch that long before.
- Lazy freeing on eviction/expiry keeps big-key deletes off the single engine thread (latency).
- Slow-log and engine-log go to CloudWatch Logs groups encrypted with the logs CMK, with an explicit log-delivery
  resource policy scoped to this account so delivery does not depend on what the deployer may add at apply time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pulumi
import pulumi_aws as aws

from components.aws_values import daily_window, log_retention, overlaps, weekly_spans, weekly_window
from components.contract import Placement, arg, fail, settings
from components.inventory import MonitoredCache
from components.tagging import with_name
from platform_rules import ELASTICACHE_GROUP_ID_MAX

PORT = 6379
# Commands the app may run on its own keys: data reads/writes, key expiry/TTL, MULTI/EXEC, connection handshake
# (HELLO, AUTH, PING, CLIENT SETNAME, READONLY, COMMAND). -@dangerous strips KEYS, FLUSH*, DEBUG, CONFIG, ... .
APP_COMMANDS = "-@all +@read +@write +@keyspace +@connection +@transaction -@dangerous"
# Cluster-aware clients discover the slot map with these (cluster mode only).
CLUSTER_DISCOVERY = "+cluster|slots +cluster|shards +cluster|nodes +cluster|info"
DISABLED_ACCESS = "off"
RBAC_ENGINE = "redis"


def parameter_group_family(engine: str, engine_version: str) -> str:
    """``valkey8`` for Valkey 8.x, ``valkey7`` for Valkey 7.2, ``redis7`` for Redis OSS 7.x."""
    return f"{engine}{engine_version.split('.')[0]}"


def app_access_string(key_prefixes: Sequence[str], cluster_mode: bool) -> str:
    """The application user's ACL: only its key prefixes, no dangerous commands, no pub/sub channels."""
    keys = " ".join(f"~{p}*" for p in key_prefixes)
    return f"on {keys} {APP_COMMANDS}" + (f" {CLUSTER_DISCOVERY}" if cluster_mode else "")


# ElastiCache engine versions with IAM authentication (Redis OSS >= 7.0, Valkey >= 7.2): docs/adr/0003.
ENGINE_VERSIONS = {"redis": ("7.0", "7.1"), "valkey": ("7.2", "8.0", "8.1")}
KEY_PREFIX = r"[a-z][a-z0-9_-]{0,30}:"


@settings
class RedisSettings:
    """The stack config's ``redis`` section."""

    engine: Literal["valkey", "redis"] = arg("valkey (docs/adr/0003) or redis (Redis OSS).", default="valkey")
    engine_version: str = arg(
        "major.minor with IAM authentication: Valkey 7.2, 8.0, 8.1; Redis OSS 7.0, 7.1.",
        default="8.0",
        pattern=r"\d+\.\d+",
        means="major.minor (e.g. '8.0')",
    )
    node_type: str = arg(
        "cache.<family>.<size>.",
        default="cache.r7g.large",
        pattern=r"cache\.[a-z0-9]+\.[a-z0-9]+",
        means="an ElastiCache node type (cache.<family>.<size>)",
    )
    cluster_mode: bool = arg("Cluster mode enabled (sharded); off: one primary and its replicas.", default=True)
    num_shards: int = arg("Node groups in cluster mode (must be 1 without it).", default=2, ge=1, le=500)
    replicas_per_shard: int = arg("Replicas per shard; >= 1 so automatic failover has a target.", default=2, ge=1, le=5)
    snapshot_retention_days: int = arg("Daily snapshots kept.", default=7, units="days", ge=1, le=35)
    snapshot_window: str = arg("Daily snapshot window, UTC (hh:mm-hh:mm).", default="02:00-03:00", check=daily_window)
    maintenance_window: str = arg(
        "Weekly maintenance window, UTC (ddd:hh:mm-ddd:hh:mm).", default="sun:06:30-sun:07:30", check=weekly_window
    )
    log_retention_days: int = arg(
        "CloudWatch retention of slow-log and engine-log.", default=365, units="days", check=log_retention
    )
    app_key_prefixes: Sequence[str] = arg(
        "Key prefixes the IAM-authenticated app user may touch (its RBAC access "
        "string: lowercase letter first, then a-z 0-9 _ -, ending in ':'; no "
        "wildcards or spaces).",
        factory=lambda: ("product:", "cart:", "session:", "reco:"),
        non_empty=True,
        pattern=KEY_PREFIX,
        means="key prefixes like 'cart:'",
    )
    final_snapshot: bool = arg("Take a final snapshot when the group is deleted.", default=True)

    def rules(self) -> None:
        if not self.cluster_mode and self.num_shards != 1:
            fail(
                self,
                f"num_shards is {self.num_shards} but cluster_mode is false: without cluster mode there is "
                "exactly 1 shard",
            )
        supported = ENGINE_VERSIONS[self.engine]
        if self.engine_version not in supported:
            fail(
                self,
                f"engine_version {self.engine_version} is not offered for engine {self.engine!r} with IAM "
                f"authentication; allowed: {list(supported)}",
                "engine_version",
                self.engine_version,
            )
        if len(set(self.app_key_prefixes)) != len(self.app_key_prefixes):
            fail(self, "duplicate key prefixes", "app_key_prefixes", list(self.app_key_prefixes))
        if overlaps(weekly_spans(self.snapshot_window), weekly_spans(self.maintenance_window)):
            fail(
                self,
                f"snapshot_window ({self.snapshot_window}) overlaps maintenance_window "
                f"({self.maintenance_window}); ElastiCache requires them apart",
            )


@dataclass
class RedisLinks:
    subnet_ids: Sequence[pulumi.Input[str]] = arg("Private (data) subnets of an existing VPC, in >= 2 AZs.")
    security_group_id: pulumi.Input[str] = arg("Security group of the nodes (admit 6379 from the app tier only).")
    cache_kms_key_arn: pulumi.Input[str] = arg("Customer-managed key of the data at rest and snapshots.")
    logs_kms_key_arn: pulumi.Input[str] = arg("Customer-managed key of the slow-log and engine-log groups.")


class Redis(pulumi.ComponentResource):
    """Subnet group, parameter group, RBAC users, log groups and the replication group.

    ``caches`` feeds the monitoring component; ``endpoint`` is the host clients connect to: the
    ``configuration_endpoint`` in cluster mode, the ``primary_endpoint`` otherwise (``reader_endpoint`` too).
    """

    caches: list[MonitoredCache]
    endpoint: pulumi.Output[str]
    configuration_endpoint: pulumi.Output[str] | None
    primary_endpoint: pulumi.Output[str] | None
    reader_endpoint: pulumi.Output[str] | None

    replication_group_id: str
    replication_group_arn: pulumi.Output[str]
    app_user_id: str
    app_user_name: pulumi.Output[str]
    connect_policy_arn: pulumi.Output[str]
    port: int

    def __init__(
        self,
        name: str,
        settings: RedisSettings,
        links: RedisLinks,
        place: Placement,
        opts: pulumi.ResourceOptions | None = None,
    ):
        group_id = f"{place.prefix}-cache"
        if len(group_id) > ELASTICACHE_GROUP_ID_MAX:
            raise ValueError(
                f"Placement.prefix: replication group id {group_id!r} is {len(group_id)} characters; "
                f"ElastiCache allows {ELASTICACHE_GROUP_ID_MAX}: use a shorter prefix"
            )
        super().__init__("ecomart:data:Redis", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(place.tags)
        self._cluster_mode = settings.cluster_mode
        family = parameter_group_family(settings.engine, settings.engine_version)

        self.subnet_group = aws.elasticache.SubnetGroup(
            f"{name}-subnets",
            aws.elasticache.SubnetGroupArgs(
                name=group_id,
                description=f"EcoMart {place.prefix} cache: data subnets",
                subnet_ids=list(links.subnet_ids),
                tags=with_name(tags, group_id),
            ),
            opts=child,
        )
        # The family is in the name so an engine upgrade creates the new group before the old one is deleted.
        self.parameter_group = aws.elasticache.ParameterGroup(
            f"{name}-params",
            aws.elasticache.ParameterGroupArgs(
                name=f"{group_id}-{family}",
                family=family,
                description=f"EcoMart {place.prefix} cache ({settings.engine} {settings.engine_version})",
                parameters=[
                    aws.elasticache.ParameterGroupParameterArgs(name=k, value=v)
                    for k, v in (
                        ("cluster-enabled", "yes" if settings.cluster_mode else "no"),
                        ("maxmemory-policy", "volatile-ttl"),
                        ("lazyfree-lazy-eviction", "yes"),
                        ("lazyfree-lazy-expire", "yes"),
                        ("slowlog-log-slower-than", "10000"),
                        ("slowlog-max-len", "256"),
                    )
                ],
                tags=with_name(tags, f"{group_id}-{family}"),
            ),
            opts=child,
        )

        self.log_groups: dict[str, aws.cloudwatch.LogGroup] = {}
        for log_type in ("slow-log", "engine-log"):
            log_name = f"/ecomart/{place.prefix}/elasticache/{group_id}/{log_type}"
            self.log_groups[log_type] = aws.cloudwatch.LogGroup(
                f"{name}-{log_type}",
                aws.cloudwatch.LogGroupArgs(
                    name=log_name,
                    retention_in_days=settings.log_retention_days,
                    kms_key_id=links.logs_kms_key_arn,
                    tags=with_name(tags, f"{group_id}-{log_type}"),
                ),
                opts=child,
            )
        account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        region = place.region
        log_policy = aws.cloudwatch.LogResourcePolicy(
            f"{name}-log-delivery",
            aws.cloudwatch.LogResourcePolicyArgs(
                policy_name=f"{group_id}-log-delivery",
                policy_document=pulumi.Output.all(account_id, *(g.arn for g in self.log_groups.values())).apply(
                    lambda v: json.dumps(
                        {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Sid": "ElastiCacheLogDelivery",
                                    "Effect": "Allow",
                                    "Principal": {"Service": "delivery.logs.amazonaws.com"},
                                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                                    "Resource": [f"{arn}:log-stream:*" for arn in v[1:]],
                                    "Condition": {
                                        "StringEquals": {"aws:SourceAccount": v[0]},
                                        "ArnLike": {"aws:SourceArn": f"arn:aws:logs:{region}:{v[0]}:*"},
                                    },
                                }
                            ],
                        }
                    )
                ),
            ),
            opts=child,
        )

        # IAM authentication: user id == user name (an ElastiCache rule for "iam" users).
        app_user_id = f"{place.prefix}-app"
        self.app_user = aws.elasticache.User(
            f"{name}-app-user",
            aws.elasticache.UserArgs(
                user_id=app_user_id,
                user_name=app_user_id,
                engine=RBAC_ENGINE,
                authentication_mode=aws.elasticache.UserAuthenticationModeArgs(type="iam"),
                access_string=app_access_string(settings.app_key_prefixes, settings.cluster_mode),
                tags=with_name(tags, app_user_id, role="application"),
            ),
            opts=child,
        )
        # Replaces the built-in "default" user (which may do anything) in our group: named default, switched off.
        self.default_user = aws.elasticache.User(
            f"{name}-default-user",
            aws.elasticache.UserArgs(
                user_id=f"{place.prefix}-default-off",
                user_name="default",
                engine=RBAC_ENGINE,
                authentication_mode=aws.elasticache.UserAuthenticationModeArgs(type="no-password-required"),
                access_string=DISABLED_ACCESS,
                tags=with_name(tags, f"{place.prefix}-default-off", role="disabled-default"),
            ),
            opts=child,
        )
        self.user_group = aws.elasticache.UserGroup(
            f"{name}-users",
            aws.elasticache.UserGroupArgs(
                user_group_id=f"{group_id}-users",
                engine=RBAC_ENGINE,
                user_ids=[self.default_user.user_id, self.app_user.user_id],
                tags=with_name(tags, f"{group_id}-users"),
            ),
            opts=child,
        )

        shape: dict[str, Any] = (
            dict(
                cluster_mode="enabled",
                num_node_groups=settings.num_shards,
                replicas_per_node_group=settings.replicas_per_shard,
            )
            if settings.cluster_mode
            else dict(cluster_mode="disabled", num_cache_clusters=1 + settings.replicas_per_shard)
        )
        self.group = aws.elasticache.ReplicationGroup(
            f"{name}-group",
            aws.elasticache.ReplicationGroupArgs(
                replication_group_id=group_id,
                description=f"EcoMart {place.prefix}: product cache, carts, sessions",
                engine=settings.engine,
                engine_version=settings.engine_version,
                node_type=settings.node_type,
                port=PORT,
                parameter_group_name=self.parameter_group.name,
                subnet_group_name=self.subnet_group.name,
                security_group_ids=[links.security_group_id],
                at_rest_encryption_enabled=True,
                kms_key_id=links.cache_kms_key_arn,
                transit_encryption_enabled=True,
                transit_encryption_mode="required",
                user_group_ids=[self.user_group.user_group_id],
                automatic_failover_enabled=True,
                multi_az_enabled=True,
                snapshot_retention_limit=settings.snapshot_retention_days,
                snapshot_window=settings.snapshot_window,
                maintenance_window=settings.maintenance_window,
                final_snapshot_identifier=f"{group_id}-final" if settings.final_snapshot else None,
                auto_minor_version_upgrade=True,
                apply_immediately=False,
                log_delivery_configurations=[
                    aws.elasticache.ReplicationGroupLogDeliveryConfigurationArgs(
                        log_type=log_type, destination_type="cloudwatch-logs", log_format="json", destination=group.name
                    )
                    for log_type, group in self.log_groups.items()
                ],
                tags=with_name(tags, group_id, engine=settings.engine),
                **shape,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_policy]),
        )

        self.connect_policy = aws.iam.Policy(
            f"{name}-connect",
            aws.iam.PolicyArgs(
                name=f"{group_id}-connect",
                description=f"Connect to {group_id} as {app_user_id} with IAM authentication",
                policy=pulumi.Output.all(self.group.arn, self.app_user.arn).apply(
                    lambda arns: json.dumps(
                        {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Sid": "ConnectAsAppUser",
                                    "Effect": "Allow",
                                    "Action": "elasticache:Connect",
                                    "Resource": list(arns),
                                }
                            ],
                        }
                    )
                ),
                tags=with_name(tags, f"{group_id}-connect"),
            ),
            opts=child,
        )

        self.replication_group_id = group_id
        self.replication_group_arn = self.group.arn
        self.connect_policy_arn = self.connect_policy.arn
        self.app_user_id = app_user_id  # literal: the ElastiCache IAM token names it
        self.app_user_name = self.app_user.user_name
        self.port = PORT
        self.configuration_endpoint = self.group.configuration_endpoint_address if settings.cluster_mode else None
        self.primary_endpoint = None if settings.cluster_mode else self.group.primary_endpoint_address
        self.reader_endpoint = None if settings.cluster_mode else self.group.reader_endpoint_address
        self.endpoint = (
            self.group.configuration_endpoint_address if settings.cluster_mode else self.group.primary_endpoint_address
        )
        self.caches = [
            MonitoredCache(
                label="cache",
                replication_group_id=group_id,
                cluster_mode=settings.cluster_mode,
                num_shards=settings.num_shards if settings.cluster_mode else 1,
                replicas_per_shard=settings.replicas_per_shard,
                node_type=settings.node_type,
            )
        ]
        outputs = {
            "replicationGroupId": group_id,
            "replicationGroupArn": self.group.arn,
            "appUserId": self.app_user_id,
            "appUserName": self.app_user_name,
            "connectPolicyArn": self.connect_policy.arn,
            "port": PORT,
        }
        if settings.cluster_mode:
            outputs["configurationEndpoint"] = self.configuration_endpoint
        else:
            outputs["primaryEndpoint"] = self.primary_endpoint
            outputs["readerEndpoint"] = self.reader_endpoint
        self.register_outputs(outputs)

    def stack_outputs(self) -> dict[str, pulumi.Input]:
        """The stack outputs (camelCase) this component contributes."""
        endpoints = (
            {"redisConfigurationEndpoint": self.configuration_endpoint}
            if self._cluster_mode
            else {"redisPrimaryEndpoint": self.primary_endpoint, "redisReaderEndpoint": self.reader_endpoint}
        )
        return {
            **endpoints,
            "redisReplicationGroupId": self.replication_group_id,
            "redisPort": self.port,
            "redisAppUser": self.app_user_name,
            "redisConnectPolicyArn": self.connect_policy_arn,
        }
