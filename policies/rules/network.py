"""Network exposure: security groups (inline and per-rule resources), NACLs, subnets, flow logs, VPC endpoints.

checkov's open-ingress checks look at admin ports (22/3389) from 0.0.0.0/0; a database or cache port open to the
internet, or to any public range, passes them. ``sg-no-public-ingress-data-ports`` refuses any non-private CIDR on
the PostgreSQL, Redis/Valkey and MongoDB ports (and the other common database ports), and
``sg-no-open-ingress`` refuses 0.0.0.0/0 and ::/0 on every port. Both read the three ways a rule can be declared:
inline ``ingress`` on ``aws.ec2.SecurityGroup``, ``aws.ec2.SecurityGroupRule`` and
``aws.vpc.SecurityGroupIngressRule``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from platform_rules import POSTGRES_PORT, policy_defaults
from policies.engine.core import (
    Report,
    Res,
    SRes,
    Stack,
    StackReport,
    absent,
    as_list,
    identity,
    is_open_cidr,
    is_public_cidr,
    is_true,
    known,
    not_true,
    num,
    port_range_covers,
    resource_policy,
    show,
    stack_policy,
)
from policies.engine.facts import NO_RULE, REQUIRED
from policies.engine.meta import CCPA_SEC, GDPR_BREACH, GDPR_CIA, GDPR_RECORDS
from policies.engine.relations import is_replica
from policies.engine.tokens import (
    DEFAULT_ROUTE_TABLE,
    DEFAULT_SG,
    DOCDB_SUBNET_GROUP,
    EC_CLUSTER,
    EC_REPLICATION_GROUP,
    EC_SERVERLESS,
    EC_SUBNET_GROUP,
    FLOW_LOG,
    INTERNET_GATEWAY,
    MAIN_ROUTE_TABLE_ASSOCIATION,
    NEPTUNE_SUBNET_GROUP,
    NETWORK_ACL,
    NETWORK_ACL_ASSOCIATION,
    NETWORK_ACL_RULE,
    RDS_CLUSTER,
    RDS_INSTANCE,
    RDS_PROXY,
    RDS_SUBNET_GROUP,
    REDSHIFT_SUBNET_GROUP,
    ROUTE,
    ROUTE_TABLE,
    ROUTE_TABLE_ASSOCIATION,
    SECURITY_GROUP,
    SG_EGRESS_RULE,
    SG_INGRESS_RULE,
    SG_RULE,
    SUBNET,
    VPC,
    VPC_ENDPOINT,
)

# Engine defaults, and this platform's PostgreSQL port (not the default: FSBP RDS.23).
DATA_PORTS = {
    5432: "PostgreSQL",
    POSTGRES_PORT: "PostgreSQL",
    6379: "Redis/Valkey",
    27017: "MongoDB",
    3306: "MySQL",
    1433: "SQL Server",
    1521: "Oracle",
    9042: "Cassandra",
    11211: "Memcached",
}
ADMIN_PORTS = {22: "SSH", 3389: "RDP"}
VALID_TIERS = ("data", "app", "endpoints", "public")


def _rules(r: Res, direction: str) -> Iterator[tuple[str, Any, Any, Any, list]]:
    """(label, protocol, from, to, [cidrs]) of every rule of ``direction`` ("ingress"/"egress") a resource declares."""
    if r.type in (SECURITY_GROUP, DEFAULT_SG):
        rules = r.get(direction)
        if not known(rules):
            return
        for i, rule in enumerate(rules or []):
            if not isinstance(rule, dict):
                continue
            cidrs = (
                list(rule.get("cidrBlocks") or []) + list(rule.get("ipv6CidrBlocks") or [])
                if known(rule.get("cidrBlocks")) and known(rule.get("ipv6CidrBlocks"))
                else []
            )
            yield f"{direction}[{i}]", rule.get("protocol"), rule.get("fromPort"), rule.get("toPort"), cidrs
    elif r.type == SG_RULE:
        if r.get("type") != direction:
            return
        v4, v6 = r.get("cidrBlocks"), r.get("ipv6CidrBlocks")
        cidrs = (list(v4 or []) if known(v4) else []) + (list(v6 or []) if known(v6) else [])
        yield "rule", r.get("protocol"), r.get("fromPort"), r.get("toPort"), cidrs
    elif (r.type == SG_INGRESS_RULE and direction == "ingress") or (r.type == SG_EGRESS_RULE and direction == "egress"):
        cidrs = [c for c in (r.get("cidrIpv4"), r.get("cidrIpv6")) if not absent(c)]
        yield "rule", r.get("ipProtocol"), r.get("fromPort"), r.get("toPort"), cidrs


_SG_CHECKS = {
    SECURITY_GROUP: (
        "ingress[].cidrBlocks",
        "ingress[].ipv6CidrBlocks",
        "ingress[].fromPort",
        "ingress[].toPort",
        "ingress[].protocol",
    ),
    SG_RULE: ("cidrBlocks", "ipv6CidrBlocks", "fromPort", "toPort", "protocol", "type"),
    SG_INGRESS_RULE: ("cidrIpv4", "cidrIpv6", "fromPort", "toPort", "ipProtocol"),
}


@resource_policy(
    "sg-no-open-ingress",
    unset={
        "ingress.0.cidrBlocks": NO_RULE,
        "ingress.0.ipv6CidrBlocks": NO_RULE,
        "cidrBlocks": NO_RULE,
        "ipv6CidrBlocks": NO_RULE,
        "cidrIpv4": NO_RULE,
        "cidrIpv6": NO_RULE,
    },
    types=(SECURITY_GROUP, SG_RULE, SG_INGRESS_RULE),
    severity="critical",
    category="security",
    controls=(
        "pci-1-3-1",
        "cis-5-2",
        "cis-5-3",
        GDPR_CIA,
        CCPA_SEC,
        "fsbp-ec2-18",
        "fsbp-ec2-19",
        "fsbp-ec2-53",
        "fsbp-ec2-54",
    ),
    description="No security group rule admits 0.0.0.0/0 or ::/0, but on the TCP ports of `authorizedTcpPorts` "
    "(this platform: none; FSBP EC2.18: 80 and 443).",
    why="Nothing in the data platform serves the internet: every tier is reached from another tier's security "
    "group or through a VPC endpoint, so an open CIDR is always a mistake.",
    remediation="Reference the source tier's security group (`referenced_security_group_id` / "
    "`source_security_group_id`) instead of a CIDR.",
    checks={t: tuple(p for p in paths if "Cidr" in p or "cidr" in p) for t, paths in _SG_CHECKS.items()},
    config=policy_defaults("sg-no-open-ingress"),
    config_descriptions={
        "authorizedTcpPorts": 'TCP ports and ranges ("443", "1020-1025") that may be open to the internet, as '
        "AWS Config's vpc-sg-open-only-to-authorized-ports takes them."
    },
)
def sg_no_open_ingress(r: Res, report: Report) -> None:
    authorized = _port_ranges(r.setting("authorizedTcpPorts") or ())
    offending = []
    for label, proto, lo, hi, cidrs in _rules(r, "ingress"):
        open_to = [c for c in cidrs if is_open_cidr(c)]
        if not open_to:
            continue
        ports = "all ports" if (absent(lo) and absent(hi)) or str(proto) in ("-1", "all") else f"ports {lo}-{hi}"
        low, high = num(lo), num(hi)
        if (
            str(proto).lower() in ("tcp", "6")
            and low is not None
            and high is not None
            and any(a <= low and high <= b for a, b in authorized)
        ):
            continue
        offending.append(f"{label} admits {', '.join(open_to)} on {ports}")
    if offending:
        # One finding per resource, naming every open rule (a group opening five ports was five findings).
        report("; ".join(offending))


def _port_ranges(spec: Any) -> list[tuple[int, int]]:
    """``["80", "443", "1020-1025"]`` (or one comma-separated string, as AWS Config takes it) as closed ranges."""
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    out = []
    for item in items:
        lo, _, hi = str(item).strip().partition("-")
        try:
            out.append((int(lo), int(hi or lo)))
        except ValueError:
            continue
    return out


@resource_policy(
    "sg-no-public-ingress-data-ports",
    unset={
        "ingress.0.fromPort": NO_RULE,
        "ingress.0.toPort": NO_RULE,
        "ingress.0.cidrBlocks": NO_RULE,
        "ingress.0.ipv6CidrBlocks": NO_RULE,
        "fromPort": NO_RULE,
        "toPort": NO_RULE,
        "cidrBlocks": NO_RULE,
        "ipv6CidrBlocks": NO_RULE,
        "type": NO_RULE,
        "cidrIpv4": NO_RULE,
        "cidrIpv6": NO_RULE,
    },
    types=(SECURITY_GROUP, SG_RULE, SG_INGRESS_RULE),
    severity="critical",
    category="security",
    # Not FSBP EC2.19 (unrestricted access to high-risk ports): 0.0.0.0/0 and ::/0 are sg-no-open-ingress's, which
    # proves EC2.19; this policy is about the narrower public ranges no catalogue control names.
    controls=("pci-1-4-4", "pci-1-3-1", GDPR_CIA, CCPA_SEC),
    description="No security group rule admits a public (non-RFC 1918) CIDR to a database or cache port "
    f"({', '.join(map(str, DATA_PORTS))}); 0.0.0.0/0 and ::/0 are sg-no-open-ingress's.",
    why="Data stores hold the customer and cardholder data; even a narrow public range (one office, one vendor) "
    "on their ports makes them internet-facing. checkov does not flag these ports.",
    remediation="Replace `cidr_ipv4`/`cidr_blocks` with `referenced_security_group_id=<app tier SG>` "
    "(`aws.vpc.SecurityGroupIngressRule`, as `Network.allow` writes it); reach Atlas through PrivateLink.",
    checks=_SG_CHECKS,
)
def sg_no_public_ingress_data_ports(r: Res, report: Report) -> None:
    offending = []
    for label, proto, lo, hi, cidrs in _rules(r, "ingress"):
        public = [c for c in cidrs if is_public_cidr(c) and not is_open_cidr(c)]
        ports = [f"{port} ({what})" for port, what in DATA_PORTS.items() if port_range_covers(lo, hi, proto, port)]
        if public and ports:
            offending.append(f"{label} admits public {', '.join(public)} to port {', '.join(ports)}")
    if offending:
        report("; ".join(offending))


@resource_policy(
    "sg-rule-descriptions",
    types=(SECURITY_GROUP, SG_INGRESS_RULE, SG_EGRESS_RULE),
    severity="low",
    category="governance",
    controls=("pci-1-2-5",),
    description="Security groups and their rules say what they allow and why (`description`).",
    why="PCI DSS asks that every allowed port and protocol be identified and approved; the description is where "
    "the reviewer finds the reason.",
    remediation="Set `description` on the security group and on every rule.",
    checks={
        SECURITY_GROUP: ("description", "ingress[].description"),
        SG_INGRESS_RULE: ("description",),
        SG_EGRESS_RULE: ("description",),
    },
)
def sg_rule_descriptions(r: Res, report: Report) -> None:
    if absent(r.get("description")):
        report("description is not set")
    if r.type == SECURITY_GROUP:
        for direction in ("ingress", "egress"):
            rules = r.get(direction)
            if not known(rules):
                continue
            for i, rule in enumerate(rules or []):
                if isinstance(rule, dict) and absent(rule.get("description")):
                    report(f"{direction}[{i}] has no description")


@resource_policy(
    "sg-no-unrestricted-egress",
    unset={
        "egress.0.cidrBlocks": NO_RULE,
        "egress.0.protocol": NO_RULE,
        "cidrBlocks": NO_RULE,
        "protocol": NO_RULE,
        "type": NO_RULE,
        "cidrIpv4": NO_RULE,
        "ipProtocol": NO_RULE,
    },
    types=(SECURITY_GROUP, SG_RULE, SG_EGRESS_RULE),
    severity="medium",
    category="security",
    controls=("pci-1-3-2", GDPR_CIA),
    description="No security group allows all traffic (every protocol) out to 0.0.0.0/0 or ::/0.",
    why="Unrestricted egress is how a compromised workload exfiltrates data; the platform needs only its VPC "
    "endpoints and the other tiers.",
    remediation="Write egress rules with `referenced_security_group_id=<destination tier SG>` and its port "
    "(`aws.vpc.SecurityGroupEgressRule`); declare `aws.ec2.SecurityGroup` without inline `egress` so the "
    "provider removes AWS' default allow-all rule.",
    checks={
        SECURITY_GROUP: ("egress[].cidrBlocks", "egress[].protocol"),
        SG_RULE: ("cidrBlocks", "protocol", "type"),
        SG_EGRESS_RULE: ("cidrIpv4", "ipProtocol"),
    },
)
def sg_no_unrestricted_egress(r: Res, report: Report) -> None:
    for label, proto, _lo, _hi, cidrs in _rules(r, "egress"):
        if known(proto) and str(proto).lower() in ("-1", "all") and any(is_open_cidr(c) for c in cidrs):
            report(f"{label} allows all protocols to {', '.join(c for c in cidrs if is_open_cidr(c))}")


@resource_policy(
    "default-security-group-closed",
    unset={
        "ingress": "unset: the provider strips the default group's rules",
        "egress": "unset: the provider strips the default group's rules",
    },
    types=(DEFAULT_SG,),
    severity="high",
    category="security",
    controls=("cis-5-4", "pci-1-3-1", "fsbp-ec2-2"),
    description="Every VPC's default security group has no rules at all.",
    why="Anything launched without a security group lands in the default group; with rules, it silently gets "
    "network access.",
    remediation="Manage it with `aws.ec2.DefaultSecurityGroup(vpc_id=..., ingress=[], egress=[])`.",
    checks=("ingress", "egress"),
)
def default_security_group_closed(r: Res, report: Report) -> None:
    for direction in ("ingress", "egress"):
        rules = r.get(direction)
        if known(rules) and not absent(rules):
            report(f"{direction} has {len(rules)} rule(s): the default security group must stay empty")


@resource_policy(
    "subnet-no-public-ip-on-launch",
    defaults={"mapPublicIpOnLaunch": False},
    types=(SUBNET,),
    severity="high",
    category="security",
    controls=("pci-1-4-4", GDPR_CIA, "fsbp-ec2-15"),
    description="Subnets do not give instances public IP addresses on launch.",
    why="The platform has no public tier; a public address on a data-tier network interface makes it reachable "
    "from the internet as soon as a route exists.",
    remediation="Set `map_public_ip_on_launch=False` (the default).",
    checks=("mapPublicIpOnLaunch",),
)
def subnet_no_public_ip_on_launch(r: Res, report: Report) -> None:
    if is_true(r.get("mapPublicIpOnLaunch")):
        report("mapPublicIpOnLaunch is true: instances get public addresses")


@resource_policy(
    "subnet-tier-tag",
    house_rule=True,
    types=(SUBNET,),
    severity="medium",
    category="governance",
    controls=(GDPR_RECORDS, "pci-12-5-1"),
    description=f"Subnets carry a `tier` tag ({', '.join(VALID_TIERS)}).",
    why="The tier tag is how reviewers (and the stack policy `stack-data-stores-in-data-subnets`) tell the "
    "isolated data subnets from the application subnets.",
    remediation='Add `tier="data"` or `tier="app"` to the subnet\'s `tags`.',
    checks=("tags.tier",),
)
def subnet_tier_tag(r: Res, report: Report) -> None:
    tags = r.tags()
    if not known(tags):
        return
    tier = tags.get("tier")
    if not known(tier):
        return
    if absent(tier):
        report("tags.tier is not set: the subnet's tier (data/app) is unknown")
    elif tier not in VALID_TIERS:
        report(f"tags.tier is {show(tier)}: expected one of {', '.join(VALID_TIERS)}")


def _nacl_entries(r: Res) -> Iterator[tuple[str, Any, Any, Any, Any, Any]]:
    """(label, action, protocol, from, to, cidr) of every ingress entry of a NACL or NACL rule."""
    if r.type == NETWORK_ACL:
        entries = r.get("ingress")
        if not known(entries):
            return
        for i, e in enumerate(entries or []):
            if isinstance(e, dict):
                for cidr in (e.get("cidrBlock"), e.get("ipv6CidrBlock")):
                    if not absent(cidr):
                        yield (
                            f"ingress[{i}]",
                            e.get("action"),
                            e.get("protocol"),
                            e.get("fromPort"),
                            e.get("toPort"),
                            cidr,
                        )
    else:
        if is_true(r.get("egress")):
            return
        for cidr in (r.get("cidrBlock"), r.get("ipv6CidrBlock")):
            if not absent(cidr):
                yield "rule", r.get("ruleAction"), r.get("protocol"), r.get("fromPort"), r.get("toPort"), cidr


@resource_policy(
    "nacl-no-open-admin-ingress",
    unset={
        "ingress.0.cidrBlock": NO_RULE,
        "ingress.0.action": NO_RULE,
        "ingress.0.protocol": NO_RULE,
        "cidrBlock": NO_RULE,
        "ruleAction": NO_RULE,
    },
    types=(NETWORK_ACL, NETWORK_ACL_RULE),
    severity="high",
    category="security",
    controls=("cis-5-1", "pci-1-3-1", "fsbp-ec2-21"),
    description="No network ACL allows ingress from 0.0.0.0/0 or ::/0 to SSH/RDP (or to all ports).",
    why="NACLs are the subnet-level backstop behind security groups; an allow-all entry from the internet removes it.",
    remediation="Set each `ingress` entry's `cidr_block` to the VPC CIDR (as the data subnets' NACL does) or a "
    "specific range, and `from_port`/`to_port` to the ports needed.",
    checks={
        NETWORK_ACL: ("ingress[].cidrBlock", "ingress[].action", "ingress[].protocol"),
        NETWORK_ACL_RULE: ("cidrBlock", "ruleAction", "protocol"),
    },
)
def nacl_no_open_admin_ingress(r: Res, report: Report) -> None:
    for label, action, proto, lo, hi, cidr in _nacl_entries(r):
        if not known(action) or str(action).lower() != "allow" or not is_open_cidr(cidr):
            continue
        for port, what in ADMIN_PORTS.items():
            if port_range_covers(lo, hi, proto, port):
                report(f"{label} allows {cidr} to port {port} ({what})")
                break


@resource_policy(
    "flow-log-all-traffic",
    types=(FLOW_LOG,),
    severity="medium",
    category="security",
    controls=("cis-3-9", "pci-10-2-1", GDPR_BREACH, "fsbp-ec2-6"),
    description="Flow logs capture ALL traffic (accepted and rejected) to a destination.",
    why="Accepted flows are what an exfiltration investigation needs; REJECT-only logs show only the attempts "
    "that failed.",
    remediation='Set `traffic_type="ALL"` and `log_destination` (a KMS-encrypted log group).',
    checks=("trafficType", "logDestination"),
)
def flow_log_all_traffic(r: Res, report: Report) -> None:
    traffic = r.get("trafficType")
    if known(traffic) and traffic != "ALL":
        report(f"trafficType is {show(traffic)}: accepted (or rejected) flows are not recorded")
    if absent(r.get("logDestination")):
        report("logDestination is not set: flow records have nowhere to go")


@resource_policy(
    "vpc-endpoint-private",
    unset={"serviceName": REQUIRED},
    types=(VPC_ENDPOINT,),
    severity="medium",
    category="security",
    controls=("pci-1-3-2", GDPR_CIA),
    description="Interface VPC endpoints of AWS services resolve the service's name privately; every interface "
    "endpoint is guarded by a security group.",
    why="Without private DNS, SDK calls resolve to the public endpoint and leave the VPC (or fail, with no NAT); "
    "without a security group the endpoint is open to the whole VPC.",
    remediation="Set `private_dns_enabled=True` and `security_group_ids=[<endpoints SG>]` on Interface endpoints.",
    checks=("privateDnsEnabled", "securityGroupIds", "serviceName"),
)
def vpc_endpoint_private(r: Res, report: Report) -> None:
    if r.get("vpcEndpointType") != "Interface":
        return
    service = r.get("serviceName")
    # Private DNS exists only for AWS services; a partner endpoint service (com.amazonaws.vpce.<region>.vpce-svc-*,
    # e.g. Atlas PrivateLink) publishes its own host names, so its endpoint must not ask for it.
    aws_service = known(service) and isinstance(service, str) and not service.startswith("com.amazonaws.vpce.")
    dns = r.get("privateDnsEnabled")
    if aws_service and not_true(dns):
        report(f"privateDnsEnabled is {show(dns)}: AWS API calls resolve to public endpoints")
    groups = r.get("securityGroupIds")
    if known(groups) and absent(groups):
        report("securityGroupIds is empty: the endpoint gets the VPC's default security group")


# === stack policies: how these resources relate to the rest of the stack =====================

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
            report(
                f"{identity(holder)} uses subnet {identity(subnet)} of tier {show(tier)}, not a data subnet", holder.urn
            )
    if not known(value):
        return
    resolved_ids = {s for urn in subnets for s in (stack.by_urn[urn].get("id"),) if isinstance(s, str)}
    literal = [v for v in as_list(value) if isinstance(v, str) and known(v)]
    unknown_entries = any(not known(v) for v in as_list(value))
    undeclared = [v for v in literal if v not in resolved_ids]
    if undeclared and not holder.property_dependencies.get(prop):
        report(
            f"{identity(holder)} uses subnets {undeclared} not declared in this stack: cannot show they are "
            "data subnets",
            holder.urn,
        )
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
        return not (known(src_region) and isinstance(src_region, str) and src_region and src_region != source_region)
    return False


def _store_group(stack: Stack, store: SRes, prop: str, group_type: str, report: StackReport, seen: set[str]) -> None:
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
        report(f"{identity(store)} has no {prop}: it is placed in the default VPC, outside the data subnets", store.urn)
    elif isinstance(value, str) and value.startswith("default"):
        report(f"{identity(store)} uses subnet group {show(value)}: the default VPC's subnets", store.urn)
    else:
        report(
            f"{identity(store)} uses subnet group {show(value)}, which is not declared in this stack: cannot show "
            "it holds only data subnets",
            store.urn,
        )


@stack_policy(
    "stack-data-stores-in-data-subnets",
    house_rule=True,
    types=(
        RDS_INSTANCE,
        RDS_CLUSTER,
        RDS_SUBNET_GROUP,
        EC_REPLICATION_GROUP,
        EC_CLUSTER,
        EC_SERVERLESS,
        EC_SUBNET_GROUP,
        SUBNET,
    ),
    severity="critical",
    category="security",
    controls=("pci-1-4-4", "pci-1-3-1", GDPR_CIA, CCPA_SEC),
    description="Every data store (RDS instances and clusters, ElastiCache groups, clusters and serverless caches) "
    "sits in a subnet group whose subnets are all tagged `tier=data`.",
    why="The data subnets are the isolated tier: no internet route, a NACL admitting only the VPC. A store "
    "placed in an application subnet or the default VPC loses that isolation.",
    remediation="Give the store the data subnets' subnet group (`db_subnet_group_name` / `subnet_group_name`), "
    "built from `network.data_subnet_ids`.",
    checks={
        RDS_INSTANCE: ("dbSubnetGroupName",),
        RDS_CLUSTER: ("dbSubnetGroupName",),
        RDS_SUBNET_GROUP: ("subnetIds",),
        EC_REPLICATION_GROUP: ("subnetGroupName",),
        EC_SERVERLESS: ("subnetIds",),
        EC_SUBNET_GROUP: ("subnetIds",),
        SUBNET: ("tags.tier",),
    },
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


# --- data subnets routed to the internet ---------------------------------------------------------------------------

_DATA_SUBNET_GROUPS = (
    RDS_SUBNET_GROUP,
    EC_SUBNET_GROUP,
    DOCDB_SUBNET_GROUP,
    NEPTUNE_SUBNET_GROUP,
    REDSHIFT_SUBNET_GROUP,
)
_ANYWHERE = ("0.0.0.0/0", "::/0")


def _to_internet(stack: Stack, holder: SRes, prop: str, route: Any) -> str | None:
    """The internet gateway a route (an inline ``routes`` entry of ``holder``, or ``aws.ec2.Route`` itself) sends
    0.0.0.0/0 or ::/0 to, or None."""
    if not isinstance(route, dict):
        return None
    dest = [route.get(k) for k in ("cidrBlock", "ipv6CidrBlock", "destinationCidrBlock", "destinationIpv6CidrBlock")]
    if not any(d in _ANYWHERE for d in dest):
        return None
    gateway = route.get("gatewayId")
    if isinstance(gateway, str) and known(gateway):
        if gateway.startswith("igw-"):
            return gateway
        for urn in stack.refs(holder, prop, (INTERNET_GATEWAY,)):
            if stack.by_urn[urn].get("id") == gateway:
                return identity(stack.by_urn[urn])
        return None
    if not absent(gateway):  # unknown in a preview: an internet gateway when that is what it is computed from
        gateways = stack.refs(holder, prop, (INTERNET_GATEWAY,))
        return identity(stack.by_urn[sorted(gateways)[0]]) if gateways else None
    return None


def _internet_routes(stack: Stack) -> dict[str, str]:
    """Route table URN -> the internet gateway its default route goes to."""
    out: dict[str, str] = {}
    for table in stack.of_type(ROUTE_TABLE, DEFAULT_ROUTE_TABLE):
        for route in as_list(table.get("routes")):
            gateway = _to_internet(stack, table, "routes", route)
            if gateway:
                out[table.urn] = gateway
    for route in stack.of_type(ROUTE):
        gateway = _to_internet(stack, route, "gatewayId", route.props)
        if gateway:
            for urn in stack.refs(route, "routeTableId", (ROUTE_TABLE, DEFAULT_ROUTE_TABLE)):
                out[urn] = gateway
    return out


@stack_policy(
    "stack-data-subnets-not-internet-routed",
    types=(*_DATA_SUBNET_GROUPS, ROUTE_TABLE_ASSOCIATION, MAIN_ROUTE_TABLE_ASSOCIATION, ROUTE_TABLE, ROUTE),
    severity="high",
    category="security",
    controls=("pci-1-4-4", GDPR_CIA, CCPA_SEC),
    description="No database subnet group (RDS, ElastiCache, DocumentDB, Neptune, Redshift) holds a subnet whose "
    "route table (its own association, else the VPC's main table) sends 0.0.0.0/0 or ::/0 to an internet gateway.",
    why="A subnet routed to an internet gateway is a public subnet: a store placed there is one setting "
    "(`publicly_accessible`, a public IP, an open security group) away from the internet, and AWS's guidance is to "
    "keep DB instances in private subnets "
    "(https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.Scenarios.html).",
    remediation="Give the subnet group (`subnet_ids=`) private subnets only: their route table's default route goes "
    "to a NAT gateway or nowhere (`aws.ec2.RouteTableAssociation`).",
    checks={
        RDS_SUBNET_GROUP: ("subnetIds",),
        EC_SUBNET_GROUP: ("subnetIds",),
        ROUTE_TABLE_ASSOCIATION: ("routeTableId",),
        MAIN_ROUTE_TABLE_ASSOCIATION: ("routeTableId",),
        ROUTE_TABLE: ("routes[].gatewayId",),
        ROUTE: ("gatewayId",),
    },
)
def stack_data_subnets_not_internet_routed(stack: Stack, report: StackReport) -> None:
    groups = stack.of_type(*_DATA_SUBNET_GROUPS)
    if not groups:
        return
    internet = _internet_routes(stack)
    if not internet:
        return
    table_of: dict[str, set[str]] = {}  # subnet URN -> route tables explicitly associated
    for assoc in stack.of_type(ROUTE_TABLE_ASSOCIATION):
        tables = stack.refs(assoc, "routeTableId", (ROUTE_TABLE, DEFAULT_ROUTE_TABLE))
        for subnet in stack.refs(assoc, "subnetId", (SUBNET,)):
            table_of.setdefault(subnet, set()).update(tables)
    main_of: dict[str, set[str]] = {}  # VPC URN -> its main route table
    for assoc in stack.of_type(MAIN_ROUTE_TABLE_ASSOCIATION):
        tables = stack.refs(assoc, "routeTableId", (ROUTE_TABLE,))
        for vpc in stack.refs(assoc, "vpcId", (VPC,)):
            main_of.setdefault(vpc, set()).update(tables)
    for table in stack.of_type(DEFAULT_ROUTE_TABLE):  # the VPC's own main table, when no association replaces it
        for vpc in stack.refs(table, "defaultRouteTableId", (VPC,)):
            main_of.setdefault(vpc, {table.urn})
    for group in sorted(groups, key=lambda g: g.urn):
        offending = []
        for subnet_urn in sorted(stack.refs(group, "subnetIds", (SUBNET,))):
            subnet = stack.by_urn[subnet_urn]
            tables = table_of.get(subnet_urn)
            if tables is None:
                tables = {t for vpc in stack.refs(subnet, "vpcId", (VPC,)) for t in main_of.get(vpc, ())}
            for t in sorted(tables):
                if t in internet:
                    offending.append(f"{identity(subnet)} (route table {identity(stack.by_urn[t])} -> {internet[t]})")
        if offending:
            report(f"{identity(group)} holds subnets routed to an internet gateway: {', '.join(offending)}", group.urn)


# --- flow logs ------------------------------------------------------------------------------------------------------


@stack_policy(
    "stack-vpc-flow-logs",
    types=(VPC, FLOW_LOG),
    severity="high",
    category="security",
    controls=("cis-3-9", "pci-10-2-1", GDPR_BREACH, "fsbp-ec2-6"),
    description="Every VPC has a flow log capturing ALL traffic.",
    why="Flow logs are the only record of which address talked to a database; without them an exfiltration "
    "cannot be scoped.",
    remediation='Declare an `aws.ec2.FlowLog(vpc_id=vpc.id, traffic_type="ALL", ...)` for every VPC (the network '
    "component does).",
    checks={VPC: ("id",), FLOW_LOG: ("vpcId", "trafficType")},
)
def stack_vpc_flow_logs(stack: Stack, report: StackReport) -> None:
    logs = stack.of_type(FLOW_LOG)
    logs_of = stack.referenced(logs, "vpcId", (VPC,))
    unknown = any(f.unplaced("vpcId") for f in logs)
    for vpc in stack.of_type(VPC):
        covering = logs_of.get(vpc.urn, [])
        if not covering:
            if not unknown:
                report(f"VPC {identity(vpc)} has no flow log", vpc.urn)
            continue
        traffic = [f.get("trafficType") for f in covering]
        if all(known(t) and t != "ALL" for t in traffic):
            report(f"VPC {identity(vpc)}'s flow logs capture only {sorted(set(map(str, traffic)))} traffic", vpc.urn)


# --- data-store ingress -----------------------------------------------------------------------------------------------


@stack_policy(
    "stack-data-store-ingress-from-security-groups",
    types=(
        RDS_INSTANCE,
        RDS_CLUSTER,
        RDS_PROXY,
        EC_REPLICATION_GROUP,
        EC_SERVERLESS,
        SECURITY_GROUP,
        SG_RULE,
        SG_INGRESS_RULE,
    ),
    severity="critical",
    category="security",
    controls=("pci-1-3-1", "pci-1-4-4", GDPR_CIA, CCPA_SEC),
    description="Security groups of data stores admit traffic only from other security groups, never from a CIDR "
    "or prefix list.",
    why="Tier-to-tier rules name exactly which workloads may connect; a CIDR (even a private one) admits whatever "
    "lands in that range, including the data subnets themselves.",
    remediation="Write ingress rules with `referenced_security_group_id=<app SG>` (`Network.allow`).",
    checks={
        RDS_INSTANCE: ("vpcSecurityGroupIds",),
        RDS_CLUSTER: ("vpcSecurityGroupIds",),
        RDS_PROXY: ("vpcSecurityGroupIds",),
        EC_REPLICATION_GROUP: ("securityGroupIds",),
        EC_SERVERLESS: ("securityGroupIds",),
        SECURITY_GROUP: ("ingress",),
        SG_RULE: ("securityGroupId", "cidrBlocks"),
        SG_INGRESS_RULE: ("securityGroupId", "cidrIpv4", "cidrIpv6", "prefixListId"),
    },
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
                if isinstance(rule, dict) and any(
                    not absent(rule.get(k)) for k in ("cidrBlocks", "ipv6CidrBlocks", "prefixListIds")
                ):
                    report(f"security group {identity(sg)} of {store}: ingress[{i}] admits a CIDR/prefix list", sg.urn)
    for rule in stack.of_type(SG_INGRESS_RULE, SG_RULE):
        if rule.type == SG_RULE and rule.get("type") != "ingress":
            continue
        for urn in stack.refs(rule, "securityGroupId", (SECURITY_GROUP,)):
            if urn not in store_groups:
                continue
            sources = (
                ("cidrIpv4", "cidrIpv6", "prefixListId")
                if rule.type == SG_INGRESS_RULE
                else ("cidrBlocks", "ipv6CidrBlocks", "prefixListIds")
            )
            cidr = [k for k in sources if not absent(rule.get(k))]
            if cidr:
                report(
                    f"rule {identity(rule)} admits {', '.join(cidr)} into {store_groups[urn]}'s security group",
                    rule.urn,
                )


@stack_policy(
    "stack-network-acls-associated",
    types=(NETWORK_ACL, NETWORK_ACL_ASSOCIATION),
    severity="low",
    category="governance",
    controls=("pci-1-2-5", "fsbp-ec2-16"),
    description="Every network ACL protects at least one subnet (its `subnet_ids`, or an "
    "`aws.ec2.NetworkAclAssociation` naming it).",
    why="An ACL attached to nothing protects nothing while it looks, in a review of the rules, as if it did.",
    remediation="Set `subnet_ids` on `aws.ec2.NetworkAcl` (or associate it with `aws.ec2.NetworkAclAssociation`), "
    "or delete it.",
    checks={NETWORK_ACL: ("subnetIds",), NETWORK_ACL_ASSOCIATION: ("networkAclId",)},
)
def stack_network_acls_associated(stack: Stack, report: StackReport) -> None:
    associations = stack.of_type(NETWORK_ACL_ASSOCIATION)
    if any(a.unplaced("networkAclId") for a in associations):
        return  # an association whose ACL cannot be told yet: no judgement
    associated: set[str] = set()
    for a in associations:
        associated |= stack.refs(a, "networkAclId", (NETWORK_ACL,))
    for acl in stack.of_type(NETWORK_ACL):
        subnets = acl.get("subnetIds")
        if not known(subnets) or acl.property_dependencies.get("subnetIds"):
            continue
        if absent(subnets) and acl.urn not in associated:
            report(f"network ACL {identity(acl)} is associated with no subnet", acl.urn)
