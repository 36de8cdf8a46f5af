"""A VPC function that runs only signed code.

``CodeArtifacts`` uploads the zip under its SHA-256, signs that object version with a Lambda signing profile and
exposes the signed key and an enforcing code signing config; the function deploys from them, so Lambda refuses
any later ``UpdateFunctionCode`` with a zip the profile did not sign. The function itself is hardened the way the
pack asks (VPC, CMK-encrypted environment and logs, tracing, reserved concurrency, a dead-letter queue, a role
scoped to its own log group, subnets, group, queue and key).
"""

import zipfile
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.artifacts import CodeArtifacts, CodeArtifactsLinks, CodeArtifactsSettings
from components.contract import Placement
from components.kms import Kms, KmsLinks, KmsSettings
from components.network import Network, NetworkLinks, NetworkSettings
from components.resilience import tls_only_queue_policy
from components.service import function_base_statements, policy_document, service_trust
from components.tagging import with_name
from platform_rules import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME

region = pulumi.Config("aws").require("region")
prefix = f"hello-{pulumi.get_stack()}"
tags = {
    "project": "hello",
    "environment": "prod",
    "owner": "platform@example.com",
    "cost-center": "CC-3000",
    "data-classification": "internal",
}
HERE = Path(__file__).resolve().parent


def build_zip() -> str:
    """handler.py as a zip with a fixed timestamp: the same source is byte-for-byte the same artifact."""
    out = HERE.parents[1] / "build" / "examples" / "signed-lambda-code.zip"
    out.parent.mkdir(parents=True, exist_ok=True)
    info = zipfile.ZipInfo("handler.py", date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = 0o644 << 16
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(info, (HERE / "handler.py").read_bytes())
    return str(out)


place = Placement(prefix=prefix, region=region, tags=tags)
keys = Kms("keys", KmsSettings(domains=("compute", "logs")), KmsLinks(), place)
network = Network(
    "network",
    NetworkSettings(vpc_cidr="10.80.0.0/16", az_count=2),
    NetworkLinks(logs_kms_key_arn=keys.keys.require("logs").arn),
    place,
)
code = CodeArtifacts(
    "code",
    CodeArtifactsSettings(),
    CodeArtifactsLinks(
        code_path=build_zip(),
        kms_key_arn=keys.keys.require("compute").arn,
    ),
    place,
)

account_id = aws.get_caller_identity_output().account_id
name = f"{prefix}-hello"
logs = aws.cloudwatch.LogGroup(
    "hello-logs",
    aws.cloudwatch.LogGroupArgs(
        name=f"/aws/lambda/{name}",
        retention_in_days=365,
        kms_key_id=keys.keys.require("logs").arn,
        tags=with_name(tags, f"/aws/lambda/{name}"),
    ),
)
dlq = aws.sqs.Queue(
    "hello-dlq",
    aws.sqs.QueueArgs(
        name=f"{name}-dlq",
        kms_master_key_id=keys.keys.require("compute").arn,
        kms_data_key_reuse_period_seconds=300,
        message_retention_seconds=1_209_600,
        tags=with_name(tags, f"{name}-dlq"),
    ),
)
aws.sqs.QueuePolicy(
    "hello-dlq-tls-only", aws.sqs.QueuePolicyArgs(queue_url=dlq.url, policy=dlq.arn.apply(tls_only_queue_policy))
)
role = aws.iam.Role(
    "hello-role",
    aws.iam.RoleArgs(
        name=name,
        assume_role_policy=account_id.apply(lambda a: service_trust("lambda.amazonaws.com", a)),
        tags=with_name(tags, name),
    ),
)
role_policy = aws.iam.RolePolicy(
    "hello-policy",
    aws.iam.RolePolicyArgs(
        name=f"{name}-least-privilege",
        role=role.id,
        policy=pulumi.Output.all(
            account_id,
            logs.arn,
            pulumi.Output.all(*network.app_subnet_ids),
            network.app_security_group_id,
            dlq.arn,
            keys.keys.require("compute").arn,
        ).apply(
            lambda v: policy_document(
                function_base_statements(
                    region=region,
                    account_id=v[0],
                    log_group_arn=v[1],
                    subnet_ids=v[2],
                    security_group_id=v[3],
                    dlq_arn=v[4],
                    compute_key_arn=v[5],
                )
            )
        ),
    ),
)
function = aws.lambda_.Function(
    "hello",
    aws.lambda_.FunctionArgs(
        name=name,
        role=role.arn,
        runtime=LAMBDA_RUNTIME,
        architectures=[LAMBDA_ARCHITECTURE],
        handler="handler.handler",
        s3_bucket=code.bucket_name,
        s3_key=code.signed_key,
        code_signing_config_arn=code.code_signing_config_arn,
        memory_size=256,
        timeout=10,
        reserved_concurrent_executions=5,
        kms_key_arn=keys.keys.require("compute").arn,
        environment=aws.lambda_.FunctionEnvironmentArgs(variables={"ARTIFACT": code.signed_key}),
        tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
        dead_letter_config=aws.lambda_.FunctionDeadLetterConfigArgs(target_arn=dlq.arn),
        vpc_config=aws.lambda_.FunctionVpcConfigArgs(
            subnet_ids=network.app_subnet_ids, security_group_ids=[network.app_security_group_id]
        ),
        logging_config=aws.lambda_.FunctionLoggingConfigArgs(log_format="JSON", log_group=logs.name),
        tags=with_name(tags, name),
    ),
    opts=pulumi.ResourceOptions(depends_on=[role_policy, logs]),
)

pulumi.export("functionName", function.name)
pulumi.export("artifactBucket", code.bucket_name)
pulumi.export("signedKey", code.signed_key)
pulumi.export("codeSigningConfigArn", code.code_signing_config_arn)
pulumi.export("accessLogsBucket", code.access_logs_bucket_name)
