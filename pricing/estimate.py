"""The monthly cost of a stack's resources: fixed costs from their declared inputs (instance hours, nodes,
endpoints, keys, alarms), usage-based costs from the usage file, shown apart. A resource type with no price is
"not priced", a type AWS does not bill "no charge": never a silent zero.

Input: ``Resource`` records (an export's entries, or the policy pack's view of a stack). Standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pricing.catalog import ATLAS, Book, Price, PriceError, book
from pricing.usage import Usage

HOURS = 730  # hours in a month, as AWS's pricing pages count them
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # an input a preview cannot know yet

# vCPUs of the classes the price files hold (RDS Proxy and Database Insights are billed per vCPU).
_VCPUS = {"micro": 2, "small": 2, "medium": 2, "large": 2, "xlarge": 4, "2xlarge": 8, "4xlarge": 16}

# Types AWS or Atlas does not bill by themselves (their traffic, storage or requests are in the usage section).
NO_CHARGE = {
    "aws:apigatewayv2/authorizer:Authorizer",
    "aws:apigatewayv2/integration:Integration",
    "aws:apigatewayv2/route:Route",
    "aws:apigatewayv2/stage:Stage",
    "aws:backup/plan:Plan",
    "aws:backup/selection:Selection",
    "aws:backup/vault:Vault",
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy",
    "aws:cognito/userPoolClient:UserPoolClient",
    "aws:cognito/userGroup:UserGroup",
    # Atlas Search and Vector Search indexes run on the cluster's own nodes (no dedicated search nodes here)
    "mongodbatlas:index/searchIndex:SearchIndex",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    "aws:ec2/flowLog:FlowLog",
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation",
    "aws:ec2/networkAcl:NetworkAcl",
    "aws:ec2/networkAclAssociation:NetworkAclAssociation",
    "aws:ec2/networkAclRule:NetworkAclRule",
    "aws:ec2/route:Route",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/securityGroupRule:SecurityGroupRule",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/vpc:Vpc",
    "aws:elasticache/parameterGroup:ParameterGroup",
    "aws:elasticache/subnetGroup:SubnetGroup",
    "aws:elasticache/user:User",
    "aws:elasticache/userGroup:UserGroup",
    "aws:fis/experimentTemplate:ExperimentTemplate",
    "aws:iam/policy:Policy",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:kms/alias:Alias",
    "aws:kms/keyPolicy:KeyPolicy",
    "aws:lambda/codeSigningConfig:CodeSigningConfig",
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
    "aws:lambda/invocation:Invocation",
    "aws:lambda/permission:Permission",
    "aws:rds/clusterParameterGroup:ClusterParameterGroup",
    "aws:rds/eventSubscription:EventSubscription",
    "aws:rds/parameterGroup:ParameterGroup",
    "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup",
    "aws:rds/proxyTarget:ProxyTarget",
    "aws:rds/subnetGroup:SubnetGroup",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLogging:BucketLogging",
    "aws:s3/bucketNotification:BucketNotification",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:s3/bucketObjectv2:BucketObjectv2",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:scheduler/schedule:Schedule",
    "aws:secretsmanager/secretPolicy:SecretPolicy",
    "aws:secretsmanager/secretRotation:SecretRotation",
    "aws:secretsmanager/secretVersion:SecretVersion",
    "aws:signer/signingJob:SigningJob",
    "aws:signer/signingProfile:SigningProfile",
    "aws:sns/topic:Topic",
    "aws:sns/topicPolicy:TopicPolicy",
    "aws:sns/topicSubscription:TopicSubscription",
    "aws:sqs/queue:Queue",
    "aws:sqs/queuePolicy:QueuePolicy",
    "aws:ssm/parameter:Parameter",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "mongodbatlas:index/alertConfiguration:AlertConfiguration",
    "mongodbatlas:index/auditing:Auditing",
    "mongodbatlas:index/backupCompliancePolicy:BackupCompliancePolicy",
    "mongodbatlas:index/cloudBackupSchedule:CloudBackupSchedule",
    "mongodbatlas:index/cloudProviderAccessAuthorization:CloudProviderAccessAuthorization",
    "mongodbatlas:index/cloudProviderAccessSetup:CloudProviderAccessSetup",
    "mongodbatlas:index/databaseUser:DatabaseUser",
    "mongodbatlas:index/encryptionAtRest:EncryptionAtRest",
    "mongodbatlas:index/encryptionAtRestPrivateEndpoint:EncryptionAtRestPrivateEndpoint",
    "mongodbatlas:index/globalClusterConfig:GlobalClusterConfig",
    "mongodbatlas:index/maintenanceWindow:MaintenanceWindow",
    "mongodbatlas:index/privateLinkEndpoint:PrivateLinkEndpoint",
    "mongodbatlas:index/privateLinkEndpointService:PrivateLinkEndpointService",
    "mongodbatlas:index/project:Project",
    "mongodbatlas:index/projectIpAccessList:ProjectIpAccessList",
}


@dataclass(frozen=True)
class Resource:
    """What pricing needs of a declared resource."""

    urn: str
    type: str
    props: Mapping[str, Any]
    parent: str | None = None

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


@dataclass
class Line:
    dimension: str
    quantity: float
    unit: str
    price: Price

    @property
    def monthly(self) -> float:
        return self.quantity * self.price.usd


@dataclass
class Item:
    """One resource's fixed monthly cost (``status``: priced, no-charge, not-priced)."""

    urn: str
    type: str
    name: str
    component: str
    status: str
    lines: list[Line] = field(default_factory=list)
    note: str = ""

    @property
    def monthly(self) -> float:
        return sum(line.monthly for line in self.lines)


@dataclass
class UsageItem:
    """A usage-based cost (an estimate from the usage file): per service, or per function for Lambda."""

    service: str
    what: str
    key: str  # the usage file key it multiplies
    lines: list[Line] = field(default_factory=list)

    @property
    def monthly(self) -> float:
        return sum(line.monthly for line in self.lines)


@dataclass
class Estimate:
    stack: str | None
    region: str
    items: list[Item]
    usage_items: list[UsageItem]
    usage_source: str
    price_dates: dict[str, str]

    @property
    def fixed(self) -> float:
        return sum(i.monthly for i in self.items)

    @property
    def usage(self) -> float:
        return sum(u.monthly for u in self.usage_items)

    @property
    def total(self) -> float:
        return self.fixed + self.usage

    def by_component(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for item in self.items:
            out[item.component] = out.get(item.component, 0.0) + item.monthly
        return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))

    def not_priced(self) -> list[Item]:
        return [i for i in self.items if i.status == "not-priced"]


class _Pricer:
    """Prices one stack: its resources indexed (replicas find their source, proxies their targets)."""

    def __init__(self, resources: list[Resource], region: str, usage: Usage):
        self.resources = resources
        self.region = region
        self.usage = usage
        self.books: dict[str, Book] = {}
        self.by_urn = {r.urn: r for r in resources}
        self.rds_by_ref: dict[str, Resource] = {}
        for r in resources:
            if r.type == "aws:rds/instance:Instance":
                for key in ("identifier", "arn", "id"):
                    value = r.props.get(key)
                    if isinstance(value, str) and value != UNKNOWN:
                        self.rds_by_ref[value] = r

    # -- prices ---------------------------------------------------------------------------------------------------
    def book(self, name: str) -> Book:
        if name not in self.books:
            self.books[name] = book(name)
        return self.books[name]

    def price(self, key: str, region: str | None = None) -> Price:
        found = self.book(region or self.region).get(key)
        if found is None:
            raise _NoPrice(key)
        return found

    def region_of(self, r: Resource) -> str:
        value = r.props.get("region")
        return value if isinstance(value, str) and value and value != UNKNOWN else self.region

    # -- resources ------------------------------------------------------------------------------------------------
    def item(self, r: Resource) -> Item:
        component = _component(r, self.by_urn)
        item = Item(r.urn, r.type, r.name, component, "priced")
        if r.type in NO_CHARGE:
            item.status = "no-charge"
            return item
        fn = _PRICERS.get(r.type)
        if fn is None:
            item.status, item.note = "not-priced", "no price for this resource type"
            return item
        try:
            item.lines = fn(self, r)
        except _NoPrice as e:
            item.status, item.note, item.lines = "not-priced", f"no price {e.key!r} in the price file", []
        except _Unknown as e:
            item.status, item.note, item.lines = "not-priced", f"{e.prop} {e.why}", []
        except PriceError as e:  # a region with no price file
            item.status, item.note, item.lines = "not-priced", str(e), []
        return item

    def source_of(self, replica: Resource) -> Resource | None:
        ref = replica.props.get("replicateSourceDb")
        if not isinstance(ref, str):
            return None
        return self.rds_by_ref.get(ref) or self.rds_by_ref.get(ref.rsplit(":", 1)[-1])


class _NoPrice(Exception):
    def __init__(self, key: str):
        self.key = key


class _Unknown(Exception):
    def __init__(self, prop: str, why: str = "is not known yet (a preview)"):
        self.prop, self.why = prop, why


def _required(r: Resource, prop: str) -> Any:
    """A property the price depends on: unknown (a preview) or unset, the resource is not priced, and says why."""
    value = _known(r, prop)
    if value is None or value == "":
        raise _Unknown(prop, "is not set")
    return value


def _known(r: Resource, prop: str, default: Any = None) -> Any:
    value = r.props.get(prop, default)
    if value == UNKNOWN or (isinstance(value, str) and UNKNOWN in value):
        raise _Unknown(prop)
    return value if value is not None else default


def _num(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def vcpus(instance_class: str) -> int:
    """The vCPUs of a db./cache. class (its size: large 2, xlarge 4, 2xlarge 8, ...)."""
    size = instance_class.rsplit(".", 1)[-1]
    if size in _VCPUS:
        return _VCPUS[size]
    m = re.fullmatch(r"(\d+)xlarge", size)
    return 4 * int(m.group(1)) if m else 2


def _engine_family(engine: str | None) -> str:
    if engine in (None, "postgres", "aurora-postgresql"):
        return "postgres"
    if engine in ("mysql", "aurora-mysql"):
        return "mysql"
    return str(engine)


def _rds_instance(p: _Pricer, r: Resource) -> list[Line]:
    region = p.region_of(r)
    source = p.source_of(r) if r.props.get("replicateSourceDb") else None
    engine = _known(r, "engine") or (source.props.get("engine") if source else None)
    cls = _required(r, "instanceClass")
    multi = bool(_known(r, "multiAz", False))
    copies = 2 if multi else 1
    az = " x2 (Multi-AZ: primary and standby)" if multi else ""
    lines = [
        Line(
            f"{cls} instance-hours{az}", HOURS * copies, "hours", p.price(f"rds.{_engine_family(engine)}.{cls}", region)
        )
    ]
    storage_src = source if (source is not None and r.props.get("allocatedStorage") is None) else r
    gb = _num(_known(storage_src, "allocatedStorage", 0))
    iops = _num(_known(r, "iops", 0))
    kind = _known(r, "storageType") or ("io1" if iops else "gp2")
    if gb:
        lines.append(
            Line(f"{kind} storage, {gb:g} GB{az}", gb * copies, "GB-month", p.price(f"rds.storage.{kind}", region))
        )
    if kind == "gp3":
        base_iops, base_tput = (12000, 500) if gb >= 400 else (3000, 125)  # RDS gp3 baselines (PostgreSQL, MySQL)
        if iops > base_iops:
            extra = (iops - base_iops) * copies
            lines.append(
                Line(
                    f"IOPS above the {base_iops} included", extra, "IOPS-month", p.price("rds.storage.gp3.iops", region)
                )
            )
        tput = _num(_known(r, "storageThroughput", 0))
        if tput > base_tput:
            extra = (tput - base_tput) * copies
            lines.append(
                Line(
                    f"throughput above {base_tput} MiB/s",
                    extra,
                    "MiBps-month",
                    p.price("rds.storage.gp3.throughput", region),
                )
            )
    elif kind in ("io1", "io2") and iops:
        lines.append(
            Line(f"provisioned IOPS{az}", iops * copies, "IOPS-month", p.price(f"rds.storage.{kind}.iops", region))
        )
    retention = _num(_known(r, "performanceInsightsRetentionPeriod", 0))
    if retention > 7:  # beyond the free 7 days: Database Insights' Advanced mode, per vCPU
        lines.append(
            Line(
                f"Performance Insights kept {retention:g} days (Advanced mode), {vcpus(cls)} vCPUs",
                vcpus(cls) * HOURS,
                "vCPU-hours",
                p.price("rds.database-insights.advanced", region),
            )
        )
    if r.props.get("manageMasterUserPassword") is True:
        lines.append(
            Line("master password secret (managed by RDS)", 1, "secret-month", p.price("secretsmanager.secret", region))
        )
    return lines


def _rds_proxy(p: _Pricer, r: Resource) -> list[Line]:
    region = p.region_of(r)
    name = r.props.get("name")
    total = 0
    for t in p.resources:
        if t.type == "aws:rds/proxyTarget:ProxyTarget" and t.props.get("dbProxyName") in (name, r.props.get("id")):
            target = p.rds_by_ref.get(str(t.props.get("dbInstanceIdentifier")))
            if target is not None:
                total += vcpus(str(_known(target, "instanceClass")))
    billed = max(total, 2)  # RDS Proxy bills at least 2 vCPUs
    return [Line(f"{billed} vCPUs of its target instances", billed * HOURS, "vCPU-hours", p.price("rds.proxy", region))]


def _elasticache_group(p: _Pricer, r: Resource) -> list[Line]:
    region = p.region_of(r)
    node = _required(r, "nodeType")
    shards = int(_num(_known(r, "numNodeGroups", 1), 1)) or 1
    replicas = _known(r, "replicasPerNodeGroup")
    clusters = _known(r, "numCacheClusters")
    nodes = shards * (int(_num(replicas)) + 1) if replicas is not None else int(_num(clusters, 1)) or 1
    engine = _known(r, "engine", "redis")
    price = p.price(f"elasticache.redis.{node}", region)
    lines = [Line(f"{nodes} x {node} node-hours ({shards} shards)", nodes * HOURS, "node-hours", price)]
    if engine == "valkey":
        discount = p.price("elasticache.valkey.discount", region)
        lines.append(Line("Valkey: 20 % below Redis OSS", -nodes * HOURS * price.usd, "node-hours x share", discount))
    return lines


def _atlas_cluster(p: _Pricer, r: Resource) -> list[Line]:
    lines = []
    for spec in _known(r, "replicationSpecs", []) or []:
        zone = spec.get("zoneName", "shard")
        for rc in spec.get("regionConfigs") or []:
            region = rc.get("regionName")
            for kind in ("electableSpecs", "readOnlySpecs", "analyticsSpecs"):
                s = rc.get(kind) or {}
                nodes = int(_num(s.get("nodeCount"), 0))
                if not nodes:
                    continue
                size = s.get("instanceSize")
                if size == UNKNOWN or region == UNKNOWN:
                    raise _Unknown("replicationSpecs")
                if not size or not region:
                    raise _Unknown("replicationSpecs[].regionConfigs[].instanceSize/regionName", "is not set")
                set_price = p.book(ATLAS).get(f"atlas.{size}.{region}")
                if set_price is None:
                    raise _NoPrice(f"atlas.{size}.{region}")
                label = kind.removesuffix("Specs")
                lines.append(
                    Line(
                        f"{zone}: {nodes} {label} {size} nodes in {region}",
                        nodes * HOURS / 3,
                        "3-node-set-hours",
                        set_price,
                    )
                )
    if not lines:
        raise _Unknown("replicationSpecs")
    return lines


def _vpc_endpoint(p: _Pricer, r: Resource) -> list[Line]:
    kind = _known(r, "vpcEndpointType", "Gateway")
    if kind == "Gateway":
        return []
    azs = len(_known(r, "subnetIds", []) or []) or 1
    return [
        Line(f"interface endpoint in {azs} AZs", azs * HOURS, "AZ-hours", p.price("vpce.interface", p.region_of(r)))
    ]


def _fixed(key: str, unit: str, what: str):
    def price(p: _Pricer, r: Resource) -> list[Line]:
        return [Line(what, 1, unit, p.price(key, p.region_of(r)))]

    return price


def _metric_alarm(p: _Pricer, r: Resource) -> list[Line]:
    metrics = [q for q in (r.props.get("metricQueries") or []) if isinstance(q, dict) and q.get("metric")]
    n = len(metrics) or 1
    period = _num(r.props.get("period"), 60)
    key = "cloudwatch.alarm.high-resolution" if period and period < 60 else "cloudwatch.alarm"
    return [Line(f"alarm on {n} metric{'s' if n > 1 else ''}", n, "alarm-metric-months", p.price(key, p.region_of(r)))]


def _usage_only(_: _Pricer, __: Resource) -> list[Line]:
    return []


_PRICERS = {
    "aws:rds/instance:Instance": _rds_instance,
    "aws:rds/proxy:Proxy": _rds_proxy,
    "aws:elasticache/replicationGroup:ReplicationGroup": _elasticache_group,
    "mongodbatlas:index/advancedCluster:AdvancedCluster": _atlas_cluster,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
    "aws:kms/key:Key": _fixed("kms.key", "key-month", "customer managed key"),
    "aws:kms/replicaKey:ReplicaKey": _fixed("kms.key", "key-month", "multi-Region replica key"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _metric_alarm,
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": _fixed(
        "cloudwatch.composite-alarm", "alarm-month", "composite alarm"
    ),
    "aws:cloudwatch/dashboard:Dashboard": _fixed("cloudwatch.dashboard", "dashboard-month", "dashboard"),
    "aws:secretsmanager/secret:Secret": _fixed("secretsmanager.secret", "secret-month", "secret"),
    # Billed by use only: their cost is in the usage section.
    "aws:lambda/function:Function": _usage_only,
    "aws:apigatewayv2/api:Api": _usage_only,
    "aws:cognito/userPool:UserPool": _usage_only,
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": _usage_only,
}


def _component(r: Resource, by_urn: Mapping[str, Resource]) -> str:
    """The nearest component (a resource of a type with no provider: ``ecomart:data:Postgres``) above ``r``."""
    parent = r.parent
    while parent and parent in by_urn:
        p = by_urn[parent]
        if not _is_resource(p):
            return f"{p.type.rsplit(':', 1)[-1]} ({p.name})"
        parent = p.parent
    if parent and "::" in parent and not parent.split("::")[-2].endswith("pulumi:pulumi:Stack"):
        typ = parent.split("::")[-2].split("$")[-1]  # a parent not in the list: its URN still names its type
        return f"{typ.rsplit(':', 1)[-1]} ({parent.rsplit('::', 1)[-1]})"
    return "(stack)"


_BACKUP_REPLICATION = "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"


def _usage_items(p: _Pricer) -> list[UsageItem]:
    u, region = p.usage, p.region
    present = {r.type for r in p.resources}
    out: list[UsageItem] = []

    def add(service: str, what: str, key: str, lines: list[Line]) -> None:
        out.append(UsageItem(service, what, key, lines))

    for fn in sorted((r for r in p.resources if r.type == "aws:lambda/function:Function"), key=lambda r: r.name):
        name = str(fn.props.get("name") or fn.name)
        requests = u.function(name, "requests_per_month")
        seconds = u.function(name, "average_duration_ms") / 1000
        memory_gb = _num(fn.props.get("memorySize"), 128) / 1024
        arch = "arm64" if "arm64" in (fn.props.get("architectures") or []) else "x86_64"
        add(
            "Lambda",
            name,
            f"lambda.functions.{name}",
            [
                Line("requests", requests, "requests", p.price("lambda.requests", region)),
                Line(
                    f"compute ({memory_gb:g} GB, {arch})",
                    requests * seconds * memory_gb,
                    "GB-seconds",
                    p.price(f"lambda.{arch}.gb-second", region),
                ),
            ],
        )
    if "aws:apigatewayv2/api:Api" in present:
        n = u.get("api_gateway", "requests_per_month")
        add(
            "API Gateway",
            "HTTP API requests",
            "api_gateway.requests_per_month",
            [Line("requests", n, "requests", p.price("apigw.http.requests", region))],
        )
    for pool in (r for r in p.resources if r.type == "aws:cognito/userPool:UserPool"):
        tier = str(pool.props.get("userPoolTier") or "ESSENTIALS").lower()
        maus = u.get("cognito", "monthly_active_users")
        free = p.price("cognito.free-maus", region).usd if tier in ("lite", "essentials") else 0
        add(
            "Cognito",
            f"{pool.name} ({tier.upper()})",
            "cognito.monthly_active_users",
            [Line(f"MAUs beyond {free:g} free", max(0.0, maus - free), "MAUs", p.price(f"cognito.{tier}.mau", region))],
        )
    if any(t.startswith("aws:rds/instance") for t in present):
        add(
            "RDS",
            "backup storage",
            "rds.backup_storage_gb",
            [
                Line(
                    "beyond the free allowance",
                    u.get("rds", "backup_storage_gb"),
                    "GB-month",
                    p.price("rds.backup.storage", region),
                )
            ],
        )
    for rep in (r for r in p.resources if r.type == _BACKUP_REPLICATION):
        gb = u.get("rds", "replicated_backup_gb")
        dest = p.region_of(rep)
        try:
            stored = p.price("rds.backup.storage", dest)
        except (PriceError, _NoPrice):  # no price file for the destination: priced at the stack's region's
            stored = p.price("rds.backup.storage", region)
        add(
            "RDS",
            f"backups replicated to {dest}",
            "rds.replicated_backup_gb",
            [
                Line("transfer between regions", gb, "GB", p.price("transfer.inter-region", region)),
                Line(f"storage in {dest} (at {stored.book} prices)", gb, "GB-month", stored),
            ],
        )
    if "aws:elasticache/replicationGroup:ReplicationGroup" in present:
        add(
            "ElastiCache",
            "snapshot storage",
            "elasticache.snapshot_storage_gb",
            [
                Line(
                    "beyond the free one",
                    u.get("elasticache", "snapshot_storage_gb"),
                    "GB-month",
                    p.price("elasticache.snapshot", region),
                )
            ],
        )
    if "mongodbatlas:index/advancedCluster:AdvancedCluster" in present:
        atlas = p.book(ATLAS)
        add(
            "Atlas",
            "cloud backups",
            "atlas.backup_storage_gb",
            [
                Line(
                    "snapshot storage",
                    u.get("atlas", "backup_storage_gb"),
                    "GB-month",
                    _must(atlas, "atlas.backup.storage"),
                ),
                Line(
                    "continuous backup storage",
                    u.get("atlas", "pit_storage_gb"),
                    "GB-month",
                    _must(atlas, "atlas.pit.storage"),
                ),
            ],
        )
    if "aws:cloudwatch/logGroup:LogGroup" in present:
        add(
            "CloudWatch Logs",
            "all log groups",
            "cloudwatch_logs.*",
            [
                Line(
                    "ingestion",
                    u.get("cloudwatch_logs", "ingested_gb_per_month"),
                    "GB",
                    p.price("logs.ingestion", region),
                ),
                Line("storage", u.get("cloudwatch_logs", "stored_gb"), "GB-month", p.price("logs.storage", region)),
            ],
        )
    if any(t.startswith("aws:s3/bucket") for t in present):
        add(
            "S3",
            "all buckets",
            "s3.*",
            [
                Line("Standard storage", u.get("s3", "stored_gb"), "GB-month", p.price("s3.standard", region)),
                Line(
                    "PUT/COPY/POST/LIST", u.get("s3", "put_requests_per_month"), "requests", p.price("s3.put", region)
                ),
                Line("GET", u.get("s3", "get_requests_per_month"), "requests", p.price("s3.get", region)),
            ],
        )
    if "aws:sqs/queue:Queue" in present:
        add(
            "SQS",
            "all queues",
            "sqs.requests_per_month",
            [Line("requests", u.get("sqs", "requests_per_month"), "requests", p.price("sqs.requests", region))],
        )
    if "aws:sns/topic:Topic" in present:
        add(
            "SNS",
            "all topics",
            "sns.*",
            [
                Line("publishes", u.get("sns", "publishes_per_month"), "requests", p.price("sns.publishes", region)),
                Line(
                    "e-mail deliveries",
                    u.get("sns", "email_notifications_per_month"),
                    "notifications",
                    p.price("sns.email", region),
                ),
            ],
        )
    if "aws:kms/key:Key" in present:
        add(
            "KMS",
            "all keys",
            "kms.requests_per_month",
            [Line("requests", u.get("kms", "requests_per_month"), "requests", p.price("kms.requests", region))],
        )
    if "aws:ec2/vpcEndpoint:VpcEndpoint" in present:
        add(
            "VPC endpoints",
            "all interface endpoints",
            "vpc_endpoints.processed_gb_per_month",
            [
                Line(
                    "data processed",
                    u.get("vpc_endpoints", "processed_gb_per_month"),
                    "GB",
                    p.price("vpce.processed", region),
                )
            ],
        )
    if "aws:backup/vault:Vault" in present:
        add(
            "AWS Backup",
            "recovery points",
            "backup.*",
            [
                Line(
                    "RDS recovery points (warm)",
                    u.get("backup", "warm_storage_gb"),
                    "GB-month",
                    p.price("backup.rds.warm", region),
                ),
                Line(
                    "copies to another region",
                    u.get("backup", "cross_region_copy_gb"),
                    "GB",
                    p.price("transfer.inter-region", region),
                ),
            ],
        )
    if "aws:fis/experimentTemplate:ExperimentTemplate" in present:
        add(
            "FIS",
            "experiments",
            "fis.action_minutes_per_month",
            [
                Line(
                    "action-minutes",
                    u.get("fis", "action_minutes_per_month"),
                    "action-minutes",
                    p.price("fis.action-minute", region),
                )
            ],
        )
    if "aws:scheduler/schedule:Schedule" in present:
        add(
            "EventBridge Scheduler",
            "all schedules",
            "scheduler.invocations_per_month",
            [
                Line(
                    "invocations",
                    u.get("scheduler", "invocations_per_month"),
                    "invocations",
                    p.price("scheduler.invocations", region),
                )
            ],
        )
    if "aws:secretsmanager/secret:Secret" in present or any(
        r.props.get("manageMasterUserPassword") is True for r in p.resources if r.type == "aws:rds/instance:Instance"
    ):
        add(
            "Secrets Manager",
            "API calls",
            "secrets_manager.api_calls_per_month",
            [
                Line(
                    "API calls",
                    u.get("secrets_manager", "api_calls_per_month"),
                    "requests",
                    p.price("secretsmanager.api", region),
                )
            ],
        )
    return out


def _must(b: Book, key: str) -> Price:
    found = b.get(key)
    if found is None:
        raise PriceError(f"{b.name}.json has no price {key!r}")
    return found


def estimate(
    resources: Iterable[Resource], region: str, usage: Usage | None = None, stack: str | None = None
) -> Estimate:
    """The monthly cost of ``resources`` (those of a stack) at ``region``'s prices (a resource's own ``region``
    input picks its region's file)."""
    listed = [r for r in resources if not r.type.startswith("pulumi:")]
    pricer = _Pricer(listed, region, usage or Usage())
    book(region)  # the stack's region must have a price file: PriceError otherwise
    items = [pricer.item(r) for r in listed if _is_resource(r)]
    usage_items = _usage_items(pricer)
    dates = {name: b.read for name, b in sorted(pricer.books.items())}
    return Estimate(stack, region, items, usage_items, pricer.usage.source, dates)


def _is_resource(r: Resource) -> bool:
    """A provider's resource, not a component (``pkg:module/name:Name`` against ``ecomart:data:Postgres``):
    components and the stack are not billed, their children are."""
    parts = r.type.split(":")
    return len(parts) == 3 and "/" in parts[1]


def resources_of_export(doc: Mapping[str, Any]) -> list[Resource]:
    """The declared resources of a ``pulumi stack export`` document (reads and providers left out), their inputs
    over their outputs."""
    out = []
    for e in (doc.get("deployment") or {}).get("resources") or []:
        if not isinstance(e, dict) or e.get("external") or e.get("type", "").startswith("pulumi:providers:"):
            continue
        props = {**(e.get("outputs") or {}), **(e.get("inputs") or {})}
        if e.get("id") and "id" not in props:
            props["id"] = e["id"]
        out.append(Resource(str(e.get("urn")), str(e.get("type")), props, e.get("parent")))
    return out
