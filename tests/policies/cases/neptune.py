"""Resource-policy cases of ``policies/rules/neptune.py``: a compliant resource per case and, for every property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

from policies.engine import tokens as T
from tests.policies.cases.shapes import KEY_ARN
from tests.policies.helpers import DELETE, Case

_CLUSTER = {
    "clusterIdentifier": "graph",
    "engine": "neptune",
    "storageEncrypted": True,
    "kmsKeyArn": KEY_ARN,
    "enableCloudwatchLogsExports": ["audit"],
    "deletionProtection": True,
    "backupRetentionPeriod": 7,
    "iamDatabaseAuthenticationEnabled": True,
    "copyTagsToSnapshot": True,
}


def _flag(prop: str) -> list[Case]:
    return [
        Case(T.NEPTUNE_CLUSTER, _CLUSTER, {prop: False}),
        Case(T.NEPTUNE_CLUSTER, _CLUSTER, {prop: DELETE}, label="absent: off by default"),
    ]


CASES = {
    "neptune-cluster-encrypted": _flag("storageEncrypted"),
    "neptune-audit-logs": [
        Case(T.NEPTUNE_CLUSTER, _CLUSTER, {"enableCloudwatchLogsExports": ["slowquery"]}),
        Case(T.NEPTUNE_CLUSTER, _CLUSTER, {"enableCloudwatchLogsExports": DELETE}, label="absent: none"),
    ],
    "neptune-deletion-protection": _flag("deletionProtection"),
    "neptune-backup-retention": [
        Case(T.NEPTUNE_CLUSTER, _CLUSTER, {"backupRetentionPeriod": 1}),
        Case(T.NEPTUNE_CLUSTER, _CLUSTER, {"backupRetentionPeriod": DELETE}, label="absent: 1 day"),
    ],
    "neptune-iam-authentication": _flag("iamDatabaseAuthenticationEnabled"),
    "neptune-copy-tags-to-snapshot": _flag("copyTagsToSnapshot"),
}
