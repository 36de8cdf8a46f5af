"""Amazon DocumentDB clusters, as FSBP judges them (DocumentDB.1, .2, .4, .5): a catalog or session store a data tier
may keep in DocumentDB instead of Atlas."""

from __future__ import annotations

from policies.engine.families import flag_rule, log_export_rule, retention_rule
from policies.engine.meta import GDPR_ENC, GDPR_RECORDS, GDPR_RESTORE
from policies.engine.tokens import DOCDB_CLUSTER

flag_rule(
    __name__,
    "docdb-cluster-encrypted",
    types=(DOCDB_CLUSTER,),
    prop="storageEncrypted",
    want=True,
    default=False,
    harm="the cluster's storage, backups and snapshots are unencrypted",
    severity="high",
    category="security",
    controls=(GDPR_ENC, "pci-3-5-1", "fsbp-documentdb-1"),
    description="DocumentDB clusters encrypt their storage (off by default; set at creation only).",
    why="Documents, indexes, backups and snapshots are stored in plaintext otherwise, and encryption cannot be "
    "turned on later.",
    remediation="Set `storage_encrypted=True` (and `kms_key_id`) on `aws.docdb.Cluster`.",
)
retention_rule(
    __name__,
    "docdb-backup-retention",
    types=(DOCDB_CLUSTER,),
    prop="backupRetentionPeriod",
    minimum=7,
    severity="medium",
    category="resilience",
    controls=(GDPR_RESTORE, "pci-12-10-1", "fsbp-documentdb-2"),
    description="DocumentDB clusters keep automated backups at least `minimumDays` days (FSBP DocumentDB.2: 7).",
    why="The default is 1 day: a problem noticed after a weekend cannot be undone.",
    remediation="Set `backup_retention_period=7` (or more) on `aws.docdb.Cluster`.",
)
log_export_rule(
    __name__,
    "docdb-audit-logs",
    types=(DOCDB_CLUSTER,),
    prop="enabledCloudwatchLogsExports",
    log="audit",
    severity="medium",
    category="governance",
    controls=(GDPR_RECORDS, "pci-10-2-1", "fsbp-documentdb-4"),
    description="DocumentDB clusters publish their audit log to CloudWatch Logs.",
    why="The audit log (authentication, DDL, user management) is the record of who did what to the data; kept "
    "only on the cluster it is lost with it. (The cluster parameter `audit_logs` must be enabled too.)",
    remediation='Set `enabled_cloudwatch_logs_exports=["audit", "profiler"]` on `aws.docdb.Cluster`.',
)
flag_rule(
    __name__,
    "docdb-deletion-protection",
    types=(DOCDB_CLUSTER,),
    prop="deletionProtection",
    want=True,
    default=False,
    harm="one API call deletes the cluster",
    severity="medium",
    category="resilience",
    controls=(GDPR_RESTORE, "fsbp-documentdb-5"),
    description="DocumentDB clusters have deletion protection on.",
    why="Deletion protection is what stops a mistaken destroy or diff from removing the database.",
    remediation="Set `deletion_protection=True` on `aws.docdb.Cluster`.",
)
