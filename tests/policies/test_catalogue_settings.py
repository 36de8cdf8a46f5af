"""Framework policies where this platform is stricter than the public catalogue: the policy's default is the house
setting (platform_rules.HOUSE_POLICY_SETTINGS), the portable profile sets the catalogue's own parameter
(platform_rules.PORTABLE_THRESHOLDS, each with its source), and each side is held by a case that fails if the
setting stops being read."""

from __future__ import annotations

import pytest

import platform_rules
from policies.engine import tokens as T
from policies.engine.enforcement import portable_config, properties_of
from tests.policies.helpers import run_resource_policy

PORTABLE = portable_config()


def portable(policy_id: str) -> dict:
    return properties_of(policy_id, PORTABLE)


def sg(*rules: dict) -> dict:
    return {"description": "web", "ingress": list(rules)}


def rule(port_from: int, port_to: int, cidr: str = "0.0.0.0/0", protocol: str = "tcp") -> dict:
    return {"protocol": protocol, "fromPort": port_from, "toPort": port_to, "cidrBlocks": [cidr], "description": "x"}


def test_https_open_to_the_internet_passes_the_catalogue_and_fails_the_house():
    """FSBP EC2.18: Security Hub authorizes TCP 80 and 443 by default; this platform serves nothing publicly."""
    web = sg(rule(443, 443), rule(80, 80))
    assert run_resource_policy("sg-no-open-ingress", T.SECURITY_GROUP, web, portable("sg-no-open-ingress")) == []
    assert run_resource_policy("sg-no-open-ingress", T.SECURITY_GROUP, web) != []


@pytest.mark.parametrize(
    "bad",
    [rule(22, 22), rule(80, 443), rule(0, 65535), rule(443, 443, protocol="udp"), rule(0, 0, protocol="-1")],
    ids=["ssh", "a range beyond 80 and 443", "every port", "udp 443", "all protocols"],
)
def test_the_catalogue_still_fails_any_other_open_port(bad):
    found = run_resource_policy("sg-no-open-ingress", T.SECURITY_GROUP, sg(bad), portable("sg-no-open-ingress"))
    assert len(found) == 1


def test_one_finding_per_resource_names_every_open_rule():
    """A group open on five ports was five findings; now one, naming each rule and its ports."""
    group = sg(rule(22, 22), rule(3389, 3389), rule(5432, 5432, cidr="::/0"))
    (message,) = run_resource_policy("sg-no-open-ingress", T.SECURITY_GROUP, group)
    assert "ingress[0] admits 0.0.0.0/0 on ports 22-22" in message
    assert "ingress[1] admits 0.0.0.0/0 on ports 3389-3389" in message
    assert "ingress[2] admits ::/0 on ports 5432-5432" in message


def test_authorized_ports_accept_aws_configs_own_spelling():
    """AWS Config takes ``"443,1020-1025"``: a range is authorized as a whole, not a port beyond it."""
    config = {"authorizedTcpPorts": "443,1020-1025"}
    assert run_resource_policy("sg-no-open-ingress", T.SECURITY_GROUP, sg(rule(1020, 1025)), config) == []
    assert run_resource_policy("sg-no-open-ingress", T.SECURITY_GROUP, sg(rule(1020, 1026)), config) != []


@pytest.mark.parametrize("retention", [None, 0], ids=["absent", "zero"])
def test_a_log_group_that_never_expires_passes_the_catalogue_and_fails_the_house(retention):
    """AWS Config's cw-loggroup-retention-period-check: "Never expire" is COMPLIANT."""
    group = {} if retention is None else {"retentionInDays": retention}
    assert run_resource_policy("log-group-retention", T.LOG_GROUP, group, portable("log-group-retention")) == []
    assert run_resource_policy("log-group-retention", T.LOG_GROUP, group) == [
        "retentionInDays is not set: events are kept forever"
    ]


def test_a_short_retention_fails_both():
    short = {"retentionInDays": 30}
    assert run_resource_policy("log-group-retention", T.LOG_GROUP, short, portable("log-group-retention")) != []
    assert run_resource_policy("log-group-retention", T.LOG_GROUP, short) != []


def test_an_alarm_without_ok_action_passes_the_catalogue_and_fails_the_house():
    """cloudwatch-alarm-action-check: okActionRequired is false by default; alarm actions stay required."""
    alarm = {"actionsEnabled": True, "alarmActions": ["arn:aws:sns:us-east-1:123456789012:alerts"], "okActions": []}
    assert run_resource_policy("metric-alarm-notifies", T.METRIC_ALARM, alarm, portable("metric-alarm-notifies")) == []
    assert run_resource_policy("metric-alarm-notifies", T.METRIC_ALARM, alarm) == [
        "okActions is empty: no notification on OK"
    ]
    silent = {**alarm, "alarmActions": []}
    assert run_resource_policy("metric-alarm-notifies", T.METRIC_ALARM, silent, portable("metric-alarm-notifies"))


def test_every_house_setting_has_a_catalogue_value_in_the_portable_profile():
    for policy_id, settings in platform_rules.HOUSE_POLICY_SETTINGS.items():
        assert set(settings) <= set(portable(policy_id)), policy_id


@pytest.mark.parametrize(
    "engine,on,oldest",
    [
        ("mysql", "2026-07-31", "8.0"),  # the last day of 8.0's standard support
        ("mysql", "2026-08-01", "8.4"),
        ("mariadb", "2026-08-31", "10.6"),
        ("mariadb", "2026-09-01", "10.11"),
        ("mysql", platform_rules.SUPPORT_CALENDAR_READ, "8.4"),
        ("aurora-postgresql", "2026-02-28", "13"),
        ("aurora-postgresql", "2026-03-01", "14"),
        ("aurora-mysql", "2024-10-31", "5.7"),
        ("aurora-mysql", "2024-11-01", "8.0"),
    ],
)
def test_the_oldest_supported_major_follows_the_release_calendar(engine, on, oldest):
    assert platform_rules.oldest_supported_major(engine, on) == oldest


def test_an_engine_version_policy_default_moves_with_the_calendar():
    """The policy's defaults are derived from the calendar, not written beside it."""
    from policies.engine.core import meta_of
    from tests.policies.helpers import POLICIES

    defaults = meta_of(POLICIES["rds-engine-version-supported"]).config_defaults
    assert defaults["minimumMysqlVersion"] == platform_rules.oldest_supported_major("mysql")
    assert defaults["minimumMariadbVersion"] == platform_rules.oldest_supported_major("mariadb")
    assert defaults["minimumAuroraPostgresMajor"] == int(platform_rules.oldest_supported_major("aurora-postgresql"))
    assert defaults["minimumAuroraMysqlVersion"] == platform_rules.oldest_supported_major("aurora-mysql")


def test_a_backup_plan_is_judged_by_aws_configs_rule_in_portable_and_by_the_house_rules_otherwise():
    """backup-plan-min-frequency-and-min-retention-check: one rule keeping 35 days passes; the house wants every
    rule at 35 days and a rule at 365."""
    plan = {
        "name": "shop",
        "rules": [
            {
                "ruleName": "daily",
                "lifecycle": {"deleteAfter": 35},
                "targetVaultName": "v",
                "schedule": "cron(0 3 * * ? *)",
            },
            {
                "ruleName": "hourly",
                "lifecycle": {"deleteAfter": 2},
                "targetVaultName": "v",
                "schedule": "cron(0 * * * ? *)",
            },
        ],
    }
    assert run_resource_policy("backup-plan-retention", T.BACKUP_PLAN, plan, portable("backup-plan-retention")) == []
    house = run_resource_policy("backup-plan-retention", T.BACKUP_PLAN, plan)
    assert any("hourly" in m for m in house) and any("365 days" in m for m in house)
    short = {**plan, "rules": [{**plan["rules"][0], "lifecycle": {"deleteAfter": 30}}]}
    assert run_resource_policy("backup-plan-retention", T.BACKUP_PLAN, short, portable("backup-plan-retention"))
