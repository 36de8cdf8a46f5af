"""Stack policies: rules about how resources relate, which no single resource can show.

Resources refer to each other by id, ARN or name in their inputs. During ``pulumi preview`` those values are still
unknown for resources not created yet, so every lookup here uses both the engine's per-property dependencies (the
URNs an input was computed from) and literal ids/ARNs/names (what a deployed stack's export holds): see
``Stack.refs``. A reference that can be neither resolved nor ruled out (unknown value, no dependency) is never a
violation.
"""

from __future__ import annotations

import fnmatch
from typing import Optional

from policies.core import (show, SRes, Stack, StackReport, absent, as_list, identity, is_false, is_true, known, num,
                           stack_policy)
from platform_rules import PROD, DATA_CLASSIFICATIONS, ENVIRONMENTS, REQUIRED_TAG_KEYS, elasticache_node_ids
from policies.meta import CCPA_SEC, GDPR_BREACH, GDPR_CIA, GDPR_RECORDS, GDPR_RESTORE, GDPR_TEST
from policies import waivers
from policies.rds import is_replica
from policies.taggable_types import TAGGABLE_TYPES
from policies.tokens import (ATLAS_CLUSTER, BACKUP_SELECTION, BACKUP_VAULT, BACKUP_VAULT_LOCK, EC_CLUSTER,
                             EC_REPLICATION_GROUP, EC_SERVERLESS, EC_SUBNET_GROUP, FLOW_LOG, KMS_ALIAS, KMS_KEY,
                             KMS_KEY_POLICY, KMS_REPLICA_KEY, LOG_GROUP, METRIC_ALARM, RDS_BACKUP_REPLICATION,
                             RDS_CLUSTER, RDS_INSTANCE, RDS_PROXY, RDS_SUBNET_GROUP, SECURITY_GROUP, SG_INGRESS_RULE,
                             SG_RULE, SUBNET, VPC)

REQUIRED_TAGS = REQUIRED_TAG_KEYS
CLASSIFICATIONS = DATA_CLASSIFICATIONS

RDS_ALARM_METRICS = ("CPUUtilization", "FreeStorageSpace", "FreeableMemory", "DatabaseConnections", "ReadLatency",
                     "WriteLatency")
RDS_REPLICA_ALARM_METRICS = RDS_ALARM_METRICS + ("ReplicaLag",)
CACHE_ALARM_METRICS = ("EngineCPUUtilization", "DatabaseMemoryUsagePercentage", "Evictions", "CurrConnections",
                       "ReplicationLag")


def _is_replica(r: SRes) -> bool:
    return r.type == RDS_INSTANCE and is_replica(r)


def _writers(stack: Stack) -> list[SRes]:
    return [r for r in stack.of_type(RDS_INSTANCE) if not _is_replica(r)]


# --- required tags ------------------------------------------------------------------------------------------------

@stack_policy(
    "stack-required-tags",
    types=tuple(sorted(TAGGABLE_TYPES)), severity="high", category="governance",
    controls=(GDPR_RECORDS, "pci-12-5-1"),
    description="Every taggable resource carries the required tags: " + ", ".join(REQUIRED_TAGS) +
                f" (environment one of {'/'.join(ENVIRONMENTS)}, data-classification one of "
                f"{'/'.join(CLASSIFICATIONS)}).",
    why="The tags are the inventory: who owns a resource, who pays, and what class of personal data it holds "
        "(GDPR records of processing, PCI DSS scope). An untagged resource is invisible to both.",
    remediation="Pass `tags=with_name(cfg.tags, name)` (components/tagging.py) to every resource that accepts "
                "`tags`.",
    checks=("tags",),
)
def stack_required_tags(stack: Stack, report: StackReport) -> None:
    for r in stack.resources:
        if r.type not in TAGGABLE_TYPES:
            continue
        tags = r.tags()
        if not known(tags):
            continue
        missing = [k for k in REQUIRED_TAGS if k not in tags or absent(tags[k])]
        if missing:
            report(f"{identity(r)} ({r.type}) lacks tags {missing}", r.urn)
            continue
        env, cls = tags.get("environment"), tags.get("data-classification")
        if known(env) and env not in ENVIRONMENTS:
            report(f"{identity(r)}: tag environment={show(env)} is not one of {ENVIRONMENTS}", r.urn)
        if known(cls) and cls not in CLASSIFICATIONS:
            report(f"{identity(r)}: tag data-classification={show(cls)} is not one of {CLASSIFICATIONS}", r.urn)


# --- alarms for every store ------------------------------------------------------------------------------------------

def _alarm_metrics(alarm: SRes) -> Optional[list[tuple[object, object]]]:
    """(metric name, dimensions) an alarm watches; None when that is unknown."""
    out: list[tuple[object, object]] = []
    metric, dims = alarm.get("metricName"), alarm.get("dimensions")
    if not known(metric) or not known(dims):
        return None
    if not absent(metric):
        out.append((metric, dims or {}))
    queries = alarm.get("metricQueries")
    if not known(queries):
        return None
    for q in queries or []:
        m = q.get("metric") if isinstance(q, dict) else None
        if not known(m):
            return None
        if isinstance(m, dict):
            if not known(m.get("metricName")) or not known(m.get("dimensions")):
                return None
            out.append((m.get("metricName"), m.get("dimensions") or {}))
    return out


def _cache_node_ids(rg: SRes) -> Optional[list[str]]:
    """ElastiCache's node ids for a replication group (<id>-001.. or <id>-0001-001..), None when unknown."""
    rg_id, mode = rg.get("replicationGroupId"), rg.get("clusterMode")
    if not known(rg_id) or not isinstance(rg_id, str) or not known(mode):
        return None
    if mode == "enabled":
        shards, replicas = num(rg.get("numNodeGroups")), num(rg.get("replicasPerNodeGroup"))
        if shards is None or replicas is None:
            return None
        return [n for n, _ in elasticache_node_ids(rg_id, True, int(shards), int(replicas))]
    clusters = num(rg.get("numCacheClusters"))
    if clusters is None:
        return None
    return [n for n, _ in elasticache_node_ids(rg_id, False, 1, int(clusters) - 1)]


@stack_policy(
    "stack-data-store-alarms",
    house_rule=True,
    types=(RDS_INSTANCE, EC_REPLICATION_GROUP, METRIC_ALARM), severity="high", category="resilience",
    controls=("pci-10-7-2", GDPR_BREACH, GDPR_TEST, GDPR_CIA),
    description="Every RDS instance has CPU, free storage, freeable memory, connections and read/write latency "
                "alarms (replicas also replica lag), every ElastiCache node has engine CPU, memory, evictions, "
                "connections and replication lag alarms, and each of these alarms notifies (alarm and OK actions).",
    why="These are the alarms the monitoring component promises; a store added without them fails silently. An "
        "alarm without actions is the same as none.",
    remediation="Pass every store to the monitoring component (`MonitoredDb` / `MonitoredCache` in "
                "components/inventory.py); alarms need `alarm_actions` and `ok_actions` set to the alarm topic.",
    checks={RDS_INSTANCE: ("identifier",), EC_REPLICATION_GROUP: ("replicationGroupId",),
            METRIC_ALARM: ("metricName", "dimensions", "alarmActions", "okActions")},
)
def stack_data_store_alarms(stack: Stack, report: StackReport) -> None:
    alarms = stack.of_type(METRIC_ALARM)
    watched: list[tuple[SRes, list[tuple[object, object]]]] = []
    blind = False  # some alarm's metric/dimensions are unknown: it might cover anything
    for a in alarms:
        metrics = _alarm_metrics(a)
        if metrics is None:
            blind = True
        else:
            watched.append((a, metrics))

    by_metric: dict[object, list[tuple[SRes, dict]]] = {}
    for a, ms in watched:
        for m, d in ms:
            if isinstance(d, dict):
                by_metric.setdefault(m, []).append((a, d))

    def covering(metric: str, match) -> list[SRes]:
        return list({a.urn: a for a, d in by_metric.get(metric, ()) if match(a, d)}.values())

    # Indexes by (metric, dimension, value) and by (metric, dimension, dependency URN): one lookup per store and
    # metric instead of a scan of every alarm (at 50,000 resources the scan was most of the whole check's time).
    by_value: dict[tuple, dict[str, SRes]] = {}
    by_dependency: dict[tuple, dict[str, SRes]] = {}
    for a, ms in watched:
        deps = a.property_dependencies.get("dimensions", []) + a.property_dependencies.get("metricQueries", [])
        for m, d in ms:
            if not isinstance(d, dict):
                continue
            for key, value in d.items():
                if isinstance(value, str):
                    by_value.setdefault((m, key, value), {})[a.urn] = a
                for u in deps:
                    by_dependency.setdefault((m, key, u), {})[a.urn] = a

    used: set[str] = set()
    for db in stack.of_type(RDS_INSTANCE):
        ident = db.get("identifier")
        if not known(ident) or absent(ident):
            ident = db.get("id")

        for metric in (RDS_REPLICA_ALARM_METRICS if _is_replica(db) else RDS_ALARM_METRICS):
            # the alarm names the instance, or its dimensions come from the instance (an unknown identifier)
            hits = dict(by_value.get((metric, "DBInstanceIdentifier", ident), {})) if isinstance(ident, str) else {}
            hits.update(by_dependency.get((metric, "DBInstanceIdentifier", db.urn), {}))
            found = list(hits.values())
            used.update(a.urn for a in found)
            if not found and not blind:
                report(f"RDS instance {identity(db)} has no {metric} alarm", db.urn)

    for rg in stack.of_type(EC_REPLICATION_GROUP):
        rg_id = rg.get("replicationGroupId")
        nodes = _cache_node_ids(rg)
        for metric in CACHE_ALARM_METRICS:
            if nodes is not None:
                for node in nodes:
                    found = list(by_value.get((metric, "CacheClusterId", node), {}).values())
                    used.update(a.urn for a in found)
                    if not found and not blind:
                        report(f"ElastiCache node {node} of {identity(rg)} has no {metric} alarm", rg.urn)
            else:
                def in_group(alarm: SRes, dims: dict, rg=rg, rg_id=rg_id) -> bool:
                    node = dims.get("CacheClusterId")
                    if isinstance(rg_id, str) and isinstance(node, str) and node.startswith(rg_id + "-"):
                        return True
                    return rg.urn in alarm.property_dependencies.get("dimensions", [])
                found = covering(metric, in_group)
                used.update(a.urn for a in found)
                if not found and not blind:
                    report(f"ElastiCache group {identity(rg)} has no {metric} alarm", rg.urn)

    for a in alarms:
        if a.urn not in used:
            continue
        if is_false(a.get("actionsEnabled")):
            report(f"alarm {identity(a)} watches a data store but has actions disabled", a.urn)
        for prop in ("alarmActions", "okActions"):
            value = a.get(prop)
            if known(value) and absent(value):
                report(f"alarm {identity(a)} watches a data store but has no {prop}", a.urn)


# --- backup coverage --------------------------------------------------------------------------------------------------

def _selection_covers(stack: Stack, selection: SRes, db: SRes) -> Optional[bool]:
    """True/False, or None when the selection's resources are unknown."""
    arn = db.get("arn")
    deps = selection.property_dependencies.get("resources", [])
    if db.urn in deps:
        covered = True
    else:
        resources = selection.get("resources")
        if not known(resources):
            return None if not deps else False
        covered = False
        for pattern in resources or []:
            if not known(pattern):
                if deps:
                    continue  # computed from the resources in ``deps``, and this store is not one of them
                return None
            if not isinstance(pattern, str):
                continue
            if isinstance(arn, str) and known(arn) and (pattern == arn or ("*" in pattern
                                                                            and fnmatch.fnmatchcase(arn, pattern))):
                covered = True
            elif pattern == "*" or ("*" in pattern and ":rds:" in pattern and ":db:" in pattern
                                    and not (isinstance(arn, str) and known(arn))):
                covered = True
        if not covered:
            tags = db.tags()
            if known(tags):
                for cond in as_list(selection.get("selectionTags")):
                    if isinstance(cond, dict) and cond.get("type") == "STRINGEQUALS" \
                            and tags.get(cond.get("key")) == cond.get("value"):
                        covered = True
    if covered and isinstance(arn, str) and known(arn):
        for pattern in as_list(selection.get("notResources")):
            if isinstance(pattern, str) and fnmatch.fnmatchcase(arn, pattern):
                return False
    return covered


@stack_policy(
    "stack-rds-backup-coverage",
    types=(RDS_INSTANCE, RDS_CLUSTER, BACKUP_SELECTION), severity="high", category="resilience",
    controls=(GDPR_RESTORE, "pci-12-10-1"),
    description="Every RDS writer instance and every RDS cluster is covered by an AWS Backup selection (by ARN, "
                "wildcard or tag).",
    why="RDS automated backups end at 35 days and die with the instance's retention; AWS Backup holds the "
        "daily/monthly recovery points (in a locked, cross-region vault in prod). A store outside every "
        "selection has none of that. (Read replicas are rebuilt from the writer, and AWS Backup does not "
        "support them.)",
    remediation="Add the store's ARN to `backup_resource_arns` in infra/stack.py (the backup component's "
                "selection `resources`).",
    checks={RDS_INSTANCE: ("arn",), RDS_CLUSTER: ("arn",), BACKUP_SELECTION: ("resources", "selectionTags")},
)
def stack_rds_backup_coverage(stack: Stack, report: StackReport) -> None:
    selections = stack.of_type(BACKUP_SELECTION)
    for db in _writers(stack) + stack.of_type(RDS_CLUSTER):
        results = [_selection_covers(stack, s, db) for s in selections]
        if any(results) or None in results:
            continue
        report(f"{identity(db)} is in no AWS Backup selection", db.urn)


# --- data subnets ---------------------------------------------------------------------------------------------------

def _check_subnet_group(stack: Stack, group: SRes, report: StackReport, seen: set[str]) -> None:
    if group.urn in seen:
        return
    seen.add(group.urn)
    _check_subnets(stack, group, "subnetIds", report)


def _check_subnets(stack: Stack, holder: SRes, prop: str, report: StackReport) -> None:
    value = holder.get(prop)
    subnets = stack.refs(holder, prop, (SUBNET,))
    for urn in sorted(subnets):
        subnet = stack.by_urn[urn]
        tags = subnet.tags()
        if not known(tags):
            continue
        tier = tags.get("tier")
        if known(tier) and tier != "data":
            report(f"{identity(holder)} uses subnet {identity(subnet)} of tier {show(tier)}, not a data subnet",
                   holder.urn)
    if not known(value):
        return
    resolved_ids = {s for urn in subnets for s in (stack.by_urn[urn].get("id"),) if isinstance(s, str)}
    literal = [v for v in as_list(value) if isinstance(v, str) and known(v)]
    unknown_entries = any(not known(v) for v in as_list(value))
    undeclared = [v for v in literal if v not in resolved_ids]
    if undeclared and not holder.property_dependencies.get(prop):
        report(f"{identity(holder)} uses subnets {undeclared} not declared in this stack: cannot show they are "
               "data subnets", holder.urn)
    if not literal and not subnets and not unknown_entries:
        report(f"{identity(holder)} names no subnets", holder.urn)


def _same_region_replica(stack: Stack, store: SRes) -> bool:
    """A read replica that inherits its source's subnet group: an RDS instance replicating a source by identifier
    (only possible within a region) or by the ARN of a source in the same region."""
    if store.type != RDS_INSTANCE or not is_replica(store):
        return False
    source = store.get("replicateSourceDb")
    if not known(source) or not isinstance(source, str):
        return False
    if not source.startswith("arn:"):
        return True
    source_region = source.split(":")[3] if source.count(":") >= 4 else ""
    own = store.get("region")
    if known(own) and isinstance(own, str) and own:
        return own == source_region
    sources = stack.refs(store, "replicateSourceDb", (RDS_INSTANCE,))
    if sources:  # a source in this stack: same region unless the replica names another one (handled above)
        src_region = stack.by_urn[next(iter(sources))].get("region")
        return not (known(src_region) and isinstance(src_region, str) and src_region and
                    src_region != source_region)
    return False


def _store_group(stack: Stack, store: SRes, prop: str, group_type: str, report: StackReport,
                 seen: set[str]) -> None:
    value = store.get(prop)
    groups = stack.refs(store, prop, (group_type,))
    if groups:
        for urn in groups:
            _check_subnet_group(stack, stack.by_urn[urn], report, seen)
        return
    if not known(value):
        return
    if absent(value) and _same_region_replica(stack, store):
        return  # RDS places a same-region read replica in its source's subnet group, which is checked there
    if absent(value):
        report(f"{identity(store)} has no {prop}: it is placed in the default VPC, outside the data subnets",
               store.urn)
    elif isinstance(value, str) and value.startswith("default"):
        report(f"{identity(store)} uses subnet group {show(value)}: the default VPC's subnets", store.urn)
    else:
        report(f"{identity(store)} uses subnet group {show(value)}, which is not declared in this stack: cannot show "
               "it holds only data subnets", store.urn)


@stack_policy(
    "stack-data-stores-in-data-subnets",
    house_rule=True,
    types=(RDS_INSTANCE, RDS_CLUSTER, RDS_SUBNET_GROUP, EC_REPLICATION_GROUP, EC_CLUSTER, EC_SERVERLESS,
           EC_SUBNET_GROUP, SUBNET),
    severity="critical", category="security",
    controls=("pci-1-4-4", "pci-1-3-1", GDPR_CIA, CCPA_SEC),
    description="Every data store (RDS instances and clusters, ElastiCache groups, clusters and serverless caches) "
                "sits in a subnet group whose subnets are all tagged `tier=data`.",
    why="The data subnets are the isolated tier: no internet route, a NACL admitting only the VPC. A store "
        "placed in an application subnet or the default VPC loses that isolation.",
    remediation="Give the store the data subnets' subnet group (`db_subnet_group_name` / `subnet_group_name`), "
                "built from `network.data_subnet_ids`.",
    checks={RDS_INSTANCE: ("dbSubnetGroupName",), RDS_CLUSTER: ("dbSubnetGroupName",),
            RDS_SUBNET_GROUP: ("subnetIds",), EC_REPLICATION_GROUP: ("subnetGroupName",),
            EC_SERVERLESS: ("subnetIds",), EC_SUBNET_GROUP: ("subnetIds",),
            SUBNET: ("tags.tier",)},
)
def stack_data_stores_in_data_subnets(stack: Stack, report: StackReport) -> None:
    seen: set[str] = set()
    for store in stack.of_type(RDS_INSTANCE, RDS_CLUSTER):
        _store_group(stack, store, "dbSubnetGroupName", RDS_SUBNET_GROUP, report, seen)
    for store in stack.of_type(EC_REPLICATION_GROUP, EC_CLUSTER):
        if store.type == EC_CLUSTER and not absent(store.get("replicationGroupId")):
            continue  # a member of a replication group: placed by the group
        _store_group(stack, store, "subnetGroupName", EC_SUBNET_GROUP, report, seen)
    for cache in stack.of_type(EC_SERVERLESS):
        _check_subnets(stack, cache, "subnetIds", report)
    for group in stack.of_type(RDS_SUBNET_GROUP, EC_SUBNET_GROUP):
        _check_subnet_group(stack, group, report, seen)


# --- every KMS key used -------------------------------------------------------------------------------------------------

_NOT_A_USE = (KMS_ALIAS, KMS_KEY_POLICY, KMS_KEY, KMS_REPLICA_KEY)


@stack_policy(
    "stack-kms-keys-in-use",
    types=(KMS_KEY, KMS_REPLICA_KEY), severity="medium", category="security",
    controls=("pci-3-6-1", GDPR_CIA),
    description="Every customer-managed key is used by at least one resource (aliases and key policies do not "
                "count).",
    why="An unused key is an unreviewed grant surface (its key policy still admits principals and services) and "
        "usually means a store was wired to the wrong key or to the AWS-managed one.",
    remediation="Wire the key into the store it was created for (`kms_key_id=kms.keys.require(domain).arn`) or stop "
                "creating it.",
    checks=("arn",),
)
def stack_kms_keys_in_use(stack: Stack, report: StackReport) -> None:
    keys = stack.of_type(KMS_KEY, KMS_REPLICA_KEY)
    if not keys:
        return
    key_types = (KMS_KEY, KMS_REPLICA_KEY)
    used: set[str] = set()
    for r in stack.resources:
        if r.type in _NOT_A_USE:
            continue
        used |= stack.all_refs(r, key_types)
    for r in stack.resources:  # a replica key is used through its own use; its primary through the replica
        if r.type == KMS_REPLICA_KEY and r.urn in used:
            used |= stack.refs(r, "primaryKeyArn", (KMS_KEY,))
    for key in keys:
        if key.urn in used:
            continue
        report(f"KMS key {identity(key)} is not used by any resource", key.urn)


# --- prod resilience ----------------------------------------------------------------------------------------------------

@stack_policy(
    "stack-prod-resilience",
    types=(RDS_INSTANCE, EC_REPLICATION_GROUP, ATLAS_CLUSTER), severity="high", category="cost",
    controls=(GDPR_CIA, GDPR_RESTORE, "pci-12-10-1"),
    description=f"Every relational writer is Multi-AZ, every ElastiCache group is Multi-AZ and sharded (>= "
                f"{PROD.cache_min_shards} shards), and every Atlas cluster is sharded (>= 2 shards) with continuous (point-in-time) "
                "backups. Enforced in prod; dev runs it as advisory.",
    why="Prod must survive an Availability Zone failure with no data loss and scale its catalog and cache "
        "horizontally; these are the settings that promise it, across all stores at once.",
    remediation="prod stack config: `postgres.multiAz: true`, `redis.clusterMode: true` with `numShards >= 2`, "
                "`atlas.clusterType: GEOSHARDED` (backups with PIT are always on).",
    checks={RDS_INSTANCE: ("multiAz",), EC_REPLICATION_GROUP: ("multiAzEnabled", "clusterMode", "numNodeGroups"),
            ATLAS_CLUSTER: ("clusterType", "replicationSpecs", "pitEnabled", "backupEnabled")},
)
def stack_prod_resilience(stack: Stack, report: StackReport) -> None:
    for db in _writers(stack):
        value = db.get("multiAz")
        if known(value) and not is_true(value):
            report(f"RDS writer {identity(db)} is not Multi-AZ", db.urn)
    for rg in stack.of_type(EC_REPLICATION_GROUP):
        multi_az, mode, shards = rg.get("multiAzEnabled"), rg.get("clusterMode"), rg.get("numNodeGroups")
        if known(multi_az) and not is_true(multi_az):
            report(f"ElastiCache group {identity(rg)} is not Multi-AZ", rg.urn)
        if known(mode) and mode != "enabled":
            report(f"ElastiCache group {identity(rg)} is not sharded (clusterMode {show(mode)})", rg.urn)
        elif known(shards) and (num(shards) or 0) < PROD.cache_min_shards:
            report(f"ElastiCache group {identity(rg)} has {shards} shard(s): at least {PROD.cache_min_shards}",
                   rg.urn)
    for cluster in stack.of_type(ATLAS_CLUSTER):
        ctype, specs = cluster.get("clusterType"), cluster.get("replicationSpecs")
        if known(ctype) and ctype not in ("SHARDED", "GEOSHARDED"):
            report(f"Atlas cluster {identity(cluster)} is not sharded (clusterType {show(ctype)})", cluster.urn)
        elif known(specs) and len(specs or []) < 2:
            report(f"Atlas cluster {identity(cluster)} has {len(specs or [])} shard(s): at least 2", cluster.urn)
        for prop in ("backupEnabled", "pitEnabled"):
            value = cluster.get(prop)
            if known(value) and not is_true(value):
                report(f"Atlas cluster {identity(cluster)} has {prop}={show(value)}: no point-in-time backups",
                       cluster.urn)


# --- flow logs ------------------------------------------------------------------------------------------------------

@stack_policy(
    "stack-vpc-flow-logs",
    types=(VPC, FLOW_LOG), severity="high", category="security",
    controls=("cis-3-9", "pci-10-2-1", GDPR_BREACH),
    description="Every VPC has a flow log capturing ALL traffic.",
    why="Flow logs are the only record of which address talked to a database; without them an exfiltration "
        "cannot be scoped.",
    remediation="Declare an `aws.ec2.FlowLog(vpc_id=vpc.id, traffic_type=\"ALL\", ...)` for every VPC (the network "
                "component does).",
    checks={VPC: ("id",), FLOW_LOG: ("vpcId", "trafficType")},
)
def stack_vpc_flow_logs(stack: Stack, report: StackReport) -> None:
    logs = stack.of_type(FLOW_LOG)
    for vpc in stack.of_type(VPC):
        covering = [f for f in logs if vpc.urn in stack.refs(f, "vpcId", (VPC,))]
        unknown = any(not known(f.get("vpcId")) and not f.property_dependencies.get("vpcId") for f in logs)
        if not covering:
            if not unknown:
                report(f"VPC {identity(vpc)} has no flow log", vpc.urn)
            continue
        traffic = [f.get("trafficType") for f in covering]
        if all(known(t) and t != "ALL" for t in traffic):
            report(f"VPC {identity(vpc)}'s flow logs capture only {sorted(set(map(str, traffic)))} traffic", vpc.urn)


# --- data-store ingress ------------------------------------------------------------------------------------------------

@stack_policy(
    "stack-data-store-ingress-from-security-groups",
    types=(RDS_INSTANCE, RDS_CLUSTER, RDS_PROXY, EC_REPLICATION_GROUP, EC_SERVERLESS, SECURITY_GROUP, SG_RULE,
           SG_INGRESS_RULE),
    severity="critical", category="security",
    controls=("pci-1-3-1", "pci-1-4-4", GDPR_CIA, CCPA_SEC),
    description="Security groups of data stores admit traffic only from other security groups, never from a CIDR "
                "or prefix list.",
    why="Tier-to-tier rules name exactly which workloads may connect; a CIDR (even a private one) admits whatever "
        "lands in that range, including the data subnets themselves.",
    remediation="Write ingress rules with `referenced_security_group_id=<app SG>` (`Network.allow`).",
    checks={RDS_INSTANCE: ("vpcSecurityGroupIds",), RDS_CLUSTER: ("vpcSecurityGroupIds",),
            RDS_PROXY: ("vpcSecurityGroupIds",), EC_REPLICATION_GROUP: ("securityGroupIds",),
            EC_SERVERLESS: ("securityGroupIds",), SECURITY_GROUP: ("ingress",),
            SG_RULE: ("securityGroupId", "cidrBlocks"),
            SG_INGRESS_RULE: ("securityGroupId", "cidrIpv4", "cidrIpv6", "prefixListId")},
)
def stack_data_store_ingress_from_security_groups(stack: Stack, report: StackReport) -> None:
    store_groups: dict[str, str] = {}
    for store in stack.of_type(RDS_INSTANCE, RDS_CLUSTER, RDS_PROXY):
        for urn in stack.refs(store, "vpcSecurityGroupIds", (SECURITY_GROUP,)):
            store_groups.setdefault(urn, identity(store))
    for store in stack.of_type(EC_REPLICATION_GROUP, EC_SERVERLESS):
        for urn in stack.refs(store, "securityGroupIds", (SECURITY_GROUP,)):
            store_groups.setdefault(urn, identity(store))
    if not store_groups:
        return
    for urn, store in store_groups.items():
        sg = stack.by_urn[urn]
        rules = sg.get("ingress")
        if known(rules):
            for i, rule in enumerate(rules or []):
                if isinstance(rule, dict) and any(not absent(rule.get(k)) for k in
                                                  ("cidrBlocks", "ipv6CidrBlocks", "prefixListIds")):
                    report(f"security group {identity(sg)} of {store}: ingress[{i}] admits a CIDR/prefix list",
                           sg.urn)
    for rule in stack.of_type(SG_INGRESS_RULE, SG_RULE):
        if rule.type == SG_RULE and rule.get("type") != "ingress":
            continue
        for urn in stack.refs(rule, "securityGroupId", (SECURITY_GROUP,)):
            if urn not in store_groups:
                continue
            sources = ("cidrIpv4", "cidrIpv6", "prefixListId") if rule.type == SG_INGRESS_RULE else \
                ("cidrBlocks", "ipv6CidrBlocks", "prefixListIds")
            cidr = [k for k in sources if not absent(rule.get(k))]
            if cidr:
                report(f"rule {identity(rule)} admits {', '.join(cidr)} into {store_groups[urn]}'s security group",
                       rule.urn)


# --- backup vault locks ----------------------------------------------------------------------------------------------

@stack_policy(
    "stack-backup-vaults-locked",
    types=(BACKUP_VAULT, BACKUP_VAULT_LOCK), severity="high", category="lifecycle",
    controls=(GDPR_RESTORE, GDPR_CIA, "pci-12-10-1"),
    description="Every backup vault (including cross-region copy vaults) has a vault lock.",
    why="Without a lock anyone with backup permissions (or an attacker holding them) can delete recovery points "
        "before their retention ends. Dev runs this as advisory: a locked vault cannot be torn down.",
    remediation="Set stack config `backup.vaultLock: true` (an `aws.backup.VaultLockConfiguration` per vault).",
    checks={BACKUP_VAULT: ("name",), BACKUP_VAULT_LOCK: ("backupVaultName",)},
)
def stack_backup_vaults_locked(stack: Stack, report: StackReport) -> None:
    locks = stack.of_type(BACKUP_VAULT_LOCK)
    unknown = any(not known(lock.get("backupVaultName")) and not lock.property_dependencies.get("backupVaultName")
                  for lock in locks)
    for vault in stack.of_type(BACKUP_VAULT):
        if any(vault.urn in stack.refs(lock, "backupVaultName", (BACKUP_VAULT,)) for lock in locks) or unknown:
            continue
        report(f"backup vault {identity(vault)} has no vault lock", vault.urn)


# --- log destinations ---------------------------------------------------------------------------------------------------

def _log_group_problems(group: SRes) -> list[str]:
    problems = []
    if absent(group.get("kmsKeyId")):
        problems.append("not KMS-encrypted")
    retention = group.get("retentionInDays")
    if known(retention) and (absent(retention) or num(retention) == 0):
        problems.append("kept forever")
    return problems


@stack_policy(
    "stack-elasticache-logs-to-encrypted-groups",
    types=(EC_REPLICATION_GROUP, LOG_GROUP), severity="medium", category="security",
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
        deps = [stack.by_urn[u] for u in rg.property_dependencies.get("logDeliveryConfigurations", [])
                if u in stack.by_urn and stack.by_urn[u].type == LOG_GROUP]
        for c in configs or []:
            if not isinstance(c, dict) or c.get("destinationType") != "cloudwatch-logs":
                continue
            dest = c.get("destination")
            if not known(dest):
                continue
            group = groups_by_name.get(dest) or next((g for g in deps if g.get("name") == dest), None)
            if group is None:
                report(f"{identity(rg)} delivers {c.get('logType')} to log group {show(dest)}, which this stack does "
                       "not declare", rg.urn)
                continue
            for problem in _log_group_problems(group):
                report(f"{identity(rg)} delivers {c.get('logType')} to {show(dest)}, which is {problem}", group.urn)


@stack_policy(
    "stack-rds-log-groups-declared",
    house_rule=True,
    types=(RDS_INSTANCE, RDS_CLUSTER, LOG_GROUP), severity="medium", category="security",
    controls=("pci-10-3-2", "pci-10-5-1", GDPR_BREACH),
    description="Every log an RDS instance or cluster exports has its log group (/aws/rds/instance/<id>/<log>) "
                "declared in the stack, KMS-encrypted and with retention.",
    why="Otherwise RDS creates the group itself on first export: unencrypted with a customer key and never "
        "expiring.",
    remediation="Create `aws.cloudwatch.LogGroup(name=f\"/aws/rds/instance/{identifier}/{log}\", kms_key_id=..., "
                "retention_in_days=...)` before the instance (components/postgres.py does).",
    checks={RDS_INSTANCE: ("identifier", "enabledCloudwatchLogsExports"),
            RDS_CLUSTER: ("clusterIdentifier", "enabledCloudwatchLogsExports"), LOG_GROUP: ("name", "kmsKeyId")},
)
def stack_rds_log_groups_declared(stack: Stack, report: StackReport) -> None:
    groups_by_name = {g.get("name"): g for g in stack.of_type(LOG_GROUP) if isinstance(g.get("name"), str)}
    for db in stack.of_type(RDS_INSTANCE, RDS_CLUSTER):
        exports = db.get("enabledCloudwatchLogsExports")
        if not known(exports) or absent(exports):
            continue
        kind, prop = ("instance", "identifier") if db.type == RDS_INSTANCE else ("cluster", "clusterIdentifier")
        ident = db.get(prop)
        if not known(ident):
            continue
        if absent(ident):
            report(f"{identity(db)} exports logs but has no {prop}: its log groups cannot be declared up front",
                   db.urn)
            continue
        for log in exports:
            if not known(log):
                continue
            name = f"/aws/rds/{kind}/{ident}/{log}"
            group = groups_by_name.get(name)
            if group is None:
                report(f"{identity(db)} exports {log} to {name}, which this stack does not declare (RDS would "
                       "create it unencrypted, never expiring)", db.urn)
                continue
            for problem in _log_group_problems(group):
                report(f"{identity(db)} exports {log} to {name}, which is {problem}", group.urn)


# --- cross-region PITR ----------------------------------------------------------------------------------------------

@stack_policy(
    "stack-rds-cross-region-backups",
    types=(RDS_INSTANCE, RDS_BACKUP_REPLICATION), severity="high", category="cost",
    controls=(GDPR_RESTORE, "pci-12-10-1"),
    description="Every RDS writer replicates its automated backups (point-in-time recovery) to another region.",
    why="A regional outage or a region-scoped incident must not take point-in-time recovery with it. Dev runs "
        "this as advisory.",
    remediation="Set stack config `postgres.crossRegionBackupReplication: true` (an "
                "`aws.rds.InstanceAutomatedBackupsReplication` per writer, encrypted in the secondary region).",
    checks={RDS_INSTANCE: ("arn",), RDS_BACKUP_REPLICATION: ("sourceDbInstanceArn",)},
)
def stack_rds_cross_region_backups(stack: Stack, report: StackReport) -> None:
    replications = stack.of_type(RDS_BACKUP_REPLICATION)
    unknown = any(not known(r.get("sourceDbInstanceArn")) and not r.property_dependencies.get("sourceDbInstanceArn")
                  for r in replications)
    for db in _writers(stack):
        if unknown or any(db.urn in stack.refs(r, "sourceDbInstanceArn", (RDS_INSTANCE,)) for r in replications):
            continue
        report(f"RDS writer {identity(db)} does not replicate its automated backups to another region", db.urn)


# --- waivers ------------------------------------------------------------------------------------------------------

@stack_policy(
    "stack-waivers-current",
    types=("pulumi:pulumi:Stack",), severity="high", category="governance",
    controls=(GDPR_RECORDS, "pci-12-5-1"),
    description="Every waiver in policies/waivers.yaml is unexpired: an expired exception is itself a finding.",
    why="A waiver is a reviewed, time-boxed exception; past its date nobody is accountable for it any more, and the "
        "finding it hides must be fixed or the waiver re-approved.",
    remediation="Fix the waived finding and delete the entry, or have the approver extend `expires` after review.",
    checks={"pulumi:pulumi:Stack": ()},
)
def stack_waivers_current(stack: Stack, report: StackReport) -> None:
    for w in waivers.current():
        if w.expired():
            report(f"{w.label()} expired: fix the finding or re-approve the waiver ({w.reason})")
