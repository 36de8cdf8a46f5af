"""MongoDB Atlas section of the stack config (``ecomart-data-platform:atlas``), used by components/atlas.py.

Validated like every other section: unknown keys, wrong types, bad tier names, bad region names, duplicate zones,
CIDRs that are too wide and backup policies Atlas would refuse are errors naming the key before anything is
declared. Prod-only rules (global cluster, EU zone, termination protection, snapshot copies, compliance policy)
are in ``AtlasConfig.prod_problems`` and run from ``StackConfig._environment_rules``.

Atlas API keys are never part of this section: the mongodbatlas provider reads them from the environment
(MONGODB_ATLAS_PUBLIC_KEY / MONGODB_ATLAS_PRIVATE_KEY) or from Pulumi secrets (``mongodbatlas:publicKey`` /
``mongodbatlas:privateKey``). The organisation id below is an identifier, not a secret.
"""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Literal, Optional

from pydantic import Field, field_validator, model_validator

from components.atlas import WEEKDAYS, AlertThresholds as _AlertDefaults
from infra.config_base import _Section
from platform_rules import EEA_COUNTRIES, to_atlas_region, to_aws_region  # noqa: F401  (re-exported)

# Atlas cluster tiers this platform allows: general (M), low-CPU (R) and local-NVMe tiers.
M_TIERS = ("M10", "M20", "M30", "M40", "M50", "M60", "M80", "M140", "M200", "M300", "M400", "M700")
R_TIERS = ("R40", "R50", "R60", "R80", "R200", "R300", "R400", "R700")
NVME_TIERS = ("M40_NVME", "M50_NVME", "M60_NVME", "M80_NVME", "M200_NVME", "M400_NVME")
TIERS = M_TIERS + R_TIERS + NVME_TIERS
SHARDED_MIN_TIER = 30  # Atlas: sharded and global clusters need M30 or larger.
PROD_MIN_TIER = 30

# Atlas' names of the AWS regions (US_EAST_1 is us-east-1).
ATLAS_AWS_REGIONS = (
    "US_EAST_1", "US_EAST_2", "US_WEST_1", "US_WEST_2", "CA_CENTRAL_1", "CA_WEST_1", "SA_EAST_1", "MX_CENTRAL_1",
    "EU_WEST_1", "EU_WEST_2", "EU_WEST_3", "EU_CENTRAL_1", "EU_CENTRAL_2", "EU_NORTH_1", "EU_SOUTH_1", "EU_SOUTH_2",
    "AP_EAST_1", "AP_SOUTH_1", "AP_SOUTH_2", "AP_SOUTHEAST_1", "AP_SOUTHEAST_2", "AP_SOUTHEAST_3", "AP_SOUTHEAST_4",
    "AP_NORTHEAST_1", "AP_NORTHEAST_2", "AP_NORTHEAST_3", "ME_SOUTH_1", "ME_CENTRAL_1", "AF_SOUTH_1", "IL_CENTRAL_1",
)
HOURLY_FREQUENCIES = (1, 2, 4, 6, 8, 12)
MONGODB_MAJOR_VERSIONS = ("7.0", "8.0")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LOCATION = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
_MIN_IPV4_PREFIX = 16
_MIN_IPV6_PREFIX = 48


def is_eu_region(atlas_region: str) -> bool:
    return atlas_region.startswith("EU_")


def tier_family(tier: str) -> str:
    return "NVME" if tier.endswith("_NVME") else tier[0]


def tier_number(tier: str) -> int:
    return int(re.sub(r"\D", "", tier.removesuffix("_NVME")))


def _check_tier(v: Optional[str]) -> Optional[str]:
    if v is not None and v not in TIERS:
        raise ValueError(f"not an Atlas cluster tier; allowed: {', '.join(TIERS)}")
    return v


def _check_region(v: Optional[str]) -> Optional[str]:
    if v is not None and v not in ATLAS_AWS_REGIONS:
        hint = f" (Atlas spells it {to_atlas_region(v)!r})" if to_atlas_region(v) in ATLAS_AWS_REGIONS else ""
        raise ValueError(f"not an Atlas AWS region name{hint}; allowed: {', '.join(ATLAS_AWS_REGIONS)}")
    return v


class AtlasZone(_Section):
    """One zone of the cluster: its shards live in ``region``; ``locations`` are pinned to it (global clusters)."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 _-]{0,63}$", description="Atlas zone name.")
    region: str = Field(description="Atlas AWS region of the zone's nodes, e.g. US_EAST_1.")
    shards: int = Field(ge=1, le=70, description="Shards in this zone (one replication_specs entry each).")
    backup_copy_region: Optional[str] = Field(default=None, description="Region snapshots of this zone are "
                                                                        "copied to (prod: required).")
    locations: list[str] = Field(default_factory=list, description="ISO 3166 codes pinned to this zone "
                                                                   "(custom zone mappings); 'EEA' = all EEA.")

    @field_validator("region", "backup_copy_region")
    @classmethod
    def _region(cls, v: Optional[str]) -> Optional[str]:
        return _check_region(v)

    @field_validator("locations")
    @classmethod
    def _locations(cls, v: list[str]) -> list[str]:
        bad = [code for code in v if code != "EEA" and not _LOCATION.match(code)]
        if bad:
            raise ValueError(f"not ISO 3166 codes (e.g. 'DE', 'US-CA') or 'EEA': {bad}")
        return v

    @property
    def country_codes(self) -> list[str]:
        """``locations`` with 'EEA' expanded, in order, without duplicates."""
        out: list[str] = []
        for code in self.locations:
            for c in (EEA_COUNTRIES if code == "EEA" else (code,)):
                if c not in out:
                    out.append(c)
        return out


class AtlasAutoScaling(_Section):
    compute_enabled: bool = Field(description="Tier auto-scaling (per shard); prod: true.")
    compute_scale_down_enabled: bool
    compute_min_instance_size: Optional[str] = Field(default=None, description="Lower bound, same tier class.")
    compute_max_instance_size: Optional[str] = Field(default=None, description="Upper bound, same tier class.")
    disk_enabled: bool = Field(description="Disk auto-scaling; prod: true.")

    @field_validator("compute_min_instance_size", "compute_max_instance_size")
    @classmethod
    def _tiers(cls, v: Optional[str]) -> Optional[str]:
        return _check_tier(v)


class AtlasBackup(_Section):
    """Continuous cloud backup (point-in-time) and the snapshot policy."""

    restore_window_days: int = Field(ge=7, le=365, description="Point-in-time restore window; the hourly "
                                                               "snapshots are kept this long.")
    hourly_every_hours: int = Field(description="Hours between hourly snapshots.")
    daily_retention_days: int = Field(ge=1, le=3650)
    weekly_retention_weeks: int = Field(ge=1, le=520)
    monthly_retention_months: int = Field(ge=1, le=120)
    reference_hour_of_day: int = Field(default=3, ge=0, le=23, description="UTC hour snapshots are taken.")

    @field_validator("hourly_every_hours")
    @classmethod
    def _hourly(cls, v: int) -> int:
        if v not in HOURLY_FREQUENCIES:
            raise ValueError(f"must be one of {list(HOURLY_FREQUENCIES)} (Atlas hourly snapshot intervals)")
        return v

    @model_validator(mode="after")
    def _ladder(self) -> "AtlasBackup":
        # Atlas refuses a policy whose less frequent snapshots are kept for less time than more frequent ones.
        if self.daily_retention_days < self.restore_window_days:
            raise ValueError(f"atlas.backup.dailyRetentionDays ({self.daily_retention_days}) is below "
                             f"restoreWindowDays ({self.restore_window_days}): daily snapshots must outlive the "
                             "hourly ones")
        if self.weekly_retention_weeks * 7 < self.daily_retention_days:
            raise ValueError(f"atlas.backup.weeklyRetentionWeeks ({self.weekly_retention_weeks}) keeps weekly "
                             f"snapshots shorter than daily ones ({self.daily_retention_days} days)")
        if self.monthly_retention_months * 31 < self.weekly_retention_weeks * 7:
            raise ValueError(f"atlas.backup.monthlyRetentionMonths ({self.monthly_retention_months}) keeps monthly "
                             f"snapshots shorter than weekly ones ({self.weekly_retention_weeks} weeks)")
        return self


class AtlasBackupCompliance(_Section):
    """Who may (with MongoDB support) lift the Backup Compliance Policy; Atlas requires a named person."""

    authorized_email: str
    authorized_first_name: str = Field(min_length=1, max_length=64)
    authorized_last_name: str = Field(min_length=1, max_length=64)

    @field_validator("authorized_email")
    @classmethod
    def _email(cls, v: str) -> str:
        if not _EMAIL.match(v):
            raise ValueError("must be an e-mail address")
        return v


class AtlasMaintenanceWindow(_Section):
    day_of_week: str = Field(description="sun..sat")
    hour_of_day: int = Field(ge=0, le=23, description="Start hour, in the project's time zone (UTC by default).")
    auto_defer: bool = False

    @field_validator("day_of_week")
    @classmethod
    def _day(cls, v: str) -> str:
        if v not in WEEKDAYS:
            raise ValueError(f"must be one of {list(WEEKDAYS)}")
        return v

    @property
    def atlas_day(self) -> int:
        """Atlas' numbering: Sunday = 1 .. Saturday = 7."""
        return WEEKDAYS.index(self.day_of_week) + 1


class AtlasIpAccessEntry(_Section):
    cidr: str
    comment: str = Field(min_length=1, max_length=80)

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, v: str) -> str:
        try:
            net = ipaddress.ip_network(v, strict=True)
        except ValueError as e:
            raise ValueError(f"must be a CIDR block such as '203.0.113.0/24' ({e})") from None
        if net.prefixlen == 0:
            raise ValueError("opens the cluster to the whole internet; list the exact networks that need access "
                             "(the app tier uses PrivateLink and needs no entry)")
        minimum = _MIN_IPV4_PREFIX if net.version == 4 else _MIN_IPV6_PREFIX
        if net.prefixlen < minimum:
            raise ValueError(f"is wider than /{minimum}; IP access list entries must be /{minimum} or narrower "
                             f"(IPv{net.version})")
        return v


_ALERT = _AlertDefaults()


class AtlasAlertThresholds(_Section):
    """Defaults are the Atlas component's (components/atlas.py AlertThresholds)."""

    replication_lag_seconds: float = Field(default=_ALERT.replication_lag_seconds, gt=0)
    disk_used_percent: float = Field(default=_ALERT.disk_used_percent, gt=0, lt=100)
    connections_percent: float = Field(default=_ALERT.connections_percent, gt=0, le=100)
    query_targeting_ratio: float = Field(default=_ALERT.query_targeting_ratio, gt=1,
                                         description="Scanned objects per returned document.")


class AtlasConfig(_Section):
    """MongoDB Atlas catalog cluster (components/atlas.py); leave the section out for a stack without Atlas."""

    org_id: str = Field(pattern=r"^[0-9a-f]{24}$", description="Atlas organisation id (24 hex digits; not a "
                                                                "secret).")
    project_name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$", description="Atlas project created "
                              "for this stack.")
    cluster_name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$",
                              description="ASCII letters, digits and hyphens (Atlas rule).")
    mongo_db_major_version: str = Field(description="Pinned major version; upgrades are a reviewed change.")
    cluster_type: Literal["REPLICASET", "SHARDED", "GEOSHARDED"] = Field(
        description="prod: GEOSHARDED (zones); REPLICASET/SHARDED have exactly one zone.")
    instance_size: str = Field(description="Atlas tier: M10..M700, R40..R700 or *_NVME; sharded and prod: >= M30.")
    disk_size_gb: int = Field(ge=10, le=4096, description="Initial disk per node (auto-scaling may grow it).")
    electable_nodes: Literal[3, 5, 7] = Field(default=3, description="Electable nodes per shard, in the zone's "
                                                                     "region (spread over its AZs).")
    auto_scaling: AtlasAutoScaling
    zones: list[AtlasZone] = Field(min_length=1, description="Zones in order; default Americas (2 shards) + EU (1).")
    termination_protection: bool = Field(description="prod: true.")
    backup: AtlasBackup
    backup_compliance: Optional[AtlasBackupCompliance] = None
    kms_private_networking: bool = Field(default=True, description="Atlas reaches the customer key over "
                                                                   "AWS PrivateLink only.")
    catalog_database: str = Field(default="catalog", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,37}$")
    ip_access_list: list[AtlasIpAccessEntry] = Field(default_factory=list)
    maintenance_window: AtlasMaintenanceWindow
    alert_emails: Optional[list[str]] = Field(default=None, description="Defaults to monitoring.alarmEmails.")
    alert_thresholds: AtlasAlertThresholds = AtlasAlertThresholds()
    audit_filter: Optional[str] = Field(default=None, description="JSON audit filter; default: authentication "
                                                                  "and authorization failures, writes to customer "
                                                                  "collections, DDL and user changes.")

    @field_validator("instance_size")
    @classmethod
    def _tier(cls, v: str) -> str:
        return _check_tier(v)

    @field_validator("mongo_db_major_version")
    @classmethod
    def _version(cls, v: str) -> str:
        if v not in MONGODB_MAJOR_VERSIONS:
            raise ValueError(f"must be a pinned major version, one of {list(MONGODB_MAJOR_VERSIONS)}")
        return v

    @field_validator("alert_emails")
    @classmethod
    def _emails(cls, v: Optional[list[str]]) -> Optional[list[str]]:
        if v is not None:
            bad = [e for e in v if not _EMAIL.match(e)]
            if bad or not v:
                raise ValueError(f"must be a non-empty list of e-mail addresses (bad: {bad})")
        return v

    @field_validator("audit_filter")
    @classmethod
    def _audit(cls, v: Optional[str]) -> Optional[str]:
        if v is not None:
            try:
                parsed = json.loads(v)
            except json.JSONDecodeError as e:
                raise ValueError(f"must be a JSON audit filter document ({e})") from None
            if not isinstance(parsed, dict) or not parsed:
                raise ValueError("must be a non-empty JSON object (an audit filter document)")
        return v

    @model_validator(mode="after")
    def _shape(self) -> "AtlasConfig":
        problems = self._problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _problems(self) -> list[str]:
        p: list[str] = []
        names = [z.name for z in self.zones]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            p.append(f"atlas.zones: zone names must be unique (repeated: {dupes})")
        regions = [z.region for z in self.zones]
        dup_regions = sorted({r for r in regions if regions.count(r) > 1})
        if dup_regions:
            p.append(f"atlas.zones: each zone needs its own region (repeated: {dup_regions})")
        cidrs = [str(ipaddress.ip_network(e.cidr)) for e in self.ip_access_list]
        if len(set(cidrs)) != len(cidrs):
            p.append(f"atlas.ipAccessList: each CIDR may appear once (repeated: "
                     f"{sorted({c for c in cidrs if cidrs.count(c) > 1})})")
        if self.cluster_type != "GEOSHARDED" and len(self.zones) != 1:
            p.append(f"atlas.zones: clusterType {self.cluster_type} has exactly one zone, got {len(self.zones)}; "
                     "use GEOSHARDED for several zones")
        if self.cluster_type == "REPLICASET" and self.zones[0].shards != 1:
            p.append(f"atlas.zones.0.shards is {self.zones[0].shards} but a REPLICASET has exactly 1 shard")
        if self.cluster_type != "GEOSHARDED" and any(z.locations for z in self.zones):
            p.append("atlas.zones.*.locations: zone mappings exist only on GEOSHARDED (global) clusters")
        seen: dict[str, str] = {}
        for z in self.zones:
            for code in z.country_codes:
                if code in seen and seen[code] != z.name:
                    p.append(f"atlas.zones: location {code} is mapped to both {seen[code]!r} and {z.name!r}")
                seen.setdefault(code, z.name)
            eea = [c for c in z.country_codes if c in EEA_COUNTRIES]
            if eea and not is_eu_region(z.region):
                p.append(f"atlas.zones ({z.name}): EEA locations {eea[:3]}... must live in an EU region, "
                         f"not {z.region} (EU data residency)")
            if z.backup_copy_region is not None:
                if z.backup_copy_region == z.region:
                    p.append(f"atlas.zones ({z.name}).backupCopyRegion must differ from the zone's region "
                             f"{z.region}")
                if is_eu_region(z.region) and not is_eu_region(z.backup_copy_region):
                    p.append(f"atlas.zones ({z.name}).backupCopyRegion {z.backup_copy_region} is outside the EU: "
                             "snapshots of an EU zone must stay in EU regions")

        if self.instance_size in NVME_TIERS and (self.auto_scaling.compute_enabled or self.auto_scaling.disk_enabled):
            p.append(f"atlas.autoScaling: instanceSize {self.instance_size} is an NVMe tier, which Atlas cannot "
                     "auto-scale (set computeEnabled and diskEnabled to false)")
        sharded = self.cluster_type in ("SHARDED", "GEOSHARDED")
        if sharded and tier_number(self.instance_size) < SHARDED_MIN_TIER:
            p.append(f"atlas.instanceSize is {self.instance_size} but {self.cluster_type} clusters need "
                     f"M{SHARDED_MIN_TIER} or larger")
        a = self.auto_scaling
        if a.compute_enabled and a.compute_max_instance_size is None:
            p.append("atlas.autoScaling.computeMaxInstanceSize is required when computeEnabled is true")
        if a.compute_scale_down_enabled and a.compute_min_instance_size is None:
            p.append("atlas.autoScaling.computeMinInstanceSize is required when computeScaleDownEnabled is true")
        if a.compute_scale_down_enabled and not a.compute_enabled:
            p.append("atlas.autoScaling.computeScaleDownEnabled needs computeEnabled true")
        for key, bound, ok in (
            ("computeMinInstanceSize", a.compute_min_instance_size,
             lambda b: tier_number(b) <= tier_number(self.instance_size)),
            ("computeMaxInstanceSize", a.compute_max_instance_size,
             lambda b: tier_number(b) >= tier_number(self.instance_size)),
        ):
            if bound is None:
                continue
            if tier_family(bound) != tier_family(self.instance_size):
                p.append(f"atlas.autoScaling.{key} {bound} is not in the same tier class as instanceSize "
                         f"{self.instance_size} (Atlas cannot auto-scale between M, R and NVMe tiers)")
            elif not ok(bound):
                p.append(f"atlas.autoScaling.{key} {bound} does not bracket instanceSize {self.instance_size}")
            elif key == "computeMinInstanceSize" and sharded and tier_number(bound) < SHARDED_MIN_TIER:
                p.append(f"atlas.autoScaling.computeMinInstanceSize {bound} is below M{SHARDED_MIN_TIER}, the "
                         f"smallest tier of a {self.cluster_type} cluster")
        return p

    def prod_problems(self) -> list[str]:
        """What prod additionally requires of the Atlas section (run from StackConfig._environment_rules)."""
        p: list[str] = []
        if self.cluster_type != "GEOSHARDED":
            p.append(f"atlas.clusterType is {self.cluster_type}; prod needs GEOSHARDED (EU data residency)")
        if tier_number(self.instance_size) < PROD_MIN_TIER:
            p.append(f"atlas.instanceSize is {self.instance_size}; prod needs M{PROD_MIN_TIER} or larger")
        if not self.termination_protection:
            p.append("atlas.terminationProtection is false; prod needs true")
        if not (self.auto_scaling.compute_enabled and self.auto_scaling.disk_enabled):
            p.append("atlas.autoScaling: prod needs computeEnabled and diskEnabled true")
        eu_zones = {z.name for z in self.zones if is_eu_region(z.region)}
        if not eu_zones:
            p.append("atlas.zones: prod needs a zone in an EU region (EU_*) for EU data residency")
        else:
            mapped = {c: z.name for z in self.zones for c in z.country_codes}
            unmapped = [c for c in EEA_COUNTRIES if mapped.get(c) not in eu_zones]
            if unmapped:
                p.append(f"atlas.zones: prod pins every EEA country to an EU zone; not pinned: {unmapped} "
                         "(add 'EEA' to the EU zone's locations)")
        no_copy = [z.name for z in self.zones if z.backup_copy_region is None]
        if no_copy:
            p.append(f"atlas.zones: prod copies snapshots to a second region; set backupCopyRegion on {no_copy}")
        if self.backup_compliance is None:
            p.append("atlas.backupCompliance is not set; prod needs a Backup Compliance Policy")
        return p
