"""For every resource policy: compliant resources (engine camelCase, as pulumi-aws 7 / pulumi-mongodbatlas 4 name
them) and, per property the policy checks, a one-property mutation that must be reported.

The shapes follow what components/ declare, so a compliant case here is what the real stacks look like.
"""

from __future__ import annotations

import json

from policies import tokens as T
from tests.policies.helpers import ACCOUNT, DELETE, KEY_ARN, ROLE_ARN, TOPIC_ARN, Case


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ROOT_ADMIN = {"Sid": "AccountRootAdministersKey", "Effect": "Allow",
              "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": ["kms:*"], "Resource": "*"}
VIA_RDS = {"Sid": "UseRdsViaService", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
           "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
           "Condition": {"StringEquals": {"kms:ViaService": "rds.us-east-1.amazonaws.com"}}}
PUBLIC = {"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
PUBLIC_AWS = {"Sid": "AnyAccount", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt",
              "Resource": "*"}
DENY_HTTP = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "*",
             "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
CW_PUBLISH = {"Sid": "CloudWatchAlarmsPublish", "Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
              "Action": "sns:Publish", "Resource": TOPIC_ARN,
              "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}
ADMIN = {"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"}
CONNECT = {"Sid": "ConnectAsAppUser", "Effect": "Allow", "Action": "elasticache:Connect",
           "Resource": [f"arn:aws:elasticache:us-east-1:{ACCOUNT}:replicationgroup:ecomart-prod-cache"]}
DECRYPT_ONE_KEY = {"Sid": "ComputeKey", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                   "Resource": [KEY_ARN]}
DECRYPT_ALL = {"Sid": "AnyKey", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": "*"}
LAMBDA_TRUST = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
PUBLIC_TRUST = {"Sid": "Anyone", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}

CSC_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:code-signing-config:csc-0a1b2c3d4e5f60718"
CODE_SIGNING = {"description": "only code signed by the stack's profile", "allowedPublishers": {
    "signingProfileVersionArns": [f"arn:aws:signer:us-east-1:{ACCOUNT}:/signing-profiles/ecomart_prod_lambda_A/x1"]},
    "policies": {"untrustedArtifactOnDeployment": "Enforce"}}
SIGNING_PROFILE = {"namePrefix": "ecomart_prod_lambda_", "platformId": "AWSLambda-SHA384-ECDSA",
                   "signatureValidityPeriod": {"type": "MONTHS", "value": 60}}
_IMAGE_FUNCTION = {"name": "ecomart-image", "role": ROLE_ARN, "packageType": "Image",
                   "imageUri": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/app@sha256:{'0' * 64}"}

# --- RDS ------------------------------------------------------------------------------------------------------------
PG_WRITER = {
    "identifier": "ecomart-prod-pg", "engine": "postgres", "engineVersion": "16.8", "instanceClass": "db.r6g.xlarge",
    "dbName": "ecomart", "username": "ecomart_admin", "allocatedStorage": 400, "maxAllocatedStorage": 2000,
    "storageType": "gp3", "storageEncrypted": True, "kmsKeyId": KEY_ARN, "publiclyAccessible": False,
    "iamDatabaseAuthenticationEnabled": True, "manageMasterUserPassword": True, "masterUserSecretKmsKeyId": KEY_ARN,
    "multiAz": True, "backupRetentionPeriod": 35, "backupWindow": "03:00-04:00", "deletionProtection": True,
    "skipFinalSnapshot": False, "finalSnapshotIdentifier": "ecomart-prod-pg-final", "copyTagsToSnapshot": True,
    "performanceInsightsEnabled": True, "performanceInsightsKmsKeyId": KEY_ARN,
    "performanceInsightsRetentionPeriod": 731, "monitoringInterval": 15, "monitoringRoleArn": ROLE_ARN,
    "enabledCloudwatchLogsExports": ["postgresql", "upgrade", "iam-db-auth-error"], "autoMinorVersionUpgrade": True,
    "caCertIdentifier": "rds-ca-rsa2048-g1", "parameterGroupName": "ecomart-prod-postgres16",
    "dbSubnetGroupName": "ecomart-prod-postgres", "vpcSecurityGroupIds": ["sg-97a2a99fd544b50c2"], "port": 5432,
}
AURORA = {
    "clusterIdentifier": "ecomart-prod-aurora", "engine": "aurora-postgresql", "engineVersion": "16.6",
    "masterUsername": "ecomart_admin", "storageEncrypted": True, "kmsKeyId": KEY_ARN, "publiclyAccessible": False,
    "iamDatabaseAuthenticationEnabled": True, "manageMasterUserPassword": True,
    "masterUserSecretKmsKeyId": KEY_ARN, "backupRetentionPeriod": 35, "deletionProtection": True,
    "skipFinalSnapshot": False, "finalSnapshotIdentifier": "ecomart-prod-aurora-final", "copyTagsToSnapshot": True,
    "enabledCloudwatchLogsExports": ["postgresql"], "autoMinorVersionUpgrade": True,
    "dbSubnetGroupName": "ecomart-prod-postgres",
}
PG_PARAMS = {
    "family": "postgres16", "name": "ecomart-prod-postgres16", "description": "EcoMart PostgreSQL 16",
    "parameters": [{"name": "rds.force_ssl", "value": "1", "applyMethod": "immediate"},
                   {"name": "log_connections", "value": "1", "applyMethod": "immediate"},
                   {"name": "log_disconnections", "value": "1", "applyMethod": "immediate"},
                   {"name": "log_min_duration_statement", "value": "500", "applyMethod": "immediate"},
                   {"name": "shared_preload_libraries", "value": "pg_stat_statements,pgaudit",
                    "applyMethod": "pending-reboot"},
                   {"name": "password_encryption", "value": "scram-sha-256", "applyMethod": "immediate"},
                   {"name": "ssl_min_protocol_version", "value": "TLSv1.2", "applyMethod": "immediate"},
                   {"name": "log_statement", "value": "ddl", "applyMethod": "immediate"},
                   {"name": "pgaudit.log", "value": "ddl,role", "applyMethod": "immediate"}],
}
MYSQL_PARAMS = {"family": "mysql8.0", "name": "ecomart-mysql8",
                "parameters": [{"name": "require_secure_transport", "value": "ON"}]}
BACKUP_REPLICATION = {"sourceDbInstanceArn": f"arn:aws:rds:us-east-1:{ACCOUNT}:db:ecomart-prod-pg",
                      "kmsKeyId": KEY_ARN.replace("us-east-1", "us-west-2"), "retentionPeriod": 35,
                      "region": "us-west-2"}
PROXY = {"name": "ecomart-prod-pg-proxy", "engineFamily": "POSTGRESQL", "roleArn": ROLE_ARN,
         "vpcSubnetIds": ["subnet-1", "subnet-2"], "vpcSecurityGroupIds": ["sg-1"], "requireTls": True,
         "debugLogging": False,
         "auths": [{"authScheme": "SECRETS", "iamAuth": "REQUIRED",
                    "secretArn": f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:rds!db-1-AbCdEf"}]}

# --- ElastiCache ------------------------------------------------------------------------------------------------------
CACHE = {
    "replicationGroupId": "ecomart-prod-cache", "description": "EcoMart prod: product cache, carts, sessions",
    "engine": "valkey", "engineVersion": "8.0", "nodeType": "cache.r7g.large", "port": 6379,
    "clusterMode": "enabled", "numNodeGroups": 2, "replicasPerNodeGroup": 2,
    "parameterGroupName": "ecomart-prod-cache-valkey8", "subnetGroupName": "ecomart-prod-cache",
    "securityGroupIds": ["sg-redis"], "atRestEncryptionEnabled": True, "kmsKeyId": KEY_ARN,
    "transitEncryptionEnabled": True, "transitEncryptionMode": "required",
    "userGroupIds": ["ecomart-prod-cache-users"], "automaticFailoverEnabled": True, "multiAzEnabled": True,
    "snapshotRetentionLimit": 7, "snapshotWindow": "02:00-03:00", "autoMinorVersionUpgrade": True,
    "logDeliveryConfigurations": [
        {"logType": "slow-log", "destinationType": "cloudwatch-logs", "logFormat": "json",
         "destination": "/ecomart/ecomart-prod/elasticache/ecomart-prod-cache/slow-log"},
        {"logType": "engine-log", "destinationType": "cloudwatch-logs", "logFormat": "json",
         "destination": "/ecomart/ecomart-prod/elasticache/ecomart-prod-cache/engine-log"}],
}
SERVERLESS = {"name": "ecomart-sessions", "engine": "valkey", "majorEngineVersion": "8", "kmsKeyId": KEY_ARN,
              "userGroupId": "ecomart-prod-cache-users", "subnetIds": ["subnet-1", "subnet-2"],
              "securityGroupIds": ["sg-redis"], "snapshotRetentionLimit": 7}
APP_USER = {"userId": "ecomart-prod-app", "userName": "ecomart-prod-app", "engine": "redis",
            "authenticationMode": {"type": "iam"},
            "accessString": "on ~cart:* ~session:* -@all +@read +@write +@keyspace +@connection -@dangerous"}
DEFAULT_OFF = {"userId": "ecomart-prod-default-off", "userName": "default", "engine": "redis",
               "authenticationMode": {"type": "no-password-required"}, "accessString": "off"}

# --- KMS ----------------------------------------------------------------------------------------------------------------
KEY = {"description": "EcoMart relational data", "enableKeyRotation": True, "rotationPeriodInDays": 365,
       "deletionWindowInDays": 30, "keyUsage": "ENCRYPT_DECRYPT", "customerMasterKeySpec": "SYMMETRIC_DEFAULT",
       "policy": doc(ROOT_ADMIN, VIA_RDS)}
REPLICA_KEY = {"primaryKeyArn": KEY_ARN, "deletionWindowInDays": 30, "policy": doc(ROOT_ADMIN)}
KEY_POLICY = {"keyId": "3e23008e-5f7e-7b31-88ee-95186a8eb722", "policy": doc(ROOT_ADMIN)}

# --- network ------------------------------------------------------------------------------------------------------------


def sg(cidr: str = "10.50.0.0/16", port_from: int = 443, port_to: int = 443, protocol: str = "tcp",
       v6: list | None = None) -> dict:
    return {"vpcId": "vpc-1", "name": "ecomart-prod-x", "description": "tier",
            "ingress": [{"protocol": protocol, "fromPort": port_from, "toPort": port_to, "cidrBlocks": [cidr],
                         "ipv6CidrBlocks": v6 or [], "description": "why"}]}


def sg_rule(cidr: str = "10.50.0.0/16", port_from: int = 443, port_to: int = 443, protocol: str = "tcp",
            kind: str = "ingress") -> dict:
    return {"type": kind, "securityGroupId": "sg-1", "protocol": protocol, "fromPort": port_from, "toPort": port_to,
            "cidrBlocks": [cidr], "ipv6CidrBlocks": []}


def ingress_rule(cidr: str = "10.50.0.0/16", port_from: int = 443, port_to: int = 443,
                 protocol: str = "tcp") -> dict:
    return {"securityGroupId": "sg-1", "ipProtocol": protocol, "fromPort": port_from, "toPort": port_to,
            "cidrIpv4": cidr, "description": "why"}


PUBLIC_NET, DOC_V6 = "203.0.113.0/24", "2001:db8::/32"

# --- the table ------------------------------------------------------------------------------------------------------------
CASES: dict[str, list[Case]] = {
    # RDS
    "rds-storage-encrypted": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"storageEncrypted": False, "kmsKeyId": DELETE}),
        Case(T.RDS_CLUSTER, AURORA, {"storageEncrypted": False, "kmsKeyId": DELETE}),
    ],
    "rds-not-publicly-accessible": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"publiclyAccessible": True}),
        Case(T.RDS_CLUSTER, AURORA, {"publiclyAccessible": True}),
    ],
    "rds-iam-authentication": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"iamDatabaseAuthenticationEnabled": False}),
        Case(T.RDS_CLUSTER, AURORA, {"iamDatabaseAuthenticationEnabled": DELETE}),
    ],
    "rds-managed-master-password": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"manageMasterUserPassword": False, "password": "hunter2-hunter2"}),
        Case(T.RDS_CLUSTER, AURORA, {"manageMasterUserPassword": DELETE, "masterPassword": "hunter2-hunter2"}),
    ],
    "rds-master-secret-cmk": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"masterUserSecretKmsKeyId": DELETE}),
        Case(T.RDS_CLUSTER, AURORA, {"masterUserSecretKmsKeyId": DELETE}),
    ],
    "rds-multi-az": [Case(T.RDS_INSTANCE, PG_WRITER, {"multiAz": False})],
    "rds-backup-retention": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"backupRetentionPeriod": 7}),
        Case(T.RDS_CLUSTER, AURORA, {"backupRetentionPeriod": 1}),
        Case(T.RDS_INSTANCE, {**PG_WRITER, "backupRetentionPeriod": 7}, {"backupRetentionPeriod": 6},
             config={"minimumDays": 7}, label="dev minimum"),
    ],
    "rds-deletion-protection": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"deletionProtection": False}),
        Case(T.RDS_CLUSTER, AURORA, {"deletionProtection": DELETE}),
    ],
    "rds-final-snapshot": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"skipFinalSnapshot": True, "finalSnapshotIdentifier": DELETE}),
        Case(T.RDS_CLUSTER, AURORA, {"skipFinalSnapshot": True, "finalSnapshotIdentifier": DELETE}),
    ],
    "rds-performance-insights-encrypted": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"performanceInsightsEnabled": False, "performanceInsightsKmsKeyId": DELETE}),
    ],
    "rds-enhanced-monitoring": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"monitoringInterval": 0, "monitoringRoleArn": DELETE}),
    ],
    "rds-log-exports": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"enabledCloudwatchLogsExports": ["upgrade"]}),
        Case(T.RDS_INSTANCE, PG_WRITER, {"enabledCloudwatchLogsExports": DELETE}, label="none"),
        Case(T.RDS_CLUSTER, AURORA, {"enabledCloudwatchLogsExports": []}),
    ],
    "rds-auto-minor-version-upgrade": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"autoMinorVersionUpgrade": False}),
        Case(T.RDS_CLUSTER, AURORA, {"autoMinorVersionUpgrade": False}),
    ],
    "rds-copy-tags-to-snapshot": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"copyTagsToSnapshot": False}),
        Case(T.RDS_CLUSTER, AURORA, {"copyTagsToSnapshot": DELETE}),
    ],
    "rds-custom-parameter-group": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"parameterGroupName": "default.postgres16"}),
        Case(T.RDS_INSTANCE, PG_WRITER, {"parameterGroupName": DELETE}, label="unset"),
    ],
    "rds-ca-certificate-current": [Case(T.RDS_INSTANCE, PG_WRITER, {"caCertIdentifier": "rds-ca-2019"})],
    "rds-engine-version-supported": [Case(T.RDS_INSTANCE, PG_WRITER, {"engineVersion": "12.22"})],
    "rds-parameter-group-force-tls": [
        Case(T.RDS_PARAMETER_GROUP, PG_PARAMS, {"parameters.0.value": "0"}),
        Case(T.RDS_PARAMETER_GROUP, PG_PARAMS, {"parameters": PG_PARAMS["parameters"][1:]}, label="missing"),
        Case(T.RDS_PARAMETER_GROUP, MYSQL_PARAMS, {"parameters.0.value": "OFF"}, label="mysql"),
    ],
    "rds-parameter-group-logging": [
        Case(T.RDS_PARAMETER_GROUP, PG_PARAMS, {"parameters.1.value": "0"}),
        Case(T.RDS_PARAMETER_GROUP, PG_PARAMS, {"parameters.3.value": "-1"}, label="slow statements"),
    ],
    "rds-backup-replication-encrypted": [
        Case(T.RDS_BACKUP_REPLICATION, BACKUP_REPLICATION, {"kmsKeyId": DELETE, "retentionPeriod": 3}),
    ],
    "rds-proxy-require-tls": [Case(T.RDS_PROXY, PROXY, {"requireTls": False})],
    "rds-proxy-iam-auth": [Case(T.RDS_PROXY, PROXY, {"auths.0.iamAuth": "DISABLED"})],
    "rds-proxy-debug-logging-off": [Case(T.RDS_PROXY, PROXY, {"debugLogging": True})],
    "rds-parameter-group-hardening": [
        Case(T.RDS_PARAMETER_GROUP, PG_PARAMS, {"parameters.5.value": "md5"}, label="md5"),
        Case(T.RDS_PARAMETER_GROUP, PG_PARAMS, {"parameters.6.value": "TLSv1"}, label="tls 1.0"),
        Case(T.RDS_PARAMETER_GROUP, PG_PARAMS, {"parameters.7.value": "none"}, label="no ddl log"),
        Case(T.RDS_PARAMETER_GROUP, PG_PARAMS, {"parameters.4.value": "pg_stat_statements"}, label="no pgaudit"),
        Case(T.RDS_PARAMETER_GROUP, PG_PARAMS, {"parameters": PG_PARAMS["parameters"][:5]}, label="absent"),
    ],
    "rds-snapshot-not-public": [
        Case(T.RDS_SNAPSHOT, {"dbInstanceIdentifier": "ecomart-prod-pg", "dbSnapshotIdentifier": "pre-upgrade",
                              "sharedAccounts": ["210987654321"]}, {"sharedAccounts": ["all"]}),
        Case(T.RDS_CLUSTER_SNAPSHOT, {"dbClusterIdentifier": "c", "dbClusterSnapshotIdentifier": "s"},
             {"sharedAccounts": ["ALL"]}, label="cluster"),
        Case(T.RDS_SNAPSHOT_COPY, {"sourceDbSnapshotIdentifier": "arn:aws:rds:us-east-1:1:snapshot:s",
                                   "targetDbSnapshotIdentifier": "copy"}, {"sharedAccounts": ["all"]}, label="copy"),
    ],
    "rds-custom-master-username": [
        Case(T.RDS_INSTANCE, PG_WRITER, {"username": "postgres"}),
        Case(T.RDS_CLUSTER, AURORA, {"masterUsername": "admin"}, label="cluster"),
    ],
    "rds-proxy-endpoint-security-groups": [
        Case(T.RDS_PROXY, PROXY, {"vpcSecurityGroupIds": []}),
        Case(T.RDS_PROXY_ENDPOINT, {"dbProxyName": "ecomart-prod-pg-proxy", "dbProxyEndpointName": "reads",
                                    "vpcSubnetIds": ["subnet-1", "subnet-2"], "vpcSecurityGroupIds": ["sg-1"],
                                    "targetRole": "READ_ONLY"}, {"vpcSecurityGroupIds": DELETE}, label="endpoint")],
    # ElastiCache
    "elasticache-encryption-at-rest-cmk": [
        Case(T.EC_REPLICATION_GROUP, CACHE, {"atRestEncryptionEnabled": False, "kmsKeyId": DELETE}),
    ],
    "elasticache-transit-encryption-required": [
        Case(T.EC_REPLICATION_GROUP, CACHE, {"transitEncryptionEnabled": False, "transitEncryptionMode": "preferred"}),
    ],
    "elasticache-rbac-user-groups": [
        Case(T.EC_REPLICATION_GROUP, CACHE, {"userGroupIds": [], "authToken": "a-shared-auth-token-123"}),
    ],
    "elasticache-automatic-failover-multi-az": [
        Case(T.EC_REPLICATION_GROUP, CACHE, {"automaticFailoverEnabled": False, "multiAzEnabled": DELETE}),
    ],
    "elasticache-cluster-mode-sharded": [
        Case(T.EC_REPLICATION_GROUP, CACHE, {"clusterMode": "disabled", "numNodeGroups": 1,
                                             "replicasPerNodeGroup": 1}),
    ],
    "elasticache-snapshot-retention": [
        Case(T.EC_REPLICATION_GROUP, CACHE, {"snapshotRetentionLimit": 1}),
        Case(T.EC_SERVERLESS, SERVERLESS, {"snapshotRetentionLimit": 0}),
        Case(T.EC_REPLICATION_GROUP, {**CACHE, "snapshotRetentionLimit": 1}, {"snapshotRetentionLimit": 0},
             config={"minimumDays": 1}, label="dev minimum"),
    ],
    "elasticache-log-delivery": [
        Case(T.EC_REPLICATION_GROUP, CACHE, {"logDeliveryConfigurations.0.logType": "engine-log",
                                             "logDeliveryConfigurations.0.destinationType": "s3",
                                             "logDeliveryConfigurations.0.destination": DELETE}),
        Case(T.EC_REPLICATION_GROUP, CACHE, {"logDeliveryConfigurations": []}, label="none"),
    ],
    "elasticache-custom-parameter-group": [
        Case(T.EC_REPLICATION_GROUP, CACHE, {"parameterGroupName": "default.valkey8"}),
    ],
    "elasticache-auto-minor-version-upgrade": [
        Case(T.EC_REPLICATION_GROUP, CACHE, {"autoMinorVersionUpgrade": False}),
    ],
    "elasticache-engine-version-supported": [
        Case(T.EC_REPLICATION_GROUP, CACHE, {"engineVersion": "7.1"}),
        Case(T.EC_REPLICATION_GROUP, {**CACHE, "engine": "redis", "engineVersion": "7.1"}, {"engineVersion": "6.2"},
             label="redis"),
    ],
    "elasticache-in-subnet-group": [
        Case(T.EC_REPLICATION_GROUP, CACHE, {"subnetGroupName": DELETE, "securityGroupIds": []}),
    ],
    "elasticache-serverless-cmk-rbac": [
        Case(T.EC_SERVERLESS, SERVERLESS, {"kmsKeyId": DELETE, "userGroupId": DELETE}),
    ],
    "elasticache-user-authenticated": [
        Case(T.EC_USER, APP_USER, {"authenticationMode.type": "no-password-required", "noPasswordRequired": True}),
        Case(T.EC_USER, DEFAULT_OFF, {"accessString": "on ~* +@all"}, label="disabled user switched on"),
    ],
    "elasticache-default-user-disabled": [Case(T.EC_USER, DEFAULT_OFF, {"accessString": "on ~* +@all"})],
    "elasticache-user-least-privilege": [
        Case(T.EC_USER, APP_USER, {"accessString": "on ~* +@all"}),
        Case(T.EC_USER, APP_USER, {"accessString": "on ~cart:* +@read +@dangerous"}, label="dangerous"),
    ],
    # KMS
    "kms-key-rotation": [Case(T.KMS_KEY, KEY, {"enableKeyRotation": False, "rotationPeriodInDays": 730})],
    "kms-key-deletion-window": [
        Case(T.KMS_KEY, KEY, {"deletionWindowInDays": 7}),
        Case(T.KMS_REPLICA_KEY, REPLICA_KEY, {"deletionWindowInDays": 10}),
        Case(T.KMS_KEY, {**KEY, "deletionWindowInDays": 7}, {"deletionWindowInDays": 6}, config={"minimumDays": 7},
             label="dev minimum"),
    ],
    "kms-key-policy-no-public-principal": [
        Case(T.KMS_KEY, KEY, {"policy": doc(ROOT_ADMIN, PUBLIC_AWS)}),
        Case(T.KMS_REPLICA_KEY, REPLICA_KEY, {"policy": doc(PUBLIC)}),
        Case(T.KMS_KEY_POLICY, KEY_POLICY, {"policy": doc(PUBLIC_AWS)}),
        Case(T.KMS_KEY_POLICY, KEY_POLICY, {"policy": "{not json"}, label="malformed"),
    ],
    # network
    "sg-no-open-ingress": [
        Case(T.SECURITY_GROUP, sg(), {"ingress.0.cidrBlocks": ["0.0.0.0/0"], "ingress.0.ipv6CidrBlocks": ["::/0"]}),
        Case(T.SG_RULE, sg_rule(), {"cidrBlocks": ["0.0.0.0/0"], "ipv6CidrBlocks": ["::/0"]}),
        Case(T.SG_INGRESS_RULE, ingress_rule(), {"cidrIpv4": "0.0.0.0/0", "cidrIpv6": "::/0"}),
    ],
    "sg-no-public-ingress-data-ports": [
        Case(T.SECURITY_GROUP, sg(PUBLIC_NET, 6380, 6400), {"ingress.0.fromPort": 6379}, label="from"),
        Case(T.SECURITY_GROUP, sg(PUBLIC_NET, 5400, 5431), {"ingress.0.toPort": 5432}, label="to"),
        Case(T.SECURITY_GROUP, sg(PUBLIC_NET, 27017, 27017, "udp"), {"ingress.0.protocol": "tcp"}, label="proto"),
        Case(T.SECURITY_GROUP, sg("10.0.0.0/8", 5432, 5432), {"ingress.0.cidrBlocks": [PUBLIC_NET],
                                                             "ingress.0.ipv6CidrBlocks": [DOC_V6]}, label="cidr"),
        Case(T.SG_RULE, sg_rule(PUBLIC_NET, 6380, 6400), {"fromPort": 6379}, label="from"),
        Case(T.SG_RULE, sg_rule(PUBLIC_NET, 5400, 5431), {"toPort": 5432}, label="to"),
        Case(T.SG_RULE, sg_rule(PUBLIC_NET, 5432, 5432, "udp"), {"protocol": "-1"}, label="proto"),
        Case(T.SG_RULE, sg_rule("172.16.0.0/12", 5432, 5432), {"cidrBlocks": [PUBLIC_NET],
                                                              "ipv6CidrBlocks": [DOC_V6]}, label="cidr"),
        Case(T.SG_RULE, sg_rule(PUBLIC_NET, 5432, 5432, kind="egress"), {"type": "ingress"}, label="type"),
        Case(T.SG_INGRESS_RULE, ingress_rule(PUBLIC_NET, 6380, 6400), {"fromPort": 6379}, label="from"),
        Case(T.SG_INGRESS_RULE, ingress_rule(PUBLIC_NET, 27000, 27016), {"toPort": 27017}, label="to"),
        Case(T.SG_INGRESS_RULE, ingress_rule(PUBLIC_NET, 5432, 5432, "udp"), {"ipProtocol": "tcp"}, label="proto"),
        Case(T.SG_INGRESS_RULE, ingress_rule("10.0.0.0/8", 5432, 5432), {"cidrIpv4": PUBLIC_NET, "cidrIpv6": DOC_V6},
             label="cidr"),
    ],
    "sg-rule-descriptions": [
        Case(T.SECURITY_GROUP, sg(), {"description": DELETE, "ingress.0.description": DELETE}),
        Case(T.SG_INGRESS_RULE, ingress_rule(), {"description": DELETE}),
        Case(T.SG_EGRESS_RULE, {"securityGroupId": "sg-1", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443,
                                "referencedSecurityGroupId": "sg-2", "description": "app to endpoints"},
             {"description": ""}),
    ],
    "sg-no-unrestricted-egress": [
        Case(T.SECURITY_GROUP, {"vpcId": "vpc-1", "description": "x", "egress": [
            {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["10.50.0.0/16"]}]},
             {"egress.0.cidrBlocks": ["0.0.0.0/0"]}),
        Case(T.SECURITY_GROUP, {"vpcId": "vpc-1", "description": "x", "egress": [
            {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}]},
             {"egress.0.protocol": "-1"}, label="protocol"),
        Case(T.SG_RULE, sg_rule("10.50.0.0/16", 0, 0, "-1", "egress"), {"cidrBlocks": ["0.0.0.0/0"]}),
        Case(T.SG_RULE, sg_rule("0.0.0.0/0", 443, 443, "tcp", "egress"), {"protocol": "-1"}, label="protocol"),
        Case(T.SG_RULE, sg_rule("0.0.0.0/0", 0, 0, "-1", "ingress"), {"type": "egress"}, label="type"),
        Case(T.SG_EGRESS_RULE, {"securityGroupId": "sg-1", "ipProtocol": "-1", "cidrIpv4": "10.50.0.0/16"},
             {"cidrIpv4": "0.0.0.0/0"}),
        Case(T.SG_EGRESS_RULE, {"securityGroupId": "sg-1", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443,
                                "cidrIpv4": "0.0.0.0/0"}, {"ipProtocol": "-1"}, label="protocol"),
    ],
    "default-security-group-closed": [
        Case(T.DEFAULT_SG, {"vpcId": "vpc-1", "ingress": [], "egress": []},
             {"ingress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}],
              "egress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]}),
    ],
    "subnet-no-public-ip-on-launch": [
        Case(T.SUBNET, {"vpcId": "vpc-1", "cidrBlock": "10.50.128.0/20", "mapPublicIpOnLaunch": False,
                        "tags": {"tier": "data"}}, {"mapPublicIpOnLaunch": True}),
    ],
    "subnet-tier-tag": [
        Case(T.SUBNET, {"vpcId": "vpc-1", "cidrBlock": "10.50.128.0/20", "tags": {"tier": "data"}},
             {"tags.tier": "dmz"}),
        Case(T.SUBNET, {"vpcId": "vpc-1", "cidrBlock": "10.50.128.0/20", "tags": {"tier": "app"}},
             {"tags.tier": DELETE}, label="missing"),
    ],
    "nacl-no-open-admin-ingress": [
        Case(T.NETWORK_ACL, {"vpcId": "vpc-1", "ingress": [{"ruleNo": 100, "action": "allow", "protocol": "-1",
                                                           "cidrBlock": "10.50.0.0/16", "fromPort": 0, "toPort": 0}]},
             {"ingress.0.cidrBlock": "0.0.0.0/0"}),
        Case(T.NETWORK_ACL, {"vpcId": "vpc-1", "ingress": [{"ruleNo": 100, "action": "deny", "protocol": "tcp",
                                                           "cidrBlock": "0.0.0.0/0", "fromPort": 22, "toPort": 22}]},
             {"ingress.0.action": "allow"}, label="action"),
        Case(T.NETWORK_ACL, {"vpcId": "vpc-1", "ingress": [{"ruleNo": 100, "action": "allow", "protocol": "tcp",
                                                           "cidrBlock": "0.0.0.0/0", "fromPort": 443, "toPort": 443}]},
             {"ingress.0.protocol": "-1"}, label="protocol"),
        Case(T.NETWORK_ACL_RULE, {"networkAclId": "acl-1", "ruleNumber": 100, "egress": False, "protocol": "-1",
                                  "ruleAction": "allow", "cidrBlock": "10.50.0.0/16"}, {"cidrBlock": "0.0.0.0/0"}),
        Case(T.NETWORK_ACL_RULE, {"networkAclId": "acl-1", "ruleNumber": 100, "egress": False, "protocol": "tcp",
                                  "ruleAction": "deny", "cidrBlock": "0.0.0.0/0", "fromPort": 3389, "toPort": 3389},
             {"ruleAction": "allow"}, label="action"),
        Case(T.NETWORK_ACL_RULE, {"networkAclId": "acl-1", "ruleNumber": 100, "egress": False, "protocol": "udp",
                                  "ruleAction": "allow", "cidrBlock": "0.0.0.0/0", "fromPort": 0, "toPort": 65535},
             {"protocol": "tcp"}, label="protocol"),
    ],
    "flow-log-all-traffic": [
        Case(T.FLOW_LOG, {"vpcId": "vpc-1", "trafficType": "ALL", "logDestinationType": "cloud-watch-logs",
                          "logDestination": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/ecomart/vpc-flow-logs",
                          "iamRoleArn": ROLE_ARN}, {"trafficType": "REJECT", "logDestination": DELETE}),
    ],
    "vpc-endpoint-private": [
        Case(T.VPC_ENDPOINT, {"vpcId": "vpc-1", "serviceName": "com.amazonaws.us-east-1.kms",
                              "vpcEndpointType": "Interface", "privateDnsEnabled": True, "subnetIds": ["subnet-1"],
                              "securityGroupIds": ["sg-endpoints"]},
             {"privateDnsEnabled": False, "securityGroupIds": []}),
        Case(T.VPC_ENDPOINT, {"vpcId": "vpc-1", "serviceName": "com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f",
                              "vpcEndpointType": "Interface", "privateDnsEnabled": False, "subnetIds": ["subnet-1"],
                              "securityGroupIds": ["sg-atlas"]},
             {"serviceName": "com.amazonaws.us-east-1.secretsmanager"}, label="partner service (Atlas)"),
    ],
    # observability
    "log-group-kms-encrypted": [
        Case(T.LOG_GROUP, {"name": "/ecomart/x", "retentionInDays": 365, "kmsKeyId": KEY_ARN}, {"kmsKeyId": DELETE}),
    ],
    "log-group-retention": [
        Case(T.LOG_GROUP, {"name": "/ecomart/x", "retentionInDays": 365, "kmsKeyId": KEY_ARN},
             {"retentionInDays": 90}),
        Case(T.LOG_GROUP, {"name": "/ecomart/x", "retentionInDays": 400, "kmsKeyId": KEY_ARN},
             {"retentionInDays": DELETE}, label="never expires"),
        Case(T.LOG_GROUP, {"name": "/ecomart/x", "retentionInDays": 90, "kmsKeyId": KEY_ARN},
             {"retentionInDays": 30}, config={"minimumDays": 90}, label="dev minimum"),
    ],
    "metric-alarm-notifies": [
        Case(T.METRIC_ALARM, {"name": "ecomart-prod-postgres-writer-cpu", "namespace": "AWS/RDS",
                              "metricName": "CPUUtilization", "dimensions": {"DBInstanceIdentifier": "ecomart-prod-pg"},
                              "statistic": "Average", "comparisonOperator": "GreaterThanThreshold", "threshold": 80,
                              "period": 300, "evaluationPeriods": 3, "actionsEnabled": True,
                              "alarmActions": [TOPIC_ARN], "okActions": [TOPIC_ARN]},
             {"actionsEnabled": False, "alarmActions": [], "okActions": DELETE}),
    ],
    "composite-alarm-notifies": [
        Case(T.COMPOSITE_ALARM, {"alarmName": "ecomart-prod-data-tier-degraded", "alarmRule": 'ALARM("a")',
                                 "actionsEnabled": True, "alarmActions": [TOPIC_ARN], "okActions": [TOPIC_ARN]},
             {"alarmActions": [], "okActions": DELETE}),
    ],
    "sns-topic-cmk": [
        Case(T.SNS_TOPIC, {"name": "ecomart-prod-data-alarms", "kmsMasterKeyId": KEY_ARN},
             {"kmsMasterKeyId": "alias/aws/sns"}),
        Case(T.SNS_TOPIC, {"name": "ecomart-prod-data-alarms", "kmsMasterKeyId": KEY_ARN},
             {"kmsMasterKeyId": DELETE}, label="unencrypted"),
    ],
    "sns-subscription-encrypted-transport": [
        Case(T.SNS_SUBSCRIPTION, {"topic": TOPIC_ARN, "protocol": "https", "endpoint": "https://hooks.example/x"},
             {"protocol": "http", "endpoint": "http://hooks.example/x"}),
    ],
    "sns-topic-policy-not-public": [
        Case(T.SNS_TOPIC_POLICY, {"arn": TOPIC_ARN, "policy": doc(CW_PUBLISH, DENY_HTTP)},
             {"policy": doc(CW_PUBLISH, DENY_HTTP, PUBLIC)}),
    ],
    "sns-topic-policy-deny-insecure-transport": [
        Case(T.SNS_TOPIC_POLICY, {"arn": TOPIC_ARN, "policy": doc(CW_PUBLISH, DENY_HTTP)},
             {"policy": doc(CW_PUBLISH)}),
    ],
    # operations: SQS, FIS
    "sqs-queue-cmk": [
        Case(T.SQS_QUEUE, {"name": "ecomart-prod-queued-orders", "kmsMasterKeyId": KEY_ARN},
             {"kmsMasterKeyId": "alias/aws/sqs"}),
        Case(T.SQS_QUEUE, {"name": "ecomart-prod-queued-orders", "kmsMasterKeyId": KEY_ARN},
             {"kmsMasterKeyId": DELETE}, label="unencrypted"),
    ],
    "sqs-queue-dead-letter": [
        Case(T.SQS_QUEUE, {"name": "ecomart-prod-queued-orders", "redrivePolicy": json.dumps(
            {"deadLetterTargetArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:ecomart-prod-queued-orders-dlq",
             "maxReceiveCount": 5})}, {"redrivePolicy": json.dumps({"maxReceiveCount": 5})}),
        Case(T.SQS_QUEUE, {"name": "ecomart-prod-queued-orders", "redrivePolicy": json.dumps(
            {"deadLetterTargetArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:x-dlq", "maxReceiveCount": 5})},
             {"redrivePolicy": DELETE}, label="no-redrive"),
        Case(T.SQS_QUEUE, {"name": "ecomart-prod-queued-orders-dlq"}, {"name": "ecomart-prod-queued-orders-dlq2"},
             label="dlq-exempt-by-name"),
    ],
    "sqs-policy-not-public": [
        Case(T.SQS_QUEUE_POLICY, {"queueUrl": "https://sqs.us-east-1.amazonaws.com/1/q", "policy": doc(DENY_HTTP)},
             {"policy": doc(DENY_HTTP, PUBLIC)}),
    ],
    "sqs-policy-deny-insecure-transport": [
        Case(T.SQS_QUEUE_POLICY, {"queueUrl": "https://sqs.us-east-1.amazonaws.com/1/q", "policy": doc(DENY_HTTP)},
             {"policy": doc(ADMIN)}),
    ],
    "fis-template-stop-condition": [
        Case(T.FIS_TEMPLATE, {"description": "drill", "roleArn": ROLE_ARN, "stopConditions": [
            {"source": "aws:cloudwatch:alarm", "value": f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:x"}]},
             {"stopConditions": [{"source": "none"}]}),
    ],
    # backup
    "backup-vault-cmk": [Case(T.BACKUP_VAULT, {"name": "ecomart-prod-vault", "kmsKeyArn": KEY_ARN},
                              {"kmsKeyArn": DELETE})],
    "backup-vault-no-force-destroy": [Case(T.BACKUP_VAULT, {"name": "v", "kmsKeyArn": KEY_ARN, "forceDestroy": False},
                                           {"forceDestroy": True})],
    "backup-plan-retention": [
        Case(T.BACKUP_PLAN, "PLAN", {"rules.0.lifecycle.deleteAfter": 7}),
        Case(T.BACKUP_PLAN, "PLAN", {"rules.1.lifecycle.deleteAfter": 90}, label="no long-term rule"),
    ],
    "backup-plan-cross-region-copy": [Case(T.BACKUP_PLAN, "PLAN", {"rules.0.copyActions": []})],
    "backup-vault-lock-retention": [
        Case(T.BACKUP_VAULT_LOCK, {"backupVaultName": "ecomart-prod-vault", "minRetentionDays": 7,
                                   "maxRetentionDays": 400, "changeableForDays": 3},
             {"minRetentionDays": 0, "maxRetentionDays": 3}),
    ],
    "backup-selection-scoped": [
        Case(T.BACKUP_SELECTION, {"name": "ecomart-prod-data-stores", "planId": "plan-1", "iamRoleArn": ROLE_ARN,
                                  "resources": [f"arn:aws:rds:us-east-1:{ACCOUNT}:db:ecomart-prod-pg"]},
             {"iamRoleArn": DELETE, "resources": []}),
    ],
    # S3
    "s3-public-access-block": [
        Case(T.S3_PUBLIC_ACCESS_BLOCK, {"bucket": "b", "blockPublicAcls": True, "blockPublicPolicy": True,
                                        "ignorePublicAcls": True, "restrictPublicBuckets": True},
             {"blockPublicAcls": False, "blockPublicPolicy": False, "ignorePublicAcls": DELETE,
              "restrictPublicBuckets": False}),
    ],
    "s3-encryption-cmk": [
        Case(T.S3_SSE, {"bucket": "b", "rules": [{"applyServerSideEncryptionByDefault": {
            "sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY_ARN}, "bucketKeyEnabled": True}]},
             {"rules.0.applyServerSideEncryptionByDefault.sseAlgorithm": "AES256",
              "rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId": DELETE}),
    ],
    "s3-no-public-acl": [
        Case(T.S3_BUCKET, {"bucket": "ecomart-exports", "acl": "private"}, {"acl": "public-read"}),
        Case(T.S3_ACL, {"bucket": "ecomart-exports", "acl": "private"}, {"acl": "public-read-write"}),
    ],
    "s3-versioning-enabled": [
        Case(T.S3_VERSIONING, {"bucket": "b", "versioningConfiguration": {"status": "Enabled"}},
             {"versioningConfiguration.status": "Suspended"}),
    ],
    "rds-non-default-port": [
        Case(T.RDS_INSTANCE, {"engine": "postgres", "port": 5433}, {"port": 5432}),
        Case(T.RDS_CLUSTER, {"engine": "aurora-postgresql", "port": 6432}, {"port": 5432}),
        Case(T.RDS_INSTANCE, {"engine": "mysql", "port": 3307}, {"port": 3306}),
    ],
    "atlas-service-account-secret-expiry": [
        Case(T.ATLAS_SERVICE_ACCOUNT, {"orgId": "o", "name": "ci", "description": "CI", "roles": ["ORG_READ_ONLY"],
                                       "secretExpiresAfterHours": 8}, {"secretExpiresAfterHours": 2160}),
        Case(T.ATLAS_PROJECT_SERVICE_ACCOUNT, {"projectId": "p", "name": "ci", "description": "CI",
                                               "roles": ["GROUP_READ_ONLY"], "secretExpiresAfterHours": 4},
             {"secretExpiresAfterHours": 9}),
        Case(T.ATLAS_SERVICE_ACCOUNT_SECRET, {"orgId": "o", "clientId": "mdb_sa_id_1", "secretExpiresAfterHours": 8},
             {"secretExpiresAfterHours": 720}),
        Case(T.ATLAS_PROJECT_SERVICE_ACCOUNT_SECRET, {"projectId": "p", "clientId": "mdb_sa_id_1",
                                                      "secretExpiresAfterHours": 1}, {"secretExpiresAfterHours": 24}),
    ],
    "s3-ownership-controls-enforced": [
        Case(T.S3_OWNERSHIP, {"bucket": "b", "rule": {"objectOwnership": "BucketOwnerEnforced"}},
             {"rule.objectOwnership": "ObjectWriter"}),
    ],
    "s3-object-lock-retention": [
        Case(T.S3_OBJECT_LOCK, {"bucket": "b", "objectLockEnabled": "Enabled",
                                "rule": {"defaultRetention": {"mode": "COMPLIANCE", "days": 365}}},
             {"rule.defaultRetention.mode": "FOREVER", "rule.defaultRetention.days": 30,
              "rule.defaultRetention.years": 1}),
    ],
    "s3-policy-deny-insecure-transport": [
        Case(T.S3_POLICY, {"bucket": "b", "policy": doc(DENY_HTTP)}, {"policy": doc(CONNECT)}),
    ],
    "s3-policy-not-public": [
        Case(T.S3_POLICY, {"bucket": "b", "policy": doc(DENY_HTTP)}, {"policy": doc(DENY_HTTP, PUBLIC)}),
    ],
    # Lambda
    "lambda-in-vpc": [Case(T.LAMBDA_FUNCTION, "FUNCTION", {"vpcConfig.subnetIds": [], "vpcConfig.securityGroupIds": []}),
                      Case(T.LAMBDA_FUNCTION, "FUNCTION", {"vpcConfig": DELETE}, label="no vpc")],
    "lambda-environment-cmk": [Case(T.LAMBDA_FUNCTION, "FUNCTION", {"kmsKeyArn": DELETE})],
    "lambda-no-secrets-in-environment": [
        Case(T.LAMBDA_FUNCTION, "FUNCTION", {"environment.variables.DB_PASSWORD": "hunter2-hunter2"}),
        Case(T.LAMBDA_FUNCTION, "FUNCTION", {"environment.variables.STRIPE_API_KEY": "sk_live_abc"}, label="api key"),
    ],
    "lambda-supported-runtime": [Case(T.LAMBDA_FUNCTION, "FUNCTION", {"runtime": "python3.8"})],
    "lambda-code-signing": [
        Case(T.LAMBDA_FUNCTION, "FUNCTION", {"codeSigningConfigArn": ""}),
        Case(T.LAMBDA_FUNCTION, "FUNCTION", {"codeSigningConfigArn": DELETE}, label="absent"),
        Case(T.LAMBDA_FUNCTION, _IMAGE_FUNCTION, {"packageType": "Zip"},
             label="an image function needs no config; the same as a zip does"),
    ],
    "lambda-code-signing-enforced": [
        Case(T.LAMBDA_CODE_SIGNING, CODE_SIGNING,
             {"policies.untrustedArtifactOnDeployment": "Warn",
              "allowedPublishers.signingProfileVersionArns": []}),
        Case(T.LAMBDA_CODE_SIGNING, CODE_SIGNING, {"policies": DELETE},
             label="no policies block: the API's default is Warn"),
    ],
    "signer-profile-lambda-platform": [
        Case(T.SIGNER_PROFILE, SIGNING_PROFILE,
             {"platformId": "AWSIoTDeviceManagement-SHA256-ECDSA", "signatureValidityPeriod.value": 61,
              "signatureValidityPeriod.type": "FORTNIGHTS"}),
        Case(T.SIGNER_PROFILE, SIGNING_PROFILE, {"signatureValidityPeriod": DELETE},
             label="absent: AWS Signer's default, 135 months"),
        Case(T.SIGNER_PROFILE, SIGNING_PROFILE, {"signatureValidityPeriod": {"type": "YEARS", "value": 6}},
             label="6 years"),
        Case(T.SIGNER_PROFILE, SIGNING_PROFILE, {"signatureValidityPeriod": {"type": "DAYS", "value": 1830}},
             label="1830 days", config={"maximumMonths": 60}),
        Case(T.SIGNER_PROFILE, {**SIGNING_PROFILE, "signatureValidityPeriod": {"type": "MONTHS", "value": 24}},
             {"signatureValidityPeriod.value": 25}, config={"maximumMonths": 24}, label="configured maximum"),
    ],
    "lambda-tracing-active": [Case(T.LAMBDA_FUNCTION, "FUNCTION", {"tracingConfig.mode": "PassThrough"})],
    "lambda-reserved-concurrency": [
        Case(T.LAMBDA_FUNCTION, "FUNCTION", {"reservedConcurrentExecutions": -1}),
        Case(T.LAMBDA_FUNCTION, "FUNCTION", {"reservedConcurrentExecutions": 0}, label="zero: the function is off"),
        Case(T.LAMBDA_FUNCTION, "FUNCTION", {"reservedConcurrentExecutions": DELETE}, label="absent")],
    "lambda-multiple-subnets": [
        Case(T.LAMBDA_FUNCTION, {"name": "f", "role": ROLE_ARN, "vpcConfig": {
            "subnetIds": ["subnet-app-0", "subnet-app-1"], "securityGroupIds": ["sg-app"]}},
             {"vpcConfig.subnetIds": ["subnet-app-0"]}),
    ],
    "lambda-dead-letter-target": [
        Case(T.LAMBDA_FUNCTION, "FUNCTION", {"deadLetterConfig.targetArn": ""}),
        Case(T.LAMBDA_FUNCTION, "FUNCTION", {"deadLetterConfig": DELETE}, label="absent")],
    "lambda-function-url-iam": [Case(T.LAMBDA_URL, {"functionName": "ecomart-orders", "authorizationType": "AWS_IAM"},
                                     {"authorizationType": "NONE"})],
    "lambda-permission-scoped": [
        Case(T.LAMBDA_PERMISSION, {"action": "lambda:InvokeFunction", "function": "ecomart-orders",
                                   "principal": "apigateway.amazonaws.com",
                                   "sourceArn": f"arn:aws:execute-api:us-east-1:{ACCOUNT}:abc123/*"},
             {"principal": "*", "sourceArn": DELETE}),
    ],
    # Secrets Manager
    "secret-cmk": [Case(T.SECRET, {"name": "ecomart/x", "kmsKeyId": KEY_ARN, "recoveryWindowInDays": 30},
                        {"kmsKeyId": DELETE})],
    "secret-recovery-window": [Case(T.SECRET, {"name": "ecomart/x", "kmsKeyId": KEY_ARN, "recoveryWindowInDays": 30},
                                    {"recoveryWindowInDays": 0})],
    "secret-rotation-90-days": [
        Case(T.SECRET_ROTATION, {"secretId": "arn:secret", "rotationLambdaArn": "arn:fn",
                                 "rotationRules": {"automaticallyAfterDays": 30}},
             {"rotationRules.automaticallyAfterDays": 365, "rotationEnabled": False}),
    ],
    "secret-policy-not-public": [
        Case(T.SECRET_POLICY, {"secretArn": "arn:secret", "policy": doc(DENY_HTTP), "blockPublicPolicy": True},
             {"blockPublicPolicy": False, "policy": doc(PUBLIC)}),
    ],
    # API Gateway
    "apigw-stage-access-logs": [
        Case(T.APIGW_STAGE, {"restApi": "api-1", "deployment": "dep-1", "stageName": "prod", "accessLogSettings": {
            "destinationArn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/ecomart/api", "format": "{}"}},
             {"accessLogSettings.destinationArn": DELETE}),
        Case(T.APIGWV2_STAGE, {"apiId": "api-2", "name": "$default", "accessLogSettings": {
            "destinationArn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/ecomart/api", "format": "{}"}},
             {"accessLogSettings.destinationArn": DELETE}),
    ],
    "apigw-no-payload-logging": [
        Case(T.APIGW_METHOD_SETTINGS, {"restApi": "api-1", "stageName": "prod", "methodPath": "*/*", "settings": {
            "loggingLevel": "INFO", "dataTraceEnabled": False, "metricsEnabled": True}},
             {"settings.dataTraceEnabled": True}),
        Case(T.APIGWV2_STAGE, {"apiId": "api-2", "name": "$default", "defaultRouteSettings": {
            "dataTraceEnabled": False, "detailedMetricsEnabled": True}},
             {"defaultRouteSettings.dataTraceEnabled": True}),
    ],
    "apigw-cache-encrypted": [
        Case(T.APIGW_METHOD_SETTINGS, {"restApi": "api-1", "stageName": "prod", "methodPath": "*/*", "settings": {
            "cachingEnabled": True, "cacheDataEncrypted": True}}, {"settings.cacheDataEncrypted": False}),
    ],
    "apigw-route-authorized": [
        Case(T.APIGW_METHOD, {"restApi": "api-1", "resourceId": "r-1", "httpMethod": "POST",
                              "authorization": "AWS_IAM"}, {"authorization": "NONE"}),
        Case(T.APIGWV2_ROUTE, {"apiId": "api-2", "routeKey": "POST /orders", "authorizationType": "JWT",
                               "authorizerId": "auth-1"}, {"authorizationType": "NONE"}),
        # a listed public route is fine open; the same route is reported once the list no longer names it
        Case(T.APIGWV2_ROUTE, {"apiId": "api-2", "routeKey": "GET /products", "authorizationType": "NONE"},
             {"routeKey": "GET /orders/{order_id}"}, label="public list"),
    ],
    "apigw-rest-stage-xray": [
        Case(T.APIGW_STAGE, {"restApi": "api-1", "deployment": "dep-1", "stageName": "prod",
                             "xrayTracingEnabled": True}, {"xrayTracingEnabled": False}),
        Case(T.APIGW_STAGE, {"restApi": "api-1", "deployment": "dep-1", "stageName": "prod",
                             "xrayTracingEnabled": True}, {"xrayTracingEnabled": DELETE}, label="absent"),
    ],
    "apigw-rest-execution-logging": [
        Case(T.APIGW_METHOD_SETTINGS, {"restApi": "api-1", "stageName": "prod", "methodPath": "*/*", "settings": {
            "loggingLevel": "ERROR", "dataTraceEnabled": False}}, {"settings.loggingLevel": "OFF"}),
        Case(T.APIGW_METHOD_SETTINGS, {"restApi": "api-1", "stageName": "prod", "methodPath": "*/*", "settings": {
            "loggingLevel": "INFO"}}, {"settings.loggingLevel": DELETE}, label="absent"),
    ],
    "apigw-rest-stage-client-certificate": [
        Case(T.APIGW_STAGE, {"restApi": "api-1", "deployment": "dep-1", "stageName": "prod",
                             "clientCertificateId": "cert-1"}, {"clientCertificateId": DELETE}),
    ],
    "apigw-jwt-authorizer-verified": [
        Case(T.APIGWV2_AUTHORIZER, "AUTHORIZER", {"jwtConfiguration.issuer": "http://issuer.example",
                                                  "jwtConfiguration.audiences": [],
                                                  "identitySources": ["$request.querystring.token"]}),
        Case(T.APIGWV2_AUTHORIZER, "AUTHORIZER", {"jwtConfiguration.issuer": DELETE}, label="no issuer"),
        Case(T.APIGWV2_AUTHORIZER, "AUTHORIZER", {"jwtConfiguration.audiences": DELETE}, label="no audience"),
    ],
    "apigw-stage-throttling": [
        Case(T.APIGWV2_STAGE, "HTTP_STAGE", {"defaultRouteSettings.throttlingRateLimit": 0,
                                             "defaultRouteSettings.throttlingBurstLimit": 0}),
        Case(T.APIGWV2_STAGE, "HTTP_STAGE", {"defaultRouteSettings.throttlingRateLimit": DELETE,
                                             "defaultRouteSettings.throttlingBurstLimit": DELETE}, label="absent"),
    ],
    "apigw-stage-detailed-metrics": [
        Case(T.APIGWV2_STAGE, "HTTP_STAGE", {"defaultRouteSettings.detailedMetricsEnabled": False}),
        Case(T.APIGWV2_STAGE, "HTTP_STAGE", {"defaultRouteSettings.detailedMetricsEnabled": DELETE}, label="absent"),
    ],
    "cognito-password-policy": [
        Case(T.COGNITO_USER_POOL, "USER_POOL", {"passwordPolicy.minimumLength": 8,
                                                "passwordPolicy.requireNumbers": False,
                                                "passwordPolicy.requireLowercase": False}),
        Case(T.COGNITO_USER_POOL, "USER_POOL", {"passwordPolicy": DELETE}, label="absent"),
        Case(T.COGNITO_USER_POOL, "USER_POOL", {"passwordPolicy.minimumLength": 11}, label="one short"),
    ],
    "cognito-mfa-available": [
        Case(T.COGNITO_USER_POOL, "USER_POOL", {"mfaConfiguration": "OFF"}),
        Case(T.COGNITO_USER_POOL, "USER_POOL", {"mfaConfiguration": DELETE}, label="absent"),
    ],
    "cognito-threat-protection": [
        Case(T.COGNITO_USER_POOL, "USER_POOL", {"userPoolAddOns.advancedSecurityMode": "AUDIT",
                                                "userPoolTier": "ESSENTIALS"}),
        Case(T.COGNITO_USER_POOL, "USER_POOL", {"userPoolAddOns": DELETE}, label="no add-ons"),
    ],
    "cognito-deletion-protection": [
        Case(T.COGNITO_USER_POOL, "USER_POOL", {"deletionProtection": "INACTIVE"}),
        Case(T.COGNITO_USER_POOL, "USER_POOL", {"deletionProtection": DELETE}, label="absent"),
    ],
    "cognito-identity-pool-no-unauthenticated": [
        Case(T.COGNITO_IDENTITY_POOL, {"identityPoolName": "ecomart", "allowUnauthenticatedIdentities": False},
             {"allowUnauthenticatedIdentities": True}),
    ],
    "scheduler-target-dead-letter": [
        Case(T.SCHEDULER_SCHEDULE, "RELAY_SCHEDULE", {"target.deadLetterConfig.arn": "", "target.retryPolicy": {}}),
        Case(T.SCHEDULER_SCHEDULE, "RELAY_SCHEDULE", {"target.deadLetterConfig": DELETE,
                                                      "target.retryPolicy": DELETE}, label="absent"),
    ],
    "apigw-domain-tls12": [
        Case(T.APIGW_DOMAIN, {"domainName": "api.ecomart.example", "securityPolicy": "TLS_1_2"},
             {"securityPolicy": "TLS_1_0"}),
        Case(T.APIGWV2_DOMAIN, {"domainName": "api.ecomart.example", "domainNameConfiguration": {
            "certificateArn": "arn:acm", "endpointType": "REGIONAL", "securityPolicy": "TLS_1_2"}},
             {"domainNameConfiguration.securityPolicy": "TLS_1_0"}),
    ],
    # IAM
    "iam-no-admin-policy": [
        Case(T.IAM_POLICY, {"name": "ecomart-prod-cache-connect", "policy": doc(CONNECT)}, {"policy": doc(ADMIN)}),
        Case(T.IAM_ROLE_POLICY, {"role": "r", "policy": doc(CONNECT)}, {"policy": doc(CONNECT, ADMIN)}),
        Case(T.IAM_ROLE, {"assumeRolePolicy": doc(LAMBDA_TRUST), "inlinePolicies": [
            {"name": "connect", "policy": doc(CONNECT)}]}, {"inlinePolicies.0.policy": doc(ADMIN)}),
    ],
    "iam-no-decrypt-all-keys": [
        Case(T.IAM_ROLE_POLICY, {"role": "r", "policy": doc(DECRYPT_ONE_KEY)}, {"policy": doc(DECRYPT_ALL)}),
        Case(T.IAM_POLICY, {"name": "p", "policy": doc(DECRYPT_ONE_KEY)},
             {"policy": doc({**DECRYPT_ALL, "Action": "kms:*", "Resource": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*"})},
             label="kms:* on key/*"),
        Case(T.IAM_ROLE, {"assumeRolePolicy": doc(LAMBDA_TRUST), "inlinePolicies": [
            {"name": "k", "policy": doc(DECRYPT_ONE_KEY)}]}, {"inlinePolicies.0.policy": doc(DECRYPT_ALL)},
             label="inline"),
    ],
    "iam-no-service-wildcard-actions": [
        Case(T.IAM_POLICY, {"name": "ecomart-prod-cache-connect", "policy": doc(CONNECT)},
             {"policy": doc({**CONNECT, "Action": "elasticache:*"})}),
    ],
    "iam-role-trust-not-public": [
        Case(T.IAM_ROLE, {"assumeRolePolicy": doc(LAMBDA_TRUST)}, {"assumeRolePolicy": doc(PUBLIC_TRUST)}),
    ],
    # Atlas
    "atlas-cluster-encryption-cmk": [Case(T.ATLAS_CLUSTER, "CLUSTER", {"encryptionAtRestProvider": "NONE"})],
    "atlas-organization-hardened": [
        Case(T.ATLAS_ORGANIZATION, {"name": "ecomart", "orgOwnerId": "u1", "roleNames": ["ORG_OWNER"],
                                    "multiFactorAuthRequired": True, "apiAccessListRequired": True,
                                    "securityContact": "security@ecomart.example"},
             {"multiFactorAuthRequired": False, "apiAccessListRequired": False, "securityContact": ""}),
        Case(T.ATLAS_ORGANIZATION, {"name": "ecomart", "orgOwnerId": "u1", "roleNames": ["ORG_OWNER"],
                                    "multiFactorAuthRequired": True, "apiAccessListRequired": True,
                                    "securityContact": "security@ecomart.example"},
             {"multiFactorAuthRequired": DELETE, "apiAccessListRequired": DELETE, "securityContact": DELETE},
             label="absent"),
    ],
    "atlas-project-default-alerts": [
        Case(T.ATLAS_PROJECT, {"orgId": "o", "name": "ecomart-prod", "withDefaultAlertsSettings": True},
             {"withDefaultAlertsSettings": False}),
    ],
    "atlas-backup-compliance-policy-strict": [
        Case(T.ATLAS_BACKUP_COMPLIANCE, "COMPLIANCE",
             {"encryptionAtRestEnabled": False, "pitEnabled": False, "copyProtectionEnabled": False}),
        Case(T.ATLAS_BACKUP_COMPLIANCE, "COMPLIANCE",
             {"encryptionAtRestEnabled": DELETE, "pitEnabled": DELETE, "copyProtectionEnabled": DELETE},
             label="absent"),
    ],
    "atlas-cluster-dedicated-tier": [
        Case(T.ATLAS_CLUSTER, "CLUSTER", {"replicationSpecs.0.regionConfigs.0.providerName": "TENANT"}),
        Case(T.ATLAS_CLUSTER, "CLUSTER", {"replicationSpecs.1.regionConfigs.0.providerName": "FLEX"}, label="flex"),
    ],
    "atlas-cluster-retain-backups": [
        Case(T.ATLAS_CLUSTER, "CLUSTER", {"retainBackupsEnabled": False}),
        Case(T.ATLAS_CLUSTER, "CLUSTER", {"retainBackupsEnabled": DELETE}, label="absent"),
    ],
    "atlas-cluster-tls12": [Case(T.ATLAS_CLUSTER, "CLUSTER",
                                 {"advancedConfiguration.minimumEnabledTlsProtocol": "TLS1_0"})],
    "atlas-cluster-server-side-javascript-off": [
        Case(T.ATLAS_CLUSTER, "CLUSTER", {"advancedConfiguration.javascriptEnabled": True}),
        Case(T.ATLAS_CLUSTER, "CLUSTER", {"advancedConfiguration.javascriptEnabled": DELETE}, label="default on"),
    ],
    "atlas-cluster-continuous-backup": [Case(T.ATLAS_CLUSTER, "CLUSTER", {"backupEnabled": False,
                                                                          "pitEnabled": DELETE})],
    "atlas-cluster-termination-protection": [Case(T.ATLAS_CLUSTER, "CLUSTER",
                                                  {"terminationProtectionEnabled": False})],
    "atlas-cluster-sharded": [Case(T.ATLAS_CLUSTER, "CLUSTER", {"clusterType": "REPLICASET",
                                                                "replicationSpecs": "ONE_SPEC"})],
    "atlas-cluster-electable-majority": [
        Case(T.ATLAS_CLUSTER, "CLUSTER", {"replicationSpecs.0.regionConfigs.0.electableSpecs.nodeCount": 1}),
    ],
    "atlas-cluster-redact-client-logs": [Case(T.ATLAS_CLUSTER, "CLUSTER", {"redactClientLogData": False})],
    "atlas-cluster-supported-version": [Case(T.ATLAS_CLUSTER, "CLUSTER", {"mongoDbMajorVersion": "6.0"})],
    "atlas-ip-access-list-narrow": [
        Case(T.ATLAS_IP_ACCESS, {"projectId": "p", "cidrBlock": "203.0.113.0/24", "comment": "office"},
             {"cidrBlock": "0.0.0.0/0"}),
        Case(T.ATLAS_IP_ACCESS, {"projectId": "p", "ipAddress": "203.0.113.7", "comment": "bastion"},
             {"ipAddress": "0.0.0.0"}),
        Case(T.ATLAS_IP_ACCESS, {"projectId": "p", "cidrBlock": "203.0.0.0/16", "comment": "vendor"},
             {"cidrBlock": "203.0.0.0/8"}, label="too wide"),
    ],
    "atlas-database-user-iam": [Case(T.ATLAS_DB_USER, "DB_USER", {"password": "hunter2-hunter2",
                                                                  "awsIamType": "NONE"})],
    "atlas-database-user-least-privilege": [Case(T.ATLAS_DB_USER, "DB_USER", {"roles.0.roleName": "atlasAdmin",
                                                                              "scopes": []})],
    "atlas-encryption-at-rest-kms": [
        Case(T.ATLAS_ENCRYPTION, {"projectId": "p", "awsKmsConfig": {
            "enabled": True, "customerMasterKeyId": "fb0be47d-39c8-1e4b-16aa-223b2aa956af", "region": "US_EAST_1",
            "roleId": "66d0c0e9a1b2c3d4e5f60718", "requirePrivateNetworking": True}},
             {"awsKmsConfig.enabled": False, "awsKmsConfig.customerMasterKeyId": DELETE,
              "awsKmsConfig.roleId": DELETE, "awsKmsConfig.requirePrivateNetworking": False}),
    ],
    "atlas-auditing-enabled": [Case(T.ATLAS_AUDITING, {"projectId": "p", "enabled": True, "auditFilter": "{}"},
                                    {"enabled": False})],
    "atlas-backup-restore-window": [Case(T.ATLAS_BACKUP_SCHEDULE, "SCHEDULE", {"restoreWindowDays": 2,
                                                                               "policyItemDaily.retentionValue": 3})],
    "atlas-backup-snapshot-copies": [Case(T.ATLAS_BACKUP_SCHEDULE, "SCHEDULE", {"copySettings": []})],
}

# Shared shapes referenced by name above (kept out of the table for readability).


def _spec(region: str) -> dict:
    return {"zoneName": region, "regionConfigs": [{"providerName": "AWS", "regionName": region, "priority": 7,
                                                   "electableSpecs": {"instanceSize": "M30", "nodeCount": 3,
                                                                      "diskSizeGb": 100}}]}


NAMED = {
    "PLAN": {"name": "ecomart-prod-data", "rules": [
        {"ruleName": "daily", "targetVaultName": "ecomart-prod-vault", "schedule": "cron(0 5 * * ? *)",
         "lifecycle": {"deleteAfter": 35},
         "copyActions": [{"destinationVaultArn": f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:ecomart-prod-vault-dr",
                          "lifecycle": {"deleteAfter": 35}}]},
        {"ruleName": "monthly", "targetVaultName": "ecomart-prod-vault", "schedule": "cron(0 5 1 * ? *)",
         "lifecycle": {"deleteAfter": 365},
         "copyActions": [{"destinationVaultArn": f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:ecomart-prod-vault-dr",
                          "lifecycle": {"deleteAfter": 365}}]}]},
    "FUNCTION": {"name": "ecomart-orders", "role": ROLE_ARN, "runtime": "python3.12", "handler": "app.handler",
                 "kmsKeyArn": KEY_ARN, "s3Bucket": "ecomart-prod-lambda-artifacts-123456789012",
                 "s3Key": "signed/0d1f2b8e-6c1a-4f53-9d1e-3b8f8c2f5a10.zip", "codeSigningConfigArn": CSC_ARN, "vpcConfig": {"subnetIds": ["subnet-app-0"], "securityGroupIds": ["sg-app"]},
                 "environment": {"variables": {"DB_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:x",
                                               "LOG_LEVEL": "INFO", "REDIS_TOKEN_TTL": "900"}},
                 "tracingConfig": {"mode": "Active"}, "reservedConcurrentExecutions": 10,
                 "deadLetterConfig": {"targetArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:ecomart-prod-functions-dlq"}},
    "COMPLIANCE": {"projectId": "p", "authorizedEmail": "dpo@ecomart.example", "authorizedUserFirstName": "A",
                   "authorizedUserLastName": "B", "encryptionAtRestEnabled": True, "pitEnabled": True,
                   "copyProtectionEnabled": True, "restoreWindowDays": 7},
    "AUTHORIZER": {"apiId": "api-2", "name": "customers", "authorizerType": "JWT",
                   "identitySources": ["$request.header.Authorization"],
                   "jwtConfiguration": {"issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc",
                                        "audiences": ["client-1"]}},
    "HTTP_STAGE": {"apiId": "api-2", "name": "$default", "autoDeploy": True, "defaultRouteSettings": {
        "throttlingRateLimit": 100, "throttlingBurstLimit": 200, "detailedMetricsEnabled": True}},
    "USER_POOL": {"name": "ecomart-prod-customers", "mfaConfiguration": "OPTIONAL", "deletionProtection": "ACTIVE",
                  "userPoolTier": "PLUS", "userPoolAddOns": {"advancedSecurityMode": "ENFORCED"},
                  "passwordPolicy": {"minimumLength": 12, "requireLowercase": True, "requireUppercase": True,
                                     "requireNumbers": True, "requireSymbols": True}},
    "RELAY_SCHEDULE": {"name": "ecomart-prod-outbox-relay-1", "scheduleExpression": "rate(1 minute)",
                       "flexibleTimeWindow": {"mode": "OFF"}, "target": {
                           "arn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:ecomart-prod-relay",
                           "roleArn": ROLE_ARN,
                           "retryPolicy": {"maximumRetryAttempts": 0, "maximumEventAgeInSeconds": 60},
                           "deadLetterConfig": {"arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:ecomart-prod-functions-dlq"}}},
    "CLUSTER": {"projectId": "66d0c0e9a1b2c3d4e5f60718", "name": "catalog", "clusterType": "GEOSHARDED",
                "replicationSpecs": [_spec("US_EAST_1"), _spec("EU_WEST_1")], "mongoDbMajorVersion": "8.0",
                "backupEnabled": True, "pitEnabled": True, "encryptionAtRestProvider": "AWS",
                "terminationProtectionEnabled": True, "redactClientLogData": True, "retainBackupsEnabled": True,
                "advancedConfiguration": {"minimumEnabledTlsProtocol": "TLS1_2", "javascriptEnabled": False}},
    "ONE_SPEC": [_spec("US_EAST_1")],
    "DB_USER": {"projectId": "p", "username": f"arn:aws:iam::{ACCOUNT}:role/ecomart-prod-catalog-app",
                "authDatabaseName": "$external", "awsIamType": "ROLE",
                "roles": [{"roleName": "readWrite", "databaseName": "catalog"}],
                "scopes": [{"name": "catalog", "type": "CLUSTER"}]},
    "SCHEDULE": {"projectId": "p", "clusterName": "catalog", "restoreWindowDays": 7,
                 "policyItemDaily": {"frequencyInterval": 1, "retentionUnit": "days", "retentionValue": 35},
                 "copySettings": [{"cloudProvider": "AWS", "regionName": "US_WEST_2", "zoneId": "z1",
                                   "shouldCopyOplogs": True}]},
}


def resolved() -> list[tuple[str, Case]]:
    """(policy id, case) with named shapes substituted."""
    out = []
    for pid, cases in CASES.items():
        for case in cases:
            props = NAMED[case.props] if isinstance(case.props, str) else case.props
            mutations = {k: (NAMED[v] if isinstance(v, str) and v in NAMED else v) for k, v in case.mutations.items()}
            out.append((pid, Case(case.type, props, mutations, case.config, case.label)))
    return out
