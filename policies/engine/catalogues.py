"""The public control catalogues the pack is measured against, control by control.

Three catalogues, restricted to what an AWS + MongoDB Atlas data tier declares (RDS, ElastiCache, KMS, AWS Backup,
S3, Lambda, API Gateway, Secrets Manager, SNS, SQS, Cognito, CloudWatch, EC2 networking, IAM, Atlas):

- **AWS Security Hub Foundational Security Best Practices** (FSBP) controls of those services;
- **CIS PostgreSQL Benchmark** recommendations, as far as RDS exposes them (parameters, instance settings);
- **MongoDB Atlas**: Prowler's ``mongodbatlas`` checks and MongoDB's Atlas security checklist.

A control is *covered* when a policy cites its key (``"fsbp-rds-3"``) in ``controls=``; it is never listed here as
covered by hand, so the table cannot claim a policy that does not exist. Every control that no policy cites says
why, as one of:

- ``not-expressible``: the control is about runtime state or account-wide settings the stack's declared inputs
  do not hold (a secret's last rotation, the account's S3 Block Public Access);
- ``not-applicable``: the control is about an engine or resource kind this platform does not run (MySQL, EC2
  instances) — named so a reviewer auditing another stack knows the pack is silent there;
- ``gap``: expressible and applicable, not implemented yet. Gaps are listed, not hidden.

tests/policies/test_catalogues.py holds both directions; docs/compliance.md gets one coverage table per catalogue.
Standard library only (the pack's runtime).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Uncovered = Literal["not-expressible", "not-applicable", "gap"]


@dataclass(frozen=True)
class CatalogueControl:
    key: str
    ref: str
    title: str
    uncovered: tuple[Uncovered, str] | None = None
    """Why no policy cites it (None: some policy must)."""


@dataclass(frozen=True)
class Catalogue:
    key: str
    name: str
    version: str
    url: str
    controls: tuple[CatalogueControl, ...]


NE, NA, GAP = "not-expressible", "not-applicable", "gap"
_OTHER_ENGINE = (NA, "engine-specific (MySQL, MariaDB, SQL Server or Aurora MySQL): the pack targets PostgreSQL")


def _fsbp(ref: str, title: str, uncovered: tuple[Uncovered, str] | None = None) -> CatalogueControl:
    return CatalogueControl("fsbp-" + ref.lower().replace(".", "-"), ref, title, uncovered)


FSBP = Catalogue(
    "fsbp",
    "AWS Security Hub FSBP",
    "v1.0.0 (controls as of 2025)",
    "https://docs.aws.amazon.com/securityhub/latest/userguide/fsbp-standard.html",
    (
        _fsbp("RDS.1", "RDS snapshots should be private"),
        _fsbp("RDS.2", "RDS DB instances should prohibit public access"),
        _fsbp("RDS.3", "RDS DB instances should have encryption at rest enabled"),
        _fsbp(
            "RDS.4",
            "RDS cluster snapshots and database snapshots should be encrypted at rest",
            (
                GAP,
                "a snapshot is as encrypted as its source (aws.rds.Snapshot/ClusterSnapshot, or a SnapshotCopy "
                "without kms_key_id): no policy follows a snapshot to its source yet; rds-storage-encrypted holds "
                "the sources (RDS.3, RDS.27)",
            ),
        ),
        _fsbp("RDS.5", "RDS DB instances should be configured with multiple Availability Zones"),
        _fsbp("RDS.6", "Enhanced monitoring should be configured for RDS DB instances"),
        _fsbp("RDS.7", "RDS clusters should have deletion protection enabled"),
        _fsbp("RDS.8", "RDS DB instances should have deletion protection enabled"),
        _fsbp("RDS.9", "RDS DB instances should publish logs to CloudWatch Logs"),
        _fsbp("RDS.10", "IAM authentication should be configured for RDS instances"),
        _fsbp("RDS.11", "RDS instances should have automatic backups enabled"),
        _fsbp("RDS.12", "IAM authentication should be configured for RDS clusters"),
        _fsbp("RDS.13", "RDS automatic minor version upgrades should be enabled"),
        _fsbp("RDS.14", "Amazon Aurora clusters should have backtracking enabled", _OTHER_ENGINE),
        _fsbp("RDS.15", "RDS DB clusters should be configured for multiple Availability Zones"),
        _fsbp("RDS.16", "RDS DB clusters should be configured to copy tags to snapshots"),
        _fsbp("RDS.17", "RDS DB instances should be configured to copy tags to snapshots"),
        _fsbp(
            "RDS.18",
            "RDS instances should be deployed in a VPC",
            (
                NA,
                "EC2-Classic was retired in 2022: every RDS instance is in a VPC (without a subnet group, the default "
                "VPC's); where in the VPC is stack-data-subnets-not-internet-routed's question",
            ),
        ),
        _fsbp(
            "RDS.19", "Existing RDS event notification subscriptions should be configured for critical cluster events"
        ),
        _fsbp(
            "RDS.20",
            "Existing RDS event notification subscriptions should be configured for critical database instance events",
        ),
        _fsbp(
            "RDS.21",
            "An RDS event notifications subscription should be configured for critical database parameter group events",
        ),
        _fsbp(
            "RDS.22",
            "An RDS event notifications subscription should be configured for critical database security group events",
        ),
        _fsbp("RDS.23", "RDS instances should not use a database engine default port"),
        _fsbp("RDS.24", "RDS database clusters should use a custom administrator username"),
        _fsbp("RDS.25", "RDS database instances should use a custom administrator username"),
        _fsbp("RDS.27", "RDS DB clusters should be encrypted at rest"),
        _fsbp("RDS.34", "Aurora MySQL DB clusters should publish audit logs to CloudWatch Logs", _OTHER_ENGINE),
        _fsbp("RDS.35", "RDS DB clusters should have automatic minor version upgrade enabled"),
        _fsbp("RDS.36", "RDS for PostgreSQL DB instances should publish logs to CloudWatch Logs"),
        _fsbp("RDS.37", "Aurora PostgreSQL DB clusters should publish logs to CloudWatch Logs"),
        _fsbp("RDS.40", "RDS for SQL Server DB instances should publish logs to CloudWatch Logs", _OTHER_ENGINE),
        _fsbp("RDS.41", "RDS for SQL Server DB instances should be encrypted in transit", _OTHER_ENGINE),
        _fsbp("RDS.42", "RDS for MariaDB DB instances should publish logs to CloudWatch Logs", _OTHER_ENGINE),
        _fsbp("RDS.43", "RDS DB proxies should require TLS encryption for connections"),
        _fsbp("RDS.44", "RDS for MariaDB DB instances should be encrypted in transit", _OTHER_ENGINE),
        _fsbp("RDS.45", "Aurora MySQL DB clusters should have audit logging enabled", _OTHER_ENGINE),
        _fsbp("RDS.47", "RDS for PostgreSQL DB clusters should be configured to copy tags to DB snapshots"),
        _fsbp("RDS.48", "RDS for MySQL DB clusters should be configured to copy tags to DB snapshots", _OTHER_ENGINE),
        _fsbp("ElastiCache.1", "ElastiCache (Redis OSS) clusters should have automatic backups scheduled"),
        _fsbp("ElastiCache.2", "ElastiCache clusters should have automatic minor version upgrades enabled"),
        _fsbp("ElastiCache.3", "ElastiCache replication groups should have automatic failover enabled"),
        _fsbp("ElastiCache.4", "ElastiCache replication groups should be encrypted at rest"),
        _fsbp("ElastiCache.5", "ElastiCache replication groups should be encrypted in transit"),
        _fsbp(
            "ElastiCache.6",
            "ElastiCache (Redis OSS) replication groups of earlier versions should have Redis OSS AUTH enabled",
        ),
        _fsbp("ElastiCache.7", "ElastiCache clusters should not use the default subnet group"),
        _fsbp("KMS.1", "IAM customer managed policies should not allow decryption actions on all KMS keys"),
        _fsbp(
            "KMS.2", "IAM principals should not have IAM inline policies that allow decryption actions on all KMS keys"
        ),
        _fsbp(
            "KMS.3",
            "AWS KMS keys should not be deleted unintentionally",
            (
                NE,
                "the control fails on a key in PendingDeletion: a stack declares no such key (removing the resource "
                "schedules the deletion, which `ecomart diff` shows); kms-key-deletion-window's 7-day floor is the "
                "least AWS accepts, so no declared value can violate the control",
            ),
        ),
        _fsbp("KMS.4", "AWS KMS key rotation should be enabled"),
        _fsbp("KMS.5", "KMS keys should not be publicly accessible"),
        _fsbp(
            "Backup.1",
            "AWS Backup recovery points should be encrypted at rest",
            (
                GAP,
                "a vault always encrypts (its key, or aws/backup), except the backups of services that keep the "
                "source's encryption (RDS, Aurora): rds-storage-encrypted reports the unencrypted source, but no "
                "policy follows a backup selection to it yet",
            ),
        ),
        _fsbp(
            "S3.1",
            "S3 general purpose buckets should have block public access settings enabled (account level)",
            (NE, "an account-wide setting (s3:PutAccountPublicAccessBlock), not part of a stack's buckets"),
        ),
        _fsbp("S3.2", "S3 general purpose buckets should block public read access"),
        _fsbp("S3.3", "S3 general purpose buckets should block public write access"),
        _fsbp("S3.5", "S3 general purpose buckets should require requests to use SSL"),
        _fsbp(
            "S3.6",
            "S3 general purpose bucket policies should restrict access to other AWS accounts",
            (
                GAP,
                "blocklisted bucket actions (s3:PutBucketPolicy, s3:PutBucketAcl, ...) granted to principals of other "
                "accounts: s3-policy-not-public catches only the wildcard principal, and which account is the "
                "bucket's own is not in a bucket policy's inputs",
            ),
        ),
        _fsbp("S3.8", "S3 general purpose buckets should block public access (bucket level)"),
        _fsbp("S3.9", "S3 general purpose buckets should have server access logging enabled"),
        _fsbp("S3.10", "S3 general purpose buckets with versioning enabled should have lifecycle configurations"),
        _fsbp("S3.11", "S3 general purpose buckets should have event notifications enabled"),
        _fsbp("S3.12", "ACLs should not be used to manage user access to S3 general purpose buckets"),
        _fsbp("S3.13", "S3 general purpose buckets should have lifecycle configurations"),
        _fsbp("Lambda.1", "Lambda function policies should prohibit public access"),
        _fsbp("Lambda.2", "Lambda functions should use supported runtimes"),
        _fsbp("Lambda.3", "Lambda functions should be in a VPC"),
        _fsbp("Lambda.5", "VPC Lambda functions should operate in multiple Availability Zones"),
        _fsbp("APIGateway.1", "API Gateway REST and WebSocket API execution logging should be enabled"),
        _fsbp(
            "APIGateway.2",
            "API Gateway REST API stages should be configured to use SSL certificates for backend authentication",
        ),
        _fsbp("APIGateway.3", "API Gateway REST API stages should have AWS X-Ray tracing enabled"),
        _fsbp(
            "APIGateway.4",
            "API Gateway should be associated with a WAF Web ACL",
            (
                NE,
                "the association is a separate resource naming the stage by ARN; HTTP APIs cannot be associated at all",
            ),
        ),
        _fsbp("APIGateway.5", "API Gateway REST API cache data should be encrypted at rest"),
        _fsbp("APIGateway.8", "API Gateway routes should specify an authorization type"),
        _fsbp("APIGateway.9", "Access logging should be configured for API Gateway V2 Stages"),
        _fsbp("SecretsManager.1", "Secrets Manager secrets should have automatic rotation enabled"),
        _fsbp(
            "SecretsManager.2",
            "Secrets Manager secrets configured with automatic rotation should rotate successfully",
            (NE, "the outcome of past rotations is runtime state"),
        ),
        _fsbp(
            "SecretsManager.3",
            "Remove unused Secrets Manager secrets",
            (NE, "when a secret was last read is runtime state"),
        ),
        _fsbp("SecretsManager.4", "Secrets Manager secrets should be rotated within a specified number of days"),
        _fsbp(
            "DynamoDB.1",
            "DynamoDB tables should automatically scale capacity with demand",
            (GAP, "a PROVISIONED table is compliant with Application Auto Scaling targets: a stack policy to write"),
        ),
        _fsbp("DynamoDB.2", "DynamoDB tables should have point-in-time recovery enabled"),
        _fsbp("DynamoDB.3", "DynamoDB Accelerator (DAX) clusters should be encrypted at rest"),
        _fsbp(
            "DynamoDB.4",
            "DynamoDB tables should be present in a backup plan",
            (
                GAP,
                "a stack policy following AWS Backup selections to tables, as stack-rds-backup-coverage does for RDS",
            ),
        ),
        _fsbp("DynamoDB.6", "DynamoDB tables should have deletion protection enabled"),
        _fsbp("DynamoDB.7", "DynamoDB Accelerator clusters should be encrypted in transit"),
        _fsbp("DocumentDB.1", "Amazon DocumentDB clusters should be encrypted at rest"),
        _fsbp("DocumentDB.2", "Amazon DocumentDB clusters should have an adequate backup retention period"),
        _fsbp(
            "DocumentDB.3",
            "Amazon DocumentDB manual cluster snapshots should not be public",
            (NE, "sharing a snapshot is an API call (ModifyDBClusterSnapshotAttribute) no Pulumi resource declares"),
        ),
        _fsbp("DocumentDB.4", "Amazon DocumentDB clusters should publish audit logs to CloudWatch Logs"),
        _fsbp("DocumentDB.5", "Amazon DocumentDB clusters should have deletion protection enabled"),
        _fsbp("Neptune.1", "Neptune DB clusters should be encrypted at rest"),
        _fsbp("Neptune.2", "Neptune DB clusters should publish audit logs to CloudWatch Logs"),
        _fsbp(
            "Neptune.3",
            "Neptune DB cluster snapshots should not be public",
            (NE, "sharing a snapshot is an API call (ModifyDBClusterSnapshotAttribute) no Pulumi resource declares"),
        ),
        _fsbp("Neptune.4", "Neptune DB clusters should have deletion protection enabled"),
        _fsbp("Neptune.5", "Neptune DB clusters should have automated backups enabled"),
        _fsbp(
            "Neptune.6",
            "Neptune DB cluster snapshots should be encrypted at rest",
            (GAP, "a snapshot is as encrypted as its cluster (neptune-cluster-encrypted); no policy follows it yet"),
        ),
        _fsbp("Neptune.7", "Neptune DB clusters should have IAM database authentication enabled"),
        _fsbp("Neptune.8", "Neptune DB clusters should be configured to copy tags to snapshots"),
        _fsbp(
            "Neptune.9",
            "Neptune DB clusters should be deployed across multiple Availability Zones",
            (GAP, "a stack policy counting the Availability Zones of a cluster's instances, to write"),
        ),
        _fsbp("Redshift.1", "Amazon Redshift clusters should prohibit public access"),
        _fsbp("Redshift.2", "Connections to Amazon Redshift clusters should be encrypted in transit"),
        _fsbp("Redshift.3", "Amazon Redshift clusters should have automatic snapshots enabled"),
        _fsbp(
            "Redshift.4",
            "Amazon Redshift clusters should have audit logging enabled",
            (GAP, "a stack policy matching aws.redshift.Logging to clusters, to write"),
        ),
        _fsbp("Redshift.6", "Amazon Redshift should have automatic upgrades to major versions enabled"),
        _fsbp("Redshift.7", "Redshift clusters should use enhanced VPC routing"),
        _fsbp("Redshift.8", "Amazon Redshift clusters should not use the default Admin username"),
        _fsbp("Redshift.10", "Redshift clusters should be encrypted at rest"),
        _fsbp("EKS.1", "EKS cluster endpoints should not be publicly accessible"),
        _fsbp("AppSync.5", "AWS AppSync GraphQL APIs should not be authenticated with API keys"),
        _fsbp("ECS.8", "Secrets should not be passed as container environment variables"),
        _fsbp("SNS.1", "SNS topics should be encrypted at rest using AWS KMS"),
        _fsbp("SNS.4", "SNS topic access policies should not allow public access"),
        _fsbp("SQS.1", "Amazon SQS queues should be encrypted at rest"),
        _fsbp("SQS.3", "SQS queue access policies should not allow public access"),
        _fsbp(
            "Cognito.1",
            "Cognito user pools should have threat protection activated with full function enforcement "
            "mode for standard authentication",
        ),
        _fsbp("Cognito.2", "Cognito identity pools should not allow unauthenticated identities"),
        _fsbp("Cognito.3", "Password policies for Cognito user pools should have strong configurations"),
        _fsbp("CloudWatch.15", "CloudWatch alarms should have specified actions configured"),
        _fsbp("CloudWatch.16", "CloudWatch log groups should be retained for a specified time period"),
        _fsbp("CloudWatch.17", "CloudWatch alarm actions should be activated"),
        _fsbp("EC2.2", "VPC default security groups should not allow inbound or outbound traffic"),
        _fsbp("EC2.6", "VPC flow logging should be enabled in all VPCs"),
        _fsbp("EC2.15", "EC2 subnets should not automatically assign public IP addresses"),
        _fsbp("EC2.16", "Unused Network Access Control Lists should be removed"),
        _fsbp("EC2.18", "Security groups should only allow unrestricted incoming traffic for authorized ports"),
        _fsbp("EC2.19", "Security groups should not allow unrestricted access to ports with high risk"),
        _fsbp("EC2.21", "Network ACLs should not allow ingress from 0.0.0.0/0 to port 22 or port 3389"),
        _fsbp(
            "EC2.53",
            "EC2 security groups should not allow ingress from 0.0.0.0/0 to remote server administration ports",
        ),
        _fsbp("EC2.54", "EC2 security groups should not allow ingress from ::/0 to remote server administration ports"),
        _fsbp("IAM.1", 'IAM policies should not allow full "*" administrative privileges'),
        _fsbp(
            "IAM.2",
            "IAM users should not have IAM policies attached",
            (NA, "the data tier declares no IAM users (roles only)"),
        ),
        _fsbp(
            "IAM.3",
            "IAM users' access keys should be rotated every 90 days or less",
            (NE, "access-key age is account state"),
        ),
        _fsbp("IAM.4", "IAM root user access key should not exist", (NE, "an account setting")),
        _fsbp(
            "IAM.5",
            "MFA should be enabled for all IAM users that have a console password",
            (NE, "console credentials are account state"),
        ),
        _fsbp("IAM.6", "Hardware MFA should be enabled for the root user", (NE, "an account setting")),
        _fsbp(
            "IAM.7",
            "Password policies for IAM users should have strong configurations",
            (NA, "the account password policy is not part of the data tier"),
        ),
        _fsbp("IAM.8", "Unused IAM user credentials should be removed", (NE, "last use is runtime state")),
        _fsbp("IAM.21", "IAM customer managed policies that you create should not allow wildcard actions for services"),
    ),
)

CIS_POSTGRES = Catalogue(
    "cis-pg",
    "CIS PostgreSQL Benchmark",
    "PostgreSQL 15 v1.1.0 (settings RDS exposes)",
    "https://www.cisecurity.org/benchmark/postgresql",
    (
        CatalogueControl("cis-pg-1-patches", "1 (patches)", "PostgreSQL versions are up to date"),
        CatalogueControl(
            "cis-pg-2-files",
            "2",
            "Directory and file permissions",
            (NE, "RDS manages the host: there is no file system to declare"),
        ),
        CatalogueControl("cis-pg-log-connections", "3.1.20", "Ensure 'log_connections' is enabled"),
        CatalogueControl(
            "cis-pg-log-disconnections", "3.1 (log_disconnections)", "Ensure 'log_disconnections' is enabled"
        ),
        CatalogueControl(
            "cis-pg-log-statement", "3.1 (log_statement)", "Ensure 'log_statement' is set correctly (at least ddl)"
        ),
        CatalogueControl(
            "cis-pg-log-line-prefix",
            "3.1 (log_line_prefix)",
            "Ensure 'log_line_prefix' is set correctly",
            (NE, "RDS fixes log_line_prefix; it is not a modifiable parameter"),
        ),
        CatalogueControl("cis-pg-pgaudit", "3.2", "Ensure the PostgreSQL Audit Extension (pgAudit) is enabled"),
        CatalogueControl(
            "cis-pg-superuser",
            "4 (roles)",
            "Superuser and privileged roles are limited",
            (
                NE,
                "roles live inside the database; the migrations function creates the app's role "
                "with DML only (tests/app/test_lambda_handlers.py), the pack cannot see it",
            ),
        ),
        CatalogueControl(
            "cis-pg-password-encryption", "5 (password_encryption)", "Passwords are hashed with SCRAM-SHA-256"
        ),
        CatalogueControl("cis-pg-tls", "6 (ssl)", "Ensure TLS is enabled and configured correctly"),
        CatalogueControl("cis-pg-tls-min", "6 (ssl_min_protocol_version)", "TLS 1.0 and 1.1 are disabled"),
        CatalogueControl(
            "cis-pg-replication",
            "7",
            "Replication is configured and its traffic protected",
            (NE, "RDS manages replication (Multi-AZ, read replicas); the pack judges Multi-AZ and encryption instead"),
        ),
        CatalogueControl("cis-pg-backups", "8 (backups)", "Backups are taken and retained"),
    ),
)

ATLAS_CHECKS = Catalogue(
    "atlas",
    "MongoDB Atlas (Prowler mongodbatlas checks; Atlas security checklist)",
    "Prowler 5 checks; MongoDB Atlas security checklist",
    "https://www.mongodb.com/docs/atlas/setup-cluster-security/",
    (
        CatalogueControl(
            "atlas-clusters-authentication-enabled",
            "clusters_authentication_enabled",
            "Database users authenticate (no unauthenticated access)",
        ),
        CatalogueControl("atlas-clusters-backup-enabled", "clusters_backup_enabled", "Cluster backups are enabled"),
        CatalogueControl(
            "atlas-clusters-encryption-at-rest-enabled",
            "clusters_encryption_at_rest_enabled",
            "Encryption at rest with a customer key",
        ),
        CatalogueControl("atlas-clusters-tls-enabled", "clusters_tls_enabled", "TLS 1.2 or newer"),
        CatalogueControl(
            "atlas-organizations-api-access-list-required",
            "organizations_api_access_list_required",
            "The organization requires an API access list",
        ),
        CatalogueControl(
            "atlas-organizations-mfa-required", "organizations_mfa_required", "The organization requires MFA"
        ),
        CatalogueControl(
            "atlas-organizations-security-contact-defined",
            "organizations_security_contact_defined",
            "The organization names a security contact",
        ),
        CatalogueControl(
            "atlas-organizations-service-account-secrets-expiration",
            "organizations_service_account_secrets_expiration",
            "Service account secrets expire",
        ),
        CatalogueControl("atlas-projects-auditing-enabled", "projects_auditing_enabled", "Database auditing is on"),
        CatalogueControl(
            "atlas-projects-network-access-list-exposed-to-internet",
            "projects_network_access_list_exposed_to_internet",
            "The IP access list does not admit the internet",
        ),
        CatalogueControl(
            "atlas-checklist-dedicated-tier",
            "checklist: cluster tier",
            "Production clusters are dedicated (not shared-tier/Flex: no customer keys, no PITR)",
        ),
        CatalogueControl(
            "atlas-checklist-retain-backups",
            "checklist: backups after deletion",
            "Backups are kept when a cluster is deleted",
        ),
        CatalogueControl(
            "atlas-checklist-auditing-authorizations",
            "checklist: auditing",
            "Auditing includes successful authorizations",
        ),
        CatalogueControl("atlas-checklist-privatelink", "checklist: PrivateLink", "Access over private endpoints only"),
        CatalogueControl(
            "atlas-checklist-backup-compliance-policy",
            "checklist: backup compliance policy",
            "A backup compliance policy enforces encryption, PITR and copy protection",
        ),
        CatalogueControl(
            "atlas-checklist-default-alerts",
            "checklist: alerts",
            "Default alerts are kept (with_default_alerts_settings)",
        ),
    ),
)

CATALOGUES: tuple[Catalogue, ...] = (FSBP, CIS_POSTGRES, ATLAS_CHECKS)


def catalogue_controls() -> dict[str, tuple[Catalogue, CatalogueControl]]:
    return {c.key: (cat, c) for cat in CATALOGUES for c in cat.controls}
