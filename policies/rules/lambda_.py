"""Lambda functions (the order service runs on Lambda behind API Gateway): network placement, secrets in the
environment, runtimes, code signing, function URLs and resource policies. Named ``lambda_`` because ``lambda`` is
a keyword.
"""

from __future__ import annotations

from platform_rules import LAMBDA_SIGNATURE_VALIDITY_MONTHS, LAMBDA_SIGNING_PLATFORM, SIGNER_MAX_VALIDITY_MONTHS
from policies.engine.core import Report, Res, absent, holds_literal_secret, known, num, resource_policy, show
from policies.engine.facts import NO_SECRET, REQUIRED
from policies.engine.meta import CCPA_SEC, GDPR_CIA, GDPR_ENC, GDPR_RESTORE, GDPR_TEST
from policies.engine.tokens import LAMBDA_CODE_SIGNING, LAMBDA_FUNCTION, LAMBDA_PERMISSION, LAMBDA_URL, SIGNER_PROFILE

# Runtimes AWS no longer patches (deprecated): functions on them get no security fixes.
DEPRECATED_RUNTIMES = frozenset(
    {
        "python2.7",
        "python3.6",
        "python3.7",
        "python3.8",
        "python3.9",
        "nodejs",
        "nodejs4.3",
        "nodejs6.10",
        "nodejs8.10",
        "nodejs10.x",
        "nodejs12.x",
        "nodejs14.x",
        "nodejs16.x",
        "nodejs18.x",
        "java8",
        "dotnetcore1.0",
        "dotnetcore2.0",
        "dotnetcore2.1",
        "dotnetcore3.1",
        "dotnet5.0",
        "dotnet6",
        "dotnet7",
        "ruby2.5",
        "ruby2.7",
        "ruby3.2",
        "go1.x",
        "provided",
    }
)


@resource_policy(
    "lambda-in-vpc",
    types=(LAMBDA_FUNCTION,),
    severity="high",
    category="security",
    controls=("pci-1-3-2", "pci-1-4-4", GDPR_CIA, "fsbp-lambda-3"),
    description="Functions run in the VPC (subnets and security groups), reaching the data tier privately.",
    why="Outside the VPC a function talks to the stores over public endpoints and its egress cannot be restricted.",
    remediation="Set `vpc_config={subnet_ids: <app subnets>, security_group_ids: [<app SG>]}`.",
    checks=("vpcConfig.subnetIds", "vpcConfig.securityGroupIds"),
)
def lambda_in_vpc(r: Res, report: Report) -> None:
    config = r.get("vpcConfig")
    if not known(config):
        return
    if absent(config):
        report("vpcConfig is not set: the function runs outside the VPC")
        return
    for prop in ("subnetIds", "securityGroupIds"):
        value = config.get(prop)
        if known(value) and absent(value):
            report(f"vpcConfig.{prop} is empty")


@resource_policy(
    "lambda-environment-cmk",
    types=(LAMBDA_FUNCTION,),
    severity="medium",
    category="security",
    controls=(GDPR_ENC, "pci-3-6-1"),
    description="Functions with environment variables encrypt them with a customer-managed key.",
    why="Environment variables hold connection settings; with our key, reading them needs kms:Decrypt on it.",
    remediation="Set `kms_key_arn=<CMK ARN>` on `aws.lambda_.Function`.",
    checks=("kmsKeyArn",),
)
def lambda_environment_cmk(r: Res, report: Report) -> None:
    variables = r.get("environment.variables")
    if known(variables) and not absent(variables) and absent(r.get("kmsKeyArn")):
        report("kmsKeyArn is not set: environment variables are encrypted with the AWS-managed key")


@resource_policy(
    "lambda-no-secrets-in-environment",
    unset={"environment.variables.DB_PASSWORD": NO_SECRET, "environment.variables.STRIPE_API_KEY": NO_SECRET},
    secret_is_set=(
        "environment.variables.DB_PASSWORD",
        "environment.variables.STRIPE_API_KEY",
    ),
    types=(LAMBDA_FUNCTION,),
    severity="high",
    category="security",
    controls=("pci-8-6-2", "pci-8-3-2", CCPA_SEC),
    description="No environment variable holds a literal password, token or key (pass an ARN and read it from "
    "Secrets Manager).",
    why="Environment variables are visible to anyone with lambda:GetFunctionConfiguration and in the stack "
    "state; secrets there are never rotated.",
    remediation="Remove the value from `environment.variables`: store it in Secrets Manager and pass its ARN "
    "(`DB_SECRET_ARN`); use IAM auth for PostgreSQL and Redis.",
    checks=("environment.variables",),
)
def lambda_no_secrets_in_environment(r: Res, report: Report) -> None:
    variables = r.get("environment.variables")
    if not known(variables) or not isinstance(variables, dict):
        return
    for name, value in variables.items():
        if holds_literal_secret(name, value):
            report(f"environment variable {name} holds a literal secret")


@resource_policy(
    "lambda-supported-runtime",
    unset={"runtime": "unset: a container-image function has no managed runtime"},
    types=(LAMBDA_FUNCTION,),
    severity="medium",
    category="security",
    controls=("pci-6-3-3", "fsbp-lambda-2"),
    description="Functions run on a runtime AWS still patches.",
    why="Deprecated runtimes get no security updates.",
    remediation="Set `runtime` to a supported version (e.g. `python3.12`).",
    checks=("runtime",),
)
def lambda_supported_runtime(r: Res, report: Report) -> None:
    runtime = r.get("runtime")
    if known(runtime) and runtime in DEPRECATED_RUNTIMES:
        report(f"runtime is {show(runtime)}: deprecated, no security patches")


@resource_policy(
    "lambda-tracing-active",
    types=(LAMBDA_FUNCTION,),
    severity="low",
    category="resilience",
    controls=(GDPR_TEST,),
    description="Functions trace requests with X-Ray (`tracing_config.mode=Active`).",
    why="Traces show which store a slow or failing order request waited on.",
    remediation='Set `tracing_config={"mode": "Active"}`.',
    checks=("tracingConfig.mode",),
)
def lambda_tracing_active(r: Res, report: Report) -> None:
    mode = r.get("tracingConfig.mode")
    if known(mode) and mode != "Active":
        report(f"tracingConfig.mode is {show(mode)}: requests are not traced")


@resource_policy(
    "lambda-code-signing",
    types=(LAMBDA_FUNCTION,),
    severity="high",
    category="security",
    controls=(GDPR_CIA, "nist-cm-14", "nist-si-7-15"),
    description="Functions deployed from a zip have a code signing config (`codeSigningConfigArn`). Container-image "
    "functions are exempt: Lambda does not verify image signatures.",
    why="Without one, whoever may update the function's code (or the bucket it is deployed from) can run code "
    "nobody reviewed or built; with an enforcing config Lambda refuses any zip the stack's signing profile "
    "did not sign.",
    remediation="Sign the artifact with an `aws.signer.SigningProfile` (platform `AWSLambda-SHA384-ECDSA`) through "
    "an `aws.signer.SigningJob`, deploy the signed object (`s3_bucket`/`s3_key`) and set "
    "`code_signing_config_arn` to an `aws.lambda_.CodeSigningConfig` that allows that profile "
    "(components/artifacts.py does all of it).",
    checks=("codeSigningConfigArn",),
)
def lambda_code_signing(r: Res, report: Report) -> None:
    package = r.get("packageType")
    if not known(package) or package == "Image":
        return
    if absent(r.get("codeSigningConfigArn")):
        report("codeSigningConfigArn is not set: Lambda deploys any code, signed or not")


@resource_policy(
    "lambda-code-signing-enforced",
    types=(LAMBDA_CODE_SIGNING,),
    severity="high",
    category="security",
    controls=(GDPR_CIA, "nist-cm-14", "nist-si-7-15"),
    description="Code signing configs enforce (`policies.untrustedArtifactOnDeployment` is `Enforce`; the API's "
    "default is `Warn`) and allow at least one signing profile.",
    why="With `Warn`, Lambda deploys unsigned or foreign-signed code and only logs it: the config verifies "
    "nothing anyone acts on.",
    remediation='Set `policies={"untrusted_artifact_on_deployment": "Enforce"}` and `allowed_publishers='
    '{"signing_profile_version_arns": [<profile>.version_arn]}`.',
    checks=("policies.untrustedArtifactOnDeployment", "allowedPublishers.signingProfileVersionArns"),
)
def lambda_code_signing_enforced(r: Res, report: Report) -> None:
    action = r.get("policies.untrustedArtifactOnDeployment")
    if known(action) and action != "Enforce":
        report(
            f"policies.untrustedArtifactOnDeployment is {show(action)}"
            + (" (the API's default, Warn)" if absent(action) else "")
            + ": unsigned code still deploys"
        )
    profiles = r.get("allowedPublishers.signingProfileVersionArns")
    if known(profiles) and absent(profiles):
        report("allowedPublishers.signingProfileVersionArns is empty: no publisher is trusted")


@resource_policy(
    "signer-profile-lambda-platform",
    types=(SIGNER_PROFILE,),
    severity="medium",
    category="security",
    controls=("nist-cm-14",),
    description=f"Signing profiles sign on Lambda's platform (`platformId` `{LAMBDA_SIGNING_PLATFORM}`) with a "
    "signature validity of at most `maximumMonths` months.",
    why="Lambda accepts only that platform's signatures; a long validity keeps an old, possibly vulnerable "
    "artifact deployable for years (an expired signature is refused at deploy).",
    remediation=f'Set `platform_id="{LAMBDA_SIGNING_PLATFORM}"` and `signature_validity_period={{"type": '
    '"MONTHS", "value": <= maximumMonths}}`.',
    checks=("platformId", "signatureValidityPeriod.value", "signatureValidityPeriod.type"),
    config={"maximumMonths": LAMBDA_SIGNATURE_VALIDITY_MONTHS},
    config_descriptions={
        "maximumMonths": "Longest allowed signature validity, in months (AWS Signer's default "
        f"and maximum is {SIGNER_MAX_VALIDITY_MONTHS})."
    },
)
def signer_profile_lambda_platform(r: Res, report: Report) -> None:
    platform = r.get("platformId")
    if known(platform) and platform != LAMBDA_SIGNING_PLATFORM:
        report(f"platformId is {show(platform)}: Lambda verifies only {LAMBDA_SIGNING_PLATFORM} signatures")
    period = r.get("signatureValidityPeriod")
    if not known(period):
        return
    maximum = r.setting("maximumMonths")
    if absent(period):
        if SIGNER_MAX_VALIDITY_MONTHS > maximum:
            report(
                f"signatureValidityPeriod is not set: AWS Signer's default, {SIGNER_MAX_VALIDITY_MONTHS} months, "
                f"exceeds {maximum}"
            )
        return
    value, unit = period.get("value"), period.get("type")
    if not known(value) or not known(unit):
        return
    if value is None or unit is None:
        report("signatureValidityPeriod needs both type and value (the provider requires them)")
        return
    months = {"DAYS": 1 / 30, "MONTHS": 1, "YEARS": 12}.get(str(unit))
    if months is None:
        report(f"signatureValidityPeriod.type is {show(unit)}: DAYS, MONTHS or YEARS")
    elif months * (num(value) or 0) > maximum:
        report(f"signatureValidityPeriod is {show(value)} {unit}: at most {maximum} months")


@resource_policy(
    "lambda-function-url-iam",
    types=(LAMBDA_URL,),
    severity="high",
    category="security",
    controls=("pci-8-3-1", "pci-7-2-1", GDPR_CIA, "fsbp-lambda-1"),
    description="Function URLs require IAM authorization.",
    why="`NONE` publishes the function to the internet, bypassing API Gateway's authorizers and throttling.",
    remediation='Set `authorization_type="AWS_IAM"` (or serve through API Gateway).',
    checks=("authorizationType",),
)
def lambda_function_url_iam(r: Res, report: Report) -> None:
    auth = r.get("authorizationType")
    if known(auth) and auth != "AWS_IAM":
        report(f"authorizationType is {show(auth)}: anyone on the internet can invoke the function")


@resource_policy(
    "lambda-permission-scoped",
    unset={"principal": REQUIRED},
    types=(LAMBDA_PERMISSION,),
    severity="critical",
    category="security",
    controls=("pci-7-2-1", GDPR_CIA, CCPA_SEC, "fsbp-lambda-1"),
    description="Invoke permissions name a principal (never `*`) and scope service principals to a source ARN or "
    "account.",
    why="`*` lets any account invoke the function; a service principal without `source_arn` lets any other "
    "customer's API or bucket invoke it (confused deputy).",
    remediation="Set `principal` to the service (`apigateway.amazonaws.com`) and `source_arn` to our API's "
    "execution ARN.",
    checks=("principal", "sourceArn"),
)
def lambda_permission_scoped(r: Res, report: Report) -> None:
    principal = r.get("principal")
    if not known(principal):
        return
    if principal == "*":
        if absent(r.get("principalOrgId")):
            report("principal is '*': any AWS account may invoke the function")
        return
    if (
        isinstance(principal, str)
        and principal.endswith(".amazonaws.com")
        and absent(r.get("sourceArn"))
        and absent(r.get("sourceAccount"))
    ):
        report(
            f"principal {principal} has no sourceArn/sourceAccount: any {principal} resource of any account "
            "may invoke the function"
        )


@resource_policy(
    "lambda-reserved-concurrency",
    types=(LAMBDA_FUNCTION,),
    severity="medium",
    category="resilience",
    controls=(GDPR_CIA,),
    description="Functions reserve (and so cap) their concurrency.",
    why="Uncapped, a burst scales a function until it exhausts the account's concurrency (starving the others) "
    "and the proxy's connections; reserved, it always has its share.",
    remediation="Set `reserved_concurrent_executions` to a positive number (stack config "
    "`service.<function>.reservedConcurrency`).",
    checks=("reservedConcurrentExecutions",),
)
def lambda_reserved_concurrency(r: Res, report: Report) -> None:
    value = r.get("reservedConcurrentExecutions")
    if not known(value):
        return
    if absent(value) or not isinstance(value, (int, float)) or value < 1:
        report(f"reservedConcurrentExecutions is {show(value)}: the function's concurrency is not reserved")


@resource_policy(
    "lambda-dead-letter-target",
    types=(LAMBDA_FUNCTION,),
    severity="medium",
    category="resilience",
    controls=(GDPR_CIA, GDPR_RESTORE),
    description="Functions send failed asynchronous invocations to a dead-letter target.",
    why="Without one, an event that failed its retries (a scheduled relay run, an async call) is dropped "
    "without trace.",
    remediation="Set `dead_letter_config={target_arn: <SQS queue or SNS topic ARN>}`.",
    checks=("deadLetterConfig.targetArn",),
)
def lambda_dead_letter_target(r: Res, report: Report) -> None:
    config = r.get("deadLetterConfig")
    if not known(config):
        return
    target = config.get("targetArn") if isinstance(config, dict) else None
    if absent(config) or (known(target) and absent(target)):
        report("deadLetterConfig.targetArn is not set: failed asynchronous invocations are dropped")


@resource_policy(
    "lambda-multiple-subnets",
    unset={"vpcConfig.subnetIds": "unset: the function is outside the VPC, reported by lambda-in-vpc"},
    types=(LAMBDA_FUNCTION,),
    severity="medium",
    category="resilience",
    controls=(GDPR_CIA, "fsbp-lambda-5"),
    description="Functions in a VPC run in at least two subnets (one per Availability Zone).",
    why="In one subnet the function stops with that Availability Zone.",
    remediation="List one private subnet per AZ in `vpc_config.subnet_ids` (the app subnets). The subnets' AZs "
    "are not among the function's inputs: two subnets of one AZ pass here.",
    checks=("vpcConfig.subnetIds",),
)
def lambda_multiple_subnets(r: Res, report: Report) -> None:
    subnets = r.get("vpcConfig.subnetIds")
    if not known(subnets) or absent(r.get("vpcConfig")) or absent(subnets):
        return  # outside the VPC (lambda-in-vpc reports it) or not known yet
    if isinstance(subnets, list) and len(set(map(str, subnets))) < 2:
        report(f"vpcConfig.subnetIds has {len(set(map(str, subnets)))} subnet: one Availability Zone")
