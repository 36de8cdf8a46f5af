"""Each priced dimension against a figure computed by hand from the price file (price x 730 hours, Multi-AZ
doubling, GB-months, AZ-hours, nodes, Atlas node sets); types never priced say so; unknown inputs are not priced."""

from __future__ import annotations

import pytest

from pricing import Resource, Usage, estimate, parse
from pricing.catalog import book
from pricing.estimate import HOURS, NO_CHARGE, UNKNOWN

P = book("us-east-1").prices
ATLAS = book("atlas").prices


def usd(key: str, b: dict = P) -> float:
    return b[key]["usd"]


def one(rtype: str, props: dict, name: str = "subject", **kw) -> tuple:
    est = estimate([Resource(f"urn:pulumi:s::p::{rtype}::{name}", rtype, props)], "us-east-1", **kw)
    return est, est.items[0]


def test_an_rds_instance_is_its_class_hourly_rate_times_730():
    _, item = one("aws:rds/instance:Instance", {"engine": "postgres", "instanceClass": "db.r6g.large"})
    assert item.status == "priced"
    assert item.monthly == pytest.approx(usd("rds.postgres.db.r6g.large") * 730)
    assert HOURS == 730


def test_multi_az_doubles_the_instance_and_its_storage():
    props = {
        "engine": "postgres",
        "instanceClass": "db.m6g.large",
        "allocatedStorage": 100,
        "storageType": "gp3",
    }
    _, single = one("aws:rds/instance:Instance", props)
    _, multi = one("aws:rds/instance:Instance", {**props, "multiAz": True})
    expected_single = usd("rds.postgres.db.m6g.large") * 730 + 100 * usd("rds.storage.gp3")
    assert single.monthly == pytest.approx(expected_single)
    assert multi.monthly == pytest.approx(2 * expected_single)


def test_gp3_iops_above_the_baseline_and_io1_iops_are_billed():
    base = {"engine": "postgres", "instanceClass": "db.m6g.large", "storageType": "gp3"}
    _, small = one("aws:rds/instance:Instance", {**base, "allocatedStorage": 100, "iops": 5000})
    assert small.monthly == pytest.approx(
        usd("rds.postgres.db.m6g.large") * 730 + 100 * usd("rds.storage.gp3") + 2000 * usd("rds.storage.gp3.iops")
    )
    _, big = one("aws:rds/instance:Instance", {**base, "allocatedStorage": 400, "iops": 12000})  # 12,000 included
    assert big.monthly == pytest.approx(usd("rds.postgres.db.m6g.large") * 730 + 400 * usd("rds.storage.gp3"))
    _, io1 = one("aws:rds/instance:Instance", {**base, "storageType": "io1", "allocatedStorage": 100, "iops": 3000})
    assert io1.monthly == pytest.approx(
        usd("rds.postgres.db.m6g.large") * 730 + 100 * usd("rds.storage.io1") + 3000 * usd("rds.storage.io1.iops")
    )


def test_paid_performance_insights_retention_and_the_managed_secret():
    base = {"engine": "postgres", "instanceClass": "db.r6g.xlarge"}
    _, free = one("aws:rds/instance:Instance", {**base, "performanceInsightsRetentionPeriod": 7})
    _, paid = one(
        "aws:rds/instance:Instance",
        {**base, "performanceInsightsRetentionPeriod": 731, "manageMasterUserPassword": True},
    )
    extra = 4 * 730 * usd("rds.database-insights.advanced") + usd("secretsmanager.secret")  # xlarge: 4 vCPUs
    assert paid.monthly - free.monthly == pytest.approx(extra)


def test_a_read_replica_takes_its_engine_and_storage_from_its_source():
    writer = Resource(
        "urn:pulumi:s::p::aws:rds/instance:Instance::writer",
        "aws:rds/instance:Instance",
        {"identifier": "db", "engine": "mysql", "instanceClass": "db.r6g.large", "allocatedStorage": 50},
    )
    replica = Resource(
        "urn:pulumi:s::p::aws:rds/instance:Instance::replica",
        "aws:rds/instance:Instance",
        {"replicateSourceDb": "db", "instanceClass": "db.r6g.large"},
    )
    est = estimate([writer, replica], "us-east-1")
    rep = next(i for i in est.items if i.name == "replica")
    assert rep.monthly == pytest.approx(usd("rds.mysql.db.r6g.large") * 730 + 50 * usd("rds.storage.gp2"))


def test_rds_proxy_bills_its_targets_vcpus_and_at_least_two():
    db = Resource(
        "urn:pulumi:s::p::aws:rds/instance:Instance::db",
        "aws:rds/instance:Instance",
        {"identifier": "db", "engine": "postgres", "instanceClass": "db.r6g.2xlarge"},
    )
    proxy = Resource("urn:pulumi:s::p::aws:rds/proxy:Proxy::proxy", "aws:rds/proxy:Proxy", {"name": "px"})
    target = Resource(
        "urn:pulumi:s::p::aws:rds/proxyTarget:ProxyTarget::t",
        "aws:rds/proxyTarget:ProxyTarget",
        {"dbProxyName": "px", "dbInstanceIdentifier": "db"},
    )
    est = estimate([db, proxy, target], "us-east-1")
    assert next(i for i in est.items if i.name == "proxy").monthly == pytest.approx(8 * 730 * usd("rds.proxy"))
    alone = estimate([proxy], "us-east-1")
    assert alone.items[0].monthly == pytest.approx(2 * 730 * usd("rds.proxy"))


def test_elasticache_is_shards_times_replicas_plus_one_and_valkey_20_percent_less():
    props = {"nodeType": "cache.r7g.large", "numNodeGroups": 2, "replicasPerNodeGroup": 2}
    _, redis = one("aws:elasticache/replicationGroup:ReplicationGroup", props)
    assert redis.monthly == pytest.approx(6 * 730 * usd("elasticache.redis.cache.r7g.large"))
    _, valkey = one("aws:elasticache/replicationGroup:ReplicationGroup", {**props, "engine": "valkey"})
    assert valkey.monthly == pytest.approx(0.8 * redis.monthly)
    _, single = one(
        "aws:elasticache/replicationGroup:ReplicationGroup", {"nodeType": "cache.t4g.small", "numCacheClusters": 2}
    )
    assert single.monthly == pytest.approx(2 * 730 * usd("elasticache.redis.cache.t4g.small"))


def test_an_atlas_cluster_is_its_nodes_at_the_regions_replica_set_price():
    props = {
        "replicationSpecs": [
            {
                "zoneName": "US",
                "regionConfigs": [
                    {"regionName": "US_EAST_1", "electableSpecs": {"instanceSize": "M30", "nodeCount": 3}}
                ],
            },
            {
                "zoneName": "EU",
                "regionConfigs": [
                    {
                        "regionName": "EU_WEST_1",
                        "electableSpecs": {"instanceSize": "M30", "nodeCount": 3},
                        "readOnlySpecs": {"instanceSize": "M30", "nodeCount": 1},
                    }
                ],
            },
        ]
    }
    _, item = one("mongodbatlas:index/advancedCluster:AdvancedCluster", props)
    us, eu = usd("atlas.M30.US_EAST_1", ATLAS), usd("atlas.M30.EU_WEST_1", ATLAS)
    assert item.monthly == pytest.approx(730 * us + 730 * eu * 4 / 3)


def test_an_interface_endpoint_is_billed_per_az_hour_and_a_gateway_endpoint_is_free():
    _, interface = one(
        "aws:ec2/vpcEndpoint:VpcEndpoint", {"vpcEndpointType": "Interface", "subnetIds": ["a", "b", "c"]}
    )
    assert interface.monthly == pytest.approx(3 * 730 * usd("vpce.interface"))
    _, gateway = one("aws:ec2/vpcEndpoint:VpcEndpoint", {"vpcEndpointType": "Gateway"})
    assert gateway.monthly == 0 and gateway.status == "priced"


@pytest.mark.parametrize(
    "rtype,props,key",
    [
        ("aws:kms/key:Key", {}, "kms.key"),
        ("aws:cloudwatch/metricAlarm:MetricAlarm", {"period": 300}, "cloudwatch.alarm"),
        ("aws:cloudwatch/metricAlarm:MetricAlarm", {"period": 10}, "cloudwatch.alarm.high-resolution"),
        ("aws:cloudwatch/compositeAlarm:CompositeAlarm", {}, "cloudwatch.composite-alarm"),
        ("aws:cloudwatch/dashboard:Dashboard", {}, "cloudwatch.dashboard"),
        ("aws:secretsmanager/secret:Secret", {}, "secretsmanager.secret"),
    ],
)
def test_fixed_monthly_resources(rtype, props, key):
    _, item = one(rtype, props)
    assert item.monthly == pytest.approx(usd(key))


def test_a_type_never_priced_is_reported_as_such_never_a_silent_zero():
    est, item = one("aws:opensearch/domain:Domain", {"engineVersion": "OpenSearch_2.13"})
    assert item.status == "not-priced" and "no price" in item.note
    assert est.not_priced() == [item]
    _, free = one("aws:iam/role:Role", {})
    assert free.status == "no-charge" and "aws:iam/role:Role" in NO_CHARGE


def test_a_class_missing_from_the_price_file_and_an_unknown_input_are_not_priced():
    _, missing = one("aws:rds/instance:Instance", {"engine": "postgres", "instanceClass": "db.x2g.16xlarge"})
    assert missing.status == "not-priced" and "rds.postgres.db.x2g.16xlarge" in missing.note
    _, unknown = one("aws:rds/instance:Instance", {"engine": "postgres", "instanceClass": UNKNOWN})
    assert unknown.status == "not-priced" and "instanceClass" in unknown.note


def test_components_are_not_billed_their_children_are_grouped_under_them():
    comp = Resource("urn:pulumi:s::p::ecomart:data:Postgres::postgres", "ecomart:data:Postgres", {})
    key = Resource("urn:pulumi:s::p::ecomart:data:Postgres$aws:kms/key:Key::k", "aws:kms/key:Key", {}, parent=comp.urn)
    est = estimate([comp, key], "us-east-1")
    assert [i.name for i in est.items] == ["k"]
    assert est.by_component() == {"Postgres (postgres)": pytest.approx(usd("kms.key"))}


def test_usage_based_costs_are_apart_and_multiply_the_usage_file():
    fn = Resource(
        "urn:pulumi:s::p::aws:lambda/function:Function::api",
        "aws:lambda/function:Function",
        {"name": "api", "memorySize": 1024, "architectures": ["arm64"]},
    )
    pool = Resource(
        "urn:pulumi:s::p::aws:cognito/userPool:UserPool::pool",
        "aws:cognito/userPool:UserPool",
        {"userPoolTier": "ESSENTIALS"},
    )
    usage = parse(
        {
            "lambda": {"functions": {"api": {"requests_per_month": 1_000_000, "average_duration_ms": 200}}},
            "cognito": {"monthly_active_users": 25_000},
        }
    )
    est = estimate([fn, pool], "us-east-1", usage)
    assert est.fixed == 0
    lam = next(u for u in est.usage_items if u.service == "Lambda")
    assert lam.monthly == pytest.approx(
        1_000_000 * usd("lambda.requests") + 1_000_000 * 0.2 * 1.0 * usd("lambda.arm64.gb-second")
    )
    cog = next(u for u in est.usage_items if u.service == "Cognito")
    assert cog.monthly == pytest.approx((25_000 - 10_000) * usd("cognito.essentials.mau"))
    assert est.total == pytest.approx(est.fixed + est.usage)
    assert estimate([fn], "us-east-1").usage == 0  # no usage file: 0, with the key named
    assert next(u for u in estimate([fn], "us-east-1").usage_items).key == "lambda.functions.api"


@pytest.mark.parametrize(
    "doc,fragment",
    [
        ({"lamda": {}}, "unknown section 'lamda'"),
        ({"s3": {"stored_gigs": 1}}, "unknown key s3.stored_gigs"),
        ({"s3": {"stored_gb": -1}}, "s3.stored_gb: -1 is not allowed (a number >= 0)"),
        ({"s3": {"stored_gb": "lots"}}, "s3.stored_gb: 'lots' is not allowed"),
        ({"lambda": {"functions": {"api": {"memory": 1}}}}, "unknown key lambda.functions.api.memory"),
        ([1, 2], "the top level must be a mapping"),
    ],
)
def test_a_bad_usage_file_is_one_line_naming_the_key(doc, fragment):
    from pricing import UsageError

    with pytest.raises(UsageError) as err:
        parse(doc, "u.yaml")
    assert fragment in str(err.value) and "\n" not in str(err.value)


def test_every_price_names_its_unit_and_source_and_the_file_its_date():
    for name in ("us-east-1", "us-west-2", "atlas"):
        b = book(name)
        assert b.read and len(b.read) == 10
        for key, entry in b.prices.items():
            assert entry["usd"] >= 0 and entry["per"] and entry["source"].startswith(("https://", "AWS Price List")), (
                key
            )


def test_the_stacks_resource_types_are_all_priced_or_known_free(prod, dev):
    """A type our stacks declare that pricing does not know would be 'not priced' in every report."""
    from pricing import resources_of_export
    from pricing.estimate import _PRICERS

    for synth in (prod, dev):
        est = estimate(resources_of_export(synth.export()), "us-east-1")
        assert est.not_priced() == []
        types = {i.type for i in est.items}
        assert types <= NO_CHARGE | set(_PRICERS), sorted(types - NO_CHARGE - set(_PRICERS))


def test_no_usage_is_zero_not_a_guess():
    assert Usage().get("s3", "stored_gb") == 0
