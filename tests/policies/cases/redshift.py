"""Resource-policy cases of ``policies/rules/redshift.py``: a compliant resource per case and, for every property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

from policies.engine import tokens as T
from tests.policies.helpers import DELETE, Case

_CLUSTER = {
    "clusterIdentifier": "analytics",
    "nodeType": "ra3.xlplus",
    "encrypted": True,
    "skipFinalSnapshot": False,
    "finalSnapshotIdentifier": "analytics-final",
}

CASES = {
    "redshift-final-snapshot": [
        Case(T.REDSHIFT_CLUSTER, _CLUSTER, {"skipFinalSnapshot": True, "finalSnapshotIdentifier": DELETE}),
    ],
}
