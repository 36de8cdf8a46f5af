"""Token verification alone (app/auth.py), without a server: every algorithm PyJWT knows, in PEM and JWKS modes,
and the claims the customer is read from. Any token that cannot be verified is ``Unauthorized`` (a 401) — never
another exception, which the app would answer with a 500 and a logged traceback.

The HTTP side (the 401 body, every customer route) is tests/app/test_app_auth.py."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from app.auth import Authenticator, Unauthorized, customer_id_from_claim
from app.settings import MAX_TOKEN_LIFETIME, AuthConfig, Settings
from tests.app.apphelpers import AUDIENCE, ISSUER, PRIVATE_KEY, PUBLIC_KEY

CLAIM = "custom:customer_id"
KID = "test-key-1"


def _pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _public_pem(key) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


EC_KEYS = {
    "ES256": ec.generate_private_key(ec.SECP256R1()),
    "ES256K": ec.generate_private_key(ec.SECP256K1()),
    "ES384": ec.generate_private_key(ec.SECP384R1()),
    "ES512": ec.generate_private_key(ec.SECP521R1()),
    "ES521": ec.generate_private_key(ec.SECP521R1()),
}
OTHER_RSA = _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))
ED25519 = _pem(ed25519.Ed25519PrivateKey.generate())
ED448 = _pem(ed448.Ed448PrivateKey.generate())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(customer="7", **over) -> dict:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": AUDIENCE, "sub": "u-7", "iat": now, "exp": now + 600, CLAIM: customer}
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def forge(alg: str, payload: dict, sign, kid: str | None = KID) -> str:
    """A token assembled by hand: the header says ``alg``, ``sign`` makes the signature of the signing input."""
    header = {"alg": alg, "typ": "JWT", **({"kid": kid} if kid else {})}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    return f"{signing_input}.{_b64(sign(signing_input.encode()))}"


def signed_as(alg: str, payload: dict) -> str:
    """A token honestly signed with ``alg`` by a key of the right family that is not the issuer's."""
    if alg == "none":
        return forge("none", payload, lambda _: b"")
    if alg.startswith("HS"):
        # algorithm confusion: the issuer's *public* PEM used as the HMAC secret
        digest = getattr(hashlib, "sha" + alg[2:])
        return forge(alg, payload, lambda m: hmac.new(PUBLIC_KEY.encode(), m, digest).digest())
    if alg.startswith(("RS", "PS")):
        return jwt.encode(payload, OTHER_RSA, algorithm=alg, headers={"kid": KID})
    if alg in EC_KEYS:
        return jwt.encode(payload, _pem(EC_KEYS[alg]), algorithm=alg, headers={"kid": KID})
    if alg == "EdDSA":
        return jwt.encode(payload, ED25519, algorithm=alg, headers={"kid": KID})
    raise AssertionError(f"no key for {alg}: PyJWT learned an algorithm this test does not know")


def header_lies(alg: str, payload: dict) -> str:
    """The issuer's valid RS256 signature under a header that names ``alg``."""
    good = jwt.encode(payload, PRIVATE_KEY, algorithm="RS256", headers={"kid": KID})
    _, _, sig = good.split(".")
    header = {"alg": alg, "typ": "JWT", "kid": KID}
    body = good.split(".")[1]
    return f"{_b64(json.dumps(header).encode())}.{body}.{sig}"


ALL_ALGORITHMS = sorted(jwt.algorithms.get_default_algorithms())


class _Jwks(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def jwks_url():
    """The issuer's JWKS served over HTTP, as Cognito serves ``/.well-known/jwks.json``."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(serialization.load_pem_public_key(PUBLIC_KEY.encode())))
    _Jwks.body = json.dumps({"keys": [{**jwk, "kid": KID, "alg": "RS256", "use": "sig"}]}).encode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    server.shutdown()


MODES = ["pem", "jwks"]


@pytest.fixture(params=MODES)
def auth(request, jwks_url) -> Authenticator:
    if request.param == "pem":
        return Authenticator(AuthConfig(mode="jwt", issuer=ISSUER, audience=AUDIENCE, public_key_pem=PUBLIC_KEY))
    return Authenticator(AuthConfig(mode="jwt", issuer=ISSUER, audience=AUDIENCE, jwks_url=jwks_url))


def principal(auth: Authenticator, token: str):
    return auth.principal({"authorization": f"Bearer {token}"}, {})


def refused(auth: Authenticator, token: str) -> str:
    with pytest.raises(Unauthorized) as e:
        principal(auth, token)
    return str(e.value)


def test_the_issuers_token_is_accepted(auth):
    token = jwt.encode(claims(), PRIVATE_KEY, algorithm="RS256", headers={"kid": KID})
    assert principal(auth, token).customer_id == 7


@pytest.mark.parametrize("alg", ALL_ALGORITHMS)
def test_a_token_signed_with_any_other_algorithm_or_key_is_401(auth, alg):
    refused(auth, signed_as(alg, claims()))


@pytest.mark.parametrize("alg", [a for a in ALL_ALGORITHMS if a != "RS256"])
def test_a_header_naming_another_algorithm_over_a_valid_signature_is_401(auth, alg):
    # ES256 against the RSA key: PyJWT raised InvalidKeyError, which the app answered with a 500
    refused(auth, header_lies(alg, claims()))


@pytest.mark.parametrize(
    "header", [{}, {"alg": None}, {"alg": ["RS256"]}, {"alg": "rs256"}, {"alg": "RS256", "crit": ["x"]}]
)
def test_malformed_headers_are_401(auth, header):
    good = jwt.encode(claims(), PRIVATE_KEY, algorithm="RS256", headers={"kid": KID})
    _, body, sig = good.split(".")
    refused(auth, f"{_b64(json.dumps({'kid': KID, **header}).encode())}.{body}.{sig}")


def test_an_ec_issuer_key_in_pem_mode_serves_es256():
    key = EC_KEYS["ES256"]
    cfg = AuthConfig(mode="jwt", issuer=ISSUER, audience=AUDIENCE, public_key_pem=_public_pem(key))
    ok = jwt.encode(claims(), _pem(key), algorithm="ES256")
    assert principal(Authenticator(cfg), ok).customer_id == 7
    # and the RSA issuer's token is not accepted by an EC key
    refused(Authenticator(cfg), jwt.encode(claims(), PRIVATE_KEY, algorithm="RS256"))


@pytest.mark.parametrize("missing", ["exp", "iat", "sub"])
def test_a_token_without_a_required_claim_is_401(auth, missing):
    token = jwt.encode(claims(**{missing: None}), PRIVATE_KEY, algorithm="RS256", headers={"kid": KID})
    assert f"lacks the {missing} claim" in refused(auth, token)


def test_token_lifetime_is_bounded(auth):
    now = int(time.time())
    long = claims(iat=now, exp=now + 100 * 365 * 24 * 3600)
    assert "exceeds the 86400 s allowed" in refused(
        auth, jwt.encode(long, PRIVATE_KEY, algorithm="RS256", headers={"kid": KID})
    )
    day = claims(iat=now, exp=now + MAX_TOKEN_LIFETIME)
    assert principal(auth, jwt.encode(day, PRIVATE_KEY, algorithm="RS256", headers={"kid": KID})).customer_id == 7
    over = claims(iat=now, exp=now + MAX_TOKEN_LIFETIME + 1)
    refused(auth, jwt.encode(over, PRIVATE_KEY, algorithm="RS256", headers={"kid": KID}))


def test_the_lifetime_limit_is_a_setting():
    env = {"AUTH_ISSUER": ISSUER, "AUTH_AUDIENCE": AUDIENCE, "AUTH_MODE": "gateway"}
    assert Settings.from_env(env).auth.max_lifetime_seconds == 86400
    assert Settings.from_env({**env, "AUTH_MAX_TOKEN_LIFETIME": "3600"}).auth.max_lifetime_seconds == 3600
    with pytest.raises(ValueError, match=r"AUTH_MAX_TOKEN_LIFETIME=0 is out of range \(allowed: 60..604800\)"):
        Settings.from_env({**env, "AUTH_MAX_TOKEN_LIFETIME": "0"})


@pytest.mark.parametrize(
    "raw",
    [" 2 ", "0_2", "\u0662", "02", "+2", "-2", "0", "2.0", "1e3", "", None, True, 2.0, str(2**63), 2**63, "２", [2]],
)
def test_customer_claim_is_ascii_digits_in_bigint_range(auth, raw):
    assert customer_id_from_claim(raw) is None
    token = jwt.encode(claims(customer=raw), PRIVATE_KEY, algorithm="RS256", headers={"kid": KID})
    assert "token has no customer" in refused(auth, token)


@pytest.mark.parametrize("raw,expected", [("2", 2), (2, 2), (str(2**63 - 1), 2**63 - 1), ("9" * 18, int("9" * 18))])
def test_customer_claim_accepted(raw, expected):
    assert customer_id_from_claim(raw) == expected


def _gateway(claims_: dict):
    auth = Authenticator(AuthConfig(mode="gateway", issuer=ISSUER, audience=AUDIENCE))
    scope = {"aws.event": {"requestContext": {"authorizer": {"jwt": {"claims": claims_}}}}}
    return auth.principal({}, scope)


def test_gateway_claims_arrive_as_strings_and_are_accepted():
    now = int(time.time())
    assert _gateway({"sub": "u", "iat": str(now), "exp": str(now + 3600), CLAIM: "5"}).customer_id == 5


@pytest.mark.parametrize(
    "drop,over,message",
    [
        ("exp", {}, "lacks the exp claim"),
        ("iat", {}, "lacks the iat claim"),
        (None, {"exp": "never"}, "exp is not a time"),
        (None, {"exp": str(10**10)}, "exceeds the 86400 s allowed"),
        (None, {CLAIM: "٢"}, "token has no customer"),
    ],
)
def test_gateway_claims_without_expiry_or_too_long_are_401(drop, over, message):
    now = int(time.time())
    c = {"sub": "u", "iat": str(now), "exp": str(now + 3600), CLAIM: "5", **over}
    c.pop(drop, None)
    with pytest.raises(Unauthorized, match=message):
        _gateway(c)
