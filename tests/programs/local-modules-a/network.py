import pulumi_aws as aws

KIND = "a"


def build(name: str) -> aws.ec2.Vpc:
    return aws.ec2.Vpc(name, cidr_block="10.40.0.0/16")
