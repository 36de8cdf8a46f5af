"""backup-restore-test through botocore's Stubber (moto has no AWS Backup recovery points or restore jobs)."""

from __future__ import annotations

import datetime as dt

from tests.runbooks.conftest import Clock, StubbedClients, run_book

WRITER = "ecomart-dev-pg"
ARN = f"arn:aws:rds:us-east-1:123456789012:db:{WRITER}"
ROLE = "arn:aws:iam::123456789012:role/ecomart-dev-backup"
OUTPUTS = {
    "stack": "dev",
    "region": "us-east-1",
    "postgresWriterIdentifier": WRITER,
    "postgresWriterArn": ARN,
    "backupVaultName": "ecomart-dev-vault",
    "backupRoleArn": ROLE,
}
RP_OLD = "arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-old"
RP_NEW = "arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-new"
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
SCRATCH = f"{WRITER}-restore-test-20261201"


def instance(ident, status="available"):
    return {
        "DBInstances": [
            {
                "DBInstanceIdentifier": ident,
                "DBInstanceStatus": status,
                "StorageEncrypted": True,
                "DBInstanceArn": f"arn:aws:rds:us-east-1:123456789012:db:{ident}",
                "DBSubnetGroup": {"DBSubnetGroupName": "ecomart-dev-postgres"},
                "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-0123456789abcdef0", "Status": "active"}],
                "Endpoint": {"Address": f"{ident}.abc.us-east-1.rds.amazonaws.com", "Port": 5432},
            }
        ]
    }


def stubs(*, execute: bool):
    clients = StubbedClients()
    bk, rds = clients.stub("backup"), clients.stub("rds")
    bk.add_response(
        "list_recovery_points_by_resource",
        {
            "RecoveryPoints": [
                {"RecoveryPointArn": RP_OLD, "Status": "COMPLETED", "CreationDate": NOW - dt.timedelta(days=2)},
                {"RecoveryPointArn": RP_NEW, "Status": "COMPLETED", "CreationDate": NOW - dt.timedelta(hours=5)},
                {"RecoveryPointArn": RP_NEW + "-running", "Status": "PARTIAL", "CreationDate": NOW},
            ]
        },
        {"ResourceArn": ARN},
    )
    bk.add_response(
        "get_recovery_point_restore_metadata",
        {
            "RestoreMetadata": {
                "DBInstanceIdentifier": WRITER,
                "DBInstanceClass": "db.t4g.medium",
                "DeletionProtection": "true",
                "MultiAZ": "true",
                "Engine": "postgres",
            }
        },
        {"BackupVaultName": "ecomart-dev-vault", "RecoveryPointArn": RP_NEW},
    )
    rds.add_response("describe_db_instances", instance(WRITER), {"DBInstanceIdentifier": WRITER})
    if execute:
        expected_meta = {
            "DBInstanceIdentifier": SCRATCH,
            "DBInstanceClass": "db.t4g.medium",
            "Engine": "postgres",
            "DeletionProtection": "false",
            "MultiAZ": "false",
            "PubliclyAccessible": "false",
            "DBSubnetGroupName": "ecomart-dev-postgres",
            "VpcSecurityGroupIds": "sg-0123456789abcdef0",
        }
        bk.add_response(
            "start_restore_job",
            {"RestoreJobId": "job-1"},
            {
                "RecoveryPointArn": RP_NEW,
                "Metadata": expected_meta,
                "IamRoleArn": ROLE,
                "ResourceType": "RDS",
                "IdempotencyToken": f"restore-test-{SCRATCH}",
                "CopySourceTagsToRestoredResource": True,
            },
        )
        bk.add_response(
            "describe_restore_job", {"RestoreJobId": "job-1", "Status": "RUNNING"}, {"RestoreJobId": "job-1"}
        )
        bk.add_response(
            "describe_restore_job",
            {
                "RestoreJobId": "job-1",
                "Status": "COMPLETED",
                "CreatedResourceArn": f"arn:aws:rds:us-east-1:123456789012:db:{SCRATCH}",
            },
            {"RestoreJobId": "job-1"},
        )
        rds.add_response("describe_db_instances", instance(SCRATCH), {"DBInstanceIdentifier": SCRATCH})
        bk.add_response(
            "put_restore_validation_result",
            {},
            {
                "RestoreJobId": "job-1",
                "ValidationStatus": "SUCCESSFUL",
                "ValidationStatusMessage": f"ecomart backup-restore-test: checks passed on {SCRATCH}",
            },
        )
        rds.add_response("describe_db_instances", instance(SCRATCH), {"DBInstanceIdentifier": SCRATCH})
        rds.add_response(
            "delete_db_instance",
            {"DBInstance": {"DBInstanceIdentifier": SCRATCH}},
            {"DBInstanceIdentifier": SCRATCH, "SkipFinalSnapshot": True, "DeleteAutomatedBackups": True},
        )
    return clients


def test_dry_run_picks_the_latest_completed_point_and_starts_nothing(tmp_path):
    clients = stubs(execute=False)
    clock = Clock(NOW)
    code, ev, out, _ = run_book("backup-restore-test", OUTPUTS, tmp_path=tmp_path, clients=clients, clock=clock)
    assert code == 0, out
    clients.assert_no_pending()
    assert ev["measurements"]["recovery_point"]["value"] == RP_NEW
    assert ev["measurements"]["recovery_point_age_hours"]["value"] == 5.0
    assert "WOULD CALL backup.StartRestoreJob" in out and "WOULD CALL rds.DeleteDBInstance" in out


def test_execute_restores_validates_and_deletes_the_scratch_instance(tmp_path):
    clients, clock = stubs(execute=True), Clock(NOW)
    code, ev, out, _ = run_book(
        "backup-restore-test", OUTPUTS, execute=True, tmp_path=tmp_path, clients=clients, clock=clock, sleep=clock.sleep
    )
    assert code == 0, out
    clients.assert_no_pending()  # every queued call happened, with exactly the expected parameters
    assert ev["measurements"]["restore_seconds"]["value"] == 30.0
    assert any("no database connection configured" in n for n in ev["notes"])


def test_failed_restore_job_stops_before_validation_and_says_why(tmp_path):
    clients, clock = stubs(execute=False), Clock(NOW)
    bk = clients.stub("backup")
    bk.add_response("start_restore_job", {"RestoreJobId": "job-1"})
    bk.add_response(
        "describe_restore_job", {"RestoreJobId": "job-1", "Status": "FAILED", "StatusMessage": "subnet group not found"}
    )
    code, ev, out, _ = run_book(
        "backup-restore-test", OUTPUTS, execute=True, tmp_path=tmp_path, clients=clients, clock=clock, sleep=clock.sleep
    )
    assert code == 1 and "FAILED: subnet group not found" in ev["error"]
    assert "PutRestoreValidationResult" not in out
