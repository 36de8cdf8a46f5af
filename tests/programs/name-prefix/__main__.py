import pulumi
import pulumi_aws as aws

group = aws.ec2.SecurityGroup("api", name_prefix="api-", description="api")
bucket = aws.s3.Bucket("exports", bucket_prefix="exports-")
role = aws.iam.Role(
    "api",
    name_prefix="api-",
    assume_role_policy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
    '{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}',
)
pulumi.export("group", group.name)
pulumi.export("bucket", bucket.bucket)
pulumi.export("role", role.name)
