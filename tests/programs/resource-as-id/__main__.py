"""Network wiring written the short way: resources handed over where the provider wants their ids."""

import pulumi
import pulumi_aws as aws

vpc = aws.ec2.Vpc("main", cidr_block="10.20.0.0/16", enable_dns_hostnames=True, tags={"Name": "main"})
igw = aws.ec2.InternetGateway("igw", vpc_id=vpc)
public_rt = aws.ec2.RouteTable(
    "public",
    vpc_id=vpc,
    routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=igw)],
)
subnets = []
for i, az in enumerate(["us-east-1a", "us-east-1b"]):
    subnet = aws.ec2.Subnet(f"private-{i}", vpc_id=vpc, cidr_block=f"10.20.{i}.0/24", availability_zone=az)
    aws.ec2.RouteTableAssociation(f"private-{i}", subnet_id=subnet, route_table_id=public_rt)
    subnets.append(subnet)

pulumi.export("vpc_id", vpc.id)
pulumi.export("subnet_ids", [s.id for s in subnets])
