"""A small but complete stack export (version 3) that every stack policy passes, and helpers to break it.

It has what the real stacks have, in the shape ``pulumi stack export`` writes (ids/ARNs in ``outputs``, references
as literal ids/ARNs/names in ``inputs``, no property dependencies: a deployed stack), plus the resource kinds the
real stacks do not use yet (an Aurora cluster, a serverless cache, an RDS proxy, an ``ec2.SecurityGroupRule``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"
TAGS = {
    "project": "ecomart-data-platform",
    "environment": "prod",
    "owner": "data-platform@ecomart.example",
    "cost-center": "CC-4100",
    "data-classification": "restricted",
}
DELETE = object()


def urn(rtype: str, name: str, stack: str = "prod") -> str:
    return f"urn:pulumi:{stack}::ecomart-data-platform::{rtype}::{name}"


def arn(service: str, resource: str, region: str = REGION) -> str:
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{resource}"


KEYS = {
    d: (f"key-{d}-0000-0000-0000-000000000000", arn("kms", f"key/key-{d}-0000-0000-0000-000000000000"))
    for d in ("relational", "backups", "logs", "document")
}
REPLICA_KEY_ARN = arn("kms", "key/mrk-relational-dr", "us-west-2")
KEY_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministers",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "ServiceUse",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "kms:CallerAccount": "123456789012",
                        "kms:ViaService": "rds.us-east-1.amazonaws.com",
                    }
                },
            },
        ],
    }
)
TOPIC = arn("sns", "ecomart-prod-data-alarms")
WRITER_ARN, CLUSTER_ARN = arn("rds", "db:pg"), arn("rds", "cluster:aurora")
AUDIT_BUCKET, ACCESS_LOG_BUCKET = "ecomart-prod-audit", "ecomart-prod-access-logs"
RDS_METRICS = (
    "CPUUtilization",
    "FreeStorageSpace",
    "FreeableMemory",
    "DatabaseConnections",
    "ReadLatency",
    "WriteLatency",
)
CACHE_METRICS = (
    "EngineCPUUtilization",
    "DatabaseMemoryUsagePercentage",
    "Evictions",
    "CurrConnections",
    "ReplicationLag",
)
CACHE_NODES = ("cache-0001-001", "cache-0001-002", "cache-0002-001", "cache-0002-002")


def _entry(rtype: str, name: str, inputs: dict, outputs: dict | None = None, rid: str | None = None) -> dict:
    outs = {**copy.deepcopy(inputs), **(outputs or {})}
    if rid:
        outs.setdefault("id", rid)
    entry = {"urn": urn(rtype, name), "custom": True, "type": rtype, "inputs": inputs, "outputs": outs}
    if rid:
        entry["id"] = rid
    return entry


def _log_group(name: str, path: str) -> dict:
    return _entry(
        "aws:cloudwatch/logGroup:LogGroup",
        name,
        {"name": path, "kmsKeyId": KEYS["logs"][1], "retentionInDays": 365, "tags": dict(TAGS)},
        {"arn": arn("logs", f"log-group:{path}")},
        rid=path,
    )


def _alarm(name: str, namespace: str, metric: str, dims: dict) -> dict:
    return _entry(
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        name,
        {
            "name": name,
            "namespace": namespace,
            "metricName": metric,
            "dimensions": dims,
            "statistic": "Average",
            "comparisonOperator": "GreaterThanThreshold",
            "threshold": 1,
            "period": 60,
            "evaluationPeriods": 1,
            "actionsEnabled": True,
            "alarmActions": [TOPIC],
            "okActions": [TOPIC],
            "tags": dict(TAGS),
        },
        {"arn": arn("cloudwatch", f"alarm:{name}")},
        rid=name,
    )


def compliant_stack() -> dict[str, Any]:
    t = dict(TAGS)
    r: list[dict] = [
        {
            "urn": "urn:pulumi:prod::ecomart-data-platform::pulumi:pulumi:Stack::ecomart-data-platform-prod",
            "custom": False,
            "type": "pulumi:pulumi:Stack",
            "inputs": {},
            "outputs": {},
        }
    ]
    add = r.append
    add(
        _entry(
            "aws:ec2/vpc:Vpc",
            "vpc",
            {"cidrBlock": "10.50.0.0/16", "tags": t},
            {"arn": arn("ec2", "vpc/vpc-1")},
            rid="vpc-1",
        )
    )
    for name, sid, tier in (
        ("data-0", "subnet-d0", "data"),
        ("data-1", "subnet-d1", "data"),
        ("app-0", "subnet-a0", "app"),
    ):
        add(
            _entry(
                "aws:ec2/subnet:Subnet",
                name,
                {"vpcId": "vpc-1", "cidrBlock": "10.50.0.0/20", "tags": {**t, "tier": tier}},
                rid=sid,
            )
        )
    # Routing: the app subnet is public (default route to the internet gateway), the data subnets private (default
    # route to a NAT gateway, IPv6 out through an egress-only gateway); the VPC's main table is the private one.
    add(_entry("aws:ec2/internetGateway:InternetGateway", "igw", {"vpcId": "vpc-1", "tags": t}, rid="igw-1"))
    add(
        _entry(
            "aws:ec2/routeTable:RouteTable",
            "rt-public",
            {"vpcId": "vpc-1", "routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": "igw-1"}], "tags": t},
            rid="rtb-public",
        )
    )
    add(
        _entry(
            "aws:ec2/routeTable:RouteTable",
            "rt-data",
            {"vpcId": "vpc-1", "routes": [{"cidrBlock": "0.0.0.0/0", "natGatewayId": "nat-1"}], "tags": t},
            rid="rtb-data",
        )
    )
    add(
        _entry(
            "aws:ec2/route:Route",
            "rt-data-v6",
            {"routeTableId": "rtb-data", "destinationIpv6CidrBlock": "::/0", "egressOnlyGatewayId": "eigw-1"},
            rid="r-rtb-data-v6",
        )
    )
    for name, subnet, table in (
        ("rta-app-0", "subnet-a0", "rtb-public"),
        ("rta-data-0", "subnet-d0", "rtb-data"),
        ("rta-data-1", "subnet-d1", "rtb-data"),
    ):
        add(
            _entry(
                "aws:ec2/routeTableAssociation:RouteTableAssociation",
                name,
                {"subnetId": subnet, "routeTableId": table},
                rid=f"rtbassoc-{name}",
            )
        )
    add(
        _entry(
            "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation",
            "rt-main",
            {"vpcId": "vpc-1", "routeTableId": "rtb-data"},
            rid="rtbassoc-main",
        )
    )
    add(
        _entry(
            "aws:ec2/networkAcl:NetworkAcl",
            "data-nacl",
            {"vpcId": "vpc-1", "subnetIds": ["subnet-d0", "subnet-d1"], "tags": t},
            rid="acl-1",
        )
    )
    add(_entry("aws:ec2/networkAcl:NetworkAcl", "app-nacl", {"vpcId": "vpc-1", "tags": t}, rid="acl-2"))
    add(
        _entry(
            "aws:ec2/networkAclAssociation:NetworkAclAssociation",
            "app-nacl-assoc",
            {"networkAclId": "acl-2", "subnetId": "subnet-a0"},
            rid="aclassoc-1",
        )
    )
    add(
        _entry(
            "aws:ec2/flowLog:FlowLog",
            "flow",
            {"vpcId": "vpc-1", "trafficType": "ALL", "logDestination": arn("logs", "log-group:/flow"), "tags": t},
            rid="fl-1",
        )
    )
    for domain, (kid, karn) in KEYS.items():
        # Every key has its own policy: inline, or (the document key) through an aws.kms.KeyPolicy.
        inline = {"policy": KEY_POLICY} if domain != "document" else {}
        add(
            _entry(
                "aws:kms/key:Key",
                f"key-{domain}",
                {"enableKeyRotation": True, "deletionWindowInDays": 30, **inline, "tags": t},
                {"arn": karn, "keyId": kid},
                rid=kid,
            )
        )
    add(
        _entry(
            "aws:kms/keyPolicy:KeyPolicy",
            "key-document-policy",
            {"keyId": KEYS["document"][0], "policy": KEY_POLICY},
            rid=KEYS["document"][0],
        )
    )
    add(
        _entry(
            "aws:kms/alias:Alias",
            "key-relational-alias",
            {"name": "alias/ecomart-prod/relational", "targetKeyId": KEYS["relational"][0]},
            {"arn": arn("kms", "alias/ecomart-prod/relational")},
            rid="alias/ecomart-prod/relational",
        )
    )
    add(
        _entry(
            "aws:kms/replicaKey:ReplicaKey",
            "key-relational-dr",
            {"primaryKeyArn": KEYS["relational"][1], "region": "us-west-2", "tags": t},
            {"arn": REPLICA_KEY_ARN, "keyId": "mrk-relational-dr"},
            rid="mrk-relational-dr",
        )
    )
    for name, sid in (("pg-sg", "sg-pg"), ("redis-sg", "sg-redis"), ("app-sg", "sg-app")):
        add(
            _entry(
                "aws:ec2/securityGroup:SecurityGroup", name, {"vpcId": "vpc-1", "description": name, "tags": t}, rid=sid
            )
        )
    add(
        _entry(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "app-to-pg",
            {
                "securityGroupId": "sg-pg",
                "referencedSecurityGroupId": "sg-app",
                "ipProtocol": "tcp",
                "fromPort": 5432,
                "toPort": 5432,
                "tags": t,
            },
            rid="sgr-1",
        )
    )
    add(
        _entry(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "vpc-to-app",
            {
                "securityGroupId": "sg-app",
                "cidrIpv4": "10.50.0.0/16",
                "ipProtocol": "tcp",
                "fromPort": 443,
                "toPort": 443,
                "tags": t,
            },
            rid="sgr-2",
        )
    )
    add(
        _entry(
            "aws:ec2/securityGroupRule:SecurityGroupRule",
            "app-to-redis",
            {
                "type": "ingress",
                "securityGroupId": "sg-redis",
                "sourceSecurityGroupId": "sg-app",
                "protocol": "tcp",
                "fromPort": 6379,
                "toPort": 6379,
            },
            rid="sgrule-1",
        )
    )
    add(
        _entry(
            "aws:ec2/securityGroupRule:SecurityGroupRule",
            "vpc-to-app-https",
            {
                "type": "ingress",
                "securityGroupId": "sg-app",
                "cidrBlocks": ["10.50.0.0/16"],
                "protocol": "tcp",
                "fromPort": 8443,
                "toPort": 8443,
            },
            rid="sgrule-2",
        )
    )
    add(
        _entry(
            "aws:rds/subnetGroup:SubnetGroup",
            "pg-subnets",
            {"name": "pg", "subnetIds": ["subnet-d0", "subnet-d1"], "tags": t},
            {"arn": arn("rds", "subgrp:pg")},
            rid="pg",
        )
    )
    add(
        _entry(
            "aws:elasticache/subnetGroup:SubnetGroup",
            "cache-subnets",
            {"name": "cache", "subnetIds": ["subnet-d0", "subnet-d1"], "tags": t},
            rid="cache-subnets",
        )
    )
    rds_common = {
        "dbSubnetGroupName": "pg",
        "vpcSecurityGroupIds": ["sg-pg"],
        "kmsKeyId": KEYS["relational"][1],
        "enabledCloudwatchLogsExports": ["postgresql"],
        "tags": t,
    }
    add(
        _entry(
            "aws:rds/instance:Instance",
            "pg-writer",
            {"identifier": "pg", "engine": "postgres", "multiAz": True, **rds_common},
            {"arn": WRITER_ARN},
            rid="pg",
        )
    )
    add(
        _entry(
            "aws:rds/instance:Instance",
            "pg-replica",
            {"identifier": "pg-replica-1", "replicateSourceDb": WRITER_ARN, "multiAz": False, **rds_common},
            {"arn": arn("rds", "db:pg-replica-1")},
            rid="pg-replica-1",
        )
    )
    add(
        _entry(
            "aws:rds/cluster:Cluster",
            "aurora",
            {"clusterIdentifier": "aurora", "engine": "aurora-postgresql", **rds_common},
            {"arn": CLUSTER_ARN},
            rid="aurora",
        )
    )
    for i in (1, 2):
        add(
            _entry(
                "aws:rds/clusterInstance:ClusterInstance",
                f"aurora-{i}",
                {
                    "identifier": f"aurora-{i}",
                    "clusterIdentifier": "aurora",
                    "instanceClass": "db.r6g.large",
                    "engine": "aurora-postgresql",
                    "tags": t,
                },
                rid=f"aurora-{i}",
            )
        )
    add(
        _entry(
            "aws:rds/proxy:Proxy",
            "pg-proxy",
            {
                "name": "pg-proxy",
                "engineFamily": "POSTGRESQL",
                "vpcSecurityGroupIds": ["sg-pg"],
                "vpcSubnetIds": ["subnet-d0", "subnet-d1"],
                "tags": t,
            },
            rid="pg-proxy",
        )
    )
    for name, path in (
        ("log-pg", "/aws/rds/instance/pg/postgresql"),
        ("log-pg-replica", "/aws/rds/instance/pg-replica-1/postgresql"),
        ("log-aurora", "/aws/rds/cluster/aurora/postgresql"),
        ("log-cache-slow", "/ecomart/cache/slow-log"),
        ("log-cache-engine", "/ecomart/cache/engine-log"),
    ):
        add(_log_group(name, path))
    add(
        _entry(
            "aws:elasticache/replicationGroup:ReplicationGroup",
            "cache",
            {
                "replicationGroupId": "cache",
                "clusterMode": "enabled",
                "numNodeGroups": 2,
                "replicasPerNodeGroup": 1,
                "multiAzEnabled": True,
                "automaticFailoverEnabled": True,
                "subnetGroupName": "cache",
                "securityGroupIds": ["sg-redis"],
                "kmsKeyId": KEYS["relational"][1],
                "logDeliveryConfigurations": [
                    {
                        "logType": "slow-log",
                        "destinationType": "cloudwatch-logs",
                        "destination": "/ecomart/cache/slow-log",
                    },
                    {
                        "logType": "engine-log",
                        "destinationType": "cloudwatch-logs",
                        "destination": "/ecomart/cache/engine-log",
                    },
                ],
                "tags": t,
            },
            {"arn": arn("elasticache", "replicationgroup:cache")},
            rid="cache",
        )
    )
    add(
        _entry(
            "aws:elasticache/serverlessCache:ServerlessCache",
            "sessions",
            {
                "name": "sessions",
                "engine": "valkey",
                "subnetIds": ["subnet-d0", "subnet-d1"],
                "securityGroupIds": ["sg-redis"],
                "kmsKeyId": KEYS["relational"][1],
                "tags": t,
            },
            rid="sessions",
        )
    )
    add(
        _entry(
            "aws:sns/topic:Topic",
            "alarms",
            {"name": "ecomart-prod-data-alarms", "kmsMasterKeyId": KEYS["logs"][1], "tags": t},
            {"arn": TOPIC},
            rid=TOPIC,
        )
    )
    for metric in RDS_METRICS:
        add(_alarm(f"pg-{metric}", "AWS/RDS", metric, {"DBInstanceIdentifier": "pg"}))
    for metric in RDS_METRICS + ("ReplicaLag",):
        add(_alarm(f"pg-replica-{metric}", "AWS/RDS", metric, {"DBInstanceIdentifier": "pg-replica-1"}))
    for node in CACHE_NODES:
        for metric in CACHE_METRICS:
            add(_alarm(f"{node}-{metric}", "AWS/ElastiCache", metric, {"CacheClusterId": node}))
    add(
        _entry(
            "aws:backup/vault:Vault",
            "vault",
            {"name": "vault", "kmsKeyArn": KEYS["backups"][1], "tags": t},
            {"arn": arn("backup", "backup-vault:vault")},
            rid="vault",
        )
    )
    add(
        _entry(
            "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
            "vault-lock",
            {"backupVaultName": "vault", "minRetentionDays": 7, "maxRetentionDays": 400},
            rid="vault-lock",
        )
    )
    add(
        _entry(
            "aws:backup/plan:Plan",
            "plan",
            {"name": "plan", "rules": [], "tags": t},
            {"arn": arn("backup", "backup-plan:plan-1")},
            rid="plan-1",
        )
    )
    add(
        _entry(
            "aws:backup/selection:Selection",
            "selection",
            {
                "name": "stores",
                "planId": "plan-1",
                "iamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/backup",
                "resources": [WRITER_ARN, CLUSTER_ARN],
            },
            rid="selection-1",
        )
    )
    add(
        _entry(
            "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
            "pg-pitr-copy",
            {"sourceDbInstanceArn": WRITER_ARN, "kmsKeyId": REPLICA_KEY_ARN, "region": "us-west-2"},
            rid=arn("rds", "auto-backup:ab-1", "us-west-2"),
        )
    )
    spec = {"regionConfigs": [{"providerName": "AWS", "regionName": "US_EAST_1", "electableSpecs": {"nodeCount": 3}}]}
    add(
        _entry(
            "mongodbatlas:index/advancedCluster:AdvancedCluster",
            "catalog",
            {
                "projectId": "p1",
                "name": "catalog",
                "clusterType": "GEOSHARDED",
                "replicationSpecs": [spec, spec],
                "backupEnabled": True,
                "pitEnabled": True,
                "tags": t,
            },
            rid="c1",
        )
    )
    add(
        _entry(
            "mongodbatlas:index/privateLinkEndpoint:PrivateLinkEndpoint",
            "catalog-pl",
            {"projectId": "p1", "providerName": "AWS", "region": "US_EAST_1"},
            {"privateLinkId": "pl-1"},
            rid="pl-1",
        )
    )
    add(
        _entry(
            "mongodbatlas:index/privateLinkEndpointService:PrivateLinkEndpointService",
            "catalog-pl-service",
            {"projectId": "p1", "providerName": "AWS", "privateLinkId": "pl-1", "endpointServiceId": "vpce-atlas"},
            rid="pls-1",
        )
    )
    add(
        _entry(
            "mongodbatlas:index/encryptionAtRest:EncryptionAtRest",
            "catalog-ear",
            {
                "projectId": "p1",
                "awsKmsConfig": {
                    "enabled": True,
                    "customerMasterKeyId": KEYS["document"][0],
                    "roleId": "r1",
                    "region": "US_EAST_1",
                },
            },
            rid="ear-1",
        )
    )
    add(
        _entry(
            "aws:rds/parameterGroup:ParameterGroup",
            "pg-params",
            {"name": "pg15", "family": "postgres15", "tags": t},
            rid="pg15",
        )
    )
    for source_type, ids, categories in (
        ("db-instance", ["pg", "pg-replica-1"], ["configuration change", "failure", "maintenance"]),
        ("db-cluster", ["aurora"], ["failure", "maintenance"]),
        ("db-parameter-group", ["pg15"], ["configuration change"]),
        ("db-security-group", [], ["configuration change", "failure"]),
    ):
        add(
            _entry(
                "aws:rds/eventSubscription:EventSubscription",
                f"events-{source_type}",
                {
                    "name": f"events-{source_type}",
                    "snsTopic": TOPIC,
                    "sourceType": source_type,
                    "sourceIds": ids,
                    "eventCategories": categories,
                    "enabled": True,
                    "tags": t,
                },
                {"arn": arn("rds", f"es:events-{source_type}")},
                rid=f"events-{source_type}",
            )
        )
    # S3: an audit bucket (CloudTrail's) and the bucket receiving both buckets' server access logs.
    for name, bucket, locked in (("audit-bucket", AUDIT_BUCKET, True), ("access-log-bucket", ACCESS_LOG_BUCKET, False)):
        add(
            _entry(
                "aws:s3/bucket:Bucket",
                name,
                {"bucket": bucket, "forceDestroy": False, "objectLockEnabled": locked, "tags": t},
                {"arn": f"arn:aws:s3:::{bucket}"},
                rid=bucket,
            )
        )
        add(
            _entry(
                "aws:s3/bucketVersioning:BucketVersioning",
                f"{name}-versioning",
                {"bucket": bucket, "versioningConfiguration": {"status": "Enabled"}},
                rid=bucket,
            )
        )
        add(
            _entry(
                "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
                f"{name}-ownership",
                {"bucket": bucket, "rule": {"objectOwnership": "BucketOwnerEnforced"}},
                rid=bucket,
            )
        )
        add(
            _entry(
                "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                f"{name}-lifecycle",
                {
                    "bucket": bucket,
                    "rules": [
                        {
                            "id": "expire",
                            "status": "Enabled",
                            "expiration": {"days": 400},
                            "noncurrentVersionExpiration": {"noncurrentDays": 30},
                        }
                    ],
                },
                rid=bucket,
            )
        )
        add(
            _entry(
                "aws:s3/bucketNotification:BucketNotification",
                f"{name}-notification",
                {"bucket": bucket, "eventbridge": True},
                rid=bucket,
            )
        )
        # Default encryption: the audit bucket under the logs CMK; the access-log bucket (a log target) SSE-S3.
        default = (
            {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEYS["logs"][1]}
            if name == "audit-bucket"
            else {"sseAlgorithm": "AES256"}
        )
        add(
            _entry(
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                f"{name}-encryption",
                {"bucket": bucket, "rules": [{"applyServerSideEncryptionByDefault": default}]},
                rid=bucket,
            )
        )
        add(
            _entry(
                "aws:s3/bucketLogging:BucketLogging",
                f"{name}-logging",
                {
                    "bucket": bucket,
                    "targetBucket": ACCESS_LOG_BUCKET if name == "audit-bucket" else AUDIT_BUCKET + "-meta",
                    "targetPrefix": f"{bucket}/",
                },
                rid=bucket,
            )
        )
    add(
        _entry(
            "aws:s3/bucket:Bucket",
            "meta-log-bucket",
            {"bucket": AUDIT_BUCKET + "-meta", "forceDestroy": False, "tags": t},
            {"arn": f"arn:aws:s3:::{AUDIT_BUCKET}-meta"},
            rid=AUDIT_BUCKET + "-meta",
        )
    )
    add(
        _entry(
            "aws:s3/bucketVersioning:BucketVersioning",
            "meta-log-bucket-versioning",
            {"bucket": AUDIT_BUCKET + "-meta", "versioningConfiguration": {"status": "Enabled"}},
            rid=AUDIT_BUCKET + "-meta",
        )
    )
    add(
        _entry(
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            "meta-log-bucket-lifecycle",
            {
                "bucket": AUDIT_BUCKET + "-meta",
                "rules": [{"id": "expire", "status": "Enabled", "expiration": {"days": 400}}],
            },
            rid=AUDIT_BUCKET + "-meta",
        )
    )
    add(
        _entry(
            "aws:s3/bucketNotification:BucketNotification",
            "meta-log-bucket-notification",
            {"bucket": AUDIT_BUCKET + "-meta", "topics": [{"topicArn": TOPIC, "events": ["s3:ObjectRemoved:*"]}]},
            rid=AUDIT_BUCKET + "-meta",
        )
    )
    add(
        _entry(
            "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
            "audit-bucket-lock",
            {
                "bucket": AUDIT_BUCKET,
                "objectLockEnabled": "Enabled",
                "rule": {"defaultRetention": {"mode": "COMPLIANCE", "days": 365}},
            },
            rid=AUDIT_BUCKET,
        )
    )
    add(
        _entry(
            "aws:cloudtrail/trail:Trail",
            "trail",
            {
                "name": "ecomart-prod",
                "s3BucketName": AUDIT_BUCKET,
                "isMultiRegionTrail": True,
                "enableLogFileValidation": True,
                "kmsKeyId": KEYS["logs"][1],
                "tags": t,
            },
            {"arn": arn("cloudtrail", "trail/ecomart-prod")},
            rid=arn("cloudtrail", "trail/ecomart-prod"),
        )
    )
    secret_arn = arn("secretsmanager", "secret:ecomart-prod/partner-api-AbCdEf")
    add(
        _entry(
            "aws:secretsmanager/secret:Secret",
            "partner-api",
            {
                "name": "ecomart-prod/partner-api",
                "kmsKeyId": KEYS["relational"][1],
                "recoveryWindowInDays": 30,
                "tags": t,
            },
            {"arn": secret_arn},
            rid=secret_arn,
        )
    )
    add(
        _entry(
            "aws:secretsmanager/secretRotation:SecretRotation",
            "partner-api-rotation",
            {
                "secretId": secret_arn,
                "rotationLambdaArn": arn("lambda", "function:ecomart-prod-rotate"),
                "rotationRules": {"automaticallyAfterDays": 30},
            },
            rid=secret_arn,
        )
    )
    return {
        "version": 3,
        "deployment": {"manifest": {"time": "2025-01-01T00:00:00Z", "magic": "", "version": "test"}, "resources": r},
    }


def find(doc: dict, name: str) -> dict:
    matches = [e for e in doc["deployment"]["resources"] if e["urn"].rsplit("::", 1)[-1] == name]
    assert len(matches) == 1, f"{name}: {len(matches)} resources"
    return matches[0]


def set_prop(doc: dict, name: str, path: str, value: Any) -> dict:
    """Set (or DELETE) a dotted property in a resource's inputs and outputs, as a deployed export would show it."""
    entry = find(doc, name)
    for part in ("inputs", "outputs"):
        node = entry[part]
        keys = [int(k) if k.isdigit() else k for k in path.split(".")]
        for k in keys[:-1]:
            node = node[k]
        if value is DELETE:
            node.pop(keys[-1], None)
        else:
            node[keys[-1]] = copy.deepcopy(value)
    return doc


Mutation = Callable[[dict], Any]
