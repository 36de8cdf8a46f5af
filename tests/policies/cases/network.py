"""Resource-policy cases of ``policies/rules/network.py``: a compliant resource per case and, for every property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

from policies.engine import tokens as T
from tests.policies.cases.shapes import ACCOUNT, DOC_V6, PUBLIC_NET, ROLE_ARN, ingress_rule, sg, sg_rule
from tests.policies.helpers import DELETE, Case

CASES = {
    # network
    "sg-no-open-ingress": [
        Case(T.SECURITY_GROUP, sg(), {"ingress.0.cidrBlocks": ["0.0.0.0/0"], "ingress.0.ipv6CidrBlocks": ["::/0"]}),
        Case(T.SG_RULE, sg_rule(), {"cidrBlocks": ["0.0.0.0/0"], "ipv6CidrBlocks": ["::/0"]}),
        Case(T.SG_INGRESS_RULE, ingress_rule(), {"cidrIpv4": "0.0.0.0/0", "cidrIpv6": "::/0"}),
        # FSBP's own cases (tests/policies/control_proofs.py): a port EC2.18 does not authorize, a high-risk port
        # of EC2.19, SSH from 0.0.0.0/0 (EC2.53) and ::/0 (EC2.54); the cases above are open on 443, which only
        # this platform refuses.
        Case(T.SECURITY_GROUP, sg(port_from=8443, port_to=8443), {"ingress.0.cidrBlocks": ["0.0.0.0/0"]}, label="8443"),
        Case(T.SG_RULE, sg_rule(port_from=8443, port_to=8443), {"cidrBlocks": ["0.0.0.0/0"]}, label="8443"),
        Case(T.SG_INGRESS_RULE, ingress_rule(port_from=8443, port_to=8443), {"cidrIpv4": "0.0.0.0/0"}, label="8443"),
        Case(T.SECURITY_GROUP, sg(port_from=3306, port_to=3306), {"ingress.0.cidrBlocks": ["0.0.0.0/0"]}, label="3306"),
        Case(
            T.SECURITY_GROUP,
            sg(port_from=22, port_to=22),
            {"ingress.0.cidrBlocks": ["0.0.0.0/0"], "ingress.0.ipv6CidrBlocks": ["::/0"]},
            label="ssh",
        ),
    ],
    "sg-no-public-ingress-data-ports": [
        Case(T.SECURITY_GROUP, sg(PUBLIC_NET, 6380, 6400), {"ingress.0.fromPort": 6379}, label="from"),
        Case(T.SECURITY_GROUP, sg(PUBLIC_NET, 5400, 5431), {"ingress.0.toPort": 5432}, label="to"),
        Case(T.SECURITY_GROUP, sg(PUBLIC_NET, 27017, 27017, "udp"), {"ingress.0.protocol": "tcp"}, label="proto"),
        Case(
            T.SECURITY_GROUP,
            sg("10.0.0.0/8", 5432, 5432),
            {"ingress.0.cidrBlocks": [PUBLIC_NET], "ingress.0.ipv6CidrBlocks": [DOC_V6]},
            label="cidr",
        ),
        Case(T.SG_RULE, sg_rule(PUBLIC_NET, 6380, 6400), {"fromPort": 6379}, label="from"),
        Case(T.SG_RULE, sg_rule(PUBLIC_NET, 5400, 5431), {"toPort": 5432}, label="to"),
        Case(T.SG_RULE, sg_rule(PUBLIC_NET, 5432, 5432, "udp"), {"protocol": "-1"}, label="proto"),
        Case(
            T.SG_RULE,
            sg_rule("172.16.0.0/12", 5432, 5432),
            {"cidrBlocks": [PUBLIC_NET], "ipv6CidrBlocks": [DOC_V6]},
            label="cidr",
        ),
        Case(T.SG_RULE, sg_rule(PUBLIC_NET, 5432, 5432, kind="egress"), {"type": "ingress"}, label="type"),
        Case(T.SG_INGRESS_RULE, ingress_rule(PUBLIC_NET, 6380, 6400), {"fromPort": 6379}, label="from"),
        Case(T.SG_INGRESS_RULE, ingress_rule(PUBLIC_NET, 27000, 27016), {"toPort": 27017}, label="to"),
        Case(T.SG_INGRESS_RULE, ingress_rule(PUBLIC_NET, 5432, 5432, "udp"), {"ipProtocol": "tcp"}, label="proto"),
        Case(
            T.SG_INGRESS_RULE,
            ingress_rule("10.0.0.0/8", 5432, 5432),
            {"cidrIpv4": PUBLIC_NET, "cidrIpv6": DOC_V6},
            label="cidr",
        ),
    ],
    "sg-rule-descriptions": [
        Case(T.SECURITY_GROUP, sg(), {"description": DELETE, "ingress.0.description": DELETE}),
        Case(T.SG_INGRESS_RULE, ingress_rule(), {"description": DELETE}),
        Case(
            T.SG_EGRESS_RULE,
            {
                "securityGroupId": "sg-1",
                "ipProtocol": "tcp",
                "fromPort": 443,
                "toPort": 443,
                "referencedSecurityGroupId": "sg-2",
                "description": "app to endpoints",
            },
            {"description": ""},
        ),
    ],
    "sg-no-unrestricted-egress": [
        Case(
            T.SECURITY_GROUP,
            {
                "vpcId": "vpc-1",
                "description": "x",
                "egress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["10.50.0.0/16"]}],
            },
            {"egress.0.cidrBlocks": ["0.0.0.0/0"]},
        ),
        Case(
            T.SECURITY_GROUP,
            {
                "vpcId": "vpc-1",
                "description": "x",
                "egress": [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}],
            },
            {"egress.0.protocol": "-1"},
            label="protocol",
        ),
        Case(T.SG_RULE, sg_rule("10.50.0.0/16", 0, 0, "-1", "egress"), {"cidrBlocks": ["0.0.0.0/0"]}),
        Case(T.SG_RULE, sg_rule("0.0.0.0/0", 443, 443, "tcp", "egress"), {"protocol": "-1"}, label="protocol"),
        Case(T.SG_RULE, sg_rule("0.0.0.0/0", 0, 0, "-1", "ingress"), {"type": "egress"}, label="type"),
        Case(
            T.SG_EGRESS_RULE,
            {"securityGroupId": "sg-1", "ipProtocol": "-1", "cidrIpv4": "10.50.0.0/16"},
            {"cidrIpv4": "0.0.0.0/0"},
        ),
        Case(
            T.SG_EGRESS_RULE,
            {"securityGroupId": "sg-1", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "0.0.0.0/0"},
            {"ipProtocol": "-1"},
            label="protocol",
        ),
    ],
    "default-security-group-closed": [
        Case(
            T.DEFAULT_SG,
            {"vpcId": "vpc-1", "ingress": [], "egress": []},
            {
                "ingress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}],
                "egress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}],
            },
        ),
    ],
    "subnet-no-public-ip-on-launch": [
        Case(
            T.SUBNET,
            {"vpcId": "vpc-1", "cidrBlock": "10.50.128.0/20", "mapPublicIpOnLaunch": False, "tags": {"tier": "data"}},
            {"mapPublicIpOnLaunch": True},
        ),
    ],
    "subnet-tier-tag": [
        Case(
            T.SUBNET, {"vpcId": "vpc-1", "cidrBlock": "10.50.128.0/20", "tags": {"tier": "data"}}, {"tags.tier": "dmz"}
        ),
        Case(
            T.SUBNET,
            {"vpcId": "vpc-1", "cidrBlock": "10.50.128.0/20", "tags": {"tier": "app"}},
            {"tags.tier": DELETE},
            label="missing",
        ),
    ],
    "nacl-no-open-admin-ingress": [
        Case(
            T.NETWORK_ACL,
            {
                "vpcId": "vpc-1",
                "ingress": [
                    {
                        "ruleNo": 100,
                        "action": "allow",
                        "protocol": "-1",
                        "cidrBlock": "10.50.0.0/16",
                        "fromPort": 0,
                        "toPort": 0,
                    }
                ],
            },
            {"ingress.0.cidrBlock": "0.0.0.0/0"},
        ),
        Case(
            T.NETWORK_ACL,
            {
                "vpcId": "vpc-1",
                "ingress": [
                    {
                        "ruleNo": 100,
                        "action": "deny",
                        "protocol": "tcp",
                        "cidrBlock": "0.0.0.0/0",
                        "fromPort": 22,
                        "toPort": 22,
                    }
                ],
            },
            {"ingress.0.action": "allow"},
            label="action",
        ),
        Case(
            T.NETWORK_ACL,
            {
                "vpcId": "vpc-1",
                "ingress": [
                    {
                        "ruleNo": 100,
                        "action": "allow",
                        "protocol": "tcp",
                        "cidrBlock": "0.0.0.0/0",
                        "fromPort": 443,
                        "toPort": 443,
                    }
                ],
            },
            {"ingress.0.protocol": "-1"},
            label="protocol",
        ),
        Case(
            T.NETWORK_ACL_RULE,
            {
                "networkAclId": "acl-1",
                "ruleNumber": 100,
                "egress": False,
                "protocol": "-1",
                "ruleAction": "allow",
                "cidrBlock": "10.50.0.0/16",
            },
            {"cidrBlock": "0.0.0.0/0"},
        ),
        Case(
            T.NETWORK_ACL_RULE,
            {
                "networkAclId": "acl-1",
                "ruleNumber": 100,
                "egress": False,
                "protocol": "tcp",
                "ruleAction": "deny",
                "cidrBlock": "0.0.0.0/0",
                "fromPort": 3389,
                "toPort": 3389,
            },
            {"ruleAction": "allow"},
            label="action",
        ),
        Case(
            T.NETWORK_ACL_RULE,
            {
                "networkAclId": "acl-1",
                "ruleNumber": 100,
                "egress": False,
                "protocol": "udp",
                "ruleAction": "allow",
                "cidrBlock": "0.0.0.0/0",
                "fromPort": 0,
                "toPort": 65535,
            },
            {"protocol": "tcp"},
            label="protocol",
        ),
    ],
    "flow-log-all-traffic": [
        Case(
            T.FLOW_LOG,
            {
                "vpcId": "vpc-1",
                "trafficType": "ALL",
                "logDestinationType": "cloud-watch-logs",
                "logDestination": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/ecomart/vpc-flow-logs",
                "iamRoleArn": ROLE_ARN,
            },
            {"trafficType": "REJECT", "logDestination": DELETE},
        ),
    ],
    "vpc-endpoint-private": [
        Case(
            T.VPC_ENDPOINT,
            {
                "vpcId": "vpc-1",
                "serviceName": "com.amazonaws.us-east-1.kms",
                "vpcEndpointType": "Interface",
                "privateDnsEnabled": True,
                "subnetIds": ["subnet-1"],
                "securityGroupIds": ["sg-endpoints"],
            },
            {"privateDnsEnabled": False, "securityGroupIds": []},
        ),
        Case(
            T.VPC_ENDPOINT,
            {
                "vpcId": "vpc-1",
                "serviceName": "com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f",
                "vpcEndpointType": "Interface",
                "privateDnsEnabled": False,
                "subnetIds": ["subnet-1"],
                "securityGroupIds": ["sg-atlas"],
            },
            {"serviceName": "com.amazonaws.us-east-1.secretsmanager"},
            label="partner service (Atlas)",
        ),
    ],
}
