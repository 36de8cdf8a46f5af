import pulumi
import pulumi_aws as aws

west = aws.Provider("west", region="us-west-2")
primary = aws.s3.Bucket("primary")
replica = aws.s3.Bucket("replica", opts=pulumi.ResourceOptions(provider=west))
aws.s3.BucketVersioning(
    "replica",
    bucket=replica.id,
    versioning_configuration={"status": "Enabled"},
    opts=pulumi.ResourceOptions(provider=west),
)
west_key = aws.kms.Key("west", enable_key_rotation=True, opts=pulumi.ResourceOptions(provider=west))
pulumi.export("primary_arn", primary.arn)
pulumi.export("replica_region", replica.region)
pulumi.export("west_key", west_key.arn)
