"""Authentication and ownership over HTTP: the customer is the verified token's; missing, expired, wrongly signed,
wrong-audience or wrong-issuer tokens are 401 with a JSON error; another customer's order, cart or
recommendations are 404, exactly like ones that do not exist."""

from __future__ import annotations

import base64
import json
import time

import httpx
import pytest
from mangum import Mangum

from app.api import create_app
from app.auth import issue_token, new_key_pair
from app.settings import AuthConfig, Settings, SettingsError
from tests.app.apphelpers import AUDIENCE, ISSUER, PRIVATE_KEY, LiveServer, bearer, make_settings, token_for
from tests.app.test_app_api import in_stock_sku


@pytest.fixture
def raw(live):
    """A client that sends exactly the headers a test gives it (no automatic token)."""
    with httpx.Client(base_url=live, timeout=30) as c:
        yield c


def unauthorized(resp: httpx.Response) -> str:
    assert resp.status_code == 401, resp.text
    assert resp.headers["WWW-Authenticate"] == 'Bearer realm="ecomart"'
    body = resp.json()
    assert body["error"]["code"] == "unauthorized" and "Traceback" not in resp.text
    return body["error"]["message"]


OTHER_PRIVATE, _ = new_key_pair()
NOW = int(time.time())


def _with_alg(alg: str) -> str:
    """The issuer's valid token under a header that names ``alg``."""
    _, body, sig = issue_token(PRIVATE_KEY, issuer=ISSUER, audience=AUDIENCE, customer_id=1).split(".")
    header = base64.urlsafe_b64encode(json.dumps({"alg": alg, "typ": "JWT"}).encode()).rstrip(b"=").decode()
    return f"{header}.{body}.{sig}"


@pytest.mark.parametrize(
    "headers,message",
    [
        ({}, "Authorization header missing"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "is not 'Bearer <token>'"),
        ({"Authorization": "Bearer not.a.jwt"}, "token is not valid"),
        (
            {
                "Authorization": "Bearer "
                + issue_token(
                    PRIVATE_KEY, issuer=ISSUER, audience=AUDIENCE, customer_id=1, now=NOW - 7200, lifetime_seconds=3600
                )
            },
            "token expired",
        ),
        (
            {"Authorization": "Bearer " + issue_token(OTHER_PRIVATE, issuer=ISSUER, audience=AUDIENCE, customer_id=1)},
            "token signature does not verify",
        ),
        (
            {
                "Authorization": "Bearer "
                + issue_token(PRIVATE_KEY, issuer=ISSUER, audience="someone-else", customer_id=1)
            },
            "token audience is not this API",
        ),
        (
            {
                "Authorization": "Bearer "
                + issue_token(PRIVATE_KEY, issuer="https://evil.example", audience=AUDIENCE, customer_id=1)
            },
            "token issuer is not trusted",
        ),
        (
            {
                "Authorization": "Bearer "
                + issue_token(PRIVATE_KEY, issuer=ISSUER, audience=AUDIENCE, customer_id=1, claim="custom:other")
            },
            "token has no customer",
        ),
        # a header naming an algorithm the RSA key cannot serve: PyJWT's InvalidKeyError was a 500 with a traceback
        ({"Authorization": "Bearer " + _with_alg("ES256")}, "token algorithm"),
        ({"Authorization": "Bearer " + _with_alg("HS256")}, "token algorithm"),
        (
            {
                "Authorization": "Bearer "
                + issue_token(PRIVATE_KEY, issuer=ISSUER, audience=AUDIENCE, customer_id=1, lifetime_seconds=10**9)
            },
            "token lifetime",
        ),
    ],
)
def test_customer_routes_refuse_bad_tokens_with_401(raw, seeded, headers, message):
    for method, path in (
        ("GET", "/carts/cart-0001"),
        ("POST", "/carts/cart-0001/items"),
        ("POST", "/orders"),
        ("GET", "/orders/o_" + "a" * 26),
        ("GET", "/orders/queued/q_" + "0" * 32),
        ("GET", "/customers/1/recommendations"),
    ):
        body = (
            {"items": [{"sku": "X-1", "quantity": 1}]}
            if path == "/orders"
            else ({"sku": "X-1", "quantity": 1} if method == "POST" else None)
        )
        resp = raw.request(method, path, headers={**headers, "Idempotency-Key": "auth-test-0001"}, json=body)
        assert message in unauthorized(resp), (method, path)


def test_catalog_and_health_are_public(raw, seeded):
    assert raw.get("/health").status_code == 200
    assert raw.get("/products", params={"limit": 1}).status_code == 200
    assert raw.get("/products/p-00001").status_code == 200


def test_own_cart_and_order_are_yours_and_nobody_elses(raw, seeded, dsn):
    a, b = seeded.customers[0], seeded.customers[1]
    sku = in_stock_sku(dsn)
    assert (
        raw.post("/carts/cart-shared-1/items", json={"sku": sku, "quantity": 2}, headers=bearer(a)).status_code == 201
    )
    assert raw.get("/carts/cart-shared-1", headers=bearer(a)).json()["items"][0]["quantity"] == 2
    other = raw.get("/carts/cart-shared-1", headers=bearer(b))
    assert other.status_code == 404 and other.json()["error"]["resource"] == "cart"

    placed = raw.post(
        "/orders",
        json={"items": [{"sku": sku, "quantity": 1}]},
        headers={**bearer(a), "Idempotency-Key": "auth-own-order-1"},
    )
    assert placed.status_code == 201 and placed.json()["customer_id"] == a
    order_id = placed.json()["id"]
    assert raw.get(f"/orders/{order_id}", headers=bearer(a)).status_code == 200
    theirs = raw.get(f"/orders/{order_id}", headers=bearer(b))
    missing = raw.get("/orders/o_" + "a" * 26, headers=bearer(b))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["error"].keys() == missing.json()["error"].keys()  # nothing tells the two apart
    assert raw.get(f"/customers/{b}/recommendations", headers=bearer(a)).status_code == 404
    assert raw.get(f"/customers/{a}/recommendations", headers=bearer(a)).status_code == 200


def test_body_cannot_order_for_someone_else(raw, seeded, dsn):
    a, b = seeded.customers[0], seeded.customers[1]
    resp = raw.post(
        "/orders",
        json={"customer_id": b, "items": [{"sku": in_stock_sku(dsn), "quantity": 1}]},
        headers={**bearer(a), "Idempotency-Key": "auth-body-other-1"},
    )
    assert resp.status_code == 422 and resp.json()["error"]["field"] == "customer_id"
    with raw.stream("GET", "/openapi.json") as r:
        spec = json.loads(r.read())
    assert "HTTPBearer" in spec["components"]["securitySchemes"]


def test_unconfigured_auth_fails_closed(dsn, redis_url, mongo, seeded):
    from app.services import Services

    svc = Services.build(make_settings(dsn, redis_url, auth=None), mongo=mongo)
    try:
        with LiveServer(create_app(svc)) as server, httpx.Client(base_url=server.url) as c:
            assert "not configured" in unauthorized(c.get("/carts/cart-0001", headers=bearer(1)))
            assert c.get("/products", params={"limit": 1}).status_code == 200
    finally:
        svc.close()


def _event(path, claims=None, headers=None):
    ctx = {
        "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "t"},
        "stage": "$default",
        "requestId": "r1",
        "accountId": "123456789012",
        "apiId": "x",
        "domainName": "example",
        "domainPrefix": "example",
        "time": "",
        "timeEpoch": 0,
    }
    if claims is not None:
        ctx["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "example.execute-api.us-east-1.amazonaws.com", **(headers or {})},
        "requestContext": ctx,
        "isBase64Encoded": False,
    }


def test_gateway_mode_trusts_only_the_authorizers_claims(dsn, redis_url, mongo, seeded):
    from app.services import Services

    cfg = AuthConfig(mode="gateway", issuer=ISSUER, audience=AUDIENCE)
    svc = Services.build(make_settings(dsn, redis_url, auth=cfg), mongo=mongo)
    try:
        handler = Mangum(create_app(svc), lifespan="off")
        a, b = seeded.customers[0], seeded.customers[1]
        # API Gateway passes the verified claims as strings
        claims = {"sub": "u1", "iat": str(NOW), "exp": str(NOW + 3600), "custom:customer_id": str(a)}
        ok = handler(_event(f"/customers/{a}/recommendations", claims), None)
        assert ok["statusCode"] == 200
        other = handler(_event(f"/customers/{b}/recommendations", claims), None)
        assert other["statusCode"] == 404
        # no authorizer context: a bearer header alone is not trusted in gateway mode, even a valid one
        forged = handler(_event(f"/customers/{a}/recommendations", None, bearer(a)), None)
        assert forged["statusCode"] == 401
        assert "no claims verified by API Gateway" in json.loads(forged["body"])["error"]["message"]
        # claims without an expiry are refused behind the gateway too
        endless = handler(
            _event(f"/customers/{a}/recommendations", {k: v for k, v in claims.items() if k != "exp"}), None
        )
        assert endless["statusCode"] == 401 and "lacks the exp claim" in json.loads(endless["body"])["error"]["message"]
    finally:
        svc.close()


@pytest.mark.parametrize(
    "env,message",
    [
        ({"AUTH_ISSUER": "https://i", "AUTH_AUDIENCE": "a", "AUTH_MODE": "open"}, "AUTH_MODE='open' is not allowed"),
        ({"AUTH_ISSUER": "https://i"}, "AUTH_AUDIENCE is required"),
        ({"AUTH_ISSUER": "https://i", "AUTH_AUDIENCE": "a"}, "needs AUTH_JWKS_URL"),
        (
            {"AUTH_ISSUER": "https://i", "AUTH_AUDIENCE": "a", "AUTH_PUBLIC_KEY_FILE": "/nonexistent.pem"},
            "AUTH_PUBLIC_KEY_FILE='/nonexistent.pem': cannot read",
        ),
    ],
)
def test_bad_auth_settings_name_the_variable(env, message):
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env(env)


def test_gateway_mode_needs_no_key(tmp_path):
    s = Settings.from_env(
        {
            "AUTH_ISSUER": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc",
            "AUTH_AUDIENCE": "client123",
            "AUTH_MODE": "gateway",
        }
    )
    assert s.auth.mode == "gateway" and s.auth.customer_claim == "custom:customer_id"
    assert token_for(1).count(".") == 2
