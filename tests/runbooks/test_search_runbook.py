"""catalog-search-check (runbooks/search.py): counts products by embedding state, re-embeds with --execute only,
conditionally; the Atlas index check from $listSearchIndexes's documented fields. The catalog is mongomock: the
index listing itself runs only on Atlas (not here), so its reading is tested on documents of the documented shape
(https://www.mongodb.com/docs/manual/reference/operator/aggregation/listSearchIndexes/)."""

from __future__ import annotations

import mongomock
import pytest

from app.catalog import Catalog
from app.mongo import MongoHandle
from app.search import embed_all, is_current, vector_of
from devtools.seed import build_products
from runbooks.search import embedding_state, index_findings
from tests.runbooks.conftest import run_book


@pytest.fixture
def handle():
    client = mongomock.MongoClient()
    h = MongoHandle(client=client, db=client["catalog"], is_mock=True)
    docs = embed_all(build_products(12))
    # two without an embedding (imported around the app), two as arrays (an earlier release), one malformed
    for d in docs[:2]:
        d.pop("embedding")
    for d in docs[2:4]:
        d["embedding"] = [float(x) for x in vector_of(d["embedding"])]
    docs[4]["embedding"] = "not a vector"
    Catalog(h).products.insert_many(docs)
    return h


def states(h):
    return sorted(embedding_state(d.get("embedding")) for d in h.db.products.find())


def test_dry_run_counts_and_changes_nothing(handle, tmp_path):
    before = list(handle.db.products.find())
    code, ev, out, _ = run_book("catalog-search-check", {"stack": "dev"}, tmp_path=tmp_path, extra={"mongo": handle})
    assert code == 3, out
    m = {k: v["value"] for k, v in ev["measurements"].items()}
    assert (m["products_current"], m["products_array"], m["products_missing"]) == (7, 2, 3)
    assert list(handle.db.products.find()) == before
    assert "WOULD CALL mongodb.products.update_one" in out
    assert all(c["mode"] in ("read", "would") for s in ev["steps"] for c in s["calls"])
    assert "no Atlas Search" in out


def test_execute_re_embeds_each_stale_product_with_the_apps_vector(handle, tmp_path):
    arrays = {d["_id"]: d["embedding"] for d in handle.db.products.find() if isinstance(d.get("embedding"), list)}
    untouched = {d["_id"]: d for d in handle.db.products.find() if is_current(d.get("embedding"))}
    code, ev, out, _ = run_book(
        "catalog-search-check", {"stack": "dev"}, {"batch": 2}, execute=True, tmp_path=tmp_path, extra={"mongo": handle}
    )
    assert code == 0, out
    assert ev["measurements"]["re_embedded"]["value"] == 5 and ev["measurements"]["not_current_after"]["value"] == 0
    assert states(handle) == ["current"] * 12
    for pid, old in arrays.items():  # the same vector, now in the stored form
        new = vector_of(handle.db.products.find_one({"_id": pid})["embedding"])
        assert max(abs(a - b) for a, b in zip(new, old, strict=True)) < 1e-6
    for pid, doc in untouched.items():
        assert handle.db.products.find_one({"_id": pid}) == doc, "a current product is not rewritten"
    code, ev, out, _ = run_book("catalog-search-check", {"stack": "dev"}, tmp_path=tmp_path, extra={"mongo": handle})
    assert code == 0 and ev["measurements"]["products_current"]["value"] == 12, out


def test_a_product_the_app_re_embedded_meanwhile_keeps_its_vector(handle, tmp_path, monkeypatch):
    """Between the count and the update the app re-embeds one product: the runbook leaves it alone."""
    import runbooks.search as R
    from app.search import with_embedding

    target = next(d for d in handle.db.products.find() if "embedding" not in d)
    mine = with_embedding({**target, "name": "renamed by the app"})["embedding"]
    real = R.embedding_state
    done = []

    def racing(value):
        if not done:  # the first product read: the app writes its own vector right after the count
            handle.db.products.update_one({"_id": target["_id"]}, {"$set": {"embedding": mine}})
            done.append(1)
        return real(value)

    monkeypatch.setattr(R, "embedding_state", racing)
    code, ev, out, _ = run_book(
        "catalog-search-check", {"stack": "dev"}, execute=True, tmp_path=tmp_path, extra={"mongo": handle}
    )
    assert code == 0, out
    assert handle.db.products.find_one({"_id": target["_id"]})["embedding"] == mine
    assert ev["measurements"]["changed_meanwhile"]["value"] == 1 and ev["measurements"]["re_embedded"]["value"] == 4


def test_index_findings_from_list_search_indexes_documents():
    ready = {"name": "products_semantic", "status": "READY", "queryable": True}
    text_building = {"name": "products_text", "status": "BUILDING", "queryable": False}
    assert index_findings([ready, {**text_building, "status": "READY", "queryable": True}]) == {}
    assert index_findings([ready, text_building]) == {"products_text": "not queryable (status BUILDING)"}
    # a stale index still answers queries while its new definition builds: queryable, not a finding
    assert index_findings([ready, {"name": "products_text", "status": "STALE", "queryable": True}]) == {}
    got = index_findings([{"name": "other", "queryable": True}])
    assert set(got) == {"products_semantic", "products_text"} and all("missing" in v for v in got.values())
    assert index_findings([ready, {"name": "products_text"}]) == {"products_text": "not queryable (status unknown)"}


def test_a_store_without_atlas_search_is_one_line(handle, tmp_path):
    not_mock = MongoHandle(client=handle.client, db=handle.db, is_mock=False)  # mongomock refuses the stage
    code, ev, out, _ = run_book("catalog-search-check", {"stack": "dev"}, tmp_path=tmp_path, extra={"mongo": not_mock})
    assert code == 2 and ev["error"].startswith("$listSearchIndexes refused"), out
    assert "Traceback" not in out and "\n" not in ev["error"]


def test_bad_batch_is_one_line(handle, tmp_path):
    code, ev, out, _ = run_book(
        "catalog-search-check", {"stack": "dev"}, {"batch": 0}, tmp_path=tmp_path, extra={"mongo": handle}
    )
    assert code == 2 and ev["error"] == "--batch 0: must be a positive number"


def test_an_app_write_between_the_read_and_the_update_wins(handle, tmp_path, monkeypatch):
    """The app re-embeds a product after the runbook read it and before its update lands: the update, conditional
    on the embedding read, changes nothing."""
    import app.search as S

    target = next(d for d in handle.db.products.find() if isinstance(d.get("embedding"), list))
    mine = S.with_embedding({**target, "name": "renamed by the app"})["embedding"]
    real = S.with_embedding

    def racing(doc):
        out = real(doc)
        if doc["_id"] == target["_id"]:
            handle.db.products.update_one({"_id": target["_id"]}, {"$set": {"embedding": mine}})
        return out

    monkeypatch.setattr(S, "with_embedding", racing)
    code, ev, out, _ = run_book(
        "catalog-search-check", {"stack": "dev"}, execute=True, tmp_path=tmp_path, extra={"mongo": handle}
    )
    assert code == 0, out
    assert handle.db.products.find_one({"_id": target["_id"]})["embedding"] == mine
    assert ev["measurements"]["changed_meanwhile"]["value"] == 1
