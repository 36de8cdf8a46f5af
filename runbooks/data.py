"""SQL through the runbook context: reads always made, changes only with --execute, both in the evidence."""

from __future__ import annotations

import os
from typing import Any

from runbooks.core import Context, Pending, RunbookError


def database_url(ctx: Context) -> str:
    url = ctx.extra.get("database_url") or os.environ.get("DATABASE_URL")
    if not url:
        raise RunbookError(
            "DATABASE_URL is not set: the PostgreSQL writer to work on (postgresql://user@host:port/db,"
            " IAM token as password)"
        )
    return url


def connection(ctx: Context) -> Any:
    """One autocommit connection for the run: each change is its own transaction, so an interruption leaves every
    batch either done or not (the re-run counts again and carries on)."""
    conn = ctx.extra.get("_pg")
    if conn is None:
        import psycopg
        from psycopg.rows import dict_row

        try:
            conn = psycopg.connect(database_url(ctx), autocommit=True, row_factory=dict_row, connect_timeout=10)
        except psycopg.OperationalError as e:
            raise RunbookError(f"cannot connect to PostgreSQL: {str(e).strip().splitlines()[-1]}") from None
        ctx.extra["_pg"] = conn
    return conn


def sql_read(ctx: Context, sql: str, params: tuple | None = None) -> list[dict]:
    ctx.record_call("read", "postgres", "SQL", "database", {"sql": " ".join(sql.split()), "params": params or ()})
    return connection(ctx).execute(sql, params).fetchall()


def sql_change(ctx: Context, sql: str, params: tuple | None = None) -> Any:
    ctx.record_call(
        "call" if ctx.execute else "would",
        "postgres",
        "SQL",
        "database",
        {"sql": " ".join(sql.split()), "params": params or ()},
    )
    if not ctx.execute:
        return Pending("SQL")
    cur = connection(ctx).execute(sql, params)
    return cur


def close(ctx: Context) -> None:
    conn = ctx.extra.pop("_pg", None)
    if conn is not None:
        conn.close()
