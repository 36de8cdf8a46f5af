import json

import pulumi
import pulumi_aws as aws

vpc = aws.ec2.get_vpc(default=True)
subnets = aws.ec2.get_subnets(filters=[{"name": "vpc-id", "values": [vpc.id]}])
cluster = aws.ecs.Cluster("shop", settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value="enabled")])
lb_sg = aws.ec2.SecurityGroup(
    "lb",
    vpc_id=vpc.id,
    description="public https",
    ingress=[
        aws.ec2.SecurityGroupIngressArgs(
            protocol="tcp", from_port=443, to_port=443, cidr_blocks=["0.0.0.0/0"], description="https"
        )
    ],
    egress=[aws.ec2.SecurityGroupEgressArgs(protocol="-1", from_port=0, to_port=0, cidr_blocks=["0.0.0.0/0"])],
)
lb = aws.lb.LoadBalancer("shop", security_groups=[lb_sg.id], subnets=subnets.ids, drop_invalid_header_fields=True)
target = aws.lb.TargetGroup("shop", port=8080, protocol="HTTP", target_type="ip", vpc_id=vpc.id)
aws.lb.Listener(
    "https",
    load_balancer_arn=lb.arn,
    port=443,
    protocol="HTTPS",
    ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06",
    certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555",
    default_actions=[aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=target.arn)],
)
execution_role = aws.iam.Role(
    "task-execution",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    ),
)
logs = aws.cloudwatch.LogGroup("shop", retention_in_days=30)
task = aws.ecs.TaskDefinition(
    "shop",
    family="shop",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=logs.name.apply(
        lambda group: json.dumps(
            [
                {
                    "name": "web",
                    "image": "public.ecr.aws/nginx/nginx:1.27",
                    "portMappings": [{"containerPort": 8080}],
                    "logConfiguration": {
                        "logDriver": "awslogs",
                        "options": {
                            "awslogs-group": group,
                            "awslogs-region": "us-east-1",
                            "awslogs-stream-prefix": "web",
                        },
                    },
                }
            ]
        )
    ),
)
aws.ecs.Service(
    "shop",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(subnets=subnets.ids, security_groups=[lb_sg.id]),
    load_balancers=[
        aws.ecs.ServiceLoadBalancerArgs(target_group_arn=target.arn, container_name="web", container_port=8080)
    ],
)
pulumi.export("url", lb.dns_name)
