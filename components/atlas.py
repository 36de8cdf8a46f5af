"""The product catalog's MongoDB Atlas cluster: a global (zone-sharded) cluster in prod, a replica set in dev.

Everything Atlas needs to hold restricted data lives here, in the order Atlas needs it:

1. a project in the configured organisation (default alerts on);
2. customer-managed encryption at rest: ``CloudProviderAccessSetup`` gives Atlas' AWS account and an external id,
   an IAM role trusts exactly that pair, ``CloudProviderAccessAuthorization`` registers the role, the document
   key's policy (an ``aws.kms.KeyPolicy``: the KMS component leaves that key's policy to us) lets only that role
   encrypt/decrypt/describe, and ``EncryptionAtRest`` points Atlas at the key, reached over PrivateLink;
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
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import pulumi
import pulumi_aws as aws
import pulumi_mongodbatlas as atlas

from components.kms import key_policy
from components.network import Network
from components.tagging import with_name
from infra.config_atlas import AtlasConfig, AtlasZone, to_atlas_region, to_aws_region

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


@dataclass(frozen=True)
class AlertSpec:
    slug: str
    event_type: str
    metric: Optional[str] = None
    threshold: Optional[float] = None
    units: str = "RAW"


def alert_specs(settings: AtlasConfig) -> list[AlertSpec]:
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


def shard_layout(settings: AtlasConfig) -> list[AtlasZone]:
    """One entry per shard, in replication_specs order (a zone with 2 shards appears twice)."""
    return [zone for zone in settings.zones for _ in range(zone.shards)]


def replication_specs(settings: AtlasConfig) -> list[atlas.AdvancedClusterReplicationSpecArgs]:
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
    prefix: str
    region: str
    """AWS region of the app VPC and of the document key (the EncryptionAtRest and home PrivateLink region)."""
    tags: dict[str, str]
    settings: AtlasConfig
    account_id: pulumi.Input[str]
    document_key: aws.kms.Key
    """Created without a policy (KmsArgs.document_policy_external): this component attaches it."""
    network: Network
    alert_emails: Sequence[str]
    app_role_arn: Optional[pulumi.Input[str]] = None
    """IAM role the catalog service runs as; None creates one (trusts Lambda and ECS tasks)."""
    analytics_role_arn: Optional[pulumi.Input[str]] = None
    namespaces: Sequence[ManagedNamespace] = field(default_factory=lambda: CATALOG_NAMESPACES)


class Atlas(pulumi.ComponentResource):
    """Atlas project + encrypted, privately reachable cluster + users, backups, auditing and alerts."""

    def __init__(self, name: str, args: AtlasArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("ecomart:data:Atlas", name, None, opts)
        s = args.settings
        self._child = pulumi.ResourceOptions(parent=self)
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
            "analyticsRoleArn": self.analytics_role_arn,
        })

    # --- encryption at rest -------------------------------------------------------------------------------------
    def _encryption_at_rest(self, name: str, args: AtlasArgs) -> list[pulumi.Resource]:
        """Setup -> IAM role (Atlas' account + external id) -> authorization -> key policy -> EncryptionAtRest."""
        s = args.settings
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
        role_policy = aws.iam.RolePolicy(
            f"{name}-encryption-role-kms",
            aws.iam.RolePolicyArgs(
                role=self.encryption_role.id,
                policy=args.document_key.arn.apply(lambda arn: json.dumps({"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Action": ATLAS_KMS_ACTIONS, "Resource": arn}]})),
            ),
            opts=self._child,
        )
        self.key_policy = aws.kms.KeyPolicy(
            f"{name}-document-key-policy",
            aws.kms.KeyPolicyArgs(
                key_id=args.document_key.id,
                policy=pulumi.Output.all(args.account_id, self.encryption_role.arn).apply(
                    lambda v: key_policy("document", v[0], args.region, extra_statements=[{
                        "Sid": "AtlasEncryptionAtRestRole",
                        "Effect": "Allow",
                        "Principal": {"AWS": v[1]},
                        "Action": ATLAS_KMS_ACTIONS,
                        "Resource": "*",
                    }])),
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
                    enabled=True, customer_master_key_id=args.document_key.key_id, region=kms_region,
                    role_id=authorization.role_id, require_private_networking=s.kms_private_networking),
            ),
            # Atlas validates the key when this is created: its policy must already name the role.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.key_policy]),
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
        regions = list(dict.fromkeys(z.region for z in args.settings.zones))
        sg_name = f"{args.prefix}-atlas-privatelink"
        self.endpoint_security_group = aws.ec2.SecurityGroup(
            f"{name}-privatelink-sg",
            aws.ec2.SecurityGroupArgs(vpc_id=args.network.vpc_id, name=sg_name,
                                      description="MongoDB Atlas PrivateLink endpoints (from the app tier only)",
                                      tags=with_name(args.tags, sg_name, tier="atlas")),
            opts=self._child,
        )
        args.network.allow(f"{name}-app-to-atlas", source=args.network.security_groups["app"],
                           target=self.endpoint_security_group, port=PRIVATELINK_PORTS[0],
                           to_port=PRIVATELINK_PORTS[1], description="app tier to MongoDB Atlas over PrivateLink")
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
                    vpc_id=args.network.vpc_id,
                    service_name=service.endpoint_service_name,
                    service_region=to_aws_region(region) if remote else None,
                    vpc_endpoint_type="Interface",
                    private_dns_enabled=False,  # Atlas publishes the endpoint's host names itself
                    subnet_ids=args.network.app_subnet_ids,
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
        s = args.settings
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
        s = args.settings
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
        trust = pulumi.Output.from_input(args.account_id).apply(lambda acct: json.dumps({
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
        s = args.settings
        self.app_role_arn = args.app_role_arn if args.app_role_arn is not None else self._workload_role(
            name, args, "app", "EcoMart catalog service; authenticates to Atlas as this role (MONGODB-AWS)").arn
        self.analytics_role_arn = (args.analytics_role_arn if args.analytics_role_arn is not None else
                                   self._workload_role(name, args, "analytics",
                                                       "Read-only catalog analytics; authenticates to Atlas as this "
                                                       "role").arn)
        self.users: dict[str, atlas.DatabaseUser] = {}
        for key, role_arn, mongo_role, what in (("app", self.app_role_arn, "readWrite", "catalog service"),
                                                ("analytics", self.analytics_role_arn, "read", "analytics")):
            self.users[key] = atlas.DatabaseUser(
                f"{name}-{key}-user",
                atlas.DatabaseUserArgs(
                    project_id=self.project_id,
                    username=role_arn,
                    auth_database_name="$external",
                    aws_iam_type="ROLE",
                    roles=[atlas.DatabaseUserRoleArgs(role_name=mongo_role, database_name=s.catalog_database)],
                    scopes=[atlas.DatabaseUserScopeArgs(name=self.cluster.name, type="CLUSTER")],
                    description=f"EcoMart {what} ({mongo_role} on {s.catalog_database} only)",
                ),
                opts=self._child,
            )

    # --- auditing and alerts -------------------------------------------------------------------------------------
    def _auditing(self, name: str, args: AtlasArgs) -> None:
        s = args.settings
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
        for spec in alert_specs(args.settings):
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
