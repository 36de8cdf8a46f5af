"""Every stack-config rule has a failing case that names the key, the bad value and what is allowed."""

from __future__ import annotations

import json

import pytest

from infra import config as c
from platform_rules import REQUIRED_TAG_KEYS
from tests.conftest import stack_bag


def problems(stack: str, **overrides) -> list[str]:
    with pytest.raises(c.ConfigError) as info:
        c.load(stack, stack_bag(stack, **overrides))
    return info.value.problems


def only(stack: str, **overrides) -> str:
    found = problems(stack, **overrides)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_real_stacks_validate(stack):
    cfg = c.load(stack, stack_bag(stack))
    assert cfg.environment == stack
    assert set(REQUIRED_TAG_KEYS) <= set(cfg.tags)
    assert all(cfg.tags[k] for k in REQUIRED_TAG_KEYS)


def test_environment_defaults_differ():
    dev, prod = c.load("dev", stack_bag("dev")), c.load("prod", stack_bag("prod"))
    assert (dev.postgres.multi_az, prod.postgres.multi_az) == (False, True)
    assert (dev.postgres.backup_retention_days, prod.postgres.backup_retention_days) == (7, 35)
    assert (dev.postgres.read_replicas, prod.postgres.read_replicas) == (0, 2)
    assert (dev.network.az_count, prod.network.az_count) == (2, 3)
    assert (dev.redis.cluster_mode, prod.redis.cluster_mode) == (False, True)
    assert (dev.kms.deletion_window_days, prod.kms.deletion_window_days) == (7, 30)


# (overrides, key named in the error, fragment of what is allowed / why)
BAD_VALUES = [
    ({"postgres": {"backupRetentionDays": 0}}, "postgres.backupRetentionDays", "must be 1..35"),
    ({"postgres": {"backupRetentionDays": 36}}, "postgres.backupRetentionDays", "must be 1..35"),
    ({"postgres": {"readReplicas": -1}}, "postgres.readReplicas", "must be 0..5"),
    ({"postgres": {"readReplicas": 6}}, "postgres.readReplicas", "must be 0..5"),
    ({"postgres": {"instanceClass": "m5.large"}}, "postgres.instanceClass", "db.<family>.<size>"),
    ({"postgres": {"replicaInstanceClass": "cache.r7g.large"}}, "postgres.replicaInstanceClass", "db."),
    ({"postgres": {"engineVersion": "15.4"}}, "postgres.engineVersion", "one of '14', '15', '16', '17'"),
    ({"postgres": {"multiAz": "yes"}}, "postgres.multiAz", "valid boolean"),
    ({"postgres": {"allocatedStorageGb": "100"}}, "postgres.allocatedStorageGb", "valid integer"),
    ({"postgres": {"allocatedStorageGb": 10}}, "postgres.allocatedStorageGb", "must be 20..65536"),
    ({"postgres": {"maxAllocatedStorageGb": 20}}, "postgres", "(20) must exceed allocatedStorageGb (20)"),
    ({"postgres": {"backupWindow": "3am"}}, "postgres.backupWindow", "03:00-04:00"),
    ({"postgres": {"maintenanceWindow": "sunday 5am"}}, "postgres.maintenanceWindow", "sun:05:00-sun:06:00"),
    (
        {"postgres": {"performanceInsightsRetentionDays": 30}},
        "postgres.performanceInsightsRetentionDays",
        "multiple of 31",
    ),
    (
        {"postgres": {"monitoringIntervalSeconds": 0}},
        "postgres.monitoringIntervalSeconds",
        "one of 1, 5, 10, 15, 30, 60",
    ),
    ({"postgres": {"databaseName": "Ecomart-DB"}}, "postgres.databaseName", "a lowercase identifier"),
    ({"postgres": {"caCertIdentifier": "rds-ca-2019"}}, "postgres.caCertIdentifier", "rds-ca-rsa2048-g1"),
    ({"postgres": {"iops": 5000}}, "postgres", "iops (5000) can only be set with allocatedStorageGb >= 400"),
    ({"network": {"vpcCidr": "10.0.0.0/33"}}, "network.vpcCidr", "IPv4 CIDR"),
    ({"network": {"vpcCidr": "10.0.0.1/16"}}, "network.vpcCidr", "IPv4 CIDR"),
    ({"network": {"vpcCidr": "10.0.0.0/8"}}, "network.vpcCidr", "/16 and /24"),
    ({"network": {"vpcCidr": "8.8.0.0/16"}}, "network.vpcCidr", "private"),
    ({"network": {"azCount": 1}}, "network.azCount", "must be 2..6"),
    ({"network": {"flowLogRetentionDays": 10}}, "network.flowLogRetentionDays", "retention period"),
    ({"kms": {"deletionWindowDays": 3}}, "kms.deletionWindowDays", "must be 7..30"),
    ({"redis": {"nodeType": "db.r6g.large"}}, "redis.nodeType", "cache.<family>.<size>"),
    ({"redis": {"engine": "memcached"}}, "redis.engine", "'valkey' or 'redis'"),
    ({"redis": {"engineVersion": "6.2"}}, "redis.engineVersion", "IAM authentication"),
    ({"redis": {"engineVersion": "latest"}}, "redis.engineVersion", "major.minor"),
    ({"redis": {"numShards": 2}}, "redis", "numShards is 2 but clusterMode is false"),
    ({"redis": {"replicasPerShard": 0}}, "redis.replicasPerShard", "must be 1..5"),
    ({"redis": {"snapshotRetentionDays": 0}}, "redis.snapshotRetentionDays", "must be 1..35"),
    ({"monitoring": {"alarmEmails": []}}, "monitoring.alarmEmails", "must not be empty"),
    ({"monitoring": {"alarmEmails": ["oncall"]}}, "monitoring.alarmEmails", "e-mail addresses"),
    ({"monitoring": {"thresholds": {"cpuPercent": 150}}}, "monitoring.thresholds.cpuPercent", "<= 100"),
    ({"backup": {"dailyRetentionDays": 1}}, "backup.dailyRetentionDays", "must be 7..35"),
    ({"backup": {"vaultLockMinRetentionDays": 60}}, "backup", "vault lock would reject"),
    ({"owner": "data team"}, "owner", "e-mail"),
    ({"costCenter": "cost center 4100!"}, "costCenter", "2-32 letters, digits or hyphens"),
    ({"dataClassification": "secret"}, "dataClassification", "'restricted'"),
    ({"secondaryRegion": "mars-north-1"}, "secondaryRegion", "us-east-1"),
    ({"secondaryRegion": "us-east-1"}, "(stack)", "must differ"),
]


@pytest.mark.parametrize(
    "overrides,key,allowed", BAD_VALUES, ids=[b[1] + ":" + json.dumps(b[0])[:40] for b in BAD_VALUES]
)
def test_bad_value_names_key_value_and_allowed(overrides, key, allowed):
    message = only("dev", **overrides)
    assert f"{key}:" in message or message.startswith(key), message
    assert allowed in message, message
    if "(stack)" not in key:  # the bad value itself is in the message, whichever rule refused it
        bad = next(iter(overrides.values()))
        while isinstance(bad, dict):
            bad = next(iter(bad.values()))
        assert repr(bad) in message or f"({bad})" in message, message


def test_unknown_top_level_key_is_a_typo():
    bag = stack_bag("dev")
    bag["ecomart-data-platform:postgress"] = json.dumps({"multiAz": True})
    with pytest.raises(c.ConfigError) as info:
        c.load("dev", bag)
    (msg,) = info.value.problems
    assert msg.startswith("ecomart-data-platform:postgress: unknown key") and "postgres" in msg


def test_unknown_nested_key_lists_allowed_keys():
    msg = only("dev", postgres={"multiAZ": True})
    assert "postgres.multiAZ: unknown key" in msg and "multiAz" in msg


def test_unknown_environment():
    msg = only("dev", environment="qa")
    assert "environment" in msg and "'qa'" in msg and "'prod'" in msg


def test_region_required():
    bag = stack_bag("dev")
    del bag["aws:region"]
    with pytest.raises(c.ConfigError) as info:
        c.load("dev", bag)
    assert any(p.startswith("aws:region: required") for p in info.value.problems)


def test_region_must_be_known():
    bag = stack_bag("dev")
    bag["aws:region"] = "us-middle-1"
    with pytest.raises(c.ConfigError) as info:
        c.load("dev", bag)
    assert any(p.startswith("aws:region: bad value 'us-middle-1'") for p in info.value.problems)


def test_several_problems_reported_together():
    found = problems("dev", postgres={"backupRetentionDays": 99, "readReplicas": -2})
    assert len(found) == 2


PROD_RULES = [
    ({"network": {"azCount": 2}}, "network.azCount is 2; prod needs >= 3"),
    ({"postgres": {"multiAz": False}}, "postgres.multiAz is false"),
    ({"postgres": {"deletionProtection": False}}, "postgres.deletionProtection is false"),
    ({"postgres": {"backupRetentionDays": 14}}, "postgres.backupRetentionDays is 14; prod needs >= 35"),
    ({"postgres": {"readReplicas": 0}}, "postgres.readReplicas is 0"),
    ({"postgres": {"crossRegionBackupReplication": False}}, "postgres.crossRegionBackupReplication is false"),
    ({"kms": {"deletionWindowDays": 7}}, "kms.deletionWindowDays is 7; prod needs >= 30"),
    ({"redis": {"numShards": 1}}, "redis.numShards is 1; prod needs >= 2"),
    ({"redis": {"clusterMode": False, "numShards": 1}}, "prod needs cluster mode with >= 2 shards"),
    ({"redis": {"replicasPerShard": 1}}, "redis.replicasPerShard is 1; prod needs >= 2"),
    ({"backup": {"crossRegionCopy": False}}, "backup.crossRegionCopy is false"),
    ({"backup": {"vaultLock": False}}, "backup.vaultLock is false"),
]


@pytest.mark.parametrize("overrides,fragment", PROD_RULES, ids=[f for _, f in PROD_RULES])
def test_prod_rules(overrides, fragment):
    msg = only("prod", **overrides)
    assert fragment in msg, msg


def test_same_values_are_fine_in_dev():
    cfg = c.load("dev", stack_bag("dev", network={"azCount": 2}, postgres={"multiAz": False}))
    assert cfg.network.az_count == 2


def test_structured_values_arrive_as_json_text():
    """Pulumi hands structured config to the program as JSON strings: exactly what raw_from_yaml produces."""
    bag = stack_bag("prod")
    assert isinstance(bag["ecomart-data-platform:postgres"], str)
    assert json.loads(bag["ecomart-data-platform:postgres"])["instanceClass"] == "db.r6g.xlarge"


def test_raw_from_pulumi_reads_the_runtime_config(monkeypatch):
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(stack_bag("dev")))
    bag = c.raw_from_pulumi()
    assert c.load("dev", bag).environment == "dev"
