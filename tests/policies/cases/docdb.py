"""Resource-policy cases of ``policies/rules/docdb.py``: a compliant resource per case and, for every property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

from policies.engine import tokens as T
from tests.policies.cases.shapes import KEY_ARN
from tests.policies.helpers import DELETE, Case

_CLUSTER = {
    "clusterIdentifier": "catalog",
    "engine": "docdb",
    "masterUsername": "catalog_admin",
    "manageMasterUserPassword": True,
    "storageEncrypted": True,
    "kmsKeyId": KEY_ARN,
    "backupRetentionPeriod": 7,
    "enabledCloudwatchLogsExports": ["audit", "profiler"],
    "deletionProtection": True,
}

CASES = {
    "docdb-cluster-encrypted": [
        Case(T.DOCDB_CLUSTER, _CLUSTER, {"storageEncrypted": False}),
        Case(T.DOCDB_CLUSTER, _CLUSTER, {"storageEncrypted": DELETE}, label="absent: off by default"),
    ],
    "docdb-backup-retention": [
        Case(T.DOCDB_CLUSTER, _CLUSTER, {"backupRetentionPeriod": 6}),
        Case(T.DOCDB_CLUSTER, _CLUSTER, {"backupRetentionPeriod": DELETE}, label="absent: 1 day"),
    ],
    "docdb-audit-logs": [
        Case(T.DOCDB_CLUSTER, _CLUSTER, {"enabledCloudwatchLogsExports": ["profiler"]}),
        Case(T.DOCDB_CLUSTER, _CLUSTER, {"enabledCloudwatchLogsExports": DELETE}, label="absent: none"),
    ],
    "docdb-deletion-protection": [
        Case(T.DOCDB_CLUSTER, _CLUSTER, {"deletionProtection": False}),
        Case(T.DOCDB_CLUSTER, _CLUSTER, {"deletionProtection": DELETE}, label="absent: off by default"),
    ],
}
