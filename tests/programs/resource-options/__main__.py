import pulumi
import pulumi_aws as aws

key = aws.kms.Key(
    "data", enable_key_rotation=True, deletion_window_in_days=30, opts=pulumi.ResourceOptions(protect=True)
)
bucket = aws.s3.Bucket(
    "archive",
    opts=pulumi.ResourceOptions(retain_on_delete=True, ignore_changes=["tags"], depends_on=[key]),
)
aws.s3.BucketServerSideEncryptionConfiguration(
    "archive",
    bucket=bucket.id,
    rules=[
        aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
            apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                sse_algorithm="aws:kms", kms_master_key_id=key.arn
            )
        )
    ],
    opts=pulumi.ResourceOptions(custom_timeouts=pulumi.CustomTimeouts(create="5m"), delete_before_replace=True),
)
pulumi.export("bucket", bucket.bucket)
