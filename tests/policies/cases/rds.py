"""Resource-policy cases of ``policies/rules/rds.py``: a compliant resource per case and, for every property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

from policies.engine import tokens as T
from tests.policies.cases.shapes import (
    AURORA,
    BACKUP_REPLICATION,
    MULTI_AZ_PG_CLUSTER,
    MYSQL_PARAMS,
    PG_PARAMS,
    PG_WRITER,
    PROXY,
)
from tests.policies.helpers import DELETE, Case

CASES = {
    # RDS
    "rds-storage-encrypted": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"storageEncrypted": False}),
        Case(T.RDS_CLUSTER, AURORA, {"storageEncrypted": False}),
    ],
    "rds-storage-cmk": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"kmsKeyId": DELETE}),
        Case(T.RDS_CLUSTER, AURORA, {"kmsKeyId": DELETE}),
    ],
    "rds-not-publicly-accessible": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"publiclyAccessible": True}),
        Case(T.RDS_CLUSTER, AURORA, {"publiclyAccessible": True}),
    ],
    "rds-iam-authentication": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"iamDatabaseAuthenticationEnabled": False}),
        Case(T.RDS_CLUSTER, AURORA, {"iamDatabaseAuthenticationEnabled": DELETE}),
    ],
    "rds-managed-master-password": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"manageMasterUserPassword": False, "password": "hunter2-hunter2"}),
        Case(T.RDS_CLUSTER, AURORA, {"manageMasterUserPassword": DELETE, "masterPassword": "hunter2-hunter2"}),
    ],
    "rds-master-secret-cmk": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"masterUserSecretKmsKeyId": DELETE}),
        Case(T.RDS_CLUSTER, AURORA, {"masterUserSecretKmsKeyId": DELETE}),
    ],
    "rds-multi-az": [Case(T.RDS_INSTANCE, PG_WRITER, {"multiAz": False})],
    "rds-backup-retention": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"backupRetentionPeriod": 7}),
        Case(T.RDS_CLUSTER, AURORA, {"backupRetentionPeriod": 1}),
        Case(T.RDS_INSTANCE, PG_WRITER, {"backupRetentionPeriod": 0}, label="no backups"),
        # AWS Config's checkReadReplicas: a MySQL replica that declares backups off.
        Case(
            T.RDS_INSTANCE,
            {
                "identifier": "orders-replica",
                "replicateSourceDb": "arn:aws:rds:us-east-1:123456789012:db:orders",
                "instanceClass": "db.t4g.medium",
                "backupRetentionPeriod": 7,
            },
            {"backupRetentionPeriod": 0},
            config={"minimumDays": 7, "checkReadReplicas": True},
            label="replica",
        ),
        Case(
            T.RDS_INSTANCE,
            {**PG_WRITER, "backupRetentionPeriod": 7},
            {"backupRetentionPeriod": 6},
            config={"minimumDays": 7},
            label="dev minimum",
        ),
    ],
    "rds-deletion-protection": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"deletionProtection": False}),
        Case(T.RDS_CLUSTER, AURORA, {"deletionProtection": DELETE}),
    ],
    "rds-final-snapshot": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"skipFinalSnapshot": True, "finalSnapshotIdentifier": DELETE}),
        Case(T.RDS_CLUSTER, AURORA, {"skipFinalSnapshot": True, "finalSnapshotIdentifier": DELETE}),
    ],
    "rds-retain-automated-backups": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"deleteAutomatedBackups": True}),
        Case(T.RDS_INSTANCE, PG_WRITER, {"deleteAutomatedBackups": DELETE}, label="absent: deleted by default"),
    ],
    "rds-performance-insights-encrypted": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"performanceInsightsEnabled": False, "performanceInsightsKmsKeyId": DELETE}),
    ],
    "rds-enhanced-monitoring": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"monitoringInterval": 0, "monitoringRoleArn": DELETE}),
    ],
    "rds-log-exports": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"enabledCloudwatchLogsExports": ["upgrade"]}),
        Case(T.RDS_INSTANCE, PG_WRITER, {"enabledCloudwatchLogsExports": DELETE}, label="none"),
        Case(T.RDS_CLUSTER, AURORA, {"enabledCloudwatchLogsExports": []}),
    ],
    "rds-auto-minor-version-upgrade": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"autoMinorVersionUpgrade": False}),
        Case(T.RDS_CLUSTER, AURORA, {"autoMinorVersionUpgrade": False}),
    ],
    "rds-copy-tags-to-snapshot": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"copyTagsToSnapshot": False}),
        Case(T.RDS_CLUSTER, AURORA, {"copyTagsToSnapshot": DELETE}),
        Case(T.RDS_CLUSTER, MULTI_AZ_PG_CLUSTER, {"copyTagsToSnapshot": False}, label="multi-az postgres"),
    ],
    "rds-custom-parameter-group": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"parameterGroupName": "default.postgres16"}),
        Case(T.RDS_INSTANCE, PG_WRITER, {"parameterGroupName": DELETE}, label="unset"),
    ],
    "rds-ca-certificate-current": [Case(T.RDS_INSTANCE, PG_WRITER, {"caCertIdentifier": "rds-ca-2019"})],
    "rds-engine-version-supported": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"engineVersion": "12.22"}),
        # Aurora PostgreSQL 13 left standard support on 2026-02-28, Aurora MySQL 2 (5.7) on 2024-10-31.
        Case(T.RDS_CLUSTER, AURORA, {"engineVersion": "13.12"}, label="aurora postgresql"),
        Case(
            T.RDS_CLUSTER,
            {**AURORA, "engine": "aurora-mysql", "engineVersion": "8.0.mysql_aurora.3.08.0"},
            {"engineVersion": "5.7.mysql_aurora.2.11.2"},
            label="aurora mysql",
        ),
        Case(T.RDS_CLUSTER, MULTI_AZ_PG_CLUSTER, {"engineVersion": "13.20"}, label="multi-az postgres"),
        # MySQL 8.0 left RDS standard support on 2026-07-31, MariaDB 10.6 on 2026-08-31 (platform_rules' calendar).
        Case(
            T.RDS_INSTANCE,
            {**PG_WRITER, "engine": "mysql", "engineVersion": "8.4.3"},
            {"engineVersion": "8.0.39"},
            label="mysql",
        ),
        Case(
            T.RDS_INSTANCE,
            {**PG_WRITER, "engine": "mysql", "engineVersion": "8.4.3"},
            {"engineVersion": "5.7.44"},
            label="mysql 5.7",
        ),
        Case(
            T.RDS_INSTANCE,
            {**PG_WRITER, "engine": "mariadb", "engineVersion": "10.11.9"},
            {"engineVersion": "10.6.19"},
            label="mariadb",
        ),
    ],
    "rds-parameter-group-force-tls": [
        Case(T.RDS_PARAMETER_GROUP, PG_PARAMS, {"parameters.0.value": "0"}),
        Case(T.RDS_PARAMETER_GROUP, PG_PARAMS, {"parameters": PG_PARAMS["parameters"][1:]}, label="missing"),
        Case(T.RDS_PARAMETER_GROUP, MYSQL_PARAMS, {"parameters.0.value": "OFF"}, label="mysql"),
    ],
    "rds-parameter-group-logging": [
        Case(T.RDS_PARAMETER_GROUP, PG_PARAMS, {"parameters.1.value": "0"}),
        Case(T.RDS_PARAMETER_GROUP, PG_PARAMS, {"parameters.2.value": "0"}, label="disconnections"),
        Case(T.RDS_PARAMETER_GROUP, PG_PARAMS, {"parameters.3.value": "-1"}, label="slow statements"),
    ],
    "rds-backup-replication-encrypted": [
        Case(T.RDS_BACKUP_REPLICATION, BACKUP_REPLICATION, {"kmsKeyId": DELETE, "retentionPeriod": 3}),
    ],
    "rds-proxy-require-tls": [Case(T.RDS_PROXY, PROXY, {"requireTls": False})],
    "rds-proxy-iam-auth": [Case(T.RDS_PROXY, PROXY, {"auths.0.iamAuth": "DISABLED"})],
    "rds-proxy-debug-logging-off": [Case(T.RDS_PROXY, PROXY, {"debugLogging": True})],
    "rds-proxy-client-auth-strong": [
        Case(T.RDS_PROXY, PROXY, {"auths.0.clientPasswordAuthType": "POSTGRES_MD5"}),
        Case(T.RDS_PROXY, PROXY, {"auths.0.clientPasswordAuthType": "MYSQL_NATIVE_PASSWORD"}, label="mysql native"),
    ],
    "rds-parameter-group-hardening": [
        Case(T.RDS_PARAMETER_GROUP, PG_PARAMS, {"parameters.5.value": "md5"}, label="md5"),
        Case(T.RDS_PARAMETER_GROUP, PG_PARAMS, {"parameters.6.value": "TLSv1"}, label="tls 1.0"),
        Case(T.RDS_PARAMETER_GROUP, PG_PARAMS, {"parameters.7.value": "none"}, label="no ddl log"),
        Case(T.RDS_PARAMETER_GROUP, PG_PARAMS, {"parameters.4.value": "pg_stat_statements"}, label="no pgaudit"),
        Case(T.RDS_PARAMETER_GROUP, PG_PARAMS, {"parameters": PG_PARAMS["parameters"][:5]}, label="absent"),
    ],
    "rds-snapshot-not-public": [
        Case(
            T.RDS_SNAPSHOT,
            {
                "dbInstanceIdentifier": "ecomart-prod-pg",
                "dbSnapshotIdentifier": "pre-upgrade",
                "sharedAccounts": ["210987654321"],
            },
            {"sharedAccounts": ["all"]},
        ),
        Case(
            T.RDS_CLUSTER_SNAPSHOT,
            {"dbClusterIdentifier": "c", "dbClusterSnapshotIdentifier": "s"},
            {"sharedAccounts": ["ALL"]},
            label="cluster",
        ),
        Case(
            T.RDS_SNAPSHOT_COPY,
            {"sourceDbSnapshotIdentifier": "arn:aws:rds:us-east-1:1:snapshot:s", "targetDbSnapshotIdentifier": "copy"},
            {"sharedAccounts": ["all"]},
            label="copy",
        ),
    ],
    "rds-custom-master-username": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"username": "postgres"}),
        Case(T.RDS_CLUSTER, AURORA, {"masterUsername": "admin"}, label="cluster"),
    ],
    "rds-proxy-endpoint-security-groups": [
        Case(T.RDS_PROXY, PROXY, {"vpcSecurityGroupIds": []}),
        Case(
            T.RDS_PROXY_ENDPOINT,
            {
                "dbProxyName": "ecomart-prod-pg-proxy",
                "dbProxyEndpointName": "reads",
                "vpcSubnetIds": ["subnet-1", "subnet-2"],
                "vpcSecurityGroupIds": ["sg-1"],
                "targetRole": "READ_ONLY",
            },
            {"vpcSecurityGroupIds": DELETE},
            label="endpoint",
        ),
    ],
    "rds-non-default-port": [
        Case(T.RDS_INSTANCE, {"engine": "postgres", "port": 5433}, {"port": 5432}),
        Case(T.RDS_CLUSTER, {"engine": "aurora-postgresql", "port": 6432}, {"port": 5432}),
        Case(T.RDS_INSTANCE, {"engine": "mysql", "port": 3307}, {"port": 3306}),
    ],
}
