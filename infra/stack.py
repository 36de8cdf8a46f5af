"""The stack program: wires the components from a validated StackConfig and returns the stack outputs.

Kept apart from ``__main__`` so the offline preview and the tests run exactly this function under mocks.
Order matters only where data flows: keys first (everything encrypts with them), then the network, the stores,
and monitoring/backup last because they are derived from the stores declared before them.
"""

from __future__ import annotations

from typing import Any

import pulumi

from components.atlas import Atlas, AtlasArgs
from components.backup import Backup, BackupArgs
from components.kms import DOMAINS, Kms, KmsArgs
from components.monitoring import Monitoring, MonitoringArgs
from components.network import Network, NetworkArgs
from components.postgres import Postgres, PostgresArgs
from components.redis import Redis, RedisArgs
from infra.config import StackConfig


def build(cfg: StackConfig) -> dict[str, Any]:
    prefix = f"ecomart-{cfg.stack}"
    tags = cfg.tags
    kms = Kms("keys", KmsArgs(
        prefix=prefix, region=cfg.region, tags=tags, deletion_window_days=cfg.kms.deletion_window_days,
        # Keys in the secondary region whenever something is copied there (always in prod).
        secondary_region=(cfg.secondary_region if cfg.is_prod or cfg.postgres.cross_region_backup_replication
                          or cfg.backup.cross_region_copy else None),
        document_policy_external=cfg.atlas is not None,
        # The document-store key exists only for Atlas: an unused key is a finding (stack-kms-keys-in-use).
        domains=DOMAINS if cfg.atlas is not None else tuple(d for d in DOMAINS if d != "document"),
    ))
    network = Network("network", NetworkArgs(
        prefix=prefix, vpc_cidr=cfg.network.vpc_cidr, az_count=cfg.network.az_count, region=cfg.region, tags=tags,
        logs_kms_key_arn=kms.keys["logs"].arn, flow_log_retention_days=cfg.network.flow_log_retention_days,
    ))
    # --- postgres (components/postgres.py) ---
    pitr_copy = cfg.postgres.cross_region_backup_replication
    postgres = Postgres("postgres", PostgresArgs(
        prefix=prefix, tags=tags, settings=cfg.postgres, subnet_ids=network.data_subnet_ids,
        security_group_id=network.security_group_ids["postgres"], kms_key_arn=kms.keys["relational"].arn,
        logs_kms_key_arn=kms.keys["logs"].arn, final_snapshot=cfg.is_prod,
        backup_replication_region=cfg.secondary_region if pitr_copy else None,
        backup_replication_kms_key_arn=kms.secondary_keys["relational"].arn if pitr_copy else None,
    ))
    # ARNs AWS Backup protects; a store that wants daily/monthly recovery points appends its ARN here.
    backup_resource_arns: list[pulumi.Input[str]] = [postgres.writer_arn]
    # --- redis (components/redis.py) ---
    r = cfg.redis
    redis = Redis("redis", RedisArgs(
        prefix=prefix, region=cfg.region, tags=tags, engine=r.engine, engine_version=r.engine_version,
        node_type=r.node_type, cluster_mode=r.cluster_mode, num_shards=r.num_shards,
        replicas_per_shard=r.replicas_per_shard, snapshot_retention_days=r.snapshot_retention_days,
        snapshot_window=r.snapshot_window, maintenance_window=r.maintenance_window,
        log_retention_days=r.log_retention_days, app_key_prefixes=r.app_key_prefixes,
        subnet_ids=network.data_subnet_ids, security_group_id=network.security_group_ids["redis"],
        cache_kms_key_arn=kms.keys["cache"].arn, logs_kms_key_arn=kms.keys["logs"].arn, final_snapshot=cfg.is_prod,
    ))
    # --- atlas (components/atlas.py) ---
    # The mongodbatlas provider takes its API key pair from MONGODB_ATLAS_PUBLIC_KEY / MONGODB_ATLAS_PRIVATE_KEY
    # (or `pulumi config set --secret mongodbatlas:publicKey|privateKey`); no key is in this repository.
    atlas = None
    if cfg.atlas is not None:
        atlas = Atlas("catalog", AtlasArgs(
            prefix=prefix, region=cfg.region, tags=tags, settings=cfg.atlas, account_id=kms.account_id,
            document_key=kms.keys["document"], network=network,
            alert_emails=cfg.atlas.alert_emails or cfg.monitoring.alarm_emails,
        ))
    # --- monitoring (components/monitoring.py) ---
    monitoring = Monitoring("monitoring", MonitoringArgs(
        prefix=prefix, region=cfg.region, tags=tags, logs_kms_key_arn=kms.keys["logs"].arn,
        alarm_emails=cfg.monitoring.alarm_emails, thresholds=cfg.monitoring.thresholds,
        dbs=postgres.instances, caches=redis.caches,
    ))
    # --- backup (components/backup.py) ---
    backup = Backup("backup", BackupArgs(
        prefix=prefix, tags=tags, settings=cfg.backup, kms_key_arn=kms.keys["backups"].arn,
        resource_arns=backup_resource_arns,
        copy_region=cfg.secondary_region if cfg.backup.cross_region_copy else None,
        copy_kms_key_arn=kms.secondary_keys["backups"].arn if cfg.backup.cross_region_copy else None,
    ))
    outputs: dict[str, Any] = {
        "vpcId": network.vpc_id,
        "dataSubnetIds": pulumi.Output.all(*network.data_subnet_ids),
        "kmsKeyArns": pulumi.Output.all(**kms.key_arns),
        **(atlas.stack_outputs() if atlas is not None else {}),
        "postgresWriterEndpoint": postgres.endpoint,
        "postgresWriterAddress": postgres.address,
        "postgresPort": postgres.port,
        "postgresReaderEndpoints": postgres.reader_endpoints,
        "postgresMasterSecretArn": postgres.master_secret_arn,
        "postgresWriterArn": postgres.writer_arn,
        "postgresDatabaseName": cfg.postgres.database_name,
        **({"redisConfigurationEndpoint": redis.configuration_endpoint} if r.cluster_mode else
           {"redisPrimaryEndpoint": redis.primary_endpoint, "redisReaderEndpoint": redis.reader_endpoint}),
        "redisPort": redis.port,
        "redisAppUser": redis.app_user_name,
        "redisConnectPolicyArn": redis.connect_policy.arn,
        "alarmTopicArn": monitoring.topic_arn,
        "dataTierAlarmName": monitoring.composite_alarm_name,
        "dashboardName": monitoring.dashboard_name,
        "backupVaultName": backup.vault_name,
        "backupVaultArn": backup.vault_arn,
        "backupPlanId": backup.plan_id,
        "backupCopyVaultArn": backup.copy_vault_arn,
    }
    return outputs
