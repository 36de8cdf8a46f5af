"""AWS Backup for the data tier: long-lived daily and monthly recovery points, off-region and locked in prod.

Why AWS Backup next to RDS automated backups: RDS PITR (``backup_retention_period``, at most 35 days) answers "undo
the last hours"; it dies with the instance's retention and lives in the instance's account and region. The plan
here keeps daily snapshots for ``dailyRetentionDays`` and monthly ones for ``monthlyRetentionDays`` (a year),
in a vault encrypted with the backups CMK, copied in prod to a vault in the secondary region, and both vaults
carry a vault lock so no one (in compliance mode: not even the account root) can delete them early.

Continuous backup (``enable_continuous_backup``) is deliberately *not* used: for RDS it would be a second PITR
mechanism that takes over the instance's own automated backups (AWS Backup then owns their retention), so
``backup_retention_period`` and the cross-region automated-backups replication declared in the postgres component
would no longer be what governs PITR. One PITR owner (RDS) and one snapshot owner (AWS Backup) keep recovery
procedures unambiguous. See docs/adr/0006-backup-strategy.md.

The component protects whatever ARNs it is given (``resource_arns``), so other stores are added by the stack
program without touching this file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws

from components.contract import Placement, arg, fail, require_together, settings
from components.tagging import with_name

BACKUP_POLICY = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
# A vault lock admits recovery points kept up to this many days beyond the longest rule (a rule lengthened a little
# later still fits under the lock).
LOCK_MAX_MARGIN_DAYS = 35
RESTORE_POLICY = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"


@settings
class BackupSettings:
    """The stack config's ``backup`` section."""

    daily_retention_days: int = arg(
        "Daily recovery points kept (beyond RDS's own PITR window).", default=35, units="days", ge=7, le=35
    )
    monthly_retention_days: int = arg(
        "Monthly recovery points (the 1st of each month) kept.", default=365, units="days", ge=90, le=3650
    )
    schedule_utc_hour: int = arg(
        "Hour (UTC) the daily and monthly jobs start; keep it clear of the RDS backup and maintenance windows.",
        default=6,
        units="hour of day",
        ge=0,
        le=23,
    )
    start_window_minutes: int = arg(
        "A job must start within this of its schedule.", default=60, units="minutes", ge=60, le=1440
    )
    completion_window_minutes: int = arg(
        "A job must finish within this of its scheduled start (at least 60 more than start_window_minutes).",
        default=720,
        units="minutes",
        ge=120,
        le=10080,
    )
    cross_region_copy: bool = arg(
        "Copy every recovery point to a vault in the secondary region (BackupLinks names it and its key).",
        default=False,
    )
    vault_lock: bool = arg("Lock the vault(s): recovery points cannot be deleted before min retention.", default=True)
    vault_lock_mode: Literal["governance", "compliance"] = arg(
        "compliance: immutable after "
        "vault_lock_changeable_for_days (not even root can "
        "remove it; docs/adr/0006); governance: privileged "
        "IAM users can.",
        default="governance",
    )
    vault_lock_min_retention_days: int = arg(
        "Shortest retention the lock admits (<= daily_retention_days).", default=7, units="days", ge=1, le=36500
    )
    vault_lock_max_retention_days: int | None = arg(
        "Longest retention the lock admits (>= monthly_retention_days); None: monthly_retention_days + 35.",
        default=None,
        units="days",
        ge=1,
        le=36500,
    )
    vault_lock_changeable_for_days: int = arg(
        "Compliance mode: grace period in which the lock can still be changed or removed (AWS minimum 3).",
        default=14,
        units="days",
        ge=3,
        le=36500,
    )

    @property
    def lock_max_days(self) -> int:
        """The vault lock's longest admitted retention: set, or a month beyond the monthly rule's."""
        return self.vault_lock_max_retention_days or self.monthly_retention_days + LOCK_MAX_MARGIN_DAYS

    def rules(self) -> None:
        if self.completion_window_minutes < self.start_window_minutes + 60:
            fail(
                self,
                f"completion_window_minutes ({self.completion_window_minutes}) must be at least 60 more "
                f"than start_window_minutes ({self.start_window_minutes}) (AWS Backup rule)",
            )
        if self.vault_lock_min_retention_days > self.daily_retention_days:
            fail(
                self,
                f"vault_lock_min_retention_days ({self.vault_lock_min_retention_days}) exceeds "
                f"daily_retention_days ({self.daily_retention_days}): the vault lock would reject the plan",
            )
        if self.lock_max_days < self.monthly_retention_days:
            fail(
                self,
                f"vault_lock_max_retention_days ({self.vault_lock_max_retention_days}) is below "
                f"monthly_retention_days ({self.monthly_retention_days}): the vault lock would reject "
                "the plan",
            )


@dataclass
class BackupLinks:
    kms_key_arn: pulumi.Input[str] = arg("Customer-managed key of the vault (primary region).")
    resource_arns: Sequence[pulumi.Input[str]] = arg("ARNs the plan protects (the RDS writer, any other store).")
    copy_region: str | None = arg(
        "Where recovery points are copied when the settings ask for it (the secondary region).", default=None
    )
    copy_kms_key_arn: pulumi.Input[str] | None = arg("The backups key in copy_region.", default=None)

    def __post_init__(self) -> None:
        require_together(self, "copy_region", "copy_kms_key_arn")
        if not self.resource_arns:
            raise ValueError("BackupLinks.resource_arns is empty: a backup plan that protects nothing")


def daily_cron(hour: int) -> str:
    return f"cron(0 {hour} * * ? *)"


def monthly_cron(hour: int) -> str:
    """The 1st of each month, same hour as the daily rule: when two rules of a plan start together AWS Backup
    runs one job and keeps the longer retention, so the 1st's recovery point is simply the monthly one."""
    return f"cron(0 {hour} 1 * ? *)"


class Backup(pulumi.ComponentResource):
    """Vault(s), plan, selection and the service role; vault locks when configured."""

    vault_name: pulumi.Output[str]
    vault_arn: pulumi.Output[str]
    copy_vault_arn: pulumi.Output[str] | None
    plan_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        settings: BackupSettings,
        links: BackupLinks,
        place: Placement,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("ecomart:data:Backup", name, None, opts)
        s = settings
        if s.cross_region_copy and links.copy_region is None:
            raise ValueError(
                "BackupSettings.cross_region_copy is true: BackupLinks needs copy_region and copy_kms_key_arn"
            )
        child = pulumi.ResourceOptions(parent=self)

        self.vault = aws.backup.Vault(
            f"{name}-vault",
            aws.backup.VaultArgs(
                name=f"{place.prefix}-vault",
                kms_key_arn=links.kms_key_arn,
                force_destroy=False,
                tags=with_name(place.tags, f"{place.prefix}-vault"),
            ),
            opts=child,
        )
        self.copy_vault: aws.backup.Vault | None = None
        if s.cross_region_copy:
            self.copy_vault = aws.backup.Vault(
                f"{name}-vault-dr",
                aws.backup.VaultArgs(
                    name=f"{place.prefix}-vault-dr",
                    kms_key_arn=links.copy_kms_key_arn,
                    force_destroy=False,
                    region=links.copy_region,
                    tags=with_name(place.tags, f"{place.prefix}-vault-dr"),
                ),
                opts=child,
            )

        self.vault_locks: list[aws.backup.VaultLockConfiguration] = []
        if s.vault_lock:
            for suffix, vault, region in (("", self.vault, None), ("-dr", self.copy_vault, links.copy_region)):
                if vault is None:
                    continue
                self.vault_locks.append(
                    aws.backup.VaultLockConfiguration(
                        f"{name}-vault{suffix}-lock",
                        aws.backup.VaultLockConfigurationArgs(
                            backup_vault_name=vault.name,
                            min_retention_days=s.vault_lock_min_retention_days,
                            max_retention_days=s.lock_max_days,
                            # Set: compliance mode, immutable after this many days. Unset: governance mode.
                            changeable_for_days=(
                                s.vault_lock_changeable_for_days if s.vault_lock_mode == "compliance" else None
                            ),
                            region=region,
                        ),
                        opts=child,
                    )
                )

        rule_tags = {**place.tags, "backup-plan": f"{place.prefix}-data"}
        rules = [
            self._rule("daily", daily_cron(s.schedule_utc_hour), s.daily_retention_days, s, rule_tags),
            self._rule("monthly", monthly_cron(s.schedule_utc_hour), s.monthly_retention_days, s, rule_tags),
        ]
        self.plan = aws.backup.Plan(
            f"{name}-plan",
            aws.backup.PlanArgs(
                name=f"{place.prefix}-data", rules=rules, tags=with_name(place.tags, f"{place.prefix}-data")
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=self.vault_locks),
        )

        self.role = aws.iam.Role(
            f"{name}-role",
            aws.iam.RoleArgs(
                name=f"{place.prefix}-backup",
                description="AWS Backup takes and restores EcoMart data-tier recovery points",
                assume_role_policy=json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "backup.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    }
                ),
                tags=with_name(place.tags, f"{place.prefix}-backup"),
            ),
            opts=child,
        )
        attachments = [
            aws.iam.RolePolicyAttachment(
                f"{name}-role-{kind}",
                aws.iam.RolePolicyAttachmentArgs(role=self.role.name, policy_arn=arn),
                opts=child,
            )
            for kind, arn in (("backup", BACKUP_POLICY), ("restore", RESTORE_POLICY))
        ]
        self.selection = aws.backup.Selection(
            f"{name}-selection",
            aws.backup.SelectionArgs(
                name=f"{place.prefix}-data-stores",
                plan_id=self.plan.id,
                iam_role_arn=self.role.arn,
                resources=list(links.resource_arns),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=attachments),
        )

        self.vault_name = self.vault.name
        self.vault_arn = self.vault.arn
        self.copy_vault_name = self.copy_vault.name if self.copy_vault else None
        self.copy_vault_arn = self.copy_vault.arn if self.copy_vault else None
        self.plan_id = self.plan.id
        self.plan_arn = self.plan.arn
        self.role_arn = self.role.arn
        self.register_outputs(
            {
                "vaultName": self.vault_name,
                "vaultArn": self.vault_arn,
                "copyVaultName": self.copy_vault_name,
                "copyVaultArn": self.copy_vault_arn,
                "planId": self.plan_id,
                "planArn": self.plan_arn,
                "roleArn": self.role_arn,
            }
        )

    def stack_outputs(self) -> dict[str, pulumi.Input]:
        """The stack outputs (camelCase) this component contributes."""
        return {
            "backupVaultName": self.vault_name,
            "backupVaultArn": self.vault_arn,
            "backupPlanId": self.plan_id,
            "backupCopyVaultArn": self.copy_vault_arn,
            "backupRoleArn": self.role_arn,
        }

    def _rule(
        self, label: str, schedule: str, retention_days: int, s: BackupSettings, tags: dict[str, str]
    ) -> aws.backup.PlanRuleArgs:
        copy_actions = None
        if self.copy_vault is not None:
            copy_actions = [
                aws.backup.PlanRuleCopyActionArgs(
                    destination_vault_arn=self.copy_vault.arn,
                    lifecycle=aws.backup.PlanRuleCopyActionLifecycleArgs(delete_after=retention_days),
                )
            ]
        return aws.backup.PlanRuleArgs(
            rule_name=label,
            target_vault_name=self.vault.name,
            schedule=schedule,
            schedule_expression_timezone="Etc/UTC",
            start_window=s.start_window_minutes,
            completion_window=s.completion_window_minutes,
            enable_continuous_backup=False,
            lifecycle=aws.backup.PlanRuleLifecycleArgs(delete_after=retention_days),
            copy_actions=copy_actions,
            recovery_point_tags={**tags, "backup-rule": label},
        )
