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
    assert http.get(f"/products/{body['items'][0]['id']}").json().get("embedding") is None


def test_filters_apply_to_every_mode(catalog):
    for mode in S.MODES:
        res = S.search(catalog, ListQuery(q="organic cotton", category="groceries", limit=20), mode)
        assert all("groceries" in item["categories"] for item in res.items), mode


def test_embeddings_follow_the_products_text(catalog):
    doc = {**build_products(1, seed=99)[0], "_id": "p-test-000001", "productId": "p-test-000001", "sku": "TEST-0001"}
    catalog.insert_product(doc)
    stored = catalog.get_raw("p-test-000001")
    assert len(stored["embedding"]) == 256
    catalog.update_product("p-test-000001", {"price": {"amount_cents": 999, "currency": "EUR"}})
    assert catalog.get_raw("p-test-000001")["embedding"] == stored["embedding"], "a price is not text"
    catalog.update_product("p-test-000001", {"name": "Solar Power Bank for hikers"})
    assert catalog.get_raw("p-test-000001")["embedding"] != stored["embedding"], "a new name is re-embedded"


def test_reciprocal_rank_fusion():
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
    with pytest.raises(S.SearchIndexMissing, match="needs the Atlas Search index 'products_text'"):
        S.search(real, ListQuery(q="hooded sweatshirt"), "text")


def test_the_atlas_text_pipeline_searches_the_declared_index_then_filters():
    pipe = S.text_search_pipeline("hoodie", {"$and": [{"active": True}, {"categories": "apparel"}]}, 200)
    assert pipe[0]["$search"]["index"] == "products_text" and pipe[0]["$search"]["text"]["query"] == "hoodie"
    assert pipe[1] == {"$match": {"$and": [{"active": True}, {"categories": "apparel"}]}} and pipe[2] == {"$limit": 200}
