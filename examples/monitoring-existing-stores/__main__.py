"""Alarms and a dashboard for stores created elsewhere (another stack, the console, Terraform).

The monitoring component needs only what CloudWatch's dimensions and thresholds are derived from: each RDS
instance's identifier, class and storage, each ElastiCache group's id and shape. Thresholds are the component's
documented defaults except the two changed here.
"""

import pulumi

from components.inventory import MonitoredCache, MonitoredDb
from components.kms import Kms, KmsArgs
from components.monitoring import AlarmThresholds, Monitoring, MonitoringArgs

config = pulumi.Config()
region = pulumi.Config("aws").require("region")
prefix = f"legacy-{pulumi.get_stack()}"
tags = {"project": "legacy", "environment": "prod", "owner": "sre@example.com", "cost-center": "CC-4000",
        "data-classification": "internal"}

dbs = [MonitoredDb(label=d["identifier"], identifier=d["identifier"], role="replica" if d.get("replica") else "writer",
                   instance_class=d["instanceClass"], allocated_storage_gb=d["allocatedStorageGb"])
       for d in config.require_object("databases")]
caches = [MonitoredCache(label=c["replicationGroupId"], replication_group_id=c["replicationGroupId"],
                         cluster_mode=c["clusterMode"], num_shards=c["numShards"],
                         replicas_per_shard=c["replicasPerShard"], node_type=c["nodeType"])
          for c in config.require_object("caches")]

# The alarm topic is encrypted with a key CloudWatch may use (never alias/aws/sns: alarms would be dropped).
keys = Kms("keys", KmsArgs(prefix=prefix, region=region, tags=tags, domains=("logs",)))
alarms = Monitoring("alarms", MonitoringArgs(
    prefix=prefix, region=region, logs_kms_key_arn=keys.keys.require("logs").arn,
    alarm_emails=config.require_object("alarmEmails"), dbs=dbs, caches=caches,
    thresholds=AlarmThresholds(cpu_percent=70, free_storage_percent=20), tags=tags,
))

for key, value in alarms.stack_outputs().items():
    pulumi.export(key, value)
pulumi.export("alarmNames", alarms.alarm_names)
