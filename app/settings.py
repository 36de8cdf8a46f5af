"""Configuration from environment variables only (no secrets in code or files).

A leaf: it imports nothing of the app, so every module may read its settings without an import circle.

DATABASE_URL, REDIS_URL and MONGODB_URI carry credentials when a deployment needs them; in AWS they are
injected from Secrets Manager / IAM auth by the deployment, never written here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

LOCKING_VARIANTS = ("pessimistic", "optimistic")
FLAG_CACHE_SECONDS = 5.0  # how long an app instance keeps the read-only flag it read (READ_ONLY_CACHE_SECONDS)
# Customer authentication (app/auth.py verifies with these).
MODES = ("jwt", "gateway")
ALGORITHMS = ("RS256", "ES256")
DEFAULT_CLAIM = "custom:customer_id"
# The back office: a verified token whose groups claim (Cognito's) holds AUTH_STAFF_GROUP.
GROUPS_CLAIM = "cognito:groups"
DEFAULT_STAFF_GROUP = "back-office"
# Longest accepted token life (exp - iat), AUTH_MAX_TOKEN_LIFETIME: a day covers Cognito's longest ID/access token
# (1 h by default, 1 day at most); a token minted for years is refused even when its signature verifies.
MAX_TOKEN_LIFETIME = 24 * 3600


class AuthError(ValueError):
    """Bad authentication settings (a start-up error naming the variable)."""


@dataclass(frozen=True)
class AuthConfig:
    mode: str
    issuer: str
    audience: str
    jwks_url: str | None = None
    public_key_pem: str | None = None
    customer_claim: str = DEFAULT_CLAIM
    staff_group: str = DEFAULT_STAFF_GROUP
    leeway_seconds: int = 30
    max_lifetime_seconds: int = MAX_TOKEN_LIFETIME

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AuthConfig | None:
        """None when AUTH_ISSUER is unset: then every customer route answers 401 (fail closed)."""
        issuer = env.get("AUTH_ISSUER") or ""
        if not issuer:
            return None
        mode = env.get("AUTH_MODE", "jwt") or "jwt"
        if mode not in MODES:
            raise AuthError(f"AUTH_MODE={mode!r} is not allowed (allowed: {', '.join(MODES)})")
        audience = env.get("AUTH_AUDIENCE") or ""
        if not audience:
            raise AuthError("AUTH_AUDIENCE is required with AUTH_ISSUER (the API's client id / audience)")
        jwks, pem_file = env.get("AUTH_JWKS_URL") or None, env.get("AUTH_PUBLIC_KEY_FILE") or None
        pem = None
        if mode == "jwt":
            if not jwks and not pem_file:
                raise AuthError("AUTH_MODE=jwt needs AUTH_JWKS_URL (the issuer's keys) or AUTH_PUBLIC_KEY_FILE")
            if pem_file:
                try:
                    with open(pem_file, encoding="ascii") as f:
                        pem = f.read()
                except OSError as e:
                    raise AuthError(f"AUTH_PUBLIC_KEY_FILE={pem_file!r}: cannot read ({e.strerror})") from None
        return cls(
            mode=mode,
            issuer=issuer,
            audience=audience,
            jwks_url=jwks,
            public_key_pem=pem,
            customer_claim=env.get("AUTH_CUSTOMER_CLAIM", DEFAULT_CLAIM) or DEFAULT_CLAIM,
            staff_group=env.get("AUTH_STAFF_GROUP", DEFAULT_STAFF_GROUP) or DEFAULT_STAFF_GROUP,
            max_lifetime_seconds=_int(env, "AUTH_MAX_TOKEN_LIFETIME", MAX_TOKEN_LIFETIME, 60, 7 * 24 * 3600),
        )


class SettingsError(ValueError):
    """A bad environment variable: the message names the variable, the value and what is allowed."""


def _int(env: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not an integer (allowed: {lo}..{hi})") from None
    if not lo <= value <= hi:
        raise SettingsError(f"{name}={value} is out of range (allowed: {lo}..{hi})")
    return value


def _float(env: Mapping[str, str], name: str, default: float, lo: float, hi: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number (allowed: {lo}..{hi})") from None
    if not lo <= value <= hi:
        raise SettingsError(f"{name}={value} is out of range (allowed: {lo}..{hi})")
    return value


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    redis_url: str | None = None
    mongodb_uri: str | None = None  # None: an in-process mongomock store, announced as not a real MongoDB
    mongodb_db: str = "catalog"  # the Atlas catalog database (infra: atlas.catalogDatabase)
    order_locking: str = "pessimistic"
    pg_pool_min: int = 1
    pg_pool_max: int = 10
    pg_pool_timeout: float = 2.0  # seconds to wait for a connection before answering 503
    store_timeout: float = 0.5  # Redis socket timeouts, MongoDB server selection (x4)
    cache_ttl: int = 300
    cache_jitter: float = 0.1
    cart_ttl: int = 7 * 24 * 3600
    session_ttl: int = 30 * 60
    reco_ttl: int = 600
    relay_in_process: bool = False
    # Orders read-only mode (runbooks/orders-read-only-mode.md): both set, or the mode is not available.
    read_only_parameter: str | None = None  # the stack output ordersReadOnlyParameter
    queued_orders_queue_url: str | None = None  # the stack output queuedOrdersQueueUrl
    read_only_cache_seconds: float = FLAG_CACHE_SECONDS
    aws_region: str | None = None
    auth: AuthConfig | None = None  # None: customer routes answer 401 (fail closed); see app/auth.py
    # IAM auth to the stores (app/iam_auth.py): the database user / ElastiCache user id to sign tokens for.
    pg_iam_user: str | None = None  # every new connection to DATABASE_URL's host gets an RDS token as password
    redis_iam_user: str | None = None  # REDIS_URL's host with TLS and a SigV4 token; needs REDIS_CACHE_NAME
    redis_cache_name: str | None = None  # the replication group id the ElastiCache token is signed for

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        locking = env.get("ORDER_LOCKING", "pessimistic") or "pessimistic"
        if locking not in LOCKING_VARIANTS:
            raise SettingsError(f"ORDER_LOCKING={locking!r} is not allowed (allowed: {', '.join(LOCKING_VARIANTS)})")
        if bool(env.get("ORDERS_READ_ONLY_PARAMETER")) != bool(env.get("QUEUED_ORDERS_QUEUE_URL")):
            raise SettingsError(
                "ORDERS_READ_ONLY_PARAMETER and QUEUED_ORDERS_QUEUE_URL are set together (the "
                "stack outputs ordersReadOnlyParameter and queuedOrdersQueueUrl)"
            )
        if env.get("REDIS_IAM_USER") and not env.get("REDIS_CACHE_NAME"):
            raise SettingsError(
                "REDIS_IAM_USER needs REDIS_CACHE_NAME (the replication group id the token is signed for)"
            )
        if (env.get("PG_IAM_USER") or env.get("REDIS_IAM_USER")) and not (
            env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
        ):
            raise SettingsError("PG_IAM_USER / REDIS_IAM_USER need AWS_REGION (tokens are signed for a region)")
        try:
            auth = AuthConfig.from_env(env)
        except AuthError as e:
            raise SettingsError(str(e)) from None
        for name in ("DATABASE_URL", "REDIS_URL", "MONGODB_URI"):
            value = env.get(name)
            if value and "://" not in value:
                raise SettingsError(f"{name}={value!r} is not a URL (expected scheme://host...)")
        mongodb_uri = env.get("MONGODB_URI") or None
        if mongodb_uri is None and env.get("MONGODB_ATLAS_SRV"):
            from .iam_auth import atlas_uri  # on Lambda: the private endpoint's SRV, MONGODB-AWS as the role

            srv = env["MONGODB_ATLAS_SRV"]
            if not srv.startswith("mongodb+srv://"):
                raise SettingsError(f"MONGODB_ATLAS_SRV={srv!r} is not an SRV connection string (mongodb+srv://...)")
            mongodb_uri = atlas_uri(srv, env.get("MONGODB_DB", "catalog") or "catalog")
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            redis_url=env.get("REDIS_URL") or None,
            mongodb_uri=mongodb_uri,
            mongodb_db=env.get("MONGODB_DB", "catalog") or "catalog",
            order_locking=locking,
            pg_pool_min=_int(env, "PG_POOL_MIN", 1, 0, 100),
            pg_pool_max=_int(env, "PG_POOL_MAX", 10, 1, 200),
            pg_pool_timeout=_float(env, "PG_POOL_TIMEOUT", 2.0, 0.1, 60),
            store_timeout=_float(env, "STORE_TIMEOUT", 0.5, 0.05, 30),
            cache_ttl=_int(env, "CACHE_TTL", 300, 1, 86400),
            cache_jitter=_float(env, "CACHE_TTL_JITTER", 0.1, 0, 0.5),
            cart_ttl=_int(env, "CART_TTL", 7 * 24 * 3600, 1, 90 * 24 * 3600),
            session_ttl=_int(env, "SESSION_TTL", 30 * 60, 1, 7 * 24 * 3600),
            reco_ttl=_int(env, "RECO_TTL", 600, 1, 86400),
            relay_in_process=(env.get("RELAY_IN_PROCESS", "") or "").lower() in ("1", "true", "yes"),
            read_only_parameter=env.get("ORDERS_READ_ONLY_PARAMETER") or None,
            queued_orders_queue_url=env.get("QUEUED_ORDERS_QUEUE_URL") or None,
            read_only_cache_seconds=_float(env, "READ_ONLY_CACHE_SECONDS", FLAG_CACHE_SECONDS, 0, 300),
            aws_region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None,
            auth=auth,
            pg_iam_user=env.get("PG_IAM_USER") or None,
            redis_iam_user=env.get("REDIS_IAM_USER") or None,
            redis_cache_name=env.get("REDIS_CACHE_NAME") or None,
        )
