"""Stores an e-commerce data tier declares beside its own, each with the one setting a reviewer must catch: an
end-of-support engine in public subnets, a replica and a backup plan that keep too little, and one miss per store."""

import json

import pulumi
import pulumi_aws as aws

# The database's subnets are the public ones: their route table sends 0.0.0.0/0 to the internet gateway.
vpc = aws.ec2.Vpc("shop", cidr_block="10.20.0.0/16")
gateway = aws.ec2.InternetGateway("shop", vpc_id=vpc.id)
public = aws.ec2.RouteTable(
    "public",
    vpc_id=vpc.id,
    routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=gateway.id)],
)
subnets = []
for i, zone in enumerate(["us-east-1a", "us-east-1b"]):
    subnet = aws.ec2.Subnet(f"public-{i}", vpc_id=vpc.id, cidr_block=f"10.20.{i}.0/24", availability_zone=zone)
    aws.ec2.RouteTableAssociation(f"public-{i}", subnet_id=subnet.id, route_table_id=public.id)
    subnets.append(subnet)
db_subnets = aws.rds.SubnetGroup("orders", subnet_ids=[s.id for s in subnets])

orders_db = aws.rds.Instance(
    "orders",
    db_subnet_group_name=db_subnets.name,
    engine="mysql",
    engine_version="8.0.39",  # left RDS standard support on 2026-07-31
    instance_class="db.t4g.medium",
    allocated_storage=50,
    manage_master_user_password=True,
    username="admin",
    storage_encrypted=True,
    skip_final_snapshot=False,
    final_snapshot_identifier="orders-final",
)
carts = aws.dynamodb.Table(
    "carts",
    hash_key="cartId",
    attributes=[aws.dynamodb.TableAttributeArgs(name="cartId", type="S")],
    billing_mode="PAY_PER_REQUEST",
)  # no point-in-time recovery
graph = aws.appsync.GraphQLApi("storefront", authentication_type="API_KEY")
cluster = aws.eks.Cluster(
    "workers",
    role_arn="arn:aws:iam::123456789012:role/eks-cluster",
    vpc_config=aws.eks.ClusterVpcConfigArgs(subnet_ids=["subnet-0aaa", "subnet-0bbb"]),
)  # public endpoint, open to the internet by default
warehouse = aws.redshift.Cluster(
    "warehouse",
    cluster_identifier="warehouse",
    node_type="ra3.xlplus",
    manage_master_password=True,
    master_username="admin",
    encrypted=True,
    skip_final_snapshot=True,
)
repo = aws.ecr.Repository("storefront", image_tag_mutability="IMMUTABLE")
aws.ecr.RepositoryPolicy(
    "storefront",
    repository=repo.name,
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": ["ecr:*"]}],
        }
    ),
)
aws.ecs.TaskDefinition(
    "storefront",
    family="storefront",
    container_definitions=json.dumps(
        [{"name": "web", "image": "nginx:1.27", "environment": [{"name": "DB_PASSWORD", "value": "s3cr3t-literal"}]}]
    ),
)
partner = aws.secretsmanager.Secret("partner-api")  # never rotated
aws.rds.Instance(
    "orders-replica",
    replicate_source_db=orders_db.identifier,
    instance_class="db.t4g.medium",
    backup_retention_period=0,  # a replica with backups off
    skip_final_snapshot=True,
)
vault = aws.backup.Vault("orders")
aws.backup.Plan(
    "orders",
    rules=[
        aws.backup.PlanRuleArgs(
            rule_name="weekly",
            target_vault_name=vault.name,
            schedule="cron(0 5 ? * SUN *)",  # one recovery point a week
            lifecycle=aws.backup.PlanRuleLifecycleArgs(delete_after=35),
        )
    ],
)
aws.docdb.Cluster(
    "catalog",
    master_username="catalog_admin",
    manage_master_user_password=True,
    backup_retention_period=7,
    enabled_cloudwatch_logs_exports=["audit"],
    deletion_protection=True,
    skip_final_snapshot=False,
    final_snapshot_identifier="catalog-final",
)  # storage_encrypted left at its default: off
aws.neptune.Cluster(
    "recommendations",
    storage_encrypted=True,
    enable_cloudwatch_logs_exports=["audit"],
    deletion_protection=True,
    backup_retention_period=7,
    copy_tags_to_snapshot=True,
    skip_final_snapshot=False,
    final_snapshot_identifier="recommendations-final",
)  # no IAM database authentication: anything reaching the endpoint may query
pulumi.export("graph", graph.uris)
