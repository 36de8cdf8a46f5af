"""GitHub Actions → AWS with OIDC: no long-lived keys anywhere (docs/ci.md).

Creates the account's GitHub OIDC identity provider and, per stack, two roles:

- ``ecomart-<stack>-deploy``: assumable only by workflow jobs of this repository running in the GitHub environment
  named after the stack (``sub`` = ``repo:<owner>/<repo>:environment:<stack>``), so prod's role is reachable only
  after prod's required reviewers approved. Permissions: derived from the stack's declared resources
  (``bootstrap/permissions/<stack>.json``, written by ``ecomart permissions --stack <stack> --write``), scoped to
  the stack's ``ecomart-<stack>-`` names where the service supports resource-level permissions and to the stack's
  regions (``aws:RequestedRegion``) where it does not.
- ``ecomart-<stack>-preview``: the PR gate's and the drift job's role (environments ``preview`` and ``drift``),
  read-only and without data reads: what refreshing the stack's resources reads, never
  ``secretsmanager:GetSecretValue``, ``kms:Decrypt``, or object reads.

Both roles and their policies live under the IAM path ``/ci/``, which no stack grant reaches (and the deploy role
denies itself): a deploy cannot widen its own permissions.

Preview it offline like every program: ``ecomart preview --program bootstrap``.
"""

import json
from pathlib import Path

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

# What each stack's roles may do is derived from the stack's declared resources (`ecomart permissions --stack NAME
# --write`, checked current by `ecomart docs`): the actions creating, updating, reading and deleting each resource
# takes, scoped to the stack's names, regions and this account. No hand list of services to fall behind the stack.
PERMISSIONS_DIR = Path(__file__).resolve().parent / "permissions"
# The CI roles and their policies live under this IAM path, out of reach of the stacks' own `role/ecomart-<stack>-*`
# and `policy/ecomart-<stack>-*` grants: a deploy role cannot rewrite its own permissions or trust.
CI_PATH = "/ci/"
PROTECT_CI = {
    "Sid": "NeverTheCiRolesThemselves",
    "Effect": "Deny",
    "Action": ["iam:*Role*", "iam:*Policy*", "iam:Tag*", "iam:Untag*", "iam:PassRole"],
    "Resource": ["arn:aws:iam::${Account}:role/ci/*", "arn:aws:iam::${Account}:policy/ci/*"],
}


def permissions(stack: str) -> dict:
    """The stack's generated deploy and preview policies; a one-line error when they were never generated."""
    path = PERMISSIONS_DIR / f"{stack}.json"
    if not path.is_file():
        raise ValueError(
            f"stacks: {stack!r} has no bootstrap/permissions/{stack}.json "
            f"(run `ecomart permissions --stack {stack} --write`)"
        )
    doc = json.loads(path.read_text(encoding="utf-8"))
    outside = sorted(set(doc["regions"]) - set(regions))
    if outside:
        raise ValueError(f"regions: stack {stack!r} deploys to {outside}, not in regions {regions} (add them)")
    return doc


def policy_documents(stack: str, kind: str, acct: str) -> list[str]:
    """The role's managed policies with this account filled in; the deploy role's first also denies changes to the
    CI roles."""
    docs = [json.loads(json.dumps(d)) for d in permissions(stack)[kind]]
    if kind == "deploy":
        docs[0]["Statement"].append(PROTECT_CI)
    return [json.dumps(d, separators=(",", ":")).replace("${Account}", acct) for d in docs]


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
    for kind, subjects in (
        ("deploy", [f"repo:{repository}:environment:{stack}"]),
        ("preview", [f"repo:{repository}:environment:preview", f"repo:{repository}:environment:drift"]),
    ):
        role = aws.iam.Role(
            f"{stack}-{kind}",
            aws.iam.RoleArgs(
                name=f"{p}-{kind}",
                path=CI_PATH,
                description=f"GitHub Actions {kind} of stack {stack} ({repository})",
                assume_role_policy=provider.arn.apply(lambda arn, s=subjects: trust(arn, s)),
                # A first prod deploy (a geosharded Atlas cluster, a Multi-AZ writer and its replicas in turn) runs
                # well past an hour; the deploy job asks for DEPLOY_SESSION_SECONDS (deploy-preflight checks it).
                max_session_duration=DEPLOY_SESSION_SECONDS if kind == "deploy" else 3600,
                tags={**tags, "Name": f"{p}-{kind}", "stack": stack},
            ),
        )
        count = len(permissions(stack)[kind])
        for i in range(count):
            policy = aws.iam.Policy(
                f"{stack}-{kind}-{i + 1}",
                aws.iam.PolicyArgs(
                    name=f"{p}-{kind}-{i + 1}",
                    path=CI_PATH,
                    description=f"{kind} of stack {stack}, part {i + 1}/{count} (bootstrap/permissions/{stack}.json)",
                    policy=account_id.apply(lambda acct, s=stack, k=kind, j=i: policy_documents(s, k, acct)[j]),
                    tags={**tags, "Name": f"{p}-{kind}-{i + 1}", "stack": stack},
                ),
            )
            aws.iam.RolePolicyAttachment(
                f"{stack}-{kind}-{i + 1}", aws.iam.RolePolicyAttachmentArgs(role=role.name, policy_arn=policy.arn)
            )
        pulumi.export(f"{stack}{kind.capitalize()}RoleArn", role.arn)

pulumi.export("oidcProviderArn", provider.arn)
