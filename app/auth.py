"""Who is calling: the customer comes from a verified token, never from the body or the path.

Two modes (``AUTH_MODE``):

- ``jwt`` (local, tests, any host without API Gateway): the app verifies the bearer token itself with PyJWT —
  signature (RS256/ES256, keys from the issuer's JWKS URL or a PEM file), ``exp``/``nbf``/``iat`` with a small
  leeway, issuer and audience.
- ``gateway`` (on Lambda behind the HTTP API): API Gateway's JWT authorizer has verified the token before the
  request reached the function; the app reads the claims from the request context Mangum passes
  (``requestContext.authorizer.jwt.claims``). A request without that context is refused, so the mode cannot be
  tricked into trusting a header.

The customer id is the claim ``AUTH_CUSTOMER_CLAIM`` (default ``custom:customer_id``, a Cognito custom attribute).
The back office's routes take a verified token of the same issuer whose ``cognito:groups`` holds
``AUTH_STAFF_GROUP`` (default ``back-office``): 401 when the token does not verify, 403 when it does but the
caller is not in the group.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import AppError
from .settings import ALGORITHMS, DEFAULT_CLAIM, GROUPS_CLAIM, AuthConfig

# Claims every token must carry in both modes: without ``exp`` a token would be valid forever.
REQUIRED_CLAIMS = ("exp", "iat", "sub")
# A customer id as the database holds it: ASCII digits, no sign, no leading zero, within PostgreSQL's bigint.
_CUSTOMER_ID = re.compile(r"[1-9][0-9]{0,18}")
_BIGINT_MAX = 2**63 - 1


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"


class Forbidden(AppError):
    status = 403
    code = "forbidden"


@dataclass(frozen=True)
class Principal:
    customer_id: int
    subject: str


@dataclass(frozen=True)
class Staff:
    """A member of the back-office group (no customer of their own)."""

    subject: str
    groups: frozenset[str]


class Authenticator:
    def __init__(self, config: AuthConfig | None) -> None:
        self.config = config
        self._jwks = None
        if config is not None and config.mode == "jwt" and config.jwks_url:
            import jwt

            self._jwks = jwt.PyJWKClient(config.jwks_url, cache_keys=True, lifespan=300, timeout=5)

    def principal(self, headers: Mapping[str, str], scope: Mapping[str, Any]) -> Principal:
        claims, cfg = self._claims(headers, scope)
        return _principal(claims, cfg)

    def staff(self, headers: Mapping[str, str], scope: Mapping[str, Any]) -> Staff:
        """The back-office caller: 401 unless the token verifies, 403 unless it names the staff group."""
        claims, cfg = self._claims(headers, scope)
        _check_lifetime(claims, cfg)
        groups = groups_from_claim(claims.get(GROUPS_CLAIM))
        if cfg.staff_group not in groups:
            raise Forbidden(f"the back office needs membership of the {cfg.staff_group!r} group (claim {GROUPS_CLAIM})")
        return Staff(subject=str(claims.get("sub", "")), groups=groups)

    def _claims(self, headers: Mapping[str, str], scope: Mapping[str, Any]) -> tuple[Mapping[str, Any], AuthConfig]:
        cfg = self.config
        if cfg is None:
            raise Unauthorized("authentication is not configured on this server (AUTH_ISSUER)")
        if cfg.mode == "gateway":
            claims = _gateway_claims(scope)
            if claims is None:
                raise Unauthorized("no claims verified by API Gateway in the request context")
            return claims, cfg
        return self._verify(_bearer(headers), cfg), cfg

    def _verify(self, token: str, cfg: AuthConfig) -> dict:
        """The token's claims, or 401: any token that cannot be verified is refused, whatever part of it fails.

        The header's ``alg`` is checked against the algorithms the key can serve before the key is used: PyJWT
        raises ``InvalidKeyError`` (not an ``InvalidTokenError``) when a token names an algorithm of another key
        family, e.g. ``ES256`` against an RSA key, and ``jwt.PyJWTError`` is the base of both."""
        import jwt

        try:
            alg = jwt.get_unverified_header(token).get("alg")
            if alg not in ALGORITHMS:
                raise Unauthorized(
                    f"token algorithm {str(alg)[:16]!r} is not accepted (allowed: {', '.join(ALGORITHMS)})"
                )
            if self._jwks:
                signing = self._jwks.get_signing_key_from_jwt(token)
                if signing.algorithm_name not in (None, alg):
                    raise Unauthorized(f"token algorithm {alg!r} is not the algorithm of its signing key")
                key: Any = signing.key
            else:
                key = cfg.public_key_pem
            return jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=cfg.audience,
                issuer=cfg.issuer,
                leeway=cfg.leeway_seconds,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("token expired") from None
        except jwt.InvalidAudienceError:
            raise Unauthorized("token audience is not this API") from None
        except jwt.InvalidIssuerError:
            raise Unauthorized("token issuer is not trusted") from None
        except jwt.InvalidSignatureError:
            raise Unauthorized("token signature does not verify") from None
        except jwt.MissingRequiredClaimError as e:
            raise Unauthorized(f"token lacks the {e.claim} claim") from None
        except jwt.PyJWKClientError:
            raise Unauthorized("token signing key is not one of the issuer's") from None
        except jwt.InvalidKeyError:
            raise Unauthorized("token algorithm does not match the issuer's key") from None
        except (jwt.PyJWTError, ValueError, TypeError) as e:
            # ValueError/TypeError: the cryptography library refusing a malformed key or signature
            raise Unauthorized(f"token is not valid ({e.__class__.__name__})") from None


def _bearer(headers: Mapping[str, str]) -> str:
    value = headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    if not value:
        raise Unauthorized("Authorization header missing: send 'Authorization: Bearer <token>'")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization header is not 'Bearer <token>'")
    return token.strip()


def _gateway_claims(scope: Mapping[str, Any]) -> dict | None:
    event = scope.get("aws.event") or {}
    ctx = event.get("requestContext", {}) if isinstance(event, dict) else {}
    claims = ((ctx.get("authorizer") or {}).get("jwt") or {}).get("claims")
    return claims if isinstance(claims, dict) else None


def _principal(claims: Mapping[str, Any], cfg: AuthConfig) -> Principal:
    _check_lifetime(claims, cfg)
    customer = customer_id_from_claim(claims.get(cfg.customer_claim))
    if customer is None:
        raise Unauthorized(f"token has no customer (claim {cfg.customer_claim!r})")
    return Principal(customer_id=customer, subject=str(claims.get("sub", "")))


def groups_from_claim(raw: Any) -> frozenset[str]:
    """The groups a claim names: a JSON list (a token the app verifies), or the string API Gateway's JWT authorizer
    passes for a list claim (``"[back-office sellers]"``)."""
    if isinstance(raw, list):
        return frozenset(g for g in raw if isinstance(g, str) and g)
    if isinstance(raw, str):
        return frozenset(g for g in re.split(r"[\s,]+", raw.strip().strip("[]")) if g)
    return frozenset()


def customer_id_from_claim(raw: Any) -> int | None:
    """The customer id a claim names, or None: a JSON integer or a string of ASCII digits, 1..2^63-1.

    ``int(str(raw))`` would also take ``" 2 "``, ``"0_2"`` and ``"٢"`` (Arabic-Indic two) as customer 2, and a
    number beyond bigint would reach the database as ``numeric``."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.isascii() and _CUSTOMER_ID.fullmatch(raw):
        value = int(raw)
    else:
        return None
    return value if 0 < value <= _BIGINT_MAX else None


def _check_lifetime(claims: Mapping[str, Any], cfg: AuthConfig) -> None:
    """``exp`` and ``iat`` present (also behind API Gateway, which passes claims as strings) and at most
    ``max_lifetime_seconds`` apart: a token minted for years is refused even when its signature verifies."""
    times = {}
    for name in ("exp", "iat"):
        raw = claims.get(name)
        try:
            times[name] = int(raw) if isinstance(raw, int) and not isinstance(raw, bool) else int(str(raw).strip())
        except (TypeError, ValueError):
            raise Unauthorized(
                f"token lacks the {name} claim" if raw is None else f"token {name} is not a time"
            ) from None
    lifetime = times["exp"] - times["iat"]
    if lifetime > cfg.max_lifetime_seconds:
        raise Unauthorized(
            f"token lifetime {lifetime} s exceeds the {cfg.max_lifetime_seconds} s allowed (AUTH_MAX_TOKEN_LIFETIME)"
        )


def issue_token(
    private_key_pem: str,
    *,
    issuer: str,
    audience: str,
    customer_id: int | None,
    subject: str | None = None,
    lifetime_seconds: int = 3600,
    now: int | None = None,
    claim: str = DEFAULT_CLAIM,
    kid: str | None = None,
    groups: list[str] | None = None,
) -> str:
    """A token like the issuer's (the local issuer of ``make app`` and the tests); ``customer_id=None`` and
    ``groups`` for a back-office member's."""
    import time

    import jwt

    iat = int(time.time()) if now is None else now
    payload = {
        "iss": issuer,
        "aud": audience,
        "sub": subject or f"customer-{customer_id}",
        "iat": iat,
        "exp": iat + lifetime_seconds,
        "token_use": "id",
    }
    if customer_id is not None:
        payload[claim] = str(customer_id)
    if groups is not None:
        payload[GROUPS_CLAIM] = list(groups)
    return jwt.encode(payload, private_key_pem, algorithm="RS256", headers={"kid": kid} if kid else None)


def new_key_pair() -> tuple[str, str]:
    """(private PEM, public PEM) of a throwaway RSA-2048 key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public
