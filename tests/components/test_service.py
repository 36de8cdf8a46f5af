"""The service component on both stacks: every setting of the functions, their roles and groups, the proxy, the
HTTP API, the authorizer, the schedules and the outputs; the roles allow exactly the listed actions on the listed
ARNs."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from components.contract import SettingError
from components.monitoring import estimated_max_connections
from components.service import (
    ACCESS_LOG_FORMAT,
    HANDLERS,
    AppLink,
    FunctionSettings,
    ServiceLinks,
    ServiceRoute,
    ServiceSettings,
)
from ecomart.mocks import ACCOUNT_ID
from infra.app_contract import app_routes, migrations_hash
from infra.config import ConfigError
from platform_rules import (
    LAMBDA_ARCHITECTURE,
    LAMBDA_RUNTIME,
    OUTBOX_LAG_NAMESPACE,
    PG_APP_USER,
    POSTGRES_PORT,
    PUBLIC_ROUTES,
)
from tests.conftest import domain_key_arn as key_arn
from tests.conftest import one

FN = "aws:lambda/function:Function"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
LOGS = "aws:cloudwatch/logGroup:LogGroup"
ROUTE = "aws:apigatewayv2/route:Route"
SCHEDULE = "aws:scheduler/schedule:Schedule"
REGION = "us-east-1"


@pytest.fixture(params=["dev", "prod"])
def synth(request, dev, prod):
    return {"dev": dev, "prod": prod}[request.param]


def prefix(synth) -> str:
    return f"ecomart-{synth.stack}"


def sg_id(synth, name: str) -> str:
    return one(synth, SG, name).id


def policy_of(synth, name: str) -> dict:
    return json.loads(one(synth, ROLE_POLICY, name).inputs["policy"])


def statements(doc: dict) -> dict[str, tuple[tuple[str, ...], tuple[str, ...], dict]]:
    """{Sid: (actions, resources sorted, condition)}: resources compared as a set (registration order under mocks
    is not fixed)."""
    out = {}
    for st in doc["Statement"]:
        assert st["Effect"] == "Allow"
        res = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
        assert len(set(res)) == len(res), st["Sid"]
        out[st["Sid"]] = (tuple(st["Action"]), tuple(sorted(res)), st.get("Condition", {}))
    return out


def want(actions: tuple, resources: tuple, condition: dict) -> tuple:
    return actions, tuple(sorted(resources)), condition


# --- functions ---------------------------------------------------------------------------------------------------


def test_three_functions_from_the_artifact_with_the_configured_sizes(synth):
    cfg = synth.config.service
    for key, settings in (("api", cfg.api), ("migrations", cfg.migrations), ("relay", cfg.relay)):
        fn = one(synth, FN, f"app-{key}")
        i = fn.inputs
        assert i["name"] == f"{prefix(synth)}-{key}" and i["handler"] == HANDLERS[key]
        assert i["runtime"] == LAMBDA_RUNTIME == "python3.12" and i["architectures"] == [LAMBDA_ARCHITECTURE]
        assert (i["memorySize"], i["timeout"], i["reservedConcurrentExecutions"]) == (
            settings.memory_mb,
            settings.timeout_seconds,
            settings.reserved_concurrency,
        )
        assert i["tracingConfig"] == {"mode": "Active"}
        assert i["kmsKeyArn"] == key_arn(synth, "compute")
        assert i["deadLetterConfig"] == {"targetArn": one(synth, "aws:sqs/queue:Queue", "app-dlq").outputs["arn"]}
        assert i["loggingConfig"] == {"logFormat": "JSON", "logGroup": f"/aws/lambda/{prefix(synth)}-{key}"}
        assert i["role"] == one(synth, ROLE, f"app-{key}-role").outputs["arn"]
        # the code: the signed object the signing job wrote, under the enforcing code signing config
        # (tests/components/test_artifacts.py follows it back to the uploaded artifact)
        job = one(synth, "aws:signer/signingJob:SigningJob", "code-signing-job")
        (signed,) = job.outputs["signedObjects"][0]["s3s"]
        assert "code" not in i and "sourceCodeHash" not in i and "imageUri" not in i
        assert (i["s3Bucket"], i["s3Key"]) == (signed["bucket"], signed["key"])
        assert i["s3Bucket"] == f"{prefix(synth)}-lambda-artifacts-{ACCOUNT_ID}"
        assert (
            i["codeSigningConfigArn"]
            == one(synth, "aws:lambda/codeSigningConfig:CodeSigningConfig", "code-code-signing").outputs["arn"]
        )


def test_functions_run_in_the_app_subnets_in_their_own_groups(synth):
    app_subnets = sorted(s.id for s in synth.of_type("aws:ec2/subnet:Subnet") if s.inputs["tags"]["tier"] == "app")
    for key, group in (("api", "app-functions-sg"), ("relay", "app-functions-sg"), ("migrations", "app-migrations-sg")):
        vpc = one(synth, FN, f"app-{key}").inputs["vpcConfig"]
        assert sorted(vpc["subnetIds"]) == app_subnets
        assert vpc["securityGroupIds"] == [sg_id(synth, group)]


def test_environments_hold_no_secret_and_name_their_stores(synth):
    p = prefix(synth)
    proxy = one(synth, "aws:rds/proxy:Proxy")
    rg = one(synth, "aws:elasticache/replicationGroup:ReplicationGroup")
    redis_host = rg.outputs.get("configurationEndpointAddress") or rg.outputs["primaryEndpointAddress"]
    pool = one(synth, "aws:cognito/userPool:UserPool")
    client = one(synth, "aws:cognito/userPoolClient:UserPoolClient")
    api = one(synth, FN, "app-api").inputs["environment"]["variables"]
    relay = one(synth, FN, "app-relay").inputs["environment"]["variables"]
    migrations = one(synth, FN, "app-migrations").inputs["environment"]["variables"]
    db = synth.config.postgres.database_name
    for env in (api, relay):
        assert env["DATABASE_URL"] == f"postgresql://{proxy.outputs['endpoint']}:5432/{db}?sslmode=require"
        assert env["PG_IAM_USER"] == PG_APP_USER
        assert env["REDIS_URL"] == f"rediss://{redis_host}:6379/0"
        assert env["REDIS_IAM_USER"] == f"{p}-app" and env["REDIS_CACHE_NAME"] == f"{p}-cache"
        assert env["MONGODB_ATLAS_SRV"] == synth.outputs["atlasPrivateConnectionString"]
        assert env["MONGODB_DB"] == "catalog"
    assert api["AUTH_MODE"] == "gateway"
    assert api["AUTH_ISSUER"] == f"https://cognito-idp.{REGION}.amazonaws.com/{pool.id}"
    assert api["AUTH_AUDIENCE"] == client.id and api["AUTH_CUSTOMER_CLAIM"] == "custom:customer_id"
    assert api["ORDERS_READ_ONLY_PARAMETER"] == f"/{p}/orders/read-only"
    assert api["QUEUED_ORDERS_QUEUE_URL"] == synth.outputs["queuedOrdersQueueUrl"]
    assert relay["RELAY_RUN_SECONDS"] == str(synth.config.service.relay_run_seconds)
    assert relay["OUTBOX_LAG_DIMENSION_VALUE"] == p
    assert migrations == {
        "DB_HOST": one(synth, "aws:rds/instance:Instance", "postgres-writer").outputs["address"],
        "DB_PORT": str(POSTGRES_PORT),
        "DB_NAME": db,
        "DB_MASTER_SECRET_ARN": synth.outputs["postgresMasterSecretArn"],
        "PG_APP_USER": PG_APP_USER,
    }
    for env in (api, relay, migrations):
        text = json.dumps(env).lower()
        assert "password" not in text and "@" not in text.replace("custom:customer_id", "")


def test_log_groups_have_retention_and_the_logs_key(synth):
    days = synth.config.service.log_retention_days
    for name, path in (
        ("app-api-logs", "/aws/lambda/{p}-api"),
        ("app-migrations-logs", "/aws/lambda/{p}-migrations"),
        ("app-relay-logs", "/aws/lambda/{p}-relay"),
        ("app-access-logs", "/aws/apigateway/{p}-api"),
    ):
        g = one(synth, LOGS, name).inputs
        assert g["name"] == path.format(p=prefix(synth))
        assert g["retentionInDays"] == days and g["kmsKeyId"] == key_arn(synth, "logs")
    assert days == (365 if synth.stack == "prod" else 90)


def test_dead_letter_queue_encrypted_and_tls_only(synth):
    q = one(synth, "aws:sqs/queue:Queue", "app-dlq")
    assert q.inputs["kmsMasterKeyId"] == key_arn(synth, "compute")
    assert q.inputs["messageRetentionSeconds"] == 1_209_600
    st = json.loads(one(synth, "aws:sqs/queuePolicy:QueuePolicy", "app-dlq-tls-only").inputs["policy"])["Statement"]
    assert st == [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sqs:*",
            "Resource": q.outputs["arn"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]


def test_compute_key_lets_lambda_sqs_and_s3_use_it_only_through_themselves(synth):
    # S3: the signed code the functions deploy from (components/artifacts.py)
    policy = json.loads(one(synth, "aws:kms/key:Key", "keys-compute").inputs["policy"])
    via = {s["Condition"]["StringEquals"]["kms:ViaService"] for s in policy["Statement"] if "Condition" in s}
    assert via == {f"lambda.{REGION}.amazonaws.com", f"sqs.{REGION}.amazonaws.com", f"s3.{REGION}.amazonaws.com"}


# --- roles -------------------------------------------------------------------------------------------------------


def _base(synth, key: str, group: str) -> dict:
    app_subnets = [s.id for s in synth.of_type("aws:ec2/subnet:Subnet") if s.inputs["tags"]["tier"] == "app"]
    log_arn = one(synth, LOGS, f"app-{key}-logs").outputs["arn"]
    eni = f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:network-interface/*"
    return {
        "WriteOwnLogs": (("logs:CreateLogStream", "logs:PutLogEvents"), (f"{log_arn}:*",), {}),
        "Tracing": (("xray:PutTraceSegments", "xray:PutTelemetryRecords"), ("*",), {}),
        "DescribeNetworkInterfaces": (
            ("ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups"),
            ("*",),
            {},
        ),
        "NetworkInterfacesInOwnSubnetsAndGroup": (
            ("ec2:CreateNetworkInterface",),
            (
                eni,
                *(f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:subnet/{s}" for s in app_subnets),
                f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:security-group/{sg_id(synth, group)}",
            ),
            {},
        ),
        "ManageOwnNetworkInterfaces": (
            ("ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"),
            (eni,),
            {},
        ),
        "DeadLetters": (("sqs:SendMessage",), (one(synth, "aws:sqs/queue:Queue", "app-dlq").outputs["arn"],), {}),
        "ComputeKey": (("kms:Decrypt", "kms:GenerateDataKey"), (key_arn(synth, "compute"),), {}),
    }


def test_each_role_allows_exactly_its_actions_on_its_resources(synth):
    proxy_arn = one(synth, "aws:rds/proxy:Proxy").outputs["arn"]
    proxy_user = f"arn:aws:rds-db:{REGION}:{ACCOUNT_ID}:dbuser:{proxy_arn.rsplit(':', 1)[-1]}/{PG_APP_USER}"
    assert proxy_user.split(":dbuser:")[1].startswith("prx-")
    rg = one(synth, "aws:elasticache/replicationGroup:ReplicationGroup").outputs["arn"]
    user = one(synth, "aws:elasticache/user:User", "redis-app-user").outputs["arn"]
    queue = one(synth, "aws:sqs/queue:Queue", "operations-queued-orders").outputs["arn"]
    param = one(synth, "aws:ssm/parameter:Parameter", "operations-read-only").outputs["arn"]
    relational = key_arn(synth, "relational")
    expected = {
        "api": {
            **_base(synth, "api", "app-functions-sg"),
            "PostgresThroughProxy": (("rds-db:connect",), (proxy_user,), {}),
            "CacheAsAppUser": (("elasticache:Connect",), (rg, user), {}),
            "ReadOnlyFlag": (("ssm:GetParameter",), (param,), {}),
            "QueueOrders": (("sqs:SendMessage",), (queue,), {}),
            "QueueKey": (("kms:GenerateDataKey", "kms:Decrypt"), (relational,), {}),
            "FingerprintLinks": (
                ("kms:GenerateMac",),
                (one(synth, "aws:kms/key:Key", "app-fingerprints").outputs["arn"],),
                {},
            ),
        },
        "relay": {
            **_base(synth, "relay", "app-functions-sg"),
            "PostgresThroughProxy": (("rds-db:connect",), (proxy_user,), {}),
            "CacheAsAppUser": (("elasticache:Connect",), (rg, user), {}),
            "PublishLag": (
                ("cloudwatch:PutMetricData",),
                ("*",),
                {"StringEquals": {"cloudwatch:namespace": OUTBOX_LAG_NAMESPACE}},
            ),
        },
        "migrations": {
            **_base(synth, "migrations", "app-migrations-sg"),
            "MasterSecret": (("secretsmanager:GetSecretValue",), (synth.outputs["postgresMasterSecretArn"],), {}),
            "MasterSecretKey": (
                ("kms:Decrypt",),
                (relational,),
                {"StringEquals": {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"}},
            ),
        },
    }
    for key, wanted in expected.items():
        wanted = {sid: want(*v) for sid, v in wanted.items()}
        assert statements(policy_of(synth, f"app-{key}-policy")) == wanted, key
        assert one(synth, ROLE_POLICY, f"app-{key}-policy").inputs["role"] == one(synth, ROLE, f"app-{key}-role").id
    # "*" only where AWS has no resource-level permissions (X-Ray, EC2 Describe*, PutMetricData with its condition)
    for key in expected:
        for sid, (_actions, resources, _cond) in statements(policy_of(synth, f"app-{key}-policy")).items():
            if "*" in resources:
                assert sid in ("Tracing", "DescribeNetworkInterfaces", "PublishLag"), (key, sid)


def test_roles_trust_lambda_of_this_account_only(synth):
    for key in HANDLERS:
        trust = json.loads(one(synth, ROLE, f"app-{key}-role").inputs["assumeRolePolicy"])
        assert trust["Statement"] == [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}},
            }
        ]
    for role, service in (("app-proxy-role", "rds.amazonaws.com"), ("app-scheduler-role", "scheduler.amazonaws.com")):
        trust = json.loads(one(synth, ROLE, role).inputs["assumeRolePolicy"])
        assert [s["Principal"] for s in trust["Statement"]] == [{"Service": service}]
        assert trust["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}}


# --- network paths -----------------------------------------------------------------------------------------------


def test_functions_reach_only_the_proxy_cache_atlas_and_aws_endpoints(synth):
    groups = {r.id: r.name for r in synth.of_type(SG)}

    def egress_of(name):
        return sorted(
            (groups[r.inputs["referencedSecurityGroupId"]], r.inputs["fromPort"], r.inputs["toPort"])
            for r in synth.of_type(EGRESS)
            if r.inputs["securityGroupId"] == sg_id(synth, name)
        )

    assert egress_of("app-functions-sg") == sorted(
        [
            ("app-db-proxy-sg", 5432, 5432),
            ("network-redis-sg", 6379, 6379),
            ("network-endpoints-sg", 443, 443),
            ("catalog-privatelink-sg", 1024, 65535),
        ]
    )
    assert egress_of("app-migrations-sg") == sorted(
        [("network-postgres-sg", POSTGRES_PORT, POSTGRES_PORT), ("network-endpoints-sg", 443, 443)]
    )
    assert egress_of("app-db-proxy-sg") == [("network-postgres-sg", POSTGRES_PORT, POSTGRES_PORT)]
    ingress = [
        (groups[r.inputs["referencedSecurityGroupId"]], r.inputs["fromPort"])
        for r in synth.of_type(INGRESS)
        if r.inputs["securityGroupId"] == sg_id(synth, "app-db-proxy-sg")
    ]
    assert ingress == [("app-functions-sg", 5432)]
    for r in synth.of_type(EGRESS) + synth.of_type(INGRESS):
        assert "cidrIpv4" not in r.inputs and "cidrIpv6" not in r.inputs and r.inputs["ipProtocol"] == "tcp"


# --- RDS Proxy ---------------------------------------------------------------------------------------------------


def test_proxy_is_iam_end_to_end_tls_only_in_the_data_subnets(synth):
    proxy = one(synth, "aws:rds/proxy:Proxy").inputs
    data_subnets = sorted(s.id for s in synth.of_type("aws:ec2/subnet:Subnet") if s.inputs["tags"]["tier"] == "data")
    assert proxy["name"] == f"{prefix(synth)}-db-proxy" and proxy["engineFamily"] == "POSTGRESQL"
    assert proxy["defaultAuthScheme"] == "IAM_AUTH" and "auths" not in proxy, "no secret anywhere"
    assert proxy["requireTls"] is True and proxy["debugLogging"] is False
    assert proxy["idleClientTimeout"] == 1800
    assert sorted(proxy["vpcSubnetIds"]) == data_subnets
    assert proxy["vpcSecurityGroupIds"] == [sg_id(synth, "app-db-proxy-sg")]
    assert proxy["roleArn"] == one(synth, ROLE, "app-proxy-role").outputs["arn"]
    writer = one(synth, "aws:rds/instance:Instance", "postgres-writer").outputs
    assert statements(policy_of(synth, "app-proxy-policy")) == {
        "ConnectToWriterAsAppUser": (
            ("rds-db:connect",),
            (f"arn:aws:rds-db:{REGION}:{ACCOUNT_ID}:dbuser:{writer['resourceId']}/{PG_APP_USER}",),
            {},
        )
    }
    target = one(synth, "aws:rds/proxyTarget:ProxyTarget").inputs
    assert target["dbInstanceIdentifier"] == writer["identifier"] and target["targetGroupName"] == "default"
    pool = one(synth, "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup").inputs["connectionPoolConfig"]
    pct = synth.config.service.proxy_pool_percent
    assert pool == {"maxConnectionsPercent": pct, "maxIdleConnectionsPercent": pct // 2, "connectionBorrowTimeout": 10}
    assert synth.outputs["dbProxyEndpoint"] == one(synth, "aws:rds/proxy:Proxy").outputs["endpoint"]
    # the proxy's alarm is sized from the same pool
    (alarm,) = [
        a
        for a in synth.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if a.inputs["dimensions"] == {"ProxyName": proxy["name"]}
    ]
    pool_size = estimated_max_connections(synth.config.postgres.instance_class) * pct // 100
    assert alarm.inputs["threshold"] == round(0.8 * pool_size)


# --- HTTP API ----------------------------------------------------------------------------------------------------


def test_a_route_per_app_operation_customer_routes_behind_the_jwt_authorizer(synth):
    authorizer = one(synth, "aws:apigatewayv2/authorizer:Authorizer")
    integration = one(synth, "aws:apigatewayv2/integration:Integration")
    api = one(synth, "aws:apigatewayv2/api:Api")
    routes = {r.inputs["routeKey"]: r.inputs for r in synth.of_type(ROUTE)}
    assert set(routes) == {r.route_key for r in app_routes()}
    for key, r in routes.items():
        assert r["apiId"] == api.id and r["target"] == f"integrations/{integration.id}"
        if key in PUBLIC_ROUTES:
            assert r["authorizationType"] == "NONE" and "authorizerId" not in r, key
        else:
            assert (r["authorizationType"], r["authorizerId"]) == ("JWT", authorizer.id), key
    assert {
        "POST /orders",
        "GET /orders/{order_id}",
        "GET /carts/{cart_id}",
        "POST /carts/{cart_id}/items",
        "GET /customers/{customer_id}/recommendations",
    } <= set(routes) - set(PUBLIC_ROUTES)


def test_public_routes_are_exactly_the_ones_the_app_declares_public():
    """One list (platform_rules.PUBLIC_ROUTES) for the policy; the app's OpenAPI must agree with it."""
    assert {r.route_key for r in app_routes() if not r.authorized} == set(PUBLIC_ROUTES)


def test_authorizer_checks_the_cognito_pool_and_client(synth):
    a = one(synth, "aws:apigatewayv2/authorizer:Authorizer").inputs
    pool = one(synth, "aws:cognito/userPool:UserPool")
    client = one(synth, "aws:cognito/userPoolClient:UserPoolClient")
    assert a["authorizerType"] == "JWT" and a["identitySources"] == ["$request.header.Authorization"]
    assert a["jwtConfiguration"] == {
        "issuer": f"https://cognito-idp.{REGION}.amazonaws.com/{pool.id}",
        "audiences": [client.id],
    }
    assert synth.outputs["jwtIssuer"] == a["jwtConfiguration"]["issuer"]
    assert synth.outputs["userPoolId"] == pool.id and synth.outputs["userPoolClientId"] == client.id


def test_integration_and_invoke_permission(synth):
    i = one(synth, "aws:apigatewayv2/integration:Integration").inputs
    api = one(synth, "aws:apigatewayv2/api:Api")
    fn = one(synth, FN, "app-api")
    assert (i["integrationType"], i["payloadFormatVersion"], i["timeoutMilliseconds"]) == ("AWS_PROXY", "2.0", 29000)
    assert i["integrationUri"] == fn.outputs["invokeArn"]
    perm = one(synth, "aws:lambda/permission:Permission").inputs
    assert perm["principal"] == "apigateway.amazonaws.com" and perm["function"] == fn.inputs["name"]
    assert perm["sourceArn"] == f"{api.outputs['executionArn']}/$default/*"
    assert perm["sourceAccount"] == ACCOUNT_ID
    assert api.inputs["protocolType"] == "HTTP" and api.inputs["disableExecuteApiEndpoint"] is False


def test_stage_logs_without_bodies_or_tokens_throttles_and_measures(synth):
    s = one(synth, "aws:apigatewayv2/stage:Stage").inputs
    cfg = synth.config.service
    assert s["name"] == "$default" and s["autoDeploy"] is True
    assert s["accessLogSettings"]["destinationArn"] == one(synth, LOGS, "app-access-logs").outputs["arn"]
    fmt = json.loads(s["accessLogSettings"]["format"])
    assert s["accessLogSettings"]["format"] == ACCESS_LOG_FORMAT
    assert {"requestId", "routeKey", "status", "latencyMs", "ip"} <= set(fmt)
    text = json.dumps(fmt).lower()
    for forbidden in ("body", "authorization", "querystring", "header"):
        assert forbidden not in text, forbidden
    assert s["defaultRouteSettings"] == {
        "throttlingRateLimit": cfg.throttling_rate_limit,
        "throttlingBurstLimit": cfg.throttling_burst_limit,
        "detailedMetricsEnabled": True,
    }
    assert (cfg.throttling_rate_limit, cfg.throttling_burst_limit) == (
        (200, 400) if synth.stack == "prod" else (20, 40)
    )
    assert synth.outputs["apiUrl"] == one(synth, "aws:apigatewayv2/stage:Stage").outputs["invokeUrl"]
    assert synth.outputs["apiUrl"].startswith("https://") and ".execute-api." in synth.outputs["apiUrl"]


def test_user_pool_passwords_mfa_deletion_protection_and_client(synth):
    pool = one(synth, "aws:cognito/userPool:UserPool").inputs
    assert pool["passwordPolicy"]["minimumLength"] == 12
    assert all(
        pool["passwordPolicy"][k] for k in ("requireLowercase", "requireUppercase", "requireNumbers", "requireSymbols")
    )
    assert pool["mfaConfiguration"] == "OPTIONAL" and pool["softwareTokenMfaConfiguration"] == {"enabled": True}
    assert pool["deletionProtection"] == ("ACTIVE" if synth.stack == "prod" else "INACTIVE")
    assert pool["userPoolTier"] == "PLUS" and pool["userPoolAddOns"] == {"advancedSecurityMode": "ENFORCED"}
    assert pool["usernameAttributes"] == ["email"]
    (schema,) = pool["schemas"]
    assert (schema["name"], schema["attributeDataType"]) == ("customer_id", "Number")
    client = one(synth, "aws:cognito/userPoolClient:UserPoolClient").inputs
    assert client["generateSecret"] is False and client["preventUserExistenceErrors"] == "ENABLED"
    assert client["explicitAuthFlows"] == ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert "custom:customer_id" in client["readAttributes"]
    assert client["writeAttributes"] == ["email"], "a customer must not set their own customer id"


# --- deploy-time migrations and schedules ------------------------------------------------------------------------


def test_migrations_run_on_every_deploy_that_changes_them(synth):
    inv = one(synth, "aws:lambda/invocation:Invocation", "app-migrate").inputs
    assert inv["functionName"] == f"{prefix(synth)}-migrations"
    assert json.loads(inv["input"]) == {"action": "migrate"}
    assert inv["triggers"] == {"migrations": migrations_hash()}


def test_migrations_hash_changes_with_any_migration(tmp_path):
    for name in ("0001_a.sql", "0002_b.sql"):
        (tmp_path / name).write_text(f"-- {name}\n")
    before = migrations_hash(tmp_path)
    (tmp_path / "0002_b.sql").write_text("-- changed\n")
    assert migrations_hash(tmp_path) != before
    (tmp_path / "0002_b.sql").write_text("-- 0002_b.sql\n")
    assert migrations_hash(tmp_path) == before
    (tmp_path / "0003_c.sql").write_text("")
    assert migrations_hash(tmp_path) != before


def test_the_stack_hashes_the_migrations_the_app_runs():
    """The stack names the directory itself (importing app.db would load psycopg into every preview)."""
    import app.db
    from infra import app_contract

    assert app_contract.MIGRATIONS_DIR == app.db.MIGRATIONS_DIR.resolve()
    assert list(app_contract.MIGRATIONS_DIR.glob("*.sql"))
    assert migrations_hash() == migrations_hash(app.db.MIGRATIONS_DIR)


def test_relay_and_partition_schedules(synth):
    schedules = {s.name: s.inputs for s in synth.of_type(SCHEDULE)}
    relay_arn = one(synth, FN, "app-relay").outputs["arn"]
    migrations_arn = one(synth, FN, "app-migrations").outputs["arn"]
    dlq = one(synth, "aws:sqs/queue:Queue", "app-dlq").outputs["arn"]
    role = one(synth, ROLE, "app-scheduler-role").outputs["arn"]
    n = synth.config.service.relay_schedules
    assert set(schedules) == {f"app-relay-schedule-{i}" for i in range(1, n + 1)} | {
        "app-partitions-schedule",
        "app-time-series-schedule",
    }
    for i in range(1, n + 1):
        s = schedules[f"app-relay-schedule-{i}"]
        assert s["scheduleExpression"] == "rate(1 minute)" and s["flexibleTimeWindow"] == {"mode": "OFF"}
        assert s["target"]["arn"] == relay_arn and s["target"]["roleArn"] == role
        assert s["target"]["retryPolicy"] == {"maximumRetryAttempts": 0, "maximumEventAgeInSeconds": 60}
        assert s["target"]["deadLetterConfig"] == {"arn": dlq}
    p = schedules["app-partitions-schedule"]
    assert p["scheduleExpression"] == "rate(7 days)" and p["target"]["arn"] == migrations_arn
    assert json.loads(p["target"]["input"]) == {"action": "partitions"}
    # the daily level snapshot and time-series retention (ADR 0029), through the same function and dead letters
    t = schedules["app-time-series-schedule"]
    assert t["scheduleExpression"] == "cron(15 0 * * ? *)" and t["scheduleExpressionTimezone"] == "UTC"
    assert t["target"]["arn"] == migrations_arn and json.loads(t["target"]["input"]) == {"action": "timeseries"}
    assert t["target"]["deadLetterConfig"] == {"arn": dlq} and t["target"]["roleArn"] == role
    # both maintenance runs: a flexible window (the daily one lands by 00:45 UTC, before the day's first reports),
    # three retries within the hour, then the dead letters (whose alarm names the runbook)
    assert p["flexibleTimeWindow"] == {"mode": "FLEXIBLE", "maximumWindowInMinutes": 60}
    assert t["flexibleTimeWindow"] == {"mode": "FLEXIBLE", "maximumWindowInMinutes": 30}
    for run in (p, t):
        assert run["target"]["retryPolicy"] == {"maximumRetryAttempts": 3, "maximumEventAgeInSeconds": 3600}
        assert run["target"]["deadLetterConfig"] == {"arn": dlq} and run["target"]["roleArn"] == role
    assert statements(policy_of(synth, "app-scheduler-policy")) == {
        "InvokeScheduledFunctions": want(("lambda:InvokeFunction",), (relay_arn, migrations_arn), {}),
        "DeadLetters": (("sqs:SendMessage",), (dlq,), {}),
        "DeadLetterKey": (("kms:GenerateDataKey", "kms:Decrypt"), (key_arn(synth, "compute"),), {}),
    }
    cfg = one(synth, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").inputs
    assert cfg == {"functionName": f"{prefix(synth)}-relay", "maximumRetryAttempts": 0, "maximumEventAgeInSeconds": 120}


def test_outputs_and_counts(dev, prod):
    for synth in (dev, prod):
        out = synth.outputs
        assert out["functionNames"] == {k: f"{prefix(synth)}-{k}" for k in HANDLERS}
        assert out["functionRoleArns"] == {k: one(synth, ROLE, f"app-{k}-role").outputs["arn"] for k in HANDLERS}
        service = one(synth, "ecomart:app:Service")
        kids = [r for r in synth.resources if r.parent == service.urn]
        assert all(r.name.startswith("app-") for r in kids)

    def count(s):
        service = one(s, "ecomart:app:Service")
        counts: dict[str, int] = {}
        for r in s.resources:
            if r.parent == service.urn:
                kind = r.type.split(":")[-1]
                counts[kind] = counts.get(kind, 0) + 1
        return counts

    # both stacks: the same shape (one relay schedule, no custom domain, Cognito)
    expected = {
        "Api": 1,
        "Authorizer": 1,
        "DatabaseUser": 2,
        "Function": 3,
        "FunctionEventInvokeConfig": 1,
        "Integration": 1,
        "Key": 1,  # the fraud-link fingerprints' HMAC key (ADR 0028)
        "Alias": 1,
        "Invocation": 2,  # the migrations; the catalog's collections before its search indexes
        "LogGroup": 4,
        "Permission": 1,
        "Proxy": 1,
        "ProxyDefaultTargetGroup": 1,
        "ProxyTarget": 1,
        "Queue": 1,
        "QueuePolicy": 1,
        "Role": 5,  # three functions, the proxy, the scheduler
        "RolePolicy": 5,
        "SearchIndex": 2,  # Atlas Vector Search and Atlas Search on the products
        "Route": len(app_routes()),
        "Schedule": 3,
        "SecurityGroup": 3,
        "SecurityGroupEgressRule": 7,
        "SecurityGroupIngressRule": 7,
        "Stage": 1,
        "UserGroup": 1,  # the back office's staff group
        "UserPool": 1,
        "UserPoolClient": 1,
    }
    assert count(dev) == count(prod) == expected
    # README says how many resources the service declares on top of the data tier ("21 + N")
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    (said,) = re.findall(r"21 \+ (\d+) resources in either stack", readme)
    assert int(said) == sum(expected.values()) == 78


# --- variants ----------------------------------------------------------------------------------------------------


def test_custom_domain_uses_tls12_and_replaces_the_default_endpoint(synth_with):
    cert = f"arn:aws:acm:us-east-1:{ACCOUNT_ID}:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
    s = synth_with("prod", service={"domainName": "api.ecomart.example", "certificateArn": cert})
    d = one(s, "aws:apigatewayv2/domainName:DomainName").inputs
    assert d["domainName"] == "api.ecomart.example"
    assert d["domainNameConfiguration"] == {
        "certificateArn": cert,
        "endpointType": "REGIONAL",
        "securityPolicy": "TLS_1_2",
    }
    m = one(s, "aws:apigatewayv2/apiMapping:ApiMapping").inputs
    assert m["apiId"] == one(s, "aws:apigatewayv2/api:Api").id
    assert one(s, "aws:apigatewayv2/api:Api").inputs["disableExecuteApiEndpoint"] is True
    assert s.outputs["apiUrl"] == "https://api.ecomart.example/"


def test_external_issuer_replaces_cognito(synth_with):
    s = synth_with("dev", service={"jwtIssuer": "https://login.ecomart.example", "jwtAudience": ["ecomart-web"]})
    assert not s.of_type("aws:cognito/userPool:UserPool") and not s.of_type("aws:cognito/userPoolClient:UserPoolClient")
    a = one(s, "aws:apigatewayv2/authorizer:Authorizer").inputs
    assert a["jwtConfiguration"] == {"issuer": "https://login.ecomart.example", "audiences": ["ecomart-web"]}
    env = one(s, FN, "app-api").inputs["environment"]["variables"]
    assert (env["AUTH_ISSUER"], env["AUTH_AUDIENCE"]) == ("https://login.ecomart.example", "ecomart-web")


def test_more_relay_schedules_more_relays(synth_with):
    s = synth_with(
        "prod",
        service={"relaySchedules": 3, "relay": {"memoryMb": 512, "timeoutSeconds": 75, "reservedConcurrency": 6}},
    )
    names = sorted(x.inputs["name"] for x in s.of_type(SCHEDULE) if "relay" in x.inputs["name"])
    assert names == [f"ecomart-prod-outbox-relay-{i}" for i in (1, 2, 3)]


@pytest.mark.parametrize(
    "service, fragment",
    [
        (
            {"api": {"memoryMb": 1024, "timeoutSeconds": 30, "reservedConcurrency": 5}},
            "service.api.timeoutSeconds: bad value 30: must be below the HTTP API's 30 s integration timeout",
        ),
        ({"relaySchedules": 2}, "relay.reservedConcurrency (2) must be >= 2 x relaySchedules (4)"),
        ({"relayRunSeconds": 70}, "relayRunSeconds (70) must be 10 .. relay.timeoutSeconds - 10 (65)"),
        ({"jwtIssuer": "http://login.example", "jwtAudience": ["x"]}, "must be an https:// URL"),
        ({"jwtIssuer": "https://login.example"}, "needs at least one jwtAudience"),
        ({"jwtAudience": ["x"]}, "jwtAudience is set without jwtIssuer"),
        ({"domainName": "api.ecomart.example"}, "domainName, certificateArn are set together"),
        (
            {
                "domainName": "API_bad",
                "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
            },
            "must be a lowercase DNS name",
        ),
        ({"throttlingBurstLimit": 0}, "service.throttlingBurstLimit: bad value 0"),
        ({"logRetentionDays": 30}, "service.logRetentionDays is 30; dev needs >= 90"),
    ],
)
def test_bad_service_config_is_a_clear_error(synth_with, service, fragment):
    with pytest.raises(ConfigError) as e:
        synth_with("dev", service=service)
    assert fragment in str(e.value), str(e.value)
    assert "Traceback" not in str(e.value)


@pytest.mark.parametrize(
    "kw, fragment",
    [
        ({"api": FunctionSettings(1024, 30, 10)}, "api.timeout_seconds is 30: must be below the HTTP API's 30 s"),
        ({"relay": FunctionSettings(512, 75, 1)}, "relay.reserved_concurrency (1) must be >= 2 x relay_schedules (2)"),
        ({"domain_name": "api.example"}, "domain_name, certificate_arn are set together"),
        ({"jwt_issuer": "https://x.example"}, "jwt_issuer ('https://x.example') needs at least one jwt_audience"),
        (
            {"jwt_issuer": "http://x.example", "jwt_audience": ["a"]},
            "jwt_issuer is 'http://x.example': must be an https",
        ),
        ({"proxy_pool_percent": 5}, "ServiceSettings.proxy_pool_percent is 5: must be 10..100"),
        ({"throttling_burst_limit": 0}, "ServiceSettings.throttling_burst_limit is 0: must be 1..5000"),
    ],
)
def test_bad_settings_name_the_field(kw, fragment):
    with pytest.raises(ValueError) as e:
        ServiceSettings(**kw)
    assert fragment in str(e.value)


def test_bad_function_settings_name_the_field():
    with pytest.raises(SettingError, match=r"FunctionSettings.memory_mb is 64: must be 128..10240"):
        FunctionSettings(64, 30, 1)


@pytest.mark.parametrize(
    "routes, fragment",
    [
        ([], "routes is empty"),
        ([ServiceRoute("FETCH", "/x", False)], "'FETCH /x' is not METHOD /path"),
        ([ServiceRoute("GET", "/x", False), ServiceRoute("GET", "/x", True)], "duplicates ['GET /x']"),
    ],
)
def test_bad_app_links_name_the_problem(routes, fragment):
    with pytest.raises(ValueError) as e:
        AppLink(routes=routes, migrations_hash="h")
    assert fragment in str(e.value)


def test_every_field_is_documented():
    from components.doc import contract_of
    from components.service import Service

    contract = contract_of(Service)
    assert contract is not None and contract.links is ServiceLinks
    for cls in (ServiceSettings, ServiceLinks, *contract.nested):
        for f in dataclasses.fields(cls):
            assert f.metadata.get("doc"), f"{cls.__name__}.{f.name}"


def test_service_sizes_per_stack_are_the_designed_ones(dev, prod):
    """The sizing written once in infra/config.py, pinned here from the design: a changed default fails this."""
    for synth, api_reserved, relay_reserved in ((dev, 10, 2), (prod, 100, 4)):
        sizes = {
            k: (f.inputs["memorySize"], f.inputs["timeout"], f.inputs["reservedConcurrentExecutions"])
            for k in HANDLERS
            for f in [one(synth, FN, f"app-{k}")]
        }
        assert sizes == {
            "api": (1024, 29, api_reserved),
            "migrations": (512, 300, 1),
            "relay": (512, 75, relay_reserved),
        }
        env = one(synth, FN, "app-relay").inputs["environment"]["variables"]
        assert env["RELAY_RUN_SECONDS"] == "55"
        assert synth.config.service.proxy_pool_percent == 50


def test_threat_protection_can_be_turned_off_and_then_the_pool_is_on_essentials(synth_with):
    pool = one(synth_with("dev", service={"userPoolThreatProtection": False}), "aws:cognito/userPool:UserPool").inputs
    assert pool["userPoolTier"] == "ESSENTIALS" and "userPoolAddOns" not in pool


SEARCH_INDEX = "mongodbatlas:index/searchIndex:SearchIndex"


def test_search_indexes_follow_the_collections_and_match_the_app(synth):
    """ADR 0030: the vector index the app's $vectorSearch names, on the embeddings' dimensions, cosine, with the
    fields the app pre-filters on; both indexes after the relay created the collections, and waiting for the build."""
    from app.search import VECTOR_INDEX, vector_search_pipeline
    from platform_rules import EMBEDDING_DIMENSIONS

    inv = one(synth, "aws:lambda/invocation:Invocation", "app-catalog-collections")
    assert json.loads(inv.inputs["input"]) == {"action": "catalog-collections"}
    assert inv.inputs["functionName"] == f"{prefix(synth)}-relay"
    relay_user = one(synth, "mongodbatlas:index/databaseUser:DatabaseUser", "app-relay-atlas-user")
    assert relay_user.urn in inv.dependencies, "the relay logs in to Atlas before it creates collections"
    vector = one(synth, SEARCH_INDEX, "app-products-semantic")
    text = one(synth, SEARCH_INDEX, "app-products-text")
    for index in (vector, text):
        assert inv.urn in index.dependencies and index.inputs["waitForIndexBuildCompletion"] is True
        assert (index.inputs["database"], index.inputs["collectionName"]) == ("catalog", "products")
    assert vector.inputs["name"] == VECTOR_INDEX and vector.inputs["type"] == "vectorSearch"
    fields = json.loads(vector.inputs["fields"])
    vec = [f for f in fields if f["type"] == "vector"]
    assert vec == [
        {"type": "vector", "path": "embedding", "numDimensions": EMBEDDING_DIMENSIONS, "similarity": "cosine"}
    ]
    pre = vector_search_pipeline([0.0] * EMBEDDING_DIMENSIONS, {"$and": [{"active": True}, {"categories": "x"}]}, 10)
    filters = {f["path"] for f in fields if f["type"] == "filter"}
    assert set(pre[0]["$vectorSearch"]["filter"]) <= filters, "every pre-filter field is indexed as a filter"
    assert text.inputs["type"] == "search" and json.loads(text.inputs["mappingsFields"])["name"] == {"type": "string"}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_fingerprint_key_is_an_hmac_key_only_iam_policies_may_use(stack, dev, prod):
    """ADR 0028: fraud-link values are MACed under a KMS HMAC key the API names in FINGERPRINT_KEY_ID. HMAC keys
    cannot rotate automatically (AWS rotates symmetric encryption keys only: kms-key-rotation skips them); the key
    policy names no principal beyond the account, so only a role whose IAM policy names the key (the API's
    FingerprintLinks) computes MACs, and no principal may use it for anything else."""
    import json

    synth = {"dev": dev, "prod": prod}[stack]
    key = one(synth, "aws:kms/key:Key", "app-fingerprints")
    assert key.inputs["keyUsage"] == "GENERATE_VERIFY_MAC" and key.inputs["customerMasterKeySpec"] == "HMAC_256"
    assert key.inputs["deletionWindowInDays"] == 30 and not key.inputs.get("enableKeyRotation")
    policy = json.loads(key.inputs["policy"])
    root = f"arn:aws:iam::{ACCOUNT_ID}:root"
    assert all(st["Principal"] == {"AWS": root} for st in policy["Statement"])
    (use,) = [st for st in policy["Statement"] if "kms:GenerateMac" in st["Action"]]
    assert set(use["Action"]) == {"kms:GenerateMac", "kms:VerifyMac", "kms:DescribeKey"}
    assert use["Condition"] == {"StringEquals": {"kms:CallerAccount": ACCOUNT_ID}}
    alias = one(synth, "aws:kms/alias:Alias", "app-fingerprints-alias")
    assert alias.inputs["name"] == f"alias/{prefix(synth)}/fingerprints"
    api = one(synth, "aws:lambda/function:Function", "app-api")
    assert api.inputs["environment"]["variables"]["FINGERPRINT_KEY_ID"] == key.outputs["arn"]
    for k in ("relay", "migrations"):
        fn = one(synth, "aws:lambda/function:Function", f"app-{k}")
        assert "FINGERPRINT_KEY_ID" not in fn.inputs["environment"]["variables"]
