"""Customer-managed KMS keys, one per data domain, so a key's blast radius is one kind of data.

Each key has rotation on, an alias, and a key policy with no wildcard principal: the account root administers the
key (so it can never be locked out) and AWS services use it only through ``kms:ViaService`` (or, where a service
principal must call KMS itself, as CloudWatch Logs and CloudWatch alarms do, through that service principal scoped
to this account). In prod the relational and backup domains get a key in the secondary region too, for automated
backup replication and the cross-region backup vault.

The document-store key's policy names the role MongoDB Atlas assumes, which the Atlas component creates: so when
Atlas is enabled that component owns the key's policy (an ``aws.kms.KeyPolicy`` built with ``key_policy`` below)
and this one leaves it alone. See docs/adr/0005-kms-key-per-data-domain.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import pulumi
import pulumi_aws as aws

from components.tagging import with_name

DOMAINS = ("relational", "cache", "document", "logs", "backups")
SECONDARY_DOMAINS = ("relational", "backups")

ADMIN_ACTIONS = [
    "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
    "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand",
]
USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
GRANT_ACTIONS = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]

# Services that use each domain's key on a caller's behalf (kms:ViaService) — and whether they need grants.
_VIA_SERVICES: dict[str, list[tuple[str, bool]]] = {
    "relational": [("rds", True), ("secretsmanager", False)],
    "cache": [("elasticache", True)],
    "document": [],
    "logs": [("sns", False)],
    # RDS snapshots are copied by AWS Backup through RDS itself (CopyDBSnapshot), so RDS must use this key too.
    "backups": [("backup", True), ("rds", True)],
}


def key_policy(domain: str, account_id: str, region: str,
               extra_statements: Sequence[dict[str, Any]] = ()) -> str:
    """The key policy JSON of a domain key (plain values: call inside an ``apply``)."""
    root = f"arn:aws:iam::{account_id}:root"
    statements: list[dict[str, Any]] = [{
        "Sid": "AccountRootAdministersKey",
        "Effect": "Allow",
        "Principal": {"AWS": root},
        "Action": ADMIN_ACTIONS,
        "Resource": "*",
    }]
    for service, grants in _VIA_SERVICES[domain]:
        statements.append({
            "Sid": f"Use{service.capitalize()}ViaService",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": USE_ACTIONS + (GRANT_ACTIONS if grants else []),
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": f"{service}.{region}.amazonaws.com",
                                           "kms:CallerAccount": account_id}},
        })
    if domain == "logs":
        statements.append({
            "Sid": "CloudWatchLogsEncryptsThisAccountsLogGroups",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*",
            "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                      f"arn:aws:logs:{region}:{account_id}:log-group:*"}},
        })
        statements.append({
            "Sid": "CloudWatchAlarmsPublishToEncryptedTopic",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        })
    statements.extend(extra_statements)
    return json.dumps({"Version": "2012-10-17", "Id": f"ecomart-{domain}", "Statement": statements})


@dataclass
class KmsArgs:
    prefix: str
    region: str
    tags: dict[str, str]
    deletion_window_days: int
    secondary_region: Optional[str] = None
    """Set (prod) to add relational and backup keys there; pulumi-aws 7's per-resource ``region`` places them."""
    document_policy_external: bool = False
    """True when the Atlas component owns the document key's policy (it must name Atlas' role)."""
    domains: Sequence[str] = field(default_factory=lambda: DOMAINS)


class Kms(pulumi.ComponentResource):
    """The platform's customer-managed keys. ``keys[domain]`` / ``secondary_keys[domain]`` are aws.kms.Key."""

    keys: dict[str, aws.kms.Key]
    secondary_keys: dict[str, aws.kms.Key]

    def __init__(self, name: str, args: KmsArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("ecomart:security:Kms", name, None, opts)
        self.account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        self.keys = {}
        self.aliases: dict[str, aws.kms.Alias] = {}
        for domain in args.domains:
            external = domain == "document" and args.document_policy_external
            self.keys[domain] = self._key(name, domain, None, args, external)
        self.secondary_keys = {}
        if args.secondary_region:
            for domain in SECONDARY_DOMAINS:
                self.secondary_keys[domain] = self._key(name, domain, args.secondary_region, args, False,
                                                        suffix="-dr")
        self.key_arns = {d: k.arn for d, k in self.keys.items()}
        self.secondary_key_arns = {d: k.arn for d, k in self.secondary_keys.items()}
        self.register_outputs({"keyArns": self.key_arns, "secondaryKeyArns": self.secondary_key_arns})

    def _key(self, name: str, domain: str, region: Optional[str], args: KmsArgs, external_policy: bool,
             suffix: str = "") -> aws.kms.Key:
        """A key in ``region`` (None: the stack's primary region)."""
        res = f"{name}-{domain}{suffix}"
        where = region or args.region
        policy = None if external_policy else self.account_id.apply(lambda acct: key_policy(domain, acct, where))
        key = aws.kms.Key(
            res,
            aws.kms.KeyArgs(
                description=f"EcoMart {args.prefix} {domain} data ({where})",
                enable_key_rotation=True,
                rotation_period_in_days=365,
                deletion_window_in_days=args.deletion_window_days,
                key_usage="ENCRYPT_DECRYPT",
                customer_master_key_spec="SYMMETRIC_DEFAULT",
                policy=policy,
                region=region,
                tags=with_name(args.tags, res, **{"data-domain": domain}),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.aliases[f"{domain}{suffix}"] = aws.kms.Alias(
            f"{res}-alias",
            aws.kms.AliasArgs(name=f"alias/{args.prefix}/{domain}{suffix}", target_key_id=key.key_id, region=region),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return key
