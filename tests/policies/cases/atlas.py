"""Resource-policy cases of ``policies/rules/atlas.py``: a compliant resource per case and, for every property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

from policies.engine import tokens as T
from tests.policies.helpers import DELETE, Case

CASES = {
    "atlas-service-account-secret-expiry": [
        Case(
            T.ATLAS_SERVICE_ACCOUNT,
            {"orgId": "o", "name": "ci", "description": "CI", "roles": ["ORG_READ_ONLY"], "secretExpiresAfterHours": 8},
            {"secretExpiresAfterHours": 2160},
        ),
        Case(
            T.ATLAS_PROJECT_SERVICE_ACCOUNT,
            {
                "projectId": "p",
                "name": "ci",
                "description": "CI",
                "roles": ["GROUP_READ_ONLY"],
                "secretExpiresAfterHours": 4,
            },
            {"secretExpiresAfterHours": 9},
        ),
        Case(
            T.ATLAS_SERVICE_ACCOUNT_SECRET,
            {"orgId": "o", "clientId": "mdb_sa_id_1", "secretExpiresAfterHours": 8},
            {"secretExpiresAfterHours": 720},
        ),
        Case(
            T.ATLAS_PROJECT_SERVICE_ACCOUNT_SECRET,
            {"projectId": "p", "clientId": "mdb_sa_id_1", "secretExpiresAfterHours": 1},
            {"secretExpiresAfterHours": 24},
        ),
    ],
    # Atlas
    "atlas-cluster-encryption-cmk": [Case(T.ATLAS_CLUSTER, "CLUSTER", {"encryptionAtRestProvider": "NONE"})],
    "atlas-organization-hardened": [
        Case(
            T.ATLAS_ORGANIZATION,
            {
                "name": "ecomart",
                "orgOwnerId": "u1",
                "roleNames": ["ORG_OWNER"],
                "multiFactorAuthRequired": True,
                "apiAccessListRequired": True,
                "securityContact": "security@ecomart.example",
            },
            {"multiFactorAuthRequired": False, "apiAccessListRequired": False, "securityContact": ""},
        ),
        Case(
            T.ATLAS_ORGANIZATION,
            {
                "name": "ecomart",
                "orgOwnerId": "u1",
                "roleNames": ["ORG_OWNER"],
                "multiFactorAuthRequired": True,
                "apiAccessListRequired": True,
                "securityContact": "security@ecomart.example",
            },
            {"multiFactorAuthRequired": DELETE, "apiAccessListRequired": DELETE, "securityContact": DELETE},
            label="absent",
        ),
    ],
    "atlas-project-default-alerts": [
        Case(
            T.ATLAS_PROJECT,
            {"orgId": "o", "name": "ecomart-prod", "withDefaultAlertsSettings": True},
            {"withDefaultAlertsSettings": False},
        ),
    ],
    "atlas-backup-compliance-policy-strict": [
        Case(
            T.ATLAS_BACKUP_COMPLIANCE,
            "COMPLIANCE",
            {"encryptionAtRestEnabled": False, "pitEnabled": False, "copyProtectionEnabled": False},
        ),
        Case(
            T.ATLAS_BACKUP_COMPLIANCE,
            "COMPLIANCE",
            {"encryptionAtRestEnabled": DELETE, "pitEnabled": DELETE, "copyProtectionEnabled": DELETE},
            label="absent",
        ),
    ],
    "atlas-cluster-dedicated-tier": [
        Case(T.ATLAS_CLUSTER, "CLUSTER", {"replicationSpecs.0.regionConfigs.0.providerName": "TENANT"}),
        Case(T.ATLAS_CLUSTER, "CLUSTER", {"replicationSpecs.1.regionConfigs.0.providerName": "FLEX"}, label="flex"),
    ],
    "atlas-cluster-retain-backups": [
        Case(T.ATLAS_CLUSTER, "CLUSTER", {"retainBackupsEnabled": False}),
        Case(T.ATLAS_CLUSTER, "CLUSTER", {"retainBackupsEnabled": DELETE}, label="absent"),
    ],
    "atlas-cluster-tls12": [
        Case(T.ATLAS_CLUSTER, "CLUSTER", {"advancedConfiguration.minimumEnabledTlsProtocol": "TLS1_0"})
    ],
    "atlas-cluster-server-side-javascript-off": [
        Case(T.ATLAS_CLUSTER, "CLUSTER", {"advancedConfiguration.javascriptEnabled": True}),
        Case(T.ATLAS_CLUSTER, "CLUSTER", {"advancedConfiguration.javascriptEnabled": DELETE}, label="default on"),
    ],
    "atlas-cluster-continuous-backup": [
        Case(T.ATLAS_CLUSTER, "CLUSTER", {"backupEnabled": False, "pitEnabled": DELETE})
    ],
    "atlas-cluster-termination-protection": [Case(T.ATLAS_CLUSTER, "CLUSTER", {"terminationProtectionEnabled": False})],
    "atlas-search-index-built-before-done": [
        Case(
            T.ATLAS_SEARCH_INDEX,
            {
                "name": "products_semantic",
                "type": "vectorSearch",
                "projectId": "p",
                "clusterName": "c",
                "database": "catalog",
                "collectionName": "products",
                "waitForIndexBuildCompletion": True,
            },
            {"waitForIndexBuildCompletion": False},
        )
    ],
    "atlas-cluster-sharded": [
        Case(T.ATLAS_CLUSTER, "CLUSTER", {"clusterType": "REPLICASET", "replicationSpecs": "ONE_SPEC"})
    ],
    "atlas-cluster-electable-majority": [
        Case(T.ATLAS_CLUSTER, "CLUSTER", {"replicationSpecs.0.regionConfigs.0.electableSpecs.nodeCount": 1}),
    ],
    "atlas-cluster-redact-client-logs": [Case(T.ATLAS_CLUSTER, "CLUSTER", {"redactClientLogData": False})],
    "atlas-cluster-supported-version": [Case(T.ATLAS_CLUSTER, "CLUSTER", {"mongoDbMajorVersion": "6.0"})],
    "atlas-ip-access-list-narrow": [
        Case(
            T.ATLAS_IP_ACCESS,
            {"projectId": "p", "cidrBlock": "203.0.113.0/24", "comment": "office"},
            {"cidrBlock": "0.0.0.0/0"},
        ),
        Case(
            T.ATLAS_IP_ACCESS,
            {"projectId": "p", "ipAddress": "203.0.113.7", "comment": "bastion"},
            {"ipAddress": "0.0.0.0"},
        ),
        Case(
            T.ATLAS_IP_ACCESS,
            {"projectId": "p", "cidrBlock": "203.0.0.0/16", "comment": "vendor"},
            {"cidrBlock": "203.0.0.0/8"},
            label="too wide",
        ),
    ],
    "atlas-database-user-iam": [
        Case(T.ATLAS_DB_USER, "DB_USER", {"password": "hunter2-hunter2", "awsIamType": "NONE"})
    ],
    "atlas-database-user-least-privilege": [
        Case(T.ATLAS_DB_USER, "DB_USER", {"roles.0.roleName": "atlasAdmin", "scopes": []})
    ],
    "atlas-encryption-at-rest-kms": [
        Case(
            T.ATLAS_ENCRYPTION,
            {
                "projectId": "p",
                "awsKmsConfig": {
                    "enabled": True,
                    "customerMasterKeyId": "fb0be47d-39c8-1e4b-16aa-223b2aa956af",
                    "region": "US_EAST_1",
                    "roleId": "66d0c0e9a1b2c3d4e5f60718",
                    "requirePrivateNetworking": True,
                },
            },
            {
                "awsKmsConfig.enabled": False,
                "awsKmsConfig.customerMasterKeyId": DELETE,
                "awsKmsConfig.roleId": DELETE,
                "awsKmsConfig.requirePrivateNetworking": False,
            },
        ),
    ],
    "atlas-auditing-enabled": [
        Case(
            T.ATLAS_AUDITING,
            {"projectId": "p", "enabled": True, "auditFilter": "{}", "auditAuthorizationSuccess": True},
            {"enabled": False, "auditAuthorizationSuccess": False},
        )
    ],
    "atlas-backup-restore-window": [
        Case(T.ATLAS_BACKUP_SCHEDULE, "SCHEDULE", {"restoreWindowDays": 2, "policyItemDaily.retentionValue": 3})
    ],
    "atlas-backup-snapshot-copies": [Case(T.ATLAS_BACKUP_SCHEDULE, "SCHEDULE", {"copySettings": []})],
}
