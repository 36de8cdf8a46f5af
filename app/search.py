"""Product search by meaning (issue 26): text, semantic and hybrid.

- **text**: Atlas Search over the ``products_text`` index on Atlas; the catalog's own token match on a local store
  (mongomock has no text index), ranked by relevance.
- **semantic**: the query's embedding against every product's (``embedding``, app/embeddings.py). On Atlas,
  ``$vectorSearch`` over the ``products_semantic`` index (cosine, 256 dimensions, filters on category and active:
  components/atlas.py declares it); on any other store an exact nearest-neighbour scan over the stored vectors,
  which the response names as such (``engine``).
- **hybrid**: reciprocal rank fusion of the two (each list's 1 / (60 + rank), summed): robust to the two scores'
  different scales, and the usual way Atlas itself documents hybrid search.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bson.binary import Binary, BinaryVectorDtype

from platform_rules import SEARCH_TEXT_INDEX, SEARCH_VECTOR_INDEX

from .catalog import Catalog, ListQuery, to_public
from .embeddings import DIMENSIONS, embedder, product_text
from .errors import AppError


class SearchIndexMissing(AppError):
    """The store cannot run $vectorSearch (no Atlas Vector Search index): 503 naming it, not a server error."""

    status = 503
    code = "search_index_unavailable"


MODES = ("text", "semantic", "hybrid")
VECTOR_INDEX = SEARCH_VECTOR_INDEX  # components/service.py declares it
RRF_K = 60
CANDIDATES = 200  # ranked per list before fusion / pagination (Atlas: numCandidates is 10x this page's need)
ENGINE_ATLAS = "atlas-vector-search"
ENGINE_EXACT = "exact nearest neighbours over the stored vectors (local store: not Atlas Vector Search)"


def stored_vector(vector: Any) -> Binary:
    """An embedding as stored: a BSON binData vector of float32 (subtype 9), which Atlas Vector Search indexes like
    an array of numbers in about a third of the disk (1 KB against 3.3 KB here), and which a local store reads
    without copying 256 numbers one by one (https://www.mongodb.com/docs/atlas/atlas-vector-search/create-bson-vectors/;
    pymongo 4.10 or later, Atlas 6.0.11 / 7.0.2 or later)."""
    return Binary.from_vector([float(x) for x in vector], BinaryVectorDtype.FLOAT32)


def is_current(value: Any) -> bool:
    """Whether a stored embedding is in the current format (an array from an earlier release is re-embedded)."""
    return isinstance(value, Binary) and value.subtype == 9 and len(value) == 2 + 4 * DIMENSIONS


def vector_of(value: Any) -> Any:
    """A stored embedding (binData float32 vector, or an array of numbers) as float32, or None when it is neither
    (a product written before embeddings: found by text only)."""
    import numpy as np

    if isinstance(value, Binary) and value.subtype == 9:
        if bytes(value[:1]) != BinaryVectorDtype.FLOAT32.value or len(value) != 2 + 4 * DIMENSIONS:
            return None
        return np.frombuffer(value, dtype="<f4", offset=2)
    if isinstance(value, list) and len(value) == DIMENSIONS:
        return np.asarray(value, dtype=np.float32)
    return None


def with_embedding(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with its ``embedding`` (computed from its text fields)."""
    return {**doc, "embedding": stored_vector(embedder().embed([product_text(doc)])[0])}


def embed_all(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every document with its embedding, in one batch (the seed's 240 products: one call)."""
    vectors = embedder().embed([product_text(d) for d in docs])
    return [{**d, "embedding": stored_vector(v)} for d, v in zip(docs, vectors, strict=True)]


@dataclass
class SearchResult:
    mode: str
    engine: str
    items: list[dict[str, Any]]
    total: int


def _filters(query: ListQuery, catalog: Catalog) -> dict[str, Any]:
    match, _ = catalog._match(ListQuery(**{**query.__dict__, "q": None}))
    return match


def text_search_pipeline(q: str, match: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    """Atlas Search over the ``products_text`` index (components/service.py declares it), then the filters."""
    return [
        {"$search": {"index": SEARCH_TEXT_INDEX, "text": {"query": q, "path": ["name", "description", "tags"]}}},
        {"$match": match},
        {"$limit": limit},
        {"$project": {"_id": 1}},
    ]


def _text_ranked(catalog: Catalog, query: ListQuery) -> list[str]:
    if not catalog.handle.is_mock:  # Atlas: its search index, the one the deploy builds
        import pymongo.errors

        pipeline = text_search_pipeline(query.q or "", _filters(query, catalog), CANDIDATES)
        try:
            return [d["_id"] for d in catalog._guard(lambda: list(catalog.products.aggregate(pipeline)))]
        except pymongo.errors.OperationFailure as exc:
            raise SearchIndexMissing(
                f"text search needs the Atlas Search index {SEARCH_TEXT_INDEX!r} (runbook catalog-search-check) "
                f"({str(exc).splitlines()[0][:120]})"
            ) from None
    q = ListQuery(**{**query.__dict__, "limit": CANDIDATES, "offset": 0, "sort": "relevance"})
    result = catalog._guard(lambda: list(catalog.products.aggregate(catalog.list_pipeline(q))))
    items = (result[0] if result else {}).get("items", [])
    return [d["_id"] for d in items]


def _semantic_ranked(catalog: Catalog, query: ListQuery, vector: list[float]) -> tuple[list[str], str]:
    match = _filters(query, catalog)
    if not catalog.handle.is_mock:
        import pymongo.errors

        pipeline = vector_search_pipeline(vector, match, CANDIDATES)
        try:
            docs = catalog._guard(lambda: list(catalog.products.aggregate(pipeline)))
        except pymongo.errors.OperationFailure as exc:  # not Atlas, or the index is not built (yet)
            raise SearchIndexMissing(
                f"semantic search needs the Atlas Vector Search index {VECTOR_INDEX!r} on the products collection "
                f"(runbook catalog-search-check); mode=text works meanwhile ({str(exc).splitlines()[0][:120]})"
            ) from None
        return [d["_id"] for d in docs], ENGINE_ATLAS
    import numpy as np

    ids, rows = [], []
    for d in catalog._guard(lambda: list(catalog.products.find(match, {"embedding": 1}))):
        v = vector_of(d.get("embedding"))
        if v is not None:
            ids.append(d["_id"])
            rows.append(v)
    if not rows:
        return [], ENGINE_EXACT
    scores = np.vstack(rows) @ np.asarray(vector, dtype=np.float32)
    order = np.lexsort((np.arange(len(ids)), -scores))[:CANDIDATES]  # best first, ties in store order
    return [ids[i] for i in order], ENGINE_EXACT


def vector_search_pipeline(vector: list[float], match: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    """Atlas ``$vectorSearch`` with the listing's filters: category and active go into the index's pre-filter
    (the fields components/atlas.py indexes as filters); anything else (price, certification) filters after."""
    pre: dict[str, Any] = {"active": True}
    post: list[dict[str, Any]] = []
    for clause in match.get("$and", [match]):
        if "categories" in clause:
            pre["categories"] = clause["categories"]
        elif clause != {"active": True}:
            post.append(clause)
    pipeline: list[dict[str, Any]] = [
        {
            "$vectorSearch": {
                "index": VECTOR_INDEX,
                "path": "embedding",
                "queryVector": vector,
                "numCandidates": limit * 10,
                "limit": limit,
                "filter": pre,
            }
        },
        {"$project": {"_id": 1}},
    ]
    if post:
        pipeline.insert(1, {"$match": {"$and": post}})
    return pipeline


def fuse(*ranked: list[str], k: int = RRF_K) -> list[str]:
    """Reciprocal rank fusion: each list gives 1 / (k + rank) (rank from 1); ties by first appearance."""
    score: dict[str, float] = {}
    first: dict[str, int] = {}
    for lst in ranked:
        for rank, pid in enumerate(lst, start=1):
            score[pid] = score.get(pid, 0.0) + 1.0 / (k + rank)
            first.setdefault(pid, len(first))
    return sorted(score, key=lambda p: (-score[p], first[p]))


def search(catalog: Catalog, query: ListQuery, mode: str) -> SearchResult:
    """Ranked products for ``query.q`` in ``mode``, with the listing's filters and pagination."""
    if mode == "text":
        ids, engine = _text_ranked(catalog, query), "text"
    else:
        vector = embedder().embed_one(query.q or "")
        semantic, engine = _semantic_ranked(catalog, query, vector)
        ids = semantic if mode == "semantic" else fuse(_text_ranked(catalog, query), semantic)
        engine = engine if mode == "semantic" else f"rrf(text, {engine})"
    page = ids[query.offset : query.offset + query.limit]
    docs = {d["_id"]: d for d in catalog._guard(lambda: list(catalog.products.find({"_id": {"$in": page}})))}
    items = [to_public(docs[p]) for p in page if p in docs]
    return SearchResult(mode, engine, items, len(ids))
