import pulumi
import pulumi_aws as aws

nat_ip = aws.ec2.Eip("nat", vpc=True)
pulumi.export("nat_ip", nat_ip.public_ip)
