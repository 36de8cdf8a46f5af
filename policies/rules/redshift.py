"""Redshift as FSBP judges it (Redshift.1, .2, .3, .6, .7, .8, .10), and what deleting a cluster keeps."""

from __future__ import annotations

from policies.engine.core import OpaqueSecret, Report, Res, absent, as_list, is_true, known, resource_policy, show
from policies.engine.families import flag_rule, retention_rule
from policies.engine.meta import GDPR_CIA, GDPR_ENC, GDPR_RESTORE
from policies.engine.tokens import REDSHIFT_CLUSTER, REDSHIFT_PARAMETER_GROUP


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


flag_rule(
    __name__,
    "redshift-not-publicly-accessible",
    types=(REDSHIFT_CLUSTER,),
    prop="publiclyAccessible",
    want=False,
    default=False,
    harm="the cluster gets a public IP address and DNS name",
    severity="critical",
    category="security",
    controls=(GDPR_CIA, "pci-1-4-4", "fsbp-redshift-1"),
    description="Redshift clusters are not publicly accessible.",
    why="A public endpoint puts the warehouse (every order and customer it holds) one security group rule away "
    "from the internet.",
    remediation="Leave `publicly_accessible` unset (or False) on `aws.redshift.Cluster`.",
)
retention_rule(
    __name__,
    "redshift-automatic-snapshots",
    types=(REDSHIFT_CLUSTER,),
    prop="automatedSnapshotRetentionPeriod",
    minimum=7,
    severity="medium",
    category="resilience",
    controls=(GDPR_RESTORE, "pci-12-10-1", "fsbp-redshift-3"),
    description="Redshift clusters keep automated snapshots at least `minimumDays` days (FSBP Redshift.3: 7).",
    why="0 turns automated snapshots off; the default, 1 day, cannot undo a load noticed after a weekend.",
    remediation="Set `automated_snapshot_retention_period=7` (or more) on `aws.redshift.Cluster`.",
)
flag_rule(
    __name__,
    "redshift-version-upgrade",
    types=(REDSHIFT_CLUSTER,),
    prop="allowVersionUpgrade",
    want=True,
    default=True,
    harm="the cluster stays on its engine version, security fixes included",
    severity="medium",
    category="security",
    controls=("pci-6-3-3", "fsbp-redshift-6"),
    description="Redshift clusters take major version upgrades in their maintenance window.",
    why="Engine fixes, security ones included, reach a cluster only through version upgrades.",
    remediation="Leave `allow_version_upgrade` unset (or True) on `aws.redshift.Cluster`.",
)
flag_rule(
    __name__,
    "redshift-enhanced-vpc-routing",
    types=(REDSHIFT_CLUSTER,),
    prop="enhancedVpcRouting",
    want=True,
    default=False,
    harm="COPY and UNLOAD traffic leaves the VPC, past its endpoints, flow logs and security groups",
    severity="medium",
    category="security",
    controls=("pci-1-3-2", GDPR_CIA, "fsbp-redshift-7"),
    description="Redshift clusters route COPY and UNLOAD traffic through the VPC.",
    why="Without it, data loaded from or unloaded to S3 takes the internet path, outside the VPC's controls.",
    remediation="Set `enhanced_vpc_routing=True` on `aws.redshift.Cluster`.",
)


@resource_policy(
    "redshift-custom-admin-username",
    unset={"masterUsername": "unset: restored from a snapshot, whose admin user it keeps"},
    types=(REDSHIFT_CLUSTER,),
    severity="low",
    category="security",
    controls=("pci-2-2-2", "fsbp-redshift-8"),
    description="Redshift clusters do not use the default admin username `awsuser`.",
    why="The default name is half of the credentials an attacker guessing passwords needs.",
    remediation='Set `master_username` to a name of your own (not "awsuser") on `aws.redshift.Cluster`.',
    checks=("masterUsername",),
)
def redshift_custom_admin_username(r: Res, report: Report) -> None:
    name = r.get("masterUsername")
    if known(name) and isinstance(name, str) and name.lower() == "awsuser":
        report(f"masterUsername is {show(name)}: the default admin username")


flag_rule(
    __name__,
    "redshift-encrypted",
    types=(REDSHIFT_CLUSTER,),
    prop="encrypted",
    want=True,
    default=True,
    harm="the warehouse and its snapshots are stored unencrypted",
    severity="high",
    category="security",
    controls=(GDPR_ENC, "pci-3-5-1", "fsbp-redshift-10"),
    description="Redshift clusters are encrypted at rest (the provider's default since pulumi-aws 7).",
    why="An unencrypted warehouse keeps every customer and order in plaintext on disk and in snapshots.",
    remediation="Leave `encrypted` unset (or True) on `aws.redshift.Cluster`, with `kms_key_id` for a CMK.",
)


@resource_policy(
    "redshift-require-ssl",
    types=(REDSHIFT_CLUSTER, REDSHIFT_PARAMETER_GROUP),
    severity="high",
    category="security",
    controls=(GDPR_ENC, "pci-4-2-1", "fsbp-redshift-2"),
    description="Redshift connections require TLS: clusters use a parameter group of their own, and every "
    "parameter group sets `require_ssl` to true.",
    why="The default parameter group (`default.redshift-1.0`) leaves `require_ssl` false: clients may connect in "
    "plaintext (https://docs.aws.amazon.com/redshift/latest/mgmt/connecting-ssl-support.html).",
    remediation="Give the cluster `cluster_parameter_group_name=<group>` whose `parameters` hold "
    '`{"name": "require_ssl", "value": "true"}`.',
    checks={REDSHIFT_CLUSTER: ("clusterParameterGroupName",), REDSHIFT_PARAMETER_GROUP: ("parameters",)},
)
def redshift_require_ssl(r: Res, report: Report) -> None:
    if r.type == REDSHIFT_CLUSTER:
        group = r.get("clusterParameterGroupName")
        if known(group) and (absent(group) or str(group).startswith("default.")):
            report(f"clusterParameterGroupName is {show(group)}: the default group does not require SSL")
        return
    params = r.get("parameters")
    if not known(params) or any(not known(p) for p in as_list(params)):
        return
    values = {p.get("name"): p.get("value") for p in as_list(params) if isinstance(p, dict)}
    value = values.get("require_ssl", "false")  # unset: the engine's default, false
    if known(value) and not isinstance(value, OpaqueSecret) and str(value).lower() != "true":
        report(f"require_ssl is {show(value)}: clients may connect without TLS")
