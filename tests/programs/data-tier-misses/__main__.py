"""Stores an e-commerce data tier declares beside its own, each with the one setting a reviewer must catch."""

import json

import pulumi
import pulumi_aws as aws

orders_db = aws.rds.Instance(
    "orders",
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
pulumi.export("graph", graph.uris)
