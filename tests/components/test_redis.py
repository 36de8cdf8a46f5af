"""Redis (ElastiCache): encryption, RBAC with IAM and a disabled default user, shape per stack, logs, parents."""

from __future__ import annotations

import json
import re

import pytest

from components.contract import Placement, SettingError
from components.redis import Redis, RedisLinks, RedisSettings, app_access_string, parameter_group_family
from ecomart.mocks import ACCOUNT_ID
from infra.config import ConfigError
from platform_rules import REQUIRED_TAG_KEYS
from tests.conftest import one

RG = "aws:elasticache/replicationGroup:ReplicationGroup"
USER = "aws:elasticache/user:User"
USER_GROUP = "aws:elasticache/userGroup:UserGroup"
PARAMS = "aws:elasticache/parameterGroup:ParameterGroup"
SUBNETS = "aws:elasticache/subnetGroup:SubnetGroup"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
COMPONENT = "ecomart:data:Redis"


def synth_of(stack, dev, prod):
    return {"dev": dev, "prod": prod}[stack]


def key_arn(synth, domain):
    (key,) = [
        k
        for k in synth.of_type("aws:kms/key:Key")
        if k.inputs["tags"].get("data-domain") == domain and "region" not in k.inputs
    ]
    return key.outputs["arn"]


def component(synth):
    return one(synth, COMPONENT)


def children(synth):
    return [r for r in synth.resources if r.parent == component(synth).urn]


def users(synth):
    return {u.inputs["userName"]: u for u in synth.of_type(USER)}


def params(synth):
    return {p["name"]: p["value"] for p in one(synth, PARAMS).inputs["parameters"]}


def walk(value, path=""):
    """Yield (path, key, value) for every dict entry, however deep."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield path, k, v
            yield from walk(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk(v, f"{path}[{i}]")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_replication_group_settings(stack, dev, prod):
    synth = synth_of(stack, dev, prod)
    r = synth.config.redis
    rg = one(synth, RG).inputs
    assert rg["replicationGroupId"] == f"ecomart-{stack}-cache"
    assert (rg["engine"], rg["engineVersion"], rg["nodeType"]) == ("valkey", "8.0", r.node_type)
    assert rg["port"] == 6379
    assert rg["atRestEncryptionEnabled"] is True
    assert rg["kmsKeyId"] == key_arn(synth, "cache")
    assert rg["kmsKeyId"].startswith(f"arn:aws:kms:us-east-1:{ACCOUNT_ID}:key/")
    assert rg["transitEncryptionEnabled"] is True and rg["transitEncryptionMode"] == "required"
    assert rg["automaticFailoverEnabled"] is True and rg["multiAzEnabled"] is True
    assert rg["snapshotRetentionLimit"] == r.snapshot_retention_days >= 1
    assert rg["snapshotWindow"] == r.snapshot_window
    assert rg["maintenanceWindow"] == r.maintenance_window
    assert rg["autoMinorVersionUpgrade"] is True
    assert rg["applyImmediately"] is False
    assert rg["userGroupIds"] == [one(synth, USER_GROUP).inputs["userGroupId"]]
    assert rg["parameterGroupName"] == one(synth, PARAMS).inputs["name"]
    assert rg["subnetGroupName"] == one(synth, SUBNETS).inputs["name"]
    assert "authToken" not in rg and "authTokenWo" not in rg


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_placed_in_data_subnets_behind_the_redis_security_group(stack, dev, prod):
    synth = synth_of(stack, dev, prod)
    data_subnets = {
        s.outputs["id"] for s in synth.of_type("aws:ec2/subnet:Subnet") if s.inputs["tags"]["tier"] == "data"
    }
    assert set(one(synth, SUBNETS).inputs["subnetIds"]) == data_subnets
    assert len(data_subnets) == synth.config.network.az_count
    (sg,) = [g for g in synth.of_type("aws:ec2/securityGroup:SecurityGroup") if g.inputs["tags"]["tier"] == "redis"]
    assert one(synth, RG).inputs["securityGroupIds"] == [sg.outputs["id"]]


def test_dev_is_one_primary_and_one_replica_without_cluster_mode(dev):
    rg = one(dev, RG).inputs
    assert rg["clusterMode"] == "disabled"
    assert rg["numCacheClusters"] == 2
    assert "numNodeGroups" not in rg and "replicasPerNodeGroup" not in rg
    assert params(dev)["cluster-enabled"] == "no"
    assert "finalSnapshotIdentifier" not in rg
    assert dev.outputs["redisPrimaryEndpoint"].startswith("master.ecomart-dev-cache.")
    assert dev.outputs["redisReaderEndpoint"].startswith("replica.ecomart-dev-cache.")
    assert "redisConfigurationEndpoint" not in dev.outputs


def test_prod_is_sharded_with_two_replicas_per_shard(prod):
    r = prod.config.redis
    rg = one(prod, RG).inputs
    assert rg["clusterMode"] == "enabled"
    assert rg["numNodeGroups"] == r.num_shards >= 2
    assert rg["replicasPerNodeGroup"] == r.replicas_per_shard >= 2
    assert "numCacheClusters" not in rg
    assert params(prod)["cluster-enabled"] == "yes"
    assert rg["finalSnapshotIdentifier"] == "ecomart-prod-cache-final"
    assert prod.outputs["redisConfigurationEndpoint"].startswith("clustercfg.ecomart-prod-cache.")
    assert "redisPrimaryEndpoint" not in prod.outputs


def test_dev_and_prod_differ_where_intended(dev, prod):
    d, p = one(dev, RG).inputs, one(prod, RG).inputs
    assert (d["nodeType"], p["nodeType"]) == ("cache.t4g.small", "cache.r7g.large")
    assert d["snapshotRetentionLimit"] < p["snapshotRetentionLimit"]
    logs = {
        stack: {g.inputs["retentionInDays"] for g in synth.of_type(LOG_GROUP) if "/elasticache/" in g.inputs["name"]}
        for stack, synth in (("dev", dev), ("prod", prod))
    }
    assert logs == {"dev": {90}, "prod": {365}}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_parameter_group_family_and_eviction(stack, dev, prod):
    synth = synth_of(stack, dev, prod)
    pg = one(synth, PARAMS).inputs
    assert pg["family"] == "valkey8"
    assert pg["name"] == f"ecomart-{stack}-cache-valkey8"
    values = params(synth)
    assert values["maxmemory-policy"] == "volatile-ttl"
    assert values["lazyfree-lazy-eviction"] == "yes"
    assert int(values["slowlog-log-slower-than"]) > 0


def test_redis_oss_engine_gets_its_own_family(synth_with):
    synth = synth_with("dev", redis={"engine": "redis", "engineVersion": "7.1"})
    rg = one(synth, RG).inputs
    assert (rg["engine"], rg["engineVersion"]) == ("redis", "7.1")
    assert one(synth, PARAMS).inputs["family"] == "redis7"
    assert parameter_group_family("valkey", "7.2") == "valkey7"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_rbac_default_user_is_a_disabled_replacement(stack, dev, prod):
    synth = synth_of(stack, dev, prod)
    group = one(synth, USER_GROUP).inputs
    by_name = users(synth)
    assert set(by_name) == {"default", f"ecomart-{stack}-app"}
    default = by_name["default"].inputs
    assert default["userId"] != "default", "the built-in default user must be replaced, not reused"
    assert default["accessString"] == "off"
    assert default["authenticationMode"] == {"type": "no-password-required"}
    assert set(group["userIds"]) == {u.inputs["userId"] for u in by_name.values()}
    assert "default" not in group["userIds"]
    # A "valkey" user group cannot hold a password-less user; "redis" groups serve Valkey caches too.
    assert group["engine"] == "redis" and default["engine"] == "redis"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_application_user_authenticates_with_iam_on_its_key_prefixes_only(stack, dev, prod):
    synth = synth_of(stack, dev, prod)
    app = users(synth)[f"ecomart-{stack}-app"].inputs
    assert app["authenticationMode"] == {"type": "iam"}
    assert app["userId"] == app["userName"] == app["userName"].lower()
    access = app["accessString"].split()
    assert access[0] == "on"
    patterns = [a for a in access if a.startswith("~")]
    assert patterns == [f"~{p}*" for p in synth.config.redis.app_key_prefixes]
    assert "~*" not in access and "allkeys" not in access and "+@all" not in access
    assert access.index("-@all") < access.index("+@read") and "-@dangerous" in access
    assert ("+cluster|slots" in access) is synth.config.redis.cluster_mode
    assert synth.outputs["redisAppUser"] == app["userName"]


def test_access_string_follows_configured_prefixes(synth_with):
    synth = synth_with("dev", redis={"appKeyPrefixes": ["basket:", "sess:"]})
    app = [u for u in synth.of_type(USER) if u.inputs["userName"] != "default"][0]
    assert app.inputs["accessString"] == app_access_string(["basket:", "sess:"], cluster_mode=False)
    assert "~basket:* ~sess:*" in app.inputs["accessString"] and "~cart:*" not in app.inputs["accessString"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_password_anywhere(stack, dev, prod):
    synth = synth_of(stack, dev, prod)
    forbidden = {"password", "passwords", "passwordsWo", "authToken", "authTokenWo", "noPasswordRequired"}
    for r in synth.resources:
        for path, key, value in walk(r.inputs):
            assert key not in forbidden or value in (None, [], ""), (r.urn, path, key)
    for u in synth.of_type(USER):
        assert u.inputs["authenticationMode"]["type"] in ("iam", "no-password-required")
        if u.inputs["authenticationMode"]["type"] == "no-password-required":
            assert u.inputs["accessString"].split()[0] == "off", "only a disabled user may go without a password"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_slow_and_engine_logs_go_to_encrypted_log_groups(stack, dev, prod):
    synth = synth_of(stack, dev, prod)
    groups = {g.inputs["name"]: g for g in synth.of_type(LOG_GROUP) if "/elasticache/" in g.inputs["name"]}
    deliveries = one(synth, RG).inputs["logDeliveryConfigurations"]
    assert {d["logType"] for d in deliveries} == {"slow-log", "engine-log"}
    for d in deliveries:
        assert d["destinationType"] == "cloudwatch-logs" and d["logFormat"] == "json"
        group = groups[d["destination"]]
        assert d["destination"].endswith(d["logType"])
        assert group.inputs["kmsKeyId"] == key_arn(synth, "logs")
        assert group.inputs["retentionInDays"] == synth.config.redis.log_retention_days
    assert len(groups) == 2


def test_log_delivery_policy_is_scoped_to_this_account_and_these_groups(prod):
    policy = json.loads(one(prod, "aws:cloudwatch/logResourcePolicy:LogResourcePolicy").inputs["policyDocument"])
    (stmt,) = policy["Statement"]
    assert stmt["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert stmt["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT_ID
    arns = {g.outputs["arn"] for g in prod.of_type(LOG_GROUP) if "/elasticache/" in g.inputs["name"]}
    assert set(stmt["Resource"]) == {f"{a}:log-stream:*" for a in arns}
    rg = one(prod, RG)
    log_policy = one(prod, "aws:cloudwatch/logResourcePolicy:LogResourcePolicy")
    assert log_policy.urn in rg.dependencies, "log delivery must be allowed before the group is created"


def test_connect_policy_grants_only_connect_on_this_group_as_the_app_user(prod):
    policy = json.loads(one(prod, "aws:iam/policy:Policy", "redis-connect").inputs["policy"])
    (stmt,) = policy["Statement"]
    assert stmt["Effect"] == "Allow" and stmt["Action"] == "elasticache:Connect"
    app = users(prod)["ecomart-prod-app"]
    assert set(stmt["Resource"]) == {one(prod, RG).outputs["arn"], app.outputs["arn"]}
    assert app.outputs["arn"] == f"arn:aws:elasticache:us-east-1:{ACCOUNT_ID}:user:ecomart-prod-app"
    assert prod.outputs["redisConnectPolicyArn"] == one(prod, "aws:iam/policy:Policy", "redis-connect").outputs["arn"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_child_is_parented_and_tagged(stack, dev, prod):
    synth = synth_of(stack, dev, prod)
    kids = children(synth)
    assert {k.type for k in kids} >= {
        RG,
        USER,
        USER_GROUP,
        PARAMS,
        SUBNETS,
        LOG_GROUP,
        "aws:cloudwatch/logResourcePolicy:LogResourcePolicy",
        "aws:iam/policy:Policy",
    }
    for typ in (RG, USER, USER_GROUP, PARAMS, SUBNETS):
        assert all(r.parent == component(synth).urn for r in synth.of_type(typ)), typ
    untaggable = {"aws:cloudwatch/logResourcePolicy:LogResourcePolicy"}
    for kid in kids:
        if kid.type not in untaggable:
            assert set(REQUIRED_TAG_KEYS) <= set(kid.inputs.get("tags", {})), kid.urn


def test_no_unknown_inputs_in_the_cache_tier(dev, prod):
    for synth in (dev, prod):
        redis_urns = {k.urn for k in children(synth)}
        assert [u for u in synth.unknown_inputs() if u[0] in redis_urns] == []


@pytest.mark.parametrize(
    "override,expected",
    [
        ({"engine": "redis", "engineVersion": "8.0"}, ["redis", "engineVersion 8.0", "'7.0', '7.1'"]),
        ({"engineVersion": "7.1"}, ["redis", "engineVersion 7.1", "valkey", "'8.0'"]),
        ({"engineVersion": "6.2"}, ["engineVersion 6.2"]),
        ({"appKeyPrefixes": ["cart:*"]}, ["redis.appKeyPrefixes", "cart:*"]),
        ({"appKeyPrefixes": ["cart: ~*"]}, ["redis.appKeyPrefixes"]),
        ({"appKeyPrefixes": ["cart:", "cart:"]}, ["redis.appKeyPrefixes", "duplicate"]),
        ({"appKeyPrefixes": []}, ["redis.appKeyPrefixes"]),
        ({"snapshotWindow": "06:00-07:00"}, ["snapshotWindow", "maintenanceWindow", "06:00-07:00"]),
        ({"engine": "memcached"}, ["redis.engine", "memcached"]),
    ],
)
def test_bad_redis_config_is_refused_naming_the_key(override, expected):
    from infra import config as stack_config
    from tests.conftest import stack_bag

    with pytest.raises(ConfigError) as err:
        stack_config.load("dev", stack_bag("dev", redis=override))
    text = "\n".join(err.value.problems)
    for fragment in expected:
        assert fragment in text, (fragment, text)


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        ({"cluster_mode": False, "num_shards": 2}, "num_shards is 2 but cluster_mode is false"),
        ({"replicas_per_shard": 0}, "RedisSettings.replicas_per_shard is 0: must be 1..5"),
        ({"app_key_prefixes": ()}, "RedisSettings.app_key_prefixes is (): must not be empty"),
        ({"engine": "redis", "engine_version": "8.0"}, "engine_version 8.0 is not offered for engine 'redis'"),
    ],
)
def test_bad_settings_are_refused_before_anything_is_declared(kwargs, fragment):
    with pytest.raises(SettingError, match=re.escape(fragment)):
        RedisSettings(**kwargs)


def test_a_prefix_too_long_for_elasticache_is_refused_before_anything_is_declared():
    links = RedisLinks(subnet_ids=["subnet-a"], security_group_id="sg-1", cache_kms_key_arn="k", logs_kms_key_arn="l")
    with pytest.raises(ValueError, match=re.escape("is 54 characters; ElastiCache allows 40")):
        Redis("c", RedisSettings(), links, Placement(prefix="ecomart-" + "x" * 40, region="us-east-1"))


def test_identifiers_follow_elasticache_rules(prod):
    ident = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
    for value in (
        one(prod, RG).inputs["replicationGroupId"],
        one(prod, USER_GROUP).inputs["userGroupId"],
        *(u.inputs["userId"] for u in prod.of_type(USER)),
    ):
        assert ident.match(value) and "--" not in value and not value.endswith("-"), value
