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

import json
import re
from dataclasses import dataclass
from typing import Any, Literal, Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws
import pulumi_mongodbatlas as atlas

from components.contract import arg
from components.kms import domain_key
from components.network import allow_tcp
from components.tagging import with_name
from platform_rules import to_atlas_region, to_aws_region

# Atlas' load balancers behind AWS PrivateLink give every node its own port in this range (Atlas docs,
# "Port Ranges Used for Private Endpoints"); 27017 alone is not enough.
PRIVATELINK_PORTS = (1024, 65535)
# All the Atlas role may do with the customer key (Atlas' documented minimum).
ATLAS_KMS_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"]
ELECTABLE_PRIORITY = 7  # the highest Atlas election priority: each zone's region holds its shards' primaries
WRITE_COMMANDS = ["insert", "update", "delete", "findAndModify"]
ADMIN_AUDIT_EVENTS = [
    "createCollection", "dropCollection", "dropDatabase", "renameCollection", "createIndex", "dropIndex",
    "shardCollection", "createUser", "dropUser", "updateUser", "grantRolesToUser", "revokeRolesFromUser",
    "createRole", "dropRole", "updateRole", "grantPrivilegesToRole", "revokePrivilegesFromRole",
]


@dataclass(frozen=True)
class ManagedNamespace:
    """A collection of the catalog database sharded by ``{location: 1, <shard_key>: 1|"hashed"}``.

    Atlas prefixes every managed namespace's shard key with ``location`` (an ISO 3166 code set by the app from
    the customer's country of residence, or the seller's marketplace for products); that prefix is what places
    a document in a zone. ``customer_owned`` collections hold personal data: their writes are audited.
    """

    collection: str
    shard_key: str
    hashed: bool
    customer_owned: bool


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


@dataclass(frozen=True)
class Zone:
    """One zone of the cluster: its shards' nodes live in ``region``; ``country_codes`` are pinned to it."""

    name: str = arg("Atlas zone name (global clusters route by it).")
    region: str = arg("Atlas name of the AWS region of the zone's nodes, e.g. US_EAST_1.")
    shards: int = arg("Shards in this zone (one replication_specs entry each).", 1)
    backup_copy_region: Optional[str] = arg("Atlas region snapshots of this zone are copied to; None: no copy.",
                                            None)
    country_codes: Sequence[str] = arg("ISO 3166 codes pinned to this zone (custom zone mappings).", ())


@dataclass(frozen=True)
class AutoScaling:
    compute_enabled: bool = arg("Tier auto-scaling, per shard.", True)
    compute_scale_down_enabled: bool = arg("Allow scaling down to compute_min_instance_size.", True)
    compute_min_instance_size: Optional[str] = arg("Lower tier bound (same tier class).", None)
    compute_max_instance_size: Optional[str] = arg("Upper tier bound (same tier class).", None)
    disk_enabled: bool = arg("Disk auto-scaling.", True)


@dataclass(frozen=True)
class BackupPolicy:
    """Continuous cloud backup (point in time) and the snapshot ladder; Atlas wants each rung kept longer."""

    restore_window_days: int = arg("Point-in-time restore window; hourly snapshots are kept this long.", 7,
                                   units="days")
    hourly_every_hours: int = arg("Hours between hourly snapshots (1, 2, 4, 6, 8 or 12).", 6, units="hours")
    daily_retention_days: int = arg("Daily snapshots kept.", 7, units="days")
    weekly_retention_weeks: int = arg("Weekly snapshots kept.", 4, units="weeks")
    monthly_retention_months: int = arg("Monthly snapshots kept.", 3, units="months")
    reference_hour_of_day: int = arg("UTC hour snapshots are taken.", 3, units="hour of day")


@dataclass(frozen=True)
class BackupCompliance:
    """Who may (with MongoDB support) lift the Backup Compliance Policy; Atlas requires a named person."""

    authorized_email: str = arg("E-mail of the person named in the policy.")
    authorized_first_name: str = arg("First name of that person.")
    authorized_last_name: str = arg("Last name of that person.")


@dataclass(frozen=True)
class MaintenanceWindow:
    day_of_week: str = arg("sun..sat.", "sun")
    hour_of_day: int = arg("Start hour in the project's time zone (UTC by default).", 8, units="hour of day")
    auto_defer: bool = arg("Defer each maintenance once automatically.", False)

    @property
    def atlas_day(self) -> int:
        """Atlas' numbering: Sunday = 1 .. Saturday = 7."""
        return WEEKDAYS.index(self.day_of_week) + 1


@dataclass(frozen=True)
class IpAccessEntry:
    cidr: str = arg("A network outside the VPC that may connect (the app uses PrivateLink and needs none).")
    comment: str = arg("Why it may connect (shown in Atlas).")


@dataclass(frozen=True)
class AlertThresholds:
    replication_lag_seconds: float = arg("Oplog replication lag.", 60, units="seconds")
    disk_used_percent: float = arg("Data partition used.", 80, units="%")
    connections_percent: float = arg("Of the tier's connection limit.", 80, units="%")
    query_targeting_ratio: float = arg("Scanned objects per returned document.", 1000, units="ratio")


@dataclass(frozen=True)
class AlertSpec:
    slug: str
    event_type: str
    metric: Optional[str] = None
    threshold: Optional[float] = None
    units: str = "RAW"


def alert_specs(settings: "AtlasArgs") -> list[AlertSpec]:
    """The alert configurations this project gets beyond Atlas' defaults (one resource each)."""
    t = settings.alert_thresholds
    return [
        AlertSpec("replication-lag", "OUTSIDE_METRIC_THRESHOLD", "OPLOG_SLAVE_LAG_MASTER_TIME",
                  t.replication_lag_seconds, "SECONDS"),
        AlertSpec("disk-used", "OUTSIDE_METRIC_THRESHOLD", "DISK_PARTITION_SPACE_USED_DATA", t.disk_used_percent),
        AlertSpec("connections-percent", "OUTSIDE_METRIC_THRESHOLD", "CONNECTIONS_PERCENT", t.connections_percent),
        AlertSpec("query-targeting", "OUTSIDE_METRIC_THRESHOLD", "QUERY_TARGETING_SCANNED_OBJECTS_PER_RETURNED",
                  t.query_targeting_ratio),
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
    return json.dumps({"$or": [
        {"atype": "authenticate", "result": {"$ne": 0}},
        {"atype": "authCheck", "result": {"$ne": 0}},
        {"atype": "authCheck", "param.command": {"$in": WRITE_COMMANDS}, "param.ns": {"$in": customer}},
        {"atype": {"$in": ADMIN_AUDIT_EVENTS}},
    ]}, sort_keys=True)


def shard_layout(settings: "AtlasArgs") -> list[Zone]:
    """One entry per shard, in replication_specs order (a zone with 2 shards appears twice)."""
    return [zone for zone in settings.zones for _ in range(zone.shards)]


def replication_specs(settings: "AtlasArgs") -> list[atlas.AdvancedClusterReplicationSpecArgs]:
    """The new sharding schema: one replication spec per shard, each with its own region config and scaling."""
    a = settings.auto_scaling
    specs = []
    for zone in shard_layout(settings):
        specs.append(atlas.AdvancedClusterReplicationSpecArgs(
            zone_name=zone.name if settings.cluster_type == "GEOSHARDED" else None,
            region_configs=[atlas.AdvancedClusterReplicationSpecRegionConfigArgs(
                provider_name="AWS",
                region_name=zone.region,
                priority=ELECTABLE_PRIORITY,
                # Atlas spreads a region's electable nodes over its availability zones.
                electable_specs=atlas.AdvancedClusterReplicationSpecRegionConfigElectableSpecsArgs(
                    instance_size=settings.instance_size, node_count=settings.electable_nodes,
                    disk_size_gb=settings.disk_size_gb, ebs_volume_type="STANDARD"),
                auto_scaling=atlas.AdvancedClusterReplicationSpecRegionConfigAutoScalingArgs(
                    compute_enabled=a.compute_enabled,
                    compute_scale_down_enabled=a.compute_scale_down_enabled,
                    compute_min_instance_size=a.compute_min_instance_size if a.compute_scale_down_enabled else None,
                    compute_max_instance_size=a.compute_max_instance_size if a.compute_enabled else None,
                    disk_gb_enabled=a.disk_enabled),
            )],
        ))
    return specs


def _private_srv(strings: Any) -> Optional[str]:
    """The private-endpoint SRV string (the shard-optimized one for sharded clusters, when Atlas offers it)."""
    for pe in (getattr(strings, "private_endpoints", None) or []):
        srv = pe.srv_shard_optimized_connection_string or pe.srv_connection_string
        if srv:
            return srv
    return None


@dataclass
class AtlasArgs:
    prefix: str = arg("Physical-name prefix of AWS-side resources (roles, endpoint security group, key alias).")
    region: str = arg("AWS region of the app VPC and of the customer key (the EncryptionAtRest and home "
                      "PrivateLink region).")
    org_id: str = arg("Atlas organisation the project is created in (24 hex digits; an identifier, not a secret).")
    project_name: str = arg("Atlas project created for this cluster.")
    cluster_name: str = arg("Cluster name (letters, digits, hyphens).")
    vpc_id: pulumi.Input[str] = arg("The app VPC: PrivateLink interface endpoints are created in it.")
    app_subnet_ids: Sequence[pulumi.Input[str]] = arg("Subnets of the endpoints (the app tier's).")
    app_security_group_id: pulumi.Input[str] = arg("Security group of the app tier: the only source admitted to "
                                                   "the endpoints (and given egress to them).")
    zones: Sequence[Zone] = arg("Zones in order; one zone for REPLICASET/SHARDED, several for GEOSHARDED.")
    alert_emails: Sequence[str] = arg("Who Atlas alerts e-mail.")
    cluster_type: Literal["REPLICASET", "SHARDED", "GEOSHARDED"] = arg("GEOSHARDED pins zones' countries "
                                                                       "(EU data residency).", "GEOSHARDED")
    instance_size: str = arg("Atlas tier (sharded clusters: >= M30).", "M30")
    disk_size_gb: int = arg("Initial disk per node (auto-scaling may grow it).", 100, units="GB")
    electable_nodes: int = arg("Electable nodes per shard in its zone's region (3, 5 or 7).", 3)
    mongo_db_major_version: str = arg("Pinned major version; upgrades are a reviewed change.", "8.0")
    auto_scaling: AutoScaling = arg("Compute and disk auto-scaling.", factory=AutoScaling)
    termination_protection: bool = arg("Refuse cluster deletion; also keeps backups after a deletion.", True)
    backup: BackupPolicy = arg("Continuous backup and snapshot ladder.", factory=BackupPolicy)
    backup_compliance: Optional[BackupCompliance] = arg("Backup Compliance Policy (irreversible without MongoDB "
                                                        "support); None: none.", None)
    kms_private_networking: bool = arg("Atlas reaches the customer key over AWS PrivateLink only.", True)
    key_deletion_window_days: int = arg("Waiting period of the customer key's scheduled deletion.", 30,
                                        units="days")
    catalog_database: str = arg("Database the users are scoped to and the namespaces live in.", "catalog")
    ip_access_list: Sequence[IpAccessEntry] = arg("Extra networks admitted (PrivateLink needs none).", ())
    maintenance_window: MaintenanceWindow = arg("Weekly maintenance start.", factory=MaintenanceWindow)
    alert_thresholds: AlertThresholds = arg("Where the metric alerts fire.", factory=AlertThresholds)
    audit_filter: Optional[str] = arg("JSON audit filter; None: authentication/authorization failures, writes "
                                      "to customer collections, DDL and user changes.", None)
    app_role_arn: Optional[pulumi.Input[str]] = arg("IAM role the catalog service runs as; None creates one "
                                                    "(trusts Lambda and ECS tasks).", None)
    analytics_role_arn: Optional[pulumi.Input[str]] = arg("IAM role of read-only analytics; None creates one.",
                                                          None)
    app_user: bool = arg("Create the catalog service's role (unless app_role_arn) and database user; False when "
                         "the app's functions bring their own users (components/service.py does).", True)
    namespaces: Sequence[ManagedNamespace] = arg("Sharded collections (GEOSHARDED) and the audited ones.",
                                                 factory=lambda: CATALOG_NAMESPACES)
    tags: Mapping[str, str] = arg("Tags of the Atlas project and of every AWS resource.", factory=dict)

    def __post_init__(self) -> None:
        if not self.zones:
            raise ValueError("AtlasArgs.zones is empty: a cluster needs at least one zone")
        if self.cluster_type != "GEOSHARDED" and len(self.zones) != 1:
            raise ValueError(f"AtlasArgs.zones has {len(self.zones)} zones; {self.cluster_type} takes exactly one")
        if self.maintenance_window.day_of_week not in WEEKDAYS:
            raise ValueError(f"AtlasArgs.maintenance_window.day_of_week is {self.maintenance_window.day_of_week!r};"
                             f" allowed: {', '.join(WEEKDAYS)}")


def iam_database_user(resource_name: str, *, project_id: pulumi.Input[str], role_arn: pulumi.Input[str],
                      mongo_role: str, database: str, cluster_name: pulumi.Input[str], who: str,
                      parent: pulumi.Resource) -> atlas.DatabaseUser:
    """A database user that is an AWS IAM role (MONGODB-AWS, no password): one role on one database, one cluster."""
    return atlas.DatabaseUser(
        resource_name,
        atlas.DatabaseUserArgs(
            project_id=project_id, username=role_arn, auth_database_name="$external", aws_iam_type="ROLE",
            roles=[atlas.DatabaseUserRoleArgs(role_name=mongo_role, database_name=database)],
            scopes=[atlas.DatabaseUserScopeArgs(name=cluster_name, type="CLUSTER")],
            description=f"EcoMart {who} ({mongo_role} on {database} only)"),
        opts=pulumi.ResourceOptions(parent=parent),
    )


class Atlas(pulumi.ComponentResource):
    """Atlas project + encrypted, privately reachable cluster + users, backups, auditing and alerts."""

    project_id: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    connection_string: pulumi.Output[Optional[str]]
    private_connection_string: pulumi.Output[Optional[str]]
    app_role_arn: Optional[pulumi.Input[str]]
    analytics_role_arn: pulumi.Input[str]
    document_key: aws.kms.Key

    def __init__(self, name: str, args: AtlasArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("ecomart:data:Atlas", name, None, opts)
        s = args
        self._child = pulumi.ResourceOptions(parent=self)
        self.account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        tags = args.tags

        self.project = atlas.Project(
            f"{name}-project",
            atlas.ProjectArgs(org_id=s.org_id, name=s.project_name, with_default_alerts_settings=True, tags=tags),
            opts=self._child,
        )
        self.project_id = self.project.id

        encryption_ready = self._encryption_at_rest(name, args)
        endpoint_services = self._private_link(name, args)

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
            self._global_cluster_config(name, args)
        self._backups(name, args)
        self._database_users(name, args)
        self._auditing(name, args)
        self._alerts(name, args)
        atlas.MaintenanceWindow(
            f"{name}-maintenance-window",
            atlas.MaintenanceWindowArgs(project_id=self.project_id, day_of_week=s.maintenance_window.atlas_day,
                                        hour_of_day=s.maintenance_window.hour_of_day,
                                        auto_defer_once_enabled=s.maintenance_window.auto_defer),
            opts=self._child,
        )
        for entry in s.ip_access_list:
            atlas.ProjectIpAccessList(
                # named by the CIDR, so reordering the config list replaces nothing
                f"{name}-ip-access-{re.sub(r'[^0-9a-f]+', '-', entry.cidr.lower())}",
                atlas.ProjectIpAccessListArgs(project_id=self.project_id, cidr_block=entry.cidr,
                                              comment=entry.comment),
                opts=self._child,
            )

        self.connection_string = self.cluster.connection_strings.apply(lambda cs: cs.standard_srv if cs else None)
        self.private_connection_string = self.cluster.connection_strings.apply(_private_srv)
        self.register_outputs({
            "projectId": self.project_id, "clusterName": self.cluster_name,
            "connectionString": self.connection_string, "privateConnectionString": self.private_connection_string,
            "encryptionRoleArn": self.encryption_role.arn, "appRoleArn": self.app_role_arn,
            "analyticsRoleArn": self.analytics_role_arn, "documentKeyArn": self.document_key.arn,
        })

    # --- encryption at rest -------------------------------------------------------------------------------------
    def _encryption_at_rest(self, name: str, args: AtlasArgs) -> list[pulumi.Resource]:
        """Setup -> IAM role (Atlas' account + external id) -> authorization -> key policy -> EncryptionAtRest."""
        s = args
        setup = atlas.CloudProviderAccessSetup(
            f"{name}-cloud-access",
            atlas.CloudProviderAccessSetupArgs(project_id=self.project_id, provider_name="AWS"),
            opts=self._child,
        )
        aws_config = setup.aws_configs.apply(lambda cfgs: cfgs[0])
        trust = pulumi.Output.all(aws_config.atlas_aws_account_arn, aws_config.atlas_assumed_role_external_id).apply(
            lambda v: json.dumps({"Version": "2012-10-17", "Statement": [{
                "Sid": "AtlasAssumesWithExternalId",
                "Effect": "Allow",
                "Principal": {"AWS": v[0]},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": v[1]}},
            }]}))
        role_name = f"{args.prefix}-atlas-encryption"
        self.encryption_role = aws.iam.Role(
            f"{name}-encryption-role",
            aws.iam.RoleArgs(name=role_name, assume_role_policy=trust,
                             description="MongoDB Atlas encrypts the catalog cluster with the document key",
                             tags=with_name(args.tags, role_name)),
            opts=self._child,
        )
        # The customer key is this component's own: its policy must name the role above, which exists only here.
        self.document_key, self.document_key_alias = domain_key(
            f"{name}-document-key", "document", prefix=args.prefix, region=args.region, account_id=self.account_id,
            deletion_window_days=args.key_deletion_window_days, tags=args.tags, parent=self,
            extra_statements=self.encryption_role.arn.apply(lambda arn: [{
                "Sid": "AtlasEncryptionAtRestRole",
                "Effect": "Allow",
                "Principal": {"AWS": arn},
                "Action": ATLAS_KMS_ACTIONS,
                "Resource": "*",
            }]))
        role_policy = aws.iam.RolePolicy(
            f"{name}-encryption-role-kms",
            aws.iam.RolePolicyArgs(
                role=self.encryption_role.id,
                policy=self.document_key.arn.apply(lambda arn: json.dumps({"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Action": ATLAS_KMS_ACTIONS, "Resource": arn}]})),
            ),
            opts=self._child,
        )
        authorization = atlas.CloudProviderAccessAuthorization(
            f"{name}-cloud-access-auth",
            atlas.CloudProviderAccessAuthorizationArgs(
                project_id=self.project_id, role_id=setup.role_id,
                aws=atlas.CloudProviderAccessAuthorizationAwsArgs(iam_assumed_role_arn=self.encryption_role.arn)),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy]),
        )
        kms_region = to_atlas_region(args.region)
        self.encryption_at_rest = atlas.EncryptionAtRest(
            f"{name}-encryption-at-rest",
            atlas.EncryptionAtRestArgs(
                project_id=self.project_id,
                aws_kms_config=atlas.EncryptionAtRestAwsKmsConfigArgs(
                    enabled=True, customer_master_key_id=self.document_key.key_id, region=kms_region,
                    role_id=authorization.role_id, require_private_networking=s.kms_private_networking),
            ),
            # Atlas validates the key when this is created: its policy (on the key itself) already names the role.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.document_key, role_policy]),
        )
        ready: list[pulumi.Resource] = [self.encryption_at_rest]
        if s.kms_private_networking:
            ready.append(atlas.EncryptionAtRestPrivateEndpoint(
                f"{name}-kms-private-endpoint",
                atlas.EncryptionAtRestPrivateEndpointArgs(project_id=self.encryption_at_rest.project_id,
                                                          cloud_provider="AWS", region_name=kms_region),
                opts=self._child,
            ))
        return ready

    # --- PrivateLink ------------------------------------------------------------------------------------------
    def _private_link(self, name: str, args: AtlasArgs) -> list[pulumi.Resource]:
        """One Atlas endpoint service per cluster region, each reached by an interface endpoint in the app VPC."""
        home = to_atlas_region(args.region)
        regions = list(dict.fromkeys(z.region for z in args.zones))
        sg_name = f"{args.prefix}-atlas-privatelink"
        self.endpoint_security_group = aws.ec2.SecurityGroup(
            f"{name}-privatelink-sg",
            aws.ec2.SecurityGroupArgs(vpc_id=args.vpc_id, name=sg_name,
                                      description="MongoDB Atlas PrivateLink endpoints (from the app tier only)",
                                      tags=with_name(args.tags, sg_name, tier="atlas")),
            opts=self._child,
        )
        allow_tcp(f"{name}-app-to-atlas", source_id=args.app_security_group_id,
                  target_id=self.endpoint_security_group.id, port=PRIVATELINK_PORTS[0], to_port=PRIVATELINK_PORTS[1],
                  description="app tier to MongoDB Atlas over PrivateLink", tags=args.tags, parent=self)
        self.vpc_endpoints: dict[str, aws.ec2.VpcEndpoint] = {}
        services: list[pulumi.Resource] = []
        for region in regions:
            slug = region.lower().replace("_", "-")
            remote = region != home
            service = atlas.PrivateLinkEndpoint(
                f"{name}-privatelink-{slug}",
                atlas.PrivateLinkEndpointArgs(project_id=self.project_id, provider_name="AWS", region=region,
                                              # cross-region PrivateLink: the app VPC's region may connect
                                              supported_remote_regions=[home] if remote else None),
                opts=self._child,
            )
            endpoint = aws.ec2.VpcEndpoint(
                f"{name}-vpce-{slug}",
                aws.ec2.VpcEndpointArgs(
                    vpc_id=args.vpc_id,
                    service_name=service.endpoint_service_name,
                    service_region=to_aws_region(region) if remote else None,
                    vpc_endpoint_type="Interface",
                    private_dns_enabled=False,  # Atlas publishes the endpoint's host names itself
                    subnet_ids=list(args.app_subnet_ids),
                    security_group_ids=[self.endpoint_security_group.id],
                    tags=with_name(args.tags, f"{args.prefix}-atlas-{slug}-vpce"),
                ),
                opts=self._child,
            )
            self.vpc_endpoints[region] = endpoint
            services.append(atlas.PrivateLinkEndpointService(
                f"{name}-privatelink-{slug}-service",
                atlas.PrivateLinkEndpointServiceArgs(project_id=self.project_id, provider_name="AWS",
                                                     private_link_id=service.private_link_id,
                                                     endpoint_service_id=endpoint.id),
                opts=self._child,
            ))
        return services

    # --- global cluster -------------------------------------------------------------------------------------
    def _global_cluster_config(self, name: str, args: AtlasArgs) -> None:
        s = args
        self.global_config = atlas.GlobalClusterConfig(
            f"{name}-global-config",
            atlas.GlobalClusterConfigArgs(
                project_id=self.project_id,
                cluster_name=self.cluster.name,
                managed_namespaces=[atlas.GlobalClusterConfigManagedNamespaceArgs(
                    db=s.catalog_database, collection=ns.collection, custom_shard_key=ns.shard_key,
                    is_custom_shard_key_hashed=ns.hashed, is_shard_key_unique=False,
                ) for ns in args.namespaces],
                custom_zone_mappings=[atlas.GlobalClusterConfigCustomZoneMappingArgs(location=code, zone=zone.name)
                                      for zone in s.zones for code in zone.country_codes],
            ),
            opts=self._child,
        )

    # --- backups ------------------------------------------------------------------------------------------------
    def _backups(self, name: str, args: AtlasArgs) -> None:
        s = args
        b = s.backup
        hourly = dict(frequency_interval=b.hourly_every_hours, retention_unit="days",
                      retention_value=b.restore_window_days)
        daily = dict(frequency_interval=1, retention_unit="days", retention_value=b.daily_retention_days)
        weekly = dict(frequency_interval=7, retention_unit="weeks", retention_value=b.weekly_retention_weeks)
        monthly = dict(frequency_interval=40, retention_unit="months", retention_value=b.monthly_retention_months)

        copies = [z for z in s.zones if z.backup_copy_region]
        copy_settings = None
        if copies:
            geo = s.cluster_type == "GEOSHARDED"
            zone_ids = self.cluster.replication_specs.apply(
                lambda specs: {z.name: next(sp.zone_id for sp in specs if not geo or sp.zone_name == z.name)
                               for z in copies})
            # Copies are kept as long as the originals (copy-policy mode; ``frequencies`` is deprecated), and the
            # oplog is copied too so point-in-time restores work from the copy region.
            copy_items = [atlas.CloudBackupScheduleCopySettingCopyPolicyItemArgs(
                frequency_type=kind, retention_unit=item["retention_unit"], retention_value=item["retention_value"])
                for kind, item in (("hourly", hourly), ("daily", daily), ("weekly", weekly), ("monthly", monthly))]
            copy_items.append(atlas.CloudBackupScheduleCopySettingCopyPolicyItemArgs(frequency_type="ondemand"))
            copy_settings = zone_ids.apply(lambda ids: [atlas.CloudBackupScheduleCopySettingArgs(
                cloud_provider="AWS", region_name=z.backup_copy_region, zone_id=ids[z.name],
                copy_policy_items=copy_items, should_copy_oplogs=True) for z in copies])
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
    def _workload_role(self, name: str, args: AtlasArgs, suffix: str, purpose: str) -> aws.iam.Role:
        """A role the catalog workload runs as: Lambda functions, or ECS tasks of this account."""
        role_name = f"{args.prefix}-catalog-{suffix}"
        trust = self.account_id.apply(lambda acct: json.dumps({
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "LambdaRuns", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                 "Action": "sts:AssumeRole"},
                {"Sid": "EcsTasksOfThisAccount", "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                 "Action": "sts:AssumeRole",
                 "Condition": {"StringEquals": {"aws:SourceAccount": acct},
                               "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:{args.region}:{acct}:*"}}},
            ],
        }))
        return aws.iam.Role(
            f"{name}-{suffix}-role",
            aws.iam.RoleArgs(name=role_name, assume_role_policy=trust, description=purpose,
                             tags=with_name(args.tags, role_name)),
            opts=self._child,
        )

    def _database_users(self, name: str, args: AtlasArgs) -> None:
        s = args
        self.app_role_arn = None
        if args.app_user:
            self.app_role_arn = args.app_role_arn if args.app_role_arn is not None else self._workload_role(
                name, args, "app", "EcoMart catalog service; authenticates to Atlas as this role (MONGODB-AWS)").arn
        self.analytics_role_arn = (args.analytics_role_arn if args.analytics_role_arn is not None else
                                   self._workload_role(name, args, "analytics",
                                                       "Read-only catalog analytics; authenticates to Atlas as this "
                                                       "role").arn)
        self.users: dict[str, atlas.DatabaseUser] = {}
        for key, role_arn, mongo_role, what in (("app", self.app_role_arn, "readWrite", "catalog service"),
                                                ("analytics", self.analytics_role_arn, "read", "analytics")):
            if role_arn is None:
                continue
            self.users[key] = iam_database_user(
                f"{name}-{key}-user", project_id=self.project_id, role_arn=role_arn, mongo_role=mongo_role,
                database=s.catalog_database, cluster_name=self.cluster.name, who=what, parent=self)

    # --- auditing and alerts -------------------------------------------------------------------------------------
    def _auditing(self, name: str, args: AtlasArgs) -> None:
        s = args
        self.audit_filter = s.audit_filter or default_audit_filter(s.catalog_database, args.namespaces)
        atlas.Auditing(
            f"{name}-auditing",
            # auditAuthorizationSuccess: CRUD is audited as successful authCheck events (costs some throughput).
            atlas.AuditingArgs(project_id=self.project_id, enabled=True, audit_filter=self.audit_filter,
                               audit_authorization_success=True),
            opts=self._child,
        )

    def _alerts(self, name: str, args: AtlasArgs) -> None:
        notifications = [atlas.AlertConfigurationNotificationArgs(type_name="EMAIL", email_address=email,
                                                                  interval_min=60, delay_min=0)
                         for email in args.alert_emails]
        self.alerts: dict[str, atlas.AlertConfiguration] = {}
        for spec in alert_specs(args):
            metric = None
            if spec.metric:
                metric = atlas.AlertConfigurationMetricThresholdConfigArgs(
                    metric_name=spec.metric, operator="GREATER_THAN", threshold=spec.threshold, units=spec.units,
                    mode="AVERAGE")
            self.alerts[spec.slug] = atlas.AlertConfiguration(
                f"{name}-alert-{spec.slug}",
                atlas.AlertConfigurationArgs(project_id=self.project_id, event_type=spec.event_type, enabled=True,
                                             metric_threshold_config=metric, notifications=notifications),
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
