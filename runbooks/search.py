"""Catalog search: are the Atlas search indexes queryable, and does every product carry a current embedding?

A product without one (imported around the app, written before embeddings, or stored as an array by an earlier
release) is invisible to the semantic mode; an index that is missing or not queryable makes the search answer
503. The repair re-embeds products with the app's own function (app/search.with_embedding), each update
conditional on the embedding it read, so a product the app changes meanwhile keeps the app's (newer) vector.
"""

from __future__ import annotations

from typing import Any

from platform_rules import SEARCH_TEXT_INDEX, SEARCH_VECTOR_INDEX
from runbooks.core import Context, Param, RunbookError, runbook
from runbooks.reconciliation import catalog_db

EXIT_FINDINGS = 3
INDEXES = (SEARCH_VECTOR_INDEX, SEARCH_TEXT_INDEX)


def embedding_state(value: Any) -> str:
    """``current``, ``array`` (an earlier release's form, still searched) or ``missing`` (not searched)."""
    from app.search import is_current, vector_of

    if is_current(value):
        return "current"
    return "array" if vector_of(value) is not None else "missing"


def index_findings(listed: list[dict]) -> dict[str, str]:
    """Each expected index that is not ready to query, with why, from ``$listSearchIndexes``'s documents
    (https://www.mongodb.com/docs/manual/reference/operator/aggregation/listSearchIndexes/: name, status,
    queryable)."""
    by_name = {i.get("name"): i for i in listed}
    out = {}
    for name in INDEXES:
        idx = by_name.get(name)
        if idx is None:
            out[name] = "missing (run `pulumi up`: the service declares it)"
        elif not idx.get("queryable"):
            out[name] = f"not queryable (status {idx.get('status', 'unknown')})"
    return out


@runbook(
    "catalog-search-check",
    "Catalog search indexes and embeddings",
    "the Atlas search indexes queryable and every product with a current embedding; --execute re-embeds; exit 3 "
    "on findings",
    params=(Param("batch", "products read and re-embedded per round (one update per product)", 500, int),),
    changes=("mongodb:products.update_one",),
)
def search_check(ctx: Context) -> int:
    batch = ctx.params["batch"]
    if not isinstance(batch, int) or batch < 1:
        raise RunbookError(f"--batch {batch}: must be a positive number")
    db = catalog_db(ctx)
    handle = ctx.extra.get("mongo")
    findings = 0
    with ctx.step(
        "Read the products collection's Atlas search indexes ($listSearchIndexes)",
        verify=f"{' and '.join(INDEXES)} exist and are queryable",
    ):
        if handle is not None and getattr(handle, "is_mock", False):
            ctx.note("a local store (mongomock) has no Atlas Search: the search runs its exact scan; nothing to read")
        else:
            ctx.record_call("read", "mongodb", "products.aggregate", "catalog", {"pipeline": ["$listSearchIndexes"]})
            try:
                listed = list(db.products.aggregate([{"$listSearchIndexes": {}}]))
            except Exception as e:  # not Atlas, or a tier without search: say so in one line
                raise RunbookError(
                    f"$listSearchIndexes refused ({e.__class__.__name__}: {str(e).splitlines()[0][:160]}): "
                    "the catalog is not an Atlas cluster with search, or the user lacks the read role"
                ) from None
            bad = index_findings(listed)
            for name in INDEXES:
                ctx.observe(f"search index {name} queryable", name not in bad, bad.get(name, "ready"))
            findings += len(bad)
            ctx.measure("indexes_not_queryable", sorted(bad))
    with ctx.step("Count products by embedding state", verify="every product's embedding is current"):
        ctx.record_call("read", "mongodb", "products.find", "catalog", {"projection": ["embedding"]})
        states: dict[str, list] = {"current": [], "array": [], "missing": []}
        for d in db.products.find({}, {"embedding": 1}):
            states[embedding_state(d.get("embedding"))].append((d["_id"], d.get("embedding")))
        for state, rows in states.items():
            ctx.measure(f"products_{state}", len(rows))
        stale = states["array"] + states["missing"]
        ctx.observe(
            "every product has a current embedding",
            not stale,
            f"{len(states['missing'])} without (not found by the semantic mode), {len(states['array'])} stored as "
            "arrays by an earlier release (still searched)",
        )
        findings += bool(stale)
    with ctx.step(
        f"Re-embed the {len(stale)} products, {batch} per round, each update conditional on the embedding read",
        verify="a re-count finds every product current",
    ):
        from app.search import is_current, with_embedding

        if not stale:
            ctx.skip("nothing to re-embed")
        changed = meanwhile = 0
        for start in range(0, len(stale), batch):
            ids = [pid for pid, _ in stale[start : start + batch]]
            ctx.record_call(
                "call" if ctx.execute else "would",
                "mongodb",
                "products.update_one",
                "catalog",
                {"products": len(ids), "first": ids[0], "set": ["embedding"]},
            )
            if not ctx.execute:
                continue
            for doc in db.products.find({"_id": {"$in": ids}}):
                if is_current(doc.get("embedding")):  # the app re-embedded it meanwhile
                    meanwhile += 1
                    continue
                # {embedding: null} also matches a document without the field (MongoDB's equality on null)
                cond = {"_id": doc["_id"], "embedding": doc.get("embedding")}
                res = db.products.update_one(cond, {"$set": {"embedding": with_embedding(doc)["embedding"]}})
                changed += res.modified_count
                meanwhile += 1 - res.modified_count
        if ctx.execute and stale:
            ctx.measure("re_embedded", changed)
            ctx.measure("changed_meanwhile", meanwhile)
            left = sum(1 for d in db.products.find({}, {"embedding": 1}) if not is_current(d.get("embedding")))
            ctx.measure("not_current_after", left)
            ctx.check("every product has a current embedding after the repair", left == 0, f"{left} left")
            findings -= 1
    return EXIT_FINDINGS if findings else 0
