"""Resource-policy cases of ``policies/rules/backup.py``: a compliant resource per case and, for every property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

from policies.engine import tokens as T
from tests.policies.cases.shapes import ACCOUNT, KEY_ARN, ROLE_ARN
from tests.policies.helpers import DELETE, Case

CASES = {
    # backup
    "backup-vault-cmk": [
        Case(T.BACKUP_VAULT, {"name": "ecomart-prod-vault", "kmsKeyArn": KEY_ARN}, {"kmsKeyArn": DELETE})
    ],
    "backup-vault-no-force-destroy": [
        Case(T.BACKUP_VAULT, {"name": "v", "kmsKeyArn": KEY_ARN, "forceDestroy": False}, {"forceDestroy": True})
    ],
    "backup-plan-frequency": [
        Case(T.BACKUP_PLAN, "PLAN", {"rules.0.schedule": "cron(0 5 ? * MON *)"}, label="weekly"),
        Case(T.BACKUP_PLAN, "PLAN", {"rules.0.schedule": "cron(0 5 */2 * ? *)"}, label="every other day"),
        Case(
            T.BACKUP_PLAN,
            {
                "name": "p",
                "rules": [
                    {
                        "ruleName": "r",
                        "targetVaultName": "v",
                        "schedule": "cron(0 5 ? * MON *)",
                        "enableContinuousBackup": True,
                        "lifecycle": {"deleteAfter": 35},
                    }
                ],
            },
            {"rules.0.enableContinuousBackup": False},
            label="continuous",
        ),
    ],
    "backup-plan-retention": [
        Case(T.BACKUP_PLAN, "PLAN", {"rules.0.lifecycle.deleteAfter": 7}),
        Case(T.BACKUP_PLAN, "PLAN", {"rules.1.lifecycle.deleteAfter": 90}, label="no long-term rule"),
    ],
    "backup-plan-cross-region-copy": [Case(T.BACKUP_PLAN, "PLAN", {"rules.0.copyActions": []})],
    "backup-vault-lock-retention": [
        Case(
            T.BACKUP_VAULT_LOCK,
            {
                "backupVaultName": "ecomart-prod-vault",
                "minRetentionDays": 7,
                "maxRetentionDays": 400,
                "changeableForDays": 3,
            },
            {"minRetentionDays": 0, "maxRetentionDays": 3},
        ),
    ],
    "backup-selection-scoped": [
        Case(
            T.BACKUP_SELECTION,
            {
                "name": "ecomart-prod-data-stores",
                "planId": "plan-1",
                "iamRoleArn": ROLE_ARN,
                "resources": [f"arn:aws:rds:us-east-1:{ACCOUNT}:db:ecomart-prod-pg"],
            },
            {"iamRoleArn": DELETE, "resources": []},
        ),
    ],
}
