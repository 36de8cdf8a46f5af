"""A complete Multi-AZ PostgreSQL: network, keys, writer + 2 read replicas, alarms, AWS Backup, DR copies.

Components only, with explicit args (no stack config, nothing from infra/). Everything not given here takes the
component's documented default (docs/components.md): PITR 35 days, deletion protection, a final snapshot, IAM
database authentication, and a master password only RDS knows (Secrets Manager, rotated by RDS).
"""

import pulumi

from components.backup import Backup, BackupArgs
from components.kms import Kms, KmsArgs
from components.monitoring import Monitoring, MonitoringArgs
from components.network import Network, NetworkArgs
from components.postgres import Postgres, PostgresArgs

config = pulumi.Config()
region = pulumi.Config("aws").require("region")
dr_region = config.require("drRegion")
prefix = f"orders-{pulumi.get_stack()}"
tags = {"project": "orders", "environment": "prod", "owner": "dba@example.com", "cost-center": "CC-1000",
        "data-classification": "confidential"}

keys = Kms("keys", KmsArgs(prefix=prefix, region=region, tags=tags, domains=("relational", "logs", "backups"),
                           secondary_region=dr_region, secondary_domains=("relational", "backups")))
network = Network("network", NetworkArgs(prefix=prefix, region=region, vpc_cidr="10.60.0.0/16", az_count=3,
                                         logs_kms_key_arn=keys.keys.require("logs").arn, tags=tags))
db = Postgres("orders", PostgresArgs(
    prefix=prefix,
    subnet_ids=network.data_subnet_ids,
    security_group_id=network.postgres_security_group_id,
    kms_key_arn=keys.keys.require("relational").arn,
    logs_kms_key_arn=keys.keys.require("logs").arn,
    instance_class="db.r6g.large",
    multi_az=True,
    read_replicas=2,
    backup_replication_region=dr_region,
    backup_replication_kms_key_arn=keys.secondary_keys.require("relational").arn,
    tags=tags,
))
alarms = Monitoring("alarms", MonitoringArgs(
    prefix=prefix, region=region, logs_kms_key_arn=keys.keys.require("logs").arn,
    alarm_emails=[config.require("alarmEmail")], dbs=db.instances,
    db_parameter_groups=db.parameter_group_names, tags=tags,  # their configuration changes page too
))
backups = Backup("backups", BackupArgs(
    prefix=prefix, kms_key_arn=keys.keys.require("backups").arn, resource_arns=[db.writer_arn],
    copy_region=dr_region, copy_kms_key_arn=keys.secondary_keys.require("backups").arn, tags=tags,
))

for key, value in {**network.stack_outputs(), **db.stack_outputs(), **alarms.stack_outputs(),
                   **backups.stack_outputs()}.items():
    pulumi.export(key, value)
