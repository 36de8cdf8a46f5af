"""A global MongoDB Atlas cluster: Americas (2 shards) and EU (1 shard, EEA residents pinned), customer key.

The Atlas component creates the customer-managed key itself (its policy names the role Atlas assumes), reaches it
over PrivateLink, and creates PrivateLink endpoints in this VPC for every zone's region; database users
authenticate with IAM roles, so there is no password anywhere.
"""

import pulumi

from components.atlas import (Atlas, AtlasArgs, BackupCompliance, BackupPolicy, MaintenanceWindow, Zone)
from components.kms import Kms, KmsArgs
from components.network import Network, NetworkArgs
from platform_rules import EEA_COUNTRIES

config = pulumi.Config()
region = pulumi.Config("aws").require("region")
prefix = f"catalog-{pulumi.get_stack()}"
tags = {"project": "catalog", "environment": "prod", "owner": "catalog@example.com", "cost-center": "CC-3000",
        "data-classification": "confidential"}

keys = Kms("keys", KmsArgs(prefix=prefix, region=region, tags=tags, domains=("logs",)))
network = Network("network", NetworkArgs(prefix=prefix, region=region, vpc_cidr="10.80.0.0/16", az_count=3,
                                         logs_kms_key_arn=keys.keys.require("logs").arn, tags=tags))
catalog = Atlas("catalog", AtlasArgs(
    prefix=prefix,
    region=region,
    org_id=config.require("orgId"),
    project_name=prefix,
    cluster_name=prefix,
    vpc_id=network.vpc_id,
    app_subnet_ids=network.app_subnet_ids,
    app_security_group_id=network.app_security_group_id,
    cluster_type="GEOSHARDED",
    instance_size="M30",
    zones=[
        Zone(name="Americas", region="US_EAST_1", shards=2, backup_copy_region="US_WEST_2"),
        Zone(name="EU", region="EU_WEST_1", shards=1, backup_copy_region="EU_CENTRAL_1",
             country_codes=EEA_COUNTRIES),
    ],
    backup=BackupPolicy(restore_window_days=7, daily_retention_days=35, weekly_retention_weeks=8,
                        monthly_retention_months=12),
    backup_compliance=BackupCompliance(authorized_email="catalog@example.com", authorized_first_name="Catalog",
                                       authorized_last_name="Owner"),
    maintenance_window=MaintenanceWindow(day_of_week="sun", hour_of_day=8),
    alert_emails=[config.require("alertEmail")],
    tags=tags,
))

for key, value in {**network.stack_outputs(), **catalog.stack_outputs()}.items():
    pulumi.export(key, value)
