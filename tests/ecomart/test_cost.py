"""``ecomart cost``: the stacks priced offline with their usage files and budgets, bad input in one line, and
``--refresh-prices`` against botocore's Stubber with PriceList documents shaped as the Price List Query API returns
them (the request parameters are validated against botocore's own model of pricing:GetProducts)."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from ecomart.cli import main
from ecomart.commands import cost as cost_cmd
from pricing import estimate, parse, resources_of_export

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def prod_export(prod, tmp_path_factory):
    path = tmp_path_factory.mktemp("cost") / "prod.json"
    path.write_text(json.dumps(prod.export()))
    return path


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def test_the_prod_stack_is_priced_with_its_usage_file_and_within_its_budget(prod_export, capsys):
    import yaml

    assert main(["cost", "--export", str(prod_export), "--stack", "prod", "--format", "json"]) == 0
    doc = _json(capsys)
    usage = parse(yaml.safe_load((ROOT / "usage" / "prod.yaml").read_text()))
    est = estimate(resources_of_export(json.loads(prod_export.read_text())), "us-east-1", usage)
    assert doc["monthly"]["total"] == round(est.total, 2) > 0
    assert doc["monthly"]["usage_estimate"] > 0 and doc["usage_file"] == "usage/prod.yaml"
    assert doc["not_priced"] == []
    assert sum(doc["components"].values()) == pytest.approx(doc["monthly"]["fixed"], abs=0.05)
    kinds = {s["kind"] for s in doc["savings"]}
    assert "reserved" in kinds and "dev" not in kinds  # prod: no office-hours saving


def test_dev_is_shown_its_office_hours_saving(dev, tmp_path, capsys):
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(dev.export()))
    assert main(["cost", "--export", str(path), "--stack", "dev", "--format", "markdown"]) == 0
    text = capsys.readouterr().out
    assert "### Savings" in text and "office hours" in text


def test_over_a_mandatory_budget_exits_1(prod_export, tmp_path, capsys):
    doc = json.loads(prod_export.read_text())
    writer = next(r for r in doc["deployment"]["resources"] if r["urn"].endswith("::postgres-writer"))
    for i in range(20):  # twenty more r6g.xlarge writers: far over prod's budget
        extra = copy.deepcopy(writer)
        extra["urn"] += f"-{i}"
        doc["deployment"]["resources"].append(extra)
    path = tmp_path / "big.json"
    path.write_text(json.dumps(doc))
    assert main(["cost", "--export", str(path), "--stack", "prod"]) == 1
    assert "(mandatory): over" in capsys.readouterr().out


@pytest.mark.parametrize(
    "content,fragment",
    [
        ("s3: {stored_gigs: 1}\n", "unknown key s3.stored_gigs"),
        ("s3: {stored_gb: -5}\n", "s3.stored_gb: -5 is not allowed"),
        ("s3: [\n", "not YAML"),
    ],
)
def test_a_bad_usage_file_is_one_line_and_exit_2(prod_export, tmp_path, capsys, content, fragment):
    usage = tmp_path / "u.yaml"
    usage.write_text(content)
    assert main(["cost", "--export", str(prod_export), "--usage", str(usage)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1 and "Traceback" not in err


def test_no_source_and_an_unknown_region_are_bad_input(prod_export, capsys):
    assert main(["cost"]) == 2
    assert "give one of --stack NAME, --export FILE or --program DIR" in capsys.readouterr().err
    assert main(["cost", "--export", str(prod_export), "--region", "ap-south-2"]) == 2
    assert "no price file for region 'ap-south-2'" in capsys.readouterr().err


def test_a_foreign_program_is_priced_and_its_unpriced_types_named(capsys):
    assert main(["cost", "--program", str(ROOT / "tests" / "programs" / "data-tier-misses"), "--format", "json"]) == 0
    doc = _json(capsys)
    assert doc["monthly"]["fixed"] > 0
    unpriced = {u.rsplit("::", 1)[-1] for u in doc["not_priced"]}
    assert {"warehouse", "workers"} <= unpriced  # Redshift and EKS have no price in the files: said, not zero


# --- --refresh-prices ----------------------------------------------------------------------------------------------


def _price_list(service: str, sku: str, usd: float, unit: str = "Hrs") -> str:
    """One PriceList entry as GetProducts returns it (a JSON string per product)."""
    return json.dumps(
        {
            "product": {"productFamily": "Database Instance", "attributes": {"servicecode": service}, "sku": sku},
            "serviceCode": service,
            "terms": {
                "OnDemand": {
                    f"{sku}.JRTCKXETXF": {
                        "offerTermCode": "JRTCKXETXF",
                        "sku": sku,
                        "effectiveDate": "2026-11-01T00:00:00Z",
                        "priceDimensions": {
                            f"{sku}.JRTCKXETXF.6YS6EN2CT7": {
                                "unit": unit,
                                "endRange": "Inf",
                                "description": "price per unit",
                                "appliesTo": [],
                                "rateCode": f"{sku}.JRTCKXETXF.6YS6EN2CT7",
                                "beginRange": "0",
                                "pricePerUnit": {"USD": f"{usd:.10f}"},
                            }
                        },
                        "termAttributes": {},
                    }
                }
            },
            "version": "20261101000000",
            "publicationDate": "2026-11-01T00:00:00Z",
        }
    )


@pytest.fixture
def prices_copy(tmp_path, monkeypatch):
    import pricing.catalog as catalog

    shutil.copytree(catalog.PRICES_DIR, tmp_path / "prices")
    monkeypatch.setattr(catalog, "PRICES_DIR", tmp_path / "prices")
    monkeypatch.setattr(cost_cmd, "ROOT", tmp_path)
    return tmp_path / "prices"


def test_refresh_prices_rewrites_each_queried_price_with_its_sku(prices_copy, capsys):
    import datetime as dt

    before = json.loads((prices_copy / "us-east-1.json").read_text())
    queried = sorted(k for k, e in before["prices"].items() if e.get("query"))
    client = boto3.client("pricing", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    stub = Stubber(client)
    for i, key in enumerate(queried):
        query = before["prices"][key]["query"]
        filters = [{"Type": "TERM_MATCH", "Field": k, "Value": str(v)} for k, v in sorted(query["filters"].items())]
        params = {"ServiceCode": query["service"], "Filters": filters, "FormatVersion": "aws_v1", "MaxResults": 1}
        if key == queried[0]:
            stub.add_response("get_products", {"PriceList": [], "FormatVersion": "aws_v1"}, params)  # no match
            continue
        new = round(before["prices"][key]["usd"] * 1.1, 6)
        body = {"PriceList": [_price_list(query["service"], f"SKU{i:04d}", new)], "FormatVersion": "aws_v1"}
        stub.add_response("get_products", body, params)
    with stub:
        assert cost_cmd.refresh_prices("us-east-1", client=client, today=dt.date(2026, 12, 7)) == 0
        stub.assert_no_pending_responses()
    after = json.loads((prices_copy / "us-east-1.json").read_text())
    assert after["read"] == "2026-12-07"
    kept = after["prices"][queried[0]]
    assert kept == before["prices"][queried[0]]  # no product matched: kept, and said so
    assert "no product matches" in capsys.readouterr().err
    for key in queried[1:]:
        entry = after["prices"][key]
        assert entry["usd"] == pytest.approx(before["prices"][key]["usd"] * 1.1, rel=1e-5), key
        assert entry["source"].startswith("AWS Price List API") and "SKU" in entry["source"]
    unqueried = [k for k, e in before["prices"].items() if not e.get("query")]
    assert all(after["prices"][k] == before["prices"][k] for k in unqueried)


def test_refresh_prices_without_credentials_is_one_line(prices_copy, monkeypatch, capsys, tmp_path):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert main(["cost", "--refresh-prices"]) == 2
    err = capsys.readouterr().err
    assert "no AWS credentials" in err and err.count("\n") == 1
