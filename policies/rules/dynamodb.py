"""DynamoDB and DAX as FSBP judges them (DynamoDB.2, .3, .6, .7): the carts, sessions and order indexes a data tier
often keeps there."""

from __future__ import annotations

from policies.engine.core import Report, Res, known, not_true, resource_policy, show
from policies.engine.families import flag_rule
from policies.engine.meta import GDPR_ENC, GDPR_RESTORE
from policies.engine.tokens import DAX_CLUSTER, DYNAMODB_TABLE


@resource_policy(
    "dynamodb-point-in-time-recovery",
    types=(DYNAMODB_TABLE,),
    severity="medium",
    category="resilience",
    controls=(GDPR_RESTORE, "pci-12-10-1", "fsbp-dynamodb-2"),
    description="DynamoDB tables have point-in-time recovery on.",
    why="Without it a bad write or a deleted item can only be restored from an on-demand backup someone remembered "
    "to take; PITR restores any second of the last 35 days.",
    remediation='Set `point_in_time_recovery={"enabled": True}` on `aws.dynamodb.Table`.',
    checks=("pointInTimeRecovery.enabled",),
)
def dynamodb_point_in_time_recovery(r: Res, report: Report) -> None:
    value = r.get("pointInTimeRecovery.enabled")
    if known(value) and not_true(value):  # absent is off (AWS's default): reported as off
        report(f"pointInTimeRecovery.enabled is {show(value)}: no point-in-time restore")


flag_rule(
    __name__,
    "dynamodb-deletion-protection",
    types=(DYNAMODB_TABLE,),
    prop="deletionProtectionEnabled",
    want=True,
    default=False,
    harm="one API call (or a destroy) deletes the table and its items",
    severity="medium",
    category="resilience",
    controls=(GDPR_RESTORE, "fsbp-dynamodb-6"),
    description="DynamoDB tables have deletion protection on.",
    why="Point-in-time recovery does not survive a deleted table past its retention; deletion protection stops "
    "the deletion itself.",
    remediation="Set `deletion_protection_enabled=True` on `aws.dynamodb.Table`.",
)


@resource_policy(
    "dax-cluster-encrypted",
    types=(DAX_CLUSTER,),
    severity="high",
    category="security",
    controls=(GDPR_ENC, "pci-3-5-1", "fsbp-dynamodb-3"),
    description="DynamoDB Accelerator (DAX) clusters encrypt their cache at rest.",
    why="DAX keeps copies of table items in memory and on disk; unencrypted by default, and only at creation.",
    remediation='Set `server_side_encryption={"enabled": True}` on `aws.dax.Cluster`.',
    checks=("serverSideEncryption.enabled",),
)
def dax_cluster_encrypted(r: Res, report: Report) -> None:
    value = r.get("serverSideEncryption.enabled")
    if known(value) and not_true(value):
        report(f"serverSideEncryption.enabled is {show(value)}: cached items are stored unencrypted")


@resource_policy(
    "dax-cluster-tls",
    types=(DAX_CLUSTER,),
    severity="high",
    category="security",
    controls=(GDPR_ENC, "pci-4-2-1", "fsbp-dynamodb-7"),
    description="DynamoDB Accelerator (DAX) clusters accept TLS connections only.",
    why="The endpoint's default, NONE, carries items and credentials in plaintext across the VPC.",
    remediation='Set `cluster_endpoint_encryption_type="TLS"` on `aws.dax.Cluster` (at creation only).',
    checks=("clusterEndpointEncryptionType",),
)
def dax_cluster_tls(r: Res, report: Report) -> None:
    value = r.get("clusterEndpointEncryptionType")
    if known(value) and value != "TLS":  # unset is NONE, the API's default
        report(f"clusterEndpointEncryptionType is {show(value)}: clients connect without TLS")
