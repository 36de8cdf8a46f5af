"""Resource-policy cases of ``policies/rules/elasticache.py``: a compliant resource per case and, for every property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

from policies.engine import tokens as T
from tests.policies.cases.shapes import APP_USER, CACHE, DEFAULT_OFF, SERVERLESS
from tests.policies.helpers import DELETE, Case

CASES = {
    # ElastiCache
    "elasticache-encryption-at-rest": [
        Case(T.EC_REPLICATION_GROUP, CACHE, {"atRestEncryptionEnabled": False}),
        Case(T.EC_REPLICATION_GROUP, CACHE, {"atRestEncryptionEnabled": DELETE}, label="absent: off by default"),
    ],
    "elasticache-encryption-at-rest-cmk": [Case(T.EC_REPLICATION_GROUP, CACHE, {"kmsKeyId": DELETE})],
    "elasticache-transit-encryption-required": [
        Case(T.EC_REPLICATION_GROUP, CACHE, {"transitEncryptionEnabled": False, "transitEncryptionMode": "preferred"}),
    ],
    "elasticache-rbac-user-groups": [
        Case(T.EC_REPLICATION_GROUP, CACHE, {"userGroupIds": [], "authToken": "a-shared-auth-token-123"}),
    ],
    "elasticache-automatic-failover-multi-az": [
        Case(T.EC_REPLICATION_GROUP, CACHE, {"automaticFailoverEnabled": False, "multiAzEnabled": DELETE}),
    ],
    "elasticache-cluster-mode-sharded": [
        Case(T.EC_REPLICATION_GROUP, CACHE, {"clusterMode": "disabled", "numNodeGroups": 1, "replicasPerNodeGroup": 1}),
    ],
    "elasticache-snapshot-retention": [
        Case(T.EC_REPLICATION_GROUP, CACHE, {"snapshotRetentionLimit": 1}),
        Case(T.EC_SERVERLESS, SERVERLESS, {"snapshotRetentionLimit": 0}),
        Case(
            T.EC_REPLICATION_GROUP,
            {**CACHE, "snapshotRetentionLimit": 1},
            {"snapshotRetentionLimit": 0},
            config={"minimumDays": 1},
            label="dev minimum",
        ),
    ],
    "elasticache-log-delivery": [
        Case(
            T.EC_REPLICATION_GROUP,
            CACHE,
            {
                "logDeliveryConfigurations.0.logType": "engine-log",
                "logDeliveryConfigurations.0.destinationType": "s3",
                "logDeliveryConfigurations.0.destination": DELETE,
            },
        ),
        Case(T.EC_REPLICATION_GROUP, CACHE, {"logDeliveryConfigurations": []}, label="none"),
    ],
    "elasticache-custom-parameter-group": [
        Case(T.EC_REPLICATION_GROUP, CACHE, {"parameterGroupName": "default.valkey8"}),
    ],
    "elasticache-auto-minor-version-upgrade": [
        Case(T.EC_REPLICATION_GROUP, CACHE, {"autoMinorVersionUpgrade": False}),
    ],
    "elasticache-engine-version-supported": [
        Case(T.EC_REPLICATION_GROUP, CACHE, {"engineVersion": "7.1"}),
        Case(
            T.EC_REPLICATION_GROUP,
            {**CACHE, "engine": "redis", "engineVersion": "7.1"},
            {"engineVersion": "6.2"},
            label="redis",
        ),
    ],
    "elasticache-in-subnet-group": [
        Case(T.EC_REPLICATION_GROUP, CACHE, {"subnetGroupName": DELETE, "securityGroupIds": []}),
    ],
    "elasticache-serverless-cmk-rbac": [
        Case(T.EC_SERVERLESS, SERVERLESS, {"kmsKeyId": DELETE, "userGroupId": DELETE}),
    ],
    "elasticache-user-authenticated": [
        Case(T.EC_USER, APP_USER, {"authenticationMode.type": "no-password-required", "noPasswordRequired": True}),
        Case(T.EC_USER, DEFAULT_OFF, {"accessString": "on ~* +@all"}, label="disabled user switched on"),
    ],
    "elasticache-default-user-disabled": [Case(T.EC_USER, DEFAULT_OFF, {"accessString": "on ~* +@all"})],
    "elasticache-user-least-privilege": [
        Case(T.EC_USER, APP_USER, {"accessString": "on ~* +@all"}),
        Case(T.EC_USER, APP_USER, {"accessString": "on ~cart:* +@read +@dangerous"}, label="dangerous"),
    ],
}
