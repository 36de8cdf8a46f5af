"""IAM auth tokens with fixed credentials and clock, each re-derived here from AWS's documented SigV4 query-signing
algorithm (not from botocore), the ElastiCache provider's refresh, the psycopg factory against the real
PostgreSQL, and the Atlas MONGODB-AWS connection string."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from unittest import mock
from urllib.parse import parse_qsl, quote, urlsplit

import boto3
import pytest
from botocore.credentials import Credentials

from app.iam_auth import (
    REFRESH_AFTER_SECONDS,
    ElastiCacheIamProvider,
    atlas_uri,
    elasticache_token,
    iam_connection_class,
    rds_token,
)

AKID, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
NOW = dt.datetime(2026, 12, 1, 10, 30, 15)
FIXED = mock.patch("botocore.auth.get_current_datetime", return_value=NOW)


def _sign(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def sigv4_query_signature(
    host: str, query: list[tuple[str, str]], service: str, region: str, when: dt.datetime, secret: str = SECRET
) -> str:
    """AWS Signature Version 4, query-string signing of GET / (the documented steps, written out)."""
    canonical_query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(query))
    canonical = "\n".join(["GET", "/", canonical_query, f"host:{host}\n", "host", hashlib.sha256(b"").hexdigest()])
    stamp, day = when.strftime("%Y%m%dT%H%M%SZ"), when.strftime("%Y%m%d")
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _sign(_sign(_sign(_sign(f"AWS4{secret}".encode(), day), region), service), "aws4_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def check_token(token: str, host: str, service: str, region: str, expected: dict) -> None:
    assert "://" not in token
    parts = urlsplit("//" + token)
    assert parts.netloc == host and parts.path == "/"
    query = parse_qsl(parts.query, keep_blank_values=True)
    params = dict(query)
    for k, v in expected.items():
        assert params[k] == v
    assert params["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert params["X-Amz-Credential"] == f"{AKID}/20261201/{region}/{service}/aws4_request"
    assert params["X-Amz-Date"] == "20261201T103015Z" and params["X-Amz-Expires"] == "900"
    assert params["X-Amz-SignedHeaders"] == "host"
    unsigned = [(k, v) for k, v in query if k != "X-Amz-Signature"]
    assert params["X-Amz-Signature"] == sigv4_query_signature(host, unsigned, service, region, NOW)


def test_rds_token_is_the_documented_presigned_connect():
    session = boto3.session.Session(aws_access_key_id=AKID, aws_secret_access_key=SECRET, region_name="us-east-1")
    with FIXED:
        token = rds_token("proxy.proxy-abc.us-east-1.rds.amazonaws.com", 5432, "ecomart_app", "us-east-1", session)
    check_token(
        token,
        "proxy.proxy-abc.us-east-1.rds.amazonaws.com:5432",
        "rds-db",
        "us-east-1",
        {"Action": "connect", "DBUser": "ecomart_app"},
    )


def test_elasticache_token_is_the_documented_presigned_connect():
    with FIXED:
        token = elasticache_token("ecomart-prod-cache", "ecomart-prod-app", "us-east-1", Credentials(AKID, SECRET))
    check_token(
        token, "ecomart-prod-cache", "elasticache", "us-east-1", {"Action": "connect", "User": "ecomart-prod-app"}
    )
    assert "ResourceType" not in token
    with FIXED:
        serverless = elasticache_token("c", "u", "eu-west-1", Credentials(AKID, SECRET), serverless=True)
    check_token(serverless, "c", "elasticache", "eu-west-1", {"ResourceType": "ServerlessCache"})


def test_a_session_token_is_signed_in(monkeypatch):
    with FIXED:
        token = elasticache_token("g", "u", "us-east-1", Credentials(AKID, SECRET, "SESSIONTOKEN/+="))
    assert dict(parse_qsl(urlsplit("//" + token).query))["X-Amz-Security-Token"] == "SESSIONTOKEN/+="


def test_elasticache_provider_re_signs_before_the_15_minutes_run_out():
    t = [1000.0]
    session = boto3.session.Session(aws_access_key_id=AKID, aws_secret_access_key=SECRET, region_name="us-east-1")
    provider = ElastiCacheIamProvider(
        "ecomart-prod-cache", "ecomart-prod-app", "us-east-1", session, clock=lambda: t[0]
    )
    user, first = provider.get_credentials()
    assert user == "ecomart-prod-app" and provider.signed == 1
    t[0] += REFRESH_AFTER_SECONDS - 1
    assert provider.get_credentials()[1] == first and provider.signed == 1
    t[0] += 1
    provider.get_credentials()
    assert provider.signed == 2 and REFRESH_AFTER_SECONDS < 900


def test_every_new_pooled_connection_gets_a_fresh_token(pg_server, dsn):
    from psycopg_pool import ConnectionPool

    issued = []

    def token(host, port, user, region, session):
        issued.append((host, port, user, region))
        return f"token-{len(issued)}"

    parts = urlsplit(dsn)
    cls = iam_connection_class(parts.hostname, parts.port, "postgres", "us-east-1", token=token)
    pool = ConnectionPool(
        f"dbname={parts.path.lstrip('/')} sslmode=disable",
        connection_class=cls,
        min_size=2,
        max_size=3,
        open=True,
        timeout=10,
    )
    try:
        pool.wait(10)
        with pool.connection() as c1, pool.connection() as c2, pool.connection() as c3:
            assert c1.execute("SELECT 1").fetchone()[0] == 1 and c2 and c3
        assert len(issued) == 3 and set(issued) == {(parts.hostname, parts.port, "postgres", "us-east-1")}
    finally:
        pool.close()


def test_tls_is_required_unless_the_conninfo_says_otherwise(monkeypatch):
    import psycopg

    seen = {}
    monkeypatch.setattr(psycopg.Connection, "connect", classmethod(lambda cls, conninfo="", **kw: seen.update(kw)))
    monkeypatch.delenv("PGSSLROOTCERT", raising=False)
    iam_connection_class("h", 5432, "u", "us-east-1", token=lambda *a: "t").connect("dbname=x")
    assert seen["sslmode"] == "require" and seen["password"] == "t"
    monkeypatch.setenv("PGSSLROOTCERT", "/etc/ssl/rds-global-bundle.pem")
    iam_connection_class("h", 5432, "u", "us-east-1", token=lambda *a: "t").connect("dbname=x")
    assert seen["sslmode"] == "verify-full"


def test_atlas_uri_uses_mongodb_aws_and_refuses_credentials():
    uri = atlas_uri("mongodb+srv://ecomart-prod-catalog-pl-0.abcde.mongodb.net", "catalog")
    assert uri == (
        "mongodb+srv://ecomart-prod-catalog-pl-0.abcde.mongodb.net/catalog?authMechanism=MONGODB-AWS"
        "&authSource=%24external&retryWrites=true&w=majority"
    )
    from pymongo.uri_parser import parse_uri

    parsed = parse_uri(uri.replace("mongodb+srv://", "mongodb://").replace(".net/", ".net:27017/"))
    assert parsed["options"]["authMechanism"] == "MONGODB-AWS" and parsed["options"]["authSource"] == "$external"
    with pytest.raises(ValueError, match="must not carry credentials"):
        atlas_uri("mongodb+srv://user:pw@host.mongodb.net")


def test_services_sign_every_pg_connection_when_pg_iam_user_is_set(dsn, redis_url, mongo, seeded, monkeypatch):
    import app.iam_auth
    from app.orders import OrderLine
    from app.services import Services
    from tests.app.apphelpers import make_settings
    from tests.app.test_app_api import in_stock_sku

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AKID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    signed = []
    real = app.iam_auth.rds_token

    def spy(host, port, user, region, session=None):
        token = real(host, port, user, region, session)
        signed.append((host, port, user, region, token))
        return token

    monkeypatch.setattr(app.iam_auth, "rds_token", spy)
    host = urlsplit(dsn).hostname
    svc = Services.build(
        make_settings(dsn + "?sslmode=disable", redis_url, pg_iam_user="postgres", aws_region="us-east-1"), mongo=mongo
    )
    try:
        order, created = svc.require_orders().place_order(
            seeded.customers[0], [OrderLine(in_stock_sku(dsn), 1)], "iam-order-0001"
        )
        assert created and order["id"] > 0
    finally:
        svc.close()
    assert signed and {s[:4] for s in signed} == {(host, urlsplit(dsn).port, "postgres", "us-east-1")}
    assert all("Action=connect" in s[4] and "DBUser=postgres" in s[4] for s in signed)


def test_services_use_the_elasticache_iam_client_with_tls(monkeypatch):
    from app.iam_auth import ElastiCacheIamProvider
    from app.services import redis_client
    from app.settings import Settings

    client = redis_client(
        Settings(
            redis_url="rediss://clustercfg.ecomart-prod-cache.abc.cache.amazonaws.com:6379",
            redis_iam_user="ecomart-prod-app",
            redis_cache_name="ecomart-prod-cache",
            aws_region="us-east-1",
        )
    )
    kw = client.connection_pool.connection_kwargs
    assert isinstance(kw["credential_provider"], ElastiCacheIamProvider)
    assert kw["credential_provider"].cache_name == "ecomart-prod-cache" and kw["ssl_cert_reqs"] == "required"
    assert client.connection_pool.connection_class.__name__ == "SSLConnection"


@pytest.mark.parametrize(
    "env,message",
    [
        ({"REDIS_IAM_USER": "u"}, "REDIS_IAM_USER needs REDIS_CACHE_NAME"),
        ({"PG_IAM_USER": "u"}, "need AWS_REGION"),
    ],
)
def test_iam_settings_are_checked_together(env, message):
    from app.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)
