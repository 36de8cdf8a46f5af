"""The back office's routes over HTTP against the real PostgreSQL: staff only (401 unverified, 403 a customer's
token or another group, also as API Gateway passes the groups claim), answers equal to app/relationships.py's,
bad parameters named."""

from __future__ import annotations

import httpx
import psycopg
import pytest

from app import relationships as R
from app.auth import Authenticator, Forbidden, groups_from_claim
from tests.app.apphelpers import TEST_AUTH, bearer


def staff(**kw) -> dict:
    return bearer(None, subject="staff-ana", groups=kw.pop("groups", ["back-office"]), **kw)


@pytest.fixture
def org(dsn):
    """A small organisation and two linked customers."""
    with psycopg.connect(dsn, autocommit=True) as c:
        (d,) = c.execute("INSERT INTO departments (code, name) VALUES ('ops', 'Operations') RETURNING id").fetchone()
        ids = []
        for i, boss in enumerate([None, 0, 0, 1, 3]):
            (eid,) = c.execute(
                "INSERT INTO employees (full_name, title, department_id, manager_id) VALUES (%s, 't', %s, %s) "
                "RETURNING id",
                (f"e{i}", d, ids[boss] if boss is not None else None),
            ).fetchone()
            ids.append(eid)
        cs = [
            c.execute(
                "INSERT INTO customers (email, region, country) VALUES (%s, 'eu', 'DE') RETURNING id", (f"x{i}@y.z",)
            ).fetchone()[0]
            for i in range(3)
        ]
        R.record_links(c, cs[0], payment="card-A")
        R.record_links(c, cs[1], payment="card-A", device="d1")
        R.record_links(c, cs[2], device="d1")
        return ids, cs


def test_staff_see_the_hierarchy(live, org):
    ids, _ = org
    with httpx.Client(base_url=live, headers=staff()) as http:
        r = http.get(f"/backoffice/employees/{ids[0]}/reports")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["total"] == 4 and [(e["id"], e["depth"]) for e in body["items"]] == [
            (ids[1], 1),
            (ids[2], 1),
            (ids[3], 2),
            (ids[4], 3),
        ]
        assert http.get(f"/backoffice/employees/{ids[0]}/reports", params={"max_depth": 1}).json()["total"] == 2
        chain = http.get(f"/backoffice/employees/{ids[4]}/chain").json()["items"]
        assert [e["id"] for e in chain] == [ids[4], ids[3], ids[1], ids[0]]
        assert http.get(f"/backoffice/employees/{ids[0]}/span").json() == {
            "manager_id": ids[0],
            "direct": 2,
            "total": 4,
            "levels": 3,
        }
        assert http.get("/backoffice/employees/999999/chain").status_code == 404


def test_staff_see_rings_and_paths(live, org):
    _, cs = org
    with httpx.Client(base_url=live, headers=staff()) as http:
        rings = http.get("/backoffice/fraud/rings", params={"min_size": 3}).json()["items"]
        assert rings == [{"customers": sorted(cs), "links": 2, "kinds": ["device", "payment"]}]
        p = http.get("/backoffice/fraud/path", params={"from": cs[0], "to": cs[2]}).json()
        assert p["found"] and p["hops"] == 2 and [s["via"] for s in p["steps"]] == [None, "payment", "device"]
        none = http.get("/backoffice/fraud/path", params={"from": cs[0], "to": cs[2], "max_hops": 1}).json()
        assert none == {"found": False, "hops": None, "steps": []}
        bad = http.get("/backoffice/fraud/path", params={"from": cs[0], "to": cs[2], "max_hops": 9})
        assert bad.status_code == 422 and "max_hops" in bad.text


@pytest.mark.parametrize(
    "headers,status",
    [
        ({}, 401),
        ({"Authorization": "Bearer not-a-token"}, 401),
        (bearer(1), 403),  # a customer
        (staff(groups=["sellers"]), 403),  # another group
        (staff(audience="another-api"), 401),
    ],
)
def test_only_the_staff_group_gets_in(live, org, headers, status):
    ids, _ = org
    for path in (f"/backoffice/employees/{ids[0]}/reports", "/backoffice/fraud/rings"):
        r = httpx.get(live + path, headers=headers)
        assert r.status_code == status, (path, r.text)
        if status == 403:
            assert "back-office" in r.json()["error"]["message"]


def test_the_groups_claim_as_api_gateway_passes_it():
    assert groups_from_claim("[back-office sellers]") == {"back-office", "sellers"}
    assert groups_from_claim(["back-office"]) == {"back-office"}
    assert groups_from_claim("") == frozenset() and groups_from_claim(None) == frozenset()
    gateway = Authenticator(type(TEST_AUTH)(mode="gateway", issuer="i", audience="a"))

    def scope(groups):
        claims = {"sub": "s", "iat": "1700000000", "exp": "1700003600", "cognito:groups": groups}
        return {"aws.event": {"requestContext": {"authorizer": {"jwt": {"claims": claims}}}}}

    assert gateway.staff({}, scope("[back-office]")).subject == "s"
    with pytest.raises(Forbidden):
        gateway.staff({}, scope("[backoffice-readers]"))


def test_back_office_routes_are_authorized_in_the_openapi_document(live):
    spec = httpx.get(live + "/openapi.json").json()
    ops = {(p, m): op for p, item in spec["paths"].items() for m, op in item.items() if p.startswith("/backoffice")}
    assert len(ops) == 9 and all(op.get("security") for op in ops.values())


def test_staff_see_sales_and_stock_over_time(live, dsn):
    import datetime as dt

    t = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=3)
    with psycopg.connect(dsn, autocommit=True) as c:
        c.execute(
            "INSERT INTO sales_points (sold_at, event_id, line, product_id, category, quantity, revenue_cents) "
            "VALUES (%s, 1, 1, 7, 'home', 2, 500), (%s, 2, 1, 8, 'home', 1, 300)",
            (t, t + dt.timedelta(minutes=5)),
        )
        c.execute(
            "INSERT INTO inventory_levels (at, product_id, warehouse_id, quantity, reserved) "
            "VALUES (%s, 7, 1, 3, 0), (%s, 7, 1, 0, 0)",
            (t, t + dt.timedelta(minutes=30)),
        )
    window = {"start": (t - dt.timedelta(hours=1)).isoformat(), "end": (t + dt.timedelta(hours=2)).isoformat()}
    with httpx.Client(base_url=live, headers=staff()) as http:
        sales = http.get("/backoffice/sales/by-category", params=window).json()["items"]
        assert [(s["category"], s["units"], s["revenue_cents"], s["lines"]) for s in sales] == [("home", 3, 800, 2)]
        top = http.get("/backoffice/sales/top-sellers", params={**window, "per_category": 1}).json()["items"]
        assert [(x["product_id"], x["units"]) for x in top] == [(7, 2)]
        levels = http.get("/backoffice/inventory/7/levels", params=window).json()["items"]
        assert [(x["min"], x["max"], x["last"]) for x in levels] == [(0, 3, 0)]
        outs = http.get("/backoffice/inventory/stock-outs", params=window).json()["items"]
        assert [(x["product_id"], x["warehouse_id"]) for x in outs] == [(7, 1)]
        naive = http.get("/backoffice/sales/by-category", params={"start": "2026-01-01T00:00:00", "end": window["end"]})
        assert naive.status_code == 400 and naive.json()["error"]["field"] == "start"
    assert httpx.get(live + "/backoffice/sales/by-category", params=window, headers=bearer(1)).status_code == 403


def test_orders_feed_fraud_review_with_fingerprints_only(http, live, seeded, dsn):
    """Two customers ordering from one device with one card, a third shipping to the first one's address (spelled
    otherwise): one ring of three in the back office; the table holds fingerprints, not what was sent."""
    import uuid

    with psycopg.connect(dsn) as c:
        (sku,) = c.execute(
            "SELECT p.sku FROM products p JOIN inventory i ON i.product_id = p.id WHERE p.active "
            "GROUP BY p.sku HAVING sum(i.quantity) > 10 ORDER BY p.sku LIMIT 1"
        ).fetchone()
    a, b, d = seeded.customers[:3]
    sent = [
        (a, {"payment_token": "fp_card_77", "shipping_address": "5 Elm Street, Springfield"}, "device-a"),
        (b, {"payment_token": "fp_card_77"}, "device-b"),
        (d, {"shipping_address": "5 elm street springfield"}, None),
    ]
    for customer, extra, device in sent:
        headers = {"Idempotency-Key": f"k-{uuid.uuid4()}", **({"X-Device-Id": device} if device else {})}
        body = {"customer_id": customer, "items": [{"sku": sku, "quantity": 1}], **extra}
        r = http.post("/orders", json=body, headers=headers)
        assert r.status_code == 201, r.text
    with httpx.Client(base_url=live, headers=staff()) as staff_http:
        rings = staff_http.get("/backoffice/fraud/rings", params={"min_size": 3}).json()["items"]
    assert [ring["customers"] for ring in rings] == [sorted([a, b, d])]
    assert rings[0]["kinds"] == ["address", "payment"]
    with psycopg.connect(dsn) as c:
        raw = b"".join(f for (f,) in c.execute("SELECT fingerprint FROM customer_links").fetchall())
    assert b"Elm" not in raw and b"fp_card_77" not in raw
    bad = http.post(
        "/orders",
        json={"items": [{"sku": sku, "quantity": 1}], "payment_token": "4111 1111 1111 1111"},
        headers={"Idempotency-Key": f"k-{uuid.uuid4()}"},
    )
    assert bad.status_code == 422 and "payment_token" in bad.text, "a card number is not a processor's fingerprint"
