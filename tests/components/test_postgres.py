"""Postgres: RDS PostgreSQL 16 as issue 2 lists it, asserted on the synthesized inputs of dev and prod."""

from __future__ import annotations

import json
import re

import pytest

from components.contract import SettingError
from components.postgres import (
    ENHANCED_MONITORING_POLICY,
    IDLE_IN_TRANSACTION_TIMEOUT_MS,
    LOG_EXPORTS,
    Postgres,
    PostgresLinks,
    PostgresSettings,
)
from ecomart.synthesis import synthesize
from infra import config as c
from platform_rules import POSTGRES_PORT
from tests.conftest import one, stack_bag

RDS = "aws:rds/instance:Instance"
COMPONENT = "ecomart:data:Postgres"


def stacks(dev, prod):
    return {"dev": dev, "prod": prod}


def component(synth):
    return one(synth, COMPONENT, "postgres")


def children(synth):
    return [r for r in synth.resources if r.parent == component(synth).urn]


def writer(synth):
    return one(synth, RDS, "postgres-writer")


def replicas(synth):
    return sorted((r for r in synth.of_type(RDS) if r.name.startswith("postgres-replica-")), key=lambda r: r.name)


def key_arn(synth, name):
    return one(synth, "aws:kms/key:Key", name).outputs["arn"]


# --- the writer, setting by setting ---------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_writer_engine_and_identity(stack, dev, prod):
    synth = stacks(dev, prod)[stack]
    cfg = synth.config.postgres
    w = writer(synth).inputs
    # The major only: RDS picks the newest 16.x and auto minor upgrades keep it there (docs/adr/0017).
    assert w["engine"] == "postgres" and w["engineVersion"] == cfg.engine_version == "16"
    assert w["instanceClass"] == cfg.instance_class
    assert w["identifier"] == f"ecomart-{stack}-pg"
    assert w["dbName"] == cfg.database_name == "ecomart"
    assert w["port"] == POSTGRES_PORT != 5432  # not the engine default (FSBP RDS.23)
    assert w["autoMinorVersionUpgrade"] is True
    assert w["caCertIdentifier"] == cfg.ca_cert_identifier == "rds-ca-rsa2048-g1"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_writer_credentials_are_managed_and_iam_auth_is_on(stack, dev, prod):
    synth = stacks(dev, prod)[stack]
    w = writer(synth).inputs
    assert w["manageMasterUserPassword"] is True
    assert w["masterUserSecretKmsKeyId"] == key_arn(synth, "keys-relational")
    assert w["iamDatabaseAuthenticationEnabled"] is True
    assert "password" not in w and "passwordWo" not in w


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_password_input_anywhere(stack, dev, prod):
    """Not on any RDS instance, not on any child, not as a value that looks like one, anywhere in the stack."""
    synth = stacks(dev, prod)[stack]

    def walk(value, path):
        if isinstance(value, dict):
            for k, v in value.items():
                assert k.lower() not in ("password", "passwordwo", "masterpassword", "masteruserpassword"), path + k
                walk(v, f"{path}{k}.")
        elif isinstance(value, list):
            for v in value:
                walk(v, path)

    for r in synth.resources:
        walk(r.inputs, f"{r.name}:")
    for r in children(synth):
        text = json.dumps(r.inputs).lower()
        assert 'password":' not in text.replace('managemasteruserpassword":', ""), r.name


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_writer_storage_is_gp3_encrypted_with_the_relational_key_and_autoscales(stack, dev, prod):
    synth = stacks(dev, prod)[stack]
    cfg = synth.config.postgres
    w = writer(synth).inputs
    assert w["storageType"] == "gp3"
    assert w["storageEncrypted"] is True
    assert w["kmsKeyId"] == key_arn(synth, "keys-relational")
    assert w["kmsKeyId"].startswith(f"arn:aws:kms:{synth.config.region}:")
    assert w["allocatedStorage"] == cfg.allocated_storage_gb
    assert w["maxAllocatedStorage"] == cfg.max_allocated_storage_gb > w["allocatedStorage"]
    assert w.get("iops") == cfg.iops


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_writer_backups_and_windows(stack, dev, prod):
    synth = stacks(dev, prod)[stack]
    cfg = synth.config.postgres
    w = writer(synth).inputs
    assert w["backupRetentionPeriod"] == cfg.backup_retention_days
    assert w["backupWindow"] == cfg.backup_window == "03:00-04:00"
    assert w["maintenanceWindow"] == cfg.maintenance_window == "sun:05:00-sun:06:00"
    assert w["copyTagsToSnapshot"] is True


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_writer_network_placement(stack, dev, prod):
    synth = stacks(dev, prod)[stack]
    w = writer(synth).inputs
    assert w["publiclyAccessible"] is False
    pg_sg = one(synth, "aws:ec2/securityGroup:SecurityGroup", "network-postgres-sg")
    assert w["vpcSecurityGroupIds"] == [pg_sg.outputs["id"]]
    subnet_group = one(synth, "aws:rds/subnetGroup:SubnetGroup", "postgres-subnets")
    assert w["dbSubnetGroupName"] == subnet_group.outputs["name"] == f"ecomart-{stack}-postgres"
    data_subnets = [
        s.outputs["id"]
        for s in sorted(synth.of_type("aws:ec2/subnet:Subnet"), key=lambda s: s.name)
        if s.inputs["tags"]["tier"] == "data"
    ]
    assert subnet_group.inputs["subnetIds"] == data_subnets
    assert len(data_subnets) == synth.config.network.az_count


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_performance_insights_encrypted_with_the_relational_key(stack, dev, prod):
    synth = stacks(dev, prod)[stack]
    for inst in [writer(synth), *replicas(synth)]:
        assert inst.inputs["performanceInsightsEnabled"] is True
        assert inst.inputs["performanceInsightsKmsKeyId"] == key_arn(synth, "keys-relational")
        assert (
            inst.inputs["performanceInsightsRetentionPeriod"]
            == synth.config.postgres.performance_insights_retention_days
        )


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_enhanced_monitoring_with_its_own_role(stack, dev, prod):
    synth = stacks(dev, prod)[stack]
    role = one(synth, "aws:iam/role:Role", "postgres-monitoring-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    attachment = one(synth, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "postgres-monitoring-policy")
    assert (
        attachment.inputs["policyArn"]
        == ENHANCED_MONITORING_POLICY
        == "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
    )
    assert attachment.inputs["role"] == role.outputs["name"]
    for inst in [writer(synth), *replicas(synth)]:
        assert inst.inputs["monitoringInterval"] == synth.config.postgres.monitoring_interval_seconds
        assert inst.inputs["monitoringRoleArn"] == role.outputs["arn"]
        assert attachment.urn in inst.dependencies, "the policy must be attached before RDS uses the role"
    assert (dev.config.postgres.monitoring_interval_seconds, prod.config.postgres.monitoring_interval_seconds) == (
        60,
        15,
    )


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_log_exports_land_in_encrypted_log_groups_with_retention(stack, dev, prod):
    synth = stacks(dev, prod)[stack]
    logs_key = key_arn(synth, "keys-logs")
    groups = {g.inputs["name"]: g for g in synth.of_type("aws:cloudwatch/logGroup:LogGroup")}
    for inst in [writer(synth), *replicas(synth)]:
        assert inst.inputs["enabledCloudwatchLogsExports"] == ["postgresql", "upgrade", "iam-db-auth-error"]
        for log in LOG_EXPORTS:
            group = groups[f"/aws/rds/instance/{inst.inputs['identifier']}/{log}"]
            assert group.inputs["kmsKeyId"] == logs_key
            assert group.inputs["retentionInDays"] == synth.config.postgres.log_retention_days
            assert group.parent == component(synth).urn
            assert group.urn in inst.dependencies, "RDS would create the group itself, unencrypted, forever"
    assert (dev.config.postgres.log_retention_days, prod.config.postgres.log_retention_days) == (90, 365)


# --- parameter group ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_parameter_group(stack, dev, prod):
    synth = stacks(dev, prod)[stack]
    group = one(synth, "aws:rds/parameterGroup:ParameterGroup", "postgres-params")
    assert group.inputs["family"] == "postgres16"
    params = {p["name"]: (p["value"], p["applyMethod"]) for p in group.inputs["parameters"]}
    assert params["rds.force_ssl"] == ("1", "immediate")
    assert params["shared_preload_libraries"] == ("pg_stat_statements,pgaudit", "pending-reboot")
    # the CIS hardening RDS exposes (written as literals here: a changed rule must change this test too)
    assert params["password_encryption"] == ("scram-sha-256", "immediate")
    assert params["ssl_min_protocol_version"] == ("TLSv1.2", "immediate")
    assert params["log_statement"] == ("ddl", "immediate")
    assert params["pgaudit.log"] == ("ddl,role", "immediate")
    assert params["log_min_duration_statement"] == (
        str(synth.config.postgres.log_min_duration_statement_ms),
        "immediate",
    )
    assert params["log_connections"] == ("1", "immediate")
    assert params["log_disconnections"] == ("1", "immediate")
    assert params["log_lock_waits"] == ("1", "immediate")
    assert params["idle_in_transaction_session_timeout"] == (str(IDLE_IN_TRANSACTION_TIMEOUT_MS), "immediate")
    assert "log_temp_files" in params
    for inst in [writer(synth), *replicas(synth)]:
        assert inst.inputs["parameterGroupName"] == group.outputs["name"]


def test_slow_query_threshold_comes_from_config(synth_with):
    synth = synth_with("dev", postgres={"logMinDurationStatementMs": 250})
    group = one(synth, "aws:rds/parameterGroup:ParameterGroup", "postgres-params")
    assert {"name": "log_min_duration_statement", "value": "250", "applyMethod": "immediate"} in group.inputs[
        "parameters"
    ]


# --- dev vs prod ----------------------------------------------------------------------------------------------


def test_dev_and_prod_differ_where_they_should(dev, prod):
    d, p = writer(dev).inputs, writer(prod).inputs
    assert (d["multiAz"], p["multiAz"]) == (False, True)
    assert (d["backupRetentionPeriod"], p["backupRetentionPeriod"]) == (7, 35)
    assert (d["deletionProtection"], p["deletionProtection"]) == (False, True)
    assert (d["skipFinalSnapshot"], p["skipFinalSnapshot"]) == (True, False)
    assert "finalSnapshotIdentifier" not in d
    assert p["finalSnapshotIdentifier"] == "ecomart-prod-pg-final"
    assert (d["deleteAutomatedBackups"], p["deleteAutomatedBackups"]) == (True, False)
    assert (len(replicas(dev)), len(replicas(prod))) == (0, 2)
    assert (d["performanceInsightsRetentionPeriod"], p["performanceInsightsRetentionPeriod"]) == (7, 731)
    assert (d.get("iops"), p["iops"]) == (None, 12000)
    kind = "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"
    assert (len(dev.of_type(kind)), len(prod.of_type(kind))) == (0, 1)


@pytest.mark.parametrize("stack,count", [("dev", 8), ("prod", 17)])
def test_every_child_has_the_component_as_parent(stack, count, dev, prod):
    synth = stacks(dev, prod)[stack]
    comp = component(synth)
    assert comp.parent == one(synth, "pulumi:pulumi:Stack").urn
    mine = [r for r in synth.resources if r.name.startswith("postgres-")]
    assert mine and all(r.parent == comp.urn for r in mine), [r.name for r in mine if r.parent != comp.urn]
    assert len(children(synth)) == count


# --- replicas -------------------------------------------------------------------------------------------------

# Settings every replica carries exactly as the writer does.
SHARED = (
    "storageType",
    "storageEncrypted",
    "kmsKeyId",
    "maxAllocatedStorage",
    "iops",
    "iamDatabaseAuthenticationEnabled",
    "caCertIdentifier",
    "autoMinorVersionUpgrade",
    "publiclyAccessible",
    "vpcSecurityGroupIds",
    "dbSubnetGroupName",
    "parameterGroupName",
    "port",
    "performanceInsightsEnabled",
    "performanceInsightsKmsKeyId",
    "performanceInsightsRetentionPeriod",
    "monitoringInterval",
    "monitoringRoleArn",
    "enabledCloudwatchLogsExports",
    "copyTagsToSnapshot",
    "deletionProtection",
    "maintenanceWindow",
)


def test_replicas_point_to_the_writer_and_copy_its_security(prod):
    w = writer(prod)
    assert w.outputs["arn"] == "arn:aws:rds:us-east-1:123456789012:db:ecomart-prod-pg"
    for i, r in enumerate(replicas(prod), start=1):
        assert r.inputs["replicateSourceDb"] == w.outputs["arn"]
        assert w.urn in r.dependencies
        assert r.inputs["identifier"] == f"ecomart-prod-pg-replica-{i}"
        assert r.inputs["instanceClass"] == prod.config.postgres.instance_class
        for key in SHARED:
            assert r.inputs.get(key) == w.inputs.get(key), key
        # What a replica cannot or should not carry: its own credentials, database, backups or final snapshot.
        for key in (
            "username",
            "dbName",
            "manageMasterUserPassword",
            "masterUserSecretKmsKeyId",
            "backupRetentionPeriod",
            "finalSnapshotIdentifier",
        ):
            assert key not in r.inputs, key
        assert r.inputs["skipFinalSnapshot"] is True
        assert r.inputs["multiAz"] is False


def test_replica_instance_class_and_count_from_config(synth_with):
    synth = synth_with("dev", postgres={"readReplicas": 1, "replicaInstanceClass": "db.t4g.large"})
    (r,) = replicas(synth)
    assert r.inputs["instanceClass"] == "db.t4g.large"
    assert r.inputs["replicateSourceDb"] == writer(synth).outputs["arn"]


def test_monitored_instances_list_writer_then_replicas(monkeypatch):
    """``instances`` is what the monitoring component builds alarms from: every instance, labelled, in order."""
    import infra.stack

    built: list[Postgres] = []

    class Recording(Postgres):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            built.append(self)

    monkeypatch.setattr(infra.stack, "Postgres", Recording)

    def program(cfg):
        outputs = infra.stack.build(cfg)
        pg = built[0]
        return {
            **outputs,
            "_identifiers": [m.identifier for m in pg.instances],
            "_writer": pg.writer.identifier,
            "_replicas": [r.identifier for r in pg.replicas],
        }

    synth = synthesize("prod", program=program)
    pg = built[0]
    assert [(m.label, m.role) for m in pg.instances] == [
        ("postgres-writer", "writer"),
        ("postgres-replica-1", "replica"),
        ("postgres-replica-2", "replica"),
    ]
    assert all(m.instance_class == "db.r6g.xlarge" and m.allocated_storage_gb == 400 for m in pg.instances)
    assert synth.outputs["_identifiers"] == [
        "ecomart-prod-pg",
        "ecomart-prod-pg-replica-1",
        "ecomart-prod-pg-replica-2",
    ]
    assert synth.outputs["_writer"] == "ecomart-prod-pg"
    assert synth.outputs["_replicas"] == ["ecomart-prod-pg-replica-1", "ecomart-prod-pg-replica-2"]


# --- automated backups replicated to the secondary region (prod) ----------------------------------------------


def test_prod_replicates_automated_backups_to_the_secondary_region(prod):
    rep = one(prod, "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication")
    assert rep.inputs["region"] == prod.config.secondary_region == "us-west-2"
    assert rep.inputs["sourceDbInstanceArn"] == writer(prod).outputs["arn"]
    assert rep.inputs["kmsKeyId"] == key_arn(prod, "keys-relational-dr")
    assert rep.inputs["kmsKeyId"].startswith("arn:aws:kms:us-west-2:")
    assert rep.inputs["retentionPeriod"] == 35
    assert rep.parent == component(prod).urn


def test_dev_can_opt_into_backup_replication_and_gets_a_key_there(synth_with):
    synth = synth_with("dev", postgres={"crossRegionBackupReplication": True})
    rep = one(synth, "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication")
    assert rep.inputs["kmsKeyId"] == key_arn(synth, "keys-relational-dr")
    assert rep.inputs["retentionPeriod"] == 7


LINKS = dict(subnet_ids=["subnet-a", "subnet-b"], security_group_id="sg-1", kms_key_arn="k", logs_kms_key_arn="l")


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        (
            {"engine_version": "16.8"},
            "PostgresSettings.engine_version is '16.8': must be one of '14', '15', '16', '17'",
        ),
        (
            {"ca_cert_identifier": "rds-ca-2019"},
            "PostgresSettings.ca_cert_identifier is 'rds-ca-2019': must be one of 'rds-ca-rsa2048-g1'",
        ),
        ({"max_allocated_storage_gb": 100}, "max_allocated_storage_gb (100) must exceed allocated_storage_gb (100)"),
        ({"backup_retention_days": 36}, "PostgresSettings.backup_retention_days is 36: must be 1..35"),
        ({"backup_retention_days": 0}, "PostgresSettings.backup_retention_days is 0: must be 1..35"),
        ({"monitoring_interval_seconds": 0}, "monitoring_interval_seconds is 0: must be one of 1, 5, 10, 15, 30, 60"),
        ({"performance_insights_retention_days": 30}, "must be 7, a multiple of 31 up to 713, or 731"),
        ({"backup_window": "3am"}, "backup_window is '3am': must be a UTC window like '03:00-04:00'"),
        ({"backup_window": "05:30-06:30"}, "overlaps maintenance_window"),
        ({"iops": 3000, "allocated_storage_gb": 100}, "iops (3000) can only be set with allocated_storage_gb >= 400"),
    ],
)
def test_bad_settings_are_refused_naming_the_field_and_what_is_allowed(kwargs, fragment):
    with pytest.raises(SettingError, match=re.escape(fragment)):
        PostgresSettings(**kwargs)


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        (
            {"backup_replication_region": "us-west-2"},
            "backup_replication_region, backup_replication_kms_key_arn are set together",
        ),
        ({"subnet_ids": ["subnet-a"]}, "at least 2 AZs"),
    ],
)
def test_bad_links_are_refused_before_anything_is_declared(kwargs, fragment):
    with pytest.raises(ValueError, match=re.escape(fragment)):
        PostgresLinks(**{**LINKS, **kwargs})


# --- stack outputs ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_outputs(stack, dev, prod):
    synth = stacks(dev, prod)[stack]
    w = writer(synth)
    out = synth.outputs
    assert out["postgresWriterEndpoint"] == w.outputs["endpoint"] == f"{w.outputs['address']}:{POSTGRES_PORT}"
    assert out["postgresWriterAddress"].endswith(".us-east-1.rds.amazonaws.com")
    assert out["postgresReaderEndpoints"] == [r.outputs["endpoint"] for r in replicas(synth)]
    assert len(out["postgresReaderEndpoints"]) == synth.config.postgres.read_replicas
    assert out["postgresMasterSecretArn"] == w.outputs["masterUserSecrets"][0]["secretArn"]
    assert out["postgresMasterSecretArn"].startswith("arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-")
    assert out["postgresWriterArn"] == w.outputs["arn"]


# --- config keys this component added -------------------------------------------------------------------------


def _problems(**overrides) -> list[str]:
    with pytest.raises(c.ConfigError) as info:
        c.load("dev", stack_bag("dev", **overrides))
    return info.value.problems


def test_log_retention_must_be_a_cloudwatch_period():
    (msg,) = _problems(postgres={"logRetentionDays": 10})
    assert msg.startswith("ecomart-data-platform:postgres.logRetentionDays: bad value 10")
    assert "retention period" in msg and "365" in msg


def test_backup_window_must_not_overlap_the_maintenance_window():
    (msg,) = _problems(postgres={"backupWindow": "05:30-06:30"})
    assert (
        msg.startswith("ecomart-data-platform:postgres:")
        and "backupWindow (05:30-06:30) overlaps maintenanceWindow" in msg
    )


def test_windows_that_only_touch_are_fine():
    cfg = c.load("dev", stack_bag("dev", postgres={"backupWindow": "04:00-05:00"}))
    assert cfg.postgres.backup_window == "04:00-05:00"


def test_windows_crossing_midnight_and_the_week_end_are_checked():
    (msg,) = _problems(postgres={"backupWindow": "23:30-00:30", "maintenanceWindow": "mon:00:00-mon:01:00"})
    assert "overlaps maintenanceWindow" in msg
    (msg,) = _problems(postgres={"maintenanceWindow": "sun:23:00-mon:03:30"})
    assert "overlaps maintenanceWindow" in msg
