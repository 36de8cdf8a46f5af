"""Every property a policy checks, removed from a compliant resource: reported, unless AWS's / Atlas's default for
an unset property is the compliant one (listed below with that default). A new policy or a new checked property
whose absence passes unnoticed fails here until it is reported or listed with its reason (issue 13: today
rds-multi-az-style gaps - absent treated as fine when the default is not - cannot hide)."""

from __future__ import annotations

import pytest

from tests.policies.helpers import DELETE, mutate, run_resource_policy
from tests.policies.resource_cases import resolved

_NOT_PUBLIC = "unset: AWS's default is private"
_NO_RULE = "unset: no such rule exists, so nothing is opened"
_REQUIRED = "required by the provider: a resource without it cannot be declared"
_NO_SECRET = "unset is the compliant state: no password or secret value exists"
ABSENT_IS_COMPLIANT: dict[tuple[str, str], str] = {
    ("rds-not-publicly-accessible", "publiclyAccessible"): _NOT_PUBLIC,
    ("rds-managed-master-password", "password"): _NO_SECRET,
    ("rds-managed-master-password", "masterPassword"): _NO_SECRET,
    ("rds-final-snapshot", "skipFinalSnapshot"): "unset: skip_final_snapshot defaults to false",
    ("rds-auto-minor-version-upgrade", "autoMinorVersionUpgrade"): "unset: RDS defaults to true",
    ("rds-ca-certificate-current", "caCertIdentifier"): "unset: RDS assigns its current default CA",
    ("rds-backup-replication-encrypted", "retentionPeriod"): "unset: the provider defaults to 7 days",
    ("rds-proxy-debug-logging-off", "debugLogging"): "unset: defaults to false",
    ("elasticache-transit-encryption-required", "transitEncryptionMode"):
        "unset with transit encryption on: ElastiCache uses required",
    ("elasticache-rbac-user-groups", "authToken"): _NO_SECRET,
    ("elasticache-auto-minor-version-upgrade", "autoMinorVersionUpgrade"): "unset: defaults to true",
    ("elasticache-engine-version-supported", "engineVersion"): "unset: ElastiCache picks its current default",
    ("elasticache-user-authenticated", "noPasswordRequired"): "unset: defaults to false",
    ("elasticache-user-authenticated", "accessString"): _REQUIRED,
    ("elasticache-default-user-disabled", "accessString"): _REQUIRED,
    ("elasticache-user-least-privilege", "accessString"): _REQUIRED,
    ("kms-key-rotation", "rotationPeriodInDays"): "unset: KMS rotates every 365 days",
    ("kms-key-deletion-window", "deletionWindowInDays"): "unset: KMS waits 30 days",
    ("kms-key-policy-no-public-principal", "policy"): "unset: KMS's default key policy names only the account",
    ("sg-no-open-ingress", "ingress.0.cidrBlocks"): _NO_RULE,
    ("sg-no-open-ingress", "ingress.0.ipv6CidrBlocks"): _NO_RULE,
    ("sg-no-open-ingress", "cidrBlocks"): _NO_RULE,
    ("sg-no-open-ingress", "ipv6CidrBlocks"): _NO_RULE,
    ("sg-no-open-ingress", "cidrIpv4"): _NO_RULE,
    ("sg-no-open-ingress", "cidrIpv6"): _NO_RULE,
    **{("sg-no-public-ingress-data-ports", p): _NO_RULE for p in (
        "ingress.0.fromPort", "ingress.0.toPort", "ingress.0.cidrBlocks", "ingress.0.ipv6CidrBlocks", "fromPort",
        "toPort", "cidrBlocks", "ipv6CidrBlocks", "type", "cidrIpv4", "cidrIpv6")},
    **{("sg-no-unrestricted-egress", p): _NO_RULE for p in (
        "egress.0.cidrBlocks", "egress.0.protocol", "cidrBlocks", "protocol", "type", "cidrIpv4", "ipProtocol")},
    ("default-security-group-closed", "ingress"): "unset: the provider strips the default group's rules",
    ("default-security-group-closed", "egress"): "unset: the provider strips the default group's rules",
    ("subnet-no-public-ip-on-launch", "mapPublicIpOnLaunch"): "unset: defaults to false",
    **{("nacl-no-open-admin-ingress", p): _NO_RULE for p in (
        "ingress.0.cidrBlock", "ingress.0.action", "ingress.0.protocol", "cidrBlock", "ruleAction")},
    ("vpc-endpoint-private", "serviceName"): _REQUIRED,
    ("metric-alarm-notifies", "actionsEnabled"): "unset: defaults to true",
    ("sns-subscription-encrypted-transport", "protocol"): _REQUIRED,
    ("sns-subscription-encrypted-transport", "endpoint"): _REQUIRED,
    ("sns-topic-policy-not-public", "policy"): _REQUIRED,
    ("sqs-policy-not-public", "policy"): _REQUIRED,
    ("sqs-policy-deny-insecure-transport", "policy"): _REQUIRED,
    ("sns-topic-policy-deny-insecure-transport", "policy"): _REQUIRED,
    ("backup-vault-no-force-destroy", "forceDestroy"): "unset: defaults to false",
    ("s3-no-public-acl", "acl"): "unset: the bucket owner's private ACL",
    ("s3-object-lock-retention", "rule.defaultRetention.years"): "unset: the retention is given in days",
    ("s3-policy-deny-insecure-transport", "policy"): _REQUIRED,
    ("s3-policy-not-public", "policy"): _REQUIRED,
    ("lambda-no-secrets-in-environment", "environment.variables.DB_PASSWORD"): _NO_SECRET,
    ("lambda-no-secrets-in-environment", "environment.variables.STRIPE_API_KEY"): _NO_SECRET,
    ("lambda-supported-runtime", "runtime"): "unset: a container-image function has no managed runtime",
    ("lambda-permission-scoped", "principal"): _REQUIRED,
    ("secret-recovery-window", "recoveryWindowInDays"): "unset: Secrets Manager waits 30 days",
    ("secret-rotation-90-days", "rotationEnabled"): "unset on a rotation resource: rotation is on",
    ("secret-policy-not-public", "policy"): _REQUIRED,
    ("apigw-no-payload-logging", "settings.dataTraceEnabled"): "unset: defaults to false",
    ("apigw-no-payload-logging", "defaultRouteSettings.dataTraceEnabled"): "unset: defaults to false",
    ("iam-no-admin-policy", "policy"): _REQUIRED,
    ("iam-no-admin-policy", "inlinePolicies.0.policy"): _REQUIRED,
    ("iam-role-trust-not-public", "assumeRolePolicy"): _REQUIRED,
    ("atlas-cluster-tls12", "advancedConfiguration.minimumEnabledTlsProtocol"):
        "unset: Atlas clusters default to TLS 1.2",
    ("atlas-ip-access-list-narrow", "cidrBlock"): "unset: the entry is an ipAddress or a security group",
    ("atlas-ip-access-list-narrow", "ipAddress"): "unset: the entry is a cidrBlock or a security group",
    ("atlas-database-user-iam", "password"): _NO_SECRET,
    ("atlas-database-user-least-privilege", "roles.0.roleName"): _REQUIRED,
    ("atlas-backup-restore-window", "restoreWindowDays"): "unset: Atlas keeps its default window (7 days)",
    ("rds-snapshot-not-public", "sharedAccounts"): "unset: a snapshot is shared with no account",
    ("rds-custom-master-username", "username"): "unset: only replicas and restores omit it (they keep the source's)",
    ("rds-custom-master-username", "masterUsername"): "unset: only replicas and restores omit it",
    ("lambda-multiple-subnets", "vpcConfig.subnetIds"): "unset: the function is outside the VPC, reported by "
                                                        "lambda-in-vpc",
    ("cognito-identity-pool-no-unauthenticated", "allowUnauthenticatedIdentities"): _REQUIRED,
    ("iam-no-decrypt-all-keys", "policy"): _REQUIRED,
    ("iam-no-decrypt-all-keys", "inlinePolicies.0.policy"): "unset: the inline policy allows nothing",
    ("iam-no-service-wildcard-actions", "policy"): _REQUIRED,
    ("atlas-cluster-dedicated-tier", "replicationSpecs.0.regionConfigs.0.providerName"): _REQUIRED,
    ("atlas-cluster-dedicated-tier", "replicationSpecs.1.regionConfigs.0.providerName"): _REQUIRED,
    ("atlas-project-default-alerts", "withDefaultAlertsSettings"): "unset: Atlas creates the default alerts",
}

CASES = [(pid, case, path) for pid, case in resolved() for path in case.mutations]


@pytest.mark.parametrize("pid,case,path", CASES,
                         ids=[f"{p}[{c.type.rsplit(':', 1)[-1]}{'/' + c.label if c.label else ''}]:{path}"
                              for p, c, path in CASES])
def test_an_absent_checked_property_is_reported_unless_its_default_is_compliant(pid, case, path):
    messages = run_resource_policy(pid, case.type, mutate(case.props, path, DELETE), case.config)
    if (pid, path) in ABSENT_IS_COMPLIANT:
        assert messages == [], f"{pid}: {path} unset is compliant ({ABSENT_IS_COMPLIANT[(pid, path)]})"
    else:
        assert messages, f"{pid}: {path} unset was not reported (AWS's default is not the compliant value)"


def test_every_listed_default_is_a_checked_property():
    listed = {(pid, path) for pid, _, path in CASES}
    assert set(ABSENT_IS_COMPLIANT) <= listed, set(ABSENT_IS_COMPLIANT) - listed
