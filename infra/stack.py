"""The stack program: each component built from its own config section (its settings), wired to the others
through their typed outputs (its links), all under one placement (prefix, region, tags).

Kept apart from ``__main__`` so the offline preview and the tests run exactly this function under mocks.
Order matters only where data flows: keys first (everything encrypts with them), then the network, the stores,
and monitoring/backup last because they are derived from the stores declared before them. Nothing here copies a
setting: a component's settings object *is* its config section (infra/config.py), so this module holds only the
composition.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pulumi

from components.artifacts import CodeArtifacts, CodeArtifactsLinks
from components.atlas import Atlas, AtlasLinks
from components.backup import Backup, BackupLinks
from components.contract import Placement
from components.kms import Kms, KmsLinks
from components.monitoring import Monitoring, MonitoringLinks, estimated_max_connections
from components.network import Network, NetworkLinks
from components.postgres import PORT as PG_PORT
from components.postgres import Postgres, PostgresLinks
from components.redis import Redis, RedisLinks
from components.resilience import ReadOnlyMode, ReadOnlyModeLinks, Resilience, ResilienceLinks
from components.service import (
    AppLink,
    CacheLink,
    CatalogLink,
    CodeLink,
    DatabaseLink,
    KeysLink,
    NetworkLink,
    ReadOnlyLink,
    Service,
    ServiceLinks,
)
from infra import package
from infra.app_contract import app_routes, migrations_hash
from infra.config import StackConfig
from platform_rules import resource_prefix


def build(cfg: StackConfig, code_path: str | None = None) -> dict[str, Any]:
    """The stack; ``code_path`` is the Lambda artifact (None: ``make package``'s, built when missing or stale)."""
    place = Placement(prefix=resource_prefix(cfg.stack), region=cfg.region, tags=cfg.tags)
    pitr_copy, backup_copy = cfg.postgres.cross_region_backup_replication, cfg.backup.cross_region_copy
    # Keys in the secondary region whenever something is copied there.
    kms = Kms(
        "keys", cfg.kms, KmsLinks(secondary_region=cfg.secondary_region if pitr_copy or backup_copy else None), place
    )
    logs_key = kms.keys.require("logs").arn
    network = Network("network", cfg.network, NetworkLinks(logs_kms_key_arn=logs_key), place)
    postgres = Postgres(
        "postgres",
        cfg.postgres,
        PostgresLinks(
            subnet_ids=network.data_subnet_ids,
            security_group_id=network.postgres_security_group_id,
            kms_key_arn=kms.keys.require("relational").arn,
            logs_kms_key_arn=logs_key,
            backup_replication_region=cfg.secondary_region if pitr_copy else None,
            backup_replication_kms_key_arn=kms.secondary_keys.require("relational").arn if pitr_copy else None,
        ),
        place,
    )
    redis = Redis(
        "redis",
        cfg.redis,
        RedisLinks(
            subnet_ids=network.data_subnet_ids,
            security_group_id=network.redis_security_group_id,
            cache_kms_key_arn=kms.keys.require("cache").arn,
            logs_kms_key_arn=logs_key,
        ),
        place,
    )
    # The mongodbatlas provider takes its API key pair from MONGODB_ATLAS_PUBLIC_KEY / MONGODB_ATLAS_PRIVATE_KEY
    # (or `pulumi config set --secret mongodbatlas:publicKey|privateKey`); no key is in this repository.
    atlas = None
    if cfg.atlas is not None:
        # The service's functions have their own Atlas users (components/service.py): no separate app user.
        atlas = Atlas(
            "catalog",
            dataclasses.replace(cfg.atlas, app_user=False),
            AtlasLinks(
                vpc_id=network.vpc_id,
                app_subnet_ids=network.app_subnet_ids,
                app_security_group_id=network.app_security_group_id,
                alert_emails=cfg.monitoring.alarm_emails,
            ),
            place,
        )
    read_only = ReadOnlyMode(
        "operations", cfg.read_only_mode, ReadOnlyModeLinks(queue_kms_key_arn=kms.keys.require("relational").arn), place
    )
    # The functions deploy only what the stack's signing profile signed (docs/adr/0023-signed-lambda-code.md).
    code = CodeArtifacts(
        "code",
        cfg.artifacts,
        CodeArtifactsLinks(
            code_path=code_path or str(package.ensure()),
            kms_key_arn=kms.keys.require("compute").arn,
        ),
        place,
    )
    service = Service(
        "app",
        cfg.service,
        ServiceLinks(
            app=AppLink(routes=app_routes(), migrations_hash=migrations_hash()),
            code=CodeLink(
                s3_bucket=code.bucket_name, s3_key=code.signed_key, signing_config_arn=code.code_signing_config_arn
            ),
            network=NetworkLink(
                vpc_id=network.vpc_id,
                app_subnet_ids=network.app_subnet_ids,
                data_subnet_ids=network.data_subnet_ids,
                endpoints_security_group_id=network.endpoints_security_group_id,
                postgres_security_group_id=network.postgres_security_group_id,
                redis_security_group_id=network.redis_security_group_id,
            ),
            database=DatabaseLink(
                instance_identifier=postgres.writer.identifier,
                resource_id=postgres.writer.resource_id,
                address=postgres.address,
                port=PG_PORT,
                name=cfg.postgres.database_name,
                max_connections=estimated_max_connections(cfg.postgres.instance_class),
                master_secret_arn=postgres.master_secret_arn,
            ),
            cache=CacheLink(
                endpoint=redis.endpoint,
                replication_group_id=redis.replication_group_id,
                replication_group_arn=redis.replication_group_arn,
                user_id=redis.app_user_id,
                user_arn=redis.app_user.arn,
            ),
            keys=KeysLink(
                relational=kms.keys.require("relational").arn, compute=kms.keys.require("compute").arn, logs=logs_key
            ),
            read_only=ReadOnlyLink(
                parameter_name=read_only.read_only_parameter_name,
                parameter_arn=read_only.read_only_parameter_arn,
                queue_url=read_only.queue_url,
                queue_arn=read_only.queue_arn,
            ),
            catalog=None
            if atlas is None
            else CatalogLink(
                project_id=atlas.project_id,
                cluster_name=atlas.cluster_name,
                private_srv=atlas.private_connection_string,
                security_group_id=atlas.endpoint_security_group.id,
                database=cfg.atlas.catalog_database if cfg.atlas is not None else "catalog",
            ),
        ),
        place,
    )
    monitoring = Monitoring(
        "monitoring",
        cfg.monitoring,
        MonitoringLinks(
            logs_kms_key_arn=logs_key,
            dbs=postgres.instances,
            db_parameter_groups=postgres.parameter_group_names,
            caches=redis.caches,
            functions=service.functions,
            apis=service.apis,
            proxies=service.proxies,
            lags=service.lags,
            queues=service.queues,
        ),
        place,
    )
    # ARNs AWS Backup protects; a store that wants daily/monthly recovery points appends its ARN here.
    backup = Backup(
        "backup",
        cfg.backup,
        BackupLinks(
            kms_key_arn=kms.keys.require("backups").arn,
            resource_arns=[postgres.writer_arn],
            copy_region=cfg.secondary_region if backup_copy else None,
            copy_kms_key_arn=kms.secondary_keys.require("backups").arn if backup_copy else None,
        ),
        place,
    )
    resilience = Resilience(
        "operations",
        cfg.resilience,
        ResilienceLinks(
            writer_arn=postgres.writer_arn,
            cache_arn=redis.replication_group_arn,
            cache_az=network.data_subnets[0].availability_zone,
            stop_alarm_arn=monitoring.composite_alarm_arn,
            logs_kms_key_arn=logs_key,
        ),
        place,
    )
    key_arns = {**kms.key_arns, **({"document": atlas.document_key.arn} if atlas is not None else {})}
    return {
        # Where the stack lives: the runbooks (runbooks/) read these with the component outputs below.
        "stack": cfg.stack,
        "environment": cfg.environment,
        "region": cfg.region,
        "secondaryRegion": cfg.secondary_region,
        **network.stack_outputs(),
        "kmsKeyArns": pulumi.Output.all(**key_arns),
        **(atlas.stack_outputs() if atlas is not None else {}),
        # The catalog's app role is the API function's (its Atlas user names it).
        **({"atlasAppRoleArn": service.role_arns["api"]} if atlas is not None else {}),
        **postgres.stack_outputs(),
        **redis.stack_outputs(),
        **monitoring.stack_outputs(),
        **backup.stack_outputs(),
        **read_only.stack_outputs(),
        **resilience.stack_outputs(),
        **service.stack_outputs(),
    }
