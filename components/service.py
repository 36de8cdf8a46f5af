"""The app on top of the data tier: Lambda functions behind an authenticated HTTP API, PostgreSQL through RDS Proxy.

What it declares (docs/adr/0022-lambda-compute.md, docs/adr/0021-customer-authentication.md):

- **Three functions** from one signed artifact (``make package``, signed by ``components/artifacts.py``; their code
  signing config enforces the signature), in the private app subnets, each with its own role:
  the *API* (Mangum behind API Gateway), the *migrations* runner (invoked by the deploy whenever the migrations'
  hash changes; it also creates the IAM-authenticated database role) and the *outbox relay* (EventBridge
  Scheduler starts one every minute; each runs ``relay_run_seconds`` waking on ``LISTEN`` so events flow within
  seconds of the commit; more relays in parallel take disjoint rows with ``SKIP LOCKED``). Active tracing,
  environment encrypted with the compute CMK and holding no secret, reserved concurrency, a KMS-encrypted
  dead-letter queue for asynchronous invocations, log groups with retention and the logs CMK.
- **No password in any path.** The API and the relay reach PostgreSQL through **RDS Proxy** with end-to-end IAM
  authentication (``default_auth_scheme = "IAM_AUTH"``: the proxy, too, logs in with IAM), ElastiCache with
  ``elasticache:Connect`` tokens and Atlas with ``MONGODB-AWS`` as their own roles (the Atlas database users name
  them). Only the migrations runner reads the RDS-managed master secret, to create that IAM role in the first
  place; it reaches the writer directly and nothing else.
- **Network**: the API/relay security group may reach the proxy, Redis, the Atlas PrivateLink endpoints and the
  AWS API endpoints, nothing else; the proxy's group admits only it; the migrations group reaches the writer and
  the AWS API endpoints.
- **HTTP API** (API Gateway v2): one route per app endpoint (read from the app's OpenAPI by the stack), catalog
  reads and ``/health`` public, every customer route behind a JWT authorizer (a Cognito user pool and app client
  unless an external OIDC issuer is configured). ``$default`` stage with access logs (no bodies, no tokens) in a
  KMS-encrypted group, default-route throttling and detailed metrics; an optional custom domain (TLS 1.2).
- ``functions``, ``apis``, ``proxies`` and ``lags`` feed the monitoring component, which derives the alarms.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import pulumi
import pulumi_aws as aws
import pulumi_mongodbatlas as atlas

from components.atlas import PRIVATELINK_PORTS, iam_database_user
from components.aws_values import log_retention
from components.contract import Placement, arg, fail, require_together, settings
from components.inventory import MonitoredApi, MonitoredFunction, MonitoredLag, MonitoredProxy, MonitoredQueue
from components.kms import mac_key_policy
from components.network import allow_tcp
from components.resilience import tls_only_queue_policy
from components.tagging import with_name
from platform_rules import (
    EMBEDDING_DIMENSIONS,
    LAMBDA_ARCHITECTURE,
    LAMBDA_RUNTIME,
    OUTBOX_LAG_DIMENSION,
    OUTBOX_LAG_METRIC,
    OUTBOX_LAG_NAMESPACE,
    PG_APP_USER,
    POSTGRES_PORT,
    RDS_PROXY_POSTGRES_PORT,
    SEARCH_TEXT_INDEX,
    SEARCH_VECTOR_INDEX,
)

PROXY_PORT = RDS_PROXY_POSTGRES_PORT  # RDS Proxy's PostgreSQL endpoint: fixed, whatever the target's port
STAGE = "$default"
HANDLERS = {
    "api": "app.lambda_handler.handler",
    "migrations": "app.lambda_handler.migrate",
    "relay": "app.lambda_handler.relay",
}
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
API_GATEWAY_TIMEOUT_SECONDS = 30  # HTTP APIs end an integration at 30 s
# Stage access log: who, what, outcome, timing. No body, no query string, no Authorization header.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "time": "$context.requestTimeEpoch",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "latencyMs": "$context.responseLatency",
        "integrationLatencyMs": "$context.integrationLatency",
        "integrationError": "$context.integrationErrorMessage",
        "authorizerError": "$context.authorizer.error",
        "subject": "$context.authorizer.claims.sub",
    },
    sort_keys=True,
)
_PATH = re.compile(r"^/[A-Za-z0-9_\-/{}.]*$")


@dataclass(frozen=True)
class ServiceRoute:
    method: str = arg("HTTP method (GET, POST, ...).")
    path: str = arg("The app's path, parameters in braces (``/orders/{order_id}``): API Gateway uses the same syntax.")
    authorized: bool = arg("True: a customer's JWT is required (the authorizer checks it before the function runs).")

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


@settings
class FunctionSettings:
    memory_mb: int = arg("Memory (and so CPU share) of the function.", default=512, units="MiB", ge=128, le=10240)
    timeout_seconds: int = arg("Longest invocation before Lambda stops it.", default=30, units="seconds", ge=1, le=900)
    reserved_concurrency: int = arg(
        "Executions reserved for (and at most run by) the function: caps its connections and its cost.",
        default=10,
        ge=1,
        le=1000,
    )


_DOMAIN = r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
_ACM_ARN = r"arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}"
_SES_IDENTITY_ARN = r"arn:aws[a-z-]*:ses:[a-z0-9-]+:\d{12}:identity/[^\s/]+"


@settings
class ServiceSettings:
    """The stack config's ``service`` section: the app on Lambda, its API, authentication and domain."""

    api: FunctionSettings = arg(
        "API function (its timeout is below the HTTP API's 30 s integration timeout).",
        factory=lambda: FunctionSettings(1024, 29, 50),
    )
    migrations: FunctionSettings = arg(
        "Migrations function (one at a time).", factory=lambda: FunctionSettings(512, 300, 1)
    )
    relay: FunctionSettings = arg(
        "Outbox relay function (one per schedule, plus the overlap at the minute).",
        factory=lambda: FunctionSettings(512, 75, 2),
    )
    relay_run_seconds: int = arg(
        "How long one relay invocation keeps listening before it returns (the next "
        "starts on the minute; 10 .. relay.timeout_seconds - 10).",
        default=55,
        units="seconds",
        ge=10,
        le=890,
    )
    relay_schedules: int = arg(
        "Relays started each minute: parallel relays take disjoint rows (SKIP LOCKED).", default=1, ge=1, le=10
    )
    throttling_rate_limit: float = arg(
        "Default route's steady request rate.", default=100, units="requests/s", gt=0, le=10000
    )
    throttling_burst_limit: int = arg("Default route's burst.", default=200, units="requests", ge=1, le=5000)
    proxy_pool_percent: int = arg(
        "Share of the writer's max_connections the proxy may open (the rest: migrations, operators, replicas' needs).",
        default=50,
        units="%",
        ge=10,
        le=100,
    )
    proxy_idle_client_timeout_seconds: int = arg(
        "Idle client connections the proxy closes after.", default=1800, units="seconds", ge=1, le=28800
    )
    jwt_issuer: str | None = arg(
        "External OIDC issuer (https://...); None: a Cognito user pool is created.",
        default=None,
        pattern=r"https://\S+",
        means="an https:// URL",
    )
    jwt_audience: Sequence[str] = arg(
        "Audiences the authorizer accepts with jwt_issuer (Cognito: the app client's id).", default=()
    )
    customer_claim: str = arg(
        "Claim that carries the customer id (app/auth.py).",
        default="custom:customer_id",
        pattern=r"[A-Za-z0-9_:.-]{1,64}",
        means="a claim name (letters, digits, _ : . -)",
    )
    staff_group: str = arg(
        "Group whose members reach the back-office routes (/backoffice/…, app/auth.py): a Cognito group of the "
        "pool (created here; add staff with AdminAddUserToGroup), or of the external issuer's groups claim.",
        default="back-office",
        pattern=r"[A-Za-z0-9_.-]{1,128}",
        means="a group name (letters, digits, _ . -)",
    )
    user_pool_deletion_protection: bool = arg(
        "Cognito refuses to delete the pool (prod: the customers' accounts).", default=True
    )
    user_pool_threat_protection: bool = arg(
        "Plus feature plan with threat protection ENFORCED (FSBP Cognito.1): "
        "sign-ins with leaked credentials or risky context are blocked or "
        "challenged (priced per monthly active user).",
        default=True,
    )
    user_pool_email_source_arn: str | None = arg(
        "Verified SES identity (domain or address) the user pool sends its e-mail from; None: Cognito's default "
        "sender, capped at 50 e-mails a day (prod must set it: platform_rules.PROD.user_pool_ses_email).",
        default=None,
        pattern=_SES_IDENTITY_ARN,
        means="an SES identity ARN (arn:aws:ses:<region>:<account>:identity/<domain or address>)",
    )
    user_pool_email_from: str | None = arg(
        "From address of the user pool's e-mail (with user_pool_email_source_arn), e.g. 'EcoMart "
        "<no-reply@ecomart.example>'.",
        default=None,
    )
    domain_name: str | None = arg(
        "Custom domain of the API (TLS 1.2); None: the execute-api URL.",
        default=None,
        pattern=_DOMAIN,
        means="a lowercase DNS name",
    )
    certificate_arn: str | None = arg(
        "ACM certificate of domain_name, in the API's region.",
        default=None,
        pattern=_ACM_ARN,
        means="an ACM certificate ARN",
    )
    log_retention_days: int = arg(
        "Retention of the functions' and the API's log groups.", default=365, units="days", check=log_retention
    )

    def rules(self) -> None:
        require_together(self, "domain_name", "certificate_arn")
        require_together(self, "user_pool_email_source_arn", "user_pool_email_from")
        if self.api.timeout_seconds >= API_GATEWAY_TIMEOUT_SECONDS:
            fail(
                self,
                f"must be below the HTTP API's {API_GATEWAY_TIMEOUT_SECONDS} s integration timeout "
                f"(allowed 1..{API_GATEWAY_TIMEOUT_SECONDS - 1})",
                "api.timeout_seconds",
                self.api.timeout_seconds,
            )
        if self.relay_run_seconds > self.relay.timeout_seconds - 10:
            fail(
                self,
                f"relay_run_seconds ({self.relay_run_seconds}) must be 10 .. relay.timeout_seconds - 10 "
                f"({self.relay.timeout_seconds - 10})",
            )
        if self.relay.reserved_concurrency < 2 * self.relay_schedules:
            fail(
                self,
                f"relay.reserved_concurrency ({self.relay.reserved_concurrency}) must be >= 2 x "
                f"relay_schedules ({2 * self.relay_schedules}): a relay still finishing would throttle the "
                "next one",
            )
        if self.jwt_issuer is not None and not self.jwt_audience:
            fail(self, f"jwt_issuer ({self.jwt_issuer!r}) needs at least one jwt_audience")
        if self.jwt_issuer is None and self.jwt_audience:
            fail(self, "jwt_audience is set without jwt_issuer (the Cognito client's id is the audience)")


@dataclass(frozen=True)
class AppLink:
    """What the stack reads from the app itself (infra/app_contract.py)."""

    routes: Sequence[ServiceRoute] = arg("One HTTP API route per app endpoint (from the app's OpenAPI).")
    migrations_hash: str = arg(
        "Hash of the app's migrations: the migrations function runs on every deploy that changes it."
    )

    def __post_init__(self) -> None:
        if not self.routes:
            raise ValueError("AppLink.routes is empty: the API would serve nothing")
        keys = [r.route_key for r in self.routes]
        for r in self.routes:
            if r.method not in HTTP_METHODS or not _PATH.match(r.path):
                raise ValueError(
                    f"AppLink.routes: {r.route_key!r} is not METHOD /path (methods: {', '.join(HTTP_METHODS)})"
                )
        if len(set(keys)) != len(keys):
            raise ValueError(f"AppLink.routes: duplicates {sorted({k for k in keys if keys.count(k) > 1})}")


@dataclass(frozen=True)
class CodeLink:
    """The signed Lambda artifact (components/artifacts.py)."""

    s3_bucket: pulumi.Input[str] = arg("Bucket of the signed artifact (CodeArtifacts.bucket_name).")
    s3_key: pulumi.Input[str] = arg(
        "Key of the signed artifact (CodeArtifacts.signed_key): a new key is a new deployment of every function."
    )
    signing_config_arn: pulumi.Input[str] = arg(
        "Code signing config the functions enforce (CodeArtifacts.code_signing_config_arn): unsigned code is refused."
    )


@dataclass(frozen=True)
class NetworkLink:
    """The VPC the functions and the proxy run in (components/network.py)."""

    vpc_id: pulumi.Input[str] = arg("VPC of the data tier.")
    app_subnet_ids: Sequence[pulumi.Input[str]] = arg("Private app subnets the functions run in (>= 2 AZs).")
    data_subnet_ids: Sequence[pulumi.Input[str]] = arg("Data subnets the RDS Proxy runs in.")
    endpoints_security_group_id: pulumi.Input[str] = arg(
        "Group of the AWS API interface endpoints (admits 443 from the functions)."
    )
    postgres_security_group_id: pulumi.Input[str] = arg(
        "Group of the PostgreSQL instances (admits the proxy and the migrations function)."
    )
    redis_security_group_id: pulumi.Input[str] = arg("Group of the cache nodes (admits the functions).")


@dataclass(frozen=True)
class DatabaseLink:
    """The PostgreSQL writer (components/postgres.py)."""

    instance_identifier: pulumi.Input[str] = arg("The writer the proxy targets.")
    resource_id: pulumi.Input[str] = arg("The writer's resource id (db-...): the proxy's rds-db:connect ARN.")
    address: pulumi.Input[str] = arg("The writer's host name (the migrations function connects to it).")
    name: str = arg("Database the app uses.")
    max_connections: int = arg("The writer's max_connections (estimate): the proxy's pool is a share of it.")
    master_secret_arn: pulumi.Input[str | None] = arg(
        "RDS-managed master user secret (None until RDS reports it): only the migrations function reads it."
    )
    port: int = arg(
        "The writer's port (Postgres.PORT): the proxy and the migrations function connect to it; the "
        "functions reach the proxy on RDS Proxy's fixed 5432.",
        default=POSTGRES_PORT,
    )


@dataclass(frozen=True)
class CacheLink:
    """The ElastiCache group and its IAM-authenticated user (components/redis.py)."""

    endpoint: pulumi.Input[str] = arg("Cache endpoint host (configuration endpoint in cluster mode).")
    replication_group_id: str = arg("Replication group id (the ElastiCache IAM token is signed for it).")
    replication_group_arn: pulumi.Input[str] = arg("Replication group ARN (elasticache:Connect).")
    user_id: str = arg("The IAM-authenticated ElastiCache user (id == name).")
    user_arn: pulumi.Input[str] = arg("That user's ARN (elasticache:Connect).")


@dataclass(frozen=True)
class KeysLink:
    """The customer-managed keys the service uses (components/kms.py)."""

    relational: pulumi.Input[str] = arg("Key of the master secret and of the queued-orders queue.")
    compute: pulumi.Input[str] = arg("Key of the functions' environment and the dead-letter queue.")
    logs: pulumi.Input[str] = arg("Key of the functions' and the API's log groups.")


@dataclass(frozen=True)
class ReadOnlyLink:
    """The orders read-only flag and the queued-orders queue (components/resilience.py ReadOnlyMode)."""

    parameter_name: str = arg("SSM parameter of the orders read-only mode.")
    parameter_arn: pulumi.Input[str] = arg("Its ARN (ssm:GetParameter).")
    queue_url: pulumi.Input[str] = arg("Queue of the orders accepted in read-only mode.")
    queue_arn: pulumi.Input[str] = arg("Its ARN (sqs:SendMessage).")


@dataclass(frozen=True)
class CatalogLink:
    """The Atlas cluster the functions' database users live in (components/atlas.py)."""

    project_id: pulumi.Input[str] = arg("Atlas project: the functions' database users live there.")
    cluster_name: pulumi.Input[str] = arg("Cluster the users are scoped to.")
    private_srv: pulumi.Input[str | None] = arg(
        "SRV string of the cluster's private endpoint (None until Atlas reports it)."
    )
    security_group_id: pulumi.Input[str] = arg("Group of the Atlas PrivateLink endpoints.")
    database: str = arg("Atlas database the users may read and write.", default="catalog")


@dataclass(frozen=True)
class ServiceLinks:
    app: AppLink = arg("Routes and migrations the stack reads from the app.")
    code: CodeLink = arg("The signed artifact the functions deploy.")
    network: NetworkLink = arg("Subnets and security groups.")
    database: DatabaseLink = arg("The PostgreSQL writer.")
    cache: CacheLink = arg("The cache and its app user.")
    keys: KeysLink = arg("The keys of secrets, queues, environments and logs.")
    read_only: ReadOnlyLink = arg("The orders read-only flag and queue.")
    catalog: CatalogLink | None = arg("The Atlas catalog; None: no catalog store.", default=None)


def service_trust(service: str, account_id: str) -> str:
    """A role ``service`` may assume for this account only (aws:SourceAccount: no confused deputy)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ],
        }
    )


def proxy_db_user_arn(region: str, account_id: str, proxy_arn: str, user: str) -> str:
    """``rds-db:connect`` resource of a proxy's database user: dbuser:prx-<id>/<user> (the proxy ARN's last part)."""
    return f"arn:aws:rds-db:{region}:{account_id}:dbuser:{proxy_arn.rsplit(':', 1)[-1]}/{user}"


def function_base_statements(
    *,
    region: str,
    account_id: str,
    log_group_arn: str,
    subnet_ids: Sequence[str],
    security_group_id: str,
    dlq_arn: str,
    compute_key_arn: str,
) -> list[dict]:
    """What every function needs: its own log group, X-Ray, ENIs in its subnets and group, its DLQ and keys.

    xray:Put* and ec2:Describe* have no resource-level permissions in AWS, so those are "*"."""
    eni = f"arn:aws:ec2:{region}:{account_id}:network-interface/*"
    return [
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [f"{log_group_arn}:*"],
        },
        {
            "Sid": "Tracing",
            "Effect": "Allow",
            "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            "Resource": "*",
        },
        {
            "Sid": "DescribeNetworkInterfaces",
            "Effect": "Allow",
            "Action": ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups"],
            "Resource": "*",
        },
        {
            "Sid": "NetworkInterfacesInOwnSubnetsAndGroup",
            "Effect": "Allow",
            "Action": ["ec2:CreateNetworkInterface"],
            "Resource": [
                eni,
                *(f"arn:aws:ec2:{region}:{account_id}:subnet/{s}" for s in subnet_ids),
                f"arn:aws:ec2:{region}:{account_id}:security-group/{security_group_id}",
            ],
        },
        {
            "Sid": "ManageOwnNetworkInterfaces",
            "Effect": "Allow",
            "Action": ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
            "Resource": [eni],
        },
        {"Sid": "DeadLetters", "Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [dlq_arn]},
        {
            "Sid": "ComputeKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": [compute_key_arn],
        },
    ]


def api_statements(
    *,
    proxy_user_arn: str,
    redis_arns: Sequence[str],
    parameter_arn: str,
    queue_arn: str,
    relational_key_arn: str,
    fingerprint_key_arn: str,
) -> list[dict]:
    """The API: PostgreSQL as the app user through the proxy, the cache as its user, the read-only flag, the
    queued-orders queue (encrypted with the relational key), and MACs of fraud-link values (ADR 0028)."""
    return [
        {
            "Sid": "FingerprintLinks",
            "Effect": "Allow",
            "Action": ["kms:GenerateMac"],
            "Resource": [fingerprint_key_arn],
        },
        {"Sid": "PostgresThroughProxy", "Effect": "Allow", "Action": ["rds-db:connect"], "Resource": [proxy_user_arn]},
        {"Sid": "CacheAsAppUser", "Effect": "Allow", "Action": ["elasticache:Connect"], "Resource": list(redis_arns)},
        {"Sid": "ReadOnlyFlag", "Effect": "Allow", "Action": ["ssm:GetParameter"], "Resource": [parameter_arn]},
        {"Sid": "QueueOrders", "Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [queue_arn]},
        {
            "Sid": "QueueKey",
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": [relational_key_arn],
        },
    ]


def relay_statements(*, proxy_user_arn: str, redis_arns: Sequence[str]) -> list[dict]:
    """The relay: PostgreSQL and the cache like the API, and its lag metric (PutMetricData cannot be scoped to a
    resource: the namespace condition scopes it)."""
    return [
        {"Sid": "PostgresThroughProxy", "Effect": "Allow", "Action": ["rds-db:connect"], "Resource": [proxy_user_arn]},
        {"Sid": "CacheAsAppUser", "Effect": "Allow", "Action": ["elasticache:Connect"], "Resource": list(redis_arns)},
        {
            "Sid": "PublishLag",
            "Effect": "Allow",
            "Action": ["cloudwatch:PutMetricData"],
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": OUTBOX_LAG_NAMESPACE}},
        },
    ]


def migrations_statements(*, secret_arn: str, relational_key_arn: str, region: str) -> list[dict]:
    """The migrations runner: the master secret only (decrypted through Secrets Manager only)."""
    return [
        {
            "Sid": "MasterSecret",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": [secret_arn],
        },
        {
            "Sid": "MasterSecretKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Resource": [relational_key_arn],
            "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}},
        },
    ]


def scheduler_statements(*, relay_arn: str, migrations_arn: str, dlq_arn: str, compute_key_arn: str) -> list[dict]:
    """EventBridge Scheduler: start the relay and the partitions run, and dead-letter what it could not deliver."""
    return [
        {
            "Sid": "InvokeScheduledFunctions",
            "Effect": "Allow",
            "Action": ["lambda:InvokeFunction"],
            "Resource": [relay_arn, migrations_arn],
        },
        {"Sid": "DeadLetters", "Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [dlq_arn]},
        {
            "Sid": "DeadLetterKey",
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": [compute_key_arn],
        },
    ]


def policy_document(statements: Sequence[dict]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class Service(pulumi.ComponentResource):
    """Functions, their roles, groups, logs and DLQ; RDS Proxy; HTTP API with JWT authorizer; relay schedules."""

    api_url: pulumi.Output[str]
    function_names: dict[str, str]
    proxy_endpoint: pulumi.Output[str]
    role_arns: dict[str, pulumi.Output[str]]
    functions: list[MonitoredFunction]
    apis: list[MonitoredApi]
    proxies: list[MonitoredProxy]
    lags: list[MonitoredLag]

    def __init__(
        self,
        name: str,
        settings: ServiceSettings,
        links: ServiceLinks,
        place: Placement,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("ecomart:app:Service", name, None, opts)
        self._name = name
        self._settings, self._links, self._place = settings, links, place
        s = settings
        self._child = child = pulumi.ResourceOptions(parent=self)
        p, tags = place.prefix, dict(place.tags)
        self._tags = tags
        self.account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        self.function_names = {k: f"{p}-{k}" for k in HANDLERS}

        self._security_groups(name)
        self._proxy(name)

        dlq_name = f"{p}-functions-dlq"
        self.dead_letters = aws.sqs.Queue(
            f"{name}-dlq",
            aws.sqs.QueueArgs(
                name=dlq_name,
                kms_master_key_id=links.keys.compute,
                kms_data_key_reuse_period_seconds=300,
                message_retention_seconds=1_209_600,
                tags=with_name(tags, dlq_name),
            ),
            opts=child,
        )
        aws.sqs.QueuePolicy(
            f"{name}-dlq-tls-only",
            aws.sqs.QueuePolicyArgs(
                queue_url=self.dead_letters.url, policy=self.dead_letters.arn.apply(tls_only_queue_policy)
            ),
            opts=child,
        )

        proxy_user = pulumi.Output.all(self.account_id, self.proxy.arn).apply(
            lambda v: proxy_db_user_arn(place.region, v[0], v[1], PG_APP_USER)
        )
        redis_arns = pulumi.Output.all(links.cache.replication_group_arn, links.cache.user_arn)
        # fraud-link fingerprints (ADR 0028): an HMAC under a key that never leaves KMS, so the links table alone
        # cannot confirm a guessed address or device. HMAC keys do not rotate automatically (AWS rotates symmetric
        # encryption keys only); the longest deletion window, since deleting it orphans every recorded link.
        fp_name = f"alias/{p}/fingerprints"
        self.fingerprint_key = aws.kms.Key(
            f"{name}-fingerprints",
            aws.kms.KeyArgs(
                description=f"EcoMart {p} fraud-link fingerprints (HMAC)",
                key_usage="GENERATE_VERIFY_MAC",
                customer_master_key_spec="HMAC_256",
                deletion_window_in_days=30,
                policy=self.account_id.apply(mac_key_policy),
                tags=with_name(tags, f"{p}-fingerprints"),
            ),
            opts=child,
        )
        aws.kms.Alias(
            f"{name}-fingerprints-alias",
            aws.kms.AliasArgs(name=fp_name, target_key_id=self.fingerprint_key.key_id),
            opts=child,
        )
        specific = {
            "api": pulumi.Output.all(
                proxy_user,
                redis_arns,
                links.read_only.parameter_arn,
                links.read_only.queue_arn,
                links.keys.relational,
                self.fingerprint_key.arn,
            ).apply(
                lambda v: api_statements(
                    proxy_user_arn=v[0],
                    redis_arns=v[1],
                    parameter_arn=v[2],
                    queue_arn=v[3],
                    relational_key_arn=v[4],
                    fingerprint_key_arn=v[5],
                )
            ),
            "relay": pulumi.Output.all(proxy_user, redis_arns).apply(
                lambda v: relay_statements(proxy_user_arn=v[0], redis_arns=v[1])
            ),
            "migrations": pulumi.Output.all(links.database.master_secret_arn, links.keys.relational).apply(
                lambda v: migrations_statements(secret_arn=v[0], relational_key_arn=v[1], region=place.region)
            ),
        }
        self._auth(name)
        atlas_env: dict[str, pulumi.Input[str | None]] = {}
        if links.catalog is not None:
            atlas_env = {"MONGODB_ATLAS_SRV": links.catalog.private_srv, "MONGODB_DB": links.catalog.database}
        pg_env = {
            "DATABASE_URL": self.proxy.endpoint.apply(
                lambda host: f"postgresql://{host}:{PROXY_PORT}/{links.database.name}?sslmode=require"
            ),
            "PG_IAM_USER": PG_APP_USER,
        }
        redis_env = {
            "REDIS_URL": pulumi.Output.from_input(links.cache.endpoint).apply(lambda host: f"rediss://{host}:6379/0"),
            "REDIS_IAM_USER": links.cache.user_id,
            "REDIS_CACHE_NAME": links.cache.replication_group_id,
        }
        environments: dict[str, dict[str, pulumi.Input[str | None]]] = {
            "api": {
                **pg_env,
                **redis_env,
                **atlas_env,
                "AUTH_MODE": "gateway",
                "AUTH_ISSUER": self.jwt_issuer,
                "AUTH_AUDIENCE": self.jwt_audience.apply(",".join),
                "AUTH_CUSTOMER_CLAIM": s.customer_claim,
                "AUTH_STAFF_GROUP": s.staff_group,
                "ORDERS_READ_ONLY_PARAMETER": links.read_only.parameter_name,
                "QUEUED_ORDERS_QUEUE_URL": links.read_only.queue_url,
                "FINGERPRINT_KEY_ID": self.fingerprint_key.arn,
            },
            "relay": {
                **pg_env,
                **redis_env,
                **atlas_env,
                "RELAY_RUN_SECONDS": str(s.relay_run_seconds),
                "OUTBOX_LAG_DIMENSION_VALUE": p,
            },
            "migrations": {
                "DB_HOST": links.database.address,
                "DB_PORT": str(links.database.port),
                "DB_NAME": links.database.name,
                "DB_MASTER_SECRET_ARN": links.database.master_secret_arn,
                "PG_APP_USER": PG_APP_USER,
            },
        }

        self.log_groups: dict[str, aws.cloudwatch.LogGroup] = {}
        self.roles: dict[str, aws.iam.Role] = {}
        self.lambdas: dict[str, aws.lambda_.Function] = {}
        for key, fn in (("api", s.api), ("migrations", s.migrations), ("relay", s.relay)):
            fn_name = self.function_names[key]
            sg_id = self.migrations_sg.id if key == "migrations" else self.functions_sg.id
            log_name = f"/aws/lambda/{fn_name}"
            log_group = self.log_groups[key] = aws.cloudwatch.LogGroup(
                f"{name}-{key}-logs",
                aws.cloudwatch.LogGroupArgs(
                    name=log_name,
                    retention_in_days=s.log_retention_days,
                    kms_key_id=links.keys.logs,
                    tags=with_name(tags, log_name),
                ),
                opts=child,
            )
            role = self.roles[key] = aws.iam.Role(
                f"{name}-{key}-role",
                aws.iam.RoleArgs(
                    name=fn_name,
                    description=f"EcoMart {p} {key} function",
                    assume_role_policy=self.account_id.apply(lambda a: service_trust("lambda.amazonaws.com", a)),
                    tags=with_name(tags, fn_name),
                ),
                opts=child,
            )
            policy = pulumi.Output.all(
                self.account_id,
                log_group.arn,
                pulumi.Output.all(*links.network.app_subnet_ids),
                sg_id,
                self.dead_letters.arn,
                links.keys.compute,
                specific[key],
            ).apply(
                lambda v: policy_document(
                    function_base_statements(
                        region=place.region,
                        account_id=v[0],
                        log_group_arn=v[1],
                        subnet_ids=v[2],
                        security_group_id=v[3],
                        dlq_arn=v[4],
                        compute_key_arn=v[5],
                    )
                    + v[6]
                )
            )
            role_policy = aws.iam.RolePolicy(
                f"{name}-{key}-policy",
                aws.iam.RolePolicyArgs(name=f"{fn_name}-least-privilege", role=role.id, policy=policy),
                opts=child,
            )
            self.lambdas[key] = aws.lambda_.Function(
                f"{name}-{key}",
                aws.lambda_.FunctionArgs(
                    name=fn_name,
                    description=f"EcoMart {p} {key} ({HANDLERS[key]})",
                    role=role.arn,
                    runtime=LAMBDA_RUNTIME,
                    architectures=[LAMBDA_ARCHITECTURE],
                    handler=HANDLERS[key],
                    s3_bucket=links.code.s3_bucket,
                    s3_key=links.code.s3_key,
                    code_signing_config_arn=links.code.signing_config_arn,
                    memory_size=fn.memory_mb,
                    timeout=fn.timeout_seconds,
                    reserved_concurrent_executions=fn.reserved_concurrency,
                    kms_key_arn=links.keys.compute,
                    environment=aws.lambda_.FunctionEnvironmentArgs(
                        variables=cast(dict[str, pulumi.Input[str]], environments[key])
                    ),
                    tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
                    dead_letter_config=aws.lambda_.FunctionDeadLetterConfigArgs(target_arn=self.dead_letters.arn),
                    vpc_config=aws.lambda_.FunctionVpcConfigArgs(
                        subnet_ids=list(links.network.app_subnet_ids), security_group_ids=[sg_id]
                    ),
                    logging_config=aws.lambda_.FunctionLoggingConfigArgs(log_format="JSON", log_group=log_group.name),
                    tags=with_name(tags, fn_name, function=key),
                ),
                # The role must be able to create ENIs and write logs before the function is created.
                opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy, log_group]),
            )

        self._atlas_users(name)
        self._catalog_search(name)
        self._migrations_run(name)
        self._schedules(name)
        self._http_api(name)

        self.role_arns = {k: r.arn for k, r in self.roles.items()}
        self.functions = [
            MonitoredFunction(
                label=k,
                function_name=self.function_names[k],
                timeout_seconds=s.timeout_seconds,
                reserved_concurrency=s.reserved_concurrency,
            )
            for k, s in (("api", s.api), ("relay", s.relay), ("migrations", s.migrations))
        ]
        self.apis = [MonitoredApi(label="api-gateway", api_id=self.api.id, stage=STAGE)]
        self.proxies = [
            MonitoredProxy(label="db-proxy", proxy_name=self.proxy_name, max_connections=self.proxy_max_connections)
        ]
        self.lags = [
            MonitoredLag(
                label="outbox-relay",
                namespace=OUTBOX_LAG_NAMESPACE,
                metric=OUTBOX_LAG_METRIC,
                dimensions={OUTBOX_LAG_DIMENSION: p},
            )
        ]
        # the functions' dead letters: the daily time-series run, the relay's starts, failed async invocations
        self.queues = [MonitoredQueue(label="dead-letters", queue_name=dlq_name)]
        self.proxy_endpoint = self.proxy.endpoint
        self.register_outputs(
            {
                "apiUrl": self.api_url,
                "functionNames": self.function_names,
                "proxyEndpoint": self.proxy_endpoint,
                "jwtIssuer": self.jwt_issuer,
                "roleArns": self.role_arns,
            }
        )

    # --- network ----------------------------------------------------------------------------------------------
    def _security_groups(self, name: str) -> None:
        links, place = self._links, self._place
        p, tags = place.prefix, self._tags

        def group(key: str, description: str) -> aws.ec2.SecurityGroup:
            return aws.ec2.SecurityGroup(
                f"{name}-{key}-sg",
                aws.ec2.SecurityGroupArgs(
                    vpc_id=links.network.vpc_id,
                    name=f"{p}-{key}",
                    description=description,
                    tags=with_name(tags, f"{p}-{key}", tier=key),
                ),
                opts=self._child,
            )

        self.functions_sg = group("functions", "EcoMart API and outbox relay functions")
        self.migrations_sg = group("migrations", "EcoMart migrations function (the writer, directly)")
        self.proxy_sg = group("db-proxy", "RDS Proxy for PostgreSQL (from the functions only)")
        fn, mig = self.functions_sg.id, self.migrations_sg.id
        rules = [
            ("functions-to-proxy", fn, self.proxy_sg.id, PROXY_PORT, None, "functions to RDS Proxy"),
            (
                "proxy-to-postgres",
                self.proxy_sg.id,
                links.network.postgres_security_group_id,
                links.database.port,
                None,
                "RDS Proxy to the PostgreSQL writer",
            ),
            ("functions-to-redis", fn, links.network.redis_security_group_id, 6379, None, "functions to the cache"),
            (
                "functions-to-endpoints",
                fn,
                links.network.endpoints_security_group_id,
                443,
                None,
                "functions to AWS API endpoints (SSM, SQS, CloudWatch)",
            ),
            (
                "migrations-to-postgres",
                mig,
                links.network.postgres_security_group_id,
                links.database.port,
                None,
                "migrations function to the PostgreSQL writer",
            ),
            (
                "migrations-to-endpoints",
                mig,
                links.network.endpoints_security_group_id,
                443,
                None,
                "migrations function to Secrets Manager",
            ),
        ]
        if links.catalog is not None:
            rules.append(
                (
                    "functions-to-atlas",
                    fn,
                    links.catalog.security_group_id,
                    PRIVATELINK_PORTS[0],
                    PRIVATELINK_PORTS[1],
                    "functions to MongoDB Atlas over PrivateLink",
                )
            )
        for slug, source, target, port, to_port, description in rules:
            allow_tcp(
                f"{name}-{slug}",
                source_id=source,
                target_id=target,
                port=port,
                to_port=to_port,
                description=description,
                tags=tags,
                parent=self,
            )

    # --- RDS Proxy --------------------------------------------------------------------------------------------
    def _proxy(self, name: str) -> None:
        s, links, place = self._settings, self._links, self._place
        p, tags = place.prefix, self._tags
        self.proxy_name = f"{p}-db-proxy"
        self.proxy_max_connections = max(1, links.database.max_connections * s.proxy_pool_percent // 100)
        self.proxy_role = aws.iam.Role(
            f"{name}-proxy-role",
            aws.iam.RoleArgs(
                name=self.proxy_name,
                description=f"RDS Proxy {self.proxy_name} logs in with IAM",
                assume_role_policy=self.account_id.apply(lambda a: service_trust("rds.amazonaws.com", a)),
                tags=with_name(tags, self.proxy_name),
            ),
            opts=self._child,
        )
        # End-to-end IAM: the proxy itself connects to the writer as the app user with an IAM token.
        proxy_policy = aws.iam.RolePolicy(
            f"{name}-proxy-policy",
            aws.iam.RolePolicyArgs(
                name=f"{self.proxy_name}-connect",
                role=self.proxy_role.id,
                policy=pulumi.Output.all(self.account_id, links.database.resource_id).apply(
                    lambda v: policy_document(
                        [
                            {
                                "Sid": "ConnectToWriterAsAppUser",
                                "Effect": "Allow",
                                "Action": ["rds-db:connect"],
                                "Resource": [f"arn:aws:rds-db:{place.region}:{v[0]}:dbuser:{v[1]}/{PG_APP_USER}"],
                            }
                        ]
                    )
                ),
            ),
            opts=self._child,
        )
        self.proxy = aws.rds.Proxy(
            f"{name}-proxy",
            aws.rds.ProxyArgs(
                name=self.proxy_name,
                engine_family="POSTGRESQL",
                role_arn=self.proxy_role.arn,
                default_auth_scheme="IAM_AUTH",
                require_tls=True,
                debug_logging=False,
                idle_client_timeout=s.proxy_idle_client_timeout_seconds,
                vpc_subnet_ids=list(links.network.data_subnet_ids),
                vpc_security_group_ids=[self.proxy_sg.id],
                tags=with_name(tags, self.proxy_name),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[proxy_policy]),
        )
        self.proxy_target_group = aws.rds.ProxyDefaultTargetGroup(
            f"{name}-proxy-pool",
            aws.rds.ProxyDefaultTargetGroupArgs(
                db_proxy_name=self.proxy.name,
                connection_pool_config=aws.rds.ProxyDefaultTargetGroupConnectionPoolConfigArgs(
                    max_connections_percent=s.proxy_pool_percent,
                    max_idle_connections_percent=max(1, s.proxy_pool_percent // 2),
                    connection_borrow_timeout=10,
                ),
            ),
            opts=self._child,
        )
        aws.rds.ProxyTarget(
            f"{name}-proxy-writer",
            aws.rds.ProxyTargetArgs(
                db_proxy_name=self.proxy.name,
                target_group_name=self.proxy_target_group.name,
                db_instance_identifier=links.database.instance_identifier,
            ),
            opts=self._child,
        )

    # --- authentication -------------------------------------------------------------------------------------
    def _auth(self, name: str) -> None:
        """A Cognito user pool and public app client (no secret), unless an external issuer is configured."""
        s, place = self._settings, self._place
        self.user_pool: aws.cognito.UserPool | None = None
        self.user_pool_client: aws.cognito.UserPoolClient | None = None
        self.staff_group: aws.cognito.UserGroup | None = None
        if s.jwt_issuer is not None:
            self.jwt_issuer = pulumi.Output.from_input(s.jwt_issuer)
            self.jwt_audience = pulumi.Output.from_input(list(s.jwt_audience))
            return
        pool_name = f"{place.prefix}-customers"
        self.user_pool = aws.cognito.UserPool(
            f"{name}-customers",
            aws.cognito.UserPoolArgs(
                name=pool_name,
                username_attributes=["email"],
                auto_verified_attributes=["email"],
                mfa_configuration="OPTIONAL",
                software_token_mfa_configuration=aws.cognito.UserPoolSoftwareTokenMfaConfigurationArgs(enabled=True),
                password_policy=aws.cognito.UserPoolPasswordPolicyArgs(
                    minimum_length=12,
                    require_lowercase=True,
                    require_uppercase=True,
                    require_numbers=True,
                    require_symbols=True,
                    temporary_password_validity_days=3,
                    password_history_size=5,
                ),
                account_recovery_setting=aws.cognito.UserPoolAccountRecoverySettingArgs(
                    recovery_mechanisms=[
                        aws.cognito.UserPoolAccountRecoverySettingRecoveryMechanismArgs(
                            name="verified_email", priority=1
                        )
                    ]
                ),
                admin_create_user_config=aws.cognito.UserPoolAdminCreateUserConfigArgs(
                    allow_admin_create_user_only=False
                ),
                deletion_protection="ACTIVE" if s.user_pool_deletion_protection else "INACTIVE",
                # Through SES when an identity is given (DEVELOPER: our identity, our sending quota), else
                # Cognito's default sender and its daily cap.
                email_configuration=aws.cognito.UserPoolEmailConfigurationArgs(
                    email_sending_account="DEVELOPER",
                    source_arn=s.user_pool_email_source_arn,
                    from_email_address=s.user_pool_email_from,
                )
                if s.user_pool_email_source_arn
                else None,
                user_pool_tier="PLUS" if s.user_pool_threat_protection else "ESSENTIALS",
                user_pool_add_ons=aws.cognito.UserPoolUserPoolAddOnsArgs(advanced_security_mode="ENFORCED")
                if s.user_pool_threat_protection
                else None,
                # The customer id the app reads (app/auth.py): the back office sets it (AdminUpdateUserAttributes);
                # the web client may read but not write it (write_attributes below).
                schemas=[
                    aws.cognito.UserPoolSchemaArgs(
                        name=s.customer_claim.removeprefix("custom:"),
                        attribute_data_type="Number",
                        mutable=True,
                        developer_only_attribute=False,
                        number_attribute_constraints=aws.cognito.UserPoolSchemaNumberAttributeConstraintsArgs(
                            min_value="1"
                        ),
                    )
                ],
                tags=with_name(self._tags, pool_name),
            ),
            opts=self._child,
        )
        # The back office's members (app/auth.py reads the cognito:groups claim); staff are added by an admin.
        self.staff_group = aws.cognito.UserGroup(
            f"{name}-staff",
            aws.cognito.UserGroupArgs(
                name=s.staff_group,
                user_pool_id=self.user_pool.id,
                description="EcoMart staff: the back-office routes (staff hierarchy, fraud review)",
            ),
            opts=self._child,
        )
        self.user_pool_client = aws.cognito.UserPoolClient(
            f"{name}-web-client",
            aws.cognito.UserPoolClientArgs(
                name=f"{place.prefix}-web",
                user_pool_id=self.user_pool.id,
                generate_secret=False,
                explicit_auth_flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                prevent_user_existence_errors="ENABLED",
                enable_token_revocation=True,
                id_token_validity=60,
                access_token_validity=60,
                refresh_token_validity=30,
                token_validity_units=aws.cognito.UserPoolClientTokenValidityUnitsArgs(
                    id_token="minutes", access_token="minutes", refresh_token="days"
                ),
                read_attributes=["email", s.customer_claim],
                write_attributes=["email"],
            ),
            opts=self._child,
        )
        self.jwt_issuer = self.user_pool.id.apply(
            lambda pool_id: f"https://cognito-idp.{place.region}.amazonaws.com/{pool_id}"
        )
        self.jwt_audience = self.user_pool_client.id.apply(lambda cid: [cid])

    # --- Atlas database users -------------------------------------------------------------------------------
    def _atlas_users(self, name: str) -> None:
        links = self._links
        """Each function that touches the catalog logs in to Atlas as its own role (MONGODB-AWS)."""
        self.atlas_users: dict[str, atlas.DatabaseUser] = {}
        if links.catalog is None:
            return
        for key in ("api", "relay"):
            self.atlas_users[key] = iam_database_user(
                f"{name}-{key}-atlas-user",
                project_id=links.catalog.project_id,
                role_arn=self.roles[key].arn,
                mongo_role="readWrite",
                database=links.catalog.database,
                cluster_name=links.catalog.cluster_name,
                who=f"{key} function",
                parent=self,
            )

    # --- the catalog's search indexes (ADR 0030) ----------------------------------------------------------------
    def _catalog_search(self, name: str) -> None:
        """Atlas Vector Search over the products' embeddings and an Atlas Search text index, declared after the
        collection exists: the relay function (which logs in to Atlas) creates the catalog's missing collections
        first — a search index declared on a collection that does not exist yet goes missing
        (mongodb/terraform-provider-mongodbatlas#2259)."""
        links = self._links
        self.search_indexes: dict[str, atlas.SearchIndex] = {}
        if links.catalog is None:
            return
        cat = links.catalog
        self.catalog_collections = aws.lambda_.Invocation(
            f"{name}-catalog-collections",
            aws.lambda_.InvocationArgs(
                function_name=self.lambdas["relay"].name,
                input=json.dumps({"action": "catalog-collections"}),
                triggers={"database": cat.database},
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.atlas_users["relay"]]),
        )
        common = {
            "project_id": cat.project_id,
            "cluster_name": cat.cluster_name,
            "database": cat.database,
            "collection_name": "products",
            # the deploy finishes when the index answers queries, not when Atlas accepted its definition
            "wait_for_index_build_completion": True,
        }
        after = pulumi.ResourceOptions(parent=self, depends_on=[self.catalog_collections])
        self.search_indexes["vector"] = atlas.SearchIndex(
            f"{name}-products-semantic",
            atlas.SearchIndexArgs(
                name=SEARCH_VECTOR_INDEX,
                type="vectorSearch",
                fields=json.dumps(
                    [
                        {
                            "type": "vector",
                            "path": "embedding",
                            "numDimensions": EMBEDDING_DIMENSIONS,
                            "similarity": "cosine",
                        },
                        {"type": "filter", "path": "categories"},
                        {"type": "filter", "path": "active"},
                    ]
                ),
                **common,
            ),
            opts=after,
        )
        self.search_indexes["text"] = atlas.SearchIndex(
            f"{name}-products-text",
            atlas.SearchIndexArgs(
                name=SEARCH_TEXT_INDEX,
                type="search",
                analyzer="lucene.english",
                search_analyzer="lucene.english",
                mappings_dynamic=False,
                mappings_fields=json.dumps(
                    {
                        "name": {"type": "string"},
                        "description": {"type": "string"},
                        "tags": {"type": "string"},
                        "categories": {"type": "token"},
                        "active": {"type": "boolean"},
                    }
                ),
                **common,
            ),
            opts=after,
        )

    # --- migrations on deploy -------------------------------------------------------------------------------
    def _migrations_run(self, name: str) -> None:
        links = self._links
        """Invoked by the deploy whenever the migrations (or the artifact) change; a failure fails the deploy."""
        self.migrations_invocation = aws.lambda_.Invocation(
            f"{name}-migrate",
            aws.lambda_.InvocationArgs(
                function_name=self.lambdas["migrations"].name,
                input=json.dumps({"action": "migrate"}),
                triggers={"migrations": links.app.migrations_hash},
            ),
            opts=self._child,
        )

    # --- schedules: outbox relay, order partitions ---------------------------------------------------------------
    def _schedules(self, name: str) -> None:
        s, links, place = self._settings, self._links, self._place
        p, relay, migrations = place.prefix, self.lambdas["relay"], self.lambdas["migrations"]
        role_name = f"{p}-scheduler"
        self.scheduler_role = aws.iam.Role(
            f"{name}-scheduler-role",
            aws.iam.RoleArgs(
                name=role_name,
                description="EventBridge Scheduler starts the outbox relay and the weekly order-partitions run",
                assume_role_policy=self.account_id.apply(lambda a: service_trust("scheduler.amazonaws.com", a)),
                tags=with_name(self._tags, role_name),
            ),
            opts=self._child,
        )
        scheduler_policy = aws.iam.RolePolicy(
            f"{name}-scheduler-policy",
            aws.iam.RolePolicyArgs(
                name=f"{role_name}-invoke",
                role=self.scheduler_role.id,
                policy=pulumi.Output.all(relay.arn, migrations.arn, self.dead_letters.arn, links.keys.compute).apply(
                    lambda v: policy_document(
                        scheduler_statements(relay_arn=v[0], migrations_arn=v[1], dlq_arn=v[2], compute_key_arn=v[3])
                    )
                ),
            ),
            opts=self._child,
        )
        aws.lambda_.FunctionEventInvokeConfig(
            f"{name}-relay-async",
            # A relay that failed is not retried: the next one starts within a minute and takes the same rows.
            aws.lambda_.FunctionEventInvokeConfigArgs(
                function_name=relay.name, maximum_retry_attempts=0, maximum_event_age_in_seconds=120
            ),
            opts=self._child,
        )

        def schedule(
            res: str,
            sched: str,
            description: str,
            expression: str,
            target: pulumi.Input[str],
            payload: dict,
            *,
            window_minutes: int | None,
            retries: int,
            max_age_seconds: int,
            **extra: str,
        ) -> aws.scheduler.Schedule:
            """An EventBridge schedule invoking one of the functions; what fails every retry goes to the
            dead-letter queue (whose alarm names the runbook that does it by hand)."""
            window = (
                aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF")
                if window_minutes is None
                else aws.scheduler.ScheduleFlexibleTimeWindowArgs(
                    mode="FLEXIBLE", maximum_window_in_minutes=window_minutes
                )
            )
            return aws.scheduler.Schedule(
                f"{name}-{res}",
                aws.scheduler.ScheduleArgs(
                    name=f"{p}-{sched}",
                    description=description,
                    schedule_expression=expression,
                    flexible_time_window=window,
                    state="ENABLED",
                    target=aws.scheduler.ScheduleTargetArgs(
                        arn=target,
                        role_arn=self.scheduler_role.arn,
                        input=json.dumps(payload),
                        retry_policy=aws.scheduler.ScheduleTargetRetryPolicyArgs(
                            maximum_retry_attempts=retries, maximum_event_age_in_seconds=max_age_seconds
                        ),
                        dead_letter_config=aws.scheduler.ScheduleTargetDeadLetterConfigArgs(arn=self.dead_letters.arn),
                    ),
                    **extra,
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[scheduler_policy]),
            )

        # The relay: every minute, never retried (the next start takes the same rows).
        self.schedules = [
            schedule(
                f"relay-schedule-{i}",
                f"outbox-relay-{i}",
                f"Start outbox relay {i} of {s.relay_schedules} every minute",
                "rate(1 minute)",
                relay.arn,
                {"relay": i},
                window_minutes=None,
                retries=0,
                max_age_seconds=60,
            )
            for i in range(1, s.relay_schedules + 1)
        ]
        # Order partitions ahead (app/db.py ensure_partitions): weekly, well inside the months kept ahead.
        self.partitions_schedule = schedule(
            "partitions-schedule",
            "order-partitions",
            "Create the monthly order partitions ahead",
            "rate(7 days)",
            migrations.arn,
            {"action": "partitions"},
            window_minutes=60,
            retries=3,
            max_age_seconds=3600,
        )
        # The daily inventory-level history and time-series retention (app/timeseries.py, ADR 0029): once a day.
        self.time_series_schedule = schedule(
            "time-series-schedule",
            "time-series",
            "Daily inventory levels, time-series partitions ahead and retention",
            "cron(15 0 * * ? *)",
            migrations.arn,
            {"action": "timeseries"},
            window_minutes=30,
            retries=3,
            max_age_seconds=3600,
            schedule_expression_timezone="UTC",
        )

    # --- HTTP API ---------------------------------------------------------------------------------------------
    def _http_api(self, name: str) -> None:
        s, links, place = self._settings, self._links, self._place
        p, tags = place.prefix, self._tags
        api_name = f"{p}-api"
        self.api = aws.apigatewayv2.Api(
            f"{name}-http-api",
            aws.apigatewayv2.ApiArgs(
                name=api_name,
                protocol_type="HTTP",
                description=f"EcoMart {p} order and catalog API",
                disable_execute_api_endpoint=s.domain_name is not None,
                tags=with_name(tags, api_name),
            ),
            opts=self._child,
        )
        api_fn = self.lambdas["api"]
        self.integration = aws.apigatewayv2.Integration(
            f"{name}-lambda-integration",
            aws.apigatewayv2.IntegrationArgs(
                api_id=self.api.id,
                integration_type="AWS_PROXY",
                integration_uri=api_fn.invoke_arn,
                payload_format_version="2.0",
                timeout_milliseconds=(API_GATEWAY_TIMEOUT_SECONDS - 1) * 1000,
            ),
            opts=self._child,
        )
        self.authorizer = aws.apigatewayv2.Authorizer(
            f"{name}-jwt",
            aws.apigatewayv2.AuthorizerArgs(
                api_id=self.api.id,
                name=f"{p}-customers",
                authorizer_type="JWT",
                identity_sources=["$request.header.Authorization"],
                jwt_configuration=aws.apigatewayv2.AuthorizerJwtConfigurationArgs(
                    issuer=self.jwt_issuer, audiences=self.jwt_audience
                ),
            ),
            opts=self._child,
        )
        target = self.integration.id.apply(lambda i: f"integrations/{i}")
        self.routes: dict[str, aws.apigatewayv2.Route] = {}
        for route in links.app.routes:
            slug = re.sub(r"[^a-z0-9]+", "-", route.route_key.lower()).strip("-")
            self.routes[route.route_key] = aws.apigatewayv2.Route(
                f"{name}-route-{slug}",
                aws.apigatewayv2.RouteArgs(
                    api_id=self.api.id,
                    route_key=route.route_key,
                    target=target,
                    authorization_type="JWT" if route.authorized else "NONE",
                    authorizer_id=self.authorizer.id if route.authorized else None,
                ),
                opts=self._child,
            )
        log_name = f"/aws/apigateway/{api_name}"
        self.access_logs = aws.cloudwatch.LogGroup(
            f"{name}-access-logs",
            aws.cloudwatch.LogGroupArgs(
                name=log_name,
                retention_in_days=s.log_retention_days,
                kms_key_id=links.keys.logs,
                tags=with_name(tags, log_name),
            ),
            opts=self._child,
        )
        self.stage = aws.apigatewayv2.Stage(
            f"{name}-stage",
            aws.apigatewayv2.StageArgs(
                api_id=self.api.id,
                name=STAGE,
                auto_deploy=True,
                access_log_settings=aws.apigatewayv2.StageAccessLogSettingsArgs(
                    destination_arn=self.access_logs.arn, format=ACCESS_LOG_FORMAT
                ),
                default_route_settings=aws.apigatewayv2.StageDefaultRouteSettingsArgs(
                    throttling_rate_limit=s.throttling_rate_limit,
                    throttling_burst_limit=s.throttling_burst_limit,
                    detailed_metrics_enabled=True,
                ),
                tags=with_name(tags, f"{api_name}-default"),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(self.routes.values())),
        )
        aws.lambda_.Permission(
            f"{name}-api-invoke",
            aws.lambda_.PermissionArgs(
                action="lambda:InvokeFunction",
                function=api_fn.name,
                principal="apigateway.amazonaws.com",
                source_account=self.account_id,
                # Only this API's $default stage, any route.
                source_arn=self.api.execution_arn.apply(lambda a: f"{a}/{STAGE}/*"),
            ),
            opts=self._child,
        )
        self.api_url = self.stage.invoke_url
        if s.domain_name is not None and s.certificate_arn is not None:  # together, by ServiceSettings.rules
            self.domain = aws.apigatewayv2.DomainName(
                f"{name}-domain",
                aws.apigatewayv2.DomainNameArgs(
                    domain_name=s.domain_name,
                    domain_name_configuration=aws.apigatewayv2.DomainNameDomainNameConfigurationArgs(
                        certificate_arn=s.certificate_arn, endpoint_type="REGIONAL", security_policy="TLS_1_2"
                    ),
                    tags=with_name(tags, s.domain_name),
                ),
                opts=self._child,
            )
            aws.apigatewayv2.ApiMapping(
                f"{name}-domain-mapping",
                aws.apigatewayv2.ApiMappingArgs(api_id=self.api.id, domain_name=self.domain.id, stage=self.stage.id),
                opts=self._child,
            )
            self.api_url = pulumi.Output.from_input(f"https://{s.domain_name}/")

    def stack_outputs(self) -> dict[str, Any]:
        """The stack outputs (camelCase) this component contributes."""
        out: dict[str, Any] = {
            "apiUrl": self.api_url,
            "functionNames": self.function_names,
            "dbProxyEndpoint": self.proxy_endpoint,
            "jwtIssuer": self.jwt_issuer,
            "jwtAudience": self.jwt_audience,
            "functionRoleArns": self.role_arns,
            "functionsDlqUrl": self.dead_letters.url,
        }
        if self.user_pool is not None and self.user_pool_client is not None:
            out["userPoolId"] = self.user_pool.id
            out["userPoolClientId"] = self.user_pool_client.id
        return out
