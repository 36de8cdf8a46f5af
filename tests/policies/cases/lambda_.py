"""Resource-policy cases of ``policies/rules/lambda_.py``: a compliant resource per case and, for every property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

from policies.engine import tokens as T
from tests.policies.cases.shapes import _IMAGE_FUNCTION, ACCOUNT, CODE_SIGNING, ROLE_ARN, SIGNING_PROFILE
from tests.policies.helpers import DELETE, Case

CASES = {
    # Lambda
    "lambda-in-vpc": [
        Case(T.LAMBDA_FUNCTION, "FUNCTION", {"vpcConfig.subnetIds": [], "vpcConfig.securityGroupIds": []}),
        Case(T.LAMBDA_FUNCTION, "FUNCTION", {"vpcConfig": DELETE}, label="no vpc"),
    ],
    "lambda-environment-cmk": [Case(T.LAMBDA_FUNCTION, "FUNCTION", {"kmsKeyArn": DELETE})],
    "lambda-no-secrets-in-environment": [
        Case(T.LAMBDA_FUNCTION, "FUNCTION", {"environment.variables.DB_PASSWORD": "hunter2-hunter2"}),
        Case(T.LAMBDA_FUNCTION, "FUNCTION", {"environment.variables.STRIPE_API_KEY": "sk_live_abc"}, label="api key"),
    ],
    "lambda-supported-runtime": [Case(T.LAMBDA_FUNCTION, "FUNCTION", {"runtime": "python3.8"})],
    "lambda-code-signing": [
        Case(T.LAMBDA_FUNCTION, "FUNCTION", {"codeSigningConfigArn": ""}),
        Case(T.LAMBDA_FUNCTION, "FUNCTION", {"codeSigningConfigArn": DELETE}, label="absent"),
        Case(
            T.LAMBDA_FUNCTION,
            _IMAGE_FUNCTION,
            {"packageType": "Zip"},
            label="an image function needs no config; the same as a zip does",
        ),
    ],
    "lambda-code-signing-enforced": [
        Case(
            T.LAMBDA_CODE_SIGNING,
            CODE_SIGNING,
            {"policies.untrustedArtifactOnDeployment": "Warn", "allowedPublishers.signingProfileVersionArns": []},
        ),
        Case(
            T.LAMBDA_CODE_SIGNING,
            CODE_SIGNING,
            {"policies": DELETE},
            label="no policies block: the API's default is Warn",
        ),
    ],
    "signer-profile-lambda-platform": [
        Case(
            T.SIGNER_PROFILE,
            SIGNING_PROFILE,
            {
                "platformId": "AWSIoTDeviceManagement-SHA256-ECDSA",
                "signatureValidityPeriod.value": 61,
                "signatureValidityPeriod.type": "FORTNIGHTS",
            },
        ),
        Case(
            T.SIGNER_PROFILE,
            SIGNING_PROFILE,
            {"signatureValidityPeriod": DELETE},
            label="absent: AWS Signer's default, 135 months",
        ),
        Case(
            T.SIGNER_PROFILE,
            SIGNING_PROFILE,
            {"signatureValidityPeriod": {"type": "YEARS", "value": 6}},
            label="6 years",
        ),
        Case(
            T.SIGNER_PROFILE,
            SIGNING_PROFILE,
            {"signatureValidityPeriod": {"type": "DAYS", "value": 1830}},
            label="1830 days",
            config={"maximumMonths": 60},
        ),
        Case(
            T.SIGNER_PROFILE,
            {**SIGNING_PROFILE, "signatureValidityPeriod": {"type": "MONTHS", "value": 24}},
            {"signatureValidityPeriod.value": 25},
            config={"maximumMonths": 24},
            label="configured maximum",
        ),
    ],
    "lambda-tracing-active": [Case(T.LAMBDA_FUNCTION, "FUNCTION", {"tracingConfig.mode": "PassThrough"})],
    "lambda-reserved-concurrency": [
        Case(T.LAMBDA_FUNCTION, "FUNCTION", {"reservedConcurrentExecutions": -1}),
        Case(T.LAMBDA_FUNCTION, "FUNCTION", {"reservedConcurrentExecutions": 0}, label="zero: the function is off"),
        Case(T.LAMBDA_FUNCTION, "FUNCTION", {"reservedConcurrentExecutions": DELETE}, label="absent"),
    ],
    "lambda-multiple-subnets": [
        Case(
            T.LAMBDA_FUNCTION,
            {
                "name": "f",
                "role": ROLE_ARN,
                "vpcConfig": {"subnetIds": ["subnet-app-0", "subnet-app-1"], "securityGroupIds": ["sg-app"]},
            },
            {"vpcConfig.subnetIds": ["subnet-app-0"]},
        ),
    ],
    "lambda-dead-letter-target": [
        Case(T.LAMBDA_FUNCTION, "FUNCTION", {"deadLetterConfig.targetArn": ""}),
        Case(T.LAMBDA_FUNCTION, "FUNCTION", {"deadLetterConfig": DELETE}, label="absent"),
    ],
    "lambda-function-url-iam": [
        Case(
            T.LAMBDA_URL,
            {"functionName": "ecomart-orders", "authorizationType": "AWS_IAM"},
            {"authorizationType": "NONE"},
        )
    ],
    "lambda-permission-scoped": [
        Case(
            T.LAMBDA_PERMISSION,
            {
                "action": "lambda:InvokeFunction",
                "function": "ecomart-orders",
                "principal": "apigateway.amazonaws.com",
                "sourceArn": f"arn:aws:execute-api:us-east-1:{ACCOUNT}:abc123/*",
            },
            {"principal": "*", "sourceArn": DELETE},
        ),
    ],
}
