"""The stack program: the one adapter from a validated StackConfig to the components' own Args.

Kept apart from ``__main__`` so the offline preview and the tests run exactly this function under mocks.
Order matters only where data flows: keys first (everything encrypts with them), then the network, the stores,
and monitoring/backup last because they are derived from the stores declared before them.

``args_from`` copies a config section into a component's Args by field name (nested sections into nested
dataclasses), so no field is copied by hand; what the stack decides itself (names, wiring between components,
prod-only switches) is passed explicitly. ``STACK_ONLY_KEYS`` lists the config keys that decide wiring instead of
reaching a component; tests/infra/test_stack.py fails when a config key reaches nothing.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from typing import Any, Optional

import pulumi
from pydantic import BaseModel

from components.artifacts import CodeArtifacts, CodeArtifactsArgs
from components.atlas import Atlas, AtlasArgs
from components.backup import Backup, BackupArgs
from components.kms import Kms, KmsArgs
from components.resilience import ReadOnlyMode, ReadOnlyModeArgs, Resilience, ResilienceArgs
from components.service import Service, ServiceArgs
from components.monitoring import Monitoring, MonitoringArgs, estimated_max_connections
from components.network import Network, NetworkArgs
from components.postgres import PORT as PG_PORT, Postgres, PostgresArgs
from components.redis import Redis, RedisArgs
from infra import package
from infra.app_contract import app_routes, migrations_hash
from infra.config import StackConfig
from platform_rules import resource_prefix

# Config keys (section -> fields) that choose the wiring in ``build`` rather than reaching a component's Args.
STACK_ONLY_KEYS = {
    "postgres": {"cross_region_backup_replication"},   # wires backup_replication_region and its key
    "backup": {"cross_region_copy"},                   # wires copy_region and its key
}


def _dataclass_in(cls: type, annotation: Any) -> Optional[type]:
    """The dataclass an Args field's annotation names (``Optional[BackupCompliance]``, ``Sequence[Zone]``).

    Read from the annotation's text in the component's module: the components use postponed annotations, and
    pulumi.Input's own forward references keep ``typing.get_type_hints`` from resolving them.
    """
    if not isinstance(annotation, str):
        return annotation if dataclasses.is_dataclass(annotation) else None
    module = vars(sys.modules[cls.__module__])
    for ident in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", annotation):
        cand = module.get(ident)
        if isinstance(cand, type) and dataclasses.is_dataclass(cand):
            return cand
    return None


def _convert(value: Any, target: Optional[type]) -> Any:
    if isinstance(value, BaseModel):
        return args_from(target, value) if target else value
    if isinstance(value, (list, tuple)):
        return [_convert(v, target) for v in value]
    return value


def args_from(cls: type, section: Optional[BaseModel], **wiring: Any) -> Any:
    """``cls`` (a component's Args dataclass) from the same-named fields of ``section`` plus ``wiring``.

    A field neither in ``wiring`` nor in the section keeps the component's default. Properties of the section
    count as fields (``AtlasZone.country_codes``), so derived values flow too.
    """
    names = {f.name for f in dataclasses.fields(cls)}
    stray = set(wiring) - names
    if stray:
        raise TypeError(f"{cls.__name__} has no fields {sorted(stray)}")
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in wiring:
            kwargs[f.name] = wiring[f.name]
        elif section is not None and hasattr(section, f.name):
            kwargs[f.name] = _convert(getattr(section, f.name), _dataclass_in(cls, f.type))
    return cls(**kwargs)


def build(cfg: StackConfig, code_path: Optional[str] = None) -> dict[str, Any]:
    """The stack; ``code_path`` is the Lambda artifact (None: ``make package``'s, built when missing or stale)."""
    prefix = resource_prefix(cfg.stack)
    tags = cfg.tags
    # Keys in the secondary region whenever something is copied there (always in prod).
    copies = cfg.is_prod or cfg.postgres.cross_region_backup_replication or cfg.backup.cross_region_copy
    kms = Kms("keys", args_from(KmsArgs, cfg.kms, prefix=prefix, region=cfg.region, tags=tags,
                                secondary_region=cfg.secondary_region if copies else None))
    network = Network("network", args_from(NetworkArgs, cfg.network, prefix=prefix, region=cfg.region, tags=tags,
                                           logs_kms_key_arn=kms.keys.require("logs").arn))
    pitr_copy = cfg.postgres.cross_region_backup_replication
    postgres = Postgres("postgres", args_from(
        PostgresArgs, cfg.postgres, prefix=prefix, tags=tags, subnet_ids=network.data_subnet_ids,
        security_group_id=network.postgres_security_group_id, kms_key_arn=kms.keys.require("relational").arn,
        logs_kms_key_arn=kms.keys.require("logs").arn, final_snapshot=cfg.is_prod,
        backup_replication_region=cfg.secondary_region if pitr_copy else None,
        backup_replication_kms_key_arn=kms.secondary_keys.require("relational").arn if pitr_copy else None,
    ))
    # ARNs AWS Backup protects; a store that wants daily/monthly recovery points appends its ARN here.
    backup_resource_arns: list[pulumi.Input[str]] = [postgres.writer_arn]
    redis = Redis("redis", args_from(
        RedisArgs, cfg.redis, prefix=prefix, region=cfg.region, tags=tags, subnet_ids=network.data_subnet_ids,
        security_group_id=network.redis_security_group_id, cache_kms_key_arn=kms.keys.require("cache").arn,
        logs_kms_key_arn=kms.keys.require("logs").arn, final_snapshot=cfg.is_prod,
    ))
    # The mongodbatlas provider takes its API key pair from MONGODB_ATLAS_PUBLIC_KEY / MONGODB_ATLAS_PRIVATE_KEY
    # (or `pulumi config set --secret mongodbatlas:publicKey|privateKey`); no key is in this repository.
    atlas = None
    if cfg.atlas is not None:
        atlas = Atlas("catalog", args_from(
            AtlasArgs, cfg.atlas, prefix=prefix, region=cfg.region, tags=tags, vpc_id=network.vpc_id,
            app_subnet_ids=network.app_subnet_ids, app_security_group_id=network.app_security_group_id,
            key_deletion_window_days=cfg.kms.deletion_window_days,
            alert_emails=cfg.atlas.alert_emails or cfg.monitoring.alarm_emails,
            app_user=False,  # the service's functions have their own Atlas users (components/service.py)
        ))
    read_only = ReadOnlyMode("operations", ReadOnlyModeArgs(
        prefix=prefix, tags=tags, queue_kms_key_arn=kms.keys.require("relational").arn))
    # The functions deploy only what the stack's signing profile signed (docs/adr/0023-signed-lambda-code.md).
    code = CodeArtifacts("code", CodeArtifactsArgs(
        prefix=prefix, tags=tags, code_path=code_path or str(package.ensure()),
        kms_key_arn=kms.keys.require("compute").arn, access_logs_kms_key_arn=kms.keys.require("logs").arn,
        access_log_retention_days=cfg.service.log_retention_days, force_destroy=not cfg.is_prod,
    ))
    service = Service("app", args_from(
        ServiceArgs, cfg.service, prefix=prefix, region=cfg.region, tags=tags,
        code_s3_bucket=code.bucket_name, code_s3_key=code.signed_key,
        code_signing_config_arn=code.code_signing_config_arn, routes=app_routes(), migrations_hash=migrations_hash(),
        vpc_id=network.vpc_id, app_subnet_ids=network.app_subnet_ids, data_subnet_ids=network.data_subnet_ids,
        endpoints_security_group_id=network.endpoints_security_group_id,
        postgres_security_group_id=network.postgres_security_group_id,
        redis_security_group_id=network.redis_security_group_id,
        db_instance_identifier=postgres.writer.identifier, db_resource_id=postgres.writer.resource_id,
        db_address=postgres.address, db_port=PG_PORT, db_name=cfg.postgres.database_name,
        db_max_connections=estimated_max_connections(cfg.postgres.instance_class),
        master_secret_arn=postgres.master_secret_arn, relational_kms_key_arn=kms.keys.require("relational").arn,
        compute_kms_key_arn=kms.keys.require("compute").arn, logs_kms_key_arn=kms.keys.require("logs").arn,
        redis_endpoint=redis.configuration_endpoint if cfg.redis.cluster_mode else redis.primary_endpoint,
        redis_replication_group_id=redis.replication_group_id, redis_replication_group_arn=redis.replication_group_arn,
        redis_user_id=redis.app_user_id, redis_user_arn=redis.app_user.arn,
        read_only_parameter_name=read_only.read_only_parameter_name,
        read_only_parameter_arn=read_only.read_only_parameter_arn,
        queued_orders_queue_url=read_only.queue_url, queued_orders_queue_arn=read_only.queue_arn,
        user_pool_deletion_protection=cfg.service.user_pool_deletion_protection,
        user_pool_threat_protection=cfg.service.user_pool_threat_protection,
        **({} if atlas is None else dict(
            atlas_project_id=atlas.project_id, atlas_cluster_name=atlas.cluster_name,
            atlas_private_srv=atlas.private_connection_string,
            atlas_security_group_id=atlas.endpoint_security_group.id, catalog_database=cfg.atlas.catalog_database)),
    ))
    monitoring = Monitoring("monitoring", args_from(
        MonitoringArgs, cfg.monitoring, prefix=prefix, region=cfg.region, tags=tags,
        logs_kms_key_arn=kms.keys.require("logs").arn, dbs=postgres.instances,
        db_parameter_groups=postgres.parameter_group_names, caches=redis.caches,
        functions=service.functions, apis=service.apis, proxies=service.proxies, lags=service.lags,
    ))
    backup = Backup("backup", args_from(
        BackupArgs, cfg.backup, prefix=prefix, tags=tags, kms_key_arn=kms.keys.require("backups").arn,
        resource_arns=backup_resource_arns,
        copy_region=cfg.secondary_region if cfg.backup.cross_region_copy else None,
        copy_kms_key_arn=kms.secondary_keys.require("backups").arn if cfg.backup.cross_region_copy else None,
    ))
    resilience = Resilience("operations", ResilienceArgs(
        prefix=prefix, tags=tags, writer_arn=postgres.writer_arn, cache_arn=redis.replication_group_arn,
        cache_az=network.data_subnets[0].availability_zone, stop_alarm_arn=monitoring.composite_alarm_arn,
        logs_kms_key_arn=kms.keys.require("logs").arn, log_retention_days=cfg.postgres.log_retention_days,
    ))
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
