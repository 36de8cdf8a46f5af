"""The HTTP API served by a real uvicorn against real PostgreSQL and Redis (catalog on mongomock)."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from app.relay import OutboxRelay
from tests.app.apphelpers import LiveServer, authed_client, bearer, pg_conn


def in_stock_sku(dsn: str, min_units: int = 5, active: bool = True) -> str:
    with pg_conn(dsn) as conn:
        return conn.execute(
            "SELECT p.sku FROM products p JOIN inventory i ON i.product_id = p.id WHERE p.active = %s "
            "GROUP BY p.sku HAVING sum(i.quantity) >= %s ORDER BY p.sku LIMIT 1",
            (active, min_units),
        ).fetchone()[0]


def order_body(customer: int, sku: str, qty: int = 1) -> dict:
    return {"customer_id": customer, "items": [{"sku": sku, "quantity": qty}]}


def error_of(resp: httpx.Response) -> dict:
    body = resp.json()
    assert "Traceback" not in resp.text
    return body["error"]


def test_health_reports_each_store(http):
    body = http.get("/health").json()
    assert body["status"] == "ok"
    assert set(body["stores"]) == {"postgresql", "redis", "mongodb"}
    assert body["stores"]["mongodb"]["kind"].startswith("mongomock")
    assert body["stores"]["postgresql"]["outbox"] == {"pending": 0, "lag_seconds": 0.0}


def test_openapi_document_lists_every_endpoint(ro_http):
    doc = ro_http.get("/openapi.json").json()
    paths = doc["paths"]
    for path, method in [
        ("/health", "get"),
        ("/products/{product_id}", "get"),
        ("/products", "get"),
        ("/carts/{cart_id}/items", "post"),
        ("/carts/{cart_id}", "get"),
        ("/orders", "post"),
        ("/orders/{order_id}", "get"),
        ("/customers/{customer_id}/recommendations", "get"),
    ]:
        assert method in paths[path], path
    params = {p["name"] for p in paths["/orders"]["post"]["parameters"]}
    assert "Idempotency-Key" in params
    assert {"category", "certification", "min_price", "max_price", "q"} <= {
        p["name"] for p in paths["/products"]["get"]["parameters"]
    }


def test_product_read_goes_through_the_cache(http, seeded):
    first = http.get("/products/p-00001")
    second = http.get("/products/p-00001")
    assert first.status_code == second.status_code == 200
    assert first.headers["X-Cache"] == "MISS" and second.headers["X-Cache"] == "HIT"
    assert first.json() == second.json() and first.json()["id"] == "p-00001"


def test_product_change_invalidates_the_cached_copy(http, services, seeded):
    http.get("/products/p-00002")
    assert http.get("/products/p-00002").headers["X-Cache"] == "HIT"
    services.catalog.update_product("p-00002", {"name": "Renamed product"})  # invalidates through on_change
    resp = http.get("/products/p-00002")
    assert resp.headers["X-Cache"] == "MISS" and resp.json()["name"] == "Renamed product"


def test_unknown_and_malformed_product_ids(ro_http):
    resp = ro_http.get("/products/p-99999")
    assert resp.status_code == 404 and error_of(resp)["id"] == "p-99999"
    resp = ro_http.get("/products/NOT_VALID!")
    assert resp.status_code == 422 and error_of(resp)["field"] == "product_id"


def test_list_filters_facets_and_search(http, seeded):
    resp = http.get(
        "/products",
        params={"category": "groceries", "min_price": "2", "max_price": "15.5", "sort": "price_asc", "limit": 100},
    )
    body = resp.json()
    assert resp.status_code == 200 and body["total"] > 0
    prices = [i["price"]["amount_cents"] for i in body["items"]]
    assert prices == sorted(prices) and all(200 <= p <= 1550 for p in prices)
    assert all("groceries" in i["categories"] for i in body["items"])
    assert {f["value"]: f["count"] for f in body["facets"]["categories"]}["groceries"] == body["total"]
    cert = body["facets"]["certifications"][0]["value"] if body["facets"]["certifications"] else None
    if cert:
        certified = http.get("/products", params={"certification": cert, "limit": 100}).json()
        assert certified["total"] >= 1
        assert all(any(c["name"] == cert for c in i["certifications"]) for i in certified["items"])
    word = body["items"][0]["name"].split()[0]
    found = http.get("/products", params={"q": word, "limit": 100}).json()
    assert found["total"] >= 1 and found["search_mode"] == "regex"


@pytest.mark.parametrize(
    "params,field",
    [
        ({"min_price": "-1"}, "min_price"),
        ({"max_price": "abc"}, "max_price"),
        ({"min_price": "20", "max_price": "10"}, "min_price"),
        ({"category": "Bad Category"}, "category"),
        ({"limit": 0}, "limit"),
        ({"limit": 1000}, "limit"),
        ({"sort": "random"}, "sort"),
        ({"offset": -5}, "offset"),
    ],
)
def test_bad_list_parameters_are_422_naming_the_field(ro_http, params, field):
    resp = ro_http.get("/products", params=params)
    assert resp.status_code == 422
    assert error_of(resp)["field"] == field


def test_cart_add_and_get(http, seeded, dsn):
    sku = in_stock_sku(dsn)
    resp = http.post("/carts/cart-abc-123/items", json={"sku": sku, "quantity": 2})
    assert resp.status_code == 201
    resp = http.post("/carts/cart-abc-123/items", json={"sku": sku, "quantity": 1})
    cart = http.get("/carts/cart-abc-123").json()
    assert cart["items"][0]["sku"] == sku and cart["items"][0]["quantity"] == 3
    assert cart["total_cents"] == 3 * cart["items"][0]["unit_price_cents"]
    assert 7 * 86400 - 10 <= cart["expires_in_seconds"] <= 7 * 86400
    # a schema-valid body the cart's state refuses is a conflict (409), not bad input (422)
    over = http.post("/carts/cart-abc-123/items", json={"sku": sku, "quantity": 97})
    assert over.status_code == 409, over.text
    assert error_of(over)["code"] == "cart_limit_reached" and error_of(over)["field"] == "quantity"
    assert http.get("/carts/cart-abc-123").json()["items"][0]["quantity"] == 3
    with http.stream("GET", "/openapi.json") as r:
        spec = json.loads(r.read())
    declared = spec["paths"]["/carts/{cart_id}/items"]["post"]["responses"]["409"]["description"]
    assert "99 units of one SKU" in declared


@pytest.mark.parametrize(
    "body,status,field",
    [
        ({"sku": "GRO-00001", "quantity": 0}, 422, "quantity"),
        ({"sku": "GRO-00001", "quantity": "lots"}, 422, "quantity"),
        ({"sku": "lower", "quantity": 1}, 422, "sku"),
        ({"sku": "GRO-00001", "quantity": 1, "extra": 1}, 422, "extra"),
    ],
)
def test_bad_cart_input_names_the_field(ro_http, body, status, field):
    resp = ro_http.post("/carts/cart-abc-123/items", json=body)
    assert resp.status_code == status and error_of(resp)["field"] == field


def test_cart_errors(http, seeded):
    resp = http.post("/carts/cart-abc-123/items", json={"sku": "NOPE-00001", "quantity": 1})
    assert resp.status_code == 404 and error_of(resp)["id"] == "NOPE-00001"
    resp = http.get("/carts/cart-never-made")
    assert resp.status_code == 404 and error_of(resp)["resource"] == "cart"
    resp = http.get("/carts/x")
    assert resp.status_code == 422 and error_of(resp)["field"] == "cart_id"
    resp = http.post("/carts/cart-abc-123/items", content=b"{not json", headers={"content-type": "application/json"})
    assert resp.status_code in (400, 422) and "Traceback" not in resp.text


def test_place_and_read_an_order(http, seeded, dsn):
    sku = in_stock_sku(dsn)
    resp = http.post("/orders", json=order_body(seeded.customers[0], sku, 2), headers={"Idempotency-Key": "order-0001"})
    assert resp.status_code == 201, resp.text
    order = resp.json()
    assert resp.headers["Location"] == f"/orders/{order['id']}"
    # no payment id: the payments sequence would count the shop's orders (order ids are opaque for that reason)
    assert order["payment"] == {"amount_cents": order["total_cents"], "currency": "EUR", "status": "pending"}
    assert order["payment"]["status"] == "pending" and order["items"] == [
        {"sku": sku, "quantity": 2, "unit_price_cents": order["items"][0]["unit_price_cents"]}
    ]
    replay = http.post(
        "/orders", json=order_body(seeded.customers[0], sku, 2), headers={"Idempotency-Key": "order-0001"}
    )
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == order
    assert http.get(f"/orders/{order['id']}").json() == order


def test_order_errors_name_field_id_or_sku(http, seeded, dsn):
    sku = in_stock_sku(dsn)
    resp = http.post("/orders", json=order_body(seeded.customers[0], sku))
    assert resp.status_code == 400 and error_of(resp)["field"] == "Idempotency-Key"
    resp = http.post(
        "/orders",
        json={"customer_id": seeded.customers[0], "items": [{"sku": sku, "quantity": 0}]},
        headers={"Idempotency-Key": "order-0002"},
    )
    assert resp.status_code == 422 and error_of(resp)["field"] == "items[0].quantity"
    resp = http.post(
        "/orders", json={"customer_id": seeded.customers[0], "items": []}, headers={"Idempotency-Key": "order-0003"}
    )
    assert resp.status_code == 422 and error_of(resp)["field"] == "items"
    # the customer is the token's: a body without customer_id is that customer's order, another one is refused
    resp = http.post(
        "/orders",
        json={"items": [{"sku": sku, "quantity": 1}]},
        headers={"Idempotency-Key": "order-0004", **bearer(seeded.customers[1])},
    )
    assert resp.status_code == 201 and resp.json()["customer_id"] == seeded.customers[1]
    resp = http.post(
        "/orders",
        json=order_body(seeded.customers[0], sku),
        headers={"Idempotency-Key": "order-0004b", **bearer(seeded.customers[1])},
    )
    assert resp.status_code == 422 and error_of(resp)["field"] == "customer_id"
    resp = http.post("/orders", json=order_body(999999, sku), headers={"Idempotency-Key": "order-0005"})
    assert resp.status_code == 404 and error_of(resp)["resource"] == "customer"
    resp = http.post(
        "/orders", json=order_body(seeded.customers[0], "NOPE-00001"), headers={"Idempotency-Key": "order-0006"}
    )
    assert resp.status_code == 404 and error_of(resp)["id"] == "NOPE-00001"
    resp = http.post(
        "/orders", json=order_body(seeded.customers[0], sku, 1000), headers={"Idempotency-Key": "order-0007"}
    )
    err = error_of(resp)
    assert (
        resp.status_code == 409 and err["code"] == "insufficient_stock" and err["sku"] == sku and sku in err["message"]
    )
    http.post("/orders", json=order_body(seeded.customers[0], sku), headers={"Idempotency-Key": "order-0008"})
    resp = http.post("/orders", json=order_body(seeded.customers[0], sku, 2), headers={"Idempotency-Key": "order-0008"})
    assert resp.status_code == 422 and error_of(resp)["field"] == "Idempotency-Key"
    resp = http.get("/orders/o_" + "a" * 26)  # well formed, but not an id this key issued
    assert resp.status_code == 404 and error_of(resp)["resource"] == "order"
    resp = http.get("/orders/987654321")  # internal ids are not accepted: ids are opaque
    assert resp.status_code == 422 and error_of(resp)["field"] == "order_id"
    resp = http.get("/orders/abc")
    assert resp.status_code == 422 and error_of(resp)["field"] == "order_id"


def test_same_order_retried_20_times_concurrently_gives_one_order_one_payment(http, live, seeded, dsn):
    sku = in_stock_sku(dsn, min_units=3)
    body = order_body(seeded.customers[1], sku, 1)
    key = f"retry-{uuid.uuid4()}"

    def attempt(_):
        with authed_client(base_url=live, timeout=30) as c:
            return c.post("/orders", json=body, headers={"Idempotency-Key": key})

    with ThreadPoolExecutor(20) as ex:
        responses = list(ex.map(attempt, range(20)))
    assert sorted(r.status_code for r in responses) == [200] * 19 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    with pg_conn(dsn) as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM payments").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 1


def test_recommendations_after_orders_are_relayed(http, services, seeded, dsn):
    sku = in_stock_sku(dsn)
    customer = seeded.customers[2]
    resp = http.get(f"/customers/{customer}/recommendations")
    assert resp.status_code == 200 and resp.json()["by_category"] == []
    http.post("/orders", json=order_body(customer, sku), headers={"Idempotency-Key": "reco-0001"})
    services.recommendations.refresh_category_top()
    OutboxRelay(dsn, services.mongo, reco_cache=services.reco_cache).drain()
    body = http.get(f"/customers/{customer}/recommendations").json()
    bought_product = services.catalog.find_by_sku(sku)[0]
    assert {c["category"] for c in body["by_category"]} <= set(bought_product["categories"])
    assert body["by_category"], "the customer bought from categories that have rated products"
    for group in body["by_category"]:
        assert 1 <= len(group["products"]) <= 2
        assert bought_product["_id"] not in [p["id"] for p in group["products"]]
        ratings = [p["rating"] for p in group["products"]]
        assert ratings == sorted(ratings, reverse=True)
        best = max(
            (
                d["rating"]["avg"]
                for d in services.mongo.db.products.find(
                    {
                        "categories": group["category"],
                        "active": True,
                        "rating.count": {"$gt": 0},
                        "_id": {"$ne": bought_product["_id"]},
                    }
                )
            ),
            default=None,
        )
        assert ratings[0] == round(best, 2)
    cached = http.get(f"/customers/{customer}/recommendations")
    assert cached.headers["X-Cache"] == "HIT"
    resp = http.get("/customers/999999/recommendations")
    assert resp.status_code == 404 and error_of(resp)["resource"] == "customer"


def test_unexpected_errors_are_500_without_traceback(services, seeded):
    from app.api import create_app

    def boom(*_a, **_k):
        raise ZeroDivisionError("secret internals")

    services.catalog.list_products = boom
    with LiveServer(create_app(services)) as server, authed_client(base_url=server.url) as c:
        resp = c.get("/products")
    assert resp.status_code == 500
    assert "secret" not in resp.text and "Traceback" not in resp.text
    assert error_of(resp)["code"] == "internal_error"


def test_lambda_handler_serves_the_same_app(monkeypatch, dsn, redis_url, seeded):
    monkeypatch.setenv("DATABASE_URL", dsn)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.delenv("MONGODB_URI", raising=False)
    from mangum import Mangum

    from app.api import create_app

    handler = Mangum(create_app(), lifespan="off")
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/health",
        "rawQueryString": "",
        "headers": {"host": "example.execute-api.eu-west-1.amazonaws.com"},
        "requestContext": {
            "http": {
                "method": "GET",
                "path": "/health",
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "test",
            },
            "stage": "$default",
            "requestId": "r1",
            "accountId": "123456789012",
            "apiId": "x",
            "domainName": "example",
            "domainPrefix": "example",
            "time": "",
            "timeEpoch": 0,
        },
        "isBase64Encoded": False,
    }
    resp = handler(event, None)
    assert resp["statusCode"] == 200
    body = json.loads(resp["body"])
    assert body["stores"]["postgresql"]["ok"] and body["stores"]["redis"]["ok"]
    import app.lambda_handler as lh

    assert callable(lh.handler)
