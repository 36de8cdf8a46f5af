"""Redshift: what deleting a cluster keeps."""

from __future__ import annotations

from policies.engine.core import Report, Res, absent, is_true, resource_policy
from policies.engine.meta import GDPR_RESTORE
from policies.engine.tokens import REDSHIFT_CLUSTER


@resource_policy(
    "redshift-final-snapshot",
    defaults={"skipFinalSnapshot": False},
    types=(REDSHIFT_CLUSTER,),
    severity="medium",
    category="lifecycle",
    controls=(GDPR_RESTORE, "pci-12-10-1"),
    description="Deleting a Redshift cluster takes a final snapshot.",
    why="The cluster's automated snapshots are deleted with it; the final snapshot is the last copy of the data.",
    remediation='Set `skip_final_snapshot=False` and `final_snapshot_identifier="<cluster>-final"`.',
    checks=("skipFinalSnapshot", "finalSnapshotIdentifier"),
)
def redshift_final_snapshot(r: Res, report: Report) -> None:
    if is_true(r.get("skipFinalSnapshot")):
        report("skipFinalSnapshot is true: deleting the cluster keeps no final copy")
    elif absent(r.get("finalSnapshotIdentifier")):
        report("finalSnapshotIdentifier is not set: the deletion would fail or keep no final copy")
