"""GitHub Actions → AWS with OIDC: no long-lived keys anywhere (docs/ci.md).

Creates the account's GitHub OIDC identity provider and, per stack, two roles:

- ``ecomart-<stack>-deploy``: assumable only by workflow jobs of this repository running in the GitHub environment
  named after the stack (``sub`` = ``repo:<owner>/<repo>:environment:<stack>``), so prod's role is reachable only
  after prod's required reviewers approved. Permissions: what the stack program manages, scoped to the stack's
  ``ecomart-<stack>-`` names where the service supports resource-level permissions, and to the stack's regions
  (``aws:RequestedRegion``) and its ``stack`` tag where it does not (EC2 creates, KMS ``CreateKey``).
- ``ecomart-<stack>-preview``: the PR gate's and the drift job's role (environments ``preview`` and ``drift``),
  read-only and without data reads: Describe/List/Get on the control planes, never ``secretsmanager:GetSecretValue``,
  ``kms:Decrypt``, or object reads.

Preview it offline like every program: ``ecomart preview --program bootstrap``.
"""

import json

import pulumi
import pulumi_aws as aws

from platform_rules import REQUIRED_TAG_KEYS, resource_prefix

config = pulumi.Config()
repository = config.require("githubRepository")
stacks = config.require_object("stacks")
regions = config.require_object("regions")
if "/" not in repository:
    raise ValueError(f"githubRepository is {repository!r}: expected owner/name")
account_id = aws.get_caller_identity_output().account_id
# CI access to every stack's account is production infrastructure: tagged, and checked, as prod.
tags = {
    "project": "ecomart-data-platform",
    "environment": "prod",
    "owner": "data-platform@ecomart.example",
    "cost-center": "CC-4100",
    "data-classification": "internal",
    "managed-by": "pulumi",
}
assert set(REQUIRED_TAG_KEYS) <= set(tags)

GITHUB_ISSUER = "token.actions.githubusercontent.com"
provider = aws.iam.OpenIdConnectProvider(
    "github",
    aws.iam.OpenIdConnectProviderArgs(
        url=f"https://{GITHUB_ISSUER}", client_id_lists=["sts.amazonaws.com"], tags={**tags, "Name": "github-actions"}
    ),
)

# The services the stack program manages (components/). Read actions are granted on "*" (Describe/List calls
# have no resource-level permissions); changes are scoped below.
READ_ACTIONS = [
    "ec2:Describe*",
    "rds:Describe*",
    "rds:ListTagsForResource",
    "elasticache:Describe*",
    "elasticache:ListTagsForResource",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListResourceTags",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:ListRoleTags",
    "iam:GetOpenIDConnectProvider",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:ListTagsForResource",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:GetDashboard",
    "cloudwatch:ListTagsForResource",
    "sns:GetTopicAttributes",
    "sns:GetSubscriptionAttributes",
    "sns:ListSubscriptionsByTopic",
    "sns:ListTagsForResource",
    "backup:Describe*",
    "backup:Get*",
    "backup:List*",
    "secretsmanager:DescribeSecret",
    "sts:GetCallerIdentity",
]


def deploy_statements(stack: str, acct: str) -> list[dict]:
    p = resource_prefix(stack)
    in_regions = {"StringEquals": {"aws:RequestedRegion": regions}}
    return [
        {"Sid": "Read", "Effect": "Allow", "Action": READ_ACTIONS, "Resource": "*"},
        {
            "Sid": "Network",
            "Effect": "Allow",
            "Condition": in_regions,
            "Resource": "*",
            "Action": [
                "ec2:CreateVpc",
                "ec2:DeleteVpc",
                "ec2:ModifyVpcAttribute",
                "ec2:CreateSubnet",
                "ec2:DeleteSubnet",
                "ec2:ModifySubnetAttribute",
                "ec2:CreateRouteTable",
                "ec2:DeleteRouteTable",
                "ec2:AssociateRouteTable",
                "ec2:DisassociateRouteTable",
                "ec2:CreateNetworkAcl",
                "ec2:DeleteNetworkAcl",
                "ec2:CreateNetworkAclEntry",
                "ec2:DeleteNetworkAclEntry",
                "ec2:ReplaceNetworkAclAssociation",
                "ec2:CreateSecurityGroup",
                "ec2:DeleteSecurityGroup",
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:AuthorizeSecurityGroupEgress",
                "ec2:RevokeSecurityGroupIngress",
                "ec2:RevokeSecurityGroupEgress",
                "ec2:ModifySecurityGroupRules",
                "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
                "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
                "ec2:CreateVpcEndpoint",
                "ec2:DeleteVpcEndpoints",
                "ec2:ModifyVpcEndpoint",
                "ec2:CreateFlowLogs",
                "ec2:DeleteFlowLogs",
                "ec2:CreateTags",
                "ec2:DeleteTags",
            ],
        },
        {
            "Sid": "Databases",
            "Effect": "Allow",
            "Action": "rds:*",
            "Resource": [
                f"arn:aws:rds:*:{acct}:db:{p}-*",
                f"arn:aws:rds:*:{acct}:pg:{p}-*",
                f"arn:aws:rds:*:{acct}:subgrp:{p}-*",
                f"arn:aws:rds:*:{acct}:snapshot:{p}-*",
                f"arn:aws:rds:*:{acct}:auto-backup:*",
            ],
        },
        {
            "Sid": "Caches",
            "Effect": "Allow",
            "Action": "elasticache:*",
            "Resource": [
                f"arn:aws:elasticache:*:{acct}:replicationgroup:{p}-*",
                f"arn:aws:elasticache:*:{acct}:cluster:{p}-*",
                f"arn:aws:elasticache:*:{acct}:parametergroup:{p}-*",
                f"arn:aws:elasticache:*:{acct}:subnetgroup:{p}-*",
                f"arn:aws:elasticache:*:{acct}:user:{p}-*",
                f"arn:aws:elasticache:*:{acct}:usergroup:{p}-*",
                f"arn:aws:elasticache:*:{acct}:snapshot:{p}-*",
            ],
        },
        {
            "Sid": "CreateStackKeys",
            "Effect": "Allow",
            "Action": ["kms:CreateKey", "kms:TagResource"],
            "Resource": "*",
            "Condition": {**in_regions, "StringEquals": {**in_regions["StringEquals"], "aws:RequestTag/stack": stack}},
        },
        {
            "Sid": "ManageStackKeys",
            "Effect": "Allow",
            "Action": [
                "kms:PutKeyPolicy",
                "kms:EnableKeyRotation",
                "kms:UpdateKeyDescription",
                "kms:ScheduleKeyDeletion",
                "kms:CancelKeyDeletion",
                "kms:UntagResource",
                "kms:TagResource",
                "kms:CreateGrant",
                "kms:RotateKeyOnDemand",
            ],
            "Resource": f"arn:aws:kms:*:{acct}:key/*",
            "Condition": {"StringEquals": {"aws:ResourceTag/stack": stack}},
        },
        {
            "Sid": "StackKeyAliases",
            "Effect": "Allow",
            "Action": ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"],
            "Resource": [f"arn:aws:kms:*:{acct}:alias/{p}/*", f"arn:aws:kms:*:{acct}:key/*"],
        },
        {
            "Sid": "StackRoles",
            "Effect": "Allow",
            "Action": [
                "iam:CreateRole",
                "iam:DeleteRole",
                "iam:UpdateRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:PutRolePolicy",
                "iam:DeleteRolePolicy",
                "iam:AttachRolePolicy",
                "iam:DetachRolePolicy",
                "iam:PassRole",
                "iam:CreatePolicy",
                "iam:DeletePolicy",
                "iam:CreatePolicyVersion",
                "iam:DeletePolicyVersion",
                "iam:TagPolicy",
            ],
            "Resource": [f"arn:aws:iam::{acct}:role/{p}-*", f"arn:aws:iam::{acct}:policy/{p}-*"],
        },
        {
            "Sid": "ServiceLinkedRoles",
            "Effect": "Allow",
            "Action": "iam:CreateServiceLinkedRole",
            "Resource": f"arn:aws:iam::{acct}:role/aws-service-role/*",
            "Condition": {"StringEquals": {"iam:AWSServiceName": ["rds.amazonaws.com", "elasticache.amazonaws.com"]}},
        },
        {
            "Sid": "LogsAlarmsTopics",
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogGroup",
                "logs:DeleteLogGroup",
                "logs:PutRetentionPolicy",
                "logs:AssociateKmsKey",
                "logs:TagResource",
                "logs:UntagResource",
                "cloudwatch:PutMetricAlarm",
                "cloudwatch:PutCompositeAlarm",
                "cloudwatch:DeleteAlarms",
                "cloudwatch:PutDashboard",
                "cloudwatch:DeleteDashboards",
                "cloudwatch:TagResource",
                "sns:CreateTopic",
                "sns:DeleteTopic",
                "sns:SetTopicAttributes",
                "sns:Subscribe",
                "sns:TagResource",
            ],
            "Resource": [
                f"arn:aws:logs:*:{acct}:log-group:/ecomart/{p}/*",
                f"arn:aws:logs:*:{acct}:log-group:/aws/rds/instance/{p}-*",
                f"arn:aws:cloudwatch::{acct}:dashboard/{p}-*",
                f"arn:aws:cloudwatch:*:{acct}:alarm:{p}-*",
                f"arn:aws:sns:*:{acct}:{p}-*",
            ],
        },
        # CloudWatch Logs resource policies (ElastiCache log delivery) have no resource-level permissions.
        {
            "Sid": "LogDeliveryPolicies",
            "Effect": "Allow",
            "Condition": in_regions,
            "Resource": "*",
            "Action": ["logs:PutResourcePolicy", "logs:DeleteResourcePolicy"],
        },
        # Actions with no resource-level permissions (Service Authorization Reference; iam-document-valid reported
        # them under ARNs they never matched): "*", within the stack's regions.
        {
            "Sid": "NoResourceLevelPermissions",
            "Effect": "Allow",
            "Condition": in_regions,
            "Resource": "*",
            "Action": ["sns:Unsubscribe", "backup-storage:MountCapsule"],
        },
        {
            "Sid": "Backups",
            "Effect": "Allow",
            "Action": ["backup:*"],
            "Resource": [f"arn:aws:backup:*:{acct}:backup-vault:{p}-*", f"arn:aws:backup:*:{acct}:backup-plan:*"],
        },
        {
            "Sid": "RdsManagedMasterSecret",
            "Effect": "Allow",
            "Action": [
                "secretsmanager:CreateSecret",
                "secretsmanager:TagResource",
                "secretsmanager:RotateSecret",
                "secretsmanager:DeleteSecret",
                "secretsmanager:PutSecretValue",
            ],
            "Resource": f"arn:aws:secretsmanager:*:{acct}:secret:rds!*",
            "Condition": {"StringEquals": {"aws:CalledViaFirst": "rds.amazonaws.com"}},
        },
    ]


def preview_statements() -> list[dict]:
    return [{"Sid": "ReadControlPlanesOnly", "Effect": "Allow", "Action": READ_ACTIONS, "Resource": "*"}]


def trust(provider_arn: str, subjects: list[str]) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "GitHubActionsOfThisRepository",
                    "Effect": "Allow",
                    "Principal": {"Federated": provider_arn},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {f"{GITHUB_ISSUER}:aud": "sts.amazonaws.com", f"{GITHUB_ISSUER}:sub": subjects}
                    },
                }
            ],
        }
    )


DEPLOY_SESSION_SECONDS = 4 * 3600

for stack in stacks:
    p = resource_prefix(stack)
    for kind, subjects, statements in (
        ("deploy", [f"repo:{repository}:environment:{stack}"], lambda acct, s=stack: deploy_statements(s, acct)),
        (
            "preview",
            [f"repo:{repository}:environment:preview", f"repo:{repository}:environment:drift"],
            lambda acct: preview_statements(),
        ),
    ):
        role = aws.iam.Role(
            f"{stack}-{kind}",
            aws.iam.RoleArgs(
                name=f"{p}-{kind}",
                description=f"GitHub Actions {kind} of stack {stack} ({repository})",
                assume_role_policy=provider.arn.apply(lambda arn, s=subjects: trust(arn, s)),
                # A first prod deploy (a geosharded Atlas cluster, a Multi-AZ writer and its replicas in turn) runs
                # well past an hour; the deploy job asks for DEPLOY_SESSION_SECONDS (deploy-preflight checks it).
                max_session_duration=DEPLOY_SESSION_SECONDS if kind == "deploy" else 3600,
                tags={**tags, "Name": f"{p}-{kind}", "stack": stack},
            ),
        )
        aws.iam.RolePolicy(
            f"{stack}-{kind}-policy",
            aws.iam.RolePolicyArgs(
                role=role.id,
                policy=account_id.apply(
                    lambda acct, f=statements: json.dumps({"Version": "2012-10-17", "Statement": f(acct)})
                ),
            ),
        )
        pulumi.export(f"{stack}{kind.capitalize()}RoleArn", role.arn)

pulumi.export("oidcProviderArn", provider.arn)
