"""Product search by meaning (app/search.py): embeddings kept with the product, the three modes over HTTP, the
fusion's arithmetic, the Atlas pipeline's shape, and the measured relevance the docs quote (semantic and hybrid
well above the local text match on the labelled queries). Only mongomock runs here: Atlas Vector Search itself
is exercised when MONGODB_URI points at an Atlas cluster with the index, not in this suite."""

from __future__ import annotations

import mongomock
import pytest
import yaml

from app import search as S
from app.catalog import Catalog, ListQuery
from app.mongo import MongoHandle
from devtools.seed import build_products


@pytest.fixture(scope="module")
def catalog():
    client = mongomock.MongoClient()
    handle = MongoHandle(client=client, db=client["catalog"], is_mock=True)
    c = Catalog(handle)
    c.products.insert_many(S.embed_all(build_products(240)))
    return c


def test_search_route_finds_by_meaning_and_names_its_engine(http, seeded):
    r = http.get("/products/search", params={"q": "hooded sweatshirt", "mode": "semantic", "limit": 5})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["mode"] == "semantic" and body["engine"] == S.ENGINE_EXACT
    assert body["items"] and all("embedding" not in item for item in body["items"])
    assert "Hoodie" in body["items"][0]["name"], body["items"][0]["name"]  # no word in common with the query
    hybrid = http.get("/products/search", params={"q": "eco friendly tee"}).json()
    assert hybrid["mode"] == "hybrid" and hybrid["engine"].startswith("rrf(text, ")
    assert http.get("/products/search", params={"q": "tee", "mode": "vector"}).status_code == 422
    assert http.get("/products/search", params={"q": "tee", "offset": 190, "limit": 20}).status_code == 422
    # the listing's filters, checked as /products checks them
    bad = http.get("/products/search", params={"q": "tee", "min_price": "20", "max_price": "10"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "min_price", bad.text
    assert http.get("/products/search", params={"q": "!! ??"}).json()["error"]["field"] == "q"
    assert http.get(f"/products/{body['items'][0]['id']}").json().get("embedding") is None


def test_filters_apply_to_every_mode(catalog):
    for mode in S.MODES:
        res = S.search(catalog, ListQuery(q="organic cotton", category="groceries", limit=20), mode)
        assert all("groceries" in item["categories"] for item in res.items), mode


@pytest.mark.parametrize("mode", S.MODES)
def test_pages_follow_one_ranking_without_overlap(catalog, mode):
    res = S.search(catalog, ListQuery(q="organic", limit=12), mode)
    whole = [i["id"] for i in res.items]
    first = [i["id"] for i in S.search(catalog, ListQuery(q="organic", limit=6), mode).items]
    second = [i["id"] for i in S.search(catalog, ListQuery(q="organic", limit=6, offset=6), mode).items]
    assert res.total > 12 and len(whole) == 12 and first + second == whole


def test_price_and_certification_filters_apply_in_every_mode(catalog):
    for mode in S.MODES:
        res = S.search(catalog, ListQuery(q="organic cotton", min_cents=1000, max_cents=2500, limit=50), mode)
        assert res.items, mode
        assert all(1000 <= i["price"]["amount_cents"] <= 2500 for i in res.items), mode
        cert = S.search(catalog, ListQuery(q="organic cotton", certification="GOTS", limit=50), mode)
        assert cert.items and all(any(c["name"] == "GOTS" for c in i.get("certifications", [])) for i in cert.items), (
            mode
        )


def test_embeddings_follow_the_products_text(catalog):
    doc = {**build_products(1, seed=99)[0], "_id": "p-test-000001", "productId": "p-test-000001", "sku": "TEST-0001"}
    catalog.insert_product(doc)
    stored = catalog.get_raw("p-test-000001")
    assert S.is_current(stored["embedding"]) and len(S.vector_of(stored["embedding"])) == 256
    catalog.update_product("p-test-000001", {"price": {"amount_cents": 999, "currency": "EUR"}})
    assert catalog.get_raw("p-test-000001")["embedding"] == stored["embedding"], "a price is not text"
    catalog.update_product("p-test-000001", {"name": "Solar Power Bank for hikers"})
    renamed = catalog.get_raw("p-test-000001")["embedding"]
    assert renamed != stored["embedding"], "a new name is re-embedded"
    # every field the text is computed from counts (app/embeddings.product_text), materials included
    catalog.update_product("p-test-000001", {"materials": ["recycled aluminium"]})
    assert catalog.get_raw("p-test-000001")["embedding"] != renamed, "new materials are re-embedded"


def test_embeddings_are_stored_as_bson_float32_vectors():
    """Atlas Vector Search indexes binData float32 vectors (subtype 9) like arrays, in about a third of the disk:
    https://www.mongodb.com/docs/atlas/atlas-vector-search/create-bson-vectors/. The bytes decode to the model's
    vector, to float32 precision, and round-trip through BSON."""
    import bson
    import numpy as np
    from bson.binary import Binary, BinaryVectorDtype

    from app.embeddings import embedder

    v = embedder().embed(["organic cotton t-shirt"])[0]
    stored = S.stored_vector(v)
    assert isinstance(stored, Binary) and stored.subtype == 9 and len(stored) == 2 + 4 * 256
    assert stored.as_vector().dtype == BinaryVectorDtype.FLOAT32
    np.testing.assert_allclose(S.vector_of(stored), v, rtol=1e-6)
    back = bson.decode(bson.encode({"e": stored}))["e"]
    assert back == stored and back.subtype == 9
    assert len(bson.encode({"e": stored})) < len(bson.encode({"e": [float(x) for x in v]})) / 3


def test_stored_embeddings_in_other_forms():
    from bson.binary import Binary, BinaryVectorDtype

    legacy = [0.1] * 256
    assert S.vector_of(legacy).shape == (256,) and not S.is_current(legacy)
    assert S.vector_of([0.1] * 255) is None and S.vector_of(None) is None and S.vector_of("x") is None
    int8 = Binary.from_vector([1] * 256, BinaryVectorDtype.INT8)
    assert S.vector_of(int8) is None and not S.is_current(int8), "an int8 vector is not this model's"
    short = Binary.from_vector([0.5] * 128, BinaryVectorDtype.FLOAT32)
    assert S.vector_of(short) is None and not S.is_current(short)
    assert S.vector_of(Binary(b"\x27\x00" + b"\x00" * 1024)) is None, "subtype 0 is not a vector"


def test_an_array_embedding_from_an_earlier_release_is_re_embedded_and_still_searched(catalog):
    doc = {**build_products(1, seed=98)[0], "_id": "p-test-000002", "productId": "p-test-000002", "sku": "TEST-0002"}
    catalog.insert_product(doc)
    vector = S.vector_of(catalog.get_raw("p-test-000002")["embedding"])
    catalog.products.update_one({"_id": "p-test-000002"}, {"$set": {"embedding": [float(x) for x in vector]}})
    ranked, _ = S._semantic_ranked(catalog, ListQuery(q="x", limit=10), [float(x) for x in vector])
    assert ranked[0] == "p-test-000002", "the array form is still read"
    catalog.update_product("p-test-000002", {"price": {"amount_cents": 1234, "currency": "EUR"}})
    assert S.is_current(catalog.get_raw("p-test-000002")["embedding"]), "any update brings it to the current form"


def test_the_validator_takes_a_vector_and_refuses_other_embeddings():
    from bson.binary import Binary, BinaryVectorDtype

    from app.catalog import product_errors

    doc = build_products(1, seed=97)[0]
    assert product_errors({**doc, "embedding": S.stored_vector([0.0] * 256)}) == []
    assert product_errors({**doc, "embedding": [0.0] * 256}) == []
    assert any(e.startswith("embedding:") for e in product_errors({**doc, "embedding": [0.0] * 3}))
    assert any(e.startswith("embedding:") for e in product_errors({**doc, "embedding": "0.1,0.2"}))
    assert product_errors({**doc, "embedding": Binary.from_vector([1.0] * 256, BinaryVectorDtype.FLOAT32)}) == []


def test_reciprocal_rank_fusion():
    # k = 60 (ADR 0030): a product 61st in both lists outranks one first in a single list (2/121 > 1/61);
    # with a smaller k it would not
    a = ["x", *(f"a{i}" for i in range(59)), "y"]
    b = [*(f"b{i}" for i in range(60)), "y"]
    assert S.fuse(a, b)[:2] == ["y", "x"]
    assert S.fuse(["a", "b", "c"], ["c", "a"]) == ["a", "c", "b"]  # a: 1/61+1/62, c: 1/63+1/61, b: 1/62
    assert S.fuse(["x"], []) == ["x"] and S.fuse([], []) == []


def test_the_atlas_pipeline_prefilters_on_the_indexed_fields():
    match = {"$and": [{"active": True}, {"categories": "apparel"}, {"price.amount_cents": {"$lte": 2000}}]}
    pipe = S.vector_search_pipeline([0.0] * 256, match, 50)
    vs = pipe[0]["$vectorSearch"]
    assert vs["index"] == S.VECTOR_INDEX and vs["path"] == "embedding" and vs["numCandidates"] == 500
    assert vs["filter"] == {"active": True, "categories": "apparel"}
    assert pipe[1] == {"$match": {"$and": [{"price.amount_cents": {"$lte": 2000}}]}}


@pytest.mark.long(seconds=15)
def test_measured_relevance_semantic_and_hybrid_beat_the_token_match(catalog):
    """The figures docs/adr/0030 quotes come from this evaluation (bench/search_relevance.py)."""
    from bench.search_relevance import QUERIES, evaluate

    labels = yaml.safe_load(QUERIES.read_text())
    assert len(labels) >= 40
    s = evaluate(catalog, labels)["summary"]
    assert s["semantic"]["ndcg@10"] >= 0.6 and s["hybrid"]["ndcg@10"] >= 0.6
    assert s["semantic"]["ndcg@10"] > s["text"]["ndcg@10"] + 0.3
    assert s["hybrid"]["recall@10"] >= s["semantic"]["recall@10"] - 0.05


def test_a_store_without_the_vector_index_answers_503_naming_it(catalog, monkeypatch):
    """On a real server without Atlas Vector Search (a self-hosted MongoDB, or the index not built yet) the
    aggregation fails; the API says which index is missing instead of a 500. (Shape checked on mongomock with the
    server's error raised in its place: no real MongoDB here.)"""
    import pymongo.errors

    real = Catalog(MongoHandle(client=catalog.handle.client, db=catalog.handle.db, is_mock=False))

    def refuse(pipeline, *a, **k):
        raise pymongo.errors.OperationFailure("$vectorSearch stage is only allowed on MongoDB Atlas", code=6047401)

    monkeypatch.setattr(real.products, "aggregate", refuse)
    with pytest.raises(S.SearchIndexMissing, match="needs the Atlas Vector Search index 'products_semantic'"):
        S.search(real, ListQuery(q="hooded sweatshirt"), "semantic")
    with pytest.raises(S.SearchIndexMissing, match="needs the Atlas Search index 'products_text'") as err:
        S.search(real, ListQuery(q="hooded sweatshirt"), "text")
    assert "runbook catalog-search-check" in str(err.value), "the operator's next step"
    from runbooks.runner import load_all

    assert "catalog-search-check" in load_all()


def test_the_atlas_text_pipeline_searches_the_declared_index_then_filters():
    pipe = S.text_search_pipeline("hoodie", {"$and": [{"active": True}, {"categories": "apparel"}]}, 200)
    assert pipe[0]["$search"]["index"] == "products_text" and pipe[0]["$search"]["text"]["query"] == "hoodie"
    assert pipe[1] == {"$match": {"$and": [{"active": True}, {"categories": "apparel"}]}} and pipe[2] == {"$limit": 200}


def test_every_atlas_version_the_stack_allows_indexes_binary_vectors():
    """binData float32 vectors need Atlas 6.0.11 / 7.0.2 or later (MongoDB's create-bson-vectors page; Atlas keeps
    clusters on a major version's latest minor): a stack allowed an older major would store vectors it cannot
    index. The create-index page recommends this form before indexing."""
    from components.atlas import MONGODB_MAJOR_VERSIONS

    assert all(tuple(map(int, v.split("."))) >= (7, 0) for v in MONGODB_MAJOR_VERSIONS), MONGODB_MAJOR_VERSIONS
