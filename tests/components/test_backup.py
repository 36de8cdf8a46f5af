"""Backup: AWS Backup vault on the backups key, daily + monthly plan, selection of the RDS writer, service role;
in prod a copy to the secondary region and vault locks on both vaults."""

from __future__ import annotations

import json
import re

import pytest

from components.backup import BACKUP_POLICY, RESTORE_POLICY, Backup, BackupLinks, BackupSettings
from components.contract import Placement, SettingError
from ecomart.synthesis import synthesize
from infra import config as c
from tests.conftest import one, stack_bag

COMPONENT = "ecomart:data:Backup"
VAULT = "aws:backup/vault:Vault"
LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def stacks(dev, prod):
    return {"dev": dev, "prod": prod}


def component(synth):
    return one(synth, COMPONENT, "backup")


def key_arn(synth, name):
    return one(synth, "aws:kms/key:Key", name).outputs["arn"]


def rules(synth):
    return {r["ruleName"]: r for r in one(synth, "aws:backup/plan:Plan", "backup-plan").inputs["rules"]}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_vault_on_the_backups_key(stack, dev, prod):
    synth = stacks(dev, prod)[stack]
    vault = one(synth, VAULT, "backup-vault")
    assert vault.inputs["name"] == f"ecomart-{stack}-vault"
    assert vault.inputs["kmsKeyArn"] == key_arn(synth, "keys-backups")
    assert vault.inputs["kmsKeyArn"].startswith("arn:aws:kms:us-east-1:")
    assert vault.inputs["forceDestroy"] is False
    assert "region" not in vault.inputs
    assert {"project", "environment", "owner", "cost-center", "data-classification"} <= set(vault.inputs["tags"])


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_plan_has_a_daily_and_a_monthly_rule(stack, dev, prod):
    synth = stacks(dev, prod)[stack]
    cfg = synth.config.backup
    found = rules(synth)
    assert set(found) == {"daily", "monthly"}
    hour = cfg.schedule_utc_hour
    assert found["daily"]["schedule"] == f"cron(0 {hour} * * ? *)"
    assert found["monthly"]["schedule"] == f"cron(0 {hour} 1 * ? *)"
    assert found["daily"]["lifecycle"] == {"deleteAfter": cfg.daily_retention_days} == {"deleteAfter": 35}
    assert found["monthly"]["lifecycle"] == {"deleteAfter": cfg.monthly_retention_days} == {"deleteAfter": 365}
    vault = one(synth, VAULT, "backup-vault")
    for rule in found.values():
        assert rule["targetVaultName"] == vault.outputs["name"]
        assert rule["startWindow"] == cfg.start_window_minutes == 60
        assert rule["completionWindow"] == cfg.completion_window_minutes == 720
        assert rule["scheduleExpressionTimezone"] == "Etc/UTC"
        # RDS owns point-in-time recovery (automated backups); AWS Backup takes snapshots only (docs/adr/0006).
        assert rule["enableContinuousBackup"] is False
        assert rule["recoveryPointTags"]["environment"] == stack
    plan = one(synth, "aws:backup/plan:Plan", "backup-plan")
    assert plan.inputs["name"] == f"ecomart-{stack}-data"
    assert UUID.match(plan.outputs["id"])


def test_schedule_follows_config(synth_with):
    synth = synth_with(
        "dev",
        backup={
            "scheduleUtcHour": 22,
            "startWindowMinutes": 120,
            "completionWindowMinutes": 300,
            "monthlyRetentionDays": 400,
        },
    )
    found = rules(synth)
    assert found["daily"]["schedule"] == "cron(0 22 * * ? *)"
    assert found["daily"]["startWindow"] == 120 and found["daily"]["completionWindow"] == 300
    assert found["daily"]["lifecycle"] == {"deleteAfter": 35}
    assert found["monthly"]["lifecycle"] == {"deleteAfter": 400}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_selection_covers_the_rds_writer(stack, dev, prod):
    synth = stacks(dev, prod)[stack]
    selection = one(synth, "aws:backup/selection:Selection", "backup-selection")
    writer_arn = one(synth, "aws:rds/instance:Instance", "postgres-writer").outputs["arn"]
    assert writer_arn == f"arn:aws:rds:us-east-1:123456789012:db:ecomart-{stack}-pg"
    assert selection.inputs["resources"] == [writer_arn]
    plan = one(synth, "aws:backup/plan:Plan", "backup-plan")
    assert selection.inputs["planId"] == plan.outputs["id"]
    role = one(synth, "aws:iam/role:Role", "backup-role")
    assert selection.inputs["iamRoleArn"] == role.outputs["arn"]
    assert role.outputs["arn"] == f"arn:aws:iam::123456789012:role/ecomart-{stack}-backup"
    attachments = [
        a
        for a in synth.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a.name.startswith("backup-role-")
    ]
    assert all(a.urn in selection.dependencies for a in attachments), "the role must be usable when assigned"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_service_role(stack, dev, prod):
    synth = stacks(dev, prod)[stack]
    role = one(synth, "aws:iam/role:Role", "backup-role")
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement == {
        "Effect": "Allow",
        "Principal": {"Service": "backup.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    attached = {
        a.inputs["policyArn"]: a.inputs["role"]
        for a in synth.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a.name.startswith("backup-role-")
    }
    assert attached == {BACKUP_POLICY: role.outputs["name"], RESTORE_POLICY: role.outputs["name"]}
    assert BACKUP_POLICY.endswith(":policy/service-role/AWSBackupServiceRolePolicyForBackup")
    assert RESTORE_POLICY.endswith(":policy/service-role/AWSBackupServiceRolePolicyForRestores")


def test_dev_has_no_copy_and_no_lock(dev):
    assert [v.name for v in dev.of_type(VAULT)] == ["backup-vault"]
    assert dev.of_type(LOCK) == []
    for rule in rules(dev).values():
        assert not rule.get("copyActions")
    assert dev.outputs["backupCopyVaultArn"] is None


def test_prod_copies_every_rule_to_a_vault_in_the_secondary_region(prod):
    dr = one(prod, VAULT, "backup-vault-dr")
    assert dr.inputs["region"] == prod.config.secondary_region == "us-west-2"
    assert dr.inputs["name"] == "ecomart-prod-vault-dr"
    assert dr.inputs["kmsKeyArn"] == key_arn(prod, "keys-backups-dr")
    assert dr.inputs["kmsKeyArn"].startswith("arn:aws:kms:us-west-2:")
    assert dr.outputs["arn"] == "arn:aws:backup:us-west-2:123456789012:backup-vault:ecomart-prod-vault-dr"
    for name, rule in rules(prod).items():
        (copy,) = rule["copyActions"]
        assert copy["destinationVaultArn"] == dr.outputs["arn"]
        assert copy["lifecycle"] == rule["lifecycle"], name
    assert prod.outputs["backupCopyVaultArn"] == dr.outputs["arn"]


def test_prod_locks_both_vaults_in_compliance_mode_after_a_grace_period(prod):
    cfg = prod.config.backup
    locks = {lock.name: lock.inputs for lock in prod.of_type(LOCK)}
    assert set(locks) == {"backup-vault-lock", "backup-vault-dr-lock"}
    assert locks["backup-vault-lock"]["backupVaultName"] == "ecomart-prod-vault"
    assert "region" not in locks["backup-vault-lock"]
    assert locks["backup-vault-dr-lock"]["backupVaultName"] == "ecomart-prod-vault-dr"
    assert locks["backup-vault-dr-lock"]["region"] == "us-west-2"
    for lock in locks.values():
        assert lock["minRetentionDays"] == cfg.vault_lock_min_retention_days == 7
        assert lock["maxRetentionDays"] == cfg.lock_max_days == 400
        assert lock["changeableForDays"] == cfg.vault_lock_changeable_for_days == 14
    assert cfg.vault_lock_mode == "compliance"
    # Every rule's retention fits inside the lock, or AWS Backup would refuse the recovery points.
    for rule in rules(prod).values():
        assert 7 <= rule["lifecycle"]["deleteAfter"] <= 400


def test_governance_mode_has_no_changeable_for_days(synth_with):
    synth = synth_with("prod", backup={"vaultLockMode": "governance"})
    locks = synth.of_type(LOCK)
    assert len(locks) == 2 and all("changeableForDays" not in lock.inputs for lock in locks)


def test_dev_vault_lock_defaults_to_governance_on_the_one_vault(synth_with):
    synth = synth_with("dev", backup={"vaultLock": True})
    (lock,) = synth.of_type(LOCK)
    assert lock.inputs["backupVaultName"] == "ecomart-dev-vault" and "changeableForDays" not in lock.inputs


def test_dev_can_opt_into_the_copy(synth_with):
    synth = synth_with("dev", backup={"crossRegionCopy": True})
    dr = one(synth, VAULT, "backup-vault-dr")
    assert dr.inputs["kmsKeyArn"] == key_arn(synth, "keys-backups-dr")
    assert all(r["copyActions"][0]["destinationVaultArn"] == dr.outputs["arn"] for r in rules(synth).values())


@pytest.mark.parametrize("stack,count", [("dev", 6), ("prod", 9)])
def test_every_child_has_the_component_as_parent(stack, count, dev, prod):
    synth = stacks(dev, prod)[stack]
    comp = component(synth)
    assert comp.parent == one(synth, "pulumi:pulumi:Stack").urn
    mine = [r for r in synth.resources if r.name.startswith("backup-")]
    assert len(mine) == count
    assert all(r.parent == comp.urn for r in mine), [r.name for r in mine if r.parent != comp.urn]
    assert len([r for r in synth.resources if r.parent == comp.urn]) == count


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_outputs(stack, dev, prod):
    synth = stacks(dev, prod)[stack]
    vault = one(synth, VAULT, "backup-vault")
    assert synth.outputs["backupVaultName"] == vault.outputs["name"] == f"ecomart-{stack}-vault"
    assert synth.outputs["backupVaultArn"] == vault.outputs["arn"]
    assert synth.outputs["backupPlanId"] == one(synth, "aws:backup/plan:Plan").outputs["id"]


def test_any_arns_can_be_protected_without_touching_the_component():
    """The stack hands over a list of ARNs (plain or outputs); the component protects exactly those."""
    import pulumi

    table = "arn:aws:dynamodb:us-east-1:123456789012:table/orders-archive"

    def program(cfg):
        fs = pulumi.Output.from_input("arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-1")
        b = Backup(
            "standalone",
            BackupSettings(vault_lock=False),
            BackupLinks(kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/k", resource_arns=[table, fs]),
            Placement(prefix="t", region=cfg.region, tags=cfg.tags),
        )
        return {"vault": b.vault_name}

    synth = synthesize("dev", program=program)
    selection = one(synth, "aws:backup/selection:Selection", "standalone-selection")
    assert selection.inputs["resources"] == [table, "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-1"]
    assert synth.outputs["vault"] == "t-vault"


def test_bad_component_settings_and_links_fail_before_anything_is_declared():
    with pytest.raises(ValueError, match="protects nothing"):
        BackupLinks(kms_key_arn="k", resource_arns=[])
    with pytest.raises(ValueError, match="copy_region, copy_kms_key_arn are set together"):
        BackupLinks(kms_key_arn="k", resource_arns=["a"], copy_region="us-west-2")
    with pytest.raises(SettingError, match=r"vault_lock_min_retention_days \(40\) exceeds daily_retention_days \(35\)"):
        BackupSettings(vault_lock_min_retention_days=40)
    with pytest.raises(SettingError, match=r"vault_lock_max_retention_days \(300\) is below monthly_retention_days"):
        BackupSettings(vault_lock_max_retention_days=300)
    with pytest.raises(ValueError, match="cross_region_copy is true: BackupLinks needs copy_region"):
        Backup(
            "b",
            BackupSettings(cross_region_copy=True),
            BackupLinks(kms_key_arn="k", resource_arns=["a"]),
            Placement(prefix="t", region="us-east-1"),
        )


# --- config keys this component added -------------------------------------------------------------------------


def only(stack: str, **overrides) -> str:
    with pytest.raises(c.ConfigError) as info:
        c.load(stack, stack_bag(stack, **overrides))
    (msg,) = info.value.problems
    return msg


BAD = [
    ({"vaultLockMode": "strict"}, "backup.vaultLockMode: bad value 'strict'", "'governance' or 'compliance'"),
    ({"vaultLockChangeableForDays": 2}, "backup.vaultLockChangeableForDays: bad value 2", "must be 3..36500"),
    ({"startWindowMinutes": 30}, "backup.startWindowMinutes: bad value 30", "must be 60..1440"),
    ({"completionWindowMinutes": 100}, "backup.completionWindowMinutes: bad value 100", "must be 120..10080"),
    (
        {"startWindowMinutes": 120, "completionWindowMinutes": 150},
        "ecomart-data-platform:backup:",
        "completionWindowMinutes (150) must be at least 60 more than startWindowMinutes (120)",
    ),
    ({"scheduleUtcHour": 3}, "(stack): backup.scheduleUtcHour", "inside postgres.backupWindow (03:00-04:00)"),
    ({"scheduleUtcHour": 4}, "(stack): backup.scheduleUtcHour", "postgres.maintenanceWindow (sun:05:00-sun:06:00)"),
    ({"scheduleUtcHour": 5}, "(stack): backup.scheduleUtcHour", "backup.scheduleUtcHour (5)"),
    (
        {"scheduleUtcHour": 2, "startWindowMinutes": 120, "completionWindowMinutes": 240},
        "(stack): backup.scheduleUtcHour",
        "starts AWS Backup jobs (02:00-04:00 UTC)",
    ),
]


@pytest.mark.parametrize("overrides,prefix,allowed", BAD, ids=[json.dumps(b[0]) for b in BAD])
def test_bad_backup_config_names_the_key(overrides, prefix, allowed):
    msg = only("dev", backup=overrides)
    assert prefix in msg and allowed in msg, msg


@pytest.mark.parametrize("hour", [0, 1, 2, 6, 12, 23])
def test_hours_clear_of_the_rds_windows_are_accepted(hour):
    assert c.load("dev", stack_bag("dev", backup={"scheduleUtcHour": hour})).backup.schedule_utc_hour == hour
