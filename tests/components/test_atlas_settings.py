"""The Atlas settings as the stack config's ``atlas`` section: defaults per environment, and every rule with a
failing case naming the key."""

from __future__ import annotations

import pytest

from infra import config as c
from platform_rules import EEA_COUNTRIES
from tests.conftest import stack_bag

AMERICAS = {"name": "Americas", "region": "US_EAST_1", "shards": 2, "backupCopyRegion": "US_WEST_2"}
EU = {"name": "EU", "region": "EU_WEST_1", "shards": 1, "backupCopyRegion": "EU_CENTRAL_1", "locations": ["EEA"]}


def load(stack: str, **atlas):
    return c.load(stack, stack_bag(stack, atlas=atlas or {}))


def problems(stack: str, **atlas) -> list[str]:
    with pytest.raises(c.ConfigError) as info:
        load(stack, **atlas)
    return info.value.problems


def test_real_stacks_have_atlas_with_environment_defaults():
    dev, prod = load("dev").atlas, load("prod").atlas
    assert (dev.cluster_type, prod.cluster_type) == ("REPLICASET", "GEOSHARDED")
    assert (dev.instance_size, prod.instance_size) == ("M10", "M30")
    assert (dev.termination_protection, prod.termination_protection) == (False, True)
    assert [(z.name, z.region, z.shards) for z in dev.zones] == [("Americas", "US_EAST_1", 1)]
    assert [(z.name, z.region, z.shards) for z in prod.zones] == [("Americas", "US_EAST_1", 2), ("EU", "EU_WEST_1", 1)]
    assert prod.zones[1].country_codes == list(EEA_COUNTRIES) and len(EEA_COUNTRIES) == 30
    assert dev.mongo_db_major_version == prod.mongo_db_major_version == "8.0"
    assert dev.backup_compliance is None and prod.backup_compliance is not None
    assert dev.alert_emails is None  # falls back to monitoring.alarmEmails in infra/stack.py


def test_default_zones_are_americas_two_and_eu_one_shards():
    from components.atlas import AtlasSettings

    zones = AtlasSettings(org_id="0" * 24, project_name="p", cluster_name="c").zones
    assert [(z.name, z.shards, z.backup_copy_region) for z in zones] == [
        ("Americas", 2, "US_WEST_2"),
        ("EU", 1, "EU_CENTRAL_1"),
    ]
    assert zones[1].country_codes == list(EEA_COUNTRIES)


def test_atlas_stays_optional():
    bag = stack_bag("prod", atlas=None)
    assert c.load("prod", bag).atlas is None


# (atlas overrides, stack, key named in the error, fragment of what is allowed / why)
BAD = [
    ({"orgId": "my-org"}, "dev", "atlas.orgId", "24 hex digits"),
    ({"clusterName": "catalog_prod"}, "dev", "atlas.clusterName", "ASCII letters, digits and hyphens"),
    ({"mongoDbMajorVersion": "6.0"}, "dev", "atlas.mongoDbMajorVersion", "one of '7.0', '8.0'"),
    ({"mongoDbMajorVersion": 8}, "dev", "atlas.mongoDbMajorVersion", "valid string"),
    ({"instanceSize": "M25"}, "dev", "atlas.instanceSize", "not an Atlas cluster tier"),
    ({"instanceSize": "m30"}, "dev", "atlas.instanceSize", "M10, M20, M30"),
    ({"clusterType": "SHARDEDISH"}, "dev", "atlas.clusterType", "GEOSHARDED"),
    ({"instanceSzie": "M30"}, "dev", "atlas.instanceSzie", "unknown key"),
    ({"diskSizeGb": 5}, "dev", "atlas.diskSizeGb", "must be 10..4096"),
    ({"electableNodes": 2}, "dev", "atlas.electableNodes", "one of 3, 5, 7"),
    ({"zones": []}, "dev", "atlas.zones", "must not be empty"),
    (
        {"zones": [{"name": "Americas", "region": "us-east-1", "shards": 1}]},
        "dev",
        "atlas.zones.0.region",
        "Atlas spells it 'US_EAST_1'",
    ),
    (
        {"zones": [{"name": "Americas", "region": "MARS_1", "shards": 1}]},
        "dev",
        "atlas.zones.0.region",
        "not an Atlas AWS region",
    ),
    (
        {"zones": [{"name": "Americas", "region": "US_EAST_1", "shards": 0}]},
        "dev",
        "atlas.zones.0.shards",
        "must be 1..70",
    ),
    (
        {"zones": [{"name": "Americas", "region": "US_EAST_1", "shards": 2}]},
        "dev",
        "atlas.zones.0.shards",
        "REPLICASET has exactly 1 shard",
    ),
    (
        {
            "zones": [
                {"name": "A", "region": "US_EAST_1", "shards": 1},
                {"name": "B", "region": "US_WEST_2", "shards": 1},
            ]
        },
        "dev",
        "atlas.zones",
        "exactly one zone",
    ),
    ({"zones": [AMERICAS, {**EU, "name": "Americas"}]}, "prod", "atlas.zones", "unique (repeated: ['Americas'])"),
    ({"zones": [AMERICAS, {**EU, "region": "US_EAST_1"}]}, "prod", "atlas.zones", "its own region"),
    ({"zones": [AMERICAS, {**EU, "locations": ["Germany"]}]}, "prod", "atlas.zones.1.locations", "ISO 3166"),
    ({"zones": [{**AMERICAS, "locations": ["DE"]}, EU]}, "prod", "atlas.zones", "EU data residency"),
    ({"zones": [{**AMERICAS, "locations": ["DE"]}, EU]}, "prod", "atlas.zones", "mapped to both"),
    ({"zones": [AMERICAS, {**EU, "backupCopyRegion": "US_EAST_2"}]}, "prod", "backupCopyRegion", "outside the EU"),
    ({"zones": [{**AMERICAS, "backupCopyRegion": "US_EAST_1"}, EU]}, "prod", "backupCopyRegion", "must differ"),
    (
        {"zones": [{"name": "Americas", "region": "US_EAST_1", "shards": 1, "locations": ["US"]}]},
        "dev",
        "atlas.zones",
        "locations (zone mappings) exist only on GEOSHARDED",
    ),
    (
        {"instanceSize": "M20", "autoScaling": {"computeMinInstanceSize": "M20"}},
        "prod",
        "atlas.instanceSize",
        "need M30 or larger",
    ),
    (
        {"autoScaling": {"computeMinInstanceSize": "M20"}},
        "prod",
        "atlas.autoScaling.computeMinInstanceSize",
        "below M30",
    ),
    (
        {"autoScaling": {"computeMinInstanceSize": "M40"}},
        "prod",
        "atlas.autoScaling.computeMinInstanceSize",
        "does not bracket",
    ),
    (
        {"autoScaling": {"computeMaxInstanceSize": "M20"}},
        "prod",
        "atlas.autoScaling.computeMaxInstanceSize",
        "does not bracket",
    ),
    (
        {"autoScaling": {"computeMaxInstanceSize": "R60"}},
        "prod",
        "atlas.autoScaling.computeMaxInstanceSize",
        "same tier class",
    ),
    (
        {"autoScaling": {"computeMaxInstanceSize": None}},
        "prod",
        "atlas.autoScaling.computeMaxInstanceSize",
        "required when computeEnabled",
    ),
    (
        {"autoScaling": {"computeMaxInstanceSize": "M1000"}},
        "prod",
        "atlas.autoScaling.computeMaxInstanceSize",
        "not an Atlas cluster tier",
    ),
    (
        {
            "instanceSize": "M40_NVME",
            "autoScaling": {"computeEnabled": False, "computeScaleDownEnabled": False, "diskEnabled": True},
        },
        "dev",
        "atlas.autoScaling",
        "NVMe",
    ),
    (
        {"ipAccessList": [{"cidr": "0.0.0.0/0", "comment": "anyone"}]},
        "dev",
        "atlas.ipAccessList.0.cidr",
        "whole internet",
    ),
    ({"ipAccessList": [{"cidr": "::/0", "comment": "anyone"}]}, "dev", "atlas.ipAccessList.0.cidr", "whole internet"),
    (
        {"ipAccessList": [{"cidr": "10.0.0.0/8", "comment": "corp"}]},
        "dev",
        "atlas.ipAccessList.0.cidr",
        "wider than /16",
    ),
    (
        {"ipAccessList": [{"cidr": "198.50.0.0/15", "comment": "corp"}]},
        "dev",
        "atlas.ipAccessList.0.cidr",
        "wider than /16",
    ),
    (
        {"ipAccessList": [{"cidr": "2001:db8::/32", "comment": "v6"}]},
        "dev",
        "atlas.ipAccessList.0.cidr",
        "wider than /48",
    ),
    (
        {"ipAccessList": [{"cidr": "203.0.113.7/24", "comment": "host bits"}]},
        "dev",
        "atlas.ipAccessList.0.cidr",
        "host bits set",
    ),
    ({"ipAccessList": ["203.0.113.0/24"]}, "dev", "atlas.ipAccessList.0", "Input should be an object"),
    (
        {"ipAccessList": [{"cidr": "203.0.113.0/24", "comment": "a"}, {"cidr": "203.0.113.0/24", "comment": "b"}]},
        "dev",
        "atlas.ipAccessList",
        "may appear once",
    ),
    ({"backup": {"restoreWindowDays": 3}}, "dev", "atlas.backup.restoreWindowDays", "must be 7..365"),
    ({"backup": {"hourlyEveryHours": 5}}, "dev", "atlas.backup.hourlyEveryHours", "one of 1, 2, 4, 6, 8, 12"),
    (
        {"backup": {"restoreWindowDays": 14}},
        "dev",
        "atlas.backup",
        "dailyRetentionDays (7) is below restoreWindowDays (14)",
    ),
    (
        {"backup": {"weeklyRetentionWeeks": 1, "dailyRetentionDays": 30, "monthlyRetentionMonths": 12}},
        "dev",
        "atlas.backup",
        "weeklyRetentionWeeks (1) keeps weekly snapshots shorter than daily",
    ),
    ({"maintenanceWindow": {"dayOfWeek": "sunday"}}, "dev", "atlas.maintenanceWindow.dayOfWeek", "'sun'"),
    ({"maintenanceWindow": {"hourOfDay": 24}}, "dev", "atlas.maintenanceWindow.hourOfDay", "must be 0..23"),
    ({"alertEmails": ["oncall"]}, "dev", "atlas.alertEmails", "e-mail"),
    ({"auditFilter": "atype=authenticate"}, "dev", "atlas.auditFilter", "JSON audit filter"),
    ({"auditFilter": "[]"}, "dev", "atlas.auditFilter", "non-empty JSON object"),
    (
        {"backupCompliance": {"authorizedEmail": "nobody", "authorizedFirstName": "A", "authorizedLastName": "B"}},
        "prod",
        "atlas.backupCompliance.authorizedEmail",
        "e-mail",
    ),
]


@pytest.mark.parametrize("overrides, stack, key, allowed", BAD, ids=[f"{b[2]}:{b[3]}" for b in BAD])
def test_bad_value_names_the_key(overrides, stack, key, allowed):
    found = problems(stack, **overrides)
    hits = [p for p in found if key in p and allowed in p]
    assert hits, found
    assert hits[0].startswith("ecomart-data-platform:atlas"), hits[0]


PROD_RULES = [
    ({"clusterType": "SHARDED", "zones": [AMERICAS]}, "atlas.clusterType is SHARDED; prod needs GEOSHARDED"),
    ({"terminationProtection": False}, "atlas.terminationProtection is false"),
    ({"autoScaling": {"diskEnabled": False}}, "atlas.autoScaling.diskEnabled is false; prod needs true"),
    (
        {"zones": [AMERICAS, {**EU, "region": "EU_CENTRAL_1", "backupCopyRegion": "EU_WEST_1", "locations": []}]},
        "not pinned: ['AT'",
    ),
    (
        {
            "zones": [
                AMERICAS,
                {"name": "APAC", "region": "AP_SOUTHEAST_1", "shards": 1, "backupCopyRegion": "AP_SOUTHEAST_2"},
            ]
        },
        "prod needs a zone in an EU region",
    ),
    ({"zones": [AMERICAS, {k: v for k, v in EU.items() if k != "backupCopyRegion"}]}, "set backupCopyRegion on ['EU']"),
    ({"backupCompliance": None}, "atlas.backupCompliance is not set"),
]


@pytest.mark.parametrize("overrides, message", PROD_RULES, ids=[m for _, m in PROD_RULES])
def test_prod_rules(overrides, message):
    found = problems("prod", **overrides)
    assert any(message in p and "prod rules" in p for p in found), found


def test_a_zone_without_a_copy_region_copies_to_the_secondary_region_where_copies_are_required():
    """Outside the EU; an EU zone must name its (EU) copy region itself (test_prod_rules)."""
    americas = {k: v for k, v in AMERICAS.items() if k != "backupCopyRegion"}
    cfg = load("prod", zones=[americas, EU])
    assert [z.backup_copy_region for z in cfg.atlas.zones] == ["US_WEST_2", "EU_CENTRAL_1"]
    assert load("dev").atlas.zones[0].backup_copy_region is None  # dev's rules ask for no copies


def test_the_same_values_pass_in_dev_where_prod_rules_do_not_apply():
    cfg = load("dev", terminationProtection=False, zones=[{"name": "Americas", "region": "US_EAST_1", "shards": 1}])
    assert cfg.atlas.termination_protection is False and cfg.atlas.zones[0].backup_copy_region is None


def test_a_valid_sharded_dev_cluster_loads():
    cfg = load(
        "dev",
        clusterType="SHARDED",
        instanceSize="M30",
        autoScaling={"computeMinInstanceSize": "M30", "computeMaxInstanceSize": "M40"},
        zones=[{"name": "Americas", "region": "US_EAST_1", "shards": 2}],
    )
    assert cfg.atlas.cluster_type == "SHARDED" and cfg.atlas.zones[0].shards == 2


def test_narrow_ip_entries_are_accepted():
    cfg = load(
        "dev",
        ipAccessList=[
            {"cidr": "203.0.113.0/24", "comment": "vpn"},
            {"cidr": "198.51.0.0/16", "comment": "widest allowed"},
            {"cidr": "2001:db8:1::/48", "comment": "v6"},
        ],
    )
    assert [e.cidr for e in cfg.atlas.ip_access_list] == ["203.0.113.0/24", "198.51.0.0/16", "2001:db8:1::/48"]
