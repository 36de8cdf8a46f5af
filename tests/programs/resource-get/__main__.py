import pulumi
import pulumi_aws as aws

shared_vpc = aws.ec2.Vpc.get("shared", "vpc-0abc1234def567890")
legacy_group = aws.ec2.SecurityGroup.get("legacy", "sg-0123456789abcdef0")
new_group = aws.ec2.SecurityGroup("app", vpc_id=shared_vpc.id, description="app")
aws.vpc.SecurityGroupIngressRule(
    "app-from-legacy",
    security_group_id=new_group.id,
    referenced_security_group_id=legacy_group.id,
    ip_protocol="tcp",
    from_port=8080,
    to_port=8080,
    description="legacy callers",
)
pulumi.export("vpc", shared_vpc.id)
