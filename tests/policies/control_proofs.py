"""Which case proves which catalogue control: the evidence behind every "covered" in docs/compliance.md.

A control is covered only when a case violates it and a policy citing it reports that case (and passes the case's
compliant twin). The cases are the ones the policy tests already run (tests/policies/cases/, the stack mutations of
tests/policies/stack_cases.py); this module says which of them violates which control:

- a policy that cites **one** catalogue control proves it with every case of its that is reported under the
  portable profile (a case only the house settings report proves the house rule, not the control), at least one;
- a policy that cites **several** must say here, control by control, which mutations violate which control
  (``SELECTORS``): a case for RDS instances does not prove a control about clusters, an open port 443 does not prove
  EC2.53's administration ports, and a policy that cites a control no mutation violates cannot keep the citation.

tests/policies/test_control_proofs.py runs every proof under the portable profile (the catalogues' own parameters)
and fails for a cited control without one; ``python -m tests.policies.test_control_proofs`` prints the table
written to docs/control-proofs.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policies.engine import tokens as T

# (resource type, mutated property, case label) of a policy's cases or stack mutations.
Selector = tuple[str, str, str]

SELECTORS: dict[str, dict[str, list[Selector]]] = {
    "atlas-auditing-enabled": {
        "atlas-projects-auditing-enabled": [(T.ATLAS_AUDITING, "enabled", "")],
        "atlas-checklist-auditing-authorizations": [(T.ATLAS_AUDITING, "auditAuthorizationSuccess", "")],
    },
    "atlas-organization-hardened": {
        "atlas-organizations-mfa-required": [
            (T.ATLAS_ORGANIZATION, "multiFactorAuthRequired", ""),
            (T.ATLAS_ORGANIZATION, "multiFactorAuthRequired", "absent"),
        ],
        "atlas-organizations-api-access-list-required": [
            (T.ATLAS_ORGANIZATION, "apiAccessListRequired", ""),
            (T.ATLAS_ORGANIZATION, "apiAccessListRequired", "absent"),
        ],
        "atlas-organizations-security-contact-defined": [
            (T.ATLAS_ORGANIZATION, "securityContact", ""),
            (T.ATLAS_ORGANIZATION, "securityContact", "absent"),
        ],
    },
    # KMS.1 is about customer managed policies, KMS.2 about inline ones.
    "iam-no-decrypt-all-keys": {
        "fsbp-kms-1": [(T.IAM_POLICY, "policy", "kms:* on key/*")],
        "fsbp-kms-2": [(T.IAM_ROLE_POLICY, "policy", ""), (T.IAM_ROLE, "inlinePolicies.0.policy", "inline")],
    },
    # EC2.18: a port neither authorized (80, 443) nor high-risk; EC2.19: a high-risk port; EC2.53/54: SSH from
    # 0.0.0.0/0 and from ::/0.
    "sg-no-open-ingress": {
        "fsbp-ec2-18": [
            (T.SECURITY_GROUP, "ingress.0.cidrBlocks", "8443"),
            (T.SG_RULE, "cidrBlocks", "8443"),
            (T.SG_INGRESS_RULE, "cidrIpv4", "8443"),
        ],
        "fsbp-ec2-19": [(T.SECURITY_GROUP, "ingress.0.cidrBlocks", "3306")],
        "fsbp-ec2-53": [(T.SECURITY_GROUP, "ingress.0.cidrBlocks", "ssh")],
        "fsbp-ec2-54": [(T.SECURITY_GROUP, "ingress.0.ipv6CidrBlocks", "ssh")],
    },
    # Policies citing one control but checking more than it asks: only these mutations violate the control (the
    # others are this platform's stricter settings, reported in the house profile).
    "elasticache-in-subnet-group": {"fsbp-elasticache-7": [(T.EC_REPLICATION_GROUP, "subnetGroupName", "")]},
    "elasticache-transit-encryption-required": {
        "fsbp-elasticache-5": [(T.EC_REPLICATION_GROUP, "transitEncryptionEnabled", "")]
    },
    "kms-key-rotation": {"fsbp-kms-4": [(T.KMS_KEY, "enableKeyRotation", "")]},
    # CloudWatch.15: an alarm action; CloudWatch.17: actions activated.
    "metric-alarm-notifies": {
        "fsbp-cloudwatch-15": [(T.METRIC_ALARM, "alarmActions", "")],
        "fsbp-cloudwatch-17": [(T.METRIC_ALARM, "actionsEnabled", "")],
    },
    "rds-storage-encrypted": {
        "fsbp-rds-3": [(T.RDS_INSTANCE, "storageEncrypted", "")],
        "fsbp-rds-27": [(T.RDS_CLUSTER, "storageEncrypted", "")],
    },
    "rds-iam-authentication": {
        "fsbp-rds-10": [(T.RDS_INSTANCE, "iamDatabaseAuthenticationEnabled", "")],
        "fsbp-rds-12": [(T.RDS_CLUSTER, "iamDatabaseAuthenticationEnabled", "")],
    },
    "rds-backup-retention": {
        "fsbp-rds-11": [(T.RDS_INSTANCE, "backupRetentionPeriod", "no backups")],
        "cis-pg-backups": [
            (T.RDS_INSTANCE, "backupRetentionPeriod", "no backups"),
            (T.RDS_CLUSTER, "backupRetentionPeriod", ""),
        ],
    },
    "rds-deletion-protection": {
        "fsbp-rds-8": [(T.RDS_INSTANCE, "deletionProtection", "")],
        "fsbp-rds-7": [(T.RDS_CLUSTER, "deletionProtection", "")],
    },
    # RDS.9 any instance, RDS.36 PostgreSQL instances (postgresql and upgrade logs), RDS.37 Aurora PostgreSQL.
    "rds-log-exports": {
        "fsbp-rds-9": [
            (T.RDS_INSTANCE, "enabledCloudwatchLogsExports", ""),
            (T.RDS_INSTANCE, "enabledCloudwatchLogsExports", "none"),
        ],
        "fsbp-rds-36": [
            (T.RDS_INSTANCE, "enabledCloudwatchLogsExports", ""),
            (T.RDS_INSTANCE, "enabledCloudwatchLogsExports", "none"),
        ],
        "fsbp-rds-37": [(T.RDS_CLUSTER, "enabledCloudwatchLogsExports", "")],
    },
    "rds-auto-minor-version-upgrade": {
        "fsbp-rds-13": [(T.RDS_INSTANCE, "autoMinorVersionUpgrade", "")],
        "fsbp-rds-35": [(T.RDS_CLUSTER, "autoMinorVersionUpgrade", "")],
        "cis-pg-1-patches": [(T.RDS_INSTANCE, "autoMinorVersionUpgrade", "")],
    },
    # RDS.16: Aurora (and Multi-AZ) clusters; RDS.47: RDS for PostgreSQL (Multi-AZ DB) clusters; RDS.17 instances.
    "rds-copy-tags-to-snapshot": {
        "fsbp-rds-17": [(T.RDS_INSTANCE, "copyTagsToSnapshot", "")],
        "fsbp-rds-16": [(T.RDS_CLUSTER, "copyTagsToSnapshot", "")],
        "fsbp-rds-47": [(T.RDS_CLUSTER, "copyTagsToSnapshot", "multi-az postgres")],
    },
    # PG_PARAMS: parameters.1 is log_connections, parameters.2 log_disconnections.
    "rds-parameter-group-logging": {
        "cis-pg-log-connections": [(T.RDS_PARAMETER_GROUP, "parameters.1.value", "")],
        "cis-pg-log-disconnections": [(T.RDS_PARAMETER_GROUP, "parameters.2.value", "disconnections")],
    },
    "rds-parameter-group-hardening": {
        "cis-pg-password-encryption": [(T.RDS_PARAMETER_GROUP, "parameters.5.value", "md5")],
        "cis-pg-tls-min": [(T.RDS_PARAMETER_GROUP, "parameters.6.value", "tls 1.0")],
        "cis-pg-log-statement": [(T.RDS_PARAMETER_GROUP, "parameters.7.value", "no ddl log")],
        "cis-pg-pgaudit": [(T.RDS_PARAMETER_GROUP, "parameters.4.value", "no pgaudit")],
    },
    "rds-custom-master-username": {
        "fsbp-rds-25": [(T.RDS_INSTANCE, "username", "")],
        "fsbp-rds-24": [(T.RDS_CLUSTER, "masterUsername", "cluster")],
    },
    # RDS.19 clusters, RDS.20 instances, RDS.21 parameter groups, RDS.22 DB security groups.
    "stack-rds-event-subscriptions": {
        "fsbp-rds-19": [
            (T.RDS_CLUSTER, "clusterIdentifier", ""),
            (T.RDS_EVENT_SUBSCRIPTION, "sourceType", ""),
        ],
        "fsbp-rds-20": [
            (T.RDS_INSTANCE, "identifier", ""),
            (T.RDS_EVENT_SUBSCRIPTION, "eventCategories", ""),
            (T.RDS_EVENT_SUBSCRIPTION, "sourceIds", ""),
        ],
        "fsbp-rds-21": [
            (T.RDS_PARAMETER_GROUP, "name", ""),
            (T.RDS_EVENT_SUBSCRIPTION, "snsTopic", ""),
        ],
        "fsbp-rds-22": [(T.RDS_EVENT_SUBSCRIPTION, "enabled", "")],
    },
    # S3.2 public read, S3.3 public write, S3.12 an ACL granting access beyond the owner.
    "s3-no-public-acl": {
        "fsbp-s3-2": [(T.S3_BUCKET, "acl", "")],
        "fsbp-s3-3": [(T.S3_ACL, "acl", "")],
        "fsbp-s3-12": [(T.S3_BUCKET, "acl", ""), (T.S3_ACL, "acl", "")],
    },
    "s3-policy-not-public": {
        "fsbp-s3-2": [(T.S3_POLICY, "policy", "public read")],
        "fsbp-s3-3": [(T.S3_POLICY, "policy", "public write")],
    },
    # S3.10: the versioned audit bucket loses its lifecycle; S3.13: any bucket without one.
    "stack-s3-lifecycle": {
        "fsbp-s3-10": [(T.S3_BUCKET, "bucket", ""), (T.S3_LIFECYCLE, "rules[].status", "")],
        "fsbp-s3-13": [(T.S3_BUCKET_V2, "bucket", ""), (T.S3_LIFECYCLE, "bucket", "")],
    },
    # SecretsManager.1: rotation switched off; SecretsManager.4: rotated less often than every 90 days.
    "secret-rotation-90-days": {
        "fsbp-secretsmanager-1": [(T.SECRET_ROTATION, "rotationEnabled", "")],
        "fsbp-secretsmanager-4": [(T.SECRET_ROTATION, "rotationRules.automaticallyAfterDays", "")],
    },
}


@dataclass(frozen=True)
class Proof:
    """One case that violates ``control``: the policy, the compliant twin and the one-property change."""

    control: str
    policy: str
    rtype: str
    path: str
    label: str
    kind: str  # "resource" (a one-resource stack) or "stack" (the compliant stack fixture)
    case: Any  # tests.policies.helpers.Case, or the stack mutation tuple
    value: Any = None

    @property
    def id(self) -> str:
        label = f"/{self.label}" if self.label else ""
        return f"{self.control}<-{self.policy}[{self.rtype.rsplit(':', 1)[-1]}{label}]:{self.path}"
