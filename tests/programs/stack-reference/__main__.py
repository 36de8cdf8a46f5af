import pulumi
import pulumi_aws as aws

config = pulumi.Config()
network = pulumi.StackReference(config.get("networkStack") or "acme/network/prod")
vpc_id = network.require_output("vpc_id")
private_subnets = network.get_output("private_subnet_ids")

group = aws.ec2.SecurityGroup("app", vpc_id=vpc_id, description="app")
aws.rds.SubnetGroup("app", subnet_ids=private_subnets)
pulumi.export("vpc_id", vpc_id)
