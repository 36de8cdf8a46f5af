"""platform_rules is the one source of the environment rules: everything else reads it, and it reads nothing."""

from __future__ import annotations

import ast
import dataclasses
import json
import sys
from pathlib import Path

import pytest

import platform_rules as rules
from ecomart.commands.policy_config import policy_config
from infra import config as c
from policies.engine import enforcement
from policies.engine.registry import all_policies, metadata
from tests.conftest import stack_bag

ROOT = Path(__file__).resolve().parents[2]


def test_stdlib_only():
    """The policy pack's virtualenv has pulumi-policy and nothing else; the components import this too."""
    tree = ast.parse((ROOT / "platform_rules" / "__init__.py").read_text())
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


def test_committed_policy_configs_are_generated_from_the_rules():
    """From the rules, plus what a stack's own config adds (its budget: ecomart.costs.stack_entries)."""
    from ecomart.costs import stack_entries

    assert enforcement.stale_files(extra=stack_entries) == [], "run `ecomart policy-config --write`"
    for stack in enforcement.GENERATED_STACKS:
        committed = json.loads((enforcement.CONFIG_DIR / f"{stack}.json").read_text())
        expected = (
            enforcement.portable_config()
            if stack == rules.PORTABLE_ENVIRONMENT
            else {**rules.policy_config(stack), **stack_entries(stack)}
        )
        assert committed == expected


def test_a_stacks_budget_reaches_its_policy_config():
    """Pulumi.<stack>.yaml's cost section is what stack-monthly-budget is configured with."""
    from ecomart.costs import stack_entries

    prod = json.loads((enforcement.CONFIG_DIR / "prod.json").read_text())["stack-monthly-budget"]
    cfg = c.load("prod", c.raw_from_yaml(str(ROOT / "Pulumi.prod.yaml")))
    assert prod["monthlyBudgetUsd"] == cfg.cost.monthly_budget_usd > 0
    assert prod["enforcementLevel"] == cfg.cost.budget_enforcement
    assert prod["region"] == cfg.region
    assert prod["usage"]["cognito"]["monthly_active_users"] > 0  # the usage file's content, not its name
    assert stack_entries("portable") == {}


def test_stale_policy_config_is_reported(tmp_path, capsys):
    from ecomart.costs import stack_entries

    for stack in enforcement.GENERATED_STACKS:
        (tmp_path / f"{stack}.json").write_text(enforcement.render(stack, stack_entries(stack)))
    assert policy_config(False, tmp_path) == 0
    (tmp_path / "prod.json").write_text('{"all": "mandatory"}\n')
    assert policy_config(False, tmp_path) == 1
    assert "prod.json" in capsys.readouterr().err
    assert policy_config(True, tmp_path) == 0
    assert enforcement.stale_files(tmp_path, stack_entries) == []


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_config_defaults_come_from_the_rules(env):
    r = rules.rules_for(env)
    d = c.environment_defaults(env)
    assert d["postgres"]["backupRetentionDays"] == r.pitr_days
    assert d["postgres"]["logRetentionDays"] == r.log_retention_days
    assert d["postgres"]["multiAz"] is r.multi_az
    assert d["postgres"]["deletionProtection"] is r.deletion_protection
    assert d["postgres"]["crossRegionBackupReplication"] is r.cross_region_pitr
    assert d["kms"]["deletionWindowDays"] == r.key_deletion_window_days
    assert d["redis"]["snapshotRetentionDays"] == r.cache_snapshot_retention_days
    assert d["redis"]["logRetentionDays"] == r.log_retention_days
    assert d["redis"]["replicasPerShard"] == r.cache_min_replicas_per_shard
    assert d["redis"]["clusterMode"] is (r.cache_min_shards is not None)
    assert d["backup"]["dailyRetentionDays"] == r.backup_daily_retention_days
    assert d["backup"]["monthlyRetentionDays"] == r.backup_long_term_days
    assert d["network"]["azCount"] == r.min_az_count


def test_policy_defaults_are_the_strictest_environments():
    meta = metadata()
    for policy_id, props in rules.POLICY_THRESHOLDS.items():
        assert policy_id in meta, f"POLICY_THRESHOLDS names unknown policy {policy_id}"
        for prop, attr in props.items():
            assert meta[policy_id].config_defaults[prop] == getattr(rules.STRICTEST, attr)


def test_advisory_policies_exist():
    names = {p.name for p in all_policies()}
    for env in rules.ENVIRONMENTS:
        assert set(rules.rules_for(env).advisory_policies) <= names


def test_shared_rule_objects_are_the_same_objects_everywhere():
    from policies.rules import cross_service as stack
    from policies.rules import rds

    assert stack.REQUIRED_TAGS is rules.REQUIRED_TAG_KEYS and stack.ENVIRONMENTS is rules.ENVIRONMENTS
    assert rds.CURRENT_CA_CERTIFICATES is rules.CURRENT_RDS_CA_CERTIFICATES
    assert set(c.StackConfig.model_fields["environment"].annotation.__args__) == set(rules.ENVIRONMENTS)
    from components.postgres import PostgresSettings

    ca = next(f for f in dataclasses.fields(PostgresSettings) if f.name == "ca_cert_identifier")
    assert ca.metadata["limits"]["one_of"] == rules.CURRENT_RDS_CA_CERTIFICATES


def test_changing_the_prod_pitr_rule_is_one_change(monkeypatch):
    """The stack config floor follows the rule object (defaults are computed at import, the floor at load)."""
    monkeypatch.setitem(rules.ENVIRONMENT_RULES, "prod", dataclasses.replace(rules.PROD, pitr_days=30))
    assert c.load("prod", stack_bag("prod", postgres={"backupRetentionDays": 30})).postgres.backup_retention_days == 30
    with pytest.raises(c.ConfigError, match=r"postgres.backupRetentionDays is 29; prod needs >= 30"):
        c.load("prod", stack_bag("prod", postgres={"backupRetentionDays": 29}))
    assert rules.policy_config("prod")["rds-backup-retention"]["minimumDays"] == 30


@pytest.mark.parametrize(
    "key,section,value,floor",
    [
        ("postgres.backupRetentionDays", "postgres", {"backupRetentionDays": 3}, "dev needs >= 7"),
        ("postgres.logRetentionDays", "postgres", {"logRetentionDays": 30}, "dev needs >= 90"),
        ("redis.logRetentionDays", "redis", {"logRetentionDays": 60}, "dev needs >= 90"),
        ("network.flowLogRetentionDays", "network", {"flowLogRetentionDays": 14}, "dev needs >= 90"),
        (
            "backup.dailyRetentionDays",
            "backup",
            {"dailyRetentionDays": 14, "vaultLockMinRetentionDays": 7},
            "dev needs >= 35",
        ),
        ("backup.monthlyRetentionDays", "backup", {"monthlyRetentionDays": 180}, "dev needs >= 365"),
    ],
)
def test_dev_retention_floors(key, section, value, floor):
    with pytest.raises(c.ConfigError) as e:
        c.load("dev", stack_bag("dev", **{section: value}))
    assert f"{key} is " in str(e.value) and floor in str(e.value)


def test_elasticache_node_ids():
    assert rules.elasticache_node_ids("rg", False, 1, 2) == [("rg-001", True), ("rg-002", False), ("rg-003", False)]
    assert rules.elasticache_node_ids("rg", True, 2, 1) == [
        ("rg-0001-001", True),
        ("rg-0001-002", False),
        ("rg-0002-001", True),
        ("rg-0002-002", False),
    ]


def test_unknown_environment_is_named():
    with pytest.raises(ValueError, match=r"environment 'qa': must be one of \['dev', 'staging', 'prod'\]"):
        rules.rules_for("qa")
