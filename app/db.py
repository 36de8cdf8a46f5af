"""PostgreSQL access: connection pool, versioned migrations (yoyo), order partitions kept ahead.

Migrations are plain SQL files in app/migrations applied by yoyo-migrations through its psycopg 3 backend
(``postgresql+psycopg://``), which records them in its own tables and serialises concurrent runs with a lock.
Apply them with ``python -m workers migrate`` (or ``yoyo apply --database postgresql+psycopg://... app/migrations``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool, PoolTimeout

from platform_rules import RETENTION

from .errors import StoreUnavailable

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
PARTITION_MONTHS_AHEAD = RETENTION.partition_months_ahead  # platform_rules: one rule, one place

# Errors that mean "PostgreSQL is not reachable / went away", as opposed to a bug or a constraint violation.
UNAVAILABLE_ERRORS = (
    psycopg.OperationalError,
    psycopg.errors.AdminShutdown,
    psycopg.errors.CannotConnectNow,
    PoolTimeout,
)


def yoyo_url(dsn: str) -> str:
    """The DSN in yoyo's form: scheme ``postgresql+psycopg`` selects its psycopg 3 backend."""
    parts = urlsplit(dsn)
    if parts.scheme not in ("postgres", "postgresql", "postgresql+psycopg"):
        raise ValueError(f"DATABASE_URL scheme {parts.scheme!r} is not PostgreSQL (expected postgresql://)")
    return urlunsplit(("postgresql+psycopg",) + tuple(parts[1:]))


def migrate(dsn: str, *, rollback_all: bool = False) -> list[str]:
    """Apply pending migrations (or roll all back) and return the ids it applied/rolled back."""
    from yoyo import get_backend, read_migrations

    backend = get_backend(yoyo_url(dsn))
    try:
        migrations = read_migrations(str(MIGRATIONS_DIR))
        with backend.lock():
            if rollback_all:
                todo = backend.to_rollback(migrations)
                backend.rollback_migrations(todo)
            else:
                todo = backend.to_apply(migrations)
                backend.apply_migrations(todo)
        return [m.id for m in todo]
    finally:
        with contextlib.suppress(Exception):
            backend.connection.close()


def ensure_partitions(
    conn: psycopg.Connection, months_ahead: int = PARTITION_MONTHS_AHEAD, today: dt.date | None = None
) -> int:
    """Create monthly order partitions from last month up to ``months_ahead`` months ahead (idempotent)."""
    start = (today or dt.datetime.now(dt.UTC).date()).replace(day=1) - dt.timedelta(days=1)
    with conn.transaction():
        (created,) = conn.execute(
            "SELECT ecomart_ensure_order_partitions(%s, %s)", (start, months_ahead + 1)
        ).fetchone()
    return created


IAM_GRANT_ROLE = "rds_iam"  # RDS's role: its members log in with an IAM token instead of a password


def require_iam_support(conn: psycopg.Connection) -> None:
    if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (IAM_GRANT_ROLE,)).fetchone():
        raise RuntimeError(
            f"role {IAM_GRANT_ROLE} does not exist: this is not an RDS PostgreSQL instance (IAM "
            "authentication needs one)"
        )


def ensure_iam_role(conn: psycopg.Connection, user: str) -> list[str]:
    """Create (idempotently) the login role the app and the relay use through RDS Proxy, authenticated by IAM.

    Run by the migrations function as the master user, after the migrations. The role has no password: on RDS,
    membership of ``rds_iam`` makes it log in with IAM tokens only. It may read and write the app's tables and use
    their sequences (also those later migrations create: default privileges), and nothing else: no DDL, no
    CREATE on the schema, no other database. Returns the statements it ran (for the deploy log).
    """
    require_iam_support(conn)
    who, db_name = sql.Identifier(user), sql.Identifier(conn.info.dbname)
    owner = sql.Identifier(conn.execute("SELECT current_user").fetchone()[0])
    statements = []
    if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (user,)).fetchone():
        statements.append(sql.SQL("CREATE ROLE {} LOGIN").format(who))
    statements += [
        sql.SQL("GRANT {} TO {}").format(sql.Identifier(IAM_GRANT_ROLE), who),
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db_name, who),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(who),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(who),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(who),
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
        ).format(owner, who),
        sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {}").format(
            owner, who
        ),
    ]
    with conn.transaction():
        for stmt in statements:
            conn.execute(stmt)
    return [stmt.as_string(conn) for stmt in statements]


def make_pool(
    dsn: str,
    *,
    min_size: int = 1,
    max_size: int = 10,
    timeout: float = 2.0,
    name: str = "ecomart",
    connection_class: type | None = None,
) -> ConnectionPool:
    """A pool that never blocks start-up on a dead server and gives up on a checkout after ``timeout`` s.

    ``check`` pings a pooled connection before handing it out, so after a PostgreSQL restart the first
    request gets a fresh connection instead of a dead one. Connections are autocommit: every unit of work
    is an explicit ``with conn.transaction():`` block. ``connection_class``: e.g. app.iam_auth's, which puts a
    fresh IAM token in for every new connection.
    """
    extra = {"connection_class": connection_class} if connection_class is not None else {}
    pool = ConnectionPool(
        dsn,
        **extra,
        min_size=min_size,
        max_size=max_size,
        timeout=timeout,
        open=False,
        name=name,
        check=ConnectionPool.check_connection,
        reconnect_timeout=30,
        kwargs={
            "autocommit": True,
            "connect_timeout": max(1, int(timeout)),
            "application_name": name,
            "options": "-c statement_timeout=15000 -c lock_timeout=10000",
        },
    )
    pool.open(wait=False)
    return pool


class Breaker:
    """Fail fast while PostgreSQL is known to be down.

    Closed: calls go through. A "server unreachable" error opens it for ``cooldown`` seconds: calls then get
    StoreUnavailable at once instead of each waiting for a connect or pool timeout (which held API worker
    threads and slowed every other endpoint, catalog reads included). After the cooldown one caller probes with
    a short checkout timeout (half-open); the others keep failing fast until the probe answers. Thread-safe.
    """

    def __init__(self, cooldown: float = 2.0, probe_timeout: float = 0.5) -> None:
        self.cooldown = cooldown
        self.probe_timeout = probe_timeout
        self._open_until: float | None = None
        self._probing = threading.Lock()
        self.trips = 0
        self.fast_failures = 0

    @property
    def is_open(self) -> bool:
        return self._open_until is not None

    def trip(self) -> None:
        self._open_until = time.monotonic() + self.cooldown
        self.trips += 1

    def reset(self) -> None:
        self._open_until = None

    @contextlib.contextmanager
    def guard(self) -> Iterator[float | None]:
        """Yields None (closed: normal timeout) or the probe's timeout; raises StoreUnavailable when open."""
        if self._open_until is None:
            yield None
            return
        if time.monotonic() < self._open_until or not self._probing.acquire(blocking=False):
            self.fast_failures += 1
            raise StoreUnavailable("postgresql")
        try:
            yield self.probe_timeout
        finally:
            self._probing.release()


@contextlib.contextmanager
def connection(pool: ConnectionPool, breaker: Breaker | None = None) -> Iterator[psycopg.Connection]:
    """A pooled connection; any "server unreachable" error becomes StoreUnavailable('postgresql') and, with a
    ``breaker``, opens it so the next callers fail fast."""
    guard = breaker.guard() if breaker is not None else contextlib.nullcontext(None)
    with guard as probe_timeout:
        try:
            with pool.connection(timeout=probe_timeout) if probe_timeout else pool.connection() as conn:
                if breaker is not None and breaker.is_open:
                    breaker.reset()  # the probe got a working connection
                yield conn
        except UNAVAILABLE_ERRORS as exc:
            if not server_unreachable(exc):
                raise  # a deadlock, serialization failure or lock timeout: the server is fine, the caller decides
            if breaker is not None:
                breaker.trip()
            raise StoreUnavailable("postgresql", _short(exc)) from exc


def server_unreachable(exc: BaseException) -> bool:
    """Whether an error means the server cannot be used (connection lost or refused, shutting down, pool
    exhausted) - not one of the OperationalErrors a healthy server raises for one transaction (40001, 40P01
    deadlock, 55P03 lock timeout, 57014 statement timeout)."""
    if isinstance(exc, PoolTimeout):
        return True
    code = getattr(exc, "sqlstate", None)
    return code is None or code.startswith("08") or code in ("57P01", "57P02", "57P03")


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def database_url_from_env() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("DATABASE_URL is not set (expected postgresql://user@host:port/dbname)")
    return url
