"""rds-failover-drill (moto for the reboot call, Stubber for a failover moto cannot show) and
rds-regional-recovery (Stubber: moto neither replicates automated backups across regions nor restores from their
ARN)."""

from __future__ import annotations

import datetime as dt

import boto3
from botocore.stub import ANY

from tests.runbooks.conftest import DR, REGION, WRITER, Clock, StubbedClients, run_book

OUTPUTS = {"stack": "dev", "region": REGION, "secondaryRegion": DR, "postgresWriterIdentifier": WRITER}
T0 = dt.datetime(2026, 12, 1, 4, 0, tzinfo=dt.UTC)


def test_failover_drill_on_moto_reboots_with_failover_and_reports_what_it_could_not_see(
    writer,
    tmp_path,
    call_log,
):
    code, ev, out, _ = run_book("rds-failover-drill", OUTPUTS, execute=True, tmp_path=tmp_path, call_log=call_log)
    assert call_log.params("RebootDBInstance") == {"DBInstanceIdentifier": WRITER, "ForceFailover": True}
    # moto ignores ForceFailover and records no failover event: the drill must say it did not see one, not pass.
    assert code == 1 and "none says the failover completed" in ev["error"]


def test_failover_drill_dry_run_makes_no_change(writer, tmp_path, call_log):  # noqa: F811
    code, ev, out, _ = run_book("rds-failover-drill", OUTPUTS, tmp_path=tmp_path, call_log=call_log)
    assert code == 0, out
    assert all(op.startswith(("Describe", "List", "Get")) for op in call_log.ops())
    assert (
        'WOULD CALL rds.RebootDBInstance (us-east-1) {"DBInstanceIdentifier": "ecomart-dev-pg", '
        '"ForceFailover": true}' in out
    )


def _inst(az, status="available", multi=True):
    return {
        "DBInstances": [
            {"DBInstanceIdentifier": WRITER, "DBInstanceStatus": status, "MultiAZ": multi, "AvailabilityZone": az}
        ]
    }


def test_failover_drill_measures_rto_from_rds_events_and_checks_the_az(tmp_path):
    clients, clock = StubbedClients(), Clock(T0)
    rds = clients.stub("rds")
    rds.add_response("describe_db_instances", _inst("us-east-1a"), {"DBInstanceIdentifier": WRITER})
    rds.add_response(
        "reboot_db_instance",
        {"DBInstance": {"DBInstanceIdentifier": WRITER}},
        {"DBInstanceIdentifier": WRITER, "ForceFailover": True},
    )
    rds.add_response("describe_db_instances", _inst("us-east-1a", "rebooting"), {"DBInstanceIdentifier": WRITER})
    rds.add_response("describe_db_instances", _inst("us-east-1b"), {"DBInstanceIdentifier": WRITER})
    rds.add_response(
        "describe_events",
        {
            "Events": [
                {
                    "SourceIdentifier": WRITER,
                    "Date": T0 + dt.timedelta(seconds=4),
                    "EventCategories": ["failover"],
                    "Message": "Multi-AZ instance failover started.",
                },
                {
                    "SourceIdentifier": WRITER,
                    "Date": T0 + dt.timedelta(seconds=71),
                    "EventCategories": ["failover"],
                    "Message": "Multi-AZ instance failover completed",
                },
            ]
        },
        {"SourceIdentifier": WRITER, "SourceType": "db-instance", "StartTime": T0},
    )
    code, ev, out, _ = run_book(
        "rds-failover-drill", OUTPUTS, execute=True, tmp_path=tmp_path, clients=clients, clock=clock, sleep=clock.sleep
    )
    assert code == 0, out
    clients.assert_no_pending()
    assert ev["measurements"]["rto_seconds"]["value"] == 67.0
    assert {c["check"] for c in ev["checks"] if c["ok"]} >= {"writer moved AZ", "RDS reported the failover completed"}


def test_failover_drill_refuses_a_single_az_writer(tmp_path):
    clients = StubbedClients()
    clients.stub("rds").add_response(
        "describe_db_instances", _inst("us-east-1a", multi=False), {"DBInstanceIdentifier": WRITER}
    )
    code, ev, out, _ = run_book("rds-failover-drill", OUTPUTS, execute=True, tmp_path=tmp_path, clients=clients)
    assert code == 1 and "writer is Multi-AZ" in ev["error"]
    clients.assert_no_pending()


BACKUP_ARN = f"arn:aws:rds:{DR}:123456789012:auto-backup:ab-xyz"


def test_regional_recovery_reports_rpo_and_restores_in_the_secondary_region(tmp_path):
    clients, clock = StubbedClients(), Clock(T0)
    dr = clients.stub("rds", DR)
    dr.add_response(
        "describe_db_instance_automated_backups",
        {
            "DBInstanceAutomatedBackups": [
                {
                    "DBInstanceAutomatedBackupsArn": BACKUP_ARN,
                    "DBInstanceIdentifier": WRITER,
                    "RestoreWindow": {
                        "EarliestTime": T0 - dt.timedelta(days=35),
                        "LatestTime": T0 - dt.timedelta(minutes=7),
                    },
                }
            ]
        },
        {"DBInstanceIdentifier": WRITER},
    )
    target = f"{WRITER}-dr-202612010400"
    dr.add_client_error(
        "describe_db_instances",
        "DBInstanceNotFound",
        f"DBInstance {target} not found.",
        expected_params={"DBInstanceIdentifier": target},
    )
    dr.add_response(
        "restore_db_instance_to_point_in_time",
        {"DBInstance": {"DBInstanceIdentifier": target}},
        {
            "SourceDBInstanceAutomatedBackupsArn": BACKUP_ARN,
            "TargetDBInstanceIdentifier": target,
            "UseLatestRestorableTime": True,
            "MultiAZ": True,
            "PubliclyAccessible": False,
            "EnableIAMDatabaseAuthentication": True,
            "DeletionProtection": True,
            "CopyTagsToSnapshot": True,
            "DBSubnetGroupName": "dr-subnets",
            "VpcSecurityGroupIds": ["sg-1", "sg-2"],
            "Tags": ANY,
        },
    )
    dr.add_response(
        "describe_db_instances",
        {
            "DBInstances": [
                {
                    "DBInstanceIdentifier": target,
                    "DBInstanceStatus": "available",
                    "IAMDatabaseAuthenticationEnabled": True,
                    "DBInstanceArn": f"arn:aws:rds:{DR}:123456789012:db:{target}",
                }
            ]
        },
        {"DBInstanceIdentifier": target},
    )
    code, ev, out, _ = run_book(
        "rds-regional-recovery",
        OUTPUTS,
        {"subnet-group": "dr-subnets", "security-group-ids": "sg-1,sg-2"},
        execute=True,
        tmp_path=tmp_path,
        clients=clients,
        clock=clock,
        sleep=clock.sleep,
    )
    assert code == 0, out
    clients.assert_no_pending()
    assert ev["measurements"]["rpo_seconds"]["value"] == 420.0


def test_regional_recovery_without_replicated_backups_says_so(tmp_path):
    clients = StubbedClients()
    clients.stub("rds", DR).add_response(
        "describe_db_instance_automated_backups", {"DBInstanceAutomatedBackups": []}, {"DBInstanceIdentifier": WRITER}
    )
    code, ev, out, _ = run_book("rds-regional-recovery", OUTPUTS, tmp_path=tmp_path, clients=clients)
    assert code == 1 and "InstanceAutomatedBackupsReplication" in ev["error"]


def test_regional_recovery_execute_needs_a_subnet_group(tmp_path):
    code, ev, out, _ = run_book(
        "rds-regional-recovery", OUTPUTS, execute=True, tmp_path=tmp_path, clients=StubbedClients()
    )
    assert code == 2 and "--subnet-group is required" in ev["error"]


def test_kms_key_audit_on_moto_reports_each_property(moto_aws, tmp_path, call_log):
    kms = boto3.client("kms", region_name=REGION)
    good = kms.create_key(Description="good")["KeyMetadata"]["Arn"]
    kms.enable_key_rotation(KeyId=good)
    kms.create_alias(AliasName="alias/ecomart-dev-relational", TargetKeyId=good)
    kms.create_grant(KeyId=good, GranteePrincipal="arn:aws:iam::123456789012:role/app", Operations=["Decrypt"])
    bad = kms.create_key(
        Description="bad",
        Policy='{"Version":"2012-10-17","Statement":[{"Sid":"Open",'
        '"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:*","Resource":"*"}]}',
    )["KeyMetadata"]["Arn"]
    kms.disable_key(KeyId=bad.rsplit("/", 1)[1])
    code, ev, out, _ = run_book(
        "kms-key-audit",
        {"stack": "dev", "region": REGION, "kmsKeyArns": {"relational": good, "cache": bad}},
        tmp_path=tmp_path,
        call_log=call_log,
    )
    assert code == 3, out
    result = {c["check"]: c["ok"] for c in ev["checks"]}
    assert result == {
        "cache: enabled": False,
        "cache: rotation on": False,
        "cache: no wildcard principal": False,
        "cache: alias present": False,
        "relational: enabled": True,
        "relational: rotation on": True,
        "relational: no wildcard principal": True,
        "relational: alias present": True,
    }
    rows = {r["domain"]: r for r in ev["measurements"]["keys"]["value"]}
    assert rows["relational"]["grants"] == [
        {"grantee": "arn:aws:iam::123456789012:role/app", "operations": ["Decrypt"]}
    ]
    assert rows["cache"]["wildcard_principals"] == ["Open"]
    assert all(op.startswith(("Describe", "List", "Get")) for op in call_log.ops())


def test_regional_recovery_dry_run_reads_only(tmp_path):
    clients = StubbedClients()
    clients.stub("rds", DR).add_response(
        "describe_db_instance_automated_backups",
        {
            "DBInstanceAutomatedBackups": [
                {
                    "DBInstanceAutomatedBackupsArn": BACKUP_ARN,
                    "DBInstanceIdentifier": WRITER,
                    "RestoreWindow": {"LatestTime": T0},
                }
            ]
        },
        {"DBInstanceIdentifier": WRITER},
    )
    clients.stub("rds", DR).add_client_error("describe_db_instances", "DBInstanceNotFound", "not found")
    code, ev, out, _ = run_book("rds-regional-recovery", OUTPUTS, tmp_path=tmp_path, clients=clients, clock=Clock(T0))
    assert code == 0, out
    clients.assert_no_pending()  # nothing else was queued: a restore call would have failed the run
    assert "WOULD CALL rds.RestoreDBInstanceToPointInTime (us-west-2)" in out


def test_failover_drill_via_fis_starts_the_stacks_experiment(tmp_path):
    clients, clock = StubbedClients(), Clock(T0)
    clients.stub("rds").add_response("describe_db_instances", _inst("us-east-1a"), {"DBInstanceIdentifier": WRITER})
    clients.stub("fis").add_response(
        "start_experiment",
        {"experiment": {"id": "EXP123"}},
        {"experimentTemplateId": "EXT1a2b3c", "clientToken": f"drill-{WRITER}-202612010400"},
    )
    rds = clients.stub("rds")
    rds.add_response("describe_db_instances", _inst("us-east-1b"), {"DBInstanceIdentifier": WRITER})
    rds.add_response(
        "describe_events",
        {
            "Events": [
                {"Date": T0 + dt.timedelta(seconds=10), "Message": "Multi-AZ instance failover started."},
                {"Date": T0 + dt.timedelta(seconds=40), "Message": "Multi-AZ instance failover completed"},
            ]
        },
        {"SourceIdentifier": WRITER, "SourceType": "db-instance", "StartTime": T0},
    )
    code, ev, out, _ = run_book(
        "rds-failover-drill",
        {**OUTPUTS, "fisTemplateIds": {"rds-failover": "EXT1a2b3c"}},
        {"via-fis": "yes"},
        execute=True,
        tmp_path=tmp_path,
        clients=clients,
        clock=clock,
        sleep=clock.sleep,
    )
    assert code == 0, out
    clients.assert_no_pending()
    assert "RebootDBInstance" not in out and ev["measurements"]["rto_seconds"]["value"] == 30.0


def test_triage_on_moto_reads_only(writer, tmp_path, call_log):  # noqa: F811
    code, ev, out, _ = run_book(
        "data-tier-triage",
        {**OUTPUTS, "dataTierAlarmName": "ecomart-dev-data-tier-degraded"},
        tmp_path=tmp_path,
        call_log=call_log,
    )
    assert code == 0, out
    assert call_log.ops() == ["DescribeAlarms", "DescribeDBInstances", "DescribeEvents"]
    assert {c["check"]: c["ok"] for c in ev["checks"]} == {f"{WRITER} available": True}
