import pulumi
import pulumi_aws as aws

config = pulumi.Config()
retention = config.get_int("retentionDays") or 14
for spec in config.require_object("queues"):
    suffix = ".fifo" if spec["fifo"] else ""
    queue = aws.sqs.Queue(
        spec["name"],
        name=f"{spec['name']}{suffix}",
        fifo_queue=spec["fifo"],
        message_retention_seconds=retention * 86400 if retention <= 14 else 14 * 86400,
        sqs_managed_sse_enabled=True,
    )
    if config.get_bool("alarms"):
        aws.cloudwatch.MetricAlarm(
            f"{spec['name']}-age",
            namespace="AWS/SQS",
            metric_name="ApproximateAgeOfOldestMessage",
            dimensions={"QueueName": queue.name},
            statistic="Maximum",
            period=300,
            evaluation_periods=1,
            threshold=600,
            comparison_operator="GreaterThanThreshold",
        )
pulumi.export("region", aws.get_region().name)
