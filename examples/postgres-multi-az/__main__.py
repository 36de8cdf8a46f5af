"""A complete Multi-AZ PostgreSQL: network, keys, writer + 2 read replicas, alarms, AWS Backup, DR copies.

Components only, with explicit settings and links (no stack config, nothing from infra/). Everything not given here
takes the
component's documented default (docs/components.md): PITR 35 days, deletion protection, a final snapshot, IAM
database authentication, and a master password only RDS knows (Secrets Manager, rotated by RDS).
"""

import pulumi

from components.backup import Backup, BackupLinks, BackupSettings
from components.contract import Placement
from components.kms import Kms, KmsLinks, KmsSettings
from components.monitoring import Monitoring, MonitoringLinks, MonitoringSettings
from components.network import Network, NetworkLinks, NetworkSettings
from components.postgres import Postgres, PostgresLinks, PostgresSettings

config = pulumi.Config()
region = pulumi.Config("aws").require("region")
dr_region = config.require("drRegion")
place = Placement(
    prefix=f"orders-{pulumi.get_stack()}",
    region=region,
    tags={
        "project": "orders",
        "environment": "prod",
        "owner": "dba@example.com",
        "cost-center": "CC-1000",
        "data-classification": "confidential",
    },
)

keys = Kms(
    "keys",
    KmsSettings(domains=("relational", "logs", "backups"), secondary_domains=("relational", "backups")),
    KmsLinks(secondary_region=dr_region),
    place,
)
logs_key = keys.keys.require("logs").arn
network = Network(
    "network", NetworkSettings(vpc_cidr="10.60.0.0/16", az_count=3), NetworkLinks(logs_kms_key_arn=logs_key), place
)
db = Postgres(
    "orders",
    PostgresSettings(
        instance_class="db.r6g.large", multi_az=True, read_replicas=2, cross_region_backup_replication=True
    ),
    PostgresLinks(
        subnet_ids=network.data_subnet_ids,
        security_group_id=network.postgres_security_group_id,
        kms_key_arn=keys.keys.require("relational").arn,
        logs_kms_key_arn=logs_key,
        backup_replication_region=dr_region,
        backup_replication_kms_key_arn=keys.secondary_keys.require("relational").arn,
    ),
    place,
)
alarms = Monitoring(
    "alarms",
    MonitoringSettings(alarm_emails=[config.require("alarmEmail")]),
    MonitoringLinks(
        logs_kms_key_arn=logs_key, dbs=db.instances, db_parameter_groups=db.parameter_group_names
    ),  # their config changes page too
    place,
)
backups = Backup(
    "backups",
    BackupSettings(cross_region_copy=True),
    BackupLinks(
        kms_key_arn=keys.keys.require("backups").arn,
        resource_arns=[db.writer_arn],
        copy_region=dr_region,
        copy_kms_key_arn=keys.secondary_keys.require("backups").arn,
    ),
    place,
)

for key, value in {
    **network.stack_outputs(),
    **db.stack_outputs(),
    **alarms.stack_outputs(),
    **backups.stack_outputs(),
}.items():
    pulumi.export(key, value)
