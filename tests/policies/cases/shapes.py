"""Shapes the per-service case tables share (tests/policies/cases/<service>.py). For every resource policy: compliant
resources (engine camelCase, as pulumi-aws 7 / pulumi-mongodbatlas 4 name
them) and, per property the policy checks, a one-property mutation that must be reported.

The shapes follow what components/ declare, so a compliant case here is what the real stacks look like.
"""

from __future__ import annotations

import json

from tests.policies.helpers import ACCOUNT, KEY_ARN, ROLE_ARN, TOPIC_ARN


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ROOT_ADMIN = {
    "Sid": "AccountRootAdministersKey",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": ["kms:*"],
    "Resource": "*",
}
VIA_RDS = {
    "Sid": "UseRdsViaService",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
    "Resource": "*",
    "Condition": {"StringEquals": {"kms:ViaService": "rds.us-east-1.amazonaws.com"}},
}
PUBLIC = {"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
PUBLIC_AWS = {
    "Sid": "AnyAccount",
    "Effect": "Allow",
    "Principal": {"AWS": "*"},
    "Action": "kms:Decrypt",
    "Resource": "*",
}
DENY_HTTP = {
    "Sid": "DenyInsecureTransport",
    "Effect": "Deny",
    "Principal": {"AWS": "*"},
    "Action": "*",
    "Resource": "*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
CW_PUBLISH = {
    "Sid": "CloudWatchAlarmsPublish",
    "Effect": "Allow",
    "Principal": {"Service": "cloudwatch.amazonaws.com"},
    "Action": "sns:Publish",
    "Resource": TOPIC_ARN,
    "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
}
ADMIN = {"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"}
CONNECT = {
    "Sid": "ConnectAsAppUser",
    "Effect": "Allow",
    "Action": "elasticache:Connect",
    "Resource": [f"arn:aws:elasticache:us-east-1:{ACCOUNT}:replicationgroup:ecomart-prod-cache"],
}
DECRYPT_ONE_KEY = {
    "Sid": "ComputeKey",
    "Effect": "Allow",
    "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
    "Resource": [KEY_ARN],
}
DECRYPT_ALL = {"Sid": "AnyKey", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": "*"}
LAMBDA_TRUST = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
PUBLIC_TRUST = {"Sid": "Anyone", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}

CSC_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:code-signing-config:csc-0a1b2c3d4e5f60718"
CODE_SIGNING = {
    "description": "only code signed by the stack's profile",
    "allowedPublishers": {
        "signingProfileVersionArns": [f"arn:aws:signer:us-east-1:{ACCOUNT}:/signing-profiles/ecomart_prod_lambda_A/x1"]
    },
    "policies": {"untrustedArtifactOnDeployment": "Enforce"},
}
SIGNING_PROFILE = {
    "namePrefix": "ecomart_prod_lambda_",
    "platformId": "AWSLambda-SHA384-ECDSA",
    "signatureValidityPeriod": {"type": "MONTHS", "value": 60},
}
_IMAGE_FUNCTION = {
    "name": "ecomart-image",
    "role": ROLE_ARN,
    "packageType": "Image",
    "imageUri": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/app@sha256:{'0' * 64}",
}

# --- RDS ------------------------------------------------------------------------------------------------------------
PG_WRITER = {
    "identifier": "ecomart-prod-pg",
    "engine": "postgres",
    "engineVersion": "16.8",
    "instanceClass": "db.r6g.xlarge",
    "dbName": "ecomart",
    "username": "ecomart_admin",
    "allocatedStorage": 400,
    "maxAllocatedStorage": 2000,
    "storageType": "gp3",
    "storageEncrypted": True,
    "kmsKeyId": KEY_ARN,
    "publiclyAccessible": False,
    "iamDatabaseAuthenticationEnabled": True,
    "manageMasterUserPassword": True,
    "masterUserSecretKmsKeyId": KEY_ARN,
    "multiAz": True,
    "backupRetentionPeriod": 35,
    "backupWindow": "03:00-04:00",
    "deletionProtection": True,
    "skipFinalSnapshot": False,
    "finalSnapshotIdentifier": "ecomart-prod-pg-final",
    "copyTagsToSnapshot": True,
    "performanceInsightsEnabled": True,
    "performanceInsightsKmsKeyId": KEY_ARN,
    "performanceInsightsRetentionPeriod": 731,
    "monitoringInterval": 15,
    "monitoringRoleArn": ROLE_ARN,
    "enabledCloudwatchLogsExports": ["postgresql", "upgrade", "iam-db-auth-error"],
    "autoMinorVersionUpgrade": True,
    "caCertIdentifier": "rds-ca-rsa2048-g1",
    "parameterGroupName": "ecomart-prod-postgres16",
    "dbSubnetGroupName": "ecomart-prod-postgres",
    "vpcSecurityGroupIds": ["sg-97a2a99fd544b50c2"],
    "port": 5432,
    "deleteAutomatedBackups": False,
}
AURORA = {
    "clusterIdentifier": "ecomart-prod-aurora",
    "engine": "aurora-postgresql",
    "engineVersion": "16.6",
    "masterUsername": "ecomart_admin",
    "storageEncrypted": True,
    "kmsKeyId": KEY_ARN,
    "publiclyAccessible": False,
    "iamDatabaseAuthenticationEnabled": True,
    "manageMasterUserPassword": True,
    "masterUserSecretKmsKeyId": KEY_ARN,
    "backupRetentionPeriod": 35,
    "deletionProtection": True,
    "skipFinalSnapshot": False,
    "finalSnapshotIdentifier": "ecomart-prod-aurora-final",
    "copyTagsToSnapshot": True,
    "enabledCloudwatchLogsExports": ["postgresql"],
    "autoMinorVersionUpgrade": True,
    "dbSubnetGroupName": "ecomart-prod-postgres",
}
# A Multi-AZ DB cluster of RDS for PostgreSQL (not Aurora): FSBP RDS.47's resource.
MULTI_AZ_PG_CLUSTER = {
    **AURORA,
    "clusterIdentifier": "ecomart-prod-pg-cluster",
    "engine": "postgres",
    "engineVersion": "16.6",
    "dbClusterInstanceClass": "db.m6gd.large",
    "storageType": "io1",
    "allocatedStorage": 100,
    "iops": 1000,
}
PG_PARAMS = {
    "family": "postgres16",
    "name": "ecomart-prod-postgres16",
    "description": "EcoMart PostgreSQL 16",
    "parameters": [
        {"name": "rds.force_ssl", "value": "1", "applyMethod": "immediate"},
        {"name": "log_connections", "value": "1", "applyMethod": "immediate"},
        {"name": "log_disconnections", "value": "1", "applyMethod": "immediate"},
        {"name": "log_min_duration_statement", "value": "500", "applyMethod": "immediate"},
        {"name": "shared_preload_libraries", "value": "pg_stat_statements,pgaudit", "applyMethod": "pending-reboot"},
        {"name": "password_encryption", "value": "scram-sha-256", "applyMethod": "immediate"},
        {"name": "ssl_min_protocol_version", "value": "TLSv1.2", "applyMethod": "immediate"},
        {"name": "log_statement", "value": "ddl", "applyMethod": "immediate"},
        {"name": "pgaudit.log", "value": "ddl,role", "applyMethod": "immediate"},
    ],
}
MYSQL_PARAMS = {
    "family": "mysql8.0",
    "name": "ecomart-mysql8",
    "parameters": [{"name": "require_secure_transport", "value": "ON"}],
}
BACKUP_REPLICATION = {
    "sourceDbInstanceArn": f"arn:aws:rds:us-east-1:{ACCOUNT}:db:ecomart-prod-pg",
    "kmsKeyId": KEY_ARN.replace("us-east-1", "us-west-2"),
    "retentionPeriod": 35,
    "region": "us-west-2",
}
PROXY = {
    "name": "ecomart-prod-pg-proxy",
    "engineFamily": "POSTGRESQL",
    "roleArn": ROLE_ARN,
    "vpcSubnetIds": ["subnet-1", "subnet-2"],
    "vpcSecurityGroupIds": ["sg-1"],
    "requireTls": True,
    "debugLogging": False,
    "auths": [
        {
            "authScheme": "SECRETS",
            "iamAuth": "REQUIRED",
            "secretArn": f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:rds!db-1-AbCdEf",
        }
    ],
}

# --- ElastiCache ------------------------------------------------------------------------------------------------------
CACHE = {
    "replicationGroupId": "ecomart-prod-cache",
    "description": "EcoMart prod: product cache, carts, sessions",
    "engine": "valkey",
    "engineVersion": "8.0",
    "nodeType": "cache.r7g.large",
    "port": 6379,
    "clusterMode": "enabled",
    "numNodeGroups": 2,
    "replicasPerNodeGroup": 2,
    "parameterGroupName": "ecomart-prod-cache-valkey8",
    "subnetGroupName": "ecomart-prod-cache",
    "securityGroupIds": ["sg-redis"],
    "atRestEncryptionEnabled": True,
    "kmsKeyId": KEY_ARN,
    "transitEncryptionEnabled": True,
    "transitEncryptionMode": "required",
    "userGroupIds": ["ecomart-prod-cache-users"],
    "automaticFailoverEnabled": True,
    "multiAzEnabled": True,
    "snapshotRetentionLimit": 7,
    "snapshotWindow": "02:00-03:00",
    "autoMinorVersionUpgrade": True,
    "logDeliveryConfigurations": [
        {
            "logType": "slow-log",
            "destinationType": "cloudwatch-logs",
            "logFormat": "json",
            "destination": "/ecomart/ecomart-prod/elasticache/ecomart-prod-cache/slow-log",
        },
        {
            "logType": "engine-log",
            "destinationType": "cloudwatch-logs",
            "logFormat": "json",
            "destination": "/ecomart/ecomart-prod/elasticache/ecomart-prod-cache/engine-log",
        },
    ],
}
SERVERLESS = {
    "name": "ecomart-sessions",
    "engine": "valkey",
    "majorEngineVersion": "8",
    "kmsKeyId": KEY_ARN,
    "userGroupId": "ecomart-prod-cache-users",
    "subnetIds": ["subnet-1", "subnet-2"],
    "securityGroupIds": ["sg-redis"],
    "snapshotRetentionLimit": 7,
}
APP_USER = {
    "userId": "ecomart-prod-app",
    "userName": "ecomart-prod-app",
    "engine": "redis",
    "authenticationMode": {"type": "iam"},
    "accessString": "on ~cart:* ~session:* -@all +@read +@write +@keyspace +@connection -@dangerous",
}
DEFAULT_OFF = {
    "userId": "ecomart-prod-default-off",
    "userName": "default",
    "engine": "redis",
    "authenticationMode": {"type": "no-password-required"},
    "accessString": "off",
}

# --- KMS --------------------------------------------------------------------------------------------------------------
KEY = {
    "description": "EcoMart relational data",
    "enableKeyRotation": True,
    "rotationPeriodInDays": 365,
    "deletionWindowInDays": 30,
    "keyUsage": "ENCRYPT_DECRYPT",
    "customerMasterKeySpec": "SYMMETRIC_DEFAULT",
    "policy": doc(ROOT_ADMIN, VIA_RDS),
}
REPLICA_KEY = {"primaryKeyArn": KEY_ARN, "deletionWindowInDays": 30, "policy": doc(ROOT_ADMIN)}
KEY_POLICY = {"keyId": "3e23008e-5f7e-7b31-88ee-95186a8eb722", "policy": doc(ROOT_ADMIN)}

# --- network ----------------------------------------------------------------------------------------------------------


def sg(
    cidr: str = "10.50.0.0/16", port_from: int = 443, port_to: int = 443, protocol: str = "tcp", v6: list | None = None
) -> dict:
    return {
        "vpcId": "vpc-1",
        "name": "ecomart-prod-x",
        "description": "tier",
        "ingress": [
            {
                "protocol": protocol,
                "fromPort": port_from,
                "toPort": port_to,
                "cidrBlocks": [cidr],
                "ipv6CidrBlocks": v6 or [],
                "description": "why",
            }
        ],
    }


def sg_rule(
    cidr: str = "10.50.0.0/16", port_from: int = 443, port_to: int = 443, protocol: str = "tcp", kind: str = "ingress"
) -> dict:
    return {
        "type": kind,
        "securityGroupId": "sg-1",
        "protocol": protocol,
        "fromPort": port_from,
        "toPort": port_to,
        "cidrBlocks": [cidr],
        "ipv6CidrBlocks": [],
    }


def ingress_rule(cidr: str = "10.50.0.0/16", port_from: int = 443, port_to: int = 443, protocol: str = "tcp") -> dict:
    return {
        "securityGroupId": "sg-1",
        "ipProtocol": protocol,
        "fromPort": port_from,
        "toPort": port_to,
        "cidrIpv4": cidr,
        "description": "why",
    }


PUBLIC_NET, DOC_V6 = "203.0.113.0/24", "2001:db8::/32"

# Shared shapes referenced by name above (kept out of the table for readability).


def _spec(region: str) -> dict:
    return {
        "zoneName": region,
        "regionConfigs": [
            {
                "providerName": "AWS",
                "regionName": region,
                "priority": 7,
                "electableSpecs": {"instanceSize": "M30", "nodeCount": 3, "diskSizeGb": 100},
            }
        ],
    }


NAMED = {
    "PLAN": {
        "name": "ecomart-prod-data",
        "rules": [
            {
                "ruleName": "daily",
                "targetVaultName": "ecomart-prod-vault",
                "schedule": "cron(0 5 * * ? *)",
                "lifecycle": {"deleteAfter": 35},
                "copyActions": [
                    {
                        "destinationVaultArn": f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:ecomart-prod-vault-dr",
                        "lifecycle": {"deleteAfter": 35},
                    }
                ],
            },
            {
                "ruleName": "monthly",
                "targetVaultName": "ecomart-prod-vault",
                "schedule": "cron(0 5 1 * ? *)",
                "lifecycle": {"deleteAfter": 365},
                "copyActions": [
                    {
                        "destinationVaultArn": f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:ecomart-prod-vault-dr",
                        "lifecycle": {"deleteAfter": 365},
                    }
                ],
            },
        ],
    },
    "FUNCTION": {
        "name": "ecomart-orders",
        "role": ROLE_ARN,
        "runtime": "python3.12",
        "handler": "app.handler",
        "kmsKeyArn": KEY_ARN,
        "s3Bucket": "ecomart-prod-lambda-artifacts-123456789012",
        "s3Key": "signed/0d1f2b8e-6c1a-4f53-9d1e-3b8f8c2f5a10.zip",
        "codeSigningConfigArn": CSC_ARN,
        "vpcConfig": {"subnetIds": ["subnet-app-0"], "securityGroupIds": ["sg-app"]},
        "environment": {
            "variables": {
                "DB_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:x",
                "LOG_LEVEL": "INFO",
                "REDIS_TOKEN_TTL": "900",
            }
        },
        "tracingConfig": {"mode": "Active"},
        "reservedConcurrentExecutions": 10,
        "deadLetterConfig": {"targetArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:ecomart-prod-functions-dlq"},
    },
    "COMPLIANCE": {
        "projectId": "p",
        "authorizedEmail": "dpo@ecomart.example",
        "authorizedUserFirstName": "A",
        "authorizedUserLastName": "B",
        "encryptionAtRestEnabled": True,
        "pitEnabled": True,
        "copyProtectionEnabled": True,
        "restoreWindowDays": 7,
    },
    "AUTHORIZER": {
        "apiId": "api-2",
        "name": "customers",
        "authorizerType": "JWT",
        "identitySources": ["$request.header.Authorization"],
        "jwtConfiguration": {
            "issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc",
            "audiences": ["client-1"],
        },
    },
    "HTTP_STAGE": {
        "apiId": "api-2",
        "name": "$default",
        "autoDeploy": True,
        "defaultRouteSettings": {
            "throttlingRateLimit": 100,
            "throttlingBurstLimit": 200,
            "detailedMetricsEnabled": True,
        },
    },
    "USER_POOL": {
        "name": "ecomart-prod-customers",
        "mfaConfiguration": "OPTIONAL",
        "deletionProtection": "ACTIVE",
        "userPoolTier": "PLUS",
        "userPoolAddOns": {"advancedSecurityMode": "ENFORCED"},
        "passwordPolicy": {
            "minimumLength": 12,
            "requireLowercase": True,
            "requireUppercase": True,
            "requireNumbers": True,
            "requireSymbols": True,
        },
    },
    "RELAY_SCHEDULE": {
        "name": "ecomart-prod-outbox-relay-1",
        "scheduleExpression": "rate(1 minute)",
        "flexibleTimeWindow": {"mode": "OFF"},
        "target": {
            "arn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:ecomart-prod-relay",
            "roleArn": ROLE_ARN,
            "retryPolicy": {"maximumRetryAttempts": 0, "maximumEventAgeInSeconds": 60},
            "deadLetterConfig": {"arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:ecomart-prod-functions-dlq"},
        },
    },
    "CLUSTER": {
        "projectId": "66d0c0e9a1b2c3d4e5f60718",
        "name": "catalog",
        "clusterType": "GEOSHARDED",
        "replicationSpecs": [_spec("US_EAST_1"), _spec("EU_WEST_1")],
        "mongoDbMajorVersion": "8.0",
        "backupEnabled": True,
        "pitEnabled": True,
        "encryptionAtRestProvider": "AWS",
        "terminationProtectionEnabled": True,
        "redactClientLogData": True,
        "retainBackupsEnabled": True,
        "advancedConfiguration": {"minimumEnabledTlsProtocol": "TLS1_2", "javascriptEnabled": False},
    },
    "ONE_SPEC": [_spec("US_EAST_1")],
    "DB_USER": {
        "projectId": "p",
        "username": f"arn:aws:iam::{ACCOUNT}:role/ecomart-prod-catalog-app",
        "authDatabaseName": "$external",
        "awsIamType": "ROLE",
        "roles": [{"roleName": "readWrite", "databaseName": "catalog"}],
        "scopes": [{"name": "catalog", "type": "CLUSTER"}],
    },
    "SCHEDULE": {
        "projectId": "p",
        "clusterName": "catalog",
        "restoreWindowDays": 7,
        "policyItemDaily": {"frequencyInterval": 1, "retentionUnit": "days", "retentionValue": 35},
        "copySettings": [{"cloudProvider": "AWS", "regionName": "US_WEST_2", "zoneId": "z1", "shouldCopyOplogs": True}],
    },
}
