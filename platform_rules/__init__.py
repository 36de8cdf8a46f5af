"""The platform's environment rules, written once: stack config defaults, prod rules, policies and docs read them.

Standard library only, on purpose: the CrossGuard pack runs in the small virtualenv the Pulumi CLI builds from
``policies/requirements.txt`` (pulumi-policy and nothing else), and the components import this too, so nothing
here may pull in pydantic or a provider SDK.

What lives here (and nowhere else):

- the environments and the tags every taggable resource carries;
- per-environment thresholds (``ENVIRONMENT_RULES``): automated-backup (PITR) retention, key deletion window, cache
  snapshot retention, log retention, AWS Backup retention, and the resilience floors prod is held to;
- the RDS certificate authorities clients may be pinned to;
- naming rules other code derives names from: the resource prefix, ElastiCache node ids, and which property
  marks an RDS read replica.

``infra/config.py`` takes its per-environment defaults and its prod rules from ``ENVIRONMENT_RULES``; the policy
pack takes its threshold defaults from the strictest environment and ``policies/config/<stack>.json`` is generated
from these rules (``ecomart policy-config --write``; a test fails when the committed files are stale). Changing
the prod PITR rule is a one-line change to ``PROD.pitr_days`` below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

PROJECT = "ecomart-data-platform"
ENVIRONMENTS = ("dev", "staging", "prod")
STRICTEST_ENVIRONMENT = "prod"
REQUIRED_TAG_KEYS = ("project", "environment", "owner", "cost-center", "data-classification")
DATA_CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")

# PostgreSQL major versions in RDS standard support (the postgres component allows these; the
# rds-engine-version-supported policy refuses anything older than the first). RDS keeps the minor current
# (docs/adr/0017).
POSTGRES_SUPPORTED_MAJORS = ("14", "15", "16", "17")
POSTGRES_DEFAULT_MAJOR = "16"

# The end of RDS standard support of the MySQL and MariaDB majors (past it: no security fixes, extended-support
# fees), as AWS publishes it, read on SUPPORT_CALENDAR_READ:
# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/MySQL.Concepts.VersionMgmt.html (release calendar) and
# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/MariaDB.Concepts.VersionMgmt.html. Re-read them and move
# the date when a major reaches its end; rds-engine-version-supported's defaults follow.
SUPPORT_CALENDAR_READ = "2026-12-07"
# Aurora's majors end on their own calendars: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraMySQLReleaseNotes/
# AuroraMySQL.release-calendars.html (version 2, MySQL 5.7-compatible, ended 2024-10-31) and
# https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/aurora-postgresql-release-calendar.html.
RDS_STANDARD_SUPPORT_END: Mapping[str, Mapping[str, str]] = {
    "mysql": {"5.7": "2024-02-29", "8.0": "2026-07-31", "8.4": "2029-07-31"},
    "aurora-mysql": {"5.7": "2024-10-31", "8.0": "2028-04-30"},
    "aurora-postgresql": {
        "11": "2024-02-29",
        "12": "2025-02-28",
        "13": "2026-02-28",
        "14": "2027-02-28",
        "15": "2028-02-29",
        "16": "2029-02-28",
        "17": "2030-02-28",
    },
    "mariadb": {
        "10.4": "2024-06-30",
        "10.5": "2025-02-28",
        "10.6": "2026-08-31",
        "10.11": "2028-02-29",
        "11.4": "2029-05-31",
        "11.8": "2030-06-30",
    },
}


def oldest_supported_major(engine: str, on: str = SUPPORT_CALENDAR_READ) -> str:
    """The oldest ``engine`` major still in RDS standard support on the ISO date ``on``."""
    ends = RDS_STANDARD_SUPPORT_END[engine]
    current = [major for major, end in ends.items() if end >= on]
    return min(current, key=lambda m: tuple(int(p) for p in m.split(".")))


# RDS certificate authorities that are current (rds-ca-2019 expired in 2024). Clients verify the server with these.
CURRENT_RDS_CA_CERTIFICATES = ("rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1")
DEFAULT_RDS_CA_CERTIFICATE = CURRENT_RDS_CA_CERTIFICATES[0]

# The property that makes an RDS resource a replica of another (it then inherits backups, keys, subnet group).
RDS_REPLICA_SOURCE_PROPERTY = {
    "aws:rds/instance:Instance": "replicateSourceDb",
    "aws:rds/cluster:Cluster": "replicationSourceIdentifier",
}

# The European Economic Area (EU 27 + Iceland, Liechtenstein, Norway), ISO 3166-1 alpha-2. "EEA" in a zone's
# ``locations`` expands to this list; GDPR applies to residents of all of them.
EEA_COUNTRIES = (
    "AT",
    "BE",
    "BG",
    "HR",
    "CY",
    "CZ",
    "DK",
    "EE",
    "FI",
    "FR",
    "DE",
    "GR",
    "HU",
    "IE",
    "IT",
    "LV",
    "LT",
    "LU",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SK",
    "SI",
    "ES",
    "SE",
    "IS",
    "LI",
    "NO",
)

ELASTICACHE_GROUP_ID_MAX = 40  # ElastiCache's limit on replication group ids


@dataclass(frozen=True)
class EnvironmentRules:
    """What an environment must keep. Thresholds are floors unless a field says otherwise; units in the name."""

    name: str
    pitr_days: int
    """RDS automated-backup (point-in-time recovery) retention: the default and the floor."""
    key_deletion_window_days: int
    """KMS waiting period before a scheduled key deletion: the default and the floor (AWS allows 7-30)."""
    cache_snapshot_retention_days: int
    """ElastiCache daily snapshots kept: the default and the floor."""
    log_retention_days: int
    """Floor of every CloudWatch log group's retention (prod: PCI DSS 10.5.1's year)."""
    backup_daily_retention_days: int
    """AWS Backup daily recovery points: the default and the floor of every rule."""
    backup_long_term_days: int
    """AWS Backup's longest rule (monthly points) keeps at least this."""
    min_az_count: int
    multi_az: bool
    """RDS writer runs Multi-AZ."""
    deletion_protection: bool
    min_read_replicas: int
    cross_region_pitr: bool
    """RDS automated backups replicated to the secondary region."""
    cache_min_shards: int | None
    """ElastiCache cluster mode with at least this many shards (None: not required)."""
    cache_min_replicas_per_shard: int
    backup_cross_region_copy: bool
    """AWS Backup copies every recovery point to the secondary region (and Atlas copies every zone's snapshots)."""
    backup_vault_lock: bool
    """Backups are immutable: the AWS Backup vaults are locked and Atlas runs a Backup Compliance Policy."""
    final_snapshots: bool
    """The stores take a final snapshot (and RDS keeps its automated backups) when they are deleted."""
    data_residency: bool
    """EEA customers' data stays in the EU: the Atlas catalog is a global cluster with the EEA pinned to an EU zone."""
    autoscaling: bool
    """The catalog cluster scales its compute and disk automatically."""
    user_pool_ses_email: bool
    """Cognito sends the customers' e-mail through an SES identity: its default sender is capped far below
    production volume (service.userPoolEmailSourceArn)."""
    advisory_policies: tuple[str, ...] = ()
    """Policies this environment runs as advisory (cost or lifecycle findings it accepts, documented)."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


PROD = EnvironmentRules(
    name="prod",
    pitr_days=35,
    key_deletion_window_days=30,
    cache_snapshot_retention_days=7,
    log_retention_days=365,
    backup_daily_retention_days=35,
    backup_long_term_days=365,
    min_az_count=3,
    multi_az=True,
    deletion_protection=True,
    min_read_replicas=1,
    cross_region_pitr=True,
    cache_min_shards=2,
    cache_min_replicas_per_shard=2,
    backup_cross_region_copy=True,
    backup_vault_lock=True,
    final_snapshots=True,
    data_residency=True,
    autoscaling=True,
    user_pool_ses_email=True,
)

DEV = EnvironmentRules(
    name="dev",
    pitr_days=7,
    key_deletion_window_days=7,
    cache_snapshot_retention_days=1,
    log_retention_days=90,
    backup_daily_retention_days=35,
    backup_long_term_days=365,
    min_az_count=2,
    multi_az=False,
    deletion_protection=False,
    min_read_replicas=0,
    cross_region_pitr=False,
    cache_min_shards=None,
    cache_min_replicas_per_shard=1,
    backup_cross_region_copy=False,
    backup_vault_lock=False,
    final_snapshots=False,
    data_residency=False,
    autoscaling=True,
    user_pool_ses_email=False,
    advisory_policies=(
        "rds-multi-az",
        "rds-deletion-protection",
        "rds-final-snapshot",
        "rds-retain-automated-backups",
        "elasticache-cluster-mode-sharded",
        "backup-plan-cross-region-copy",
        "atlas-cluster-termination-protection",
        "atlas-cluster-sharded",
        "atlas-backup-snapshot-copies",
        "stack-prod-resilience",
        "stack-backup-vaults-locked",
        "stack-rds-cross-region-backups",
        "cognito-deletion-protection",
        "atlas-cluster-retain-backups",
    ),
)

# Staging is sized like dev (its config defaults); its policy check runs at prod strictness (no file of its own).
ENVIRONMENT_RULES: Mapping[str, EnvironmentRules] = {"dev": DEV, "staging": DEV, "prod": PROD}
STRICTEST = ENVIRONMENT_RULES[STRICTEST_ENVIRONMENT]


def rules_for(environment: str) -> EnvironmentRules:
    try:
        return ENVIRONMENT_RULES[environment]
    except KeyError:
        raise ValueError(f"environment {environment!r}: must be one of {list(ENVIRONMENTS)}") from None


# --- which stack-config setting each rule decides -------------------------------------------------------------
# The setting defaults to what the environment's rule says and may not be weaker: a number not below the rule's
# value ("floor"); a flag true whenever the rule is ("required"); a flag false whenever the rule is true
# ("inverse": the artifact bucket is emptied on destroy only where deletion protection is not required). The stack
# config (infra/config.py) derives its defaults and its checks from this table alone; tests/infra/test_config.py
# changes every rule in turn and follows it to the resources.
RULE_SETTINGS: tuple[tuple[str, str, str], ...] = (
    # (EnvironmentRules attribute, config key "section.key", kind)
    ("min_az_count", "network.azCount", "floor"),
    ("key_deletion_window_days", "kms.deletionWindowDays", "floor"),
    ("key_deletion_window_days", "atlas.keyDeletionWindowDays", "floor"),
    ("pitr_days", "postgres.backupRetentionDays", "floor"),
    ("multi_az", "postgres.multiAz", "required"),
    ("deletion_protection", "postgres.deletionProtection", "required"),
    ("deletion_protection", "service.userPoolDeletionProtection", "required"),
    ("deletion_protection", "atlas.terminationProtection", "required"),
    ("deletion_protection", "artifacts.forceDestroy", "inverse"),
    ("min_read_replicas", "postgres.readReplicas", "floor"),
    ("cross_region_pitr", "postgres.crossRegionBackupReplication", "required"),
    ("final_snapshots", "postgres.finalSnapshot", "required"),
    ("final_snapshots", "redis.finalSnapshot", "required"),
    ("cache_min_shards", "redis.numShards", "floor"),
    ("cache_min_replicas_per_shard", "redis.replicasPerShard", "floor"),
    ("cache_snapshot_retention_days", "redis.snapshotRetentionDays", "floor"),
    ("log_retention_days", "network.flowLogRetentionDays", "floor"),
    ("log_retention_days", "postgres.logRetentionDays", "floor"),
    ("log_retention_days", "redis.logRetentionDays", "floor"),
    ("log_retention_days", "service.logRetentionDays", "floor"),
    ("log_retention_days", "resilience.logRetentionDays", "floor"),
    ("log_retention_days", "artifacts.accessLogRetentionDays", "floor"),
    ("backup_daily_retention_days", "backup.dailyRetentionDays", "floor"),
    ("backup_long_term_days", "backup.monthlyRetentionDays", "floor"),
    ("backup_cross_region_copy", "backup.crossRegionCopy", "required"),
    ("backup_vault_lock", "backup.vaultLock", "required"),
    ("autoscaling", "atlas.autoScaling.computeEnabled", "required"),
    ("autoscaling", "atlas.autoScaling.diskEnabled", "required"),
)
# cache_min_shards None means "no sharding required": redis.clusterMode defaults to whether the rule sets a
# number, and must be on when it does (infra/config.py); data_residency, backup_cross_region_copy and
# backup_vault_lock also decide Atlas' zone layout, snapshot copies and compliance policy (infra/config.py).

# Sizing per environment: what each environment runs when its stack file says nothing (camelCase, as in
# Pulumi.<stack>.yaml). The rules above fill in what they decide; the components' own defaults the rest.
ENVIRONMENT_SIZING: Mapping[str, Mapping[str, Any]] = {
    "dev": {
        # VPC flow logs are network audit evidence: kept a year even where dev's other logs keep 90 days.
        "network": {"flowLogRetentionDays": 365},
        "postgres": {
            "instanceClass": "db.t4g.medium",
            "allocatedStorageGb": 20,
            "maxAllocatedStorageGb": 100,
            "readReplicas": 0,
            "performanceInsightsRetentionDays": 7,
        },
        "redis": {"nodeType": "cache.t4g.small"},
        "service": {
            "api": {"memoryMb": 1024, "timeoutSeconds": 29, "reservedConcurrency": 10},
            "throttlingRateLimit": 20.0,
            "throttlingBurstLimit": 40,
        },
        # M10: the smallest tier with customer-managed keys and continuous backup; a replica set (docs/adr/0007).
        "atlas": {
            "clusterType": "REPLICASET",
            "instanceSize": "M10",
            "diskSizeGb": 10,
            "autoScaling": {
                "computeEnabled": True,
                "computeScaleDownEnabled": True,
                "computeMinInstanceSize": "M10",
                "computeMaxInstanceSize": "M20",
                "diskEnabled": True,
            },
            "zones": [{"name": "Americas", "region": "US_EAST_1", "shards": 1}],
            "backup": {
                "restoreWindowDays": 7,
                "hourlyEveryHours": 6,
                "dailyRetentionDays": 7,
                "weeklyRetentionWeeks": 4,
                "monthlyRetentionMonths": 3,
            },
            "maintenanceWindow": {"dayOfWeek": "tue", "hourOfDay": 4},
        },
    },
    "prod": {
        "postgres": {
            "instanceClass": "db.r6g.large",
            "allocatedStorageGb": 100,
            "maxAllocatedStorageGb": 1000,
            "readReplicas": 2,
            "performanceInsightsRetentionDays": 731,
            "monitoringIntervalSeconds": 15,
        },
        "redis": {"nodeType": "cache.r7g.large"},
        "service": {
            "api": {"memoryMb": 1024, "timeoutSeconds": 29, "reservedConcurrency": 100},
            "relay": {"memoryMb": 512, "timeoutSeconds": 75, "reservedConcurrency": 4},
            "throttlingRateLimit": 200.0,
            "throttlingBurstLimit": 400,
        },
        "backup": {"vaultLockMode": "compliance"},
        "atlas": {
            "clusterType": "GEOSHARDED",
            "instanceSize": "M30",
            "diskSizeGb": 100,
            "autoScaling": {
                "computeEnabled": True,
                "computeScaleDownEnabled": True,
                "computeMinInstanceSize": "M30",
                "computeMaxInstanceSize": "M60",
                "diskEnabled": True,
            },
            "backup": {
                "restoreWindowDays": 7,
                "hourlyEveryHours": 6,
                "dailyRetentionDays": 35,
                "weeklyRetentionWeeks": 8,
                "monthlyRetentionMonths": 12,
            },
            "maintenanceWindow": {"dayOfWeek": "sun", "hourOfDay": 8},
        },
    },
}
ENVIRONMENT_SIZING = {**ENVIRONMENT_SIZING, "staging": ENVIRONMENT_SIZING["dev"]}


# The one AWS Signer platform Lambda accepts signatures from (components/artifacts.py signs with it; the
# lambda-code-signing policies require it): docs/adr/0023-signed-lambda-code.md.
LAMBDA_SIGNING_PLATFORM = "AWSLambda-SHA384-ECDSA"
# Longest signature validity: the component's default and the signer-profile-lambda-platform policy's maximum (an
# artifact older than this can no longer be deployed; AWS Signer's own default is 135 months).
LAMBDA_SIGNATURE_VALIDITY_MONTHS = 60
SIGNER_MAX_VALIDITY_MONTHS = 135  # AWS Signer's longest signature validity, and its default

# Policy thresholds, by policy id and config property, as attribute names of EnvironmentRules. The pack's own
# defaults are the strictest environment's; policies/config/<stack>.json carry each environment's values.
POLICY_THRESHOLDS: Mapping[str, Mapping[str, str]] = {
    "rds-backup-retention": {"minimumDays": "pitr_days"},
    "kms-key-deletion-window": {"minimumDays": "key_deletion_window_days"},
    "elasticache-snapshot-retention": {"minimumDays": "cache_snapshot_retention_days"},
    "log-group-retention": {"minimumDays": "log_retention_days"},
    # audit logs kept in S3 (object lock default retention) are audit logs too: the same rule as log groups
    "s3-object-lock-retention": {"minimumDays": "log_retention_days"},
    "backup-plan-retention": {"minimumDays": "backup_daily_retention_days", "longTermDays": "backup_long_term_days"},
    "elasticache-cluster-mode-sharded": {
        "minimumShards": "cache_min_shards",
        "minimumReplicas": "cache_min_replicas_per_shard",
    },
}


def policy_default(policy_id: str, prop: str) -> Any:
    """A policy threshold's default: the strictest environment's value."""
    return getattr(STRICTEST, POLICY_THRESHOLDS[policy_id][prop])


def policy_config(environment: str) -> dict[str, Any]:
    """The standard policy-pack config (``--policy-pack-config``) of an environment, from its rules."""
    rules = rules_for(environment)
    config: dict[str, Any] = {"all": "mandatory"}
    for policy_id in rules.advisory_policies:
        config[policy_id] = {"enforcementLevel": "advisory"}
    for policy_id, props in POLICY_THRESHOLDS.items():
        values = {prop: getattr(rules, attr) for prop, attr in props.items()}
        values = {k: v for k, v in values.items() if v is not None}
        if values:
            config.setdefault(policy_id, {}).update(values)
    return config


# --- naming rules ----------------------------------------------------------------------------------------------


def resource_prefix(stack: str) -> str:
    """Every physical name of a stack starts with this (``ecomart-prod-pg``, ``ecomart-prod-cache``)."""
    return f"ecomart-{stack}"


def elasticache_node_ids(
    group_id: str, cluster_mode: bool, num_shards: int, replicas_per_shard: int
) -> list[tuple[str, bool]]:
    """(CacheClusterId, created as primary) of every node of a replication group.

    ElastiCache names nodes ``<group>-001``, ``<group>-002``, ... with cluster mode disabled, and
    ``<group>-<shard:04d>-<node:03d>`` (``<group>-0001-001``) with cluster mode enabled; node 001 of each shard is
    the primary at creation (roles move on failover).
    """
    per_shard = 1 + replicas_per_shard
    if not cluster_mode:
        return [(f"{group_id}-{n:03d}", n == 1) for n in range(1, per_shard + 1)]
    return [(f"{group_id}-{s:04d}-{n:03d}", n == 1) for s in range(1, num_shards + 1) for n in range(1, per_shard + 1)]


# Settings of framework policies where this platform is stricter than the public catalogues, the same in every
# environment of ours. Each is the policy's default; the portable profile sets the catalogue's value instead
# (PORTABLE_THRESHOLDS below), so a program this repository did not write is judged by the catalogue.
HOUSE_POLICY_SETTINGS: Mapping[str, Mapping[str, Any]] = {
    # Nothing in the data platform serves the internet: no TCP port may be open to 0.0.0.0/0 or ::/0.
    "sg-no-open-ingress": {"authorizedTcpPorts": ()},
    # Personal data must not be kept forever (GDPR storage limitation): a log group must expire its events.
    "log-group-retention": {"neverExpireCompliant": False},
    # The on-call learns from the OK notification that an incident is over.
    "metric-alarm-notifies": {"okActionRequired": True},
    "composite-alarm-notifies": {"okActionRequired": True},
    # Read replicas are rebuilt from the writer, never restored (components/postgres.py): they keep no backups.
    "rds-backup-retention": {"checkReadReplicas": False},
    # Key material rotates at least yearly (PCI DSS 3.7.4's cryptoperiod as this platform sets it).
    "kms-key-rotation": {"maximumRotationDays": 365},
}


def policy_defaults(policy_id: str) -> dict[str, Any]:
    """Every setting default of a policy (its config schema's defaults): its environment thresholds at the strictest
    environment's values, and this platform's house settings."""
    out = {prop: policy_default(policy_id, prop) for prop in POLICY_THRESHOLDS.get(policy_id, {})}
    out.update(HOUSE_POLICY_SETTINGS.get(policy_id, {}))
    return out


def to_aws_region(atlas_region: str) -> str:
    """Atlas names AWS regions in capitals: 'EU_WEST_1' -> 'eu-west-1'."""
    return atlas_region.lower().replace("_", "-")


def to_atlas_region(aws_region: str) -> str:
    """'eu-west-1' -> 'EU_WEST_1'."""
    return aws_region.upper().replace("-", "_")


# --- the portable profile: public catalogues' own thresholds, for stacks this repository did not write ------------
# (policies/config/portable.json is generated from these plus the policies' house-rule metadata: house rules off.)
PORTABLE_ENVIRONMENT = "portable"
PORTABLE_THRESHOLDS: Mapping[str, Mapping[str, Any]] = {
    # AWS Security Hub FSBP RDS.11: automatic backups enabled, backupRetentionMinimum default 7 days.
    # checkReadReplicas: AWS Config db-instance-backup-enabled's parameter, on: a read replica keeping automated
    # backups under the minimum (created with none) is reported.
    "rds-backup-retention": {"minimumDays": 7, "checkReadReplicas": True},
    # FSBP KMS.4 asks only that rotation is on; 2560 days is the longest period KMS accepts.
    "kms-key-rotation": {"maximumRotationDays": 2560},
    # No catalogue sets a deletion window (FSBP KMS.3 asks only that no key is pending deletion); 7 is the shortest
    # window AWS allows.
    "kms-key-deletion-window": {"minimumDays": 7},
    # FSBP ElastiCache.1: automatic backups enabled, snapshotRetentionPeriod default 1 day.
    "elasticache-snapshot-retention": {"minimumDays": 1},
    # FSBP CloudWatch.16 (AWS Config cw-loggroup-retention-period-check): at least 365 days (PCI DSS v4.0.1 10.5.1:
    # 12 months); "Never expire" is COMPLIANT (https://docs.aws.amazon.com/config/latest/developerguide/
    # cw-loggroup-retention-period-check.html).
    "log-group-retention": {"minimumDays": 365, "neverExpireCompliant": True},
    # FSBP EC2.18 (vpc-sg-open-only-to-authorized-ports): Security Hub's default authorizedTcpPorts is 80,443
    # (https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-18).
    "sg-no-open-ingress": {"authorizedTcpPorts": ["80", "443"]},
    # FSBP CloudWatch.15 (cloudwatch-alarm-action-check): alarmActionRequired true, okActionRequired false by default
    # (https://docs.aws.amazon.com/config/latest/developerguide/cloudwatch-alarm-action-check.html).
    "metric-alarm-notifies": {"okActionRequired": False},
    "composite-alarm-notifies": {"okActionRequired": False},
    # PCI DSS v4.0.1 10.5.1 again, for audit logs held in S3 under object lock.
    "s3-object-lock-retention": {"minimumDays": 365},
    # AWS Config backup-plan-min-frequency-and-min-retention-check: the plan has a rule keeping recovery points at
    # least requiredRetentionDays, default 35 (https://docs.aws.amazon.com/config/latest/developerguide/
    # backup-plan-min-frequency-and-min-retention-check.html); no floor for every rule, no yearly rule.
    "backup-plan-retention": {"minimumDays": 1, "longTermDays": 35},
    # NIST CM-14 / SI-7(15) set no signature lifetime: AWS Signer's own maximum (and default), so only the platform
    # is judged.
    "signer-profile-lambda-platform": {"maximumMonths": SIGNER_MAX_VALIDITY_MONTHS},
    # House rule (disabled in this profile); its thresholds stay at the catalogue-neutral minimum.
    "elasticache-cluster-mode-sharded": {"minimumShards": 1, "minimumReplicas": 1},
}


@dataclass(frozen=True)
class DataRetention:
    """How long the order database keeps what (runbooks/postgres-maintenance.md applies it)."""

    # Orders, items and payments are accounting records: EU member states ask for 6-10 years; 10 years covers all.
    order_months: int = 120
    # Published outbox events: kept a week for debugging the relay, then purged (MongoDB has their effect).
    outbox_published_days: int = 7
    # Idempotency keys: far longer than any client retries an order (the API documents 24 h), then purged.
    idempotency_key_days: int = 30
    # Monthly order partitions kept ready ahead of time (the app also extends them at start-up).
    partition_months_ahead: int = 3
    # Time series (ADR 0029), whole monthly partitions kept: sales two years and a month (year-on-year reports with
    # the month in progress), inventory levels thirteen months (a year of restocking history). app/timeseries.py
    # applies them daily on Lambda, runbooks/postgres-maintenance.md on demand.
    sales_points_months: int = 25
    inventory_levels_months: int = 13


RETENTION = DataRetention()


# The orders read-only flag's two values (components/resilience.py declares it, the app reads it, the runbook sets it).
READ_ONLY_ON, READ_ONLY_OFF = "on", "off"

# PostgreSQL's port on the RDS instances: not the engine default 5432 (AWS Security Hub FSBP RDS.23), the port
# scanners and credential-stuffing tools try first. RDS Proxy's PostgreSQL endpoint listens on 5432 whatever port its
# target uses, so the app's functions (which connect through the proxy) keep 5432; only the proxy and the migrations
# function reach the instances, on this port.
POSTGRES_PORT = 5433
RDS_PROXY_POSTGRES_PORT = 5432

# RDS event notifications the alarm topic receives, per event source type (the monitoring component subscribes with
# these; the stack-rds-event-subscriptions policy requires at least AWS Security Hub FSBP RDS.19-RDS.22's categories,
# and a test holds these to include them). Failover and low storage page too: they are what an on-call engineer
# acts on first.
RDS_EVENT_CATEGORIES: Mapping[str, tuple[str, ...]] = {
    "db-instance": ("availability", "configuration change", "failover", "failure", "low storage", "maintenance"),
    "db-cluster": ("failover", "failure", "maintenance"),
    "db-parameter-group": ("configuration change",),
    "db-security-group": ("configuration change", "failure"),
}

# The app on Lambda (components/service.py deploys what infra/package.py builds): docs/adr/0022-lambda-compute.md.
LAMBDA_RUNTIME = "python3.12"
LAMBDA_ARCHITECTURE = "arm64"
# PostgreSQL hardening (CIS PostgreSQL Benchmark, as far as RDS parameters express it): the postgres component sets
# these and the rds-parameter-group-hardening policy requires them. pgAudit also needs `pgaudit` in
# shared_preload_libraries (the component adds it) and `CREATE EXTENSION pgaudit` once per database.
POSTGRES_HARDENING = {
    "password_encryption": "scram-sha-256",  # no MD5 password hashes
    "ssl_min_protocol_version": "TLSv1.2",  # TLS 1.0/1.1 refused
    "log_statement": "ddl",  # every schema change is logged
    "pgaudit.log": "ddl,role",  # ... and audited, with role/privilege changes
}
POSTGRES_PRELOAD = ("pg_stat_statements", "pgaudit")

# HTTP API routes anyone may call without a token: health and catalog reads. Everything customer-specific needs a
# JWT. tests/app checks the app's OpenAPI declares exactly these public; the apigw-route-authorized policy allows
# exactly these unauthenticated (a new public route is a reviewed change here, not a side effect of app code).
# Product search (ADR 0030): the Atlas Vector Search index the app queries and the service component declares, and
# the embeddings' dimensions (WordLlama l2_supercat_256, app/embeddings.py).
SEARCH_VECTOR_INDEX = "products_semantic"
SEARCH_TEXT_INDEX = "products_text"
EMBEDDING_DIMENSIONS = 256
PUBLIC_ROUTES = ("GET /health", "GET /products", "GET /products/search", "GET /products/{product_id}")
# The PostgreSQL role the API and the relay log in as with IAM (through RDS Proxy); the migrations function creates
# it (GRANT rds_iam) and the functions' roles may rds-db:connect as this user only.
PG_APP_USER = "ecomart_app"
# The outbox relay's lag (age of the oldest unpublished event): app/relay.py publishes it, monitoring alarms on it.
OUTBOX_LAG_NAMESPACE = "EcoMart/Outbox"
OUTBOX_LAG_METRIC = "OldestPendingEventAgeSeconds"
OUTBOX_LAG_DIMENSION = "Stack"
