"""RDS for PostgreSQL: the system of record for orders, inventory and payments (docs/adr/0001).

Shape and why:
- No password exists anywhere: RDS generates and rotates the master password in Secrets Manager, encrypted with the
  relational CMK (``manage_master_user_password``); applications log in with IAM database authentication.
- TLS is forced in the parameter group (``rds.force_ssl``), slow statements, connections and lock waits are
  logged, ``pg_stat_statements`` is preloaded; the exported logs land in log groups this component creates first,
  KMS-encrypted and with retention (RDS would otherwise create them unencrypted and kept forever).
- Storage, Performance Insights and the master secret use the relational CMK; storage autoscales up to
  ``max_allocated_storage``.
- Point-in-time recovery comes from RDS automated backups (retention + window); in prod they are also replicated to
  the secondary region with that region's relational key. Daily/monthly snapshots kept longer are the backup
  component's job (AWS Backup), see docs/adr/0006-backup-strategy.md.
- Read replicas copy the writer's security settings; their alarms, like the writer's, come from the monitoring
  component, which reads ``instances``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws_values import daily_window, log_retention, overlaps, weekly_spans, weekly_window
from components.contract import Placement, arg, fail, require_together, settings
from components.inventory import MonitoredDb
from components.tagging import with_name
from platform_rules import (
    CURRENT_RDS_CA_CERTIFICATES,
    DEFAULT_RDS_CA_CERTIFICATE,
    POSTGRES_DEFAULT_MAJOR,
    POSTGRES_HARDENING,
    POSTGRES_PORT,
    POSTGRES_PRELOAD,
    POSTGRES_SUPPORTED_MAJORS,
)

ENGINE = "postgres"
DEFAULT_MAJOR = POSTGRES_DEFAULT_MAJOR
PORT = POSTGRES_PORT  # not the engine default (FSBP RDS.23): platform_rules
MASTER_USERNAME = "ecomart_admin"
LOG_EXPORTS = ("postgresql", "upgrade", "iam-db-auth-error")
ENHANCED_MONITORING_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"

# Sessions idle inside an open transaction hold locks and block vacuum: end them after 5 minutes.
IDLE_IN_TRANSACTION_TIMEOUT_MS = 300_000
# Temporary files above this size (kB) are logged: they reveal queries spilling work_mem to disk.
LOG_TEMP_FILES_KB = 10_240


def _pi_retention(days: int) -> str | None:
    ok = days == 7 or (days % 31 == 0 and 31 <= days <= 713) or days == 731
    return None if ok else "must be 7, a multiple of 31 up to 713, or 731 (Performance Insights retention)"


_pi_retention.means = "7, a multiple of 31 up to 713, or 731"  # type: ignore[attr-defined]


@settings
class PostgresSettings:
    """The stack config's ``postgres`` section."""

    instance_class: str = arg(
        "Writer instance class (db.<family>.<size>).",
        default="db.r6g.large",
        pattern=r"db\.[a-z0-9]+\.[a-z0-9]+",
        means="an RDS instance class (db.<family>.<size>)",
    )
    engine_version: str = arg(
        "PostgreSQL major version; RDS picks the newest minor and auto minor upgrades keep it current (docs/adr/0017).",
        default=POSTGRES_DEFAULT_MAJOR,
        one_of=POSTGRES_SUPPORTED_MAJORS,
    )
    database_name: str = arg(
        "Initial database.",
        default="ecomart",
        pattern=r"[a-z][a-z0-9_]{0,62}",
        means="a lowercase identifier: a-z first, then a-z 0-9 _ (at most 63)",
    )
    replica_instance_class: str | None = arg(
        "Read replicas' class; None: the writer's.",
        default=None,
        pattern=r"db\.[a-z0-9]+\.[a-z0-9]+",
        means="an RDS instance class (db.<family>.<size>)",
    )
    read_replicas: int = arg("Same-region read replicas (each gets its own alarms).", default=0, ge=0, le=5)
    multi_az: bool = arg("Synchronous standby in another AZ for the writer (failover in about a minute).", default=True)
    allocated_storage_gb: int = arg("Initial gp3 storage.", default=100, units="GB", ge=20, le=65536)
    max_allocated_storage_gb: int = arg(
        "Storage autoscaling ceiling (> allocated_storage_gb).", default=1000, units="GB", ge=20, le=65536
    )
    iops: int | None = arg(
        "gp3 provisioned IOPS (only with >= 400 GB); None: the gp3 baseline.", default=None, ge=3000, le=80000
    )
    backup_retention_days: int = arg("Automated backups (PITR) kept.", default=35, units="days", ge=1, le=35)
    backup_window: str = arg(
        "Daily automated-backup window, UTC (hh:mm-hh:mm).", default="03:00-04:00", check=daily_window
    )
    maintenance_window: str = arg(
        "Weekly maintenance window, UTC (ddd:hh:mm-ddd:hh:mm).", default="sun:05:00-sun:06:00", check=weekly_window
    )
    deletion_protection: bool = arg("Refuse API deletion of the writer and replicas.", default=True)
    final_snapshot: bool = arg(
        "Take a final snapshot and keep automated backups when the writer is deleted.", default=True
    )
    performance_insights_retention_days: int = arg(
        "Performance Insights retention (7, a multiple of 31 up to 713, or 731).",
        default=7,
        units="days",
        check=_pi_retention,
    )
    monitoring_interval_seconds: int = arg(
        "Enhanced monitoring granularity (enhanced monitoring is required).",
        default=60,
        units="seconds",
        one_of=(1, 5, 10, 15, 30, 60),
    )
    ca_cert_identifier: str = arg(
        "Server certificate authority clients verify against (a current RDS CA).",
        default=DEFAULT_RDS_CA_CERTIFICATE,
        one_of=CURRENT_RDS_CA_CERTIFICATES,
    )
    log_min_duration_statement_ms: int = arg(
        "Statements slower than this are logged.", default=500, units="ms", ge=0, le=60000
    )
    log_retention_days: int = arg(
        "CloudWatch retention of the exported PostgreSQL logs.", default=365, units="days", check=log_retention
    )
    cross_region_backup_replication: bool = arg(
        "Replicate automated backups (PITR) to the secondary region (PostgresLinks names it and its key).",
        default=False,
    )

    def rules(self) -> None:
        if self.max_allocated_storage_gb <= self.allocated_storage_gb:
            fail(
                self,
                f"max_allocated_storage_gb ({self.max_allocated_storage_gb}) must exceed "
                f"allocated_storage_gb ({self.allocated_storage_gb}) so storage can autoscale",
            )
        if self.iops is not None and self.allocated_storage_gb < 400:
            fail(
                self,
                f"iops ({self.iops}) can only be set with allocated_storage_gb >= 400 (it is "
                f"{self.allocated_storage_gb}; gp3 has a fixed baseline below 400 GB)",
            )
        if overlaps(weekly_spans(self.backup_window), weekly_spans(self.maintenance_window)):
            fail(
                self,
                f"backup_window ({self.backup_window}) overlaps maintenance_window "
                f"({self.maintenance_window}); RDS requires them apart",
            )

    @property
    def parameter_family(self) -> str:
        return f"{ENGINE}{self.engine_version}"


@dataclass
class PostgresLinks:
    subnet_ids: Sequence[pulumi.Input[str]] = arg("Private (data) subnets of an existing VPC, in >= 2 AZs.")
    security_group_id: pulumi.Input[str] = arg(
        "Security group of the instances (admit the PostgreSQL "
        "port, platform_rules.POSTGRES_PORT, from the app tier only)."
    )
    kms_key_arn: pulumi.Input[str] = arg(
        "Customer-managed key: storage, Performance Insights and the managed master secret."
    )
    logs_kms_key_arn: pulumi.Input[str] = arg("Customer-managed key of the log groups RDS exports into.")
    backup_replication_region: str | None = arg(
        "Where automated backups are replicated when the settings ask for it (the secondary region).", default=None
    )
    backup_replication_kms_key_arn: pulumi.Input[str] | None = arg(
        "The relational key in backup_replication_region.", default=None
    )

    def __post_init__(self) -> None:
        require_together(self, "backup_replication_region", "backup_replication_kms_key_arn")
        if len(self.subnet_ids) < 2:
            raise ValueError("PostgresLinks.subnet_ids: a DB subnet group needs subnets in at least 2 AZs")


def parameters(settings: PostgresSettings) -> list[aws.rds.ParameterGroupParameterArgs]:
    """The parameter group's settings. Static parameters must be applied at the next reboot (RDS rejects
    ``immediate`` for them); the others apply immediately."""

    def p(name: str, value: object, static: bool = False) -> aws.rds.ParameterGroupParameterArgs:
        return aws.rds.ParameterGroupParameterArgs(
            name=name, value=str(value), apply_method="pending-reboot" if static else "immediate"
        )

    return [
        p("rds.force_ssl", 1),
        p("shared_preload_libraries", ",".join(POSTGRES_PRELOAD), static=True),
        *(p(name, value) for name, value in POSTGRES_HARDENING.items()),
        p("log_min_duration_statement", settings.log_min_duration_statement_ms),
        p("log_connections", 1),
        p("log_disconnections", 1),
        p("log_lock_waits", 1),
        p("log_temp_files", LOG_TEMP_FILES_KB),
        p("idle_in_transaction_session_timeout", IDLE_IN_TRANSACTION_TIMEOUT_MS),
    ]


class Postgres(pulumi.ComponentResource):
    """The writer, its read replicas and what they need. ``instances`` feeds monitoring; ``writer.arn`` backup."""

    writer: aws.rds.Instance
    replicas: list[aws.rds.Instance]
    instances: list[MonitoredDb]

    writer_arn: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    address: pulumi.Output[str]
    port: pulumi.Output[int]
    reader_endpoints: pulumi.Output[list]
    master_secret_arn: pulumi.Output[str | None]

    def __init__(
        self,
        name: str,
        settings: PostgresSettings,
        links: PostgresLinks,
        place: Placement,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("ecomart:data:Postgres", name, None, opts)
        s = settings
        if s.cross_region_backup_replication and links.backup_replication_region is None:
            raise ValueError(
                "PostgresSettings.cross_region_backup_replication is true: PostgresLinks needs "
                "backup_replication_region and backup_replication_kms_key_arn"
            )
        child = pulumi.ResourceOptions(parent=self)
        self._settings, self._links, self._place = settings, links, place
        self._name = name

        self.subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets",
            aws.rds.SubnetGroupArgs(
                name=f"{place.prefix}-postgres",
                description="EcoMart PostgreSQL: data subnets",
                subnet_ids=list(links.subnet_ids),
                tags=with_name(place.tags, f"{place.prefix}-postgres"),
            ),
            opts=child,
        )
        self.parameter_group = aws.rds.ParameterGroup(
            f"{name}-params",
            aws.rds.ParameterGroupArgs(
                # The family is in the name: a major upgrade creates a new group instead of clashing with this one.
                name=f"{place.prefix}-{s.parameter_family}",
                family=s.parameter_family,
                description=f"EcoMart PostgreSQL {s.engine_version}: TLS only, pg_stat_statements, slow "
                "query/connection logging",
                parameters=parameters(s),
                tags=with_name(place.tags, f"{place.prefix}-{s.parameter_family}"),
            ),
            opts=child,
        )
        self.monitoring_role = self._monitoring_role(name, place)

        writer_id = f"{place.prefix}-pg"
        self.writer = aws.rds.Instance(
            f"{name}-writer",
            aws.rds.InstanceArgs(
                identifier=writer_id,
                engine=ENGINE,
                engine_version=s.engine_version,
                instance_class=s.instance_class,
                db_name=s.database_name,
                username=MASTER_USERNAME,
                manage_master_user_password=True,
                master_user_secret_kms_key_id=links.kms_key_arn,
                allocated_storage=s.allocated_storage_gb,
                multi_az=s.multi_az,
                backup_retention_period=s.backup_retention_days,
                backup_window=s.backup_window,
                # Keep the automated backups (PITR) after a deletion in prod: the final snapshot is not enough
                # to restore to a point in time.
                delete_automated_backups=not s.final_snapshot,
                skip_final_snapshot=not s.final_snapshot,
                final_snapshot_identifier=f"{writer_id}-final" if s.final_snapshot else None,
                **self._shared(writer_id),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=self._before_instance(name, writer_id)),
        )

        self.replicas = []
        replica_class = s.replica_instance_class or s.instance_class
        for i in range(1, s.read_replicas + 1):
            ident = f"{place.prefix}-pg-replica-{i}"
            self.replicas.append(
                aws.rds.Instance(
                    f"{name}-replica-{i}",
                    aws.rds.InstanceArgs(
                        identifier=ident,
                        # With db_subnet_group_name given, a same-region replica must name its source by ARN.
                        replicate_source_db=self.writer.arn,
                        instance_class=replica_class,
                        multi_az=False,
                        # A replica is rebuilt from the writer, never restored: no backups, no final snapshot.
                        skip_final_snapshot=True,
                        **self._shared(ident),
                    ),
                    opts=pulumi.ResourceOptions(
                        parent=self, depends_on=self._before_instance(f"{name}-replica-{i}", ident)
                    ),
                )
            )

        self.backup_replication: aws.rds.InstanceAutomatedBackupsReplication | None = None
        if s.cross_region_backup_replication:
            self.backup_replication = aws.rds.InstanceAutomatedBackupsReplication(
                f"{name}-backups-replication",
                aws.rds.InstanceAutomatedBackupsReplicationArgs(
                    source_db_instance_arn=self.writer.arn,
                    kms_key_id=links.backup_replication_kms_key_arn,
                    retention_period=s.backup_retention_days,
                    region=links.backup_replication_region,
                ),
                opts=child,
            )

        self.instances = [
            MonitoredDb(
                label="postgres-writer",
                identifier=self.writer.identifier,
                role="writer",
                instance_class=s.instance_class,
                allocated_storage_gb=s.allocated_storage_gb,
            )
        ]
        self.instances += [
            MonitoredDb(
                label=f"postgres-replica-{i}",
                identifier=r.identifier,
                role="replica",
                instance_class=replica_class,
                allocated_storage_gb=s.allocated_storage_gb,
            )
            for i, r in enumerate(self.replicas, start=1)
        ]
        self.parameter_group_names = [self.parameter_group.name]
        self.writer_arn = self.writer.arn
        self.endpoint = self.writer.endpoint
        self.address = self.writer.address
        self.port = self.writer.port
        self.reader_endpoints = pulumi.Output.all(*[r.endpoint for r in self.replicas])
        self.master_secret_arn = self.writer.master_user_secrets.apply(
            lambda secrets: secrets[0].secret_arn if secrets else None
        )
        self.register_outputs(
            {
                "writerArn": self.writer_arn,
                "endpoint": self.endpoint,
                "address": self.address,
                "port": self.port,
                "readerEndpoints": self.reader_endpoints,
                "masterSecretArn": self.master_secret_arn,
                "replicaArns": [r.arn for r in self.replicas],
            }
        )

    def stack_outputs(self) -> dict[str, pulumi.Input]:
        """The stack outputs (camelCase) this component contributes."""
        return {
            "postgresWriterEndpoint": self.endpoint,
            "postgresWriterAddress": self.address,
            "postgresPort": self.port,
            "postgresReaderEndpoints": self.reader_endpoints,
            "postgresMasterSecretArn": self.master_secret_arn,
            "postgresWriterArn": self.writer_arn,
            "postgresWriterIdentifier": self.writer.identifier,
            "postgresReplicaIdentifiers": pulumi.Output.all(*[r.identifier for r in self.replicas]),
            "postgresDatabaseName": self._settings.database_name,
        }

    def _shared(self, identifier: str) -> dict:
        """Settings every instance (writer and replicas) carries: security, storage, observability."""
        s, links, place = self._settings, self._links, self._place
        return dict(
            db_subnet_group_name=self.subnet_group.name,
            parameter_group_name=self.parameter_group.name,
            vpc_security_group_ids=[links.security_group_id],
            publicly_accessible=False,
            port=PORT,
            network_type="IPV4",
            storage_type="gp3",
            iops=s.iops,
            max_allocated_storage=s.max_allocated_storage_gb,
            storage_encrypted=True,
            kms_key_id=links.kms_key_arn,
            iam_database_authentication_enabled=True,
            ca_cert_identifier=s.ca_cert_identifier,
            auto_minor_version_upgrade=True,
            maintenance_window=s.maintenance_window,
            copy_tags_to_snapshot=True,
            deletion_protection=s.deletion_protection,
            performance_insights_enabled=True,
            performance_insights_kms_key_id=links.kms_key_arn,
            performance_insights_retention_period=s.performance_insights_retention_days,
            monitoring_interval=s.monitoring_interval_seconds,
            monitoring_role_arn=self.monitoring_role.arn,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            tags=with_name(place.tags, identifier),
        )

    def _before_instance(self, name: str, identifier: str) -> list[pulumi.Resource]:
        """The log groups RDS exports into (encrypted, with retention) and the monitoring policy attachment."""
        s, links, place = self._settings, self._links, self._place
        groups: list[pulumi.Resource] = [self._monitoring_attachment]
        for log in LOG_EXPORTS:
            groups.append(
                aws.cloudwatch.LogGroup(
                    f"{name}-log-{log}",
                    aws.cloudwatch.LogGroupArgs(
                        name=f"/aws/rds/instance/{identifier}/{log}",
                        retention_in_days=s.log_retention_days,
                        kms_key_id=links.logs_kms_key_arn,
                        tags=with_name(place.tags, f"{identifier}-{log}"),
                    ),
                    opts=pulumi.ResourceOptions(parent=self),
                )
            )
        return groups

    def _monitoring_role(self, name: str, place: Placement) -> aws.iam.Role:
        """Enhanced monitoring's role, assumable only by RDS acting for this account (confused-deputy guard)."""
        account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        role = aws.iam.Role(
            f"{name}-monitoring-role",
            aws.iam.RoleArgs(
                name=f"{place.prefix}-rds-monitoring",
                description="RDS enhanced monitoring publishes OS metrics for EcoMart PostgreSQL",
                assume_role_policy=account_id.apply(
                    lambda acct: json.dumps(
                        {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Principal": {"Service": "monitoring.rds.amazonaws.com"},
                                    "Action": "sts:AssumeRole",
                                    "Condition": {"StringEquals": {"aws:SourceAccount": acct}},
                                }
                            ],
                        }
                    )
                ),
                tags=with_name(place.tags, f"{place.prefix}-rds-monitoring"),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self._monitoring_attachment = aws.iam.RolePolicyAttachment(
            f"{name}-monitoring-policy",
            aws.iam.RolePolicyAttachmentArgs(role=role.name, policy_arn=ENHANCED_MONITORING_POLICY),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return role
