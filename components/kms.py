"""Customer-managed KMS keys, one per data domain, so a key's blast radius is one kind of data.

Each key has rotation on, an alias, and a key policy with no wildcard principal: the account root administers the
key (so it can never be locked out) and AWS services use it only through ``kms:ViaService`` (or, where a service
principal must call KMS itself, as CloudWatch Logs and CloudWatch alarms do, through that service principal scoped
to this account). In prod the relational and backup domains get a key in the secondary region too, for automated
backup replication and the cross-region backup vault.

The document-store key's policy must name the role MongoDB Atlas assumes, which only exists inside the Atlas
component: so that component creates the document key itself, with ``key_policy("document", ...)`` below plus a
statement for its role, and this component makes keys for the other domains. See
docs/adr/0005-kms-key-per-data-domain.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import pulumi
import pulumi_aws as aws

from components.contract import Placement, arg, settings
from components.tagging import with_name

Domain = Literal["relational", "cache", "document", "logs", "backups", "compute"]
DOMAINS: tuple[Domain, ...] = get_args(Domain)
PRIMARY_DOMAINS: tuple[Domain, ...] = ("relational", "cache", "logs", "backups", "compute")
SECONDARY_DOMAINS: tuple[Domain, ...] = ("relational", "backups")

ADMIN_ACTIONS = [
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:RotateKeyOnDemand",
]
USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
GRANT_ACTIONS = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]

# Services that use each domain's key on a caller's behalf (kms:ViaService) — and whether they need grants.
_VIA_SERVICES: dict[str, list[tuple[str, bool]]] = {
    # SQS: the orders queued while PostgreSQL is down (components/resilience.py) are relational data too.
    "relational": [("rds", True), ("secretsmanager", False), ("sqs", False)],
    "cache": [("elasticache", True)],
    "document": [],
    # S3: the server access logs of the artifact bucket (components/artifacts.py), read by operators through S3.
    "logs": [("sns", False), ("s3", False)],
    # RDS snapshots are copied by AWS Backup through RDS itself (CopyDBSnapshot), so RDS must use this key too.
    "backups": [("backup", True), ("rds", True)],
    # The app's functions (components/service.py): Lambda encrypts their environment (with a grant per function),
    # SQS their dead-letter queue, S3 the signed code they deploy from (components/artifacts.py).
    "compute": [("lambda", True), ("sqs", False), ("s3", False)],
}


def key_policy(domain: Domain, account_id: str, region: str, extra_statements: Sequence[dict[str, Any]] = ()) -> str:
    """The key policy JSON of a domain key (plain values: call inside an ``apply``)."""
    root = f"arn:aws:iam::{account_id}:root"
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AccountRootAdministersKey",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": ADMIN_ACTIONS,
            "Resource": "*",
        }
    ]
    for service, grants in _VIA_SERVICES[domain]:
        statements.append(
            {
                "Sid": f"Use{service.capitalize()}ViaService",
                "Effect": "Allow",
                "Principal": {"AWS": root},
                "Action": USE_ACTIONS + (GRANT_ACTIONS if grants else []),
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": f"{service}.{region}.amazonaws.com",
                        "kms:CallerAccount": account_id,
                    }
                },
            }
        )
    if domain == "logs":
        statements.append(
            {
                "Sid": "CloudWatchLogsEncryptsThisAccountsLogGroups",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                "Resource": "*",
                "Condition": {
                    "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account_id}:log-group:*"}
                },
            }
        )
        # The services that publish to the alarm topic this key encrypts (components/monitoring.py). (Not S3's log
        # delivery: the access-log bucket is SSE-S3, the only default encryption server access logging supports.)
        for sid, service in (
            ("CloudWatchAlarmsPublishToEncryptedTopic", "cloudwatch.amazonaws.com"),
            ("RdsEventsPublishToEncryptedTopic", "events.rds.amazonaws.com"),
        ):
            statements.append(
                {
                    "Sid": sid,
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            )
    statements.extend(extra_statements)
    return json.dumps({"Version": "2012-10-17", "Id": f"ecomart-{domain}", "Statement": statements})


def mac_key_policy(account_id: str) -> str:
    """The key policy of an HMAC key (``GENERATE_VERIFY_MAC``): the account administers it, and MACs are computed
    only by principals of this account whose IAM policy names the key (the root principal delegates to IAM; no
    principal is named here). Plain values: call inside an ``apply``."""
    root = f"arn:aws:iam::{account_id}:root"
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Id": "ecomart-fingerprints",
            "Statement": [
                {
                    "Sid": "AccountRootAdministersKey",
                    "Effect": "Allow",
                    "Principal": {"AWS": root},
                    "Action": ADMIN_ACTIONS,
                    "Resource": "*",
                },
                {
                    "Sid": "AccountPrincipalsWithIamPolicyComputeMacs",
                    "Effect": "Allow",
                    "Principal": {"AWS": root},
                    "Action": ["kms:GenerateMac", "kms:VerifyMac", "kms:DescribeKey"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"kms:CallerAccount": account_id}},
                },
            ],
        }
    )


def domain_key(
    res: str,
    domain: Domain,
    *,
    prefix: str,
    region: str,
    account_id: pulumi.Input[str],
    deletion_window_days: int,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
    key_region: str | None = None,
    alias_suffix: str = "",
    extra_statements: pulumi.Input[Sequence[dict[str, Any]]] = (),
) -> tuple[aws.kms.Key, aws.kms.Alias]:
    """One domain's key and its alias ``alias/<prefix>/<domain><alias_suffix>``, children of ``parent``.

    ``key_region`` None: the stack's primary region ``region``. ``extra_statements`` (may be an Output) join the
    domain's key policy, for a component whose own principal must use its key (Atlas' encryption role).
    """
    where = key_region or region
    key = aws.kms.Key(
        res,
        aws.kms.KeyArgs(
            description=f"EcoMart {prefix} {domain} data ({where})",
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=deletion_window_days,
            key_usage="ENCRYPT_DECRYPT",
            customer_master_key_spec="SYMMETRIC_DEFAULT",
            policy=pulumi.Output.all(account_id, extra_statements).apply(
                lambda v: key_policy(domain, v[0], where, extra_statements=v[1])
            ),
            region=key_region,
            tags=with_name(tags, res, **{"data-domain": domain}),
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    alias = aws.kms.Alias(
        f"{res}-alias",
        aws.kms.AliasArgs(name=f"alias/{prefix}/{domain}{alias_suffix}", target_key_id=key.key_id, region=key_region),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return key, alias


@settings
class KmsSettings:
    """The stack config's ``kms`` section."""

    deletion_window_days: int = arg(
        "Waiting period between a scheduled deletion and the deletion: the time to "
        "notice and cancel (the environment's rules set the floor).",
        default=30,
        units="days",
        ge=7,
        le=30,
    )
    domains: Sequence[Domain] = arg(
        "Domains that get a key in the primary region. The document store's key is "
        "the Atlas component's own (its policy names Atlas' role).",
        factory=lambda: PRIMARY_DOMAINS,
        one_of=DOMAINS,
    )
    secondary_domains: Sequence[Domain] = arg(
        "Domains that get a key in the secondary region (when the stack copies anything there).",
        factory=lambda: SECONDARY_DOMAINS,
        one_of=DOMAINS,
    )


@dataclass
class KmsLinks:
    secondary_region: str | None = arg(
        "Region for the domains' disaster-recovery keys (cross-region PITR and "
        "backup copies); None: no secondary keys.",
        default=None,
    )


@dataclass(frozen=True)
class DomainKeys:
    """The keys of one region, one attribute per domain (None: no key for that domain there)."""

    relational: aws.kms.Key | None = None
    cache: aws.kms.Key | None = None
    document: aws.kms.Key | None = None
    logs: aws.kms.Key | None = None
    backups: aws.kms.Key | None = None
    compute: aws.kms.Key | None = None

    def arns(self) -> dict[str, pulumi.Output[str]]:
        """{domain: key ARN} of the keys that exist (a stack output's shape)."""
        return {d: k.arn for d in DOMAINS if (k := getattr(self, d)) is not None}

    def require(self, domain: Domain) -> aws.kms.Key:
        key = getattr(self, domain)
        if key is None:
            raise ValueError(f"no {domain} key: add {domain!r} to KmsSettings.domains (or secondary_domains)")
        return key


class Kms(pulumi.ComponentResource):
    """The platform's customer-managed keys: ``keys.<domain>`` in the primary region, ``secondary_keys.<domain>``
    in the secondary one."""

    keys: DomainKeys
    secondary_keys: DomainKeys
    account_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        settings: KmsSettings,
        links: KmsLinks,
        place: Placement,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("ecomart:security:Kms", name, None, opts)
        self.account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        self.aliases: dict[str, aws.kms.Alias] = {}
        self._settings, self._place = settings, place
        self.keys = DomainKeys(**{d: self._key(name, d, None) for d in settings.domains})
        self.secondary_keys = DomainKeys()
        if links.secondary_region:
            self.secondary_keys = DomainKeys(
                **{d: self._key(name, d, links.secondary_region, suffix="-dr") for d in settings.secondary_domains}
            )
        self.key_arns = self.keys.arns()
        self.secondary_key_arns = self.secondary_keys.arns()
        self.register_outputs({"keyArns": self.key_arns, "secondaryKeyArns": self.secondary_key_arns})

    def _key(self, name: str, domain: Domain, region: str | None, suffix: str = "") -> aws.kms.Key:
        """A key in ``region`` (None: the stack's primary region)."""
        key, self.aliases[f"{domain}{suffix}"] = domain_key(
            f"{name}-{domain}{suffix}",
            domain,
            prefix=self._place.prefix,
            region=self._place.region,
            key_region=region,
            alias_suffix=suffix,
            account_id=self.account_id,
            deletion_window_days=self._settings.deletion_window_days,
            tags=self._place.tags,
            parent=self,
        )
        return key
