"""An estimate as a table, markdown or JSON, and the cost delta between two estimates (the PR comment's)."""

from __future__ import annotations

import json
from typing import Any

from pricing.estimate import Estimate
from pricing.savings import Saving


def usd(x: float) -> str:
    return f"${x:,.2f}"


def to_dict(est: Estimate, saved: list[Saving] | None = None) -> dict[str, Any]:
    return {
        "stack": est.stack,
        "region": est.region,
        "currency": "USD",
        "prices_read": est.price_dates,
        "usage_file": est.usage_source,
        "monthly": {"fixed": round(est.fixed, 2), "usage_estimate": round(est.usage, 2), "total": round(est.total, 2)},
        "components": {k: round(v, 2) for k, v in est.by_component().items()},
        "resources": [
            {
                "urn": i.urn,
                "type": i.type,
                "component": i.component,
                "status": i.status,
                "monthly": round(i.monthly, 2),
                "note": i.note,
                "lines": [
                    {
                        "dimension": line.dimension,
                        "quantity": round(line.quantity, 4),
                        "unit": line.unit,
                        "price": line.price.usd,
                        "price_key": line.price.key,
                        "source": line.price.source,
                        "monthly": round(line.monthly, 2),
                    }
                    for line in i.lines
                ],
            }
            for i in est.items
        ],
        "usage": [
            {
                "service": u.service,
                "what": u.what,
                "usage_key": u.key,
                "monthly": round(u.monthly, 2),
                "lines": [
                    {"dimension": x.dimension, "quantity": x.quantity, "unit": x.unit, "price": x.price.usd}
                    for x in u.lines
                ],
            }
            for u in est.usage_items
        ],
        "not_priced": [i.urn for i in est.not_priced()],
        "savings": [
            {"kind": s.kind, "what": s.what, "monthly": round(s.monthly, 2), "note": s.note} for s in (saved or [])
        ],
    }


def render_json(est: Estimate, saved: list[Saving] | None = None) -> str:
    return json.dumps(to_dict(est, saved), indent=2) + "\n"


def render_markdown(est: Estimate, saved: list[Saving] | None = None) -> str:
    out = [
        f"## Monthly cost of `{est.stack or 'stack'}` ({est.region})",
        "",
        f"**{usd(est.total)} a month**: {usd(est.fixed)} fixed + {usd(est.usage)} usage-based (estimates from "
        f"{est.usage_source}). Prices read {', '.join(f'{k} {v}' for k, v in est.price_dates.items())}.",
        "",
        "| component | monthly |",
        "|---|---:|",
        *(f"| {c} | {usd(v)} |" for c, v in est.by_component().items()),
        "",
        "<details><summary>Per resource</summary>",
        "",
        "| resource | type | monthly | what |",
        "|---|---|---:|---|",
    ]
    for i in sorted(est.items, key=lambda i: (-i.monthly, i.urn)):
        if i.status == "no-charge":
            continue
        what = "; ".join(f"{line.dimension}: {usd(line.monthly)}" for line in i.lines) or f"**not priced**: {i.note}"
        out.append(f"| `{i.name}` | `{i.type.split(':')[1]}` | {usd(i.monthly)} | {what} |")
    out += ["", "</details>", "", "### Usage-based (estimates)", "", "| service | what | usage key | monthly |"]
    out.append("|---|---|---|---:|")
    out += [f"| {u.service} | {u.what} | `{u.key}` | {usd(u.monthly)} |" for u in est.usage_items]
    if saved:
        out += ["", "### Savings", "", "| saving | monthly | note |", "|---|---:|---|"]
        out += [f"| {s.what} | {usd(s.monthly)} | {s.note} |" for s in saved]
    free = sum(1 for i in est.items if i.status == "no-charge")
    out += [
        "",
        f"{free} resources of types AWS or Atlas does not bill by themselves; {len(est.not_priced())} not priced.",
    ]
    return "\n".join(out) + "\n"


def render_table(est: Estimate, saved: list[Saving] | None = None) -> str:
    labels = [f"{u.service}: {u.what}" for u in est.usage_items]
    width = max([len(c) for c in est.by_component()] + [len(x) + 2 for x in labels] + [24])
    out = [f"{est.stack or 'stack'} ({est.region}): {usd(est.total)} a month", ""]
    for c, v in est.by_component().items():
        out.append(f"  {c:<{width}} {usd(v):>14}")
    out.append(f"  {'fixed':<{width}} {usd(est.fixed):>14}")
    out.append(f"  {'usage-based (estimates)':<{width}} {usd(est.usage):>14}   from {est.usage_source}")
    for u in est.usage_items:
        if u.monthly:
            label = f"{u.service}: {u.what}"
            out.append(f"    {label:<{width - 2}} {usd(u.monthly):>14}")
    for i in est.not_priced():
        out.append(f"  not priced: {i.name} ({i.type}): {i.note}")
    if saved:
        out += ["", "savings (a month):"]
        out += [f"  {usd(s.monthly):>12}  {s.what}" for s in saved]
    return "\n".join(out) + "\n"


def delta(before: Estimate | None, after: Estimate) -> dict[str, Any]:
    """Monthly cost before, after and the difference, per component and per resource."""
    b_items = {i.urn: i.monthly for i in before.items} if before else {}
    a_items = {i.urn: i.monthly for i in after.items}
    b_comp = before.by_component() if before else {}
    a_comp = after.by_component()
    rows = []
    for urn in sorted(set(b_items) | set(a_items)):
        old, new = b_items.get(urn, 0.0), a_items.get(urn, 0.0)
        if round(old, 2) != round(new, 2):
            rows.append(
                {
                    "resource": urn.rsplit("::", 1)[-1],
                    "urn": urn,
                    "before": round(old, 2),
                    "after": round(new, 2),
                    "delta": round(new - old, 2),
                }
            )
    rows.sort(key=lambda r: (-abs(r["delta"]), r["urn"]))  # what moved the total most, first
    components = {
        c: {
            "before": round(b_comp.get(c, 0.0), 2),
            "after": round(a_comp.get(c, 0.0), 2),
            "delta": round(a_comp.get(c, 0.0) - b_comp.get(c, 0.0), 2),
        }
        for c in sorted(set(b_comp) | set(a_comp))
    }
    old_total = before.total if before else 0.0
    return {
        "before": round(old_total, 2),
        "after": round(after.total, 2),
        "delta": round(after.total - old_total, 2),
        "components": components,
        "resources": rows,
    }
