import pulumi
import pulumi_aws as aws

me = aws.get_caller_identity()
region = aws.get_region()
partition = aws.get_partition()
zones = aws.get_availability_zones(state="available")

vpc = aws.ec2.Vpc("app", cidr_block="10.1.0.0/16")
for i, zone in enumerate(zones.names[:3]):
    aws.ec2.Subnet(f"app-{zone}", vpc_id=vpc.id, cidr_block=f"10.1.{i * 16}.0/20", availability_zone=zone)

key = aws.kms.Key(
    "app",
    description="app data",
    enable_key_rotation=True,
    policy=pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "root",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:{partition.partition}:iam::{me.account_id}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        }
    ),
)
pulumi.export("account", me.account_id)
pulumi.export("region", region.name)
pulumi.export("zones", zones.names)
