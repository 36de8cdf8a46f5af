"""``ecomart cost``: the monthly cost of a stack (offline from the dated price files in pricing/prices/), grouped
by component, fixed costs from the declared resources and usage-based estimates from the usage file, apart, with
the savings; ``--refresh-prices`` rewrites the AWS price files from the Price List Query API.

Exit status: 0, 1 when the stack's estimate exceeds its ``cost.monthlyBudgetUsd`` with ``budgetEnforcement:
mandatory``, 2 on bad input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from ecomart.costs import ROOT, CostError, read_usage_file, region_of_export, stack_cost_config

HELP = "the monthly cost of a stack: fixed and usage-based, by component, with savings (offline prices)"
FORMATS = ("table", "json", "markdown")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stack", help="stack to synthesize offline (its config gives region, usage file and budget)")
    p.add_argument("--export", metavar="FILE", help="a `pulumi stack export` file (version 3) to price")
    p.add_argument("--program", metavar="DIR", help="preview the Pulumi Python program in DIR offline and price it")
    p.add_argument("--usage", metavar="FILE", help="usage file (YAML; keys: README 'What the stack costs')")
    p.add_argument("--region", help="AWS region of the prices (default: the stack's aws:region, else the export's)")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--output", metavar="FILE", help="write the report here instead of standard output")
    p.add_argument(
        "--refresh-prices",
        action="store_true",
        help="rewrite pricing/prices/<region>.json from the AWS Price List Query API (needs AWS credentials)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        if args.refresh_prices:
            return refresh_prices(args.region)
        est, production, budget = estimate_for(args)
        from pricing import savings
        from pricing.render import render_json, render_markdown, render_table

        saved = savings(est, production)
        render = {"table": render_table, "json": render_json, "markdown": render_markdown}[args.format]
        text = render(est, saved)
        over = budget is not None and budget[0] > 0 and est.total > budget[0]
        if budget is not None and budget[0] > 0 and args.format == "table":
            verdict = "over" if over else "within"
            text += f"budget: ${budget[0]:,.2f} ({budget[1]}): {verdict}\n"
        _write(text, args.output, f"{est.stack}: ${est.total:,.2f} a month")
        return 1 if over and budget is not None and budget[1] == "mandatory" else 0
    except CostError as e:
        print(f"ecomart cost: {e}", file=sys.stderr)
        return 2


def _write(text: str, output: str | None, summary: str) -> None:
    if not output:
        sys.stdout.write(text)
        return
    try:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(text, encoding="utf-8")
    except OSError as e:
        raise CostError(f"{output}: cannot write ({e.strerror})") from None
    print(f"{summary} -> {output}")


def _read_export(path: str) -> dict[str, Any]:
    """A stack export read as plain JSON (the policy machinery is not needed to price it)."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise CostError(f"{path}: cannot read ({e.strerror})") from None
    except ValueError as e:
        raise CostError(f"{path}: not JSON ({e})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("deployment"), dict):
        raise CostError(f"{path}: not a `pulumi stack export` document (no 'deployment' object)")
    return doc


def _stack_of(doc: dict[str, Any]) -> str | None:
    for e in doc["deployment"].get("resources") or []:
        urn = e.get("urn", "") if isinstance(e, dict) else ""
        if urn.startswith("urn:pulumi:") and "::" in urn:
            return urn.split(":", 3)[2].split("::", 1)[0] or None
    return None


def _synthesized(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ecomart.commands.check import synthesize_export, synthesize_program_export
    from policies.engine.exports import BadInput

    try:
        if args.program:
            doc, stack, _ = synthesize_program_export(args.program, args.stack)
            return doc, stack
        return synthesize_export(args.stack), args.stack
    except BadInput as e:
        raise CostError(str(e)) from None


def resolve_source(args: argparse.Namespace) -> tuple[dict[str, Any], str | None, Any, str]:
    """(export document, stack name, the stack's config or None, region) for exactly one of --stack, --export or
    --program; CostError naming what is wrong otherwise. Shared by ``ecomart cost`` and ``ecomart permissions``."""
    sources = [x for x in (args.stack and not args.export and not args.program, args.export, args.program) if x]
    if len(sources) != 1:
        raise CostError("give one of --stack NAME, --export FILE or --program DIR")
    cfg = None
    if args.program:
        doc, stack = _synthesized(args)
    elif args.export:
        doc = _read_export(args.export)
        stack = args.stack or _stack_of(doc)
        cfg = stack_cost_config(args.stack) if args.stack else None
    else:
        cfg = stack_cost_config(args.stack)
        if cfg is None:
            raise CostError(f"--stack {args.stack}: no Pulumi.{args.stack}.yaml (stacks: dev, prod)")
        doc, stack = _synthesized(args)
    region = args.region or (cfg.region if cfg else None) or region_of_export(doc) or "us-east-1"
    return doc, stack, cfg, region


def estimate_for(args: argparse.Namespace) -> tuple[Any, bool, tuple[float, str] | None]:
    """(estimate, production?, (budget, enforcement) or None) for the source the arguments name."""
    from pricing import PriceError, Usage, estimate, parse, resources_of_export

    doc, stack, cfg, region = resolve_source(args)
    usage_path = (
        Path(args.usage) if args.usage else (ROOT / cfg.cost.usage_file if cfg and cfg.cost.usage_file else None)
    )
    try:
        usage = Usage()
        if usage_path is not None:
            body, name = read_usage_file(usage_path)
            usage = parse(body, name)
        est = estimate(resources_of_export(doc), region, usage, stack=stack)
    except PriceError as e:
        raise CostError(str(e)) from None
    production = (cfg.environment == "prod") if cfg else (stack == "prod")
    budget = (cfg.cost.monthly_budget_usd, cfg.cost.budget_enforcement) if cfg else None
    return est, production, budget


# --- the price files from the AWS Price List Query API --------------------------------------------------------------


def refresh_prices(region: str | None, client: Any = None, today: dt.date | None = None) -> int:
    """Rewrite the AWS price files (one region, or every one) from pricing:GetProducts: each entry with a
    ``query`` gets the On-Demand price of the first product the filters match, and names its SKU."""
    from pricing.catalog import PRICES_DIR, regions

    names = [region] if region else regions()
    if region and region not in regions():
        raise CostError(f"--region {region}: no price file (pricing/prices/ has: {', '.join(regions())})")
    if client is None:
        client = _pricing_client()
    stamp = (today or dt.date.today()).isoformat()
    for name in names:
        path = PRICES_DIR / f"{name}.json"
        doc = json.loads(path.read_text(encoding="utf-8"))
        changed = 0
        for key, entry in sorted(doc["prices"].items()):
            query = entry.get("query")
            if not query:
                continue
            found = _on_demand(client, query)
            if found is None:
                print(f"  {name} {key}: no product matches {query['filters']}; kept {entry['usd']}", file=sys.stderr)
                continue
            usd, sku = found
            changed += usd != entry["usd"]
            entry["usd"] = usd
            entry["source"] = f"AWS Price List API {query['service']} SKU {sku} (read {stamp})"
        doc["read"] = stamp
        path.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"{path.relative_to(ROOT)}: {changed} prices changed, read {stamp}")
    return 0


def _pricing_client() -> Any:
    import boto3
    import botocore.exceptions

    session = boto3.Session()
    if session.get_credentials() is None:
        raise CostError("no AWS credentials: --refresh-prices reads the Price List Query API (pricing:GetProducts)")
    try:
        return session.client("pricing", region_name="us-east-1")  # the API's endpoint; prices of every region
    except botocore.exceptions.BotoCoreError as e:
        raise CostError(f"cannot reach the Price List API: {e}") from None


def _on_demand(client: Any, query: dict[str, Any]) -> tuple[float, str] | None:
    import botocore.exceptions

    filters = [{"Type": "TERM_MATCH", "Field": k, "Value": str(v)} for k, v in sorted(query["filters"].items())]
    try:
        reply = client.get_products(ServiceCode=query["service"], Filters=filters, FormatVersion="aws_v1", MaxResults=1)
    except botocore.exceptions.ClientError as e:
        raise CostError(f"pricing:GetProducts {query['service']}: {e.response['Error'].get('Code')}") from None
    for text in reply.get("PriceList") or []:
        product = json.loads(text)
        for term in (product.get("terms", {}).get("OnDemand") or {}).values():
            for dim in (term.get("priceDimensions") or {}).values():
                usd = dim.get("pricePerUnit", {}).get("USD")
                if usd is not None:
                    return float(usd), str(product.get("product", {}).get("sku"))
    return None
