"""A sharded Valkey cluster with IAM authentication only: no password exists, the built-in default user is off.

The app signs a short-lived token with its IAM role; attach the exported ``redisConnectPolicyArn`` to that role
(it allows ``elasticache:Connect`` on this group and its one user, nothing else).
"""

import pulumi

from components.contract import Placement
from components.kms import Kms, KmsLinks, KmsSettings
from components.monitoring import Monitoring, MonitoringLinks, MonitoringSettings
from components.network import Network, NetworkLinks, NetworkSettings
from components.redis import Redis, RedisLinks, RedisSettings

config = pulumi.Config()
region = pulumi.Config("aws").require("region")
place = Placement(
    prefix=f"carts-{pulumi.get_stack()}",
    region=region,
    tags={
        "project": "carts",
        "environment": "prod",
        "owner": "web@example.com",
        "cost-center": "CC-2000",
        "data-classification": "internal",
    },
)

keys = Kms("keys", KmsSettings(domains=("cache", "logs")), KmsLinks(), place)
logs_key = keys.keys.require("logs").arn
network = Network(
    "network", NetworkSettings(vpc_cidr="10.70.0.0/16", az_count=3), NetworkLinks(logs_kms_key_arn=logs_key), place
)
cache = Redis(
    "carts",
    RedisSettings(
        engine="valkey",
        engine_version="8.0",
        node_type="cache.r7g.large",
        cluster_mode=True,
        num_shards=3,
        replicas_per_shard=2,
        app_key_prefixes=("cart:", "session:"),
    ),
    RedisLinks(
        subnet_ids=network.data_subnet_ids,
        security_group_id=network.redis_security_group_id,
        cache_kms_key_arn=keys.keys.require("cache").arn,
        logs_kms_key_arn=logs_key,
    ),
    place,
)
alarms = Monitoring(
    "alarms",
    MonitoringSettings(alarm_emails=[config.require("alarmEmail")]),
    MonitoringLinks(logs_kms_key_arn=logs_key, caches=cache.caches),
    place,
)

for key, value in {**network.stack_outputs(), **cache.stack_outputs(), **alarms.stack_outputs()}.items():
    pulumi.export(key, value)
