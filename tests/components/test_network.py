"""Network: private-only subnets over 2 (dev) / 3 (prod) AZs, tier SGs, closed default SG, endpoints, flow logs."""

from __future__ import annotations

import ipaddress
import json
import re

import pytest

from components.network import INTERFACE_ENDPOINT_SERVICES, subnet_plan
from platform_rules import POSTGRES_PORT
from tests.conftest import one


def subnets(synth, tier):
    return [s for s in synth.of_type("aws:ec2/subnet:Subnet") if s.inputs["tags"]["tier"] == tier]


@pytest.mark.parametrize("stack,azs", [("dev", 2), ("prod", 3)])
def test_subnets_per_tier_and_az(stack, azs, dev, prod):
    synth = {"dev": dev, "prod": prod}[stack]
    for tier in ("app", "data"):
        found = subnets(synth, tier)
        assert len(found) == azs
        assert len({s.inputs["availabilityZone"] for s in found}) == azs
        assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in found)
    vpc = ipaddress.IPv4Network(synth.config.network.vpc_cidr)
    cidrs = [ipaddress.IPv4Network(s.inputs["cidrBlock"]) for s in synth.of_type("aws:ec2/subnet:Subnet")]
    assert all(c.subnet_of(vpc) for c in cidrs)
    assert not any(a.overlaps(b) for i, a in enumerate(cidrs) for b in cidrs[i + 1 :])


def test_subnet_plan_is_disjoint_for_small_vpcs():
    app, data = subnet_plan("10.1.0.0/24", 6)
    nets = [ipaddress.IPv4Network(c) for c in app + data]
    assert len(nets) == 12 and not any(a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1 :])


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_nothing_public(stack, dev, prod):
    synth = {"dev": dev, "prod": prod}[stack]
    for typ in (
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/natGateway:NatGateway",
        "aws:ec2/eip:Eip",
        "aws:ec2/route:Route",
    ):
        assert synth.of_type(typ) == [], typ
    for rt in synth.of_type("aws:ec2/routeTable:RouteTable"):
        assert not rt.inputs.get("routes"), rt.name


def test_data_stores_reachable_only_from_the_app_tier(prod):
    sgs = {r.outputs["id"]: r.inputs["tags"]["tier"] for r in prod.of_type("aws:ec2/securityGroup:SecurityGroup")}
    rules = prod.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    by_target = {}
    for rule in rules:
        assert "cidrIpv4" not in rule.inputs and "cidrIpv6" not in rule.inputs, rule.name
        by_target.setdefault(sgs.get(rule.inputs["securityGroupId"]), []).append(rule)
    # the app tier; and the service's own groups (components/service.py): PostgreSQL only through the proxy (and
    # the migrations function, which creates the IAM role), the cache from the functions
    for tier, port, sources in (
        ("postgres", POSTGRES_PORT, {"app", "db-proxy", "migrations"}),
        ("redis", 6379, {"app", "functions"}),
    ):
        rules_in = by_target[tier]
        assert sorted(sgs[r.inputs["referencedSecurityGroupId"]] for r in rules_in) == sorted(sources)
        for rule in rules_in:
            assert rule.inputs["fromPort"] == rule.inputs["toPort"] == port
            assert rule.inputs["ipProtocol"] == "tcp"
    for sg in prod.of_type("aws:ec2/securityGroup:SecurityGroup"):
        assert "ingress" not in sg.inputs and "egress" not in sg.inputs, "rules are separate resources"


def test_every_egress_is_to_a_security_group(prod):
    for rule in prod.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"):
        assert rule.inputs.get("referencedSecurityGroupId", "").startswith("sg-")
        assert "cidrIpv4" not in rule.inputs


def test_default_security_group_is_closed(prod):
    default = one(prod, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert default.inputs.get("ingress", []) == [] and default.inputs.get("egress", []) == []


def test_data_subnets_nacl_only_admits_the_vpc(prod):
    nacl = one(prod, "aws:ec2/networkAcl:NetworkAcl")
    data_ids = {s.outputs["id"] for s in subnets(prod, "data")}
    assert set(nacl.inputs["subnetIds"]) == data_ids
    for rule in nacl.inputs["ingress"] + nacl.inputs["egress"]:
        assert rule["cidrBlock"] == prod.config.network.vpc_cidr


def test_interface_endpoints_in_app_subnets(prod):
    endpoints = prod.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    services = {e.inputs["serviceName"] for e in endpoints}
    assert {f"com.amazonaws.us-east-1.{s}" for s in INTERFACE_ENDPOINT_SERVICES} <= services
    # written out, not read back from the constant: read-only mode needs ssm and sqs without a NAT
    assert {
        f"com.amazonaws.us-east-1.{s}" for s in ("secretsmanager", "kms", "sts", "logs", "monitoring", "ssm", "sqs")
    } <= services
    app_ids = {s.outputs["id"] for s in subnets(prod, "app")}
    for e in endpoints:
        if e.name.startswith("network-"):
            assert e.inputs["vpcEndpointType"] == "Interface" and e.inputs["privateDnsEnabled"] is True
            assert set(e.inputs["subnetIds"]) == app_ids


def test_flow_logs_encrypted_with_retention(prod):
    group = one(prod, "aws:cloudwatch/logGroup:LogGroup", "network-flow-logs")
    logs_key = one(prod, "aws:kms/key:Key", "keys-logs")
    assert group.inputs["kmsKeyId"] == logs_key.outputs["arn"]
    assert group.inputs["retentionInDays"] == 365
    flow = one(prod, "aws:ec2/flowLog:FlowLog")
    assert flow.inputs["logDestination"] == group.outputs["arn"] and flow.inputs["trafficType"] == "ALL"
    role = one(prod, "aws:iam/role:Role", "network-flow-logs-role")
    assert flow.inputs["iamRoleArn"] == role.outputs["arn"]
    trust = json.loads(role.inputs["assumeRolePolicy"])
    # Only VPC Flow Logs acting for this account's flow logs in this region may assume it (confused deputy).
    assert trust["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": "123456789012"},
                "ArnLike": {"aws:SourceArn": "arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/*"},
            },
        }
    ]
    policy = json.loads(one(prod, "aws:iam/rolePolicy:RolePolicy", "network-flow-logs-policy").inputs["policy"])
    arn = group.outputs["arn"]
    # What AWS documents the delivery role needs, and no more. DescribeLogGroups takes no resource type (the Service
    # Authorization Reference; iam-document-valid reported the log-group ARN it had): "*" is its only form.
    assert policy["Statement"] == [
        {
            "Sid": "WriteFlowLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            "Resource": [arn, f"{arn}:*"],
        },
        {
            "Sid": "FindTheLogGroup",
            "Effect": "Allow",
            "Action": "logs:DescribeLogGroups",
            "Resource": "*",
        },
    ]


def test_children_are_parented_to_the_component(prod):
    comp = one(prod, "ecomart:network:Network")
    for typ in (
        "aws:ec2/vpc:Vpc",
        "aws:ec2/subnet:Subnet",
        "aws:ec2/flowLog:FlowLog",
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    ):
        assert all(r.parent == comp.urn for r in prod.of_type(typ)), typ


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        ({"az_count": 1}, "NetworkSettings.az_count is 1: must be 2..6"),
        ({"az_count": 7}, "NetworkSettings.az_count is 7: must be 2..6"),
        ({"vpc_cidr": "10.0.0.0/8"}, "prefix length must be between /16 and /24"),
        ({"vpc_cidr": "8.8.0.0/16"}, "must be a private (RFC 1918) range"),
        ({"vpc_cidr": "not-a-cidr"}, "vpc_cidr is 'not-a-cidr': must be an IPv4 CIDR"),
        ({"flow_log_retention_days": 100}, "must be a CloudWatch Logs retention period"),
    ],
)
def test_bad_settings_are_refused_before_anything_is_declared(kwargs, fragment):
    from components.contract import SettingError
    from components.network import NetworkSettings

    with pytest.raises(SettingError, match=re.escape(fragment)):
        NetworkSettings(**kwargs)
