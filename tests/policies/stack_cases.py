"""The stack-policy harness the per-service test files share: the compliant stack, the one-property mutation of
every property each stack policy checks, and the three generic tests (compliant passes; every checked property has a
mutation that is reported; a preview with unknown references is never a violation), generated per service so each
service's stack policies are tested beside its resource policies (``tests/policies/test_<service>_stack_policies.py``).
"""

from __future__ import annotations

import copy
import json

import pytest

from policies.engine import tokens as T
from policies.engine.checker import check_export
from policies.engine.core import meta_of
from policies.engine.registry import stack_policies
from tests.policies.helpers import UNKNOWN
from tests.policies.stack_fixture import (  # noqa: F401
    AUDIT_BUCKET,
    CLUSTER_ARN,
    DELETE,
    KEYS,
    REPLICA_KEY_ARN,
    WRITER_ARN,
    compliant_stack,
    find,
    set_prop,
    urn,
)

POLICIES = {p.name: p for p in stack_policies()}


def mandatory_config(tmp_path_factory):
    path = tmp_path_factory.mktemp("cfg") / "all-mandatory.json"
    path.write_text(json.dumps({"all": "mandatory"}))
    return path


def run(policy_id: str, doc: dict, config) -> list[str]:
    result = check_export(doc, stack="prod", config_file=config, policies=[POLICIES[policy_id]])
    return [f"{v.urn.rsplit('::', 1)[-1]}: {v.message}" for v in result.violations]


def _selection_by_tags(doc):
    set_prop(doc, "selection", "resources", [])
    set_prop(doc, "selection", "selectionTags", [{"type": "STRINGEQUALS", "key": "backup", "value": "daily"}])
    for name in ("pg-writer", "aurora"):
        tags = find(doc, name)["inputs"]["tags"]
        set_prop(doc, name, "tags", {**tags, "backup": "daily"})


def _rename(doc: dict, name: str, prop: str, new: str) -> None:
    """A resource's name property and id changed together (RDS names its resources by them)."""
    set_prop(doc, name, prop, new)
    set_prop(doc, name, "id", new)
    find(doc, name)["id"] = new


def _rename_bucket(doc: dict, name: str, new: str) -> None:
    """The bucket's name, id and ARN changed: what referred to it by name now refers to nothing."""
    for prop, value in (("bucket", new), ("id", new), ("arn", f"arn:aws:s3:::{new}")):
        set_prop(doc, name, prop, value)
    find(doc, name)["id"] = new


def _add_bucket(doc: dict, name: str, bucket: str, rtype: str = T.S3_BUCKET) -> None:
    doc["deployment"]["resources"].append(
        {
            "urn": urn(rtype, name),
            "custom": True,
            "type": rtype,
            "id": bucket,
            "inputs": {"bucket": bucket, "tags": dict(find(doc, "audit-bucket")["inputs"]["tags"])},
            "outputs": {
                "bucket": bucket,
                "id": bucket,
                "arn": f"arn:aws:s3:::{bucket}",
                "tags": dict(find(doc, "audit-bucket")["inputs"]["tags"]),
            },
        }
    )


def _as_v2(doc: dict, name: str) -> None:
    entry = find(doc, name)
    entry["type"], entry["urn"] = T.S3_BUCKET_V2, urn(T.S3_BUCKET_V2, name)


def _drop(doc: dict, name: str) -> None:
    doc["deployment"]["resources"].remove(find(doc, name))


PLAIN = "ecomart-prod-plain"  # a bucket nothing protects


def _with_audit_sources(doc: dict) -> None:
    """A plain bucket beside the stack, and the flow log and a Config channel delivering to the audit bucket."""
    _add_bucket(doc, "plain-bucket", PLAIN)
    set_prop(doc, "flow", "logDestinationType", "s3")
    set_prop(doc, "flow", "logDestination", f"arn:aws:s3:::{AUDIT_BUCKET}/flow-logs/")
    doc["deployment"]["resources"].append(
        {
            "urn": urn(T.CONFIG_DELIVERY_CHANNEL, "config-channel"),
            "custom": True,
            "type": T.CONFIG_DELIVERY_CHANNEL,
            "id": "default",
            "inputs": {"name": "default", "s3BucketName": AUDIT_BUCKET},
            "outputs": {"name": "default", "s3BucketName": AUDIT_BUCKET, "id": "default"},
        }
    )


def _notify_by(prop: str, value):
    def setup(doc: dict) -> None:
        set_prop(doc, "meta-log-bucket-notification", "topics", DELETE)
        set_prop(doc, "meta-log-bucket-notification", prop, value)

    return setup


# (policy, resource type, property, label, setup or None, mutation) -- setup builds a compliant variant first.
M = [
    (
        "s3-encryption-cmk",
        T.S3_SSE,
        "rules[].applyServerSideEncryptionByDefault.sseAlgorithm",
        "",
        None,
        lambda d: set_prop(
            d, "audit-bucket-encryption", "rules", [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
        ),
    ),
    (
        "s3-encryption-cmk",
        T.S3_SSE,
        "rules[].applyServerSideEncryptionByDefault.sseAlgorithm",
        "log target under SSE-KMS",
        None,
        lambda d: set_prop(
            d,
            "access-log-bucket-encryption",
            "rules",
            [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEYS["logs"][1]}}],
        ),
    ),
    (
        "s3-encryption-cmk",
        T.S3_SSE,
        "rules[].applyServerSideEncryptionByDefault.kmsMasterKeyId",
        "",
        None,
        lambda d: set_prop(
            d, "audit-bucket-encryption", "rules", [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}]
        ),
    ),
    (
        "s3-encryption-cmk",
        T.S3_LOGGING,
        "targetBucket",
        "",
        None,
        lambda d: set_prop(d, "access-log-bucket-logging", "targetBucket", AUDIT_BUCKET),
    ),
    (
        "stack-kms-keys-explicit-policy",
        T.KMS_KEY,
        "policy",
        "",
        None,
        lambda d: set_prop(d, "key-logs", "policy", DELETE),
    ),
    (
        "stack-kms-keys-explicit-policy",
        T.KMS_KEY,
        "policy",
        "default",
        None,
        lambda d: set_prop(
            d,
            "key-logs",
            "policy",
            json.dumps(
                {
                    "Version": "2012-10-17",
                    "Id": "key-default-1",
                    "Statement": [
                        {
                            "Sid": "Enable IAM User Permissions",
                            "Effect": "Allow",
                            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                            "Action": "kms:*",
                            "Resource": "*",
                        }
                    ],
                }
            ),
        ),
    ),
    (
        "stack-kms-keys-explicit-policy",
        T.KMS_KEY_POLICY,
        "keyId",
        "",
        None,
        lambda d: set_prop(d, "key-document-policy", "keyId", KEYS["relational"][0]),
    ),
    (
        "stack-data-subnets-not-internet-routed",
        T.ROUTE_TABLE_ASSOCIATION,
        "routeTableId",
        "",
        None,
        lambda d: set_prop(d, "rta-data-0", "routeTableId", "rtb-public"),
    ),
    (
        "stack-data-subnets-not-internet-routed",
        T.ROUTE_TABLE,
        "routes[].gatewayId",
        "",
        None,
        lambda d: set_prop(d, "rt-data", "routes", [{"cidrBlock": "0.0.0.0/0", "gatewayId": "igw-1"}]),
    ),
    (
        "stack-data-subnets-not-internet-routed",
        T.ROUTE,
        "gatewayId",
        "",
        None,
        lambda d: (
            set_prop(d, "rt-data-v6", "egressOnlyGatewayId", DELETE),
            set_prop(d, "rt-data-v6", "gatewayId", "igw-1"),
        ),
    ),
    (
        "stack-data-subnets-not-internet-routed",
        T.RDS_SUBNET_GROUP,
        "subnetIds",
        "",
        None,
        lambda d: set_prop(d, "pg-subnets", "subnetIds", ["subnet-d0", "subnet-a0"]),
    ),
    (
        "stack-data-subnets-not-internet-routed",
        T.EC_SUBNET_GROUP,
        "subnetIds",
        "",
        None,
        lambda d: set_prop(d, "cache-subnets", "subnetIds", ["subnet-a0", "subnet-d1"]),
    ),
    (
        "stack-data-subnets-not-internet-routed",
        T.MAIN_ROUTE_TABLE_ASSOCIATION,
        "routeTableId",
        "",
        lambda d: _drop(d, "rta-data-1"),
        lambda d: set_prop(d, "rt-main", "routeTableId", "rtb-public"),
    ),
    (
        "stack-secrets-rotated",
        T.SECRET_ROTATION,
        "secretId",
        "",
        None,
        lambda d: set_prop(
            d, "partner-api-rotation", "secretId", "arn:aws:secretsmanager:us-east-1:123456789012:secret:other"
        ),
    ),
    ("stack-secrets-rotated", T.SECRET, "id", "", None, lambda d: _drop(d, "partner-api-rotation")),
    (
        "stack-secrets-rotated",
        T.SECRET,
        "arn",
        "",
        None,
        lambda d: (
            set_prop(d, "partner-api", "arn", "arn:aws:secretsmanager:us-east-1:123456789012:secret:renamed"),
            set_prop(d, "partner-api", "id", "arn:aws:secretsmanager:us-east-1:123456789012:secret:renamed"),
            find(d, "partner-api").__setitem__("id", "arn:aws:secretsmanager:us-east-1:123456789012:secret:renamed"),
        ),
    ),
    (
        "stack-rds-event-subscriptions",
        T.RDS_INSTANCE,
        "identifier",
        "",
        None,
        lambda d: _rename(d, "pg-replica", "identifier", "pg-replica-9"),
    ),
    (
        "stack-rds-event-subscriptions",
        T.RDS_CLUSTER,
        "clusterIdentifier",
        "",
        None,
        lambda d: _rename(d, "aurora", "clusterIdentifier", "aurora-9"),
    ),
    (
        "stack-rds-event-subscriptions",
        T.RDS_PARAMETER_GROUP,
        "name",
        "",
        None,
        lambda d: _rename(d, "pg-params", "name", "pg15-custom"),
    ),
    (
        "stack-rds-event-subscriptions",
        T.RDS_EVENT_SUBSCRIPTION,
        "sourceType",
        "",
        None,
        lambda d: set_prop(d, "events-db-cluster", "sourceType", "db-cluster-snapshot"),
    ),
    (
        "stack-rds-event-subscriptions",
        T.RDS_EVENT_SUBSCRIPTION,
        "eventCategories",
        "",
        None,
        lambda d: set_prop(d, "events-db-instance", "eventCategories", ["failure", "maintenance"]),
    ),
    (
        "stack-rds-event-subscriptions",
        T.RDS_EVENT_SUBSCRIPTION,
        "sourceIds",
        "",
        None,
        lambda d: set_prop(d, "events-db-instance", "sourceIds", ["pg"]),
    ),
    (
        "stack-rds-event-subscriptions",
        T.RDS_EVENT_SUBSCRIPTION,
        "enabled",
        "",
        None,
        lambda d: set_prop(d, "events-db-security-group", "enabled", False),
    ),
    (
        "stack-rds-event-subscriptions",
        T.RDS_EVENT_SUBSCRIPTION,
        "snsTopic",
        "",
        None,
        lambda d: set_prop(d, "events-db-parameter-group", "snsTopic", DELETE),
    ),
    (
        "stack-s3-access-logging",
        T.S3_BUCKET,
        "bucket",
        "",
        None,
        lambda d: _rename_bucket(d, "audit-bucket", "ecomart-prod-renamed"),
    ),
    (
        "stack-s3-access-logging",
        T.S3_BUCKET_V2,
        "bucket",
        "",
        None,
        lambda d: _add_bucket(d, "legacy-bucket", "ecomart-prod-legacy", T.S3_BUCKET_V2),
    ),
    (
        "stack-s3-access-logging",
        T.S3_LOGGING,
        "bucket",
        "",
        None,
        lambda d: set_prop(d, "audit-bucket-logging", "bucket", "ecomart-prod-other"),
    ),
    (
        "stack-s3-access-logging",
        T.S3_LOGGING,
        "targetBucket",
        "into itself",
        None,
        lambda d: set_prop(d, "audit-bucket-logging", "targetBucket", AUDIT_BUCKET),
    ),
    (
        "stack-s3-lifecycle",
        T.S3_BUCKET,
        "bucket",
        "",
        None,
        lambda d: _rename_bucket(d, "audit-bucket", "ecomart-prod-renamed"),
    ),
    (
        "stack-s3-lifecycle",
        T.S3_BUCKET_V2,
        "bucket",
        "",
        None,
        lambda d: _add_bucket(d, "legacy-bucket", "ecomart-prod-legacy", T.S3_BUCKET_V2),
    ),
    (
        "stack-s3-lifecycle",
        T.S3_LIFECYCLE,
        "bucket",
        "",
        None,
        lambda d: set_prop(d, "audit-bucket-lifecycle", "bucket", "ecomart-prod-other"),
    ),
    (
        "stack-s3-lifecycle",
        T.S3_LIFECYCLE,
        "rules[].status",
        "",
        None,
        lambda d: set_prop(d, "audit-bucket-lifecycle", "rules.0.status", "Disabled"),
    ),
    (
        "stack-s3-event-notifications",
        T.S3_BUCKET,
        "bucket",
        "",
        None,
        lambda d: _rename_bucket(d, "audit-bucket", "ecomart-prod-renamed"),
    ),
    (
        "stack-s3-event-notifications",
        T.S3_BUCKET_V2,
        "bucket",
        "",
        None,
        lambda d: _add_bucket(d, "legacy-bucket", "ecomart-prod-legacy", T.S3_BUCKET_V2),
    ),
    (
        "stack-s3-event-notifications",
        T.S3_NOTIFICATION,
        "bucket",
        "",
        None,
        lambda d: set_prop(d, "audit-bucket-notification", "bucket", "ecomart-prod-other"),
    ),
    (
        "stack-s3-event-notifications",
        T.S3_NOTIFICATION,
        "eventbridge",
        "",
        None,
        lambda d: set_prop(d, "audit-bucket-notification", "eventbridge", False),
    ),
    (
        "stack-s3-event-notifications",
        T.S3_NOTIFICATION,
        "topics",
        "",
        None,
        lambda d: set_prop(d, "meta-log-bucket-notification", "topics", []),
    ),
    (
        "stack-s3-event-notifications",
        T.S3_NOTIFICATION,
        "queues",
        "",
        _notify_by("queues", [{"queueArn": "arn:aws:sqs:us-east-1:123456789012:q", "events": ["s3:ObjectCreated:*"]}]),
        lambda d: set_prop(d, "meta-log-bucket-notification", "queues", []),
    ),
    (
        "stack-s3-event-notifications",
        T.S3_NOTIFICATION,
        "lambdaFunctions",
        "",
        _notify_by(
            "lambdaFunctions",
            [
                {
                    "lambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f",
                    "events": ["s3:ObjectCreated:*"],
                }
            ],
        ),
        lambda d: set_prop(d, "meta-log-bucket-notification", "lambdaFunctions", []),
    ),
    (
        "stack-s3-audit-buckets-protected",
        T.S3_BUCKET,
        "forceDestroy",
        "",
        None,
        lambda d: set_prop(d, "audit-bucket", "forceDestroy", True),
    ),
    (
        "stack-s3-audit-buckets-protected",
        T.S3_BUCKET,
        "objectLockEnabled",
        "",
        lambda d: _drop(d, "audit-bucket-lock"),
        lambda d: set_prop(d, "audit-bucket", "objectLockEnabled", False),
    ),
    (
        "stack-s3-audit-buckets-protected",
        T.S3_BUCKET_V2,
        "forceDestroy",
        "",
        lambda d: _as_v2(d, "audit-bucket"),
        lambda d: set_prop(d, "audit-bucket", "forceDestroy", True),
    ),
    (
        "stack-s3-audit-buckets-protected",
        T.S3_BUCKET_V2,
        "objectLockEnabled",
        "",
        lambda d: (_as_v2(d, "audit-bucket"), _drop(d, "audit-bucket-lock")),
        lambda d: set_prop(d, "audit-bucket", "objectLockEnabled", False),
    ),
    (
        "stack-s3-audit-buckets-protected",
        T.S3_VERSIONING,
        "bucket",
        "",
        None,
        lambda d: set_prop(d, "audit-bucket-versioning", "bucket", "ecomart-prod-other"),
    ),
    (
        "stack-s3-audit-buckets-protected",
        T.S3_VERSIONING,
        "versioningConfiguration.status",
        "",
        None,
        lambda d: set_prop(d, "access-log-bucket-versioning", "versioningConfiguration.status", "Suspended"),
    ),
    (
        "stack-s3-audit-buckets-protected",
        T.S3_OBJECT_LOCK,
        "bucket",
        "",
        lambda d: set_prop(d, "audit-bucket", "objectLockEnabled", False),
        lambda d: set_prop(d, "audit-bucket-lock", "bucket", "ecomart-prod-other"),
    ),
    (
        "stack-s3-audit-buckets-protected",
        T.S3_OBJECT_LOCK,
        "objectLockEnabled",
        "",
        lambda d: set_prop(d, "audit-bucket", "objectLockEnabled", False),
        lambda d: set_prop(d, "audit-bucket-lock", "objectLockEnabled", "Disabled"),
    ),
    (
        "stack-s3-audit-buckets-protected",
        T.CLOUDTRAIL,
        "s3BucketName",
        "",
        _with_audit_sources,
        lambda d: set_prop(d, "trail", "s3BucketName", PLAIN),
    ),
    (
        "stack-s3-audit-buckets-protected",
        T.FLOW_LOG,
        "logDestination",
        "",
        _with_audit_sources,
        lambda d: set_prop(d, "flow", "logDestination", f"arn:aws:s3:::{PLAIN}/flow-logs/"),
    ),
    (
        "stack-s3-audit-buckets-protected",
        T.CONFIG_DELIVERY_CHANNEL,
        "s3BucketName",
        "",
        _with_audit_sources,
        lambda d: set_prop(d, "config-channel", "s3BucketName", PLAIN),
    ),
    (
        "stack-s3-audit-buckets-protected",
        T.S3_LOGGING,
        "targetBucket",
        "",
        _with_audit_sources,
        lambda d: set_prop(d, "audit-bucket-logging", "targetBucket", PLAIN),
    ),
    (
        "stack-rds-clusters-multi-az",
        T.RDS_CLUSTER,
        "engine",
        "",
        None,
        lambda d: d["deployment"]["resources"].remove(find(d, "aurora-2")),
    ),
    (
        "stack-rds-clusters-multi-az",
        T.RDS_CLUSTER_INSTANCE,
        "clusterIdentifier",
        "",
        None,
        lambda d: set_prop(d, "aurora-1", "clusterIdentifier", "other-cluster"),
    ),
    (
        "stack-network-acls-associated",
        T.NETWORK_ACL,
        "subnetIds",
        "",
        None,
        lambda d: set_prop(d, "data-nacl", "subnetIds", DELETE),
    ),
    (
        "stack-network-acls-associated",
        T.NETWORK_ACL_ASSOCIATION,
        "networkAclId",
        "",
        None,
        lambda d: set_prop(d, "app-nacl-assoc", "networkAclId", "acl-other"),
    ),
    (
        "stack-atlas-private-endpoints-complete",
        T.ATLAS_PRIVATE_ENDPOINT,
        "privateLinkId",
        "",
        None,
        lambda d: set_prop(d, "catalog-pl", "privateLinkId", "pl-new"),
    ),
    (
        "stack-atlas-private-endpoints-complete",
        T.ATLAS_PRIVATE_ENDPOINT_SERVICE,
        "privateLinkId",
        "",
        None,
        lambda d: set_prop(d, "catalog-pl-service", "privateLinkId", "pl-other"),
    ),
    (
        "stack-required-tags",
        "*",
        "tags",
        "owner missing",
        None,
        lambda d: set_prop(
            d, "pg-writer", "tags", {k: v for k, v in find(d, "pg-writer")["inputs"]["tags"].items() if k != "owner"}
        ),
    ),
    (
        "stack-required-tags",
        "*",
        "tags",
        "bad environment",
        None,
        lambda d: set_prop(d, "vpc", "tags.environment", "qa"),
    ),
    ("stack-required-tags", "*", "tags", "untagged", None, lambda d: set_prop(d, "catalog", "tags", DELETE)),
    (
        "stack-data-store-alarms",
        T.RDS_INSTANCE,
        "identifier",
        "",
        None,
        lambda d: set_prop(d, "pg-writer", "identifier", "pg-renamed"),
    ),
    (
        "stack-data-store-alarms",
        T.EC_REPLICATION_GROUP,
        "replicationGroupId",
        "",
        None,
        lambda d: set_prop(d, "cache", "replicationGroupId", "cache-renamed"),
    ),
    (
        "stack-data-store-alarms",
        T.EC_REPLICATION_GROUP,
        "replicationGroupId",
        "a third shard",
        None,
        lambda d: set_prop(d, "cache", "numNodeGroups", 3),
    ),
    (
        "stack-data-store-alarms",
        T.METRIC_ALARM,
        "metricName",
        "",
        None,
        lambda d: set_prop(d, "pg-replica-ReplicaLag", "metricName", "NetworkIn"),
    ),
    (
        "stack-data-store-alarms",
        T.METRIC_ALARM,
        "dimensions",
        "",
        None,
        lambda d: set_prop(d, "cache-0002-002-Evictions", "dimensions", {"CacheClusterId": "other-0001-001"}),
    ),
    (
        "stack-data-store-alarms",
        T.METRIC_ALARM,
        "alarmActions",
        "",
        None,
        lambda d: set_prop(d, "pg-CPUUtilization", "alarmActions", []),
    ),
    (
        "stack-data-store-alarms",
        T.METRIC_ALARM,
        "okActions",
        "",
        None,
        lambda d: set_prop(d, "cache-0001-001-CurrConnections", "okActions", DELETE),
    ),
    (
        "stack-rds-backup-coverage",
        T.RDS_INSTANCE,
        "arn",
        "",
        None,
        lambda d: set_prop(d, "pg-writer", "arn", WRITER_ARN + "-new"),
    ),
    (
        "stack-rds-backup-coverage",
        T.RDS_CLUSTER,
        "arn",
        "",
        None,
        lambda d: set_prop(d, "aurora", "arn", CLUSTER_ARN + "-new"),
    ),
    (
        "stack-rds-backup-coverage",
        T.BACKUP_SELECTION,
        "resources",
        "",
        None,
        lambda d: set_prop(d, "selection", "resources", [CLUSTER_ARN]),
    ),
    (
        "stack-rds-backup-coverage",
        T.BACKUP_SELECTION,
        "selectionTags",
        "",
        _selection_by_tags,
        lambda d: set_prop(d, "selection", "selectionTags.0.value", "weekly"),
    ),
    (
        "stack-data-stores-in-data-subnets",
        T.RDS_INSTANCE,
        "dbSubnetGroupName",
        "",
        None,
        lambda d: set_prop(d, "pg-writer", "dbSubnetGroupName", DELETE),
    ),
    (
        "stack-data-stores-in-data-subnets",
        T.RDS_CLUSTER,
        "dbSubnetGroupName",
        "",
        None,
        lambda d: set_prop(d, "aurora", "dbSubnetGroupName", "default"),
    ),
    (
        "stack-data-stores-in-data-subnets",
        T.RDS_SUBNET_GROUP,
        "subnetIds",
        "",
        None,
        lambda d: set_prop(d, "pg-subnets", "subnetIds", ["subnet-d0", "subnet-a0"]),
    ),
    (
        "stack-data-stores-in-data-subnets",
        T.EC_REPLICATION_GROUP,
        "subnetGroupName",
        "",
        None,
        lambda d: set_prop(d, "cache", "subnetGroupName", "made-by-hand"),
    ),
    (
        "stack-data-stores-in-data-subnets",
        T.EC_SERVERLESS,
        "subnetIds",
        "",
        None,
        lambda d: set_prop(d, "sessions", "subnetIds", ["subnet-a0"]),
    ),
    (
        "stack-data-stores-in-data-subnets",
        T.EC_SUBNET_GROUP,
        "subnetIds",
        "",
        None,
        lambda d: set_prop(d, "cache-subnets", "subnetIds", ["subnet-d0", "subnet-0123456789abcdef0"]),
    ),
    (
        "stack-data-stores-in-data-subnets",
        T.SUBNET,
        "tags.tier",
        "",
        None,
        lambda d: set_prop(d, "data-1", "tags.tier", "app"),
    ),
    (
        "stack-kms-keys-in-use",
        T.KMS_KEY,
        "arn",
        "",
        None,
        lambda d: set_prop(d, "key-relational", "arn", "arn:aws:kms:us-east-1:123456789012:key/other"),
    ),
    (
        "stack-kms-keys-in-use",
        T.KMS_REPLICA_KEY,
        "arn",
        "",
        None,
        lambda d: set_prop(d, "key-relational-dr", "arn", REPLICA_KEY_ARN + "-other"),
    ),
    (
        "stack-prod-resilience",
        T.RDS_INSTANCE,
        "multiAz",
        "",
        None,
        lambda d: set_prop(d, "pg-writer", "multiAz", False),
    ),
    (
        "stack-prod-resilience",
        T.EC_REPLICATION_GROUP,
        "multiAzEnabled",
        "",
        None,
        lambda d: set_prop(d, "cache", "multiAzEnabled", False),
    ),
    (
        "stack-prod-resilience",
        T.EC_REPLICATION_GROUP,
        "clusterMode",
        "",
        None,
        lambda d: set_prop(d, "cache", "clusterMode", "disabled"),
    ),
    (
        "stack-prod-resilience",
        T.EC_REPLICATION_GROUP,
        "numNodeGroups",
        "",
        None,
        lambda d: set_prop(d, "cache", "numNodeGroups", 1),
    ),
    (
        "stack-prod-resilience",
        T.ATLAS_CLUSTER,
        "clusterType",
        "",
        None,
        lambda d: set_prop(d, "catalog", "clusterType", "REPLICASET"),
    ),
    (
        "stack-prod-resilience",
        T.ATLAS_CLUSTER,
        "replicationSpecs",
        "",
        None,
        lambda d: set_prop(d, "catalog", "replicationSpecs", find(d, "catalog")["inputs"]["replicationSpecs"][:1]),
    ),
    (
        "stack-prod-resilience",
        T.ATLAS_CLUSTER,
        "pitEnabled",
        "",
        None,
        lambda d: set_prop(d, "catalog", "pitEnabled", False),
    ),
    (
        "stack-prod-resilience",
        T.ATLAS_CLUSTER,
        "backupEnabled",
        "",
        None,
        lambda d: set_prop(d, "catalog", "backupEnabled", False),
    ),
    ("stack-vpc-flow-logs", T.VPC, "id", "", None, lambda d: set_prop(d, "vpc", "id", "vpc-2")),
    ("stack-vpc-flow-logs", T.FLOW_LOG, "vpcId", "", None, lambda d: set_prop(d, "flow", "vpcId", "vpc-other")),
    (
        "stack-vpc-flow-logs",
        T.FLOW_LOG,
        "trafficType",
        "",
        None,
        lambda d: set_prop(d, "flow", "trafficType", "REJECT"),
    ),
    (
        "stack-data-store-ingress-from-security-groups",
        T.RDS_INSTANCE,
        "vpcSecurityGroupIds",
        "",
        None,
        lambda d: set_prop(d, "pg-writer", "vpcSecurityGroupIds", ["sg-pg", "sg-app"]),
    ),
    (
        "stack-data-store-ingress-from-security-groups",
        T.RDS_CLUSTER,
        "vpcSecurityGroupIds",
        "",
        None,
        lambda d: set_prop(d, "aurora", "vpcSecurityGroupIds", ["sg-app"]),
    ),
    (
        "stack-data-store-ingress-from-security-groups",
        T.RDS_PROXY,
        "vpcSecurityGroupIds",
        "",
        None,
        lambda d: set_prop(d, "pg-proxy", "vpcSecurityGroupIds", ["sg-app"]),
    ),
    (
        "stack-data-store-ingress-from-security-groups",
        T.EC_REPLICATION_GROUP,
        "securityGroupIds",
        "",
        None,
        lambda d: set_prop(d, "cache", "securityGroupIds", ["sg-app"]),
    ),
    (
        "stack-data-store-ingress-from-security-groups",
        T.EC_SERVERLESS,
        "securityGroupIds",
        "",
        None,
        lambda d: set_prop(d, "sessions", "securityGroupIds", ["sg-app"]),
    ),
    (
        "stack-data-store-ingress-from-security-groups",
        T.SECURITY_GROUP,
        "ingress",
        "",
        None,
        lambda d: set_prop(
            d,
            "pg-sg",
            "ingress",
            [{"protocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrBlocks": ["10.50.0.0/16"]}],
        ),
    ),
    (
        "stack-data-store-ingress-from-security-groups",
        T.SG_INGRESS_RULE,
        "securityGroupId",
        "",
        None,
        lambda d: set_prop(d, "vpc-to-app", "securityGroupId", "sg-pg"),
    ),
    (
        "stack-data-store-ingress-from-security-groups",
        T.SG_INGRESS_RULE,
        "cidrIpv4",
        "",
        None,
        lambda d: set_prop(d, "app-to-pg", "cidrIpv4", "10.50.0.0/16"),
    ),
    (
        "stack-data-store-ingress-from-security-groups",
        T.SG_INGRESS_RULE,
        "cidrIpv6",
        "",
        None,
        lambda d: set_prop(d, "app-to-pg", "cidrIpv6", "fd00::/8"),
    ),
    (
        "stack-data-store-ingress-from-security-groups",
        T.SG_INGRESS_RULE,
        "prefixListId",
        "",
        None,
        lambda d: set_prop(d, "app-to-pg", "prefixListId", "pl-0123456789"),
    ),
    (
        "stack-data-store-ingress-from-security-groups",
        T.SG_RULE,
        "securityGroupId",
        "",
        None,
        lambda d: set_prop(d, "vpc-to-app-https", "securityGroupId", "sg-redis"),
    ),
    (
        "stack-data-store-ingress-from-security-groups",
        T.SG_RULE,
        "cidrBlocks",
        "",
        None,
        lambda d: set_prop(d, "app-to-redis", "cidrBlocks", ["10.50.0.0/16"]),
    ),
    (
        "stack-backup-vaults-locked",
        T.BACKUP_VAULT,
        "name",
        "",
        None,
        lambda d: (set_prop(d, "vault", "name", "vault-2"), set_prop(d, "vault", "id", "vault-2")),
    ),
    (
        "stack-backup-vaults-locked",
        T.BACKUP_VAULT_LOCK,
        "backupVaultName",
        "",
        None,
        lambda d: set_prop(d, "vault-lock", "backupVaultName", "another-vault"),
    ),
    (
        "stack-elasticache-logs-to-encrypted-groups",
        T.EC_REPLICATION_GROUP,
        "logDeliveryConfigurations",
        "",
        None,
        lambda d: set_prop(d, "cache", "logDeliveryConfigurations.0.destination", "/made/by/hand"),
    ),
    (
        "stack-elasticache-logs-to-encrypted-groups",
        T.LOG_GROUP,
        "name",
        "",
        None,
        lambda d: set_prop(d, "log-cache-engine", "name", "/ecomart/cache/engine"),
    ),
    (
        "stack-elasticache-logs-to-encrypted-groups",
        T.LOG_GROUP,
        "kmsKeyId",
        "",
        None,
        lambda d: set_prop(d, "log-cache-slow", "kmsKeyId", DELETE),
    ),
    (
        "stack-rds-log-groups-declared",
        T.RDS_INSTANCE,
        "identifier",
        "",
        None,
        lambda d: _rename(d, "pg-replica", "identifier", "pg-replica-9"),
    ),
    (
        "stack-rds-log-groups-declared",
        T.RDS_INSTANCE,
        "enabledCloudwatchLogsExports",
        "",
        None,
        lambda d: set_prop(d, "pg-writer", "enabledCloudwatchLogsExports", ["postgresql", "upgrade"]),
    ),
    (
        "stack-rds-log-groups-declared",
        T.RDS_CLUSTER,
        "clusterIdentifier",
        "",
        None,
        lambda d: set_prop(d, "aurora", "clusterIdentifier", "aurora-2"),
    ),
    (
        "stack-rds-log-groups-declared",
        T.RDS_CLUSTER,
        "enabledCloudwatchLogsExports",
        "",
        None,
        lambda d: set_prop(d, "aurora", "enabledCloudwatchLogsExports", ["postgresql", "instance"]),
    ),
    (
        "stack-rds-log-groups-declared",
        T.LOG_GROUP,
        "name",
        "",
        None,
        lambda d: set_prop(d, "log-pg", "name", "/aws/rds/instance/pg/postgres"),
    ),
    (
        "stack-rds-log-groups-declared",
        T.LOG_GROUP,
        "kmsKeyId",
        "",
        None,
        lambda d: set_prop(d, "log-aurora", "kmsKeyId", DELETE),
    ),
    (
        "stack-rds-cross-region-backups",
        T.RDS_INSTANCE,
        "arn",
        "",
        None,
        lambda d: set_prop(d, "pg-writer", "arn", WRITER_ARN + "-new"),
    ),
    (
        "stack-rds-cross-region-backups",
        T.RDS_BACKUP_REPLICATION,
        "sourceDbInstanceArn",
        "",
        None,
        lambda d: set_prop(d, "pg-pitr-copy", "sourceDbInstanceArn", WRITER_ARN.replace(":db:pg", ":db:other")),
    ),
]


def _id(m):
    return f"{m[0]}:{m[1].rsplit(':', 1)[-1]}.{m[2]}" + (f"({m[3]})" if m[3] else "")


def _as_preview(doc: dict) -> dict:
    """The stack as ``pulumi preview`` shows it before anything exists: ids/ARNs unknown, property dependencies
    say what each input was computed from."""
    doc = copy.deepcopy(doc)
    entries = doc["deployment"]["resources"]
    by_identity: dict[str, str] = {}
    names = ("name", "identifier", "replicationGroupId", "clusterIdentifier")
    for e in entries:
        # Computed outputs (ids, ARNs, key ids) are unknown in a preview; names given as inputs are known.
        given = {e["inputs"].get(k) for k in names}
        for key in ("id", "arn", "keyId"):
            v = e["outputs"].get(key)
            if isinstance(v, str) and v not in given:
                by_identity.setdefault(v, e["urn"])

    def blank(value, deps, prop, self_urn):
        if isinstance(value, str) and value in by_identity and by_identity[value] != self_urn:
            deps.setdefault(prop, []).append(by_identity[value])
            return UNKNOWN
        if isinstance(value, list):
            return [blank(v, deps, prop, self_urn) for v in value]
        if isinstance(value, dict):
            return {k: blank(v, deps, prop, self_urn) for k, v in value.items()}
        return value

    for e in entries:
        deps: dict[str, list[str]] = {}
        e["inputs"] = {
            k: (
                v
                if k in ("name", "identifier", "replicationGroupId", "clusterIdentifier", "tags")
                else blank(v, deps, k, e["urn"])
            )
            for k, v in e["inputs"].items()
        }
        e["outputs"] = dict(e["inputs"])  # a new resource's state during preview: its inputs, outputs unknown
        e.pop("id", None)
        if deps:
            e["propertyDependencies"] = deps
            e["dependencies"] = sorted({u for us in deps.values() for u in us})
    return doc


def service_of(policy_id: str) -> str:
    return meta_of(POLICIES[policy_id]).service


def ids_of(service: str) -> list[str]:
    return sorted(p for p in POLICIES if service_of(p) == service)


def generic_tests(service: str) -> dict:
    """The generic tests for ``service``'s stack policies, to put in that service's test module."""
    ids = ids_of(service)
    cases = [m for m in M if m[0] in ids]
    assert ids, f"no stack policy of service {service}"

    @pytest.fixture(scope="module")
    def mandatory(tmp_path_factory):
        return mandatory_config(tmp_path_factory)

    @pytest.mark.parametrize("policy_id", ids)
    def test_compliant_stack_passes(policy_id, mandatory):
        assert run(policy_id, compliant_stack(), mandatory) == []

    @pytest.mark.parametrize("policy_id", ids)
    def test_mutations_cover_every_checked_property(policy_id):
        meta = meta_of(POLICIES[policy_id])
        mutated = {(t, p) for pid, t, p, *_ in M if pid == policy_id}
        if len(meta.resource_types) > 12:  # every taggable type: one property, any type
            assert {p for _, p in mutated} >= {p for paths in meta.checks.values() for p in paths}
            return
        missing = [(t, p) for t, paths in meta.checks.items() for p in paths if (t, p) not in mutated]
        assert not missing, f"{policy_id}: no mutation of {missing}"

    @pytest.mark.parametrize("mutation", cases, ids=[_id(m) for m in cases])
    def test_one_property_change_is_reported(mutation, mandatory):
        policy_id, _, _, _, setup, change = mutation
        doc = compliant_stack()
        if setup:
            setup(doc)
            assert run(policy_id, doc, mandatory) == [], "the variant the mutation starts from must be compliant"
        change(doc)
        assert run(policy_id, doc, mandatory), f"{_id(mutation)} was not reported"

    @pytest.mark.parametrize("policy_id", ids)
    def test_preview_with_unknown_references_is_not_a_violation(policy_id, mandatory):
        assert run(policy_id, _as_preview(compliant_stack()), mandatory) == []

    return {
        "mandatory": mandatory,
        "test_compliant_stack_passes": test_compliant_stack_passes,
        "test_mutations_cover_every_checked_property": test_mutations_cover_every_checked_property,
        "test_one_property_change_is_reported": test_one_property_change_is_reported,
        "test_preview_with_unknown_references_is_not_a_violation": (
            test_preview_with_unknown_references_is_not_a_violation
        ),
    }
