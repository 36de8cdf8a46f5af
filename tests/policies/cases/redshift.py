"""Resource-policy cases of ``policies/rules/redshift.py``: a compliant resource per case and, for every property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

from policies.engine import tokens as T
from tests.policies.helpers import DELETE, Case

_CLUSTER = {
    "clusterIdentifier": "analytics",
    "nodeType": "ra3.xlplus",
    "masterUsername": "analytics_admin",
    "manageMasterPassword": True,
    "encrypted": True,
    "publiclyAccessible": False,
    "automatedSnapshotRetentionPeriod": 7,
    "allowVersionUpgrade": True,
    "enhancedVpcRouting": True,
    "clusterParameterGroupName": "analytics-tls",
    "skipFinalSnapshot": False,
    "finalSnapshotIdentifier": "analytics-final",
}
_PARAMS = {"name": "analytics-tls", "family": "redshift-1.0", "parameters": [{"name": "require_ssl", "value": "true"}]}

CASES = {
    "redshift-final-snapshot": [
        Case(T.REDSHIFT_CLUSTER, _CLUSTER, {"skipFinalSnapshot": True, "finalSnapshotIdentifier": DELETE}),
    ],
    "redshift-not-publicly-accessible": [Case(T.REDSHIFT_CLUSTER, _CLUSTER, {"publiclyAccessible": True})],
    "redshift-automatic-snapshots": [
        Case(T.REDSHIFT_CLUSTER, _CLUSTER, {"automatedSnapshotRetentionPeriod": 0}),
        Case(T.REDSHIFT_CLUSTER, _CLUSTER, {"automatedSnapshotRetentionPeriod": DELETE}, label="absent: 1 day"),
    ],
    "redshift-version-upgrade": [Case(T.REDSHIFT_CLUSTER, _CLUSTER, {"allowVersionUpgrade": False})],
    "redshift-enhanced-vpc-routing": [
        Case(T.REDSHIFT_CLUSTER, _CLUSTER, {"enhancedVpcRouting": False}),
        Case(T.REDSHIFT_CLUSTER, _CLUSTER, {"enhancedVpcRouting": DELETE}, label="absent: off by default"),
    ],
    "redshift-custom-admin-username": [Case(T.REDSHIFT_CLUSTER, _CLUSTER, {"masterUsername": "awsuser"})],
    "redshift-encrypted": [Case(T.REDSHIFT_CLUSTER, _CLUSTER, {"encrypted": False})],
    "redshift-require-ssl": [
        Case(T.REDSHIFT_CLUSTER, _CLUSTER, {"clusterParameterGroupName": "default.redshift-1.0"}),
        Case(T.REDSHIFT_CLUSTER, _CLUSTER, {"clusterParameterGroupName": DELETE}, label="absent: the default group"),
        Case(T.REDSHIFT_PARAMETER_GROUP, _PARAMS, {"parameters.0.value": "false"}),
        Case(T.REDSHIFT_PARAMETER_GROUP, _PARAMS, {"parameters": []}, label="require_ssl not set"),
    ],
}
