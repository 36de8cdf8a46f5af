"""Before a first deploy: what only the account can answer, from the stack's declared resources (the offline
preview) and read-only calls. Nothing is changed."""

from __future__ import annotations

from typing import Any

from runbooks.core import Context, Param, RunbookError, runbook

UNRESERVED_MINIMUM = 100  # Lambda keeps 100 concurrent executions unreserved (PutFunctionConcurrency refuses less)
# Service Quotas codes (https://docs.aws.amazon.com/servicequotas/latest/userguide/): EC2-VPC Elastic IPs;
# Interface VPC endpoints per VPC.
EIP_QUOTA = ("ec2", "L-0263D0A3")
ENDPOINTS_PER_VPC_QUOTA = ("vpc", "L-29B6F2EB")
# RDS's own per-account quotas (DescribeAccountAttributes) a stack's resources count against.
RDS_QUOTAS = {
    "aws:rds/instance:Instance": "DBInstances",
    "aws:rds/eventSubscription:EventSubscription": "EventSubscriptions",
    "aws:rds/subnetGroup:SubnetGroup": "DBSubnetGroups",
    "aws:rds/parameterGroup:ParameterGroup": "DBParameterGroups",
}


def _of_type(resources: list[dict], rtype: str) -> list[dict]:
    return [r for r in resources if r.get("type") == rtype and not r.get("external")]


def _inputs(r: dict) -> dict:
    return r.get("inputs") or {}


@runbook(
    "deploy-preflight",
    "Check the account before a first deploy",
    "read-only: the quotas the stack needs, its AZs and endpoint services, the SES identity, the deploy role's "
    "session length",
    params=(
        Param("region", "AWS region of the stack (default: the stack config's aws:region)"),
        Param("deploy-role", "the deploy role's name (default: ecomart-<stack>-deploy, as bootstrap names it)"),
        Param("deploy-minutes", "how long the first deploy may take, minutes", default=180, type=int),
    ),
    before_deploy=True,
)
def deploy_preflight(ctx: Context) -> int:
    resources = ctx.facts.resources
    if not resources:
        raise RunbookError("deploy-preflight reads the stack's declared resources: run it without --outputs")
    region = ctx.params.get("region") or ctx.facts.outputs.get("region")
    if not region:
        raise RunbookError("deploy-preflight: give --region (the stack's outputs name none)")

    with ctx.step("Who is calling", verify="credentials of the account the stack deploys into"):
        who = ctx.read("sts", "GetCallerIdentity", region=region)
        ctx.say(f"   account {who.get('Account')}, {who.get('Arn')}")

    functions = _of_type(resources, "aws:lambda/function:Function")
    reserved = sum(int(_inputs(f).get("reservedConcurrentExecutions") or 0) for f in functions)
    with ctx.step(
        "Lambda concurrency",
        verify=f"the account's concurrency >= reserved ({reserved}) + {UNRESERVED_MINIMUM} unreserved",
    ):
        limit = ctx.read("lambda", "GetAccountSettings", region=region)["AccountLimit"]["ConcurrentExecutions"]
        ctx.observe("Lambda concurrency", limit >= reserved + UNRESERVED_MINIMUM, f"{limit} available")
        ctx.measure("lambda_concurrency", {"limit": limit, "reserved": reserved})

    with ctx.step("RDS account quotas", verify="each quota's free room >= what the stack creates"):
        attrs = ctx.read("rds", "DescribeAccountAttributes", region=region)
        quotas = {q["AccountQuotaName"]: q for q in attrs.get("AccountQuotas", [])}
        for rtype, name in RDS_QUOTAS.items():
            needed = len(_of_type(resources, rtype))
            q = quotas.get(name)
            if not needed or q is None:
                continue
            room = q["Max"] - q["Used"]
            ctx.observe(f"RDS {name}", room >= needed, f"{room} free of {q['Max']}, the stack creates {needed}")

    endpoints = [
        r
        for r in _of_type(resources, "aws:ec2/vpcEndpoint:VpcEndpoint")
        if _inputs(r).get("vpcEndpointType") == "Interface"
    ]
    eips = _of_type(resources, "aws:ec2/eip:Eip")
    with ctx.step("Service quotas", verify="interface endpoints per VPC and Elastic IPs cover the stack's"):
        if endpoints:
            quota = ctx.read(
                "service-quotas",
                "GetServiceQuota",
                region=region,
                ServiceCode=ENDPOINTS_PER_VPC_QUOTA[0],
                QuotaCode=ENDPOINTS_PER_VPC_QUOTA[1],
            )["Quota"]["Value"]
            ctx.observe(
                "interface endpoints per VPC",
                quota >= len(endpoints),
                f"quota {quota:g}, the stack has {len(endpoints)}",
            )
        if eips:
            quota = ctx.read(
                "service-quotas", "GetServiceQuota", region=region, ServiceCode=EIP_QUOTA[0], QuotaCode=EIP_QUOTA[1]
            )["Quota"]["Value"]
            used = len(ctx.read("ec2", "DescribeAddresses", region=region).get("Addresses", []))
            ctx.observe(
                "Elastic IPs", quota - used >= len(eips), f"{quota - used:g} free, the stack allocates {len(eips)}"
            )

    subnets = _of_type(resources, "aws:ec2/subnet:Subnet")
    zones = sorted({z for z in (_inputs(s).get("availabilityZone") for s in subnets) if isinstance(z, str)})
    services = sorted(
        {
            _inputs(e).get("serviceName")
            for e in endpoints
            if str(_inputs(e).get("serviceName", "")).startswith(f"com.amazonaws.{region}.")
        }
    )
    with ctx.step(
        "Availability Zones", verify="the stack's AZs are available and every AWS endpoint service is in each"
    ):
        if zones:
            found = ctx.read("ec2", "DescribeAvailabilityZones", region=region, ZoneNames=zones)
            available = {z["ZoneName"] for z in found.get("AvailabilityZones", []) if z.get("State") == "available"}
            ctx.observe(
                "AZs available", set(zones) <= available, ", ".join(sorted(set(zones) - available)) or ", ".join(zones)
            )
        if services and zones:
            details = ctx.read("ec2", "DescribeVpcEndpointServices", region=region, ServiceNames=services)
            for d in details.get("ServiceDetails", []):
                missing = sorted(set(zones) - set(d.get("AvailabilityZones", [])))
                ctx.observe(f"{d['ServiceName']} in every AZ", not missing, ", ".join(missing) or "all")
        ctx.note(
            "The Atlas PrivateLink and RDS Proxy endpoints are checked once they exist: Atlas names its endpoint "
            "service only when the project's PrivateLink is created."
        )

    pools = _of_type(resources, "aws:cognito/userPool:UserPool")
    sources = [(_inputs(p).get("emailConfiguration") or {}).get("sourceArn") for p in pools]
    with ctx.step("SES identity for Cognito", verify="verified for sending, the account out of the SES sandbox"):
        for arn in (a for a in sources if isinstance(a, str)):
            identity = arn.split(":identity/", 1)[-1]
            ses_region = arn.split(":")[3]
            got = ctx.read("sesv2", "GetEmailIdentity", region=ses_region, EmailIdentity=identity)
            ctx.observe(f"SES identity {identity} verified", bool(got.get("VerifiedForSendingStatus")))
            account = ctx.read("sesv2", "GetAccount", region=ses_region)
            ctx.observe("SES production access (out of the sandbox)", bool(account.get("ProductionAccessEnabled")))
        if pools and not any(sources):
            ctx.note("the user pool uses Cognito's default sender (capped at 50 e-mails a day): fine for dev only")

    role = ctx.params.get("deploy-role") or f"ecomart-{ctx.facts.stack}-deploy"
    minutes = ctx.params["deploy-minutes"]
    with ctx.step("Deploy role session", verify=f"{role}'s maximum session outlasts a first deploy ({minutes} min)"):
        got: Any = ctx.read("iam", "GetRole", region=region, RoleName=role)["Role"]
        longest = int(got.get("MaxSessionDuration", 3600))
        ctx.observe("deploy role session", longest >= minutes * 60, f"{longest // 60} min allowed")
    failed = [c for c in ctx.checks if not c["ok"]]
    return 3 if failed else 0
