"""Alarms and a dashboard for stores created elsewhere (another stack, the console, Terraform).

The monitoring component needs only what CloudWatch's dimensions and thresholds are derived from: each RDS
instance's identifier, class and storage, each ElastiCache group's id and shape. Thresholds are the component's
documented defaults except the two changed here.
"""

import pulumi

from components.contract import Placement
from components.inventory import MonitoredCache, MonitoredDb
from components.kms import Kms, KmsLinks, KmsSettings
from components.monitoring import AlarmThresholds, Monitoring, MonitoringLinks, MonitoringSettings

config = pulumi.Config()
region = pulumi.Config("aws").require("region")
place = Placement(
    prefix=f"legacy-{pulumi.get_stack()}",
    region=region,
    tags={
        "project": "legacy",
        "environment": "prod",
        "owner": "sre@example.com",
        "cost-center": "CC-4000",
        "data-classification": "internal",
    },
)

dbs = [
    MonitoredDb(
        label=d["identifier"],
        identifier=d["identifier"],
        role="replica" if d.get("replica") else "writer",
        instance_class=d["instanceClass"],
        allocated_storage_gb=d["allocatedStorageGb"],
    )
    for d in config.require_object("databases")
]
caches = [
    MonitoredCache(
        label=c["replicationGroupId"],
        replication_group_id=c["replicationGroupId"],
        cluster_mode=c["clusterMode"],
        num_shards=c["numShards"],
        replicas_per_shard=c["replicasPerShard"],
        node_type=c["nodeType"],
    )
    for c in config.require_object("caches")
]

# The alarm topic is encrypted with a key CloudWatch may use (never alias/aws/sns: alarms would be dropped).
keys = Kms("keys", KmsSettings(domains=("logs",)), KmsLinks(), place)
alarms = Monitoring(
    "alarms",
    MonitoringSettings(
        alarm_emails=config.require_object("alarmEmails"),
        thresholds=AlarmThresholds(cpu_percent=70, free_storage_percent=20),
    ),
    MonitoringLinks(logs_kms_key_arn=keys.keys.require("logs").arn, dbs=dbs, caches=caches),
    place,
)

for key, value in alarms.stack_outputs().items():
    pulumi.export(key, value)
pulumi.export("alarmNames", alarms.alarm_names)
