import json

import pulumi
import pulumi_aws as aws

role = aws.iam.Role(
    "handler",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    ),
)
aws.iam.RolePolicyAttachment(
    "handler-logs", role=role, policy_arn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
)
fn = aws.lambda_.Function(
    "handler",
    runtime="python3.12",
    handler="index.handler",
    role=role.arn,
    code=pulumi.AssetArchive(
        {"index.py": pulumi.StringAsset("def handler(event, context):\n    return {'ok': True}\n")}
    ),
    tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
    timeout=10,
)
api = aws.apigatewayv2.Api("http", protocol_type="HTTP")
integration = aws.apigatewayv2.Integration(
    "handler", api_id=api.id, integration_type="AWS_PROXY", integration_uri=fn.invoke_arn, payload_format_version="2.0"
)
aws.apigatewayv2.Route(
    "get-root", api_id=api.id, route_key="GET /", target=integration.id.apply(lambda i: f"integrations/{i}")
)
aws.apigatewayv2.Stage("default", api_id=api.id, name="$default", auto_deploy=True)
aws.lambda_.Permission(
    "api",
    action="lambda:InvokeFunction",
    function=fn,
    principal="apigateway.amazonaws.com",
    source_arn=api.execution_arn.apply(lambda arn: f"{arn}/*/*"),
)
pulumi.export("url", api.api_endpoint)
pulumi.export("function", fn.name)
