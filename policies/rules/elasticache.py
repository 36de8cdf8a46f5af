"""ElastiCache (Valkey / Redis OSS): replication groups, serverless caches and RBAC users.

Neither Pulumi's compliance-ready policies nor checkov's ElastiCache checks look at RBAC users (an enabled
``default`` user, password-less users) or at engine/slow-log delivery; these do. Carts and sessions are customer
data: the cache is held to the same encryption and access rules as the databases.
"""

from __future__ import annotations

import re

from platform_rules import DEV, PROD, policy_defaults
from policies.engine.core import (
    Report,
    Res,
    Stack,
    StackReport,
    absent,
    identity,
    is_false,
    is_set,
    is_true,
    known,
    not_true,
    num,
    resource_policy,
    show,
    stack_policy,
)
from policies.engine.facts import NO_SECRET, REQUIRED
from policies.engine.meta import CCPA_BREACH, CCPA_SEC, GDPR_BREACH, GDPR_CIA, GDPR_ENC, GDPR_RESTORE
from policies.engine.relations import log_group_problems
from policies.engine.tokens import EC_REPLICATION_GROUP, EC_SERVERLESS, EC_USER, LOG_GROUP

REQUIRED_LOGS = ("slow-log", "engine-log")
# IAM authentication and the current security fixes: Valkey >= 7.2, Redis OSS >= 7.0.
MINIMUM_ENGINE = {"valkey": (7, 2), "redis": (7, 0)}


@resource_policy(
    "elasticache-encryption-at-rest",
    types=(EC_REPLICATION_GROUP,),
    severity="critical",
    category="security",
    controls=(GDPR_ENC, "pci-3-5-1", CCPA_BREACH, "fsbp-elasticache-4"),
    description="Replication groups encrypt data at rest (nodes, snapshots, swap).",
    why="Carts and sessions identify customers; snapshots of an unencrypted cache are readable by anyone who can "
    "copy them. The API's default is off (`AtRestEncryptionEnabled`, CreateReplicationGroup).",
    remediation="Set `at_rest_encryption_enabled=True` on `aws.elasticache.ReplicationGroup`.",
    checks=("atRestEncryptionEnabled",),
)
def elasticache_encryption_at_rest(r: Res, report: Report) -> None:
    enabled = r.get("atRestEncryptionEnabled")
    if not_true(enabled):
        report(f"atRestEncryptionEnabled is {show(enabled)}: cache data and snapshots would be unencrypted")


@resource_policy(
    "elasticache-encryption-at-rest-cmk",
    house_rule=True,
    types=(EC_REPLICATION_GROUP,),
    severity="high",
    category="security",
    controls=(GDPR_ENC, "pci-3-6-1"),
    description="Replication groups encrypt data at rest with a customer-managed key, not the AWS-owned one.",
    why="A key we control can be revoked and its every use audited per data domain. FSBP ElastiCache.4 asks only "
    "for encryption (elasticache-encryption-at-rest): this is the house rule.",
    remediation="Set `kms_key_id=<cache CMK ARN>` on `aws.elasticache.ReplicationGroup`.",
    checks=("kmsKeyId",),
)
def elasticache_encryption_at_rest_cmk(r: Res, report: Report) -> None:
    if absent(r.get("kmsKeyId")):
        report("kmsKeyId is not set: data at rest would use the AWS-owned key")


@resource_policy(
    "elasticache-transit-encryption-required",
    unset={"transitEncryptionMode": "unset with transit encryption on: ElastiCache uses required"},
    types=(EC_REPLICATION_GROUP,),
    severity="critical",
    category="security",
    controls=("pci-4-2-1", GDPR_ENC, CCPA_BREACH, "fsbp-elasticache-5"),
    description="Replication groups require TLS (`transit_encryption_enabled` and mode `required`).",
    why="Without TLS, session tokens and cart contents cross the network in plaintext; mode `preferred` still "
    "accepts plaintext clients.",
    remediation='Set `transit_encryption_enabled=True` and `transit_encryption_mode="required"`.',
    checks=("transitEncryptionEnabled", "transitEncryptionMode"),
)
def elasticache_transit_encryption_required(r: Res, report: Report) -> None:
    enabled = r.get("transitEncryptionEnabled")
    if not_true(enabled):
        report(f"transitEncryptionEnabled is {show(enabled)}: clients connect in plaintext")
        return
    mode = r.get("transitEncryptionMode")
    if known(mode) and mode == "preferred":
        report("transitEncryptionMode is 'preferred': plaintext connections are still accepted")


@resource_policy(
    "elasticache-rbac-user-groups",
    unset={"authToken": NO_SECRET},
    secret_is_set=("authToken",),
    types=(EC_REPLICATION_GROUP,),
    severity="high",
    category="security",
    controls=("pci-8-2-2", "pci-7-2-2", GDPR_CIA),
    description="Replication groups authenticate clients through RBAC user groups, not a shared AUTH token.",
    why="An AUTH token is one password shared by every client with full access; RBAC gives each application its "
    "own user (IAM-authenticated here) and an ACL limited to its keys and commands.",
    remediation="Create `aws.elasticache.User`s and an `aws.elasticache.UserGroup`, set `user_group_ids=[...]` "
    "and do not set `auth_token`.",
    checks=("userGroupIds", "authToken"),
)
def elasticache_rbac_user_groups(r: Res, report: Report) -> None:
    groups = r.get("userGroupIds")
    if known(groups) and absent(groups):
        report(
            "userGroupIds is empty: the cache has no per-client users (anyone who reaches it, or who knows "
            "the AUTH token, has full access)"
        )
    if is_set(r.get("authToken")):
        report("authToken is set: a shared password grants full access; use RBAC user groups instead")


@resource_policy(
    "elasticache-automatic-failover-multi-az",
    types=(EC_REPLICATION_GROUP,),
    severity="high",
    category="resilience",
    controls=(GDPR_CIA, GDPR_RESTORE, "fsbp-elasticache-3"),
    description="Replication groups fail over automatically to a replica in another AZ.",
    why="Without automatic failover a primary failure makes every cart and session write fail until someone "
    "promotes a replica by hand.",
    remediation="Set `automatic_failover_enabled=True` and `multi_az_enabled=True` (with at least one replica).",
    checks=("automaticFailoverEnabled", "multiAzEnabled"),
)
def elasticache_automatic_failover_multi_az(r: Res, report: Report) -> None:
    for prop in ("automaticFailoverEnabled", "multiAzEnabled"):
        value = r.get(prop)
        if not_true(value):
            report(f"{prop} is {show(value)}: a primary failure is not failed over to another AZ")


@resource_policy(
    "elasticache-cluster-mode-sharded",
    house_rule=True,
    types=(EC_REPLICATION_GROUP,),
    severity="high",
    category="cost",
    controls=(GDPR_CIA, GDPR_RESTORE),
    description=f"Replication groups run cluster mode with at least `minimumShards` shards ({PROD.cache_min_shards}) "
    f"and `minimumReplicas` replicas per shard ({PROD.cache_min_replicas_per_shard}).",
    why="One shard is one engine thread and one node's memory for every cart and session; two replicas keep a "
    "replica in service while another is replaced. Dev runs this as advisory (1 primary + 1 replica).",
    remediation='Set `cluster_mode="enabled"`, `num_node_groups>=2` and `replicas_per_node_group>=2` (stack '
    "config `redis.clusterMode`, `redis.numShards`, `redis.replicasPerShard`).",
    checks=("clusterMode", "numNodeGroups", "replicasPerNodeGroup"),
    config=policy_defaults("elasticache-cluster-mode-sharded"),
    config_descriptions={
        "minimumShards": "Fewest node groups (shards).",
        "minimumReplicas": "Fewest replicas per node group.",
    },
)
def elasticache_cluster_mode_sharded(r: Res, report: Report) -> None:
    mode = r.get("clusterMode")
    if known(mode) and mode != "enabled":
        report(f"clusterMode is {show(mode)}: the cache is a single shard")
        return
    shards, replicas = r.get("numNodeGroups"), r.get("replicasPerNodeGroup")
    min_shards, min_replicas = r.setting("minimumShards"), r.setting("minimumReplicas")
    if known(shards) and (num(shards) or 0) < min_shards:
        report(f"numNodeGroups is {show(shards)}: at least {min_shards} shards required")
    if known(replicas) and (num(replicas) or 0) < min_replicas:
        report(f"replicasPerNodeGroup is {show(replicas)}: at least {min_replicas} replicas per shard required")


@resource_policy(
    "elasticache-snapshot-retention",
    types=(EC_REPLICATION_GROUP, EC_SERVERLESS),
    severity="medium",
    category="resilience",
    controls=(GDPR_RESTORE, "pci-12-10-1", "fsbp-elasticache-1"),
    description=f"Daily snapshots are kept at least `minimumDays` days (prod {PROD.cache_snapshot_retention_days}, "
    f"dev {DEV.cache_snapshot_retention_days}).",
    why="Carts are customer state: a snapshot is the only way back after a bad deploy flushes or corrupts them.",
    remediation="Set `snapshot_retention_limit` (stack config `redis.snapshotRetentionDays`) and a `snapshot_window`.",
    checks=("snapshotRetentionLimit",),
    config=policy_defaults("elasticache-snapshot-retention"),
    config_descriptions={"minimumDays": "Fewest days of snapshots kept."},
)
def elasticache_snapshot_retention(r: Res, report: Report) -> None:
    raw = r.get("snapshotRetentionLimit")
    if not known(raw):
        return
    minimum = r.setting("minimumDays")
    days = num(raw)
    if days is None or days < minimum:
        report(f"snapshotRetentionLimit is {show(raw)}: at least {minimum} days of snapshots required")


@resource_policy(
    "elasticache-log-delivery",
    house_rule=True,
    types=(EC_REPLICATION_GROUP,),
    severity="medium",
    category="security",
    controls=("pci-10-2-1", GDPR_BREACH),
    description="Slow-log and engine-log are delivered to CloudWatch Logs (or Kinesis Firehose).",
    why="Engine logs record failovers, authentication failures and configuration changes; the slow log shows "
    "commands that block the engine thread.",
    remediation="Add `log_delivery_configurations` for `slow-log` and `engine-log` with "
    '`destination_type="cloudwatch-logs"` and a KMS-encrypted log group as `destination`.',
    checks=(
        "logDeliveryConfigurations[].logType",
        "logDeliveryConfigurations[].destinationType",
        "logDeliveryConfigurations[].destination",
    ),
)
def elasticache_log_delivery(r: Res, report: Report) -> None:
    configs = r.get("logDeliveryConfigurations")
    if not known(configs):
        return
    if any(not known(c) for c in configs or []):
        return  # a delivery configuration not known yet may be the missing one
    delivered: set[str] = set()
    for i, c in enumerate(configs or []):
        if not isinstance(c, dict):
            continue
        log_type, dest_type, dest = c.get("logType"), c.get("destinationType"), c.get("destination")
        if not known(log_type):
            return  # cannot tell which log this is
        if known(dest_type) and dest_type not in ("cloudwatch-logs", "kinesis-firehose"):
            report(f"logDeliveryConfigurations[{i}].destinationType is {show(dest_type)}")
            continue
        if absent(dest):
            report(f"logDeliveryConfigurations[{i}] ({log_type}) has no destination")
            continue
        if isinstance(log_type, str):
            delivered.add(log_type)
    missing = [t for t in REQUIRED_LOGS if t not in delivered]
    if missing:
        report(f"logDeliveryConfigurations does not deliver {missing}")


@resource_policy(
    "elasticache-custom-parameter-group",
    house_rule=True,
    types=(EC_REPLICATION_GROUP,),
    severity="medium",
    category="security",
    controls=("pci-2-2-1",),
    description="Replication groups use a parameter group of their own, never `default.*`.",
    why="Eviction policy and slow-log thresholds are part of the cache's reviewed configuration; a default group "
    "cannot be changed.",
    remediation="Create an `aws.elasticache.ParameterGroup` for the engine family and set `parameter_group_name`.",
    checks=("parameterGroupName",),
)
def elasticache_custom_parameter_group(r: Res, report: Report) -> None:
    name = r.get("parameterGroupName")
    if not known(name):
        return
    if absent(name):
        report("parameterGroupName is not set: the group gets the engine's default parameter group")
    elif isinstance(name, str) and name.startswith("default."):
        report(f"parameterGroupName is {show(name)}: a default parameter group cannot be changed")


@resource_policy(
    "elasticache-auto-minor-version-upgrade",
    defaults={"autoMinorVersionUpgrade": True},
    types=(EC_REPLICATION_GROUP,),
    severity="medium",
    category="security",
    controls=("pci-6-3-3", "fsbp-elasticache-2"),
    description="Minor engine versions (security patches) are applied automatically.",
    why="Engine CVEs are fixed in minor releases; manual patching lags behind.",
    remediation="Leave `auto_minor_version_upgrade` unset or `True`.",
    checks=("autoMinorVersionUpgrade",),
)
def elasticache_auto_minor_version_upgrade(r: Res, report: Report) -> None:
    if is_false(r.get("autoMinorVersionUpgrade")):
        report("autoMinorVersionUpgrade is false: security patches wait for a manual upgrade")


@resource_policy(
    "elasticache-engine-version-supported",
    unset={"engineVersion": "unset: ElastiCache picks its current default"},
    types=(EC_REPLICATION_GROUP,),
    severity="medium",
    category="security",
    controls=("pci-6-3-3", "pci-8-3-1", "fsbp-elasticache-6"),
    description="Replication groups run Valkey >= 7.2 or Redis OSS >= 7.0 (IAM authentication, current fixes).",
    why="Older engines lack IAM authentication and receive no security fixes.",
    remediation="Set `engine_version` to Valkey 8.x (stack default) or Redis OSS 7.x.",
    checks=("engineVersion",),
)
def elasticache_engine_version_supported(r: Res, report: Report) -> None:
    engine, version = r.get("engine"), r.get("engineVersion")
    if not known(engine) or not known(version) or absent(version):
        return
    engine = engine or "redis"
    minimum = MINIMUM_ENGINE.get(engine)
    match = re.match(r"(\d+)(?:\.(\d+))?", str(version))
    if minimum is None or match is None:
        return
    actual = (int(match.group(1)), int(match.group(2) or 0))
    if actual < minimum:
        report(f"engineVersion is {show(version)}: {engine} below {minimum[0]}.{minimum[1]} is not allowed")


@resource_policy(
    "elasticache-in-subnet-group",
    types=(EC_REPLICATION_GROUP,),
    severity="high",
    category="security",
    controls=("pci-1-4-4", GDPR_CIA, "fsbp-elasticache-7"),
    description="Replication groups name a subnet group and security groups (never the default VPC/group).",
    why="Without a subnet group the cache lands in the default VPC; without security groups it gets the VPC's "
    "default group.",
    remediation="Set `subnet_group_name` to the data subnets' group and `security_group_ids` to the cache tier's "
    "security group.",
    checks=("subnetGroupName", "securityGroupIds"),
)
def elasticache_in_subnet_group(r: Res, report: Report) -> None:
    if absent(r.get("subnetGroupName")):
        report("subnetGroupName is not set: the cache would be placed in the default VPC")
    groups = r.get("securityGroupIds")
    if known(groups) and absent(groups):
        report("securityGroupIds is empty: the cache would use the VPC's default security group")


@resource_policy(
    "elasticache-serverless-cmk-rbac",
    types=(EC_SERVERLESS,),
    severity="high",
    category="security",
    controls=(GDPR_ENC, "pci-3-5-1", "pci-8-2-2"),
    description="Serverless caches use a customer-managed key and an RBAC user group.",
    why="Serverless caches are always encrypted, but with an AWS-owned key unless told otherwise, and accept the "
    "default user without a user group.",
    remediation="Set `kms_key_id=<cache CMK ARN>` and `user_group_id` on `aws.elasticache.ServerlessCache`.",
    checks=("kmsKeyId", "userGroupId"),
)
def elasticache_serverless_cmk_rbac(r: Res, report: Report) -> None:
    if absent(r.get("kmsKeyId")):
        report("kmsKeyId is not set: data at rest would use the AWS-owned key")
    if absent(r.get("userGroupId")):
        report("userGroupId is not set: the default user (full access) would serve every client")


def _acl_enabled(access_string: str) -> bool:
    """Redis ACL: the last of ``on``/``off`` wins; a user is off unless switched on."""
    state = False
    for token in access_string.split():
        if token == "on":
            state = True
        elif token == "off":
            state = False
    return state


@resource_policy(
    "elasticache-user-authenticated",
    defaults={"noPasswordRequired": False},
    unset={"accessString": REQUIRED},
    types=(EC_USER,),
    severity="critical",
    category="security",
    controls=("pci-8-3-1", "pci-8-6-2", CCPA_SEC, "fsbp-elasticache-6"),
    description="Every enabled RBAC user authenticates with IAM or a password; only a switched-off user may be "
    "password-less.",
    why="An enabled user with `no-password-required` lets anyone who reaches the endpoint act as that user.",
    remediation='Set `authentication_mode={"type": "iam"}` (preferred) or `"password"` on enabled users; '
    "a user with access string `off` may stay password-less.",
    checks=("authenticationMode.type", "noPasswordRequired", "accessString"),
)
def elasticache_user_authenticated(r: Res, report: Report) -> None:
    access = r.get("accessString")
    if not known(access) or not isinstance(access, str) or not _acl_enabled(access):
        return
    mode = r.get("authenticationMode.type")
    if is_true(r.get("noPasswordRequired")):
        report("noPasswordRequired is true on an enabled user: anyone reaching the cache can log in as it")
    if known(mode) and (mode == "no-password-required" or (absent(mode) and absent(r.get("passwords")))):
        report(f"authenticationMode.type is {show(mode)} on an enabled user: it logs in without a credential")


@resource_policy(
    "elasticache-default-user-disabled",
    unset={"accessString": REQUIRED},
    types=(EC_USER,),
    severity="critical",
    category="security",
    controls=("pci-8-2-2", "pci-7-2-2", CCPA_SEC),
    description="A user named `default` (the one every client gets before AUTH) is switched off.",
    why="ElastiCache's built-in default user may run every command on every key; the user group must carry a "
    "replacement named `default` with access string `off`.",
    remediation='Create an `aws.elasticache.User` with `user_name="default"`, a new `user_id` and '
    '`access_string="off"`, and put it in the user group instead of the built-in one.',
    checks=("accessString",),
)
def elasticache_default_user_disabled(r: Res, report: Report) -> None:
    if r.get("userName") != "default":
        return
    access = r.get("accessString")
    if known(access) and isinstance(access, str) and _acl_enabled(access):
        report(f"the default user is enabled (accessString {show(access)}): unauthenticated clients get its rights")


@resource_policy(
    "elasticache-user-least-privilege",
    unset={"accessString": REQUIRED},
    types=(EC_USER,),
    severity="medium",
    category="security",
    controls=("pci-7-2-2", GDPR_CIA),
    description="Enabled RBAC users never get every command on every key (`~* +@all`) and never @dangerous commands.",
    why="An application needs its own key prefixes and data commands; FLUSHALL, CONFIG, KEYS and DEBUG are how a "
    "compromised client wipes or exfiltrates the cache.",
    remediation="Scope `access_string` to key prefixes (`~cart:*`) and command categories, ending with `-@dangerous`.",
    checks=("accessString",),
)
def elasticache_user_least_privilege(r: Res, report: Report) -> None:
    access = r.get("accessString")
    if not known(access) or not isinstance(access, str) or not _acl_enabled(access):
        return
    tokens = access.split()
    all_keys = "~*" in tokens or "allkeys" in tokens
    all_commands = "+@all" in tokens or "allcommands" in tokens
    if all_keys and all_commands:
        report(f"accessString {show(access)} grants every command on every key")
    dangerous_allowed = "+@dangerous" in tokens or (
        all_commands and "-@dangerous" not in tokens[tokens.index("+@all" if "+@all" in tokens else "allcommands") :]
    )
    if dangerous_allowed:
        report(f"accessString {show(access)} allows @dangerous commands (FLUSHALL, CONFIG, KEYS, DEBUG)")


# === stack policies: how these resources relate to the rest of the stack =====================


@stack_policy(
    "stack-elasticache-logs-to-encrypted-groups",
    types=(EC_REPLICATION_GROUP, LOG_GROUP),
    severity="medium",
    category="security",
    controls=("pci-10-3-2", "pci-10-2-1", GDPR_BREACH),
    description="ElastiCache slow/engine logs go to log groups declared in the stack, KMS-encrypted and with "
    "retention.",
    why="A log destination that is not declared here is created by nobody (delivery fails) or by hand (no "
    "encryption, no retention).",
    remediation="Create the `aws.cloudwatch.LogGroup` (with `kms_key_id` and `retention_in_days`) and pass its "
    "name as the delivery `destination`.",
    checks={EC_REPLICATION_GROUP: ("logDeliveryConfigurations",), LOG_GROUP: ("name", "kmsKeyId")},
)
def stack_elasticache_logs_to_encrypted_groups(stack: Stack, report: StackReport) -> None:
    groups_by_name = {g.get("name"): g for g in stack.of_type(LOG_GROUP) if isinstance(g.get("name"), str)}
    for rg in stack.of_type(EC_REPLICATION_GROUP):
        configs = rg.get("logDeliveryConfigurations")
        if not known(configs):
            continue
        deps = [
            stack.by_urn[u]
            for u in rg.property_dependencies.get("logDeliveryConfigurations", [])
            if u in stack.by_urn and stack.by_urn[u].type == LOG_GROUP
        ]
        for c in configs or []:
            if not isinstance(c, dict) or c.get("destinationType") != "cloudwatch-logs":
                continue
            dest = c.get("destination")
            if not known(dest):
                continue
            group = groups_by_name.get(dest) or next((g for g in deps if g.get("name") == dest), None)
            if group is None:
                report(
                    f"{identity(rg)} delivers {c.get('logType')} to log group {show(dest)}, which this stack does "
                    "not declare",
                    rg.urn,
                )
                continue
            for problem in log_group_problems(group):
                report(f"{identity(rg)} delivers {c.get('logType')} to {show(dest)}, which is {problem}", group.urn)
