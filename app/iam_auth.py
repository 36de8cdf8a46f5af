"""IAM authentication to the three stores: no database password exists anywhere.

- **PostgreSQL (RDS / RDS Proxy)**: every new pooled connection asks for a fresh RDS auth token
  (botocore's ``generate_db_auth_token``: a SigV4-presigned ``connect`` for the ``rds-db`` service, valid 15 min) and
  connects with TLS. The server certificate is verified (``sslmode=verify-full``) against the RDS CA bundle named
  by ``PGSSLROOTCERT``; without a bundle the connection is encrypted but the server is not authenticated
  (``require``) — say which in the deployment.
- **ElastiCache (Valkey/Redis OSS)**: the token AWS documents for ElastiCache IAM auth — a SigV4 query-presigned
  ``GET http://<replication group id>/?Action=connect&User=<user id>`` for the ``elasticache`` service, valid
  15 min, sent without the scheme as the AUTH password with the user id as the user name. redis-py asks
  ``ElastiCacheIamProvider`` for credentials on every new connection; it re-signs before the token is 14 minutes old.
- **Atlas**: pymongo's ``MONGODB-AWS`` mechanism, which takes the role's credentials from the environment (on
  Lambda: the function's role, which the Atlas database user names).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

TOKEN_SECONDS = 900  # both services' tokens are valid 15 minutes
REFRESH_AFTER_SECONDS = 14 * 60


def rds_token(host: str, port: int, user: str, region: str, session: Any = None) -> str:
    """An RDS IAM auth token (botocore's own signer)."""
    import boto3

    client = (session or boto3.session.Session()).client("rds", region_name=region)
    return client.generate_db_auth_token(DBHostname=host, Port=port, DBUsername=user, Region=region)


def iam_connection_class(
    host: str, port: int, user: str, region: str, session: Any = None, token: Callable[..., str] | None = None
) -> type:
    """A psycopg Connection class whose ``connect`` puts a fresh token in for every new connection (the pool calls
    it whenever it opens one), with TLS; pass it as ``ConnectionPool(connection_class=...)``."""
    import os

    import psycopg

    class IamConnection(psycopg.Connection):
        @classmethod
        def connect(cls, conninfo: str = "", **kwargs: Any):  # type: ignore[override]
            sign = token or rds_token  # looked up per connection (tests replace the module's rds_token)
            kwargs.update(host=host, port=port, user=user, password=sign(host, port, user, region, session))
            if "sslmode" not in conninfo and "sslmode" not in kwargs:
                kwargs["sslmode"] = "verify-full" if os.environ.get("PGSSLROOTCERT") else "require"
            return super().connect(conninfo, **kwargs)

    return IamConnection


def elasticache_token(cache_name: str, user_id: str, region: str, credentials: Any, serverless: bool = False) -> str:
    """The ElastiCache IAM auth token for ``user_id`` on ``cache_name`` (a replication group id)."""
    from botocore.auth import SigV4QueryAuth
    from botocore.awsrequest import AWSRequest

    params = {"Action": "connect", "User": user_id}
    if serverless:
        params["ResourceType"] = "ServerlessCache"
    request = AWSRequest(method="GET", url=f"http://{cache_name}/", params=params)
    SigV4QueryAuth(credentials, "elasticache", region, expires=TOKEN_SECONDS).add_auth(request)
    return request.url.removeprefix("http://")


class ElastiCacheIamProvider:
    """redis-py credential provider: (user id, token), re-signed before the token's 15 minutes run out."""

    def __init__(
        self,
        cache_name: str,
        user_id: str,
        region: str,
        session: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import boto3

        self.cache_name, self.user_id, self.region = cache_name, user_id, region
        self.session = session or boto3.session.Session()
        self.clock = clock
        self._token: str | None = None
        self._at = 0.0
        self._lock = threading.Lock()
        self.signed = 0

    def get_credentials(self) -> tuple[str, str]:
        with self._lock:
            if self._token is None or self.clock() - self._at >= REFRESH_AFTER_SECONDS:
                creds = self.session.get_credentials()
                if creds is None:
                    raise RuntimeError("no AWS credentials for ElastiCache IAM auth (the function's role?)")
                self._token = elasticache_token(
                    self.cache_name, self.user_id, self.region, creds.get_frozen_credentials()
                )
                self._at = self.clock()
                self.signed += 1
            return self.user_id, self._token


def elasticache_client(
    host: str, port: int, cache_name: str, user_id: str, region: str, *, timeout: float = 0.5, session: Any = None
) -> Any:
    """A redis-py client with IAM auth and TLS (ElastiCache requires TLS for IAM), failing fast like the app's."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis(
        host=host,
        port=port,
        ssl=True,
        ssl_cert_reqs="required",
        credential_provider=ElastiCacheIamProvider(cache_name, user_id, region, session),
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        decode_responses=True,
        client_name="ecomart-app",
    )


def atlas_uri(private_srv: str, database: str = "catalog") -> str:
    """The Atlas connection string for MONGODB-AWS from the private endpoint's SRV string (stack output
    atlasPrivateConnectionString): credentials come from the role, never from the URI."""
    host = private_srv.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0]
    if "@" in host:
        raise ValueError("the Atlas connection string must not carry credentials (IAM auth takes the role's)")
    return (
        f"mongodb+srv://{host}/{quote(database)}?authMechanism=MONGODB-AWS&authSource=%24external"
        "&retryWrites=true&w=majority"
    )
