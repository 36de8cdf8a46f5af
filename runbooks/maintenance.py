"""PostgreSQL housekeeping: order partitions ahead, old ones detached, outbox and idempotency keys purged."""

from __future__ import annotations

import datetime as _dt
import re

from platform_rules import RETENTION
from runbooks.core import Context, Param, RunbookError, runbook
from runbooks.data import close, sql_change, sql_read

_TS_PARTITION = re.compile(r"^(sales_points|inventory_levels)_y(\d{4})m(\d{2})$")
_PARTITION = re.compile(r"^(orders|order_items)_y(\d{4})m(\d{2})$")


def _months(start: _dt.date, n: int) -> list[_dt.date]:
    out, y, m = [], start.year, start.month
    for _ in range(n + 1):
        out.append(_dt.date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _purge(ctx: Context, what: str, count_sql: str, delete_sql: str, params: tuple, batch: int) -> None:
    (row,) = sql_read(ctx, count_sql, params)
    ctx.measure(f"{what}_to_purge", row["n"], "rows")
    if not ctx.execute:
        sql_change(ctx, delete_sql, (*params, batch))
        ctx.say(f"   would delete {row['n']} rows in batches of {batch}")
        return
    deleted = 0
    while True:
        n = sql_change(ctx, delete_sql, (*params, batch)).rowcount
        deleted += n
        if n < batch:
            break
    ctx.measure(f"{what}_purged", deleted, "rows")


@runbook(
    "postgres-maintenance",
    "PostgreSQL housekeeping",
    "order partitions created ahead, old ones detached past retention, outbox rows and idempotency keys purged",
    params=(
        Param("months-ahead", "monthly partitions kept ready ahead", RETENTION.partition_months_ahead, int),
        Param(
            "retention-months",
            "orders older than this are detached (kept as tables, not dropped)",
            RETENTION.order_months,
            int,
        ),
        Param("outbox-days", "published outbox rows older than this are deleted", RETENTION.outbox_published_days, int),
        Param("idempotency-days", "idempotency keys older than this are deleted", RETENTION.idempotency_key_days, int),
        Param("batch", "rows deleted per statement (short transactions, no long locks)", 5000, int),
    ),
    changes=("postgres:SQL",),
)
def maintenance(ctx: Context) -> None:
    for name in ("months-ahead", "retention-months", "outbox-days", "idempotency-days", "batch"):
        if ctx.params[name] < (1 if name in ("batch", "retention-months") else 0):
            raise RunbookError(f"--{name} {ctx.params[name]}: must be a positive number")
    today = _dt.datetime.fromtimestamp(ctx.clock(), _dt.UTC).date()
    try:
        ahead = ctx.params["months-ahead"]
        with ctx.step(
            f"Order partitions from this month through {ahead} months ahead",
            verify="orders_yYYYYmMM and order_items_yYYYYmMM exist for each of those months",
        ):
            wanted = [
                f"{t}_y{m:%Y}m{m:%m}" for m in _months(today.replace(day=1), ahead) for t in ("orders", "order_items")
            ]
            present = {
                r["n"]
                for r in sql_read(
                    ctx,
                    "SELECT c.relname AS n FROM pg_inherits i JOIN pg_class c "
                    "ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
                    "WHERE p.relname IN ('orders', 'order_items')",
                )
            }
            missing = [w for w in wanted if w not in present]
            ctx.measure("partitions_missing", missing)
            if not missing:
                ctx.skip("every partition exists")
            else:
                sql_change(ctx, "SELECT ecomart_ensure_order_partitions(%s, %s)", (today, ahead))
                if ctx.execute:
                    now_present = {
                        r["n"]
                        for r in sql_read(
                            ctx, "SELECT c.relname AS n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                        )
                    }
                    ctx.check(
                        "every partition now exists",
                        all(w in now_present for w in wanted),
                        ", ".join(w for w in wanted if w not in now_present),
                    )

        months = ctx.params["retention-months"]
        y, m = divmod(today.year * 12 + today.month - 1 - months, 12)
        cutoff = _dt.date(y, m + 1, 1)  # the first of the month `months` before this one
        with ctx.step(
            f"Detach order partitions wholly before {cutoff} ({months} months of retention)",
            verify="detached tables are no longer partitions; payments still referencing them block it",
        ):
            rows = sql_read(
                ctx,
                "SELECT c.relname AS n, p.relname AS parent FROM pg_inherits i "
                "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
                "WHERE p.relname IN ('orders', 'order_items') ORDER BY p.relname DESC, c.relname",
            )
            old = []
            for r in rows:
                match = _PARTITION.match(r["n"])
                if match and _dt.date(int(match.group(2)), int(match.group(3)), 1) < cutoff:
                    old.append((r["parent"], r["n"], _dt.date(int(match.group(2)), int(match.group(3)), 1)))
            ctx.measure("partitions_past_retention", [n for _, n, _ in old])
            if not old:
                ctx.skip("no partition is past retention")
            # order_items first: it references orders; payments (not partitioned) reference orders too.
            for parent, part, month in sorted(old, key=lambda o: o[0] != "order_items"):
                if parent == "orders":
                    (ref,) = sql_read(
                        ctx,
                        "SELECT count(*)::int AS n FROM payments WHERE order_created_at >= %s "
                        "AND order_created_at < %s",
                        (month, _months(month, 1)[1]),
                    )
                    if ref["n"]:
                        ctx.observe(
                            f"{part} detachable",
                            False,
                            f"{ref['n']} payments still reference its orders: archive them first",
                        )
                        continue
                sql_change(ctx, f'ALTER TABLE {parent} DETACH PARTITION "{part}"')  # names matched ^[a-z_0-9]+$

        with ctx.step(
            "Time-series partitions ahead, and whole months past retention dropped",
            verify="sales_points and inventory_levels have this month through --months-ahead; none older than kept",
        ):
            _time_series(ctx, today, ahead)

        with ctx.step(
            f"Purge published outbox rows older than {ctx.params['outbox-days']} days",
            verify="the count reaches 0; unpublished rows are never touched",
        ):
            _purge(
                ctx,
                "outbox",
                "SELECT count(*)::int AS n FROM outbox WHERE published_at < now() - make_interval(days => %s)",
                "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE published_at < now() - "
                "make_interval(days => %s) ORDER BY id LIMIT %s)",
                (ctx.params["outbox-days"],),
                ctx.params["batch"],
            )
        with ctx.step(
            f"Purge idempotency keys older than {ctx.params['idempotency-days']} days", verify="the count reaches 0"
        ):
            _purge(
                ctx,
                "idempotency_keys",
                "SELECT count(*)::int AS n FROM idempotency_keys WHERE created_at < now() - make_interval(days => %s)",
                "DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM idempotency_keys WHERE created_at < "
                "now() - make_interval(days => %s) LIMIT %s)",
                (ctx.params["idempotency-days"],),
                ctx.params["batch"],
            )
    finally:
        close(ctx)


def _time_series(ctx: Context, today: _dt.date, ahead: int) -> None:
    """sales_points and inventory_levels (ADR 0029): missing months created, months wholly before the kept ones
    dropped (time series are derived from orders and stock: no archive, unlike orders)."""
    keep = {"sales_points": RETENTION.sales_points_months, "inventory_levels": RETENTION.inventory_levels_months}
    rows = sql_read(
        ctx,
        "SELECT c.relname AS n, p.relname AS parent FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname IN ('sales_points', 'inventory_levels')",
    )
    present = {r["n"] for r in rows}
    missing, expired = [], []
    for table, months in keep.items():
        missing += [f"{table}_y{m:%Y}m{m:%m}" for m in _months(today.replace(day=1), ahead)]
        y, m = divmod(today.year * 12 + today.month - 1 - (months - 1), 12)
        first_kept = _dt.date(y, m + 1, 1)
        for r in rows:
            match = _TS_PARTITION.match(r["n"])
            if r["parent"] == table and match and _dt.date(int(match.group(2)), int(match.group(3)), 1) < first_kept:
                expired.append((table, r["n"], first_kept))
    missing = [p for p in missing if p not in present]
    ctx.measure("time_series_partitions_missing", missing)
    ctx.measure("time_series_partitions_past_retention", [n for _, n, _ in expired])
    if not missing and not expired:
        ctx.skip("every month exists and none is past retention")
        return
    for table in keep:
        if any(p.startswith(table) for p in missing):
            sql_change(ctx, "SELECT ecomart_ensure_time_partitions(%s, %s, %s)", (table, today, ahead))
    for table, first_kept in sorted({(t, k) for t, _, k in expired}):
        sql_change(
            ctx,
            "SELECT ecomart_drop_time_partitions(%s, %s)",
            (table, _dt.datetime.combine(first_kept, _dt.time(), _dt.UTC)),
        )
