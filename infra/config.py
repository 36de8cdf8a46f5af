"""Typed, validated stack configuration.

Everything a stack can set is declared here, once. Values come from ``Pulumi.<stack>.yaml`` (through the
Pulumi runtime's config bag, or the same file loaded by the offline preview) and are validated *before* any
resource is declared: a bad value stops the program with an error naming the key, the value and what is allowed.

Keys are camelCase in YAML (Pulumi's convention); the Python attributes are snake_case.
Defaults depend on the environment (dev is small and cheap, prod is Multi-AZ and cross-region backed up):
see ``ENVIRONMENT_DEFAULTS`` and docs/configuration.md.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import re
from typing import Annotated, Any, Literal, Optional, get_args

from pydantic import AfterValidator, BaseModel, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

from components.monitoring import AlarmThresholds as _AlarmDefaults
from components.postgres import DEFAULT_MAJOR as POSTGRES_MAJOR
from infra.config_atlas import AtlasConfig
from infra.config_base import _Section

import platform_rules as rules
from platform_rules import (CURRENT_RDS_CA_CERTIFICATES, DATA_CLASSIFICATIONS, DEFAULT_RDS_CA_CERTIFICATE,
                            ENVIRONMENTS, PROJECT, REQUIRED_TAG_KEYS)

# Regions the platform may deploy to (commercial partitions with every service used here).
AWS_REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
    "ap-south-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "sa-east-1",
)
# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                      3288, 3653)
RDS_MONITORING_INTERVALS = (1, 5, 10, 15, 30, 60)
_WINDOW = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
_WEEKLY_WINDOW = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-"
                            r"(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_KEY_PREFIX = re.compile(r"^[a-z][a-z0-9_-]{0,30}:$")
# ElastiCache engine versions with IAM authentication (Redis OSS >= 7.0, Valkey >= 7.2); docs/adr/0003.
REDIS_ENGINE_VERSIONS = {"redis": ("7.0", "7.1"), "valkey": ("7.2", "8.0", "8.1")}


class ConfigError(Exception):
    """A stack configuration that must not be deployed; ``problems`` holds one line per bad key."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid stack configuration:\n" + "\n".join(f"  - {p}" for p in problems))


def _check_window(value: str, weekly: bool) -> str:
    pattern = _WEEKLY_WINDOW if weekly else _WINDOW
    example = "sun:05:00-sun:06:00" if weekly else "03:00-04:00"
    if not pattern.match(value):
        raise ValueError(f"must be a {'weekly ' if weekly else ''}UTC window like {example!r}")
    return value


def _check_log_retention(v: int) -> int:
    if v not in LOG_RETENTION_DAYS:
        raise ValueError(f"must be a CloudWatch Logs retention period: one of {list(LOG_RETENTION_DAYS)}")
    return v


# Reusable field types: a validation rule written once, named by what the value is.
LogRetentionDays = Annotated[int, AfterValidator(_check_log_retention)]
DailyWindow = Annotated[str, AfterValidator(lambda v: _check_window(v, weekly=False))]
WeeklyWindow = Annotated[str, AfterValidator(lambda v: _check_window(v, weekly=True))]

_WEEK_MINUTES = 7 * 24 * 60
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _weekly_spans(window: str, lead_minutes: int = 0) -> list[tuple[int, int]]:
    """A validated window as [start, end) minute spans of the week (a daily window occurs 7 times).

    ``lead_minutes`` widens each span backwards (AWS Backup will not start an RDS job within the hour before a
    maintenance window).
    """
    def minutes(hhmm: str) -> int:
        h, m = hhmm.split(":")
        return int(h) * 60 + int(m)

    if window[:3] in _DAYS:
        start_s, end_s = window.split("-")
        start = _DAYS.index(start_s[:3]) * 1440 + minutes(start_s[4:])
        end = _DAYS.index(end_s[:3]) * 1440 + minutes(end_s[4:])
        end += _WEEK_MINUTES if end <= start else 0
        return [(start - lead_minutes, end)]
    start_s, end_s = window.split("-")
    start, end = minutes(start_s), minutes(end_s)
    end += 1440 if end <= start else 0
    return [(d * 1440 + start - lead_minutes, d * 1440 + end) for d in range(7)]


def _overlaps(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> bool:
    """Whether any span of ``a`` meets any span of ``b`` on the weekly circle."""
    return any(s1 < e2 + shift and s2 + shift < e1
               for s1, e1 in a for s2, e2 in b for shift in (-_WEEK_MINUTES, 0, _WEEK_MINUTES))


class NetworkConfig(_Section):
    vpc_cidr: str = Field(description="IPv4 CIDR of the VPC, /16 to /24.")
    az_count: int = Field(ge=2, le=6, description="Availability Zones to spread subnets over (prod needs 3).")
    flow_log_retention_days: LogRetentionDays = Field(description="CloudWatch retention of VPC flow logs (days).")

    @field_validator("vpc_cidr")
    @classmethod
    def _cidr(cls, v: str) -> str:
        try:
            net = ipaddress.IPv4Network(v, strict=True)
        except ValueError as e:
            raise ValueError(f"must be an IPv4 CIDR such as '10.20.0.0/16' ({e})") from None
        if not 16 <= net.prefixlen <= 24:
            raise ValueError("prefix length must be between /16 and /24 (AWS VPC limits)")
        if not net.is_private:
            raise ValueError("must be a private (RFC 1918) range")
        return v


class KmsConfig(_Section):
    deletion_window_days: int = Field(ge=7, le=30, description="Waiting period before a scheduled key deletion.")


class PostgresConfig(_Section):
    engine_version: str = Field(description="PostgreSQL major version; RDS keeps the minor current "
                                            "(docs/adr/0017).")
    instance_class: str = Field(description="RDS instance class for the writer (db.*).")
    replica_instance_class: Optional[str] = Field(default=None, description="Instance class of read replicas; "
                                                                            "defaults to instance_class.")
    allocated_storage_gb: int = Field(ge=20, le=65536)
    max_allocated_storage_gb: int = Field(ge=20, le=65536, description="Storage autoscaling ceiling.")
    iops: Optional[int] = Field(default=None, ge=3000, le=80000, description="gp3 provisioned IOPS (>= 400 GB).")
    multi_az: bool
    read_replicas: int = Field(ge=0, le=5)
    backup_retention_days: int = Field(ge=1, le=35)
    backup_window: DailyWindow
    maintenance_window: WeeklyWindow
    deletion_protection: bool
    performance_insights_retention_days: int
    monitoring_interval_seconds: int
    cross_region_backup_replication: bool = Field(description="Replicate automated backups to the secondary region.")
    database_name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")
    ca_cert_identifier: Literal[CURRENT_RDS_CA_CERTIFICATES] = DEFAULT_RDS_CA_CERTIFICATE  # type: ignore[valid-type]
    log_min_duration_statement_ms: int = Field(default=500, ge=0, le=60000,
                                               description="Statements slower than this are logged.")
    log_retention_days: LogRetentionDays = Field(description="CloudWatch retention of the exported RDS logs (days).")

    @model_validator(mode="after")
    def _windows_apart(self) -> "PostgresConfig":
        """RDS rejects a backup window that overlaps the maintenance window (at apply time: catch it here)."""
        if _overlaps(_weekly_spans(self.backup_window), _weekly_spans(self.maintenance_window)):
            raise ValueError(f"backupWindow ({self.backup_window}) overlaps maintenanceWindow "
                             f"({self.maintenance_window}); RDS requires them apart")
        return self

    @field_validator("engine_version")
    @classmethod
    def _version(cls, v: str) -> str:
        if v != POSTGRES_MAJOR:
            raise ValueError(f"must be the PostgreSQL major version {POSTGRES_MAJOR!r}: RDS picks the newest minor "
                             "and auto minor upgrades keep it current; a pinned minor drifts and is retired "
                             "(docs/adr/0017)")
        return v

    @field_validator("instance_class", "replica_instance_class")
    @classmethod
    def _db_class(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and not re.fullmatch(r"db\.[a-z0-9]+\.[a-z0-9]+", v):
            raise ValueError("must be an RDS instance class such as 'db.r6g.large' (db.<family>.<size>)")
        return v

    @field_validator("performance_insights_retention_days")
    @classmethod
    def _pi(cls, v: int) -> int:
        if not (v == 7 or (v % 31 == 0 and 31 <= v <= 713) or v == 731):
            raise ValueError("must be 7, a multiple of 31 up to 713, or 731 (Performance Insights retention)")
        return v

    @field_validator("monitoring_interval_seconds")
    @classmethod
    def _mi(cls, v: int) -> int:
        if v not in RDS_MONITORING_INTERVALS:
            raise ValueError(f"must be one of {list(RDS_MONITORING_INTERVALS)} (enhanced monitoring is required)")
        return v

    @model_validator(mode="after")
    def _storage(self) -> "PostgresConfig":
        if self.max_allocated_storage_gb <= self.allocated_storage_gb:
            raise ValueError(f"maxAllocatedStorageGb ({self.max_allocated_storage_gb}) must be greater than "
                             f"allocatedStorageGb ({self.allocated_storage_gb}) so storage can autoscale")
        if self.iops is not None and self.allocated_storage_gb < 400:
            raise ValueError(f"iops ({self.iops}) can only be set with allocatedStorageGb >= 400 "
                             f"(it is {self.allocated_storage_gb}; gp3 has a fixed baseline below 400 GB)")
        return self


class RedisConfig(_Section):
    engine: Literal["valkey", "redis"] = Field(description="ElastiCache engine; see docs/adr/0003.")
    engine_version: str
    node_type: str
    cluster_mode: bool = Field(description="Cluster mode enabled (sharded).")
    num_shards: int = Field(ge=1, le=500)
    replicas_per_shard: int = Field(ge=1, le=5, description=">= 1: automatic failover needs a replica.")
    snapshot_retention_days: int = Field(ge=1, le=35)
    snapshot_window: DailyWindow
    maintenance_window: WeeklyWindow
    log_retention_days: LogRetentionDays
    app_key_prefixes: list[str] = Field(
        default=["product:", "cart:", "session:", "reco:"], min_length=1,
        description="Key prefixes the application user may touch (its RBAC access string); see components/redis.py.")

    @field_validator("app_key_prefixes")
    @classmethod
    def _prefixes(cls, v: list[str]) -> list[str]:
        bad = [p for p in v if not _KEY_PREFIX.match(p)]
        if bad:
            raise ValueError(f"not key prefixes: {bad}; each must look like 'cart:' (lowercase letter first, then "
                             "a-z 0-9 _ -, ending in ':'; no wildcards or spaces: it goes into an ACL)")
        if len(set(v)) != len(v):
            raise ValueError(f"duplicate key prefixes in {v}")
        return v

    @field_validator("node_type")
    @classmethod
    def _node(cls, v: str) -> str:
        if not re.fullmatch(r"cache\.[a-z0-9]+\.[a-z0-9]+", v):
            raise ValueError("must be an ElastiCache node type such as 'cache.r7g.large' (cache.<family>.<size>)")
        return v

    @field_validator("engine_version")
    @classmethod
    def _ver(cls, v: str) -> str:
        if not re.fullmatch(r"\d+\.\d+", v):
            raise ValueError("must be a major.minor version such as '8.0' (valkey) or '7.1' (redis)")
        return v

    @model_validator(mode="after")
    def _shape(self) -> "RedisConfig":
        if not self.cluster_mode and self.num_shards != 1:
            raise ValueError(f"numShards is {self.num_shards} but clusterMode is false: "
                             "without cluster mode there is exactly 1 shard")
        supported = REDIS_ENGINE_VERSIONS[self.engine]
        if self.engine_version not in supported:
            raise ValueError(f"engineVersion {self.engine_version} is not offered for engine {self.engine!r} "
                             f"with IAM authentication; allowed: {list(supported)}")
        if _overlaps(_weekly_spans(self.snapshot_window), _weekly_spans(self.maintenance_window)):
            raise ValueError(f"snapshotWindow ({self.snapshot_window}) overlaps maintenanceWindow "
                             f"({self.maintenance_window}); ElastiCache requires them apart")
        return self


_ALARM = _AlarmDefaults()


class AlarmThresholds(_Section):
    """Defaults are the monitoring component's (components/monitoring.py AlarmThresholds)."""

    cpu_percent: float = Field(default=_ALARM.cpu_percent, gt=0, le=100)
    free_storage_percent: float = Field(default=_ALARM.free_storage_percent, gt=0, lt=100,
                                        description="Alarm below this share of allocated storage.")
    freeable_memory_mb: float = Field(default=_ALARM.freeable_memory_mb, gt=0)
    connections_percent: float = Field(default=_ALARM.connections_percent, gt=0, le=100,
                                       description="Of the instance class's max_connections estimate.")
    read_latency_ms: float = Field(default=_ALARM.read_latency_ms, gt=0)
    write_latency_ms: float = Field(default=_ALARM.write_latency_ms, gt=0)
    replica_lag_seconds: float = Field(default=_ALARM.replica_lag_seconds, gt=0)
    cache_memory_percent: float = Field(default=_ALARM.cache_memory_percent, gt=0, le=100)
    cache_evictions: float = Field(default=_ALARM.cache_evictions, ge=0)
    cache_connections: float = Field(default=_ALARM.cache_connections, gt=0)
    cache_replication_lag_seconds: float = Field(default=_ALARM.cache_replication_lag_seconds, gt=0)
    function_errors: float = Field(default=_ALARM.function_errors, ge=0)
    function_throttles: float = Field(default=_ALARM.function_throttles, ge=0)
    function_duration_percent: float = Field(default=_ALARM.function_duration_percent, gt=0, le=100)
    function_concurrency_percent: float = Field(default=_ALARM.function_concurrency_percent, gt=0, le=100)
    api_server_errors: float = Field(default=_ALARM.api_server_errors, ge=0)
    api_latency_p99_ms: float = Field(default=_ALARM.api_latency_p99_ms, gt=0)
    proxy_connections_percent: float = Field(default=_ALARM.proxy_connections_percent, gt=0, le=100)
    outbox_lag_seconds: float = Field(default=_ALARM.outbox_lag_seconds, gt=0)


class MonitoringConfig(_Section):
    alarm_emails: list[str] = Field(min_length=1)
    thresholds: AlarmThresholds = AlarmThresholds()

    @field_validator("alarm_emails")
    @classmethod
    def _emails(cls, v: list[str]) -> list[str]:
        bad = [e for e in v if not _EMAIL.match(e)]
        if bad:
            raise ValueError(f"not e-mail addresses: {bad}")
        return v


class FunctionConfig(_Section):
    memory_mb: int = Field(ge=128, le=10240, description="Memory (and CPU share), MiB.")
    timeout_seconds: int = Field(ge=1, le=900)
    reserved_concurrency: int = Field(ge=1, le=1000, description="Executions reserved for the function (and its "
                                                                 "cap).")


_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_ACM_ARN = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$")


class ServiceConfig(_Section):
    """The app on Lambda (components/service.py): functions, relay, API throttling, authentication, domain."""

    api: FunctionConfig
    migrations: FunctionConfig
    relay: FunctionConfig
    relay_run_seconds: int = Field(ge=10, le=890, description="One relay invocation listens this long.")
    relay_schedules: int = Field(ge=1, le=10, description="Relays started each minute (in parallel).")
    throttling_rate_limit: float = Field(gt=0, le=10000, description="Default route's requests per second.")
    throttling_burst_limit: int = Field(ge=1, le=5000)
    proxy_pool_percent: int = Field(ge=10, le=100, description="Share of the writer's max_connections the proxy "
                                                               "may open.")
    jwt_issuer: Optional[str] = Field(default=None, description="External OIDC issuer (https://...); unset: the "
                                                                "stack creates a Cognito user pool.")
    jwt_audience: list[str] = Field(default=[], description="Audiences accepted with jwtIssuer.")
    customer_claim: str = Field(default="custom:customer_id", pattern=r"^[A-Za-z0-9_:.-]{1,64}$")
    user_pool_deletion_protection: bool
    user_pool_threat_protection: bool = Field(
        default=True, description="Cognito Plus plan with threat protection ENFORCED (FSBP Cognito.1): leaked "
                                  "credentials and risky sign-ins are blocked or challenged.")
    domain_name: Optional[str] = Field(default=None, description="Custom domain of the API (TLS 1.2).")
    certificate_arn: Optional[str] = Field(default=None, description="ACM certificate of domainName.")
    log_retention_days: LogRetentionDays

    @model_validator(mode="after")
    def _shape(self) -> "ServiceConfig":
        if self.api.timeout_seconds >= 30:
            raise ValueError(f"api.timeoutSeconds is {self.api.timeout_seconds}; the HTTP API ends an integration "
                             "at 30 s: allowed 1..29")
        if not 10 <= self.relay_run_seconds <= self.relay.timeout_seconds - 10:
            raise ValueError(f"relayRunSeconds ({self.relay_run_seconds}) must be 10 .. relay.timeoutSeconds - 10 "
                             f"({self.relay.timeout_seconds - 10})")
        if self.relay.reserved_concurrency < 2 * self.relay_schedules:
            raise ValueError(f"relay.reservedConcurrency ({self.relay.reserved_concurrency}) must be >= 2 x "
                             f"relaySchedules ({2 * self.relay_schedules})")
        if self.jwt_issuer is not None and (not self.jwt_issuer.startswith("https://") or not self.jwt_audience):
            raise ValueError(f"jwtIssuer ({self.jwt_issuer!r}) must be an https:// URL and needs jwtAudience")
        if self.jwt_issuer is None and self.jwt_audience:
            raise ValueError("jwtAudience is set without jwtIssuer (the Cognito client's id is the audience)")
        if (self.domain_name is None) != (self.certificate_arn is None):
            raise ValueError("domainName and certificateArn are set together")
        if self.domain_name is not None and not _DOMAIN.match(self.domain_name):
            raise ValueError(f"domainName {self.domain_name!r} is not a lowercase DNS name")
        if self.certificate_arn is not None and not _ACM_ARN.match(self.certificate_arn):
            raise ValueError(f"certificateArn {self.certificate_arn!r} is not an ACM certificate ARN")
        return self


class BackupConfig(_Section):
    daily_retention_days: int = Field(ge=7, le=35)
    monthly_retention_days: int = Field(ge=90, le=3650)
    schedule_utc_hour: int = Field(ge=0, le=23, description="Hour the daily backup starts.")
    cross_region_copy: bool
    vault_lock: bool
    vault_lock_min_retention_days: int = Field(ge=1, le=36500)
    vault_lock_max_retention_days: int = Field(ge=1, le=36500)
    vault_lock_mode: Literal["governance", "compliance"] = Field(
        default="governance", description="compliance: immutable once changeableForDays have passed "
                                          "(docs/adr/0006); governance: removable by privileged IAM users.")
    vault_lock_changeable_for_days: int = Field(
        default=14, ge=3, le=36500, description="Compliance mode only: grace period (AWS minimum 3) during which "
                                                "the lock can still be changed or removed.")
    start_window_minutes: int = Field(default=60, ge=60, le=1440, description="A job must start within this.")
    completion_window_minutes: int = Field(default=720, ge=120, le=10080,
                                           description="A job must finish within this, from its scheduled start.")

    @model_validator(mode="after")
    def _windows(self) -> "BackupConfig":
        if self.completion_window_minutes < self.start_window_minutes + 60:
            raise ValueError(f"completionWindowMinutes ({self.completion_window_minutes}) must be at least 60 more "
                             f"than startWindowMinutes ({self.start_window_minutes}) (AWS Backup rule)")
        return self

    @model_validator(mode="after")
    def _lock(self) -> "BackupConfig":
        if self.vault_lock_min_retention_days > self.daily_retention_days:
            raise ValueError(f"vaultLockMinRetentionDays ({self.vault_lock_min_retention_days}) exceeds "
                             f"dailyRetentionDays ({self.daily_retention_days}): the vault lock would reject the plan")
        if self.vault_lock_max_retention_days < self.monthly_retention_days:
            raise ValueError(f"vaultLockMaxRetentionDays ({self.vault_lock_max_retention_days}) is below "
                             f"monthlyRetentionDays ({self.monthly_retention_days}): the vault lock would reject "
                             "the plan")
        return self


class StackConfig(_Section):
    stack: str
    environment: Literal[ENVIRONMENTS]  # type: ignore[valid-type]
    region: str
    secondary_region: str
    owner: str
    cost_center: str = Field(pattern=r"^[A-Za-z0-9-]{2,32}$")
    data_classification: Literal[DATA_CLASSIFICATIONS]  # type: ignore[valid-type]
    network: NetworkConfig
    kms: KmsConfig
    postgres: PostgresConfig
    redis: RedisConfig
    monitoring: MonitoringConfig
    backup: BackupConfig
    service: ServiceConfig
    atlas: Optional[AtlasConfig] = None

    @field_validator("region", "secondary_region")
    @classmethod
    def _region(cls, v: str) -> str:
        if v not in AWS_REGIONS:
            raise ValueError(f"must be one of {list(AWS_REGIONS)}")
        return v

    @field_validator("owner")
    @classmethod
    def _owner(cls, v: str) -> str:
        if not _EMAIL.match(v):
            raise ValueError("must be the owning team's e-mail address")
        return v

    @model_validator(mode="after")
    def _environment_rules(self) -> "StackConfig":
        if self.secondary_region == self.region:
            raise ValueError(f"secondaryRegion must differ from aws:region ({self.region})")
        if self.environment != "prod":
            return self
        r = rules.PROD
        checks = [
            (self.network.az_count >= r.min_az_count,
             f"network.azCount is {self.network.az_count}; prod needs >= {r.min_az_count}"),
            (self.postgres.multi_az or not r.multi_az, "postgres.multiAz is false; prod needs true"),
            (self.postgres.deletion_protection or not r.deletion_protection,
             "postgres.deletionProtection is false; prod needs true"),
            (self.postgres.read_replicas >= r.min_read_replicas,
             f"postgres.readReplicas is {self.postgres.read_replicas}; prod needs >= {r.min_read_replicas}"),
            (self.postgres.cross_region_backup_replication or not r.cross_region_pitr,
             "postgres.crossRegionBackupReplication is false; prod needs true"),
            (r.cache_min_shards is None or (self.redis.cluster_mode and self.redis.num_shards >= r.cache_min_shards),
             f"redis.clusterMode/numShards is {self.redis.cluster_mode}/{self.redis.num_shards}; "
             f"prod needs cluster mode with >= {r.cache_min_shards} shards"),
            (self.redis.replicas_per_shard >= r.cache_min_replicas_per_shard,
             f"redis.replicasPerShard is {self.redis.replicas_per_shard}; prod needs >= "
             f"{r.cache_min_replicas_per_shard}"),
            (self.backup.cross_region_copy or not r.backup_cross_region_copy,
             "backup.crossRegionCopy is false; prod needs true"),
            (self.backup.vault_lock or not r.backup_vault_lock, "backup.vaultLock is false; prod needs true"),
        ]
        broken = [msg for ok, msg in checks if not ok]
        if self.atlas is not None:
            broken += self.atlas.prod_problems()
        if broken:
            raise ValueError("prod rules: " + "; ".join(broken))
        return self

    @model_validator(mode="after")
    def _environment_floors(self) -> "StackConfig":
        """The retention floors of the stack's environment (platform_rules): what its policy check holds it to."""
        r = rules.rules_for(self.environment)
        floors = [
            ("postgres.backupRetentionDays", self.postgres.backup_retention_days, r.pitr_days),
            ("kms.deletionWindowDays", self.kms.deletion_window_days, r.key_deletion_window_days),
            ("redis.snapshotRetentionDays", self.redis.snapshot_retention_days, r.cache_snapshot_retention_days),
            ("postgres.logRetentionDays", self.postgres.log_retention_days, r.log_retention_days),
            ("redis.logRetentionDays", self.redis.log_retention_days, r.log_retention_days),
            ("network.flowLogRetentionDays", self.network.flow_log_retention_days, r.log_retention_days),
            ("service.logRetentionDays", self.service.log_retention_days, r.log_retention_days),
            ("backup.dailyRetentionDays", self.backup.daily_retention_days, r.backup_daily_retention_days),
            ("backup.monthlyRetentionDays", self.backup.monthly_retention_days, r.backup_long_term_days),
        ]
        broken = [f"{key} is {value}; {self.environment} needs >= {floor}" for key, value, floor in floors
                  if value < floor]
        if broken:
            raise ValueError(f"{self.environment} rules (platform_rules): " + "; ".join(broken))
        return self

    @model_validator(mode="after")
    def _backup_clear_of_rds_windows(self) -> "StackConfig":
        """AWS Backup does not start an RDS job within the hour before or during the instance's maintenance window
        (the job waits or expires unstarted), and a snapshot during RDS's own automated backup contends with it:
        keep the start window clear of both."""
        b, pg = self.backup, self.postgres
        start = f"{b.schedule_utc_hour:02d}:00-{(b.schedule_utc_hour * 60 + b.start_window_minutes) // 60 % 24:02d}:" \
                f"{(b.schedule_utc_hour * 60 + b.start_window_minutes) % 60:02d}"
        ours = _weekly_spans(start)
        if _overlaps(ours, _weekly_spans(pg.backup_window)) or \
                _overlaps(ours, _weekly_spans(pg.maintenance_window, lead_minutes=60)):
            raise ValueError(f"backup.scheduleUtcHour ({b.schedule_utc_hour}) with startWindowMinutes "
                             f"({b.start_window_minutes}) starts AWS Backup jobs ({start} UTC) inside "
                             f"postgres.backupWindow ({pg.backup_window}) or within the hour before/during "
                             f"postgres.maintenanceWindow ({pg.maintenance_window}); pick an hour clear of both")
        return self

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"

    @property
    def tags(self) -> dict[str, str]:
        """The tags every taggable resource carries (docs/adr/0002)."""
        return {
            "project": PROJECT,
            "environment": self.environment,
            "owner": self.owner,
            "cost-center": self.cost_center,
            "data-classification": self.data_classification,
            "managed-by": "pulumi",
            "stack": self.stack,
        }


def _deep_merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


# Defaults per environment. Explicit stack config wins, key by key (deep merge).
_COMMON: dict[str, Any] = {
    "dataClassification": "confidential",
    "network": {"vpcCidr": "10.40.0.0/16", "flowLogRetentionDays": 365},
    "postgres": {
        "engineVersion": POSTGRES_MAJOR, "databaseName": "ecomart", "backupWindow": "03:00-04:00",
        "maintenanceWindow": "sun:05:00-sun:06:00", "monitoringIntervalSeconds": 60,
    },
    "redis": {
        "engine": "valkey", "engineVersion": "8.0", "snapshotWindow": "02:00-03:00",
        "maintenanceWindow": "sun:06:30-sun:07:30",
    },
    "backup": {"scheduleUtcHour": 6,
               "vaultLockMinRetentionDays": 7, "vaultLockMaxRetentionDays": 400},
    "service": {"migrations": {"memoryMb": 512, "timeoutSeconds": 300, "reservedConcurrency": 1},
                "relay": {"memoryMb": 512, "timeoutSeconds": 75, "reservedConcurrency": 2},
                "relayRunSeconds": 55, "relaySchedules": 1, "proxyPoolPercent": 50},
    # Applied only to a stack that has an atlas section (see load); zones: Americas 2 shards + EU 1 (EEA pinned).
    "atlas": {
        "mongoDbMajorVersion": "8.0", "catalogDatabase": "catalog",
        "zones": [
            {"name": "Americas", "region": "US_EAST_1", "shards": 2, "backupCopyRegion": "US_WEST_2"},
            {"name": "EU", "region": "EU_WEST_1", "shards": 1, "backupCopyRegion": "EU_CENTRAL_1",
             "locations": ["EEA"]},
        ],
    },
}


def rule_defaults(r: rules.EnvironmentRules) -> dict[str, Any]:
    """The config defaults an environment's rules imply (platform_rules): retention, keys, resilience."""
    return {
        "network": {"azCount": r.min_az_count},
        "kms": {"deletionWindowDays": r.key_deletion_window_days},
        "postgres": {"multiAz": r.multi_az, "backupRetentionDays": r.pitr_days,
                     "deletionProtection": r.deletion_protection, "crossRegionBackupReplication": r.cross_region_pitr,
                     "logRetentionDays": r.log_retention_days},
        "redis": {"clusterMode": r.cache_min_shards is not None, "numShards": r.cache_min_shards or 1,
                  "replicasPerShard": r.cache_min_replicas_per_shard,
                  "snapshotRetentionDays": r.cache_snapshot_retention_days, "logRetentionDays": r.log_retention_days},
        "backup": {"dailyRetentionDays": r.backup_daily_retention_days,
                   "monthlyRetentionDays": r.backup_long_term_days, "crossRegionCopy": r.backup_cross_region_copy,
                   "vaultLock": r.backup_vault_lock},
        "service": {"logRetentionDays": r.log_retention_days, "userPoolDeletionProtection": r.deletion_protection},
    }


# Sizing per environment; rule_defaults() above fills in what the environment's rules decide.
_SIZING: dict[str, dict[str, Any]] = {
    "dev": {
        "postgres": {
            "instanceClass": "db.t4g.medium", "allocatedStorageGb": 20, "maxAllocatedStorageGb": 100,
            "readReplicas": 0, "performanceInsightsRetentionDays": 7,
        },
        "redis": {"nodeType": "cache.t4g.small"},
        "service": {"api": {"memoryMb": 1024, "timeoutSeconds": 29, "reservedConcurrency": 10},
                    "throttlingRateLimit": 20.0, "throttlingBurstLimit": 40},
        # M10: the smallest tier with customer-managed keys and continuous backup; a replica set (docs/adr/0007).
        "atlas": {
            "clusterType": "REPLICASET", "instanceSize": "M10", "diskSizeGb": 10, "terminationProtection": False,
            "autoScaling": {"computeEnabled": True, "computeScaleDownEnabled": True, "computeMinInstanceSize": "M10",
                            "computeMaxInstanceSize": "M20", "diskEnabled": True},
            "zones": [{"name": "Americas", "region": "US_EAST_1", "shards": 1}],
            "backup": {"restoreWindowDays": 7, "hourlyEveryHours": 6, "dailyRetentionDays": 7,
                       "weeklyRetentionWeeks": 4, "monthlyRetentionMonths": 3},
            "maintenanceWindow": {"dayOfWeek": "tue", "hourOfDay": 4},
        },
    },
    "prod": {
        "postgres": {
            "instanceClass": "db.r6g.large", "allocatedStorageGb": 100, "maxAllocatedStorageGb": 1000,
            "readReplicas": 2, "performanceInsightsRetentionDays": 731, "monitoringIntervalSeconds": 15,
        },
        "redis": {"nodeType": "cache.r7g.large"},
        "service": {"api": {"memoryMb": 1024, "timeoutSeconds": 29, "reservedConcurrency": 100},
                    "relay": {"memoryMb": 512, "timeoutSeconds": 75, "reservedConcurrency": 4},
                    "throttlingRateLimit": 200.0, "throttlingBurstLimit": 400},
        "backup": {"vaultLockMode": "compliance"},
        "atlas": {
            "clusterType": "GEOSHARDED", "instanceSize": "M30", "diskSizeGb": 100, "terminationProtection": True,
            "autoScaling": {"computeEnabled": True, "computeScaleDownEnabled": True, "computeMinInstanceSize": "M30",
                            "computeMaxInstanceSize": "M60", "diskEnabled": True},
            "backup": {"restoreWindowDays": 7, "hourlyEveryHours": 6, "dailyRetentionDays": 35,
                       "weeklyRetentionWeeks": 8, "monthlyRetentionMonths": 12},
            "maintenanceWindow": {"dayOfWeek": "sun", "hourOfDay": 8},
        },
    },
}
_SIZING["staging"] = _SIZING["dev"]
ENVIRONMENT_DEFAULTS: dict[str, dict[str, Any]] = {
    env: _deep_merge(rule_defaults(rules.rules_for(env)), _SIZING[env]) for env in ENVIRONMENTS}

TOP_LEVEL_KEYS = {to_camel(name) for name in StackConfig.model_fields} - {"stack", "region"}


def _decode(value: Any) -> Any:
    """Pulumi hands structured config over as JSON text; scalars stay strings."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _model_at(loc: tuple) -> Optional[type[BaseModel]]:
    model: Any = StackConfig
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = next((f for n, f in model.model_fields.items() if n == part or f.alias == part
                      or to_camel(n) == part), None)
        if field is None:
            return None
        ann = field.annotation
        candidates = [ann, *get_args(ann)]
        model = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if model is None:
            return None
    return model


def _format_error(err: dict) -> str:
    loc = tuple(err["loc"])
    path = ".".join(str(p) for p in loc if p != "stack") or "(stack)"
    key = f"{PROJECT}:{path}" if path.split(".")[0] in TOP_LEVEL_KEYS else path
    if path in ("region", "aws.region"):
        key = "aws:region"
    value = err.get("input")
    if err["type"] == "extra_forbidden":
        model = _model_at(loc)
        allowed = sorted(to_camel(n) for n in model.model_fields) if model else []
        if model is StackConfig:
            allowed = sorted(TOP_LEVEL_KEYS)
        return f"{key}: unknown key (value {value!r}); allowed keys here: {', '.join(allowed)}"
    if err["type"] == "missing":
        return f"{key}: required but not set"
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "literal_error":
        msg = msg.replace("Input should be", "must be one of:")
    if isinstance(value, dict):  # a rule across several keys of a section: the message names them and their values
        return f"{key}: {msg}"
    return f"{key}: bad value {value!r}: {msg}"


def load(stack: str, raw: dict[str, Any]) -> StackConfig:
    """Validate a stack's config bag (``namespace:key`` -> value) into a StackConfig, or raise ConfigError.

    ``raw`` is what Pulumi hands the program: project keys (``ecomart-data-platform:postgres``) with structured
    values as JSON text, plus provider keys (``aws:region``). Unknown project keys are errors (typos).
    """
    problems: list[str] = []
    values: dict[str, Any] = {}
    for full_key, value in raw.items():
        namespace, _, key = full_key.partition(":")
        if namespace != PROJECT:
            continue
        if key not in TOP_LEVEL_KEYS:
            problems.append(f"{full_key}: unknown key; allowed keys: {', '.join(sorted(TOP_LEVEL_KEYS))}")
            continue
        values[key] = _decode(value)
    region = raw.get("aws:region")
    if region is None:
        problems.append("aws:region: required but not set (the primary AWS region, e.g. 'us-east-1')")
    environment = values.get("environment")
    if environment not in ENVIRONMENTS:
        problems.append(f"{PROJECT}:environment: bad value {environment!r}: must be one of {list(ENVIRONMENTS)}")
    if problems:
        raise ConfigError(problems)

    merged = _deep_merge(_deep_merge(_COMMON, ENVIRONMENT_DEFAULTS[environment]), values)
    if "atlas" not in values:
        merged.pop("atlas", None)  # no atlas section: no Atlas (its defaults fill in a section, never create one)
    merged["stack"] = stack
    merged["region"] = region
    try:
        return StackConfig.model_validate(merged)
    except ValidationError as e:
        raise ConfigError([_format_error(err) for err in e.errors()]) from None


def raw_from_pulumi() -> dict[str, Any]:
    """The whole config bag of the running Pulumi program (engine or mocks)."""
    from pulumi.runtime import config as rc

    bag = dict(rc.get_config_env())
    bag.update(rc.CONFIG.get())
    return bag


def raw_from_yaml(path: str) -> dict[str, str]:
    """Read ``Pulumi.<stack>.yaml`` into the bag shape Pulumi hands a program (structured values as JSON)."""
    import yaml

    with open(path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    if not isinstance(doc, dict):
        raise ConfigError([f"{path}: not a Pulumi stack settings file (expected a mapping with 'config')"])
    cfg = doc.get("config") or {}
    return {key: bag_text(value)[0] for key, value in cfg.items()}


def bag_text(value: Any) -> tuple[str, bool]:
    """(text, is secret) of one stack-file value as the engine hands it to a program: structured values as JSON,
    booleans as true/false, a ``secure:`` value as a placeholder (its plaintext needs the stack's secrets
    provider)."""
    if isinstance(value, dict) and "secure" in value:
        return "[secret]", True
    if isinstance(value, (dict, list)):
        return json.dumps(value), False
    if isinstance(value, bool):
        return ("true" if value else "false"), False
    return str(value), False
