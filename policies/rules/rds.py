"""RDS instances and clusters, parameter groups, RDS Proxy and cross-region automated-backup replication.

Beyond checkov and Pulumi's compliance-ready policies: Multi-AZ for *instances*, the default parameter group (which
cannot carry ``rds.force_ssl``/logging settings) is refused, and parameter groups are read for TLS and logging.
Read replicas inherit backups, encryption keys and final-snapshot behaviour from their source, so the policies that
only make sense for a writer skip instances with ``replicateSourceDb`` set.
"""

from __future__ import annotations

import re

from platform_rules import (
    CURRENT_RDS_CA_CERTIFICATES,
    DEV,
    POSTGRES_HARDENING,
    POSTGRES_PRELOAD,
    POSTGRES_SUPPORTED_MAJORS,
    PROD,
    SUPPORT_CALENDAR_READ,
    oldest_supported_major,
    policy_defaults,
)
from policies.engine.core import (
    Report,
    Res,
    SRes,
    Stack,
    StackReport,
    absent,
    identity,
    is_false,
    is_set,
    is_true,
    known,
    not_true,
    num,
    resource_policy,
    show,
    stack_policy,
)
from policies.engine.facts import NO_SECRET
from policies.engine.meta import (
    CCPA_BREACH,
    CCPA_SEC,
    GDPR_BREACH,
    GDPR_CIA,
    GDPR_ENC,
    GDPR_MIN,
    GDPR_RECORDS,
    GDPR_RESTORE,
    GDPR_TEST,
)
from policies.engine.relations import is_replica, log_group_problems, replica_in_source_region, writers  # noqa: F401 (resource policies use them)
from policies.engine.tokens import (
    LOG_GROUP,
    RDS_BACKUP_REPLICATION,
    RDS_CLUSTER,
    RDS_CLUSTER_INSTANCE,
    RDS_CLUSTER_SNAPSHOT,
    RDS_EVENT_SUBSCRIPTION,
    RDS_INSTANCE,
    RDS_PARAMETER_GROUP,
    RDS_PROXY,
    RDS_PROXY_ENDPOINT,
    RDS_SNAPSHOT,
    RDS_SNAPSHOT_COPY,
)

CURRENT_CA_CERTIFICATES = CURRENT_RDS_CA_CERTIFICATES


@resource_policy(
    "rds-storage-encrypted",
    types=(RDS_INSTANCE, RDS_CLUSTER),
    severity="critical",
    category="security",
    controls=(GDPR_ENC, "pci-3-5-1", "cis-2-3-1", CCPA_BREACH, "fsbp-rds-3", "fsbp-rds-27"),
    description="RDS instances and clusters encrypt storage (and so their snapshots and backups) at rest.",
    why="Orders and payment records are personal and cardholder data: a leaked snapshot or volume must be unreadable.",
    remediation="Set `storage_encrypted=True` on `aws.rds.Instance` / `aws.rds.Cluster` (encryption cannot be "
    "added to an existing instance: restore from an encrypted snapshot copy).",
    checks=("storageEncrypted",),
)
def rds_storage_encrypted(r: Res, report: Report) -> None:
    encrypted = r.get("storageEncrypted")
    if is_replica(r):
        # A replica of an encrypted source is encrypted whether or not it says so; refusing it explicitly is not.
        if is_false(encrypted):
            report("storageEncrypted is false on a read replica: its storage would be unencrypted")
        return
    if not_true(encrypted):
        report(f"storageEncrypted is {show(encrypted)}: storage, snapshots and backups would be unencrypted")


@resource_policy(
    "rds-storage-cmk",
    house_rule=True,
    types=(RDS_INSTANCE, RDS_CLUSTER),
    severity="high",
    category="security",
    controls=(GDPR_ENC, "pci-3-6-1"),
    description="RDS instances and clusters encrypt storage with a customer-managed KMS key, not aws/rds.",
    why="A key we control lets us revoke access to a data domain by disabling its key and audit every use of it "
    "per domain; the AWS-managed key can do neither. FSBP RDS.3 asks only for encryption: this is the house rule.",
    remediation='Set `kms_key_id=<relational CMK ARN>` (the stack passes `kms.keys.require("relational").arn` to '
    "`PostgresArgs.kms_key_arn`).",
    checks=("kmsKeyId",),
)
def rds_storage_cmk(r: Res, report: Report) -> None:
    if is_replica(r):
        return  # a replica's key is its own region's choice (cross-region replicas name one; same-region inherit)
    if absent(r.get("kmsKeyId")):
        report(
            "kmsKeyId is not set: storage would use the AWS-managed key aws/rds, which cannot be revoked or "
            "audited per data domain"
        )


@resource_policy(
    "rds-not-publicly-accessible",
    defaults={"publiclyAccessible": False},
    types=(RDS_INSTANCE, RDS_CLUSTER),
    severity="critical",
    category="security",
    controls=("pci-1-4-4", "cis-2-3-3", GDPR_CIA, CCPA_SEC, "fsbp-rds-2"),
    description="RDS instances and clusters are never publicly accessible.",
    why="A public endpoint puts the database one leaked credential away from the internet.",
    remediation="Set `publicly_accessible=False` and place the instance in the data subnets' DB subnet group.",
    checks=("publiclyAccessible",),
)
def rds_not_publicly_accessible(r: Res, report: Report) -> None:
    if is_true(r.get("publiclyAccessible")):
        report("publiclyAccessible is true: the database gets a public DNS name and address")


@resource_policy(
    "rds-iam-authentication",
    types=(RDS_INSTANCE, RDS_CLUSTER),
    severity="high",
    category="security",
    controls=("pci-8-3-1", "pci-8-6-2", GDPR_CIA, CCPA_SEC, "fsbp-rds-10", "fsbp-rds-12"),
    description="RDS instances and clusters accept IAM database authentication.",
    why="With IAM authentication applications log in with short-lived tokens tied to their role, so no "
    "long-lived database password is shipped to them.",
    remediation="Set `iam_database_authentication_enabled=True`.",
    checks=("iamDatabaseAuthenticationEnabled",),
)
def rds_iam_authentication(r: Res, report: Report) -> None:
    value = r.get("iamDatabaseAuthenticationEnabled")
    if not_true(value):
        report(f"iamDatabaseAuthenticationEnabled is {show(value)}: applications would need a static password")


@resource_policy(
    "rds-managed-master-password",
    unset={"password": NO_SECRET, "masterPassword": NO_SECRET},
    secret_is_set=(
        "masterPassword",
        "password",
    ),
    types=(RDS_INSTANCE, RDS_CLUSTER),
    severity="critical",
    category="security",
    controls=("pci-8-6-2", "pci-8-3-2", GDPR_CIA, CCPA_SEC),
    description="The master password is generated and rotated by RDS in Secrets Manager; no password is set in "
    "code, config or state.",
    why="A password passed to Pulumi lives in the program, the config or at best the encrypted state, and is never "
    "rotated; `manage_master_user_password` keeps it only in Secrets Manager.",
    remediation="Remove `password`/`master_password` (and their write-only variants) and set "
    "`manage_master_user_password=True` on the writer.",
    checks={
        RDS_INSTANCE: ("manageMasterUserPassword", "password"),
        RDS_CLUSTER: ("manageMasterUserPassword", "masterPassword"),
    },
)
def rds_managed_master_password(r: Res, report: Report) -> None:
    for prop in ("password", "passwordWo") if r.type == RDS_INSTANCE else ("masterPassword", "masterPasswordWo"):
        if is_set(r.get(prop)):  # a secret password is still a password
            report(f"{prop} is set: the master password would be managed outside Secrets Manager and never rotated")
    if is_replica(r) or not absent(r.get("snapshotIdentifier")):
        return  # replicas and restores take their credentials from the source
    managed = r.get("manageMasterUserPassword")
    if not_true(managed):
        report(f"manageMasterUserPassword is {show(managed)}: RDS would not generate and rotate the master password")


@resource_policy(
    "rds-master-secret-cmk",
    types=(RDS_INSTANCE, RDS_CLUSTER),
    severity="medium",
    category="security",
    controls=("pci-3-6-1", GDPR_ENC),
    description="The RDS-managed master secret is encrypted with a customer-managed key.",
    why="The master secret grants full control of the database; encrypting it with the data domain's CMK means "
    "the same key policy governs the data and the credential to it.",
    remediation="Set `master_user_secret_kms_key_id=<relational CMK ARN>` next to `manage_master_user_password`.",
    checks=("masterUserSecretKmsKeyId",),
)
def rds_master_secret_cmk(r: Res, report: Report) -> None:
    if is_true(r.get("manageMasterUserPassword")) and absent(r.get("masterUserSecretKmsKeyId")):
        report("masterUserSecretKmsKeyId is not set: the master secret would use the AWS-managed key")


@resource_policy(
    "rds-multi-az",
    types=(RDS_INSTANCE,),
    severity="high",
    category="cost",
    controls=(GDPR_CIA, GDPR_RESTORE, "pci-12-10-1", "fsbp-rds-5"),
    description="Every RDS writer instance runs Multi-AZ (a synchronous standby in another Availability Zone).",
    why="Without a standby an AZ outage or an instance failure stops order taking until a restore completes; "
    "Multi-AZ fails over in about a minute with no data loss.",
    remediation="Set `multi_az=True` on the writer (stack config `postgres.multiAz`). Dev runs this as advisory "
    "to save the standby's cost.",
    checks=("multiAz",),
)
def rds_multi_az(r: Res, report: Report) -> None:
    if is_replica(r):
        return
    value = r.get("multiAz")
    if not_true(value):
        report(f"multiAz is {show(value)}: an AZ or instance failure takes the database down until restored")


@resource_policy(
    "rds-backup-retention",
    types=(RDS_INSTANCE, RDS_CLUSTER),
    severity="high",
    category="resilience",
    controls=(GDPR_RESTORE, "pci-12-10-1", "fsbp-rds-11", "cis-pg-backups"),
    description="Automated backups (point-in-time recovery) are kept at least `minimumDays` days "
    f"(prod {PROD.pitr_days}, dev {DEV.pitr_days}).",
    why="PITR is how a bad migration or a deleted order is undone; a short window loses the ability to recover "
    "from problems noticed late.",
    remediation="Set `backup_retention_period` to at least the configured minimum (stack config "
    "`postgres.backupRetentionDays`).",
    checks=("backupRetentionPeriod",),
    config=policy_defaults("rds-backup-retention"),
    config_descriptions={
        "minimumDays": "Shortest allowed automated backup retention, in days.",
        "checkReadReplicas": "Read replicas are held to it too (AWS Config's db-instance-backup-enabled parameter of "
        "the same name; a replica is created with backups off; this platform rebuilds replicas from the writer).",
    },
)
def rds_backup_retention(r: Res, report: Report) -> None:
    raw = r.get("backupRetentionPeriod")
    if is_replica(r):
        if not r.setting("checkReadReplicas"):
            return
        if absent(raw):
            raw = 0  # a read replica is created with automated backups off
    if not known(raw):
        return
    minimum = r.setting("minimumDays")
    days = num(raw)
    if days is None or days < minimum:
        report(f"backupRetentionPeriod is {show(raw)}: at least {minimum} days of point-in-time recovery required")


# Engine default ports (what FSBP RDS.23 calls the engine's default), by engine name prefix.
ENGINE_DEFAULT_PORTS = (
    ("aurora-postgresql", 5432),
    ("postgres", 5432),
    ("aurora-mysql", 3306),
    ("aurora", 3306),
    ("mysql", 3306),
    ("mariadb", 3306),
    ("sqlserver", 1433),
    ("oracle", 1521),
    ("db2", 50000),
)


@resource_policy(
    "rds-non-default-port",
    types=(RDS_INSTANCE, RDS_CLUSTER),
    severity="low",
    category="security",
    controls=(GDPR_CIA, "fsbp-rds-23"),
    description="RDS instances and clusters listen on a port other than their engine's default (5432 for "
    "PostgreSQL, 3306 for MySQL...). A read replica without `port` inherits its source's.",
    why="Scanners and credential-stuffing tools try the default ports first; a known port also makes a "
    "mistakenly opened security group easier to exploit. (RDS Proxy keeps its fixed port: clients of the "
    "proxy are unaffected.)",
    remediation="Set `port` (platform_rules.POSTGRES_PORT for this platform's PostgreSQL) and admit that port in "
    "the security groups.",
    checks=("port",),
)
def rds_non_default_port(r: Res, report: Report) -> None:
    port, engine = r.get("port"), r.get("engine")
    if not known(port) or not known(engine) or not isinstance(engine, str):
        return
    if port is None and is_replica(r):
        return  # inherits its source's port
    default = next((p for prefix, p in ENGINE_DEFAULT_PORTS if engine.startswith(prefix)), None)
    if default is None:
        return
    value = num(port)
    if value is None or value == default:
        report(f"port is {show(port)}: {engine}'s default {default} (set another port)")


@resource_policy(
    "rds-deletion-protection",
    types=(RDS_INSTANCE, RDS_CLUSTER),
    severity="high",
    category="lifecycle",
    controls=(GDPR_CIA, GDPR_RESTORE, "fsbp-rds-7", "fsbp-rds-8"),
    description="RDS writers and clusters have deletion protection on.",
    why="A mistaken `pulumi destroy` or a replacement diff must not be able to drop the system of record.",
    remediation="Set `deletion_protection=True` (stack config `postgres.deletionProtection`). Dev runs this as "
    "advisory so the environment can be torn down.",
    checks=("deletionProtection",),
)
def rds_deletion_protection(r: Res, report: Report) -> None:
    if is_replica(r):
        return
    value = r.get("deletionProtection")
    if not_true(value):
        report(f"deletionProtection is {show(value)}: the database can be deleted by one API call")


@resource_policy(
    "rds-final-snapshot",
    defaults={"skipFinalSnapshot": False},
    types=(RDS_INSTANCE, RDS_CLUSTER),
    severity="medium",
    category="lifecycle",
    controls=(GDPR_RESTORE, "pci-12-10-1"),
    description="Deleting an RDS writer or cluster takes a final snapshot.",
    why="Automated backups can be deleted with the instance; the final snapshot is the last copy of the data.",
    remediation='Set `skip_final_snapshot=False` and `final_snapshot_identifier="<identifier>-final"`. Dev runs '
    "this as advisory.",
    checks=("skipFinalSnapshot", "finalSnapshotIdentifier"),
)
def rds_final_snapshot(r: Res, report: Report) -> None:
    if is_replica(r):
        return
    if is_true(r.get("skipFinalSnapshot")):
        report("skipFinalSnapshot is true: deleting the database keeps no final copy")
    elif absent(r.get("finalSnapshotIdentifier")):
        report("finalSnapshotIdentifier is not set: the deletion would fail or keep no final copy")


@resource_policy(
    "rds-retain-automated-backups",
    types=(RDS_INSTANCE,),
    severity="medium",
    category="lifecycle",
    controls=(GDPR_RESTORE, "pci-12-10-1"),
    description="Deleting an RDS writer keeps its automated backups (`delete_automated_backups=False`).",
    why="The provider's default deletes every automated backup with the instance: the point-in-time history of the "
    "last retention period is gone with it, and a final snapshot restores only the moment of deletion "
    "(https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.Retaining.html). "
    "Dev runs this as advisory.",
    remediation="Set `delete_automated_backups=False` on `aws.rds.Instance` (the postgres component does when "
    "`postgres.finalSnapshot` is on).",
    checks=("deleteAutomatedBackups",),
)
def rds_retain_automated_backups(r: Res, report: Report) -> None:
    if is_replica(r):
        return  # a replica has no automated backups of its own to keep
    value = r.get("deleteAutomatedBackups")
    if known(value) and not is_false(value):
        report(f"deleteAutomatedBackups is {show(value)}: deleting the instance deletes its point-in-time history")


@resource_policy(
    "rds-performance-insights-encrypted",
    types=(RDS_INSTANCE,),
    severity="medium",
    category="security",
    controls=(GDPR_ENC, GDPR_TEST),
    description="Performance Insights is on and encrypted with a customer-managed key.",
    why="Performance Insights keeps SQL text, which contains customer data in literals; it must be encrypted with "
    "the data's own key. Having it on is how slow queries are found before they become outages.",
    remediation="Set `performance_insights_enabled=True` and `performance_insights_kms_key_id=<relational CMK>`.",
    checks=("performanceInsightsEnabled", "performanceInsightsKmsKeyId"),
)
def rds_performance_insights_encrypted(r: Res, report: Report) -> None:
    enabled = r.get("performanceInsightsEnabled")
    if not_true(enabled):
        report(f"performanceInsightsEnabled is {show(enabled)}: no query-level performance history")
        return
    if absent(r.get("performanceInsightsKmsKeyId")):
        report("performanceInsightsKmsKeyId is not set: SQL text would be encrypted with the AWS-managed key")


@resource_policy(
    "rds-enhanced-monitoring",
    types=(RDS_INSTANCE,),
    severity="low",
    category="resilience",
    controls=(GDPR_TEST, "fsbp-rds-6"),
    description="Enhanced monitoring publishes OS metrics (interval > 0) through its IAM role.",
    why="CloudWatch's hypervisor metrics hide memory pressure and process-level CPU; diagnosing an incident "
    "needs the OS view.",
    remediation="Set `monitoring_interval` (1-60 s) and `monitoring_role_arn` to a role trusted by "
    "monitoring.rds.amazonaws.com.",
    checks=("monitoringInterval", "monitoringRoleArn"),
)
def rds_enhanced_monitoring(r: Res, report: Report) -> None:
    interval = r.get("monitoringInterval")
    if known(interval) and (num(interval) or 0) <= 0:
        report(f"monitoringInterval is {show(interval)}: enhanced monitoring is off")
    elif absent(r.get("monitoringRoleArn")):
        report("monitoringRoleArn is not set: enhanced monitoring cannot publish")


_REQUIRED_LOG_EXPORTS = {
    "postgres": {"postgresql"},
    "aurora-postgresql": {"postgresql"},
    "mysql": {"audit", "error"},
    "mariadb": {"audit", "error"},
    "aurora-mysql": {"audit", "error"},
}


@resource_policy(
    "rds-log-exports",
    types=(RDS_INSTANCE, RDS_CLUSTER),
    severity="high",
    category="security",
    controls=("pci-10-2-1", GDPR_BREACH, CCPA_SEC, "fsbp-rds-9", "fsbp-rds-36", "fsbp-rds-37"),
    description="Database logs (PostgreSQL log incl. connections; MySQL audit/error) are exported to CloudWatch Logs.",
    why="Connection and statement logs are the audit trail an investigation needs; kept on the instance they "
    "rotate away within days and die with it.",
    remediation='Set `enabled_cloudwatch_logs_exports=["postgresql", "upgrade", "iam-db-auth-error"]` (or '
    "the engine's audit/error logs).",
    checks=("enabledCloudwatchLogsExports",),
)
def rds_log_exports(r: Res, report: Report) -> None:
    exports = r.get("enabledCloudwatchLogsExports")
    if not known(exports) or (isinstance(exports, list) and any(not known(e) for e in exports)):
        return
    exported = set(exports or [])
    engine = r.get("engine")
    required = _REQUIRED_LOG_EXPORTS.get(engine, set()) if isinstance(engine, str) else set()
    if not exported:
        report("enabledCloudwatchLogsExports is empty: no database log leaves the instance")
    elif required - exported:
        report(f"enabledCloudwatchLogsExports lacks {sorted(required - exported)} for engine {engine}")


@resource_policy(
    "rds-auto-minor-version-upgrade",
    defaults={"autoMinorVersionUpgrade": True},
    types=(RDS_INSTANCE, RDS_CLUSTER),
    severity="medium",
    category="security",
    controls=("pci-6-3-3", "cis-2-3-2", "fsbp-rds-13", "fsbp-rds-35", "cis-pg-1-patches"),
    description="Minor engine versions (security patches) are applied automatically in the maintenance window.",
    why="PostgreSQL minor releases fix CVEs; manual patching lags behind.",
    remediation="Leave `auto_minor_version_upgrade` at its default or set it to `True`.",
    checks=("autoMinorVersionUpgrade",),
)
def rds_auto_minor_version_upgrade(r: Res, report: Report) -> None:
    if is_false(r.get("autoMinorVersionUpgrade")):
        report("autoMinorVersionUpgrade is false: security patches wait for a manual upgrade")


@resource_policy(
    "rds-copy-tags-to-snapshot",
    types=(RDS_INSTANCE, RDS_CLUSTER),
    severity="low",
    category="governance",
    controls=(GDPR_RECORDS, "pci-12-5-1", "fsbp-rds-16", "fsbp-rds-17", "fsbp-rds-47"),
    description="Snapshots inherit the instance's tags (owner, data-classification).",
    why="A snapshot holds the same personal data as its instance; without the tags it drops out of the inventory "
    "and its classification is lost.",
    remediation="Set `copy_tags_to_snapshot=True`.",
    checks=("copyTagsToSnapshot",),
)
def rds_copy_tags_to_snapshot(r: Res, report: Report) -> None:
    if is_replica(r):
        return
    value = r.get("copyTagsToSnapshot")
    if not_true(value):
        report(f"copyTagsToSnapshot is {show(value)}: snapshots would carry no data-classification tag")


@resource_policy(
    "rds-custom-parameter-group",
    types=(RDS_INSTANCE,),
    severity="high",
    category="security",
    controls=("pci-2-2-1", "pci-4-2-1", "pci-10-2-1"),
    description="RDS instances use a parameter group of their own, never `default.*`.",
    why="A default parameter group cannot be modified: TLS enforcement (`rds.force_ssl`) and connection/statement "
    "logging cannot be configured on it. checkov passes an instance on the default group; this does not.",
    remediation="Create an `aws.rds.ParameterGroup` for the engine family and set `parameter_group_name` to it.",
    checks=("parameterGroupName",),
)
def rds_custom_parameter_group(r: Res, report: Report) -> None:
    name = r.get("parameterGroupName")
    if not known(name):
        return
    if absent(name) and replica_in_source_region(r):
        return  # a same-region read replica without one uses its source's parameter group
    if absent(name):
        report("parameterGroupName is not set: the instance gets the engine's default parameter group")
    elif isinstance(name, str) and name.startswith("default."):
        report(f"parameterGroupName is {show(name)}: a default group cannot enforce TLS or logging")


@resource_policy(
    "rds-ca-certificate-current",
    unset={"caCertIdentifier": "unset: RDS assigns its current default CA"},
    types=(RDS_INSTANCE,),
    severity="medium",
    category="security",
    controls=("pci-4-2-1",),
    description="Instances use a current RDS certificate authority (rds-ca-rsa2048-g1, rds-ca-rsa4096-g1 or "
    "rds-ca-ecc384-g1).",
    why="Clients verify the server against this CA; an expired CA (rds-ca-2019) forces clients to stop verifying "
    "TLS or to break.",
    remediation='Set `ca_cert_identifier="rds-ca-rsa2048-g1"` (or another current CA).',
    checks=("caCertIdentifier",),
)
def rds_ca_certificate_current(r: Res, report: Report) -> None:
    ca = r.get("caCertIdentifier")
    if known(ca) and not absent(ca) and ca not in CURRENT_CA_CERTIFICATES:
        report(f"caCertIdentifier is {show(ca)}: not a current RDS CA ({', '.join(CURRENT_CA_CERTIFICATES)})")


_ENGINE_LABEL = {
    "postgres": "PostgreSQL",
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "aurora-postgresql": "Aurora PostgreSQL",
    "aurora-mysql": "Aurora MySQL",
}
# The setting holding each engine's oldest allowed major.
_MINIMUM_SETTING = {
    "postgres": "minimumPostgresMajor",
    "mysql": "minimumMysqlVersion",
    "mariadb": "minimumMariadbVersion",
    "aurora-postgresql": "minimumAuroraPostgresMajor",
    "aurora-mysql": "minimumAuroraMysqlVersion",
}


@resource_policy(
    "rds-engine-version-supported",
    types=(RDS_INSTANCE, RDS_CLUSTER),
    severity="medium",
    category="security",
    controls=("pci-6-3-3", "cis-pg-1-patches"),
    description="RDS instances and clusters (PostgreSQL, MySQL, MariaDB, Aurora PostgreSQL, Aurora MySQL) run a "
    f"major version in standard support (>= `minimumPostgresMajor`, default {POSTGRES_SUPPORTED_MAJORS[0]}; "
    f"`minimumMysqlVersion`, default {oldest_supported_major('mysql')}; `minimumMariadbVersion`, default "
    f"{oldest_supported_major('mariadb')}; `minimumAuroraPostgresMajor`, default "
    f"{oldest_supported_major('aurora-postgresql')}; `minimumAuroraMysqlVersion`, default "
    f"{oldest_supported_major('aurora-mysql')}: AWS's release calendars as read on {SUPPORT_CALENDAR_READ}).",
    why="Versions past standard support get no security fixes (and cost extended-support fees).",
    remediation="Set `engine_version` to a supported major (the stack uses PostgreSQL 16).",
    checks=("engineVersion",),
    config={
        "minimumPostgresMajor": int(POSTGRES_SUPPORTED_MAJORS[0]),
        "minimumMysqlVersion": oldest_supported_major("mysql"),
        "minimumMariadbVersion": oldest_supported_major("mariadb"),
        "minimumAuroraPostgresMajor": int(oldest_supported_major("aurora-postgresql")),
        "minimumAuroraMysqlVersion": oldest_supported_major("aurora-mysql"),
    },
    config_descriptions={
        "minimumPostgresMajor": "Oldest PostgreSQL major version allowed.",
        "minimumMysqlVersion": "Oldest MySQL major (X.Y) allowed.",
        "minimumMariadbVersion": "Oldest MariaDB major (X.Y) allowed.",
        "minimumAuroraPostgresMajor": "Oldest Aurora PostgreSQL major version allowed.",
        "minimumAuroraMysqlVersion": "Oldest Aurora MySQL major (the MySQL X.Y it is compatible with) allowed.",
    },
)
def rds_engine_version_supported(r: Res, report: Report) -> None:
    engine = r.get("engine")
    if is_replica(r) or engine not in _ENGINE_LABEL:
        return
    version = r.get("engineVersion")
    if not known(version):
        return
    if absent(version):
        report("engineVersion is not set: RDS picks the default, which the stack does not control")
        return
    label, minimum = _ENGINE_LABEL[engine], r.setting(_MINIMUM_SETTING[engine])
    if engine in ("postgres", "aurora-postgresql"):
        match = re.match(r"(\d+)", str(version))
        if match is None or int(match.group(1)) < int(minimum):
            report(f"engineVersion is {show(version)}: {label} below {minimum} is out of standard support")
        return
    # MySQL X.Y; Aurora MySQL's versions start with the MySQL version they are compatible with
    # (8.0.mysql_aurora.3.08.0).
    have, floor = _major(str(version)), _major(str(minimum))
    if have is None or (floor is not None and have < floor):
        report(f"engineVersion is {show(version)}: {label} below {minimum} is out of standard support")


def _major(version: str) -> tuple[int, int] | None:
    """MySQL's and MariaDB's major, X.Y (``8.0.35`` -> (8, 0)); None when the text is not a version."""
    match = re.match(r"(\d+)\.(\d+)", version)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _postgres_parameters(r: Res) -> dict[str, object] | None:
    """A PostgreSQL parameter group's parameters by name; None for another engine or while any is unknown."""
    family, params_raw = r.get("family"), r.get("parameters")
    if (
        not known(family)
        or "postgres" not in str(family or "")
        or not known(params_raw)
        or any(not known(p) for p in params_raw or [])
    ):
        return None
    return _parameters(r)


def _parameters(r: Res) -> dict[str, object]:
    out: dict[str, object] = {}
    for p in r.get("parameters") or []:
        if isinstance(p, dict) and isinstance(p.get("name"), str):
            out[p["name"]] = p.get("value")
    return out


@resource_policy(
    "rds-parameter-group-force-tls",
    types=(RDS_PARAMETER_GROUP,),
    severity="high",
    category="security",
    controls=("pci-4-2-1", GDPR_ENC, CCPA_BREACH, "cis-pg-tls"),
    description="PostgreSQL parameter groups set `rds.force_ssl=1`; MySQL/MariaDB ones `require_secure_transport=1`.",
    why="Without it a client can connect in plaintext inside the VPC and credentials and customer data cross the "
    "network unencrypted.",
    remediation='Add `aws.rds.ParameterGroupParameterArgs(name="rds.force_ssl", value="1")` to `parameters`.',
    checks=("parameters",),
)
def rds_parameter_group_force_tls(r: Res, report: Report) -> None:
    family = r.get("family")
    params_raw = r.get("parameters")
    if not known(family) or not known(params_raw) or any(not known(p) for p in params_raw or []):
        return
    params = _parameters(r)
    fam = str(family or "")
    if "postgres" in fam:
        name = "rds.force_ssl"
    elif "mysql" in fam or "mariadb" in fam:
        name = "require_secure_transport"
    else:
        return
    value = params.get(name)
    if not known(value):
        return
    if str(value).strip().lower() not in ("1", "on", "true"):
        report(f"{name} is {show(value)} in parameter group for {fam}: clients may connect without TLS")


_PG_LOGGING = {"log_connections": ("1", "on", "true"), "log_disconnections": ("1", "on", "true")}


@resource_policy(
    "rds-parameter-group-logging",
    types=(RDS_PARAMETER_GROUP,),
    severity="medium",
    category="security",
    controls=("pci-10-2-1", GDPR_BREACH, "cis-pg-log-connections", "cis-pg-log-disconnections"),
    description="PostgreSQL parameter groups log connections, disconnections and slow statements "
    "(`log_min_duration_statement` >= 0).",
    why="Who connected when, and which statements ran long, is the evidence an incident review starts from.",
    remediation="Set `log_connections=1`, `log_disconnections=1` and `log_min_duration_statement=<ms>` in "
    "`parameters`.",
    checks=("parameters",),
)
def rds_parameter_group_logging(r: Res, report: Report) -> None:
    params = _postgres_parameters(r)
    if params is None:
        return
    for name, ok in _PG_LOGGING.items():
        value = params.get(name)
        if name not in params:
            report(f"{name} is not set: RDS' default is off, connections are not logged")
        elif known(value) and str(value).strip().lower() not in ok:
            report(f"{name} is {show(value)}: connections are not logged")
    slow = params.get("log_min_duration_statement")
    if known(slow):
        ms = num(slow)
        if ms is None or ms < 0:
            report(f"log_min_duration_statement is {show(slow)}: slow statements are not logged")


@resource_policy(
    "rds-parameter-group-hardening",
    types=(RDS_PARAMETER_GROUP,),
    severity="medium",
    category="security",
    controls=(
        "pci-2-2-1",
        "pci-8-3-2",
        "pci-4-2-1",
        "pci-10-2-1",
        "cis-pg-password-encryption",
        "cis-pg-tls-min",
        "cis-pg-log-statement",
        "cis-pg-pgaudit",
    ),
    description="PostgreSQL parameter groups set the CIS hardening RDS exposes: "
    + ", ".join(f"`{k}={v}`" for k, v in POSTGRES_HARDENING.items())
    + f", and preload `{', '.join(POSTGRES_PRELOAD)}`.",
    why="MD5 hashes and TLS 1.0/1.1 are broken; unlogged DDL and role changes leave an incident without "
    "evidence. RDS' defaults (md5-compatible hashing, TLS 1.0 allowed on older versions, log_statement=none) "
    "meet none of these.",
    remediation="Add the parameters above to `parameters` (platform_rules.POSTGRES_HARDENING; the postgres "
    "component sets them) and run `CREATE EXTENSION pgaudit` in each database.",
    checks=("parameters",),
)
def rds_parameter_group_hardening(r: Res, report: Report) -> None:
    params = _postgres_parameters(r)
    if params is None:
        return
    for name, wanted in POSTGRES_HARDENING.items():
        value = params.get(name)
        if name not in params:
            report(f"{name} is not set (required: {wanted})")
        elif known(value) and str(value).strip().lower() != wanted.lower():
            report(f"{name} is {show(value)} (required: {wanted})")
    preload = params.get("shared_preload_libraries")
    if known(preload):
        loaded = {x.strip() for x in str(preload or "").split(",")}
        if "pgaudit" not in loaded:
            report(f"shared_preload_libraries is {show(preload)}: pgaudit is not loaded")


@resource_policy(
    "rds-backup-replication-encrypted",
    defaults={"retentionPeriod": 7},
    types=(RDS_BACKUP_REPLICATION,),
    severity="high",
    category="security",
    controls=(GDPR_ENC, "pci-3-5-1"),  # not FSBP RDS.4: replicated automated backups are not snapshots
    description="Automated backups replicated to another region are encrypted with a CMK there, kept >= 7 days.",
    why="A cross-region copy is a second copy of all personal data; it must be as protected as the original.",
    remediation="Set `kms_key_id=<relational CMK ARN in the destination region>` and `retention_period>=7` on "
    "`aws.rds.InstanceAutomatedBackupsReplication`.",
    checks=("kmsKeyId", "retentionPeriod"),
)
def rds_backup_replication_encrypted(r: Res, report: Report) -> None:
    if absent(r.get("kmsKeyId")):
        report("kmsKeyId is not set: the replicated backups of an encrypted instance cannot be encrypted")
    retention = r.get("retentionPeriod")
    if known(retention) and not absent(retention) and (num(retention) or 0) < 7:
        report(f"retentionPeriod is {show(retention)}: at least 7 days of replicated PITR required")


@resource_policy(
    "rds-proxy-require-tls",
    types=(RDS_PROXY,),
    severity="high",
    category="security",
    controls=("pci-4-2-1", GDPR_ENC, "fsbp-rds-43"),
    description="RDS Proxy requires TLS from clients.",
    why="The proxy terminates client connections; without TLS credentials and data travel in plaintext.",
    remediation="Set `require_tls=True` on `aws.rds.Proxy`.",
    checks=("requireTls",),
)
def rds_proxy_require_tls(r: Res, report: Report) -> None:
    value = r.get("requireTls")
    if not_true(value):
        report(f"requireTls is {show(value)}: clients may connect without TLS")


@resource_policy(
    "rds-proxy-iam-auth",
    types=(RDS_PROXY,),
    severity="medium",
    category="security",
    controls=("pci-8-3-1", "pci-8-6-2"),
    description="RDS Proxy authenticates clients with IAM (every `auths` entry `iam_auth=REQUIRED`, or "
    "`default_auth_scheme=IAM_AUTH`).",
    why="IAM tokens are short-lived and bound to a role; proxy passwords are long-lived shared secrets.",
    remediation='Set `iam_auth="REQUIRED"` on every `auths` entry (or `default_auth_scheme="IAM_AUTH"`).',
    checks=("auths[].iamAuth",),
)
def rds_proxy_iam_auth(r: Res, report: Report) -> None:
    if r.get("defaultAuthScheme") == "IAM_AUTH":
        return
    auths = r.get("auths")
    if not known(auths):
        return
    for i, auth in enumerate(auths or []):
        if not isinstance(auth, dict):
            continue
        value = auth.get("iamAuth")
        if known(value) and value != "REQUIRED":
            report(f"auths[{i}].iamAuth is {show(value)}: clients may authenticate with a password")


@resource_policy(
    "rds-proxy-client-auth-strong",
    unset={
        "auths.0.clientPasswordAuthType": "unset: RDS Proxy uses SCRAM-SHA-256 for PostgreSQL and caching_sha2 for "
        "MySQL (RDS API reference, UserAuthConfig)"
    },
    types=(RDS_PROXY,),
    severity="medium",
    category="security",
    controls=("pci-8-3-2", GDPR_CIA),
    description="RDS Proxy does not accept client passwords with a weak hash (PostgreSQL MD5, MySQL native password).",
    why="An MD5 or mysql_native_password exchange is replayable and crackable offline from a captured hash; "
    "SCRAM-SHA-256 and caching_sha2 are not.",
    remediation='Set `client_password_auth_type="POSTGRES_SCRAM_SHA_256"` (or leave it unset) on every `auths` '
    "entry of `aws.rds.Proxy`.",
    checks=("auths[].clientPasswordAuthType",),
)
def rds_proxy_client_auth_strong(r: Res, report: Report) -> None:
    auths = r.get("auths")
    if not known(auths):
        return
    for i, auth in enumerate(auths or []):
        value = auth.get("clientPasswordAuthType") if isinstance(auth, dict) else None
        if known(value) and value in ("POSTGRES_MD5", "MYSQL_NATIVE_PASSWORD"):
            report(f"auths[{i}].clientPasswordAuthType is {show(value)}: a weak password hash")


@resource_policy(
    "rds-proxy-debug-logging-off",
    defaults={"debugLogging": False},
    types=(RDS_PROXY,),
    severity="medium",
    category="security",
    controls=(GDPR_MIN, "pci-3-5-1"),
    description="RDS Proxy debug logging is off.",
    why="Debug logging writes full SQL statements, with customer data in their literals, to CloudWatch Logs.",
    remediation="Set `debug_logging=False` (enable only temporarily while troubleshooting).",
    checks=("debugLogging",),
)
def rds_proxy_debug_logging_off(r: Res, report: Report) -> None:
    if is_true(r.get("debugLogging")):
        report("debugLogging is true: SQL text with customer data would be logged")


@resource_policy(
    "rds-proxy-endpoint-security-groups",
    types=(RDS_PROXY, RDS_PROXY_ENDPOINT),
    severity="high",
    category="security",
    controls=("pci-1-3-1", GDPR_CIA),
    description="RDS Proxies and proxy endpoints name their own security groups (never the VPC's default).",
    why="Without a group the proxy lands in the VPC's default group: whoever may use that group reaches the "
    "database's front door.",
    remediation="Set `vpc_security_group_ids=[<proxy SG admitting 5432 from the app's SG only>]`.",
    checks=("vpcSecurityGroupIds",),
)
def rds_proxy_endpoint_security_groups(r: Res, report: Report) -> None:
    groups = r.get("vpcSecurityGroupIds")
    if known(groups) and absent(groups):
        report("vpcSecurityGroupIds is empty: the proxy uses the VPC's default security group")


@resource_policy(
    "rds-snapshot-not-public",
    unset={"sharedAccounts": "unset: a snapshot is shared with no account"},
    types=(RDS_SNAPSHOT, RDS_CLUSTER_SNAPSHOT, RDS_SNAPSHOT_COPY),
    severity="critical",
    category="security",
    controls=(GDPR_CIA, CCPA_BREACH, "fsbp-rds-1"),
    description="Manual DB and cluster snapshots (and their copies) are not shared with `all` accounts.",
    why="A public snapshot is the whole database, restorable by anyone with an AWS account.",
    remediation="Remove `all` from `shared_accounts`; name the account ids that need the snapshot.",
    checks=("sharedAccounts",),
)
def rds_snapshot_not_public(r: Res, report: Report) -> None:
    shared = r.get("sharedAccounts")
    if known(shared) and isinstance(shared, list) and any(isinstance(a, str) and a.lower() == "all" for a in shared):
        report("sharedAccounts includes 'all': the snapshot is public")


# Names every attacker tries first (and RDS' own reserved ones): FSBP RDS.24/25.
DEFAULT_MASTER_USERNAMES = frozenset(
    {"postgres", "admin", "root", "master", "administrator", "awsuser", "sa", "user", "rdsadmin"}
)


@resource_policy(
    "rds-custom-master-username",
    unset={
        "username": "unset: only replicas and restores omit it (they keep the source's)",
        "masterUsername": "unset: only replicas and restores omit it",
    },
    types=(RDS_INSTANCE, RDS_CLUSTER),
    severity="low",
    category="security",
    controls=("pci-2-2-1", "fsbp-rds-24", "fsbp-rds-25"),
    description="Writers and clusters use a master user name other than the engine's default (`postgres`, "
    "`admin`, ...).",
    why="A well-known administrator name is half of a brute-force login; a custom one leaves only the password "
    "(which RDS manages) to guess.",
    remediation="Set `username` (instances) / `master_username` (clusters) to a custom name (the postgres "
    "component uses `ecomart_admin`).",
    checks={RDS_INSTANCE: ("username",), RDS_CLUSTER: ("masterUsername",)},
)
def rds_custom_master_username(r: Res, report: Report) -> None:
    if is_replica(r):
        return  # a replica has its source's users
    prop = "username" if r.type == RDS_INSTANCE else "masterUsername"
    name = r.get(prop)
    if known(name) and isinstance(name, str) and name.lower() in DEFAULT_MASTER_USERNAMES:
        report(f"{prop} is {show(name)}: a default administrator name")


# === stack policies: how these resources relate to the rest of the stack =====================


@stack_policy(
    "stack-rds-log-groups-declared",
    house_rule=True,
    types=(RDS_INSTANCE, RDS_CLUSTER, LOG_GROUP),
    severity="medium",
    category="security",
    controls=("pci-10-3-2", "pci-10-5-1", GDPR_BREACH),
    description="Every log an RDS instance or cluster exports has its log group (/aws/rds/instance/<id>/<log>) "
    "declared in the stack, KMS-encrypted and with retention.",
    why="Otherwise RDS creates the group itself on first export: unencrypted with a customer key and never expiring.",
    remediation='Create `aws.cloudwatch.LogGroup(name=f"/aws/rds/instance/{identifier}/{log}", kms_key_id=..., '
    "retention_in_days=...)` before the instance (components/postgres.py does).",
    checks={
        RDS_INSTANCE: ("identifier", "enabledCloudwatchLogsExports"),
        RDS_CLUSTER: ("clusterIdentifier", "enabledCloudwatchLogsExports"),
        LOG_GROUP: ("name", "kmsKeyId"),
    },
)
def stack_rds_log_groups_declared(stack: Stack, report: StackReport) -> None:
    groups_by_name = {g.get("name"): g for g in stack.of_type(LOG_GROUP) if isinstance(g.get("name"), str)}
    for db in stack.of_type(RDS_INSTANCE, RDS_CLUSTER):
        exports = db.get("enabledCloudwatchLogsExports")
        if not known(exports) or absent(exports):
            continue
        kind, prop = ("instance", "identifier") if db.type == RDS_INSTANCE else ("cluster", "clusterIdentifier")
        ident = db.get(prop)
        if not known(ident):
            continue
        if absent(ident):
            report(f"{identity(db)} exports logs but has no {prop}: its log groups cannot be declared up front", db.urn)
            continue
        for log in exports:
            if not known(log):
                continue
            name = f"/aws/rds/{kind}/{ident}/{log}"
            group = groups_by_name.get(name)
            if group is None:
                report(
                    f"{identity(db)} exports {log} to {name}, which this stack does not declare (RDS would "
                    "create it unencrypted, never expiring)",
                    db.urn,
                )
                continue
            for problem in log_group_problems(group):
                report(f"{identity(db)} exports {log} to {name}, which is {problem}", group.urn)


# --- cross-region PITR ----------------------------------------------------------------------------------------------


@stack_policy(
    "stack-rds-cross-region-backups",
    types=(RDS_INSTANCE, RDS_BACKUP_REPLICATION),
    severity="high",
    category="cost",
    controls=(GDPR_RESTORE, "pci-12-10-1"),
    description="Every RDS writer replicates its automated backups (point-in-time recovery) to another region.",
    why="A regional outage or a region-scoped incident must not take point-in-time recovery with it. Dev runs "
    "this as advisory.",
    remediation="Set stack config `postgres.crossRegionBackupReplication: true` (an "
    "`aws.rds.InstanceAutomatedBackupsReplication` per writer, encrypted in the secondary region).",
    checks={RDS_INSTANCE: ("arn",), RDS_BACKUP_REPLICATION: ("sourceDbInstanceArn",)},
)
def stack_rds_cross_region_backups(stack: Stack, report: StackReport) -> None:
    replications = stack.of_type(RDS_BACKUP_REPLICATION)
    unknown = any(r.unplaced("sourceDbInstanceArn") for r in replications)
    replicated = stack.referenced(replications, "sourceDbInstanceArn", (RDS_INSTANCE,))
    for db in writers(stack):
        if unknown or db.urn in replicated:
            continue
        report(f"RDS writer {identity(db)} does not replicate its automated backups to another region", db.urn)


@stack_policy(
    "stack-rds-clusters-multi-az",
    types=(RDS_CLUSTER, RDS_CLUSTER_INSTANCE),
    severity="high",
    category="cost",
    controls=(GDPR_CIA, GDPR_RESTORE, "fsbp-rds-15"),
    description="Aurora clusters have at least two instances (a writer and a reader in another AZ to fail over "
    "to); Multi-AZ DB clusters (`db_cluster_instance_class` set) are Multi-AZ by construction.",
    why="An Aurora cluster with one instance has nothing to fail over to: an AZ or instance failure stops writes "
    "until a new instance is created.",
    remediation="Declare a second `aws.rds.ClusterInstance` for the cluster (`cluster_identifier`), in another AZ.",
    checks={RDS_CLUSTER: ("engine",), RDS_CLUSTER_INSTANCE: ("clusterIdentifier",)},
)
def stack_rds_clusters_multi_az(stack: Stack, report: StackReport) -> None:
    members = stack.of_type(RDS_CLUSTER_INSTANCE)
    if any(m.unplaced("clusterIdentifier") for m in members):
        return  # a member whose cluster cannot be told yet: no judgement
    member_of = stack.referenced(members, "clusterIdentifier", (RDS_CLUSTER,))
    for cluster in stack.of_type(RDS_CLUSTER):
        engine = cluster.get("engine")
        if not known(engine) or not str(engine or "").startswith("aurora") or is_replica(cluster):
            continue
        count = len(member_of.get(cluster.urn, ()))
        if count < 2:
            report(f"Aurora cluster {identity(cluster)} has {count} instance(s): nothing to fail over to", cluster.urn)


# --- event notifications ----------------------------------------------------------------------------------------------

# AWS Security Hub FSBP RDS.19-RDS.22: per event source type, the categories a subscription must deliver.
FSBP_RDS_EVENTS: dict[str, tuple[str, ...]] = {
    "db-cluster": ("failure", "maintenance"),  # RDS.19
    "db-instance": ("configuration change", "failure", "maintenance"),  # RDS.20
    "db-parameter-group": ("configuration change",),  # RDS.21
    "db-security-group": ("configuration change", "failure"),  # RDS.22
}
# The stack's sources of each type: (resource type, the property RDS names it by in sourceIds).
_EVENT_SOURCES = {
    "db-instance": (RDS_INSTANCE, "identifier"),
    "db-cluster": (RDS_CLUSTER, "clusterIdentifier"),
    "db-parameter-group": (RDS_PARAMETER_GROUP, "name"),
}


@stack_policy(
    "stack-rds-event-subscriptions",
    types=(RDS_INSTANCE, RDS_CLUSTER, RDS_PARAMETER_GROUP, RDS_EVENT_SUBSCRIPTION),
    severity="medium",
    category="resilience",
    controls=("pci-10-7-2", GDPR_BREACH, "fsbp-rds-19", "fsbp-rds-20", "fsbp-rds-21", "fsbp-rds-22"),
    description="Every RDS instance, cluster and DB parameter group is covered by an enabled RDS event subscription "
    "(matching source type, its id among `sourceIds` or none listed) delivering at least FSBP's critical "
    "categories: instances configuration change/failure/maintenance, clusters failure/maintenance, "
    "parameter groups configuration change; and a stack with RDS subscribes to DB security group "
    "configuration change/failure.",
    why="RDS announces failures, forced maintenance and configuration changes as events, not metrics: without a "
    "subscription nobody hears that a failover happened or that a parameter group was changed.",
    remediation="Pass the instances, clusters and parameter groups to the monitoring component (`dbs`, "
    "`db_clusters`, `db_parameter_groups`): it subscribes the alarm topic with "
    "`platform_rules.RDS_EVENT_CATEGORIES`.",
    checks={
        RDS_INSTANCE: ("identifier",),
        RDS_CLUSTER: ("clusterIdentifier",),
        RDS_PARAMETER_GROUP: ("name",),
        RDS_EVENT_SUBSCRIPTION: ("sourceType", "eventCategories", "sourceIds", "enabled", "snsTopic"),
    },
)
def stack_rds_event_subscriptions(stack: Stack, report: StackReport) -> None:
    subscriptions = stack.of_type(RDS_EVENT_SUBSCRIPTION)
    if any(s.unplaced(p) for s in subscriptions for p in ("sourceType", "eventCategories", "sourceIds", "enabled")):
        return  # a subscription that cannot be read yet might cover anything

    # What each source type's enabled subscriptions deliver, indexed once: to every source (no sourceIds), and to
    # the sources they name (by URN through the references, and by the literal id). None: every category.
    everyone: dict[str, set | None] = {}
    named: dict[tuple[str, str], set | None] = {}

    def merge(into: dict, key, categories: set | None) -> None:
        if key in into and into[key] is None:
            return
        into[key] = None if categories is None else (into.get(key) or set()) | categories

    for s in subscriptions:
        source_type = s.get("sourceType")
        if not isinstance(source_type, str) or is_false(s.get("enabled")) or absent(s.get("snsTopic")):
            continue
        categories = s.get("eventCategories")
        if not isinstance(categories, list) and not absent(categories):
            continue  # computed from other resources, not readable yet: it is not counted as delivering anything
        delivers = None if absent(categories) else {c for c in categories if isinstance(c, str)}
        ids = s.get("sourceIds")
        if absent(ids):
            merge(everyone, source_type, delivers)
            continue
        rtype = _EVENT_SOURCES.get(source_type, (None,))[0]
        targets = set(stack.refs(s, "sourceIds", (rtype,))) if rtype else set()  # also what the engine recorded
        targets |= {i for i in ids if isinstance(i, str)} if isinstance(ids, list) else set()
        for target in targets:
            merge(named, (source_type, target), delivers)

    def delivered(source_type: str, source: SRes | None, id_prop: str) -> set | None:
        """Categories the enabled subscriptions of ``source_type`` covering ``source`` deliver; None for all."""
        parts = [everyone.get(source_type, set())]
        if source is not None:
            ident = source.get(id_prop)
            parts += [
                named.get((source_type, source.urn), set()),
                named.get((source_type, ident), set()) if isinstance(ident, str) else set(),
            ]
        found = [p for p in parts if p is not None]
        return None if len(found) < len(parts) else set().union(*found)

    for source_type, (rtype, id_prop) in _EVENT_SOURCES.items():
        for source in stack.of_type(rtype):
            got = delivered(source_type, source, id_prop)
            missing = [] if got is None else [c for c in FSBP_RDS_EVENTS[source_type] if c not in got]
            if missing:
                report(
                    f"{identity(source)} ({source_type}) has no enabled event subscription delivering "
                    f"{', '.join(missing)}",
                    source.urn,
                )
    stores = sorted(stack.of_type(RDS_INSTANCE, RDS_CLUSTER), key=lambda r: r.urn)
    if stores:
        got = delivered("db-security-group", None, "")
        missing = [] if got is None else [c for c in FSBP_RDS_EVENTS["db-security-group"] if c not in got]
        if missing:
            report(
                f"no enabled event subscription delivers DB security group {', '.join(missing)} events "
                f"(this stack holds RDS: {identity(stores[0])})",
                stores[0].urn,
            )
