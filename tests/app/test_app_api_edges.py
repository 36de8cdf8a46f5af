"""Edges black-box testing found (issue 14), each with the behaviour it must have now: search input, inactive
products in carts, media type and size of bodies, echoed values, the OpenAPI document agreeing with behaviour,
offline docs, one category vocabulary."""

from __future__ import annotations

import json

import pytest

from app.errors import MAX_ECHO
from app.http import MAX_BODY_BYTES
from app.schemas import SEARCH_MIN_WORD
from tests.app.apphelpers import pg_conn
from tests.app.test_app_api import error_of, in_stock_sku, order_body


@pytest.mark.parametrize("q", ["!!!", "✓", "(", "a", "a!", "- -"])
def test_search_without_a_real_word_is_422_naming_q(http, seeded, q):
    resp = http.get("/products", params={"q": q})
    assert resp.status_code == 422, resp.text
    assert error_of(resp)["field"] == "q"


def test_search_with_a_word_still_works(http, seeded):
    word = seeded and "organic"
    resp = http.get("/products", params={"q": f"!{word}!", "limit": 100})
    assert resp.status_code == 200 and resp.json()["total"] > 0
    assert resp.json()["total"] < http.get("/products", params={"limit": 1}).json()["total"]
    assert SEARCH_MIN_WORD == 2


def test_a_search_word_in_any_script_is_accepted_and_the_schema_promises_no_ascii_pattern(http, seeded):
    """JSON Schema patterns are ECMA-262 (\\w is ASCII there): the schema must not refuse what the server takes."""
    for q in ("thé", "Öko", "茶叶"):
        assert http.get("/products", params={"q": q}).status_code == 200, q
    spec = http.get("/openapi.json").json()
    (param,) = [p for p in spec["paths"]["/products"]["get"]["parameters"] if p["name"] == "q"]
    assert "pattern" not in json.dumps(param["schema"])


def test_inactive_product_is_refused_when_added_to_a_cart(http, seeded, dsn):
    sku = in_stock_sku(dsn, min_units=0, active=False)
    resp = http.post("/carts/cart-inactive-1/items", json={"sku": sku, "quantity": 1})
    assert resp.status_code == 409
    assert error_of(resp)["code"] == "product_unavailable" and error_of(resp)["sku"] == sku
    assert http.get("/carts/cart-inactive-1").status_code == 404, "nothing was added"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_bodies_that_are_not_json_are_415(http, seeded, dsn, content_type):
    body = json.dumps(order_body(seeded.customers[0], in_stock_sku(dsn)))
    headers = {"Idempotency-Key": "media-type-0001"}
    if content_type:
        headers["content-type"] = content_type
    resp = http.post("/orders", content=body.encode(), headers=headers)
    if content_type is None:
        resp = http.post("/orders", content=body.encode(), headers={**headers, "content-type": ""})
    assert resp.status_code == 415, resp.text
    assert error_of(resp)["code"] == "unsupported_media_type"
    with pg_conn(dsn) as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 0


def test_json_with_a_charset_is_fine(http, seeded, dsn):
    body = json.dumps(order_body(seeded.customers[0], in_stock_sku(dsn)))
    resp = http.post(
        "/orders",
        content=body.encode(),
        headers={"Idempotency-Key": "charset-0001", "content-type": "application/json; charset=utf-8"},
    )
    assert resp.status_code == 201


def test_oversized_bodies_are_413_before_parsing(http, seeded):
    big = b'{"sku": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    resp = http.post("/carts/cart-big-0001/items", content=big, headers={"content-type": "application/json"})
    assert resp.status_code == 413 and error_of(resp)["code"] == "payload_too_large"

    def chunks():  # no Content-Length: counted as it streams
        for _ in range(20):
            yield b" " * 8192

    resp = http.post("/carts/cart-big-0002/items", content=chunks(), headers={"content-type": "application/json"})
    assert resp.status_code == 413
    small = http.post(
        "/carts/cart-ok-000001/items",
        content=b" " * (MAX_BODY_BYTES - 10),
        headers={"content-type": "application/json"},
    )
    assert small.status_code in (400, 422), "under the limit: parsed (and refused as a bad body)"


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
def test_the_body_limit_is_the_documented_64_kib_exactly(http, seeded, streamed):
    """docs/app.md promises 64 KiB: 65,536 bytes are parsed, one more is 413, declared or streamed."""

    def send(size: int):
        content = b" " * size
        if streamed:
            content = iter([content[i : i + 8192] for i in range(0, size, 8192)])
        return http.post("/carts/cart-edge-0001/items", content=content, headers={"content-type": "application/json"})

    assert send(65_536).status_code in (400, 422), "at the limit: parsed (and refused as a bad body)"
    over = send(65_537)
    assert over.status_code == 413 and error_of(over)["code"] == "payload_too_large"


def test_echoed_values_are_truncated_and_keep_utf8(http, seeded, dsn):
    body = order_body(seeded.customers[0], in_stock_sku(dsn))
    long_key = "k" * 8000
    resp = http.post("/orders", json=body, headers={"Idempotency-Key": long_key})
    assert resp.status_code == 400
    value = error_of(resp)["value"]
    assert len(value) < MAX_ECHO + 40 and value.startswith("k" * MAX_ECHO) and "8000 characters" in value
    assert len(resp.content) < 1000
    key = "ключ-заказа-1"
    resp = http.post("/orders", json=body, headers={"Idempotency-Key": key.encode("utf-8")})
    assert resp.status_code == 400
    assert error_of(resp)["value"] == key, "the header is echoed as the client wrote it"


def test_integer_fields_take_json_integers_written_with_a_fraction_of_zero(http, seeded, dsn):
    sku = in_stock_sku(dsn, min_units=3)
    ok = http.post(
        "/orders",
        headers={"Idempotency-Key": "float-int-0001"},
        json={"customer_id": float(seeded.customers[0]), "items": [{"sku": sku, "quantity": 2.0}]},
    )
    assert ok.status_code == 201 and ok.json()["items"][0]["quantity"] == 2
    for bad in ("2", 2.5, True):
        resp = http.post(
            "/orders",
            headers={"Idempotency-Key": "float-int-0002"},
            json={"customer_id": seeded.customers[0], "items": [{"sku": sku, "quantity": bad}]},
        )
        assert resp.status_code == 422 and error_of(resp)["field"] == "items[0].quantity", bad


def test_405_names_the_allowed_methods(http, seeded):
    resp = http.delete("/orders")
    assert resp.status_code == 405 and "POST" in resp.headers["allow"]
    assert error_of(resp)["code"] == "method_not_allowed"


def test_openapi_agrees_with_behaviour(ro_http):
    doc = ro_http.get("/openapi.json").json()
    post = doc["paths"]["/orders"]["post"]
    (key,) = [p for p in post["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["required"] is True and key["in"] == "header"
    assert {"200", "201", "400", "413", "415", "422", "409", "503"} <= set(post["responses"])
    assert "503" in doc["paths"]["/health"]["get"]["responses"]
    qty = doc["components"]["schemas"]["OrderLineIn"]["properties"]["quantity"]
    assert qty["type"] == "integer"
    resp = ro_http.post("/orders", json={"customer_id": 1, "items": [{"sku": "ABC-1", "quantity": 1}]})
    assert resp.status_code == 400 and error_of(resp)["field"] == "Idempotency-Key"


def test_docs_render_offline_from_packaged_assets(ro_http):
    page = ro_http.get("/docs")
    assert page.status_code == 200 and "/static/swagger-ui/swagger-ui-bundle.js" in page.text
    assert "jsdelivr" not in page.text and "unpkg" not in page.text and "https://" not in page.text
    js = ro_http.get("/static/swagger-ui/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 100_000
    assert ro_http.get("/static/swagger-ui/swagger-ui.css").status_code == 200


def test_one_category_vocabulary_and_unknown_categories_are_422(ro_http):
    resp = ro_http.get("/products", params={"category": "grocery"})
    assert resp.status_code == 422
    err = error_of(resp)
    assert err["field"] == "category" and "groceries" in err["message"]
    facets = {f["value"] for f in ro_http.get("/products", params={"limit": 1}).json()["facets"]["categories"]}
    assert "groceries" in facets and "grocery" not in facets
    assert ro_http.get("/products", params={"category": "groceries"}).json()["total"] > 0


def test_seed_summary_counts_by_category(seeded):
    assert "groceries" in seeded.by_category and "grocery" not in seeded.by_category
    assert sum(seeded.by_category.values()) == seeded.products
