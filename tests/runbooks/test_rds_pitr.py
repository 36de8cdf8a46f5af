"""rds-pitr-restore on moto: the restore call's shape, resume, the window check, the data check on real PostgreSQL."""

from __future__ import annotations

import datetime as dt

import boto3

from tests.runbooks.conftest import OUTPUTS, REGION, WRITER, run_book


def _target_time():
    inst = boto3.client("rds", region_name=REGION).describe_db_instances(DBInstanceIdentifier=WRITER)["DBInstances"][0]
    return inst["LatestRestorableTime"] - dt.timedelta(seconds=1)


def test_dry_run_reads_only_and_prints_the_exact_restore_call(writer, tmp_path, call_log):
    code, ev, out, _ = run_book(
        "rds-pitr-restore", OUTPUTS, {"target-time": _target_time()}, tmp_path=tmp_path, call_log=call_log
    )
    assert code == 0, out
    assert all(op.startswith(("Describe", "List", "Get")) for op in call_log.ops()), call_log.ops()
    assert "WOULD CALL rds.RestoreDBInstanceToPointInTime" in out
    planned = [c for s in ev["steps"] for c in s["calls"] if c["mode"] == "would"]
    restore = planned[0]["params"]
    assert restore["DBSubnetGroupName"] == "ecomart-dev-postgres"
    assert restore["VpcSecurityGroupIds"] == [writer["sg"]]
    assert restore["DBParameterGroupName"] == "ecomart-dev-postgres16"
    assert restore["EnableIAMDatabaseAuthentication"] is True
    assert {"Key": "environment", "Value": "dev"} in restore["Tags"]
    assert {"Key": "restored-from", "Value": WRITER} in restore["Tags"]
    assert ev["mode"] == "dry-run" and ev["outcome"] == "dry-run"
    assert not boto3.client("rds", region_name=REGION).describe_db_instances()["DBInstances"][1:]


def test_execute_restores_a_copy_shaped_like_the_writer_and_leaves_it_alone(writer, tmp_path, call_log):
    target = _target_time()
    code, ev, out, _ = run_book(
        "rds-pitr-restore",
        OUTPUTS,
        {"target-time": target, "target-id": "pitr-copy"},
        execute=True,
        tmp_path=tmp_path,
        call_log=call_log,
    )
    assert code == 0, out
    sent = call_log.params("RestoreDBInstanceToPointInTime")
    assert sent["SourceDBInstanceIdentifier"] == WRITER and sent["TargetDBInstanceIdentifier"] == "pitr-copy"
    assert sent["DBSubnetGroupName"] == "ecomart-dev-postgres"
    assert sent["VpcSecurityGroupIds"] == [writer["sg"]]
    assert sent["DBParameterGroupName"] == "ecomart-dev-postgres16" and sent["EnableIAMDatabaseAuthentication"]
    assert sent["RestoreTime"] == target and sent["DeletionProtection"] is True and sent["PubliclyAccessible"] is False
    described = boto3.client("rds", region_name=REGION).describe_db_instances(DBInstanceIdentifier=WRITER)[
        "DBInstances"
    ][0]
    assert sent["MultiAZ"] is False and sent["CopyTagsToSnapshot"] is True
    assert sent["DBInstanceClass"] == "db.t4g.medium" and sent["StorageType"] == described["StorageType"]
    assert sent["CACertificateIdentifier"] == described["CACertificateIdentifier"]
    assert {"Key": "restore-time", "Value": target.isoformat()} in sent["Tags"]
    modify = call_log.params("ModifyDBInstance")
    # moto does not keep Enhanced Monitoring settings (the writer reads back 0): the call must carry what the
    # writer reports, whatever that is; test_monitoring_copied_from_the_writer pins a real value with Stubber.
    described = boto3.client("rds", region_name=REGION).describe_db_instances(DBInstanceIdentifier=WRITER)[
        "DBInstances"
    ][0]
    assert modify["DBInstanceIdentifier"] == "pitr-copy"
    assert modify["MonitoringInterval"] == described.get("MonitoringInterval", 0) and modify["ApplyImmediately"]
    assert "ModifyDBInstance" not in [op for _, op, p in call_log.calls if p.get("DBInstanceIdentifier") == WRITER]
    rds = boto3.client("rds", region_name=REGION)
    copy = rds.describe_db_instances(DBInstanceIdentifier="pitr-copy")["DBInstances"][0]
    assert copy["KmsKeyId"] == writer["key"] and copy["IAMDatabaseAuthenticationEnabled"] is True
    checks = {c["check"]: c["ok"] for c in ev["checks"]}
    assert checks["KmsKeyId same as the writer"] and checks["the original writer is untouched"]
    assert ev["outcome"] == "ok" and ev["mode"] == "execute"


def test_rerun_after_interruption_resumes_without_a_second_restore(writer, tmp_path, call_log):
    params = {"target-time": _target_time(), "target-id": "pitr-copy"}
    run_book("rds-pitr-restore", OUTPUTS, params, execute=True, tmp_path=tmp_path, call_log=call_log)
    call_log.calls.clear()
    code, ev, out, _ = run_book("rds-pitr-restore", OUTPUTS, params, execute=True, tmp_path=tmp_path, call_log=call_log)
    assert code == 0, out
    assert "RestoreDBInstanceToPointInTime" not in call_log.ops()
    assert ev["steps"][1]["status"] == "already-done" and "exists already" in out


def test_target_after_the_restorable_window_is_refused_before_any_change(writer, tmp_path, call_log):
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    code, ev, out, _ = run_book(
        "rds-pitr-restore", OUTPUTS, {"target-time": future}, execute=True, tmp_path=tmp_path, call_log=call_log
    )
    assert code == 1
    assert "RestoreDBInstanceToPointInTime" not in call_log.ops()
    assert "target time not after the latest restorable time" in ev["error"]


def test_missing_writer_is_one_line_naming_it(moto_aws, tmp_path, call_log):
    code, ev, out, _ = run_book(
        "rds-pitr-restore", OUTPUTS, {"target-time": dt.datetime.now(dt.UTC)}, tmp_path=tmp_path, call_log=call_log
    )
    assert code == 2
    assert ev["error"].startswith("rds.DescribeDBInstances in us-east-1 refused: DBInstanceNotFound")
    assert WRITER in ev["error"] and "Traceback" not in out


def test_wrong_region_names_the_call_and_the_region(writer, tmp_path, call_log):
    code, ev, out, _ = run_book(
        "rds-pitr-restore",
        {**OUTPUTS, "region": "eu-west-1"},
        {"target-time": dt.datetime.now(dt.UTC)},
        tmp_path=tmp_path,
        call_log=call_log,
    )
    assert code == 2
    assert ev["error"].startswith("rds.DescribeDBInstances in eu-west-1 refused: DBInstanceNotFound")
