"""policies/config/<stack>.json: the standard policy-pack config format, and the enforcement rules from the
policies' own metadata: prod runs every high/critical policy as mandatory, nothing is ever disabled, dev advises
only on cost-driven and lifecycle policies and never on a security policy."""

from __future__ import annotations

import json

import pytest

from policies.engine import enforcement
from policies.engine.core import meta_of
from policies.engine.meta import CATEGORIES
from policies.engine.registry import all_policies

POLICIES = {p.name: p for p in all_policies()}
CONFIGS = {s: enforcement.load(enforcement.CONFIG_DIR / f"{s}.json") for s in ("dev", "prod")}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_config_file_uses_the_policy_pack_config_format(stack):
    config = CONFIGS[stack]
    assert config["all"] in enforcement.LEVELS
    for key, value in config.items():
        if key == "all":
            continue
        assert key in POLICIES, f"{stack}.json configures unknown policy {key}"
        assert isinstance(value, (str, dict))
        if isinstance(value, dict):
            schema = POLICIES[key].config_schema
            extra = set(value) - {"enforcementLevel"} - set(schema.properties if schema else {})
            assert not extra, f"{stack}.json: {key} sets {extra}, not in the policy's config schema"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_nothing_is_disabled(stack):
    assert all(enforcement.level_of(n, CONFIGS[stack]) != "disabled" for n in POLICIES)


def test_prod_runs_high_and_critical_policies_as_mandatory():
    for name, policy in POLICIES.items():
        if meta_of(policy).severity in ("high", "critical"):
            assert enforcement.level_of(name, CONFIGS["prod"]) == "mandatory", name


def test_security_policies_are_mandatory_everywhere():
    for name, policy in POLICIES.items():
        if meta_of(policy).security_related:
            for stack, config in CONFIGS.items():
                assert enforcement.level_of(name, config) == "mandatory", (stack, name)


def test_dev_advises_only_on_cost_driven_and_lifecycle_policies():
    advisory = [n for n in POLICIES if enforcement.level_of(n, CONFIGS["dev"]) == "advisory"]
    assert advisory, "dev downgrades the cost-driven policies"
    for name in advisory:
        assert CATEGORIES[meta_of(POLICIES[name]).category].dev_may_advise, name
    assert {"rds-multi-az", "elasticache-cluster-mode-sharded", "backup-plan-cross-region-copy"} <= set(advisory)


def test_prod_uses_the_policies_defaults_and_dev_its_own_rules():
    """prod.json never loosens a policy's default; dev.json carries exactly dev's rules (platform_rules.DEV), and a
    dev threshold differs from prod's only where the rules differ."""
    import platform_rules

    for name, policy in POLICIES.items():
        if name == "stack-monthly-budget":
            continue  # the stack's own budget (its config's cost section), not a threshold of the rules
        defaults = meta_of(policy).config_defaults
        prod = enforcement.properties_of(name, CONFIGS["prod"])
        for key, value in prod.items():
            assert value == defaults[key], f"prod.json loosens {name}.{key}"
    checked = 0
    for name, props in platform_rules.POLICY_THRESHOLDS.items():
        dev = enforcement.properties_of(name, CONFIGS["dev"])
        prod = enforcement.properties_of(name, CONFIGS["prod"])
        for key, attr in props.items():
            rule = getattr(platform_rules.DEV, attr)
            if rule is None:  # dev has no such floor (e.g. no sharding): the key is left out, prod's applies
                assert key not in dev, (name, key)
                continue
            assert dev[key] == rule, f"dev.json {name}.{key} is {dev[key]}, dev's rule {attr} is {rule}"
            assert (dev[key] != prod[key]) == (rule != getattr(platform_rules.PROD, attr)), (name, key)
            checked += 1
    assert checked >= 8


def test_unknown_stacks_get_prod_strictness(tmp_path):
    assert enforcement.config_path("staging") == enforcement.CONFIG_DIR / "prod.json"
    assert enforcement.config_path(None) == enforcement.CONFIG_DIR / "prod.json"
    assert enforcement.config_path("dev") == enforcement.CONFIG_DIR / "dev.json"


def test_level_resolution_follows_the_cli():
    config = {"all": "advisory", "a": {"enforcementLevel": "mandatory"}, "b": "disabled", "c": {"minimumDays": 3}}
    assert enforcement.level_of("a", config) == "mandatory"
    assert enforcement.level_of("b", config) == "disabled"
    assert enforcement.level_of("c", config) == "advisory"
    assert enforcement.properties_of("c", config) == {"minimumDays": 3}
    assert enforcement.level_of("x", {}) == "mandatory"


def test_bad_config_is_refused(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"all": "sometimes"}))
    with pytest.raises(enforcement.PolicyConfigError, match="sometimes"):
        enforcement.load(bad)
    bad.write_text("{")
    with pytest.raises(enforcement.PolicyConfigError, match="not JSON"):
        enforcement.load(bad)


PORTABLE = enforcement.load(enforcement.CONFIG_DIR / "portable.json")


def test_portable_profile_disables_exactly_the_house_rules():
    from policies.engine.registry import metadata

    meta = metadata()
    house = {pid for pid, m in meta.items() if m.house_rule}
    assert house and len(house) < len(meta) // 4, "house rules are the exception"
    disabled = {pid for pid in meta if enforcement.level_of(pid, PORTABLE) == "disabled"}
    assert disabled == house
    assert all(enforcement.level_of(pid, PORTABLE) == "mandatory" for pid in meta if pid not in house)


def test_portable_thresholds_are_the_catalogues_defaults():
    import platform_rules

    for pid, values in platform_rules.PORTABLE_THRESHOLDS.items():
        assert enforcement.properties_of(pid, PORTABLE) == dict(values)
    assert enforcement.properties_of("rds-backup-retention", PORTABLE) == {  # FSBP RDS.11, Config's parameter
        "minimumDays": 7,
        "checkReadReplicas": True,
    }
    assert enforcement.properties_of("log-group-retention", PORTABLE) == {  # FSBP CloudWatch.16
        "minimumDays": 365,
        "neverExpireCompliant": True,
    }


def test_a_seven_day_pitr_passes_portable_and_fails_prod():
    from policies.engine.checker import check_export

    stack = {"urn": "urn:pulumi:x::p::pulumi:pulumi:Stack::p-x", "type": "pulumi:pulumi:Stack", "custom": False}
    db = {
        "urn": "urn:pulumi:x::p::aws:rds/instance:Instance::db",
        "type": "aws:rds/instance:Instance",
        "custom": True,
        "inputs": {"identifier": "db", "backupRetentionPeriod": 7},
    }
    doc = {"version": 3, "deployment": {"resources": [stack, db]}}

    def retention(config):
        return [
            v for v in check_export(doc, stack="x", config_file=config).violations if v.policy == "rds-backup-retention"
        ]

    assert retention(enforcement.CONFIG_DIR / "portable.json") == []
    assert len(retention(enforcement.CONFIG_DIR / "prod.json")) == 1


def test_the_house_conventions_a_foreign_stack_was_reported_for_are_off_in_portable():
    """Issue 13's reviewer saw these on a compliant stack written elsewhere: conventions of this repository (a
    `tier` tag, an alarm per metric per node, engine-log delivery...), not controls. Portable runs none of them,
    and the retention floors it keeps are the catalogues' (7 days of PITR, not 35; one backup rule of 35 days, as
    AWS Config's backup-plan-min-frequency-and-min-retention-check asks, not a yearly rule: issue 23)."""
    conventions = {
        "stack-data-store-alarms",
        "stack-data-stores-in-data-subnets",
        "subnet-tier-tag",
        "elasticache-cluster-mode-sharded",
        "elasticache-custom-parameter-group",
        "elasticache-log-delivery",
        "stack-rds-log-groups-declared",
        "sns-topic-policy-deny-insecure-transport",
    }
    assert all(enforcement.level_of(pid, PORTABLE) == "disabled" for pid in conventions)
    assert enforcement.properties_of("rds-backup-retention", PORTABLE)["minimumDays"] == 7
    assert enforcement.properties_of("backup-plan-retention", PORTABLE) == {"minimumDays": 1, "longTermDays": 35}
