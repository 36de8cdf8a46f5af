"""API Gateway (REST v1 and HTTP v2) in front of the order service: access logs, payload logging, cache
encryption, authorization and TLS policy."""

from __future__ import annotations

from platform_rules import PUBLIC_ROUTES
from policies.engine.core import Report, Res, absent, is_true, known, not_true, resource_policy, show
from policies.engine.meta import CCPA_SEC, GDPR_BREACH, GDPR_CIA, GDPR_ENC, GDPR_MIN, GDPR_TEST
from policies.engine.tokens import (
    APIGW_DOMAIN,
    APIGW_METHOD,
    APIGW_METHOD_SETTINGS,
    APIGW_STAGE,
    APIGWV2_AUTHORIZER,
    APIGWV2_DOMAIN,
    APIGWV2_ROUTE,
    APIGWV2_STAGE,
)

MODERN_TLS = (
    "TLS_1_2",
    "SecurityPolicy_TLS13_1_3_2025_09",
    "SecurityPolicy_TLS13_1_2_2021_06",
    "SecurityPolicy_TLS13_1_2_PQ_2025_09",
    "SecurityPolicy_TLS12_1_2_2021_06",
)


@resource_policy(
    "apigw-stage-access-logs",
    types=(APIGW_STAGE, APIGWV2_STAGE),
    severity="high",
    category="security",
    controls=("pci-10-2-1", GDPR_BREACH, "fsbp-apigateway-9"),
    description="API stages write access logs to a log group.",
    why="Access logs (caller, route, status, latency) are the audit trail of every order and payment request.",
    remediation="Set `access_log_settings={destination_arn: <log group ARN>, format: <JSON format>}`.",
    checks=("accessLogSettings.destinationArn",),
)
def apigw_stage_access_logs(r: Res, report: Report) -> None:
    dest = r.get("accessLogSettings.destinationArn")
    if absent(dest):
        report("accessLogSettings.destinationArn is not set: requests are not logged")


@resource_policy(
    "apigw-no-payload-logging",
    defaults={"settings.dataTraceEnabled": False, "defaultRouteSettings.dataTraceEnabled": False},
    types=(APIGW_METHOD_SETTINGS, APIGWV2_STAGE),
    severity="high",
    category="security",
    controls=(GDPR_MIN, "pci-3-5-1", CCPA_SEC),
    description="API execution logs never include full request/response bodies (`data_trace_enabled`).",
    why="Order and payment requests carry addresses and card tokens; data tracing copies them into CloudWatch.",
    remediation="Set `settings.data_trace_enabled=False` (REST) / `default_route_settings.data_trace_enabled="
    "False` (HTTP/WebSocket).",
    checks={
        APIGW_METHOD_SETTINGS: ("settings.dataTraceEnabled",),
        APIGWV2_STAGE: ("defaultRouteSettings.dataTraceEnabled",),
    },
)
def apigw_no_payload_logging(r: Res, report: Report) -> None:
    path = "settings.dataTraceEnabled" if r.type == APIGW_METHOD_SETTINGS else "defaultRouteSettings.dataTraceEnabled"
    if is_true(r.get(path)):
        report(f"{path} is true: request and response bodies (personal data) are logged")


@resource_policy(
    "apigw-cache-encrypted",
    types=(APIGW_METHOD_SETTINGS,),
    severity="medium",
    category="security",
    controls=(GDPR_ENC, "pci-3-5-1", "fsbp-apigateway-5"),
    description="API response caches are encrypted.",
    why="Cached responses can hold customer data.",
    remediation="Set `settings.cache_data_encrypted=True` wherever `caching_enabled` is true.",
    checks=("settings.cacheDataEncrypted",),
)
def apigw_cache_encrypted(r: Res, report: Report) -> None:
    if is_true(r.get("settings.cachingEnabled")):
        encrypted = r.get("settings.cacheDataEncrypted")
        if not_true(encrypted):
            report("settings.cacheDataEncrypted is not true on a cached method")


@resource_policy(
    "apigw-route-authorized",
    types=(APIGW_METHOD, APIGWV2_ROUTE),
    severity="high",
    category="security",
    controls=("pci-8-3-1", "pci-7-2-1", GDPR_CIA, "fsbp-apigateway-8"),
    description="API routes and methods require authorization (IAM, Cognito/JWT or a Lambda authorizer); only "
    "CORS preflight (OPTIONS) and the HTTP API routes listed in `publicRoutes` (health and catalog "
    "reads: platform_rules.PUBLIC_ROUTES) may be open.",
    why="An unauthorized route exposes order and inventory operations to anyone on the internet.",
    remediation="Set `authorization` (REST) / `authorization_type` (HTTP) to `AWS_IAM`, `JWT`, `CUSTOM` or "
    "`COGNITO_USER_POOLS`; a route that must be public is added to platform_rules.PUBLIC_ROUTES, "
    "a reviewed change.",
    checks={APIGW_METHOD: ("authorization",), APIGWV2_ROUTE: ("authorizationType",)},
    config={"publicRoutes": list(PUBLIC_ROUTES)},
    config_descriptions={"publicRoutes": 'HTTP API route keys ("GET /path") that may be called without a token.'},
)
def apigw_route_authorized(r: Res, report: Report) -> None:
    route = None
    if r.type == APIGW_METHOD:
        prop, method = "authorization", r.get("httpMethod")
    else:
        prop = "authorizationType"
        route = r.get("routeKey")
        method = route.split(" ", 1)[0] if isinstance(route, str) else None
    if method == "OPTIONS":
        return
    if r.type == APIGWV2_ROUTE:
        if not known(route) or (not absent(route) and not isinstance(route, str)):
            return  # unknown until apply, or secret: it cannot be judged
        if route in (r.setting("publicRoutes") or ()):
            return  # listed public (platform_rules.PUBLIC_ROUTES)
    value = r.get(prop)
    if known(value) and (absent(value) or value == "NONE"):
        report(f"{prop} is {show(value)}: the route is callable without authorization")


@resource_policy(
    "apigw-domain-tls12",
    types=(APIGW_DOMAIN, APIGWV2_DOMAIN),
    severity="high",
    category="security",
    controls=("pci-4-2-1", GDPR_ENC),
    description="Custom domains accept TLS 1.2 or newer only.",
    why="TLS 1.0/1.1 are broken and not allowed for cardholder data in transit.",
    remediation='Set `security_policy="TLS_1_2"` (REST) / `domain_name_configuration.security_policy='
    '"TLS_1_2"` (HTTP).',
    checks={APIGW_DOMAIN: ("securityPolicy",), APIGWV2_DOMAIN: ("domainNameConfiguration.securityPolicy",)},
)
def apigw_domain_tls12(r: Res, report: Report) -> None:
    path = "securityPolicy" if r.type == APIGW_DOMAIN else "domainNameConfiguration.securityPolicy"
    policy = r.get(path)
    if known(policy) and policy not in MODERN_TLS:
        report(f"{path} is {show(policy)}: TLS 1.2 or newer required")


@resource_policy(
    "apigw-jwt-authorizer-verified",
    types=(APIGWV2_AUTHORIZER,),
    severity="high",
    category="security",
    controls=("pci-8-3-1", GDPR_CIA),
    description="JWT authorizers name an https issuer and at least one audience, and read the token from the "
    "Authorization header.",
    why="Without an audience any token of the issuer (another app's) is accepted; an http issuer's keys can be "
    "swapped in transit.",
    remediation='Set `jwt_configuration={issuer: "https://...", audiences: [<client id>]}` and '
    '`identity_sources=["$request.header.Authorization"]`.',
    checks=("jwtConfiguration.issuer", "jwtConfiguration.audiences", "identitySources"),
)
def apigw_jwt_authorizer_verified(r: Res, report: Report) -> None:
    if r.get("authorizerType") != "JWT":
        return
    issuer, audiences = r.get("jwtConfiguration.issuer"), r.get("jwtConfiguration.audiences")
    if known(issuer) and (absent(issuer) or not str(issuer).startswith("https://")):
        report(f"jwtConfiguration.issuer is {show(issuer)}: an https:// issuer is required")
    if known(audiences) and absent(audiences):
        report("jwtConfiguration.audiences is empty: tokens issued for any client are accepted")
    sources = r.get("identitySources")
    if known(sources) and "$request.header.Authorization" not in (sources or []):
        report(f"identitySources is {show(sources)}: the token is not read from the Authorization header")


@resource_policy(
    "apigw-stage-throttling",
    types=(APIGWV2_STAGE,),
    severity="medium",
    category="resilience",
    controls=(GDPR_CIA, CCPA_SEC),
    description="HTTP API stages throttle the default route (rate and burst set, above zero).",
    why="Without a stage limit one client's burst takes the whole account's API Gateway quota and every "
    "function's concurrency, and runs up the bill.",
    remediation="Set `default_route_settings={throttling_rate_limit: <rps>, throttling_burst_limit: <n>}` "
    "(stack config `service.throttlingRateLimit`, `service.throttlingBurstLimit`).",
    checks=("defaultRouteSettings.throttlingRateLimit", "defaultRouteSettings.throttlingBurstLimit"),
)
def apigw_stage_throttling(r: Res, report: Report) -> None:
    for prop in ("throttlingRateLimit", "throttlingBurstLimit"):
        value = r.get(f"defaultRouteSettings.{prop}")
        if known(value) and (absent(value) or not isinstance(value, (int, float)) or value <= 0):
            report(f"defaultRouteSettings.{prop} is {show(value)}: the stage is not throttled")


@resource_policy(
    "apigw-stage-detailed-metrics",
    types=(APIGWV2_STAGE,),
    severity="low",
    category="resilience",
    controls=("pci-10-7-2",),
    description="HTTP API stages publish per-route metrics (`detailed_metrics_enabled`).",
    why="Per-route 5xx and latency show which endpoint fails; the API-wide figure hides a failing checkout "
    "behind healthy catalog reads.",
    remediation="Set `default_route_settings={detailed_metrics_enabled: True}`.",
    checks=("defaultRouteSettings.detailedMetricsEnabled",),
)
def apigw_stage_detailed_metrics(r: Res, report: Report) -> None:
    value = r.get("defaultRouteSettings.detailedMetricsEnabled")
    if not_true(value):
        report(f"defaultRouteSettings.detailedMetricsEnabled is {show(value)}: no per-route metrics")


@resource_policy(
    "apigw-rest-stage-xray",
    types=(APIGW_STAGE,),
    severity="low",
    category="resilience",
    controls=(GDPR_TEST, "fsbp-apigateway-3"),
    description="REST API stages trace requests with X-Ray (`xray_tracing_enabled`).",
    why="Traces tie a slow or failing API call to the function and store it waited on.",
    remediation="Set `xray_tracing_enabled=True` on `aws.apigateway.Stage`.",
    checks=("xrayTracingEnabled",),
)
def apigw_rest_stage_xray(r: Res, report: Report) -> None:
    value = r.get("xrayTracingEnabled")
    if not_true(value):
        report(f"xrayTracingEnabled is {show(value)}: requests are not traced")


@resource_policy(
    "apigw-rest-execution-logging",
    types=(APIGW_METHOD_SETTINGS,),
    severity="medium",
    category="security",
    controls=("pci-10-2-1", GDPR_BREACH, "fsbp-apigateway-1"),
    description="REST API stages log execution errors at least (`settings.logging_level` ERROR or INFO).",
    why="Without execution logs a failing integration or authorizer leaves no trace of why a request failed.",
    remediation='Set `settings.logging_level="ERROR"` (or `"INFO"`) on `aws.apigateway.MethodSettings` for `*/*`.',
    checks=("settings.loggingLevel",),
)
def apigw_rest_execution_logging(r: Res, report: Report) -> None:
    level = r.get("settings.loggingLevel")
    if known(level) and (absent(level) or str(level).upper() not in ("ERROR", "INFO")):
        report(f"settings.loggingLevel is {show(level)}: execution errors are not logged")


@resource_policy(
    "apigw-rest-stage-client-certificate",
    types=(APIGW_STAGE,),
    severity="low",
    category="security",
    controls=("pci-4-2-1", "fsbp-apigateway-2"),
    description="REST API stages present a client certificate to their backends (`client_certificate_id`).",
    why="With it an HTTP backend can tell API Gateway's calls from anyone else's.",
    remediation="Create an `aws.apigateway.ClientCertificate` and set `client_certificate_id` on the stage.",
    checks=("clientCertificateId",),
)
def apigw_rest_stage_client_certificate(r: Res, report: Report) -> None:
    cert = r.get("clientCertificateId")
    if known(cert) and absent(cert):
        report("clientCertificateId is not set: backends cannot authenticate API Gateway")
