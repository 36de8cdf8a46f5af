"""Catalog: the product validator (checked with jsonschema against the same $jsonSchema, since mongomock does not
enforce validators), listing/facets/search on mongomock, reviews in buckets, the bootstrap. Behaviour that
needs a real MongoDB (server-side validation, $text, transactions) runs only when MONGODB_URI is set."""

from __future__ import annotations

import copy
import datetime as dt
import uuid

import pytest
from bson.int64 import Int64

from app import catalog as cat
from app.catalog import (
    Catalog,
    ListQuery,
    bootstrap,
    index_specs,
    price_to_cents,
    product_errors,
    product_schema,
    python_validator,
    shard_commands,
    validator_command,
)
from app.errors import InvalidInput, NotFound
from app.mongo import connect
from devtools.seed import build_products
from tests.app.apphelpers import REAL_MONGO, needs_real_mongo

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
FUTURE = dt.datetime.now(dt.UTC) + dt.timedelta(days=365)
PAST = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)


def core(**extra) -> dict:
    doc = {
        "_id": "p-test-1",
        "productId": "p-test-1",
        "location": "NL",
        "sku": "TST-00001",
        "name": "Test product",
        "description": "d",
        "type": "grocery",
        "price": {"amount_cents": 499, "currency": "EUR"},
        "categories": ["groceries"],
        "active": True,
        "availability": {"status": "in_stock", "units": 5},
        "tags": ["t"],
        "rating": {"avg": 4.5, "count": 2},
        "certifications": [{"name": "Fairtrade", "issuer": "Fairtrade International", "valid_until": FUTURE}],
        "updated_at": NOW,
    }
    doc.update(extra)
    return doc


SHAPES = {
    "grocery": core(attributes={"net_content": "1 kg", "origin": "Peru"}),
    "home": core(type="home", categories=["home-goods", "kitchen"]),
    "personal_care": core(type="personal_care", categories=["personal-care"]),
    "electronics": core(type="electronics", specs={"power_w": 7, "energy_class": "A"}),
    "apparel": core(
        type="apparel",
        variants=[
            {"sku": "TST-00001-M-GRN", "size": "M", "colour": "Green"},
            {"sku": "TST-00001-L-GRN", "size": "L", "colour": "Green"},
        ],
    ),
    "subscription": core(
        type="subscription",
        subscription={"duration_days": 30, "billing_period": "monthly", "features": ["free delivery"]},
    ),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_validator_accepts_each_product_shape(shape):
    assert product_errors(SHAPES[shape]) == []


@pytest.mark.parametrize(
    "missing",
    [
        "_id",
        "productId",
        "location",
        "sku",
        "name",
        "description",
        "type",
        "price",
        "categories",
        "active",
        "availability",
        "certifications",
        "tags",
        "rating",
        "updated_at",
    ],
)
def test_validator_rejects_a_product_missing_a_core_field(missing):
    doc = copy.deepcopy(SHAPES["grocery"])
    del doc[missing]
    errors = product_errors(doc)
    assert f"{missing}: is required" in errors


@pytest.mark.parametrize(
    "ptype,part", [("electronics", "specs"), ("apparel", "variants"), ("subscription", "subscription")]
)
def test_validator_requires_the_part_that_makes_the_type(ptype, part):
    doc = copy.deepcopy(SHAPES[ptype])
    del doc[part]
    assert product_errors(doc) == [f"{part}: required for type {ptype!r}"]


@pytest.mark.parametrize(
    "mutate,field",
    [
        (lambda d: d["price"].update(amount_cents=4.99), "price.amount_cents"),  # a double is not an int
        (lambda d: d["price"].update(amount_cents=-1), "price.amount_cents"),
        (lambda d: d["price"].update(currency="USD"), "price.currency"),
        (lambda d: d.update(categories=[]), "categories"),
        (lambda d: d.update(type="weapons"), "type"),
        (lambda d: d["certifications"][0].update(valid_until="2030-01-01"), "certifications[0].valid_until"),
        (lambda d: d["certifications"][0].pop("issuer"), "certifications[0].issuer"),
        (lambda d: d["variants"][0].pop("sku"), "variants[0].sku"),
        (lambda d: d["variants"][1].update(sku="lower-case"), "variants[1].sku"),
        (lambda d: d["rating"].update(avg=7), "rating.avg"),
        (lambda d: d.update(active="yes"), "active"),
        (lambda d: d.update(location="Netherlands"), "location"),
    ],
)
def test_validator_names_the_bad_field(mutate, field):
    doc = copy.deepcopy(SHAPES["apparel"])
    mutate(doc)
    errors = product_errors(doc)
    assert errors and any(e.startswith(field + ":") for e in errors), errors


def test_product_id_must_repeat_the_id_because_it_is_the_shard_key():
    doc = copy.deepcopy(SHAPES["grocery"])
    doc["productId"] = "p-other"
    with pytest.raises(InvalidInput, match="productId"):
        cat.check_product(doc)


@pytest.mark.parametrize("collection", ["customer_profiles", "order_analytics", "recommendations"])
def test_customer_owned_documents_must_carry_their_zone_key(collection):
    v = python_validator(cat.VALIDATORS[collection]())
    assert v.is_valid({"customerId": 7, "location": "DE", "anything": "else"})
    assert not v.is_valid({"customerId": 7})  # would land in whichever zone owns the null range
    assert not v.is_valid({"location": "DE"})
    assert not v.is_valid({"customerId": 7, "location": "de"})
    assert collection in cat.CUSTOMER_OWNED and list(cat.SHARD_KEYS[collection]) == ["location", "customerId"]


def test_bson_integer_types_follow_pymongo_encoding():
    v = python_validator({"bsonType": "object", "properties": {"n": {"bsonType": "int"}, "l": {"bsonType": "long"}}})
    assert v.is_valid({"n": 5, "l": 2**40})
    assert not v.is_valid({"n": 2**40})  # pymongo stores this as int64, which bsonType int rejects
    assert not v.is_valid({"l": 5})  # ... and a small Python int as int32, which bsonType long rejects
    assert v.is_valid({"l": Int64(5)})
    assert not v.is_valid({"n": True})


@pytest.mark.parametrize("n,seed", [(240, 7), (40, 7), (60, 7), (80, 5), (500, 1)])
def test_the_sample_catalog_is_valid_and_covers_every_type(n, seed):
    docs = build_products(n, seed)
    assert len(docs) == n
    assert {d["type"] for d in docs} == set(cat.PRODUCT_TYPES)
    assert [product_errors(d) for d in docs if product_errors(d)] == []
    if n < 200:
        return
    skus = [d["sku"] for d in docs] + [v["sku"] for d in docs for v in d.get("variants", [])]
    assert len(skus) == len(set(skus))
    assert len({c["name"] for d in docs for c in d["certifications"]}) >= 10


def test_validator_commands_are_what_mongodb_expects():
    create = validator_command("products", create=True)
    mod = validator_command("products", create=False)
    assert create["create"] == "products" and mod["collMod"] == "products"
    for cmd in (create, mod):
        assert cmd["validator"] == {"$jsonSchema": product_schema()}
        assert cmd["validationLevel"] == "strict" and cmd["validationAction"] == "error"

    def keywords(schema, found):
        """Schema keywords used (property names are not keywords)."""
        for k, v in schema.items():
            found.add(k)
            if k == "properties":
                for sub in v.values():
                    keywords(sub, found)
            elif k in ("items", "not") and isinstance(v, dict):
                keywords(v, found)
            elif k in ("anyOf", "oneOf", "allOf"):
                for sub in v:
                    keywords(sub, found)
            elif k == "bsonType":
                found.update(f"bsonType:{t}" for t in ([v] if isinstance(v, str) else v))
        return found

    # MongoDB's $jsonSchema rejects these keywords (draft-4 subset, no integer type): the schema must not use them.
    used = keywords(product_schema(), set())
    assert "anyOf" in used and "bsonType:date" in used
    assert not used & {"$ref", "$schema", "definitions", "format", "if", "then", "else", "default", "type"}
    bson_types = {u.split(":", 1)[1] for u in used if u.startswith("bsonType:")}
    assert bson_types <= {
        "object",
        "array",
        "string",
        "int",
        "long",
        "double",
        "decimal",
        "number",
        "bool",
        "date",
        "objectId",
        "binData",  # https://www.mongodb.com/docs/manual/reference/bson-types/ (the alias $jsonSchema takes)
        "null",
    }


def test_indexes_and_shard_plan():
    specs = {s.name: s for s in index_specs()["products"]}
    assert specs["category_price"].keys == (("categories", 1), ("price.amount_cents", 1))
    assert [k for k, v in specs["catalog_text"].keys if v == "text"] == ["name", "description", "tags"]
    assert specs["certification_name"].keys == (("certifications.name", 1),)
    assert specs["variant_sku_unique"].options == {
        "unique": True,
        "partialFilterExpression": {"variants.sku": {"$exists": True}},
    }
    sharded = {s.name: s for s in index_specs(sharded=True)["products"]}
    assert "unique" not in sharded["sku"].options and "unique" not in sharded["variant_sku"].options
    cmds = {c["shardCollection"]: c["key"] for c in shard_commands("catalog")}
    assert cmds["catalog.products"] == {"location": 1, "productId": "hashed"}
    assert cmds["catalog.reviews"] == {"location": 1, "productId": "hashed"}
    assert cmds["catalog.customer_profiles"] == {"location": 1, "customerId": "hashed"}
    assert "catalog.product_popularity" not in cmds, "aggregates without personal data stay unsharded"


def test_bootstrap_is_idempotent_and_explains_skipped_sharding():
    handle = connect(None)
    first = bootstrap(handle)
    second = bootstrap(handle)
    assert first.actions == second.actions
    assert "skipped" in second.sharding and "mongos" in second.sharding
    assert "products {'location': 1, 'productId': 'hashed'}" in second.sharding
    info = handle.db.products.index_information()
    assert {
        "category_price",
        "category_rating",
        "catalog_text",
        "certification_name",
        "sku_unique",
        "variant_sku_unique",
    } <= set(info)
    assert info["variant_sku_unique"]["unique"] is True
    assert any("NOT applied" in a for a in first.actions), "mongomock must not be reported as validating"


@pytest.fixture
def catalog_store():
    handle = connect(None)
    bootstrap(handle)
    c = Catalog(handle)
    for doc in build_products(80, seed=5):
        c.insert_product(doc)
    return c


def _active(c: Catalog) -> list[dict]:
    return list(c.products.find({"active": True}))


def test_list_by_category_and_price_with_facets(catalog_store):
    c = catalog_store
    res = c.list_products(ListQuery(category="groceries", min_cents=300, max_cents=1200, limit=100, sort="price_asc"))
    expected = [d for d in _active(c) if "groceries" in d["categories"] and 300 <= d["price"]["amount_cents"] <= 1200]
    assert res["total"] == len(expected) > 0
    prices = [i["price"]["amount_cents"] for i in res["items"]]
    assert prices == sorted(prices)
    facets = {f["value"]: f["count"] for f in res["facets"]["categories"]}
    assert facets["groceries"] == len(expected)
    for f in res["facets"]["categories"]:
        assert f["count"] == sum(1 for d in expected if f["value"] in d["categories"])
    assert sum(f["count"] for f in res["facets"]["price_ranges"]) == len(expected)


def test_certification_filter_ignores_expired_certificates(catalog_store):
    c = catalog_store
    doc = copy.deepcopy(SHAPES["grocery"])
    doc.update(
        _id="p-expired",
        productId="p-expired",
        sku="EXP-00001",
        certifications=[{"name": "Demeter", "issuer": "Demeter International", "valid_until": PAST}],
    )
    c.insert_product(doc)
    doc2 = copy.deepcopy(doc)
    doc2.update(
        _id="p-valid",
        productId="p-valid",
        sku="VAL-00001",
        certifications=[{"name": "Demeter", "issuer": "Demeter International", "valid_until": FUTURE}],
    )
    c.insert_product(doc2)
    res = c.list_products(ListQuery(certification="Demeter"))
    assert [i["id"] for i in res["items"]] == ["p-valid"]
    assert {f["value"]: f["count"] for f in res["facets"]["certifications"]}["Demeter"] == 1


def test_text_search_on_mongomock_uses_a_token_regex(catalog_store):
    c = catalog_store
    target = next(d for d in _active(c) if d["type"] == "grocery")
    word = target["name"].split()[-3] if len(target["name"].split()) > 2 else target["name"].split()[0]
    res = c.list_products(ListQuery(q=word.upper(), limit=100))
    assert res["search_mode"] == "regex"
    assert target["_id"] in [i["id"] for i in res["items"]]
    assert all(word.lower() in (i["name"] + i["description"] + " ".join(i["tags"])).lower() for i in res["items"])
    assert c.list_products(ListQuery(q="zzzxqj"))["total"] == 0


def test_text_search_pipeline_for_a_real_server_starts_with_text_match():
    c = Catalog(connect(None))
    c.text_mode = "text"
    pipeline = c.list_pipeline(ListQuery(q="oat milk", category="groceries"))
    assert pipeline[0]["$match"]["$text"] == {"$search": "oat milk"}
    assert pipeline[1] == {"$addFields": {"_score": {"$meta": "textScore"}}}
    assert pipeline[2]["$facet"]["items"][0] == {"$sort": {"_score": -1, "_id": 1}}


def test_list_rejects_unknown_sort_naming_the_field(catalog_store):
    with pytest.raises(InvalidInput, match="sort"):
        catalog_store.list_products(ListQuery(sort="random"))


@pytest.mark.parametrize("raw,cents", [("0", 0), ("4.99", 499), ("12.5", 1250), ("20", 2000), (None, None)])
def test_price_parsing(raw, cents):
    assert price_to_cents("min_price", raw) == cents


@pytest.mark.parametrize("raw", ["-1", "1.999", "abc", "1e3", "12,50"])
def test_price_parsing_rejects_naming_the_field(raw):
    with pytest.raises(InvalidInput, match="max_price"):
        price_to_cents("max_price", raw)


def test_reviews_use_buckets_and_keep_the_rating_summary(catalog_store):
    c = catalog_store
    doc = copy.deepcopy(SHAPES["home"])
    doc.update(_id="p-reviewed", productId="p-reviewed", sku="REV-00001", rating={"avg": 0, "count": 0, "sum": 0})
    c.insert_product(doc)
    ratings = [5, 4, 3] * 20 + [1] * 5  # 65 German reviews -> 2 buckets (50 + 15), 3 French -> 1 bucket
    for i, r in enumerate(ratings):
        c.add_review("p-reviewed", customer_id=i + 1, location="DE", rating=r)
    for i in range(3):
        c.add_review("p-reviewed", customer_id=100 + i, location="FR", rating=5)
    ratings += [5, 5, 5]
    buckets = list(c.reviews.find({"productId": "p-reviewed"}))
    assert sorted((b["location"], b["count"]) for b in buckets) == [("DE", 15), ("DE", 50), ("FR", 3)]
    assert sum(len(b["reviews"]) for b in buckets) == 68
    assert all(cat.python_validator(cat.review_bucket_schema()).is_valid(b) for b in buckets)
    rating = c.get_raw("p-reviewed")["rating"]
    assert rating["count"] == 68 and rating["sum"] == sum(ratings)
    assert rating["avg"] == pytest.approx(sum(ratings) / 68)
    assert len(c.recent_reviews("p-reviewed", 10)) == 10
    with pytest.raises(InvalidInput, match="rating"):
        c.add_review("p-reviewed", 1, "DE", 6)
    with pytest.raises(InvalidInput, match="location"):
        c.add_review("p-reviewed", 1, "Germany", 5)
    with pytest.raises(NotFound):
        c.add_review("p-missing", 1, "DE", 5)


def test_update_product_validates_and_rejects_key_changes(catalog_store):
    c = catalog_store
    pid = _active(c)[0]["_id"]
    assert c.update_product(pid, {"name": "Renamed"})["name"] == "Renamed"
    with pytest.raises(InvalidInput, match="sku"):
        c.update_product(pid, {"sku": "NEW-00001"})
    with pytest.raises(InvalidInput, match="location"):
        c.update_product(pid, {"location": "US"})  # a shard key value
    with pytest.raises(InvalidInput, match="categories"):
        c.update_product(pid, {"categories": []})
    with pytest.raises(NotFound):
        c.update_product("p-nope", {"name": "x"})


def test_find_by_sku_knows_variants_and_refuses_style_codes(catalog_store):
    c = catalog_store
    apparel = next(d for d in _active(c) if d["type"] == "apparel")
    doc, variant = c.find_by_sku(apparel["variants"][0]["sku"])
    assert doc["_id"] == apparel["_id"] and variant["sku"] == apparel["variants"][0]["sku"]
    with pytest.raises(NotFound):
        c.find_by_sku(apparel["sku"])  # the style code is not sellable


# --- only against a real MongoDB -------------------------------------------------------------------
@pytest.fixture
def real_catalog():
    handle = connect(REAL_MONGO, f"ecomart_test_{uuid.uuid4().hex[:8]}")
    try:
        report = bootstrap(handle)
        yield Catalog(handle), report
    finally:
        handle.client.drop_database(handle.db.name)
        handle.close()


@needs_real_mongo
def test_real_server_enforces_the_validator(real_catalog):
    import pymongo

    c, report = real_catalog
    assert any("validator products: created" in a for a in report.actions)
    c.products.insert_one(SHAPES["electronics"])  # bypasses the client-side check on purpose
    bad = copy.deepcopy(SHAPES["apparel"])
    bad.update(_id="p-bad", productId="p-bad", sku="BAD-00001")
    del bad["variants"]
    with pytest.raises(pymongo.errors.WriteError) as exc:
        c.products.insert_one(bad)
    assert exc.value.code == 121  # DocumentValidationFailure
    again = bootstrap(c.handle)
    assert any("updated (collMod)" in a for a in again.actions)


@needs_real_mongo
def test_real_server_stores_embeddings_as_float32_vectors_and_validates_them(real_catalog):
    """The server's validator takes the binData vector the app writes (and an earlier release's 256-array) and
    refuses a short array; the vector reads back as subtype 9. Runs only with MONGODB_URI (not run here)."""
    import pymongo
    from bson.binary import Binary

    from app.search import is_current, vector_of

    c, _ = real_catalog
    doc = copy.deepcopy(SHAPES["electronics"])
    c.insert_product(doc)
    stored = c.products.find_one({"_id": doc["_id"]})["embedding"]
    assert isinstance(stored, Binary) and stored.subtype == 9 and is_current(stored)
    assert len(vector_of(stored)) == 256
    c.products.update_one({"_id": doc["_id"]}, {"$set": {"embedding": [0.0] * 256}})  # the earlier form
    with pytest.raises(pymongo.errors.WriteError) as exc:
        c.products.update_one({"_id": doc["_id"]}, {"$set": {"embedding": [0.0] * 3}})
    assert exc.value.code == 121


@needs_real_mongo
def test_real_server_text_search_and_unique_variant_skus(real_catalog):
    import pymongo

    c, _ = real_catalog
    for doc in build_products(40, seed=9):
        c.insert_product(doc)
    target = next(d for d in c.products.find({"type": "grocery", "active": True}))
    res = c.list_products(ListQuery(q=target["name"].split()[-3]))
    assert res["search_mode"] == "text" and target["_id"] in [i["id"] for i in res["items"]]
    apparel = c.products.find_one({"type": "apparel"})
    dup = copy.deepcopy(SHAPES["apparel"])
    dup["variants"][0]["sku"] = apparel["variants"][0]["sku"]
    if c.handle.topology() != "mongos":
        with pytest.raises(pymongo.errors.DuplicateKeyError):
            c.products.insert_one(dup)


@needs_real_mongo
def test_real_server_review_is_transactional_where_supported(real_catalog):
    c, _ = real_catalog
    if not c.handle.supports_transactions():
        pytest.skip("MONGODB_URI points at a standalone server: transactions need a replica set or mongos")
    doc = copy.deepcopy(SHAPES["home"])
    doc.update(_id="p-tx", productId="p-tx", sku="TXN-00001", rating={"avg": 0, "count": 0, "sum": 0})
    c.insert_product(doc)
    c.add_review("p-tx", 1, "DE", 5)
    assert c.get_raw("p-tx")["rating"]["count"] == 1
    assert c.reviews.count_documents({"productId": "p-tx"}) == 1
