"""What a stack could save, each with its monthly figure: reserved capacity for steady databases and caches,
Graviton classes for x86 ones, gp3 for gp2/io1 volumes, and for stacks that are not production: no paid
Performance Insights retention and office hours only."""

from __future__ import annotations

from dataclasses import dataclass

from pricing.estimate import HOURS, Estimate, Line

# x86 class families and the Graviton family that replaces each (same size names).
GRAVITON = {
    "db.m5": "db.m6g",
    "db.m6i": "db.m6g",
    "db.r5": "db.r6g",
    "db.r6i": "db.r6g",
    "db.t3": "db.t4g",
    "cache.m5": "cache.m6g",
    "cache.r5": "cache.r6g",
    "cache.t3": "cache.t4g",
}
RESERVED = (
    ("1yr", "no-upfront"),
    ("1yr", "partial-upfront"),
    ("1yr", "all-upfront"),
    ("3yr", "no-upfront"),
    ("3yr", "partial-upfront"),
    ("3yr", "all-upfront"),
)
OFFICE_HOURS = 12 * 5  # a week's hours a stopped-at-night, weekday-only environment runs


@dataclass
class Saving:
    kind: str
    what: str
    monthly: float  # what it saves a month (positive)
    note: str = ""


def _compute_lines(est: Estimate, prefix: str) -> list[tuple[str, Line]]:
    return [
        (item.name, line)
        for item in est.items
        for line in item.lines
        if line.price.key.startswith(prefix) and line.unit in ("hours", "node-hours", "node-hours x share")
    ]


def savings(est: Estimate, production: bool) -> list[Saving]:
    from pricing.catalog import book

    prices = book(est.region)
    out: list[Saving] = []
    # Reserved capacity, for every database and cache (steady: they run all month).
    for svc, prefix in (("rds", "rds."), ("elasticache", "elasticache.")):
        compute = sum(line.monthly for _, line in _compute_lines(est, prefix))
        if compute <= 0:
            continue
        label = "RDS instances" if svc == "rds" else "ElastiCache nodes"
        for term, pay in RESERVED:
            share = prices.get(f"ri.{svc}.{term}.{pay}")
            if share is not None:
                out.append(
                    Saving(
                        "reserved",
                        f"{label}: {term} reserved, {pay}",
                        compute * (1 - share.usd),
                        f"pays {share.usd:.0%} of on-demand (upfront spread over the term)",
                    )
                )
    # Graviton: the same size in the Graviton family.
    for item in est.items:
        for line in item.lines:
            key = line.price.key
            family = next((f for f in GRAVITON if f".{f}." in f".{key.split('.', 2)[-1]}"), None)
            if family is None or line.unit not in ("hours", "node-hours"):
                continue
            cls = key.split(".", 2)[-1]
            alt_key = key.replace(cls, cls.replace(family, GRAVITON[family], 1))
            alt = prices.get(alt_key)
            if alt is not None and alt.usd < line.price.usd:
                out.append(
                    Saving(
                        "graviton",
                        f"{item.name}: {cls} -> {alt_key.split('.', 2)[-1]}",
                        line.quantity * (line.price.usd - alt.usd),
                    )
                )
    # gp2 / io1 / io2 -> gp3 (RDS: the same GB price; gp3 includes 3,000 IOPS, 12,000 from 400 GB).
    for item in est.items:
        kinds = {line.price.key: line for line in item.lines if line.price.key.startswith("rds.storage.")}
        for kind in ("gp2", "io1", "io2"):
            storage = kinds.get(f"rds.storage.{kind}")
            if storage is None:
                continue
            gp3 = prices.get("rds.storage.gp3")
            iops_line = kinds.get(f"rds.storage.{kind}.iops")
            now = storage.monthly + (iops_line.monthly if iops_line else 0.0)
            after = storage.quantity * (gp3.usd if gp3 else storage.price.usd)
            out.append(
                Saving("gp3", f"{item.name}: {kind} -> gp3", max(0.0, now - after), "gp3 decouples IOPS from size")
            )
    if not production:
        for item in est.items:
            for line in item.lines:
                if line.price.key == "rds.database-insights.advanced":
                    out.append(
                        Saving("dev", f"{item.name}: Performance Insights back to the free 7 days", line.monthly)
                    )
        running = sum(
            line.monthly
            for item in est.items
            for line in item.lines
            if (line.price.key.startswith("rds.") and line.unit == "hours") or line.price.book == "atlas"
        )
        if running:
            out.append(
                Saving(
                    "dev",
                    f"RDS instances and Atlas clusters only in office hours ({OFFICE_HOURS} of 168 h a week)",
                    running * (1 - OFFICE_HOURS * 52 / 12 / HOURS),
                    "RDS instances stop, Atlas clusters pause; ElastiCache cannot be stopped",
                )
            )
    return out
