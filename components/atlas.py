"""The product catalog's MongoDB Atlas cluster: a global (zone-sharded) cluster in prod, a replica set in dev.

Everything Atlas needs to hold restricted data lives here, in the order Atlas needs it:

1. a project in the configured organisation (default alerts on);
2. customer-managed encryption at rest: ``CloudProviderAccessSetup`` gives Atlas' AWS account and an external id,
   an IAM role trusts exactly that pair, the component's own document key (created after the role, so its one
   policy can name it: ``components.kms.domain_key`` plus a statement letting only that role
   encrypt/decrypt/describe), ``CloudProviderAccessAuthorization`` registers the role, and ``EncryptionAtRest``
   points Atlas at the key, reached over PrivateLink;
3. PrivateLink in every region the cluster has nodes in (Atlas returns private connection strings only then);
   the app VPC reaches remote regions with cross-region PrivateLink, so there is still one VPC and no peering;
4. the ``AdvancedCluster`` (one ``replication_specs`` entry per shard), created only after 2 and 3 exist;
5. the global cluster config (managed namespaces, shard keys, EU country codes pinned to the EU zone), backups
   (continuous, with snapshot copies and a Backup Compliance Policy in prod), IAM-authenticated database users,
   auditing, alerts, the maintenance window and IP access entries (only those listed in config).

Credentials: the mongodbatlas provider reads its API key pair from MONGODB_ATLAS_PUBLIC_KEY /
MONGODB_ATLAS_PRIVATE_KEY (or ``pulumi config set --secret mongodbatlas:publicKey|privateKey``); nothing in this
repository holds them. Database users authenticate with AWS IAM (MONGODB-AWS), so no password exists anywhere and
the connection strings carry no credentials: they are exported as plain outputs. See
docs/adr/0007-atlas-shard-key-and-zones.md for the shard key and zone design.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pulumi
import pulumi_aws as aws
import pulumi_mongodbatlas as atlas

from components.aws_values import EMAIL
from components.contract import Placement, SettingError, SettingErrors, arg, fail, settings
from components.kms import domain_key
from components.network import allow_tcp
from components.tagging import with_name
from platform_rules import EEA_COUNTRIES, to_atlas_region, to_aws_region

# Atlas' load balancers behind AWS PrivateLink give every node its own port in this range (Atlas docs,
# "Port Ranges Used for Private Endpoints"); 27017 alone is not enough.
PRIVATELINK_PORTS = (1024, 65535)
# All the Atlas role may do with the customer key (Atlas' documented minimum).
ATLAS_KMS_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"]
ELECTABLE_PRIORITY = 7  # the highest Atlas election priority: each zone's region holds its shards' primaries
WRITE_COMMANDS = ["insert", "update", "delete", "findAndModify"]
ADMIN_AUDIT_EVENTS = [
    "createCollection",
    "dropCollection",
    "dropDatabase",
    "renameCollection",
    "createIndex",
    "dropIndex",
    "shardCollection",
    "createUser",
    "dropUser",
    "updateUser",
    "grantRolesToUser",
    "revokeRolesFromUser",
    "createRole",
    "dropRole",
    "updateRole",
    "grantPrivilegesToRole",
    "revokePrivilegesFromRole",
]


@dataclass(frozen=True)
class ManagedNamespace:
    """A collection of the catalog database sharded by ``{location: 1, <shard_key>: 1|"hashed"}``.

    Atlas prefixes every managed namespace's shard key with ``location`` (an ISO 3166 code set by the app from
    the customer's country of residence, or the seller's marketplace for products); that prefix is what places
    a document in a zone. ``customer_owned`` collections hold personal data: their writes are audited.
    """

    collection: str = arg("Collection of the catalog database.")
    shard_key: str = arg("The field after ``location`` in the shard key (Atlas prepends ``location``).")
    hashed: bool = arg("That field is hashed in the shard key (spreads writes within a zone).")
    customer_owned: bool = arg("Holds customers' personal data: its writes are audited.")


CATALOG_NAMESPACES: tuple[ManagedNamespace, ...] = (
    # Must match the app's shard plan (app/catalog.py SHARD_KEYS); tests/components/test_atlas.py checks it.
    ManagedNamespace("products", "productId", hashed=True, customer_owned=False),
    # Review buckets hold one product's reviews by customers of one country: reviewers' personal data.
    ManagedNamespace("reviews", "productId", hashed=True, customer_owned=True),
    ManagedNamespace("customer_profiles", "customerId", hashed=True, customer_owned=True),
    ManagedNamespace("order_analytics", "customerId", hashed=True, customer_owned=True),
    ManagedNamespace("recommendations", "customerId", hashed=True, customer_owned=True),
)


WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # Atlas numbers them 1 (Sunday) .. 7 (Saturday)
# Atlas cluster tiers this platform allows: general (M), low-CPU (R) and local-NVMe tiers.
M_TIERS = ("M10", "M20", "M30", "M40", "M50", "M60", "M80", "M140", "M200", "M300", "M400", "M700")
R_TIERS = ("R40", "R50", "R60", "R80", "R200", "R300", "R400", "R700")
NVME_TIERS = ("M40_NVME", "M50_NVME", "M60_NVME", "M80_NVME", "M200_NVME", "M400_NVME")
TIERS = M_TIERS + R_TIERS + NVME_TIERS
SHARDED_MIN_TIER = 30  # Atlas: sharded and global clusters need M30 or larger.
# Atlas' names of the AWS regions (US_EAST_1 is us-east-1).
ATLAS_AWS_REGIONS = (
    "US_EAST_1",
    "US_EAST_2",
    "US_WEST_1",
    "US_WEST_2",
    "CA_CENTRAL_1",
    "CA_WEST_1",
    "SA_EAST_1",
    "MX_CENTRAL_1",
    "EU_WEST_1",
    "EU_WEST_2",
    "EU_WEST_3",
    "EU_CENTRAL_1",
    "EU_CENTRAL_2",
    "EU_NORTH_1",
    "EU_SOUTH_1",
    "EU_SOUTH_2",
    "AP_EAST_1",
    "AP_SOUTH_1",
    "AP_SOUTH_2",
    "AP_SOUTHEAST_1",
    "AP_SOUTHEAST_2",
    "AP_SOUTHEAST_3",
    "AP_SOUTHEAST_4",
    "AP_NORTHEAST_1",
    "AP_NORTHEAST_2",
    "AP_NORTHEAST_3",
    "ME_SOUTH_1",
    "ME_CENTRAL_1",
    "AF_SOUTH_1",
    "IL_CENTRAL_1",
)
HOURLY_FREQUENCIES = (1, 2, 4, 6, 8, 12)
MONGODB_MAJOR_VERSIONS = ("7.0", "8.0")
_MIN_IPV4_PREFIX, _MIN_IPV6_PREFIX = 16, 48


def is_eu_region(atlas_region: str) -> bool:
    return atlas_region.startswith("EU_")


def tier_family(tier: str) -> str:
    return "NVME" if tier.endswith("_NVME") else tier[0]


def tier_number(tier: str) -> int:
    return int(re.sub(r"\D", "", tier.removesuffix("_NVME")))


def _tier(v: str) -> str | None:
    return None if v in TIERS else f"not an Atlas cluster tier; allowed: {', '.join(TIERS)}"


def _atlas_region(v: str) -> str | None:
    if v in ATLAS_AWS_REGIONS:
        return None
    hint = f" (Atlas spells it {to_atlas_region(v)!r})" if to_atlas_region(v) in ATLAS_AWS_REGIONS else ""
    return f"not an Atlas AWS region name{hint}; allowed: {', '.join(ATLAS_AWS_REGIONS)}"


def _location(code: str) -> str | None:
    ok = code == "EEA" or re.fullmatch(r"[A-Z]{2}(-[A-Z0-9]{1,3})?", code)
    return None if ok else "must be ISO 3166 codes (e.g. 'DE', 'US-CA') or 'EEA'"


def _access_cidr(v: str) -> str | None:
    try:
        net = ipaddress.ip_network(v, strict=True)
    except ValueError as e:
        return f"must be a CIDR block such as '203.0.113.0/24' ({e})"
    if net.prefixlen == 0:
        return (
            "opens the cluster to the whole internet; list the exact networks that need access (the app tier "
            "uses PrivateLink and needs no entry)"
        )
    minimum = _MIN_IPV4_PREFIX if net.version == 4 else _MIN_IPV6_PREFIX
    if net.prefixlen < minimum:
        return f"is wider than /{minimum}; IP access list entries must be /{minimum} or narrower (IPv{net.version})"
    return None


def _audit_filter(v: str) -> str | None:
    try:
        parsed = json.loads(v)
    except json.JSONDecodeError as e:
        return f"must be a JSON audit filter document ({e})"
    return None if isinstance(parsed, dict) and parsed else "must be a non-empty JSON object (an audit filter)"


_tier.means = "an Atlas tier: M10..M700, R40..R700 or *_NVME"  # type: ignore[attr-defined]
_atlas_region.means = "an Atlas AWS region name (US_EAST_1, EU_WEST_1, ...)"  # type: ignore[attr-defined]
_location.means = "ISO 3166 codes ('DE', 'US-CA') or 'EEA'"  # type: ignore[attr-defined]
_access_cidr.means = "a CIDR no wider than /16 (IPv4) or /48 (IPv6)"  # type: ignore[attr-defined]
_audit_filter.means = "a non-empty JSON object"  # type: ignore[attr-defined]


@settings
class Zone:
    """One zone of the cluster: its shards' nodes live in ``region``; ``locations`` are pinned to it."""

    name: str = arg(
        "Atlas zone name (global clusters route by it).",
        pattern=r"[A-Za-z0-9][A-Za-z0-9 _-]{0,63}",
        means="letters, digits, spaces, _ - (at most 64)",
    )
    region: str = arg("Atlas name of the AWS region of the zone's nodes, e.g. US_EAST_1.", check=_atlas_region)
    shards: int = arg("Shards in this zone (one replication_specs entry each).", default=1, ge=1, le=70)
    backup_copy_region: str | None = arg(
        "Atlas region snapshots of this zone are copied to; None: no copy.", default=None, check=_atlas_region
    )
    locations: Sequence[str] = arg(
        "ISO 3166 codes pinned to this zone (custom zone mappings; global clusters "
        "only); 'EEA' stands for every EEA country.",
        default=(),
        check=_location,
    )

    @property
    def country_codes(self) -> list[str]:
        """``locations`` with 'EEA' expanded, in order, without duplicates."""
        out: list[str] = []
        for code in self.locations:
            for c in EEA_COUNTRIES if code == "EEA" else (code,):
                if c not in out:
                    out.append(c)
        return out


@settings
class AutoScaling:
    compute_enabled: bool = arg("Tier auto-scaling, per shard.", default=True)
    compute_scale_down_enabled: bool = arg("Allow scaling down to compute_min_instance_size.", default=True)
    compute_min_instance_size: str | None = arg(
        "Lower tier bound (same tier class; required with scale-down).", default="M30", check=_tier
    )
    compute_max_instance_size: str | None = arg(
        "Upper tier bound (same tier class; required with compute auto-scaling).", default="M60", check=_tier
    )
    disk_enabled: bool = arg("Disk auto-scaling.", default=True)


@settings
class BackupPolicy:
    """Continuous cloud backup (point in time) and the snapshot ladder; Atlas wants each rung kept longer."""

    restore_window_days: int = arg(
        "Point-in-time restore window; hourly snapshots are kept this long.", default=7, units="days", ge=7, le=365
    )
    hourly_every_hours: int = arg(
        "Hours between hourly snapshots.", default=6, units="hours", one_of=HOURLY_FREQUENCIES
    )
    daily_retention_days: int = arg("Daily snapshots kept.", default=7, units="days", ge=1, le=3650)
    weekly_retention_weeks: int = arg("Weekly snapshots kept.", default=4, units="weeks", ge=1, le=520)
    monthly_retention_months: int = arg("Monthly snapshots kept.", default=3, units="months", ge=1, le=120)
    reference_hour_of_day: int = arg("UTC hour snapshots are taken.", default=3, units="hour of day", ge=0, le=23)

    def rules(self) -> None:
        # Atlas refuses a policy whose less frequent snapshots are kept for less time than more frequent ones.
        if self.daily_retention_days < self.restore_window_days:
            fail(
                self,
                f"daily_retention_days ({self.daily_retention_days}) is below restore_window_days "
                f"({self.restore_window_days}): daily snapshots must outlive the hourly ones",
            )
        if self.weekly_retention_weeks * 7 < self.daily_retention_days:
            fail(
                self,
                f"weekly_retention_weeks ({self.weekly_retention_weeks}) keeps weekly snapshots shorter "
                f"than daily ones ({self.daily_retention_days} days)",
            )
        if self.monthly_retention_months * 31 < self.weekly_retention_weeks * 7:
            fail(
                self,
                f"monthly_retention_months ({self.monthly_retention_months}) keeps monthly snapshots "
                f"shorter than weekly ones ({self.weekly_retention_weeks} weeks)",
            )


@settings
class BackupCompliance:
    """Who may (with MongoDB support) lift the Backup Compliance Policy; Atlas requires a named person."""

    authorized_email: str = arg("E-mail of the person named in the policy.", pattern=EMAIL, means="an e-mail address")
    authorized_first_name: str = arg("First name of that person.", pattern=r".{1,64}", means="1 to 64 characters")
    authorized_last_name: str = arg("Last name of that person.", pattern=r".{1,64}", means="1 to 64 characters")


@settings
class MaintenanceWindow:
    day_of_week: str = arg("sun..sat.", default="sun", one_of=WEEKDAYS)
    hour_of_day: int = arg(
        "Start hour in the project's time zone (UTC by default).", default=8, units="hour of day", ge=0, le=23
    )
    auto_defer: bool = arg("Defer each maintenance once automatically.", default=False)

    @property
    def atlas_day(self) -> int:
        """Atlas' numbering: Sunday = 1 .. Saturday = 7."""
        return WEEKDAYS.index(self.day_of_week) + 1


@settings
class IpAccessEntry:
    cidr: str = arg(
        "A network outside the VPC that may connect (the app uses PrivateLink and needs none).", check=_access_cidr
    )
    comment: str = arg("Why it may connect (shown in Atlas).", pattern=r".{1,80}", means="1 to 80 characters")


@settings
class AlertThresholds:
    replication_lag_seconds: float = arg("Oplog replication lag.", default=60, units="seconds", gt=0)
    disk_used_percent: float = arg("Data partition used.", default=80, units="%", gt=0, lt=100)
    connections_percent: float = arg("Of the tier's connection limit.", default=80, units="%", gt=0, le=100)
    query_targeting_ratio: float = arg("Scanned objects per returned document.", default=1000, units="ratio", gt=1)


@dataclass(frozen=True)
class AlertSpec:
    slug: str
    event_type: str
    metric: str | None = None
    threshold: float | None = None
    units: str = "RAW"


def alert_specs(settings: AtlasSettings) -> list[AlertSpec]:
    """The alert configurations this project gets beyond Atlas' defaults (one resource each)."""
    t = settings.alert_thresholds
    return [
        AlertSpec(
            "replication-lag",
            "OUTSIDE_METRIC_THRESHOLD",
            "OPLOG_SLAVE_LAG_MASTER_TIME",
            t.replication_lag_seconds,
            "SECONDS",
        ),
        AlertSpec("disk-used", "OUTSIDE_METRIC_THRESHOLD", "DISK_PARTITION_SPACE_USED_DATA", t.disk_used_percent),
        AlertSpec("connections-percent", "OUTSIDE_METRIC_THRESHOLD", "CONNECTIONS_PERCENT", t.connections_percent),
        AlertSpec(
            "query-targeting",
            "OUTSIDE_METRIC_THRESHOLD",
            "QUERY_TARGETING_SCANNED_OBJECTS_PER_RETURNED",
            t.query_targeting_ratio,
        ),
        AlertSpec("primary-elected", "PRIMARY_ELECTED"),
        AlertSpec("no-primary", "NO_PRIMARY"),
        AlertSpec("snapshot-failed", "CPS_SNAPSHOT_FAILED"),
        AlertSpec("snapshot-fallback-failed", "CPS_SNAPSHOT_FALLBACK_FAILED"),
        AlertSpec("snapshot-copy-failed", "CPS_COPY_SNAPSHOT_FAILED"),
        AlertSpec("kms-config-invalid", "ENCRYPTION_AT_REST_CONFIG_NO_LONGER_VALID"),
        AlertSpec("kms-network-denied", "ENCRYPTION_AT_REST_KMS_NETWORK_ACCESS_DENIED"),
    ]


def default_audit_filter(database: str, namespaces: Sequence[ManagedNamespace]) -> str:
    """Authentication and authorization failures, writes to customer collections, DDL and user changes.

    Audit messages carry the outcome in the top-level ``result`` (0 = success); CRUD shows up as ``authCheck``
    events, which is why the Auditing resource turns ``auditAuthorizationSuccess`` on.
    """
    customer = [f"{database}.{ns.collection}" for ns in namespaces if ns.customer_owned]
    return json.dumps(
        {
            "$or": [
                {"atype": "authenticate", "result": {"$ne": 0}},
                {"atype": "authCheck", "result": {"$ne": 0}},
                {"atype": "authCheck", "param.command": {"$in": WRITE_COMMANDS}, "param.ns": {"$in": customer}},
                {"atype": {"$in": ADMIN_AUDIT_EVENTS}},
            ]
        },
        sort_keys=True,
    )


def shard_layout(settings: AtlasSettings) -> list[Zone]:
    """One entry per shard, in replication_specs order (a zone with 2 shards appears twice)."""
    return [zone for zone in settings.zones for _ in range(zone.shards)]


def replication_specs(settings: AtlasSettings) -> list[atlas.AdvancedClusterReplicationSpecArgs]:
    """The new sharding schema: one replication spec per shard, each with its own region config and scaling."""
    a = settings.auto_scaling
    specs = []
    for zone in shard_layout(settings):
        specs.append(
            atlas.AdvancedClusterReplicationSpecArgs(
                zone_name=zone.name if settings.cluster_type == "GEOSHARDED" else None,
                region_configs=[
                    atlas.AdvancedClusterReplicationSpecRegionConfigArgs(
                        provider_name="AWS",
                        region_name=zone.region,
                        priority=ELECTABLE_PRIORITY,
                        # Atlas spreads a region's electable nodes over its availability zones.
                        electable_specs=atlas.AdvancedClusterReplicationSpecRegionConfigElectableSpecsArgs(
                            instance_size=settings.instance_size,
                            node_count=settings.electable_nodes,
                            disk_size_gb=settings.disk_size_gb,
                            ebs_volume_type="STANDARD",
                        ),
                        auto_scaling=atlas.AdvancedClusterReplicationSpecRegionConfigAutoScalingArgs(
                            compute_enabled=a.compute_enabled,
                            compute_scale_down_enabled=a.compute_scale_down_enabled,
                            compute_min_instance_size=a.compute_min_instance_size
                            if a.compute_scale_down_enabled
                            else None,
                            compute_max_instance_size=a.compute_max_instance_size if a.compute_enabled else None,
                            disk_gb_enabled=a.disk_enabled,
                        ),
                    )
                ],
            )
        )
    return specs


def _private_srv(strings: Any) -> str | None:
    """The private-endpoint SRV string (the shard-optimized one for sharded clusters, when Atlas offers it)."""
    for pe in getattr(strings, "private_endpoints", None) or []:
        srv = pe.srv_shard_optimized_connection_string or pe.srv_connection_string
        if srv:
            return srv
    return None


DEFAULT_ZONES = (Zone("Americas", "US_EAST_1", 2, "US_WEST_2"), Zone("EU", "EU_WEST_1", 1, "EU_CENTRAL_1", ("EEA",)))


@settings
class AtlasSettings:
    """The stack config's ``atlas`` section; a stack without one has no Atlas."""

    org_id: str = arg(
        "Atlas organisation the project is created in (24 hex digits; an identifier, not a secret).",
        pattern=r"[0-9a-f]{24}",
        means="24 hex digits",
    )
    project_name: str = arg(
        "Atlas project created for this cluster.",
        pattern=r"[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}",
        means="letters, digits, spaces, _ . - (at most 64)",
    )
    cluster_name: str = arg(
        "Cluster name (ASCII letters, digits, hyphens: Atlas' rule).",
        pattern=r"[A-Za-z0-9][A-Za-z0-9-]{0,63}",
        means="ASCII letters, digits and hyphens (at most 64)",
    )
    zones: Sequence[Zone] = arg(
        "Zones in order; one zone for REPLICASET/SHARDED, several for GEOSHARDED. Default: "
        "Americas (2 shards) + EU (1, the EEA pinned to it).",
        factory=lambda: DEFAULT_ZONES,
        non_empty=True,
    )
    cluster_type: Literal["REPLICASET", "SHARDED", "GEOSHARDED"] = arg(
        "GEOSHARDED pins zones' countries (EU data residency).", default="GEOSHARDED"
    )
    instance_size: str = arg(
        "Atlas tier: M10..M700, R40..R700 or *_NVME (sharded clusters: >= M30).", default="M30", check=_tier
    )
    disk_size_gb: int = arg(
        "Initial disk per node (auto-scaling may grow it).", default=100, units="GB", ge=10, le=4096
    )
    electable_nodes: int = arg(
        "Electable nodes per shard in its zone's region (spread over its AZs).", default=3, one_of=(3, 5, 7)
    )
    mongo_db_major_version: str = arg(
        "Pinned major version; upgrades are a reviewed change.", default="8.0", one_of=MONGODB_MAJOR_VERSIONS
    )
    auto_scaling: AutoScaling = arg("Compute and disk auto-scaling.", factory=AutoScaling)
    termination_protection: bool = arg("Refuse cluster deletion; also keeps backups after a deletion.", default=True)
    backup: BackupPolicy = arg("Continuous backup and snapshot ladder.", factory=BackupPolicy)
    backup_compliance: BackupCompliance | None = arg(
        "Backup Compliance Policy (irreversible without MongoDB support); None: none.", default=None
    )
    kms_private_networking: bool = arg("Atlas reaches the customer key over AWS PrivateLink only.", default=True)
    key_deletion_window_days: int = arg(
        "Waiting period of the customer key's scheduled deletion.", default=30, units="days", ge=7, le=30
    )
    catalog_database: str = arg(
        "Database the users are scoped to and the namespaces live in.",
        default="catalog",
        pattern=r"[A-Za-z][A-Za-z0-9_]{0,37}",
        means="a database name (a letter, then letters, digits, _)",
    )
    ip_access_list: Sequence[IpAccessEntry] = arg("Extra networks admitted (PrivateLink needs none).", default=())
    maintenance_window: MaintenanceWindow = arg("Weekly maintenance start.", factory=MaintenanceWindow)
    alert_emails: Sequence[str] | None = arg(
        "Who Atlas alerts e-mail; None: the stack's alarm e-mails.",
        default=None,
        non_empty=True,
        pattern=EMAIL,
        means="e-mail addresses",
    )
    alert_thresholds: AlertThresholds = arg("Where the metric alerts fire.", factory=AlertThresholds)
    audit_filter: str | None = arg(
        "JSON audit filter; None: authentication/authorization failures, writes "
        "to customer collections, DDL and user changes.",
        default=None,
        check=_audit_filter,
    )
    app_user: bool = arg(
        "Create the catalog service's role (unless AtlasLinks.app_role_arn) and database user; "
        "false when the app's functions bring their own users (components/service.py does).",
        default=True,
    )

    def rules(self) -> None:
        problems = self.problems()
        if len(problems) == 1:
            raise problems[0]
        if problems:
            raise SettingErrors(problems)

    def problems(self) -> list[SettingError]:
        """What Atlas would refuse of this shape (the zones, tiers, auto-scaling bounds and access list), each
        naming the field it is about."""
        found: list[tuple[str, str]] = []

        class _P(list):
            def append(self, item: str) -> None:  # "field: message" or "field (detail): message"
                field, _, message = item.partition(": ")
                found.append(
                    (
                        field.split(" ")[0],
                        item if not message else message if " " not in field else f"{field.split(' ', 1)[1]} {message}",
                    )
                )

        p = _P()
        names = [z.name for z in self.zones]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            p.append(f"zones: zone names must be unique (repeated: {dupes})")
        regions = [z.region for z in self.zones]
        dup_regions = sorted({r for r in regions if regions.count(r) > 1})
        if dup_regions:
            p.append(f"zones: each zone needs its own region (repeated: {dup_regions})")
        cidrs = [str(ipaddress.ip_network(e.cidr)) for e in self.ip_access_list]
        if len(set(cidrs)) != len(cidrs):
            p.append(
                f"ip_access_list: each CIDR may appear once (repeated: "
                f"{sorted({c for c in cidrs if cidrs.count(c) > 1})})"
            )
        if self.cluster_type != "GEOSHARDED" and len(self.zones) != 1:
            p.append(
                f"zones: cluster_type {self.cluster_type} has exactly one zone, got {len(self.zones)}; use "
                "GEOSHARDED for several zones"
            )
        if self.cluster_type == "REPLICASET" and self.zones[0].shards != 1:
            p.append(f"zones.0.shards: {self.zones[0].shards}, but a REPLICASET has exactly 1 shard")
        if self.cluster_type != "GEOSHARDED" and any(z.locations for z in self.zones):
            p.append("zones: locations (zone mappings) exist only on GEOSHARDED (global) clusters")
        seen: dict[str, str] = {}
        for z in self.zones:
            for code in z.country_codes:
                if code in seen and seen[code] != z.name:
                    p.append(f"zones: location {code} is mapped to both {seen[code]!r} and {z.name!r}")
                seen.setdefault(code, z.name)
            eea = [c for c in z.country_codes if c in EEA_COUNTRIES]
            if eea and not is_eu_region(z.region):
                p.append(
                    f"zones ({z.name}): EEA locations {eea[:3]}... must live in an EU region, not {z.region} "
                    "(EU data residency)"
                )
            if z.backup_copy_region is not None:
                if z.backup_copy_region == z.region:
                    p.append(f"zones ({z.name}): backup_copy_region must differ from the zone's region {z.region}")
                if is_eu_region(z.region) and not is_eu_region(z.backup_copy_region):
                    p.append(
                        f"zones ({z.name}): backup_copy_region {z.backup_copy_region} is outside the EU: "
                        "snapshots of an EU zone must stay in EU regions"
                    )
        a = self.auto_scaling
        if self.instance_size in NVME_TIERS and (a.compute_enabled or a.disk_enabled):
            p.append(
                f"auto_scaling: instance_size {self.instance_size} is an NVMe tier, which Atlas cannot "
                "auto-scale (set compute_enabled and disk_enabled to false)"
            )
        sharded = self.cluster_type in ("SHARDED", "GEOSHARDED")
        if sharded and tier_number(self.instance_size) < SHARDED_MIN_TIER:
            p.append(
                f"instance_size: {self.instance_size}, but {self.cluster_type} clusters need "
                f"M{SHARDED_MIN_TIER} or larger"
            )
        if a.compute_enabled and a.compute_max_instance_size is None:
            p.append("auto_scaling.compute_max_instance_size: required when compute_enabled is true")
        if a.compute_scale_down_enabled and a.compute_min_instance_size is None:
            p.append("auto_scaling.compute_min_instance_size: required when compute_scale_down_enabled is true")
        if a.compute_scale_down_enabled and not a.compute_enabled:
            p.append("auto_scaling.compute_scale_down_enabled: needs compute_enabled true")
        for key, bound, within in (
            (
                "compute_min_instance_size",
                a.compute_min_instance_size,
                lambda b: tier_number(b) <= tier_number(self.instance_size),
            ),
            (
                "compute_max_instance_size",
                a.compute_max_instance_size,
                lambda b: tier_number(b) >= tier_number(self.instance_size),
            ),
        ):
            if bound is None:
                continue
            if tier_family(bound) != tier_family(self.instance_size):
                p.append(
                    f"auto_scaling.{key}: {bound} is not in the same tier class as instance_size "
                    f"{self.instance_size} (Atlas cannot auto-scale between M, R and NVMe tiers)"
                )
            elif not within(bound):
                p.append(f"auto_scaling.{key}: {bound} does not bracket instance_size {self.instance_size}")
            elif key == "compute_min_instance_size" and sharded and tier_number(bound) < SHARDED_MIN_TIER:
                p.append(
                    f"auto_scaling.compute_min_instance_size: {bound} is below M{SHARDED_MIN_TIER}, the "
                    f"smallest tier of a {self.cluster_type} cluster"
                )
        return [SettingError(type(self).__name__, field, None, message) for field, message in found]


@dataclass
class AtlasLinks:
    vpc_id: pulumi.Input[str] = arg("The app VPC: PrivateLink interface endpoints are created in it.")
    app_subnet_ids: Sequence[pulumi.Input[str]] = arg("Subnets of the endpoints (the app tier's).")
    app_security_group_id: pulumi.Input[str] = arg(
        "Security group of the app tier: the only source admitted to the endpoints (and given egress to them)."
    )
    alert_emails: Sequence[str] = arg(
        "Who Atlas alerts e-mail when AtlasSettings.alert_emails is None (the stack's alarm e-mails).", default=()
    )
    app_role_arn: pulumi.Input[str] | None = arg(
        "IAM role the catalog service runs as; None creates one (trusts Lambda and ECS tasks).", default=None
    )
    analytics_role_arn: pulumi.Input[str] | None = arg(
        "IAM role of read-only analytics; None creates one.", default=None
    )
    namespaces: Sequence[ManagedNamespace] = arg(
        "Sharded collections (GEOSHARDED) and the audited ones: the app's shard plan.",
        factory=lambda: CATALOG_NAMESPACES,
    )


def iam_database_user(
    resource_name: str,
    *,
    project_id: pulumi.Input[str],
    role_arn: pulumi.Input[str],
    mongo_role: str,
    database: str,
    cluster_name: pulumi.Input[str],
    who: str,
    parent: pulumi.Resource,
) -> atlas.DatabaseUser:
    """A database user that is an AWS IAM role (MONGODB-AWS, no password): one role on one database, one cluster."""
    return atlas.DatabaseUser(
        resource_name,
        atlas.DatabaseUserArgs(
            project_id=project_id,
            username=role_arn,
            auth_database_name="$external",
            aws_iam_type="ROLE",
            roles=[atlas.DatabaseUserRoleArgs(role_name=mongo_role, database_name=database)],
            scopes=[atlas.DatabaseUserScopeArgs(name=cluster_name, type="CLUSTER")],
            description=f"EcoMart {who} ({mongo_role} on {database} only)",
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )


class Atlas(pulumi.ComponentResource):
    """Atlas project + encrypted, privately reachable cluster + users, backups, auditing and alerts."""

    project_id: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    connection_string: pulumi.Output[str | None]
    private_connection_string: pulumi.Output[str | None]
    app_role_arn: pulumi.Input[str] | None
    analytics_role_arn: pulumi.Input[str]
    document_key: aws.kms.Key

    def __init__(
        self,
        name: str,
        settings: AtlasSettings,
        links: AtlasLinks,
        place: Placement,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("ecomart:data:Atlas", name, None, opts)
        if not (settings.alert_emails or links.alert_emails):
            raise ValueError("Atlas: no alert e-mails (AtlasSettings.alert_emails or AtlasLinks.alert_emails)")
        self._settings, self._links, self._place = settings, links, place
        s = settings
        self._child = pulumi.ResourceOptions(parent=self)
        self.account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        tags = place.tags

        self.project = atlas.Project(
            f"{name}-project",
            atlas.ProjectArgs(org_id=s.org_id, name=s.project_name, with_default_alerts_settings=True, tags=tags),
            opts=self._child,
        )
        self.project_id = self.project.id

        encryption_ready = self._encryption_at_rest(name)
        endpoint_services = self._private_link(name)

        self.cluster = atlas.AdvancedCluster(
            f"{name}-cluster",
            atlas.AdvancedClusterArgs(
                project_id=self.project_id,
                name=s.cluster_name,
                cluster_type=s.cluster_type,
                replication_specs=replication_specs(s),
                mongo_db_major_version=s.mongo_db_major_version,
                version_release_system="LTS",
                backup_enabled=True,
                pit_enabled=True,
                retain_backups_enabled=s.termination_protection,
                encryption_at_rest_provider="AWS",
                termination_protection_enabled=s.termination_protection,
                redact_client_log_data=True,
                advanced_configuration=atlas.AdvancedClusterAdvancedConfigurationArgs(
                    minimum_enabled_tls_protocol="TLS1_2",
                    javascript_enabled=False,
                    default_write_concern="majority",
                ),
                # Auto-scaled tiers and disk sizes are not drift: the specs keep what we asked for.
                use_effective_fields=True,
                tags=tags,
            ),
            # Atlas refuses encryption_at_rest_provider=AWS before the key is configured, and returns private
            # connection strings only once PrivateLink is available in every region of the cluster.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*encryption_ready, *endpoint_services]),
        )
        self.cluster_name = self.cluster.name

        if s.cluster_type == "GEOSHARDED":
            self._global_cluster_config(name)
        self._backups(name)
        self._database_users(name)
        self._auditing(name)
        self._alerts(name)
        atlas.MaintenanceWindow(
            f"{name}-maintenance-window",
            atlas.MaintenanceWindowArgs(
                project_id=self.project_id,
                day_of_week=s.maintenance_window.atlas_day,
                hour_of_day=s.maintenance_window.hour_of_day,
                auto_defer_once_enabled=s.maintenance_window.auto_defer,
            ),
            opts=self._child,
        )
        for entry in s.ip_access_list:
            atlas.ProjectIpAccessList(
                # named by the CIDR, so reordering the config list replaces nothing
                f"{name}-ip-access-{re.sub(r'[^0-9a-f]+', '-', entry.cidr.lower())}",
                atlas.ProjectIpAccessListArgs(project_id=self.project_id, cidr_block=entry.cidr, comment=entry.comment),
                opts=self._child,
            )

        self.connection_string = self.cluster.connection_strings.apply(lambda cs: cs.standard_srv if cs else None)
        self.private_connection_string = self.cluster.connection_strings.apply(_private_srv)
        self.register_outputs(
            {
                "projectId": self.project_id,
                "clusterName": self.cluster_name,
                "connectionString": self.connection_string,
                "privateConnectionString": self.private_connection_string,
                "encryptionRoleArn": self.encryption_role.arn,
                "appRoleArn": self.app_role_arn,
                "analyticsRoleArn": self.analytics_role_arn,
                "documentKeyArn": self.document_key.arn,
            }
        )

    # --- encryption at rest -------------------------------------------------------------------------------------
    def _encryption_at_rest(self, name: str) -> list[pulumi.Resource]:
        s, place = self._settings, self._place
        """Setup -> IAM role (Atlas' account + external id) -> authorization -> key policy -> EncryptionAtRest."""
        setup = atlas.CloudProviderAccessSetup(
            f"{name}-cloud-access",
            atlas.CloudProviderAccessSetupArgs(project_id=self.project_id, provider_name="AWS"),
            opts=self._child,
        )
        aws_config = setup.aws_configs.apply(lambda cfgs: cfgs[0])
        trust = pulumi.Output.all(aws_config.atlas_aws_account_arn, aws_config.atlas_assumed_role_external_id).apply(
            lambda v: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "AtlasAssumesWithExternalId",
                            "Effect": "Allow",
                            "Principal": {"AWS": v[0]},
                            "Action": "sts:AssumeRole",
                            "Condition": {"StringEquals": {"sts:ExternalId": v[1]}},
                        }
                    ],
                }
            )
        )
        role_name = f"{place.prefix}-atlas-encryption"
        self.encryption_role = aws.iam.Role(
            f"{name}-encryption-role",
            aws.iam.RoleArgs(
                name=role_name,
                assume_role_policy=trust,
                description="MongoDB Atlas encrypts the catalog cluster with the document key",
                tags=with_name(place.tags, role_name),
            ),
            opts=self._child,
        )
        # The customer key is this component's own: its policy must name the role above, which exists only here.
        self.document_key, self.document_key_alias = domain_key(
            f"{name}-document-key",
            "document",
            prefix=place.prefix,
            region=place.region,
            account_id=self.account_id,
            deletion_window_days=s.key_deletion_window_days,
            tags=place.tags,
            parent=self,
            extra_statements=self.encryption_role.arn.apply(
                lambda arn: [
                    {
                        "Sid": "AtlasEncryptionAtRestRole",
                        "Effect": "Allow",
                        "Principal": {"AWS": arn},
                        "Action": ATLAS_KMS_ACTIONS,
                        "Resource": "*",
                    }
                ]
            ),
        )
        role_policy = aws.iam.RolePolicy(
            f"{name}-encryption-role-kms",
            aws.iam.RolePolicyArgs(
                role=self.encryption_role.id,
                policy=self.document_key.arn.apply(
                    lambda arn: json.dumps(
                        {
                            "Version": "2012-10-17",
                            "Statement": [{"Effect": "Allow", "Action": ATLAS_KMS_ACTIONS, "Resource": arn}],
                        }
                    )
                ),
            ),
            opts=self._child,
        )
        authorization = atlas.CloudProviderAccessAuthorization(
            f"{name}-cloud-access-auth",
            atlas.CloudProviderAccessAuthorizationArgs(
                project_id=self.project_id,
                role_id=setup.role_id,
                aws=atlas.CloudProviderAccessAuthorizationAwsArgs(iam_assumed_role_arn=self.encryption_role.arn),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy]),
        )
        kms_region = to_atlas_region(place.region)
        self.encryption_at_rest = atlas.EncryptionAtRest(
            f"{name}-encryption-at-rest",
            atlas.EncryptionAtRestArgs(
                project_id=self.project_id,
                aws_kms_config=atlas.EncryptionAtRestAwsKmsConfigArgs(
                    enabled=True,
                    customer_master_key_id=self.document_key.key_id,
                    region=kms_region,
                    role_id=authorization.role_id,
                    require_private_networking=s.kms_private_networking,
                ),
            ),
            # Atlas validates the key when this is created: its policy (on the key itself) already names the role.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.document_key, role_policy]),
        )
        ready: list[pulumi.Resource] = [self.encryption_at_rest]
        if s.kms_private_networking:
            # One endpoint in every region the cluster has nodes in: with private networking required, Atlas
            # creates clusters and nodes only in regions with an ACTIVE endpoint ("Manage Customer Keys with AWS
            # KMS Over Private Endpoints", mongodb.com/docs/atlas/security/aws-kms-over-private-endpoint/). The
            # first keeps its name (the key's own region) so an existing stack does not replace it.
            regions = list(dict.fromkeys([kms_region, *(z.region for z in s.zones)]))
            for region in regions:
                suffix = "" if region == kms_region else f"-{to_aws_region(region)}"
                ready.append(
                    atlas.EncryptionAtRestPrivateEndpoint(
                        f"{name}-kms-private-endpoint{suffix}",
                        atlas.EncryptionAtRestPrivateEndpointArgs(
                            project_id=self.encryption_at_rest.project_id, cloud_provider="AWS", region_name=region
                        ),
                        opts=self._child,
                    )
                )
        return ready

    # --- PrivateLink ------------------------------------------------------------------------------------------
    def _private_link(self, name: str) -> list[pulumi.Resource]:
        s, links, place = self._settings, self._links, self._place
        """One Atlas endpoint service per cluster region, each reached by an interface endpoint in the app VPC."""
        home = to_atlas_region(place.region)
        regions = list(dict.fromkeys(z.region for z in s.zones))
        sg_name = f"{place.prefix}-atlas-privatelink"
        self.endpoint_security_group = aws.ec2.SecurityGroup(
            f"{name}-privatelink-sg",
            aws.ec2.SecurityGroupArgs(
                vpc_id=links.vpc_id,
                name=sg_name,
                description="MongoDB Atlas PrivateLink endpoints (from the app tier only)",
                tags=with_name(place.tags, sg_name, tier="atlas"),
            ),
            opts=self._child,
        )
        allow_tcp(
            f"{name}-app-to-atlas",
            source_id=links.app_security_group_id,
            target_id=self.endpoint_security_group.id,
            port=PRIVATELINK_PORTS[0],
            to_port=PRIVATELINK_PORTS[1],
            description="app tier to MongoDB Atlas over PrivateLink",
            tags=place.tags,
            parent=self,
        )
        self.vpc_endpoints: dict[str, aws.ec2.VpcEndpoint] = {}
        services: list[pulumi.Resource] = []
        for region in regions:
            slug = region.lower().replace("_", "-")
            remote = region != home
            service = atlas.PrivateLinkEndpoint(
                f"{name}-privatelink-{slug}",
                atlas.PrivateLinkEndpointArgs(
                    project_id=self.project_id,
                    provider_name="AWS",
                    region=region,
                    # cross-region PrivateLink: the app VPC's region may connect
                    supported_remote_regions=[home] if remote else None,
                ),
                opts=self._child,
            )
            endpoint = aws.ec2.VpcEndpoint(
                f"{name}-vpce-{slug}",
                aws.ec2.VpcEndpointArgs(
                    vpc_id=links.vpc_id,
                    service_name=service.endpoint_service_name,
                    service_region=to_aws_region(region) if remote else None,
                    vpc_endpoint_type="Interface",
                    private_dns_enabled=False,  # Atlas publishes the endpoint's host names itself
                    subnet_ids=list(links.app_subnet_ids),
                    security_group_ids=[self.endpoint_security_group.id],
                    tags=with_name(place.tags, f"{place.prefix}-atlas-{slug}-vpce"),
                ),
                opts=self._child,
            )
            self.vpc_endpoints[region] = endpoint
            services.append(
                atlas.PrivateLinkEndpointService(
                    f"{name}-privatelink-{slug}-service",
                    atlas.PrivateLinkEndpointServiceArgs(
                        project_id=self.project_id,
                        provider_name="AWS",
                        private_link_id=service.private_link_id,
                        endpoint_service_id=endpoint.id,
                    ),
                    opts=self._child,
                )
            )
        return services

    # --- global cluster -------------------------------------------------------------------------------------
    def _global_cluster_config(self, name: str) -> None:
        s, links = self._settings, self._links
        self.global_config = atlas.GlobalClusterConfig(
            f"{name}-global-config",
            atlas.GlobalClusterConfigArgs(
                project_id=self.project_id,
                cluster_name=self.cluster.name,
                managed_namespaces=[
                    atlas.GlobalClusterConfigManagedNamespaceArgs(
                        db=s.catalog_database,
                        collection=ns.collection,
                        custom_shard_key=ns.shard_key,
                        is_custom_shard_key_hashed=ns.hashed,
                        is_shard_key_unique=False,
                    )
                    for ns in links.namespaces
                ],
                custom_zone_mappings=[
                    atlas.GlobalClusterConfigCustomZoneMappingArgs(location=code, zone=zone.name)
                    for zone in s.zones
                    for code in zone.country_codes
                ],
            ),
            opts=self._child,
        )

    # --- backups ------------------------------------------------------------------------------------------------
    def _backups(self, name: str) -> None:
        s = self._settings
        b = s.backup
        hourly: dict[str, Any] = dict(
            frequency_interval=b.hourly_every_hours, retention_unit="days", retention_value=b.restore_window_days
        )
        daily: dict[str, Any] = dict(
            frequency_interval=1, retention_unit="days", retention_value=b.daily_retention_days
        )
        weekly: dict[str, Any] = dict(
            frequency_interval=7, retention_unit="weeks", retention_value=b.weekly_retention_weeks
        )
        monthly: dict[str, Any] = dict(
            frequency_interval=40, retention_unit="months", retention_value=b.monthly_retention_months
        )

        copies = [z for z in s.zones if z.backup_copy_region]
        copy_settings = None
        if copies:
            geo = s.cluster_type == "GEOSHARDED"
            zone_ids = self.cluster.replication_specs.apply(
                lambda specs: {
                    z.name: next(sp.zone_id for sp in specs if not geo or sp.zone_name == z.name) for z in copies
                }
            )
            # Copies are kept as long as the originals (copy-policy mode; ``frequencies`` is deprecated), and the
            # oplog is copied too so point-in-time restores work from the copy region.
            copy_items = [
                atlas.CloudBackupScheduleCopySettingCopyPolicyItemArgs(
                    frequency_type=kind, retention_unit=item["retention_unit"], retention_value=item["retention_value"]
                )
                for kind, item in (("hourly", hourly), ("daily", daily), ("weekly", weekly), ("monthly", monthly))
            ]
            copy_items.append(atlas.CloudBackupScheduleCopySettingCopyPolicyItemArgs(frequency_type="ondemand"))
            copy_settings = zone_ids.apply(
                lambda ids: [
                    atlas.CloudBackupScheduleCopySettingArgs(
                        cloud_provider="AWS",
                        region_name=z.backup_copy_region,
                        zone_id=ids[z.name],
                        copy_policy_items=copy_items,
                        should_copy_oplogs=True,
                    )
                    for z in copies
                ]
            )
        self.backup_schedule = atlas.CloudBackupSchedule(
            f"{name}-backup-schedule",
            atlas.CloudBackupScheduleArgs(
                project_id=self.project_id,
                cluster_name=self.cluster.name,
                reference_hour_of_day=b.reference_hour_of_day,
                reference_minute_of_hour=0,
                restore_window_days=b.restore_window_days,
                policy_item_hourly=atlas.CloudBackupSchedulePolicyItemHourlyArgs(**hourly),
                policy_item_daily=atlas.CloudBackupSchedulePolicyItemDailyArgs(**daily),
                policy_item_weeklies=[atlas.CloudBackupSchedulePolicyItemWeeklyArgs(**weekly)],
                policy_item_monthlies=[atlas.CloudBackupSchedulePolicyItemMonthlyArgs(**monthly)],
                copy_policy_items_enabled=True if copies else None,
                copy_settings=copy_settings,
            ),
            opts=self._child,
        )
        if s.backup_compliance is not None:
            c = s.backup_compliance
            # The policy is the floor the schedule above must keep; once on, only MongoDB support can lift it.
            atlas.BackupCompliancePolicy(
                f"{name}-backup-compliance",
                atlas.BackupCompliancePolicyArgs(
                    project_id=self.project_id,
                    authorized_email=c.authorized_email,
                    authorized_user_first_name=c.authorized_first_name,
                    authorized_user_last_name=c.authorized_last_name,
                    copy_protection_enabled=True,
                    encryption_at_rest_enabled=True,
                    pit_enabled=True,
                    restore_window_days=b.restore_window_days,
                    policy_item_hourly=atlas.BackupCompliancePolicyPolicyItemHourlyArgs(**hourly),
                    policy_item_daily=atlas.BackupCompliancePolicyPolicyItemDailyArgs(**daily),
                    policy_item_weeklies=[atlas.BackupCompliancePolicyPolicyItemWeeklyArgs(**weekly)],
                    policy_item_monthlies=[atlas.BackupCompliancePolicyPolicyItemMonthlyArgs(**monthly)],
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.backup_schedule]),
            )

    # --- database users (AWS IAM, no passwords) -------------------------------------------------------------
    def _workload_role(self, name: str, suffix: str, purpose: str) -> aws.iam.Role:
        place = self._place
        """A role the catalog workload runs as: Lambda functions, or ECS tasks of this account."""
        role_name = f"{place.prefix}-catalog-{suffix}"
        trust = self.account_id.apply(
            lambda acct: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "LambdaRuns",
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        },
                        {
                            "Sid": "EcsTasksOfThisAccount",
                            "Effect": "Allow",
                            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": acct},
                                "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:{place.region}:{acct}:*"},
                            },
                        },
                    ],
                }
            )
        )
        return aws.iam.Role(
            f"{name}-{suffix}-role",
            aws.iam.RoleArgs(
                name=role_name, assume_role_policy=trust, description=purpose, tags=with_name(place.tags, role_name)
            ),
            opts=self._child,
        )

    def _database_users(self, name: str) -> None:
        s, links = self._settings, self._links
        self.app_role_arn = None
        if s.app_user:
            self.app_role_arn = (
                links.app_role_arn
                if links.app_role_arn is not None
                else self._workload_role(
                    name, "app", "EcoMart catalog service; authenticates to Atlas as this role (MONGODB-AWS)"
                ).arn
            )
        self.analytics_role_arn = (
            links.analytics_role_arn
            if links.analytics_role_arn is not None
            else self._workload_role(
                name, "analytics", "Read-only catalog analytics; authenticates to Atlas as this role"
            ).arn
        )
        self.users: dict[str, atlas.DatabaseUser] = {}
        for key, role_arn, mongo_role, what in (
            ("app", self.app_role_arn, "readWrite", "catalog service"),
            ("analytics", self.analytics_role_arn, "read", "analytics"),
        ):
            if role_arn is None:
                continue
            self.users[key] = iam_database_user(
                f"{name}-{key}-user",
                project_id=self.project_id,
                role_arn=role_arn,
                mongo_role=mongo_role,
                database=s.catalog_database,
                cluster_name=self.cluster.name,
                who=what,
                parent=self,
            )

    # --- auditing and alerts -------------------------------------------------------------------------------------
    def _auditing(self, name: str) -> None:
        s, links = self._settings, self._links
        self.audit_filter = s.audit_filter or default_audit_filter(s.catalog_database, links.namespaces)
        atlas.Auditing(
            f"{name}-auditing",
            # auditAuthorizationSuccess: CRUD is audited as successful authCheck events (costs some throughput).
            atlas.AuditingArgs(
                project_id=self.project_id,
                enabled=True,
                audit_filter=self.audit_filter,
                audit_authorization_success=True,
            ),
            opts=self._child,
        )

    def _alerts(self, name: str) -> None:
        s, links = self._settings, self._links
        notifications = [
            atlas.AlertConfigurationNotificationArgs(
                type_name="EMAIL", email_address=email, interval_min=60, delay_min=0
            )
            for email in (s.alert_emails or links.alert_emails)
        ]
        self.alerts: dict[str, atlas.AlertConfiguration] = {}
        for spec in alert_specs(s):
            metric = None
            if spec.metric:
                metric = atlas.AlertConfigurationMetricThresholdConfigArgs(
                    metric_name=spec.metric,
                    operator="GREATER_THAN",
                    threshold=spec.threshold,
                    units=spec.units,
                    mode="AVERAGE",
                )
            self.alerts[spec.slug] = atlas.AlertConfiguration(
                f"{name}-alert-{spec.slug}",
                atlas.AlertConfigurationArgs(
                    project_id=self.project_id,
                    event_type=spec.event_type,
                    enabled=True,
                    metric_threshold_config=metric,
                    notifications=notifications,
                ),
                opts=self._child,
            )

    def stack_outputs(self) -> dict[str, pulumi.Input[Any]]:
        """The stack outputs (camelCase) this component contributes."""
        return {
            "atlasProjectId": self.project_id,
            "atlasClusterName": self.cluster_name,
            "atlasConnectionString": self.connection_string,
            "atlasPrivateConnectionString": self.private_connection_string,
            "atlasAppRoleArn": self.app_role_arn,
            "atlasAnalyticsRoleArn": self.analytics_role_arn,
        }
