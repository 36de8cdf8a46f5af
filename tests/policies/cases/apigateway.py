"""Resource-policy cases of ``policies/rules/apigateway.py``: a compliant resource per case and, for every property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

from policies.engine import tokens as T
from tests.policies.cases.shapes import ACCOUNT
from tests.policies.helpers import DELETE, Case

CASES = {
    # API Gateway
    "apigw-stage-access-logs": [
        Case(
            T.APIGW_STAGE,
            {
                "restApi": "api-1",
                "deployment": "dep-1",
                "stageName": "prod",
                "accessLogSettings": {
                    "destinationArn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/ecomart/api",
                    "format": "{}",
                },
            },
            {"accessLogSettings.destinationArn": DELETE},
        ),
        Case(
            T.APIGWV2_STAGE,
            {
                "apiId": "api-2",
                "name": "$default",
                "accessLogSettings": {
                    "destinationArn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/ecomart/api",
                    "format": "{}",
                },
            },
            {"accessLogSettings.destinationArn": DELETE},
        ),
    ],
    "apigw-no-payload-logging": [
        Case(
            T.APIGW_METHOD_SETTINGS,
            {
                "restApi": "api-1",
                "stageName": "prod",
                "methodPath": "*/*",
                "settings": {"loggingLevel": "INFO", "dataTraceEnabled": False, "metricsEnabled": True},
            },
            {"settings.dataTraceEnabled": True},
        ),
        Case(
            T.APIGWV2_STAGE,
            {
                "apiId": "api-2",
                "name": "$default",
                "defaultRouteSettings": {"dataTraceEnabled": False, "detailedMetricsEnabled": True},
            },
            {"defaultRouteSettings.dataTraceEnabled": True},
        ),
    ],
    "apigw-cache-encrypted": [
        Case(
            T.APIGW_METHOD_SETTINGS,
            {
                "restApi": "api-1",
                "stageName": "prod",
                "methodPath": "*/*",
                "settings": {"cachingEnabled": True, "cacheDataEncrypted": True},
            },
            {"settings.cacheDataEncrypted": False},
        ),
    ],
    "apigw-route-authorized": [
        Case(
            T.APIGW_METHOD,
            {"restApi": "api-1", "resourceId": "r-1", "httpMethod": "POST", "authorization": "AWS_IAM"},
            {"authorization": "NONE"},
        ),
        Case(
            T.APIGWV2_ROUTE,
            {"apiId": "api-2", "routeKey": "POST /orders", "authorizationType": "JWT", "authorizerId": "auth-1"},
            {"authorizationType": "NONE"},
        ),
        # a listed public route is fine open; the same route is reported once the list no longer names it
        Case(
            T.APIGWV2_ROUTE,
            {"apiId": "api-2", "routeKey": "GET /products", "authorizationType": "NONE"},
            {"routeKey": "GET /orders/{order_id}"},
            label="public list",
        ),
    ],
    "apigw-rest-stage-xray": [
        Case(
            T.APIGW_STAGE,
            {"restApi": "api-1", "deployment": "dep-1", "stageName": "prod", "xrayTracingEnabled": True},
            {"xrayTracingEnabled": False},
        ),
        Case(
            T.APIGW_STAGE,
            {"restApi": "api-1", "deployment": "dep-1", "stageName": "prod", "xrayTracingEnabled": True},
            {"xrayTracingEnabled": DELETE},
            label="absent",
        ),
    ],
    "apigw-rest-execution-logging": [
        Case(
            T.APIGW_METHOD_SETTINGS,
            {
                "restApi": "api-1",
                "stageName": "prod",
                "methodPath": "*/*",
                "settings": {"loggingLevel": "ERROR", "dataTraceEnabled": False},
            },
            {"settings.loggingLevel": "OFF"},
        ),
        Case(
            T.APIGW_METHOD_SETTINGS,
            {"restApi": "api-1", "stageName": "prod", "methodPath": "*/*", "settings": {"loggingLevel": "INFO"}},
            {"settings.loggingLevel": DELETE},
            label="absent",
        ),
    ],
    "apigw-rest-stage-client-certificate": [
        Case(
            T.APIGW_STAGE,
            {"restApi": "api-1", "deployment": "dep-1", "stageName": "prod", "clientCertificateId": "cert-1"},
            {"clientCertificateId": DELETE},
        ),
    ],
    "apigw-jwt-authorizer-verified": [
        Case(
            T.APIGWV2_AUTHORIZER,
            "AUTHORIZER",
            {
                "jwtConfiguration.issuer": "http://issuer.example",
                "jwtConfiguration.audiences": [],
                "identitySources": ["$request.querystring.token"],
            },
        ),
        Case(T.APIGWV2_AUTHORIZER, "AUTHORIZER", {"jwtConfiguration.issuer": DELETE}, label="no issuer"),
        Case(T.APIGWV2_AUTHORIZER, "AUTHORIZER", {"jwtConfiguration.audiences": DELETE}, label="no audience"),
    ],
    "apigw-stage-throttling": [
        Case(
            T.APIGWV2_STAGE,
            "HTTP_STAGE",
            {"defaultRouteSettings.throttlingRateLimit": 0, "defaultRouteSettings.throttlingBurstLimit": 0},
        ),
        Case(
            T.APIGWV2_STAGE,
            "HTTP_STAGE",
            {"defaultRouteSettings.throttlingRateLimit": DELETE, "defaultRouteSettings.throttlingBurstLimit": DELETE},
            label="absent",
        ),
    ],
    "apigw-stage-detailed-metrics": [
        Case(T.APIGWV2_STAGE, "HTTP_STAGE", {"defaultRouteSettings.detailedMetricsEnabled": False}),
        Case(T.APIGWV2_STAGE, "HTTP_STAGE", {"defaultRouteSettings.detailedMetricsEnabled": DELETE}, label="absent"),
    ],
    "apigw-domain-tls12": [
        Case(
            T.APIGW_DOMAIN,
            {"domainName": "api.ecomart.example", "securityPolicy": "TLS_1_2"},
            {"securityPolicy": "TLS_1_0"},
        ),
        Case(
            T.APIGWV2_DOMAIN,
            {
                "domainName": "api.ecomart.example",
                "domainNameConfiguration": {
                    "certificateArn": "arn:acm",
                    "endpointType": "REGIONAL",
                    "securityPolicy": "TLS_1_2",
                },
            },
            {"domainNameConfiguration.securityPolicy": "TLS_1_0"},
        ),
    ],
}
