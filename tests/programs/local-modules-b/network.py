import pulumi_aws as aws

KIND = "b"


def build(name: str) -> aws.ec2.Vpc:
    vpc = aws.ec2.Vpc(name, cidr_block="10.50.0.0/16")
    aws.ec2.Subnet(f"{name}-only", vpc_id=vpc.id, cidr_block="10.50.1.0/24")
    return vpc
