"""The VPC the data tier lives in: isolated data subnets, private app subnets, nothing public.

Why this shape: no data store needs the internet, and the app reaches AWS APIs through interface endpoints, so
there is no internet gateway and no NAT at all (nothing to misconfigure, nothing to pay for). Security groups are
per tier and reference each other instead of CIDRs; no rule anywhere admits 0.0.0.0/0 or ::/0. The default
security group is stripped of its rules so nothing lands in it by accident. VPC flow logs go to a KMS-encrypted
log group with retention.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws_values import log_retention, private_vpc_cidr
from components.contract import Placement, arg, settings
from components.tagging import with_name
from platform_rules import POSTGRES_PORT

# Interface endpoints the app and the data tier's automation need (no NAT: these are the only way out).
# ssm and sqs: the orders read-only flag and the queued-orders queue (components/resilience.py), which the app must
# reach exactly when PostgreSQL is down.
INTERFACE_ENDPOINT_SERVICES = ("secretsmanager", "kms", "sts", "logs", "monitoring", "ssm", "sqs")


@settings
class NetworkSettings:
    """The stack config's ``network`` section."""

    vpc_cidr: str = arg(
        "IPv4 CIDR of the VPC, /16 to /24, private (RFC 1918); cut into 16 blocks: app subnets from "
        "block 0, data subnets from block 8.",
        default="10.40.0.0/16",
        check=private_vpc_cidr,
    )
    az_count: int = arg(
        "Availability Zones to spread each tier's subnets over (an app and a data subnet per AZ; "
        "the environment's rules set the floor).",
        default=3,
        ge=2,
        le=6,
    )
    flow_log_retention_days: int = arg(
        "CloudWatch retention of VPC flow logs.", default=365, units="days", check=log_retention
    )


@dataclass
class NetworkLinks:
    logs_kms_key_arn: pulumi.Input[str] = arg(
        "Customer-managed key of the flow-log group (its policy must let logs.<region>.amazonaws.com use it)."
    )


@dataclass(frozen=True)
class TierPort:
    tier: str
    port: int
    description: str


# Data-store tiers: (security group key, port). The app tier may reach each; nothing else may.
DATA_TIERS = (TierPort("postgres", POSTGRES_PORT, "PostgreSQL"), TierPort("redis", 6379, "Redis/Valkey"))


def subnet_plan(vpc_cidr: str, az_count: int) -> tuple[list[str], list[str]]:
    """(app subnet CIDRs, data subnet CIDRs): 16 equal blocks, app from block 0, data from block 8."""
    net = ipaddress.IPv4Network(vpc_cidr)
    blocks = list(net.subnets(new_prefix=min(net.prefixlen + 4, 28)))
    return [str(b) for b in blocks[:az_count]], [str(b) for b in blocks[8 : 8 + az_count]]


def allow_tcp(
    name: str,
    *,
    source_id: pulumi.Input[str],
    target_id: pulumi.Input[str],
    port: int,
    description: str,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
    to_port: int | None = None,
) -> None:
    """Least privilege between tiers: security group ``source_id`` may reach ``target_id`` on ``port`` (TCP, up to
    ``to_port``) and nothing else.

    Writes both halves, as children of ``parent`` (the component that needs the path): the target's ingress from
    the source group and the source's egress to the target group. Every rule in the platform has this shape.
    """
    aws.vpc.SecurityGroupIngressRule(
        f"{name}-in",
        aws.vpc.SecurityGroupIngressRuleArgs(
            security_group_id=target_id,
            referenced_security_group_id=source_id,
            ip_protocol="tcp",
            from_port=port,
            to_port=to_port or port,
            description=description,
            tags=with_name(tags, f"{name}-in"),
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    aws.vpc.SecurityGroupEgressRule(
        f"{name}-out",
        aws.vpc.SecurityGroupEgressRuleArgs(
            security_group_id=source_id,
            referenced_security_group_id=target_id,
            ip_protocol="tcp",
            from_port=port,
            to_port=to_port or port,
            description=description,
            tags=with_name(tags, f"{name}-out"),
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def flow_log_trust_policy(account_id: str, region: str) -> str:
    """VPC Flow Logs may assume the role only for flow logs of this account and region (confused deputy)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": account_id},
                        "ArnLike": {"aws:SourceArn": f"arn:aws:ec2:{region}:{account_id}:vpc-flow-log/*"},
                    },
                }
            ],
        }
    )


def flow_log_role_policy(log_group_arn: str, account_id: str, region: str) -> str:
    """What AWS documents the delivery role needs: write to this group, and describe groups and streams."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "WriteFlowLogs",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    "Resource": [log_group_arn, f"{log_group_arn}:*"],
                },
                {
                    # DescribeLogGroups takes no resource type (Service Authorization Reference, as
                    # policies/data/iam-index.json has it): a log-group ARN here never matched, "*" is the only form.
                    "Sid": "FindTheLogGroup",
                    "Effect": "Allow",
                    "Action": "logs:DescribeLogGroups",
                    "Resource": "*",
                },
            ],
        }
    )


class Network(pulumi.ComponentResource):
    """VPC, subnets, route tables, NACLs, per-tier security groups, VPC endpoints and flow logs."""

    vpc_id: pulumi.Output[str]
    app_subnet_ids: list[pulumi.Output[str]]
    data_subnet_ids: list[pulumi.Output[str]]
    app_security_group_id: pulumi.Output[str]
    endpoints_security_group_id: pulumi.Output[str]
    postgres_security_group_id: pulumi.Output[str]
    redis_security_group_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        settings: NetworkSettings,
        links: NetworkLinks,
        place: Placement,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("ecomart:network:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = self._tags = dict(place.tags)
        account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            aws.ec2.VpcArgs(
                cidr_block=settings.vpc_cidr,
                enable_dns_hostnames=True,
                enable_dns_support=True,
                tags=with_name(tags, f"{place.prefix}-vpc"),
            ),
            opts=child,
        )
        vpc_child = pulumi.ResourceOptions(parent=self, depends_on=[self.vpc])
        azs = aws.get_availability_zones_output(state="available", opts=pulumi.InvokeOutputOptions(parent=self)).names
        app_cidrs, data_cidrs = subnet_plan(settings.vpc_cidr, settings.az_count)
        self.app_subnets: list[aws.ec2.Subnet] = []
        self.data_subnets: list[aws.ec2.Subnet] = []
        for tier, cidrs, bucket in (("app", app_cidrs, self.app_subnets), ("data", data_cidrs, self.data_subnets)):
            table = aws.ec2.RouteTable(
                f"{name}-{tier}-rt",
                aws.ec2.RouteTableArgs(
                    vpc_id=self.vpc.id, tags=with_name(tags, f"{place.prefix}-{tier}-rt", tier=tier)
                ),
                opts=child,
            )
            for i, cidr in enumerate(cidrs):
                subnet = aws.ec2.Subnet(
                    f"{name}-{tier}-{i}",
                    aws.ec2.SubnetArgs(
                        vpc_id=self.vpc.id,
                        cidr_block=cidr,
                        availability_zone=azs[i],
                        map_public_ip_on_launch=False,
                        tags=with_name(tags, f"{place.prefix}-{tier}-{i}", tier=tier),
                    ),
                    opts=child,
                )
                aws.ec2.RouteTableAssociation(
                    f"{name}-{tier}-{i}-rta",
                    aws.ec2.RouteTableAssociationArgs(subnet_id=subnet.id, route_table_id=table.id),
                    opts=child,
                )
                bucket.append(subnet)

        # Data subnets: traffic only to and from inside the VPC, whatever a security group says.
        aws.ec2.NetworkAcl(
            f"{name}-data-nacl",
            aws.ec2.NetworkAclArgs(
                vpc_id=self.vpc.id,
                subnet_ids=[s.id for s in self.data_subnets],
                ingress=[
                    aws.ec2.NetworkAclIngressArgs(
                        rule_no=100, action="allow", protocol="-1", cidr_block=settings.vpc_cidr, from_port=0, to_port=0
                    )
                ],
                egress=[
                    aws.ec2.NetworkAclEgressArgs(
                        rule_no=100, action="allow", protocol="-1", cidr_block=settings.vpc_cidr, from_port=0, to_port=0
                    )
                ],
                tags=with_name(tags, f"{place.prefix}-data-nacl", tier="data"),
            ),
            opts=child,
        )

        # The default security group: managed so that it has no rules at all (CIS AWS 5.4).
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            aws.ec2.DefaultSecurityGroupArgs(
                vpc_id=self.vpc.id, ingress=[], egress=[], tags=with_name(tags, f"{place.prefix}-default-closed")
            ),
            opts=child,
        )

        self.security_groups: dict[str, aws.ec2.SecurityGroup] = {}
        for key, description in (
            ("app", "EcoMart application tier"),
            ("endpoints", "Interface VPC endpoints (HTTPS from the app tier)"),
            *((t.tier, f"{t.description} data store") for t in DATA_TIERS),
        ):
            # No inline rules: every rule is its own resource below; the provider strips AWS' default egress rule.
            self.security_groups[key] = aws.ec2.SecurityGroup(
                f"{name}-{key}-sg",
                aws.ec2.SecurityGroupArgs(
                    vpc_id=self.vpc.id,
                    description=description,
                    name=f"{place.prefix}-{key}",
                    tags=with_name(tags, f"{place.prefix}-{key}", tier=key),
                ),
                opts=vpc_child,
            )
        app_sg = self.security_groups["app"]
        for tier in DATA_TIERS:
            allow_tcp(
                f"{name}-app-to-{tier.tier}",
                source_id=app_sg.id,
                target_id=self.security_groups[tier.tier].id,
                port=tier.port,
                description=f"app tier to {tier.description}",
                tags=tags,
                parent=self,
            )
        allow_tcp(
            f"{name}-app-to-endpoints",
            source_id=app_sg.id,
            target_id=self.security_groups["endpoints"].id,
            port=443,
            description="app tier to AWS API endpoints",
            tags=tags,
            parent=self,
        )

        self.endpoints: dict[str, aws.ec2.VpcEndpoint] = {}
        for service in INTERFACE_ENDPOINT_SERVICES:
            self.endpoints[service] = aws.ec2.VpcEndpoint(
                f"{name}-{service}-vpce",
                aws.ec2.VpcEndpointArgs(
                    vpc_id=self.vpc.id,
                    service_name=f"com.amazonaws.{place.region}.{service}",
                    vpc_endpoint_type="Interface",
                    private_dns_enabled=True,
                    subnet_ids=[s.id for s in self.app_subnets],
                    security_group_ids=[self.security_groups["endpoints"].id],
                    tags=with_name(tags, f"{place.prefix}-{service}-vpce"),
                ),
                opts=child,
            )

        self.flow_log_group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            aws.cloudwatch.LogGroupArgs(
                name=f"/ecomart/{place.prefix}/vpc-flow-logs",
                retention_in_days=settings.flow_log_retention_days,
                kms_key_id=links.logs_kms_key_arn,
                tags=with_name(tags, f"{place.prefix}-vpc-flow-logs"),
            ),
            opts=child,
        )
        flow_role = aws.iam.Role(
            f"{name}-flow-logs-role",
            aws.iam.RoleArgs(
                name=f"{place.prefix}-vpc-flow-logs",
                assume_role_policy=account_id.apply(lambda acct: flow_log_trust_policy(acct, place.region)),
                tags=with_name(tags, f"{place.prefix}-vpc-flow-logs"),
            ),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs-policy",
            aws.iam.RolePolicyArgs(
                role=flow_role.id,
                policy=pulumi.Output.all(self.flow_log_group.arn, account_id).apply(
                    lambda v: flow_log_role_policy(v[0], v[1], place.region)
                ),
            ),
            opts=child,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-log",
            aws.ec2.FlowLogArgs(
                vpc_id=self.vpc.id,
                traffic_type="ALL",
                log_destination_type="cloud-watch-logs",
                log_destination=self.flow_log_group.arn,
                iam_role_arn=flow_role.arn,
                max_aggregation_interval=60,
                tags=with_name(tags, f"{place.prefix}-vpc-flow-log"),
            ),
            opts=child,
        )

        self.vpc_id = self.vpc.id
        self.app_subnet_ids = [s.id for s in self.app_subnets]
        self.data_subnet_ids = [s.id for s in self.data_subnets]
        self.app_security_group_id = self.security_groups["app"].id
        self.endpoints_security_group_id = self.security_groups["endpoints"].id
        self.postgres_security_group_id = self.security_groups["postgres"].id
        self.redis_security_group_id = self.security_groups["redis"].id
        self.register_outputs(
            {
                "vpcId": self.vpc_id,
                "appSubnetIds": self.app_subnet_ids,
                "dataSubnetIds": self.data_subnet_ids,
                "securityGroupIds": {k: sg.id for k, sg in self.security_groups.items()},
            }
        )

    def stack_outputs(self) -> dict[str, pulumi.Input]:
        """The stack outputs (camelCase) this component contributes."""
        return {"vpcId": self.vpc_id, "dataSubnetIds": pulumi.Output.all(*self.data_subnet_ids)}
