"""Every environment rule is written once (platform_rules) and reaches everything that depends on it.

Each ``EnvironmentRules`` value is changed in turn on a real stack: the stack still loads from its own
``Pulumi.<stack>.yaml`` (nothing there pins what a rule decides) and every resource the rule governs carries the new
value. A rule that needs information no default can give (a named person for Atlas' Backup Compliance Policy, a
global cluster's zones) first stops the stack with one line naming the key, and loads once the test gives it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest

import platform_rules
from components.aws_values import LOG_RETENTION_DAYS
from ecomart.synthesis import Synthesis, synthesize
from infra import config as c
from tests.conftest import stack_bag

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
RDS = "aws:rds/instance:Instance"
RG = "aws:elasticache/replicationGroup:ReplicationGroup"
KEY = "aws:kms/key:Key"


def regs(s: Synthesis, typ: str, pred: Callable[[Any], bool] = lambda r: True) -> list:
    return [r for r in s.registrations if r.type == typ and pred(r)]


def writer(s: Synthesis):
    (w,) = regs(s, RDS, lambda r: "replicateSourceDb" not in r.inputs)
    return w


def log_groups(s: Synthesis, prefix: str) -> list[int]:
    return [r.inputs["retentionInDays"] for r in regs(s, LOG_GROUP, lambda r: r.inputs["name"].startswith(prefix))]


def rule_lifecycle(s: Synthesis, rule: str) -> int:
    (plan,) = regs(s, "aws:backup/plan:Plan")
    return next(r["lifecycle"]["deleteAfter"] for r in plan.inputs["rules"] if r["ruleName"] == rule)


def atlas_scaling(s: Synthesis, key: str) -> list[bool]:
    (cluster,) = regs(s, "mongodbatlas:index/advancedCluster:AdvancedCluster")
    return [rc["autoScaling"][key] for spec in cluster.inputs["replicationSpecs"] for rc in spec["regionConfigs"]]


# What each config key a rule decides looks like in the resources: a function of the synthesized stack returning
# every value that must equal the setting (one entry per dependent resource).
OBSERVED: dict[str, Callable[[Synthesis], list[Any]]] = {
    "network.azCount": lambda s: [
        len(regs(s, "aws:ec2/subnet:Subnet", lambda r, t=t: r.inputs["tags"]["tier"] == t)) for t in ("app", "data")
    ],
    "kms.deletionWindowDays": lambda s: [
        k.inputs["deletionWindowInDays"] for k in regs(s, KEY, lambda r: "ecomart:security:Kms" in r.urn)
    ],
    "atlas.keyDeletionWindowDays": lambda s: [
        k.inputs["deletionWindowInDays"] for k in regs(s, KEY, lambda r: "ecomart:data:Atlas" in r.urn)
    ],
    "postgres.backupRetentionDays": lambda s: (
        [writer(s).inputs["backupRetentionPeriod"]]
        + [
            r.inputs["retentionPeriod"]
            for r in regs(s, "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication")
        ]
    ),
    "postgres.multiAz": lambda s: [writer(s).inputs["multiAz"]],
    "postgres.deletionProtection": lambda s: [r.inputs["deletionProtection"] for r in regs(s, RDS)],
    "service.userPoolDeletionProtection": lambda s: [
        r.inputs["deletionProtection"] == "ACTIVE" for r in regs(s, "aws:cognito/userPool:UserPool")
    ],
    "atlas.terminationProtection": lambda s: [
        r.inputs["terminationProtectionEnabled"] for r in regs(s, "mongodbatlas:index/advancedCluster:AdvancedCluster")
    ],
    "artifacts.forceDestroy": lambda s: [
        r.inputs["forceDestroy"]
        for r in regs(s, "aws:s3/bucket:Bucket", lambda r: "lambda-artifacts" in r.inputs["bucket"])
    ],
    "postgres.readReplicas": lambda s: [len(regs(s, RDS, lambda r: "replicateSourceDb" in r.inputs))],
    "postgres.crossRegionBackupReplication": lambda s: [
        bool(regs(s, "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"))
    ],
    "postgres.finalSnapshot": lambda s: [
        not writer(s).inputs["skipFinalSnapshot"],
        not writer(s).inputs["deleteAutomatedBackups"],
    ],
    "redis.finalSnapshot": lambda s: [bool(r.inputs.get("finalSnapshotIdentifier")) for r in regs(s, RG)],
    "redis.numShards": lambda s: [r.inputs.get("numNodeGroups", 1) for r in regs(s, RG)],
    "redis.replicasPerShard": lambda s: [
        r.inputs.get("replicasPerNodeGroup", r.inputs.get("numCacheClusters", 0) - 1) for r in regs(s, RG)
    ],
    "redis.snapshotRetentionDays": lambda s: [r.inputs["snapshotRetentionLimit"] for r in regs(s, RG)],
    "network.flowLogRetentionDays": lambda s: (
        log_groups(s, "/ecomart/ecomart-")
        and [
            r.inputs["retentionInDays"]
            for r in regs(s, LOG_GROUP, lambda r: r.inputs["name"].endswith("vpc-flow-logs"))
        ]
    ),
    "postgres.logRetentionDays": lambda s: log_groups(s, "/aws/rds/instance/"),
    "redis.logRetentionDays": lambda s: [
        r.inputs["retentionInDays"] for r in regs(s, LOG_GROUP, lambda r: "/elasticache/" in r.inputs["name"])
    ],
    "service.logRetentionDays": lambda s: log_groups(s, "/aws/lambda/") + log_groups(s, "/aws/apigateway/"),
    "resilience.logRetentionDays": lambda s: log_groups(s, "/aws/fis/"),
    "artifacts.accessLogRetentionDays": lambda s: [
        rule["expiration"]["days"]
        for b in regs(
            s,
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            lambda r: "access-logs" in json.dumps(r.inputs),
        )
        for rule in b.inputs["rules"]
        if "expiration" in rule
    ],
    "backup.dailyRetentionDays": lambda s: [rule_lifecycle(s, "daily")],
    "backup.monthlyRetentionDays": lambda s: [rule_lifecycle(s, "monthly")],
    "backup.crossRegionCopy": lambda s: [len(regs(s, "aws:backup/vault:Vault")) == 2],
    "backup.vaultLock": lambda s: [bool(regs(s, "aws:backup/vaultLockConfiguration:VaultLockConfiguration"))],
    "atlas.autoScaling.computeEnabled": lambda s: atlas_scaling(s, "computeEnabled"),
    "atlas.autoScaling.diskEnabled": lambda s: atlas_scaling(s, "diskGbEnabled"),
}

# Another value for each numeric rule, per environment (stricter where AWS allows, else looser; valid for what it
# feeds: CloudWatch periods, AWS ranges).
STRICTER = {
    "pitr_days": {"dev": 14, "prod": 30},
    "key_deletion_window_days": {"dev": 14, "prod": 21},
    "cache_snapshot_retention_days": {"dev": 3, "prod": 10},
    "log_retention_days": {"dev": 180, "prod": 400},
    "backup_daily_retention_days": {"dev": 30, "prod": 30},
    "backup_long_term_days": {"dev": 730, "prod": 730},
    "min_az_count": {"dev": 3, "prod": 4},
    "min_read_replicas": {"dev": 1, "prod": 3},
    "cache_min_shards": {"dev": 2, "prod": 3},
    "cache_min_replicas_per_shard": {"dev": 2, "prod": 4},
}


def with_rule(env: str, **changes: Any):
    """The environment's rules with ``changes``, in force for the block (config, defaults and policy configs)."""
    changed = dataclasses.replace(platform_rules.rules_for(env), **changes)
    return mock.patch.dict(platform_rules.ENVIRONMENT_RULES, {env: changed})


def keys_of(attr: str) -> list[tuple[str, str]]:
    return [(key, kind) for a, key, kind in platform_rules.RULE_SETTINGS if a == attr]


def test_every_rule_setting_is_observed_and_every_rule_is_tested():
    """A rule or a setting added without its trace here fails: nothing a rule decides can go unfollowed."""
    assert {key for _, key, _ in platform_rules.RULE_SETTINGS} == set(OBSERVED)
    fields = {f.name for f in dataclasses.fields(platform_rules.EnvironmentRules)} - {"name"}
    traced = (
        set(STRICTER)
        | {a for a, _, k in platform_rules.RULE_SETTINGS if k != "floor"}
        | {"data_residency", "advisory_policies", "user_pool_ses_email"}
    )
    assert fields == traced, fields ^ traced


NUMERIC = [(attr, env) for attr in STRICTER for env in ("dev", "prod")]


def test_every_numeric_change_is_a_change():
    assert all(STRICTER[a][e] != getattr(platform_rules.rules_for(e), a) for a, e in NUMERIC)


def test_the_changed_values_tell_every_two_rules_apart():
    """The numeric rules are changed together, in one synthesis per environment: sound only if no two rules take
    the same new value in both environments (else a setting wired to the wrong rule would still show the value)."""
    for a in STRICTER:
        for b in STRICTER:
            if a < b:
                assert any(STRICTER[a][e] != STRICTER[b][e] for e in ("dev", "prod")), (a, b)


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_stricter_numeric_rules_load_and_reach_every_resource(env, subtests):
    """Every numeric rule changed at once (one synthesis per environment instead of one per rule): each setting the
    rule decides carries the new value in every resource, and a stack file below it is refused naming the rule."""
    changes = {attr: STRICTER[attr][env] for attr in STRICTER}
    with with_rule(env, **changes):
        synth = synthesize(env)
    assert synth.config.redis.cluster_mode is True  # cache_min_shards > 1 turns cluster mode on
    for attr, value in changes.items():
        with subtests.test(attr=attr):
            followed = keys_of(attr)
            for key, _ in followed:
                seen = OBSERVED[key](synth)
                # a sizing default above the rule stays (the rule is a floor): dev's flow logs keep a year
                sized = c._lookup(platform_rules.ENVIRONMENT_SIZING[env], key)
                want = max(value, sized) if sized is not None else value
                assert seen and all(v == want for v in seen), (attr, key, seen, want)
            # and a stack file may not go below it (this rule alone in force)
            section, _, field = followed[0][0].partition(".")
            lower = max(v for v in LOG_RETENTION_DAYS if v < value) if attr == "log_retention_days" else value - 1
            if "." not in field and attr != "cache_min_shards":
                with with_rule(env, **{attr: value}), pytest.raises(c.ConfigError) as err:
                    c.load(env, stack_bag(env, **{section: {field: lower}}))
                assert any(f"{section}.{field} is {lower}; {env} needs >= {value}" in p for p in err.value.problems), (
                    err.value.problems
                )


FLAGS = sorted({(a, k) for a, _, k in platform_rules.RULE_SETTINGS if k in ("required", "inverse")})


@pytest.mark.parametrize("attr,kind", FLAGS, ids=[a for a, _ in FLAGS])
def test_a_flag_rule_switched_on_reaches_every_resource_and_off_lets_the_stack_choose(attr, kind):
    on_env = "dev" if not getattr(platform_rules.DEV, attr) else None
    if on_env is not None:  # dev's rule is off: turn it on
        extra = {}
        if attr == "backup_vault_lock":  # Atlas' compliance policy names a person: no default can
            with with_rule("dev", **{attr: True}):
                with pytest.raises(c.ConfigError) as err:
                    c.load("dev", stack_bag("dev"))
            assert err.value.problems == [
                "(stack): dev rules (platform_rules): atlas.backupCompliance is not set; "
                "dev needs a Backup Compliance Policy"
            ]
            extra = {
                "atlas": {
                    **json.loads(stack_bag("dev")["ecomart-data-platform:atlas"]),
                    "backupCompliance": {
                        "authorizedEmail": "dpo@ecomart.example",
                        "authorizedFirstName": "D",
                        "authorizedLastName": "P",
                    },
                }
            }
        with with_rule("dev", **{attr: True}):
            synth = synthesize("dev", stack_bag("dev", **extra))
        for key, k in keys_of(attr):
            seen = OBSERVED[key](synth)
            want = k == "required"
            assert seen and all(v == want for v in seen), (attr, key, seen)
    # prod's rule is on: turned off, the stack may choose the other value (before, that was refused)
    assert getattr(platform_rules.PROD, attr)
    for key, k in keys_of(attr):
        section, _, field = key.partition(".")
        if "." in field:
            continue
        other = k != "required"
        with pytest.raises(c.ConfigError):
            c.load("prod", stack_bag("prod", **{section: {field: other}}))
        with with_rule("prod", **{attr: False}):
            assert c._get(c.load("prod", stack_bag("prod", **{section: {field: other}})), key) == other


def test_data_residency_switched_on_needs_a_global_cluster_and_then_pins_the_eea():
    with with_rule("dev", data_residency=True):
        with pytest.raises(c.ConfigError) as err:
            c.load("dev", stack_bag("dev"))
        assert "atlas.clusterType is REPLICASET; dev needs GEOSHARDED (EU data residency)" in err.value.problems[0]
        atlas = json.loads(stack_bag("dev")["ecomart-data-platform:atlas"])
        atlas.update(
            clusterType="GEOSHARDED",
            instanceSize="M30",
            autoScaling={
                "computeEnabled": True,
                "computeScaleDownEnabled": True,
                "computeMinInstanceSize": "M30",
                "computeMaxInstanceSize": "M40",
                "diskEnabled": True,
            },
            zones=[
                {"name": "Americas", "region": "US_EAST_1", "shards": 1},
                {"name": "EU", "region": "EU_WEST_1", "shards": 1, "locations": ["EEA"]},
            ],
        )
        synth = synthesize("dev", stack_bag("dev", atlas=atlas))
    (mapping,) = regs(synth, "mongodbatlas:index/globalClusterConfig:GlobalClusterConfig")
    eu = {m["location"] for m in mapping.inputs["customZoneMappings"] if m["zone"] == "EU"}
    assert eu == set(platform_rules.EEA_COUNTRIES)


def test_copies_switched_on_give_atlas_zones_a_copy_region_and_the_backups_a_vault_there():
    with with_rule("dev", backup_cross_region_copy=True):
        synth = synthesize("dev")
    (schedule,) = regs(synth, "mongodbatlas:index/cloudBackupSchedule:CloudBackupSchedule")
    assert [s["regionName"] for s in schedule.inputs["copySettings"]] == ["US_WEST_2"]
    assert {v.inputs.get("region") for v in regs(synth, "aws:backup/vault:Vault")} == {None, "us-west-2"}


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_an_advisory_policy_added_to_an_environment_reaches_its_policy_config(env):
    from policies.engine import enforcement

    with with_rule(env, advisory_policies=(*platform_rules.rules_for(env).advisory_policies, "rds-multi-az")):
        assert json.loads(enforcement.render(env))["rds-multi-az"] == {"enforcementLevel": "advisory"}
    assert "rds-multi-az" not in json.loads(enforcement.render("prod"))


def test_prod_sends_the_customers_email_through_its_ses_identity(prod, dev):
    """user_pool_ses_email: prod's pool sends from the SES identity its config names (Cognito's default sender is
    capped at 50 e-mails a day); dev may keep the default sender."""
    (pool,) = prod.of_type("aws:cognito/userPool:UserPool")
    cfg = prod.config.service
    assert pool.inputs["emailConfiguration"] == {
        "emailSendingAccount": "DEVELOPER",
        "sourceArn": cfg.user_pool_email_source_arn,
        "fromEmailAddress": cfg.user_pool_email_from,
    }
    (dev_pool,) = dev.of_type("aws:cognito/userPool:UserPool")
    assert "emailConfiguration" not in dev_pool.inputs


def test_a_prod_stack_without_an_ses_identity_is_refused_in_one_line():
    bag = stack_bag("prod", service={"userPoolEmailSourceArn": None, "userPoolEmailFrom": None})
    with pytest.raises(c.ConfigError) as err:
        c.load("prod", bag)
    (line,) = [p for p in err.value.problems if "userPoolEmailSourceArn" in p]
    assert "SES identity" in line and "50 e-mails a day" in line
    with with_rule("dev", user_pool_ses_email=True), pytest.raises(c.ConfigError):
        c.load("dev", stack_bag("dev"))  # the rule, not the environment's name, decides


def test_an_ses_identity_needs_its_from_address_and_a_real_arn():
    with pytest.raises(c.ConfigError) as err:
        c.load("prod", stack_bag("prod", service={"userPoolEmailFrom": None}))
    assert any("userPoolEmailFrom" in p for p in err.value.problems)
    with pytest.raises(c.ConfigError) as err:
        c.load("prod", stack_bag("prod", service={"userPoolEmailSourceArn": "ecomart.example"}))
    assert any("an SES identity ARN" in p for p in err.value.problems)
