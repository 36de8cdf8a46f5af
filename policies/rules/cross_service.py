"""Cross-service stack policies: required tags on every taggable resource, prod's resilience floors across
RDS, ElastiCache and Atlas, and waivers that are still current. Each service's own stack policies sit with its
resource policies (``policies/<service>.py``); what they share is in ``policies/engine/relations.py``.
"""

from __future__ import annotations

from platform_rules import DATA_CLASSIFICATIONS, ENVIRONMENTS, PROD, REQUIRED_TAG_KEYS
from policies.engine.core import Stack, StackReport, absent, identity, known, not_true, num, show, stack_policy
from policies.engine.meta import GDPR_CIA, GDPR_RECORDS, GDPR_RESTORE
from policies.engine.relations import writers
from policies.engine.taggable_types import TAGGABLE_TYPES
from policies.engine.tokens import ATLAS_CLUSTER, EC_REPLICATION_GROUP, RDS_INSTANCE
from policies.engine.waivers import default_waivers

REQUIRED_TAGS = REQUIRED_TAG_KEYS
CLASSIFICATIONS = DATA_CLASSIFICATIONS


# --- required tags ------------------------------------------------------------------------------------------------


@stack_policy(
    "stack-required-tags",
    types=tuple(sorted(TAGGABLE_TYPES)),
    severity="high",
    category="governance",
    controls=(GDPR_RECORDS, "pci-12-5-1"),
    description="Every taggable resource carries the required tags: "
    + ", ".join(REQUIRED_TAGS)
    + f" (environment one of {'/'.join(ENVIRONMENTS)}, data-classification one of "
    f"{'/'.join(CLASSIFICATIONS)}).",
    why="The tags are the inventory: who owns a resource, who pays, and what class of personal data it holds "
    "(GDPR records of processing, PCI DSS scope). An untagged resource is invisible to both.",
    remediation="Pass `tags=with_name(cfg.tags, name)` (components/tagging.py) to every resource that accepts `tags`.",
    checks=("tags",),
    # the five keys and their allowed values are this platform's inventory scheme: on a program this repository did
    # not write they were half of all findings (135 of 282 over 15 public programs), so the portable profile leaves
    # them out
    house_rule=True,
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


# --- prod resilience --------------------------------------------------------------------------------------------------


@stack_policy(
    "stack-prod-resilience",
    types=(RDS_INSTANCE, EC_REPLICATION_GROUP, ATLAS_CLUSTER),
    severity="high",
    category="cost",
    controls=(GDPR_CIA, GDPR_RESTORE, "pci-12-10-1"),
    description=f"Every relational writer is Multi-AZ, every ElastiCache group is Multi-AZ and sharded (>= "
    f"{PROD.cache_min_shards} shards), and every Atlas cluster is sharded (>= 2 shards) with continuous "
    "(point-in-time) backups. Enforced in prod; dev runs it as advisory.",
    why="Prod must survive an Availability Zone failure with no data loss and scale its catalog and cache "
    "horizontally; these are the settings that promise it, across all stores at once.",
    remediation="prod stack config: `postgres.multiAz: true`, `redis.clusterMode: true` with `numShards >= 2`, "
    "`atlas.clusterType: GEOSHARDED` (backups with PIT are always on).",
    checks={
        RDS_INSTANCE: ("multiAz",),
        EC_REPLICATION_GROUP: ("multiAzEnabled", "clusterMode", "numNodeGroups"),
        ATLAS_CLUSTER: ("clusterType", "replicationSpecs", "pitEnabled", "backupEnabled"),
    },
    # Sharded caches and catalogs are this platform's sizing for its prod, not a public control (Multi-AZ alone is
    # rds-multi-az and elasticache-automatic-failover-multi-az): on a foreign program's dev stack it reported a
    # single-AZ test database as a prod resilience failure.
    house_rule=True,
)
def stack_prod_resilience(stack: Stack, report: StackReport) -> None:
    for db in writers(stack):
        value = db.get("multiAz")
        if not_true(value):
            report(f"RDS writer {identity(db)} is not Multi-AZ", db.urn)
    for rg in stack.of_type(EC_REPLICATION_GROUP):
        multi_az, mode, shards = rg.get("multiAzEnabled"), rg.get("clusterMode"), rg.get("numNodeGroups")
        if not_true(multi_az):
            report(f"ElastiCache group {identity(rg)} is not Multi-AZ", rg.urn)
        if known(mode) and mode != "enabled":
            report(f"ElastiCache group {identity(rg)} is not sharded (clusterMode {show(mode)})", rg.urn)
        elif known(shards) and PROD.cache_min_shards is not None and (num(shards) or 0) < PROD.cache_min_shards:
            report(f"ElastiCache group {identity(rg)} has {shards} shard(s): at least {PROD.cache_min_shards}", rg.urn)
    for cluster in stack.of_type(ATLAS_CLUSTER):
        ctype, specs = cluster.get("clusterType"), cluster.get("replicationSpecs")
        if known(ctype) and ctype not in ("SHARDED", "GEOSHARDED"):
            report(f"Atlas cluster {identity(cluster)} is not sharded (clusterType {show(ctype)})", cluster.urn)
        elif known(specs) and len(specs or []) < 2:
            report(f"Atlas cluster {identity(cluster)} has {len(specs or [])} shard(s): at least 2", cluster.urn)
        for prop in ("backupEnabled", "pitEnabled"):
            value = cluster.get(prop)
            if not_true(value):
                report(
                    f"Atlas cluster {identity(cluster)} has {prop}={show(value)}: no point-in-time backups", cluster.urn
                )


# --- waivers ------------------------------------------------------------------------------------------------------


@stack_policy(
    "stack-waivers-current",
    types=("pulumi:pulumi:Stack",),
    severity="high",
    category="governance",
    controls=(GDPR_RECORDS, "pci-12-5-1"),
    description="Every waiver in policies/waivers.yaml is unexpired: an expired exception is itself a finding.",
    why="A waiver is a reviewed, time-boxed exception; past its date nobody is accountable for it any more, and the "
    "finding it hides must be fixed or the waiver re-approved.",
    remediation="Fix the waived finding and delete the entry, or have the approver extend `expires` after review.",
    checks={"pulumi:pulumi:Stack": ()},
)
def stack_waivers_current(stack: Stack, report: StackReport) -> None:
    for w in stack.waivers if stack.waivers is not None else default_waivers():
        if w.expired():
            report(f"{w.label()} expired: fix the finding or re-approve the waiver ({w.reason})", None)
