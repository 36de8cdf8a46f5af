import json

import pulumi
import pulumi_aws as aws

bucket = aws.s3.Bucket("site-assets", force_destroy=False)
aws.s3.BucketPublicAccessBlock(
    "site-assets",
    bucket=bucket.id,
    block_public_acls=True,
    block_public_policy=True,
    ignore_public_acls=True,
    restrict_public_buckets=True,
)
reader = aws.iam.Role(
    "reader",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    ),
)
policy = pulumi.Output.all(bucket.arn, reader.arn).apply(
    lambda args: json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": args[1]},
                    "Action": "s3:GetObject",
                    "Resource": f"{args[0]}/*",
                },
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [args[0], f"{args[0]}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ],
        }
    )
)
aws.s3.BucketPolicy("site-assets", bucket=bucket.id, policy=policy)
pulumi.export("bucket_url", pulumi.Output.concat("s3://", bucket.bucket, "/"))
pulumi.export("reader", pulumi.Output.format("{0} reads {1}", reader.name, bucket.bucket))
pulumi.export("upper_name", bucket.bucket.apply(lambda b: b.upper()).apply(lambda b: b[:10]))
