import json

import pulumi
import pulumi_aws as aws

uploads = aws.s3.Bucket("Uploads")
aws.s3.BucketVersioning("uploads", bucket=uploads.bucket, versioning_configuration={"status": "Enabled"})
dead = aws.sqs.Queue("orders-dlq", sqs_managed_sse_enabled=True)
orders = aws.sqs.Queue(
    "orders",
    sqs_managed_sse_enabled=True,
    redrive_policy=dead.arn.apply(lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 5})),
)
topic = aws.sns.Topic("order-events", kms_master_key_id="alias/aws/sns")
aws.sns.TopicSubscription("orders", topic=topic.arn, protocol="sqs", endpoint=orders.arn)
role = aws.iam.Role(
    "uploader",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    ),
)
logs = aws.cloudwatch.LogGroup("uploader", retention_in_days=90)
group = aws.ec2.SecurityGroup("uploader", description="uploader")
pulumi.export("bucket", uploads.bucket)
pulumi.export("queue_url", orders.url)
pulumi.export("queue_name", orders.name)
pulumi.export("topic", topic.name)
pulumi.export("role", role.name)
pulumi.export("log_group", logs.name)
pulumi.export("group", group.name)
