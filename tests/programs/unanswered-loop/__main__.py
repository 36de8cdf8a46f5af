import pulumi
import pulumi_aws as aws

running = aws.ec2.get_instances(instance_state_names=["running"], instance_tags={"team": "shop"})
for i, instance_id in enumerate(running.ids):
    aws.cloudwatch.MetricAlarm(
        f"cpu-{i}",
        namespace="AWS/EC2",
        metric_name="CPUUtilization",
        dimensions={"InstanceId": instance_id},
        statistic="Average",
        period=300,
        evaluation_periods=2,
        threshold=90,
        comparison_operator="GreaterThanThreshold",
    )
pulumi.export("watched", len(running.ids))
