"""A sharded Valkey cluster with IAM authentication only: no password exists, the built-in default user is off.

The app signs a short-lived token with its IAM role; attach the exported ``redisConnectPolicyArn`` to that role
(it allows ``elasticache:Connect`` on this group and its one user, nothing else).
"""

import pulumi

from components.kms import Kms, KmsArgs
from components.monitoring import Monitoring, MonitoringArgs
from components.network import Network, NetworkArgs
from components.redis import Redis, RedisArgs

config = pulumi.Config()
region = pulumi.Config("aws").require("region")
prefix = f"carts-{pulumi.get_stack()}"
tags = {"project": "carts", "environment": "prod", "owner": "web@example.com", "cost-center": "CC-2000",
        "data-classification": "internal"}

keys = Kms("keys", KmsArgs(prefix=prefix, region=region, tags=tags, domains=("cache", "logs")))
network = Network("network", NetworkArgs(prefix=prefix, region=region, vpc_cidr="10.70.0.0/16", az_count=3,
                                         logs_kms_key_arn=keys.keys.require("logs").arn, tags=tags))
cache = Redis("carts", RedisArgs(
    prefix=prefix,
    region=region,
    subnet_ids=network.data_subnet_ids,
    security_group_id=network.redis_security_group_id,
    cache_kms_key_arn=keys.keys.require("cache").arn,
    logs_kms_key_arn=keys.keys.require("logs").arn,
    engine="valkey",
    engine_version="8.0",
    node_type="cache.r7g.large",
    cluster_mode=True,
    num_shards=3,
    replicas_per_shard=2,
    app_key_prefixes=("cart:", "session:"),
    tags=tags,
))
alarms = Monitoring("alarms", MonitoringArgs(
    prefix=prefix, region=region, logs_kms_key_arn=keys.keys.require("logs").arn,
    alarm_emails=[config.require("alarmEmail")], caches=cache.caches, tags=tags,
))

for key, value in {**network.stack_outputs(), **cache.stack_outputs(), **alarms.stack_outputs()}.items():
    pulumi.export(key, value)
