"""A global MongoDB Atlas cluster: Americas (2 shards) and EU (1 shard, EEA residents pinned), customer key.

The Atlas component creates the customer-managed key itself (its policy names the role Atlas assumes), reaches it
over PrivateLink, and creates PrivateLink endpoints in this VPC for every zone's region; database users
authenticate with IAM roles, so there is no password anywhere.
"""

import pulumi

from components.atlas import (
    Atlas,
    AtlasLinks,
    AtlasSettings,
    AutoScaling,
    BackupCompliance,
    BackupPolicy,
    MaintenanceWindow,
    Zone,
)
from components.contract import Placement
from components.kms import Kms, KmsLinks, KmsSettings
from components.network import Network, NetworkLinks, NetworkSettings

config = pulumi.Config()
region = pulumi.Config("aws").require("region")
prefix = f"catalog-{pulumi.get_stack()}"
place = Placement(
    prefix=prefix,
    region=region,
    tags={
        "project": "catalog",
        "environment": "prod",
        "owner": "catalog@example.com",
        "cost-center": "CC-3000",
        "data-classification": "confidential",
    },
)

keys = Kms("keys", KmsSettings(domains=("logs",)), KmsLinks(), place)
network = Network(
    "network",
    NetworkSettings(vpc_cidr="10.80.0.0/16", az_count=3),
    NetworkLinks(logs_kms_key_arn=keys.keys.require("logs").arn),
    place,
)
catalog = Atlas(
    "catalog",
    AtlasSettings(
        org_id=config.require("orgId"),
        project_name=prefix,
        cluster_name=prefix,
        cluster_type="GEOSHARDED",
        instance_size="M30",
        # Atlas requires both bounds when compute auto-scaling (and scale-down) is on.
        auto_scaling=AutoScaling(compute_min_instance_size="M30", compute_max_instance_size="M60"),
        zones=[
            Zone(name="Americas", region="US_EAST_1", shards=2, backup_copy_region="US_WEST_2"),
            Zone(name="EU", region="EU_WEST_1", shards=1, backup_copy_region="EU_CENTRAL_1", locations=("EEA",)),
        ],
        backup=BackupPolicy(
            restore_window_days=7, daily_retention_days=35, weekly_retention_weeks=8, monthly_retention_months=12
        ),
        backup_compliance=BackupCompliance(
            authorized_email="catalog@example.com", authorized_first_name="Catalog", authorized_last_name="Owner"
        ),
        maintenance_window=MaintenanceWindow(day_of_week="sun", hour_of_day=8),
        alert_emails=[config.require("alertEmail")],
    ),
    AtlasLinks(
        vpc_id=network.vpc_id,
        app_subnet_ids=network.app_subnet_ids,
        app_security_group_id=network.app_security_group_id,
    ),
    place,
)

for key, value in {**network.stack_outputs(), **catalog.stack_outputs()}.items():
    pulumi.export(key, value)
