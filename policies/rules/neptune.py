"""Amazon Neptune clusters, as FSBP judges them (Neptune.1, .2, .4, .5, .7, .8): the graph store a data tier may
keep for recommendations or fraud rings."""

from __future__ import annotations

from policies.engine.families import flag_rule, log_export_rule, retention_rule
from policies.engine.meta import GDPR_CIA, GDPR_ENC, GDPR_RECORDS, GDPR_RESTORE
from policies.engine.tokens import NEPTUNE_CLUSTER

flag_rule(
    __name__,
    "neptune-cluster-encrypted",
    types=(NEPTUNE_CLUSTER,),
    prop="storageEncrypted",
    want=True,
    default=False,
    harm="the graph, its backups and snapshots are unencrypted",
    severity="high",
    category="security",
    controls=(GDPR_ENC, "pci-3-5-1", "fsbp-neptune-1"),
    description="Neptune clusters encrypt their storage (off by default; set at creation only).",
    why="Encryption at rest cannot be turned on after the cluster exists.",
    remediation="Set `storage_encrypted=True` (and `kms_key_arn`) on `aws.neptune.Cluster`.",
)
log_export_rule(
    __name__,
    "neptune-audit-logs",
    types=(NEPTUNE_CLUSTER,),
    prop="enableCloudwatchLogsExports",
    log="audit",
    severity="medium",
    category="governance",
    controls=(GDPR_RECORDS, "pci-10-2-1", "fsbp-neptune-2"),
    description="Neptune clusters publish their audit log to CloudWatch Logs.",
    why="Without it no durable record says who queried or changed the graph (the cluster parameter "
    "`neptune_enable_audit_log` must be 1 too).",
    remediation='Set `enable_cloudwatch_logs_exports=["audit"]` on `aws.neptune.Cluster`.',
)
flag_rule(
    __name__,
    "neptune-deletion-protection",
    types=(NEPTUNE_CLUSTER,),
    prop="deletionProtection",
    want=True,
    default=False,
    harm="one API call deletes the cluster",
    severity="medium",
    category="resilience",
    controls=(GDPR_RESTORE, "fsbp-neptune-4"),
    description="Neptune clusters have deletion protection on.",
    why="Deletion protection is what stops a mistaken destroy or diff from removing the database.",
    remediation="Set `deletion_protection=True` on `aws.neptune.Cluster`.",
)
retention_rule(
    __name__,
    "neptune-backup-retention",
    types=(NEPTUNE_CLUSTER,),
    prop="backupRetentionPeriod",
    minimum=7,
    severity="medium",
    category="resilience",
    controls=(GDPR_RESTORE, "pci-12-10-1", "fsbp-neptune-5"),
    description="Neptune clusters keep automated backups at least `minimumDays` days (FSBP Neptune.5: 7).",
    why="The default is 1 day: a problem noticed after a weekend cannot be undone.",
    remediation="Set `backup_retention_period=7` (or more) on `aws.neptune.Cluster`.",
)
flag_rule(
    __name__,
    "neptune-iam-authentication",
    types=(NEPTUNE_CLUSTER,),
    prop="iamDatabaseAuthenticationEnabled",
    want=True,
    default=False,
    harm="any client that reaches the endpoint may query the graph",
    severity="high",
    category="security",
    controls=(GDPR_CIA, "pci-8-3-1", "fsbp-neptune-7"),
    description="Neptune clusters require IAM database authentication.",
    why="Neptune has no users or passwords of its own: without IAM authentication anything that can reach the "
    "endpoint can read and write the graph.",
    remediation="Set `iam_database_authentication_enabled=True` on `aws.neptune.Cluster`.",
)
flag_rule(
    __name__,
    "neptune-copy-tags-to-snapshot",
    types=(NEPTUNE_CLUSTER,),
    prop="copyTagsToSnapshot",
    want=True,
    default=False,
    harm="snapshots lose the cluster's ownership and classification tags",
    severity="low",
    category="governance",
    controls=(GDPR_RECORDS, "fsbp-neptune-8"),
    description="Neptune clusters copy their tags to snapshots.",
    why="A snapshot without the cluster's tags has no owner or data classification a reviewer can see.",
    remediation="Set `copy_tags_to_snapshot=True` on `aws.neptune.Cluster`.",
)
