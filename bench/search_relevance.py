"""Product search relevance and latency (app/search.py): nDCG@10 and recall@10 of text, semantic and hybrid search
over the labelled queries in bench/search_queries.yaml, on the sample catalog (240 products, a local store: the
text mode is mongomock's token match, not Atlas Search; semantic is the exact scan Atlas Vector Search
approximates); and the latency of a whole local search request (mongomock) over the sample catalog and 10,000
products (``--whole 10000,100000`` adds 100,000: about three more minutes, outside ``make bench``'s budget), beside
the exact scan's own cost at 100,000.

At scale the local store, not the search, is the cost: mongomock 4.3's cursor copies its remaining results on every
document it yields (``Cursor.__next__`` slices ``_results[skip:]``), so reading n documents costs O(n^2), and
``aggregate`` reads the collection through such a cursor first. Atlas does neither.

nDCG@10 uses graded gains (2^grade - 1; grade 2 for the best matches the labels name, 1 for the others);
recall@10 is the relevant products found in the top 10 over min(10, relevant products)."""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
QUERIES = Path(__file__).with_name("search_queries.yaml")
OUT = ROOT / "build" / "bench" / "search_relevance.json"
MODES = ("text", "semantic", "hybrid")


def grades(doc: dict, label: dict) -> int:
    name = doc["name"].lower()
    if not any(n.lower() in name for n in label["names"]):
        return 0
    return 2 if any(b.lower() in name for b in label.get("best", [])) else 1


def ndcg(ranked: list[int], ideal: list[int], k: int = 10) -> float:
    def dcg(gs: list[int]) -> float:
        return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gs[:k]))

    best = dcg(sorted(ideal, reverse=True))
    return dcg(ranked) / best if best else 0.0


def evaluate(catalog, labels: list[dict]) -> dict:
    from app.catalog import ListQuery
    from app.search import search

    docs = {d["_id"]: d for d in catalog.products.find({}, {"name": 1})}
    out: dict = {m: {"ndcg@10": [], "recall@10": []} for m in MODES}
    per_query = []
    for label in labels:
        ideal = [g for g in (grades(d, label) for d in docs.values()) if g]
        relevant = len(ideal)
        row = {"q": label["q"], "relevant": relevant}
        for mode in MODES:
            res = search(catalog, ListQuery(q=label["q"], limit=10), mode)
            got = [grades(docs[i["id"]], label) for i in res.items]
            n = ndcg(got, ideal)
            r = sum(1 for g in got if g) / min(10, relevant) if relevant else 0.0
            out[mode]["ndcg@10"].append(n)
            out[mode]["recall@10"].append(r)
            row[mode] = round(n, 3)
        per_query.append(row)
    summary = {m: {k: round(statistics.mean(v), 3) for k, v in metrics.items()} for m, metrics in out.items()}
    return {"summary": summary, "per_query": per_query}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search_relevance", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=100_000, help="vectors for the exact scan's own latency")
    parser.add_argument(
        "--whole",
        default="10000",
        type=lambda v: sorted({int(x) for x in v.split(",")}),
        help="catalog sizes for whole local requests, comma-separated (100000 takes about three minutes)",
    )
    parser.add_argument("--runs", type=int, default=20, help="queries per mode on the sample catalog")
    parser.add_argument("--scale-runs", type=int, default=1, help="queries per mode on the larger catalogs")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])

    import mongomock
    import numpy as np

    from app.catalog import Catalog, ListQuery
    from app.embeddings import DIMENSIONS, embedder
    from app.mongo import MongoHandle
    from app.search import embed_all, search
    from devtools.seed import build_products

    labels = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
    client = mongomock.MongoClient()
    handle = MongoHandle(client=client, db=client["catalog"], is_mock=True)
    catalog = Catalog(handle)
    t0 = time.perf_counter()
    catalog.products.insert_many(embed_all(build_products(240)))
    embed_s = time.perf_counter() - t0
    report = {
        "queries": len(labels),
        "products": 240,
        "embed_catalog_s": round(embed_s, 3),
        **evaluate(catalog, labels),
    }

    lat = {}
    for mode in MODES:
        times = []
        for label in labels[: args.runs]:
            t0 = time.perf_counter()
            search(catalog, ListQuery(q=label["q"], limit=10), mode)
            times.append(time.perf_counter() - t0)
        lat[mode] = round(statistics.median(times) * 1000, 2)
    report["local_search_ms_240"] = lat
    # whole requests on larger local catalogs (synthetic products from the same generator, embedded the same way)
    at_scale = {}
    for n in args.whole:
        client = mongomock.MongoClient()
        big = Catalog(MongoHandle(client=client, db=client["catalog"], is_mock=True))
        big.products.insert_many(embed_all(build_products(n)))
        at_scale[n] = {}
        for mode in MODES:
            times = []
            for label in labels[: args.scale_runs]:
                t0 = time.perf_counter()
                search(big, ListQuery(q=label["q"], limit=10), mode)
                times.append(time.perf_counter() - t0)
            at_scale[n][mode] = round(statistics.median(times) * 1000)
        del big, client
    report["local_search_ms_at_scale"] = at_scale
    # the exact scan at scale: the matrix product and the top 10 over `scale` stored vectors (what the local
    # store's semantic mode does per query, without mongomock's document reads)
    rng = np.random.default_rng(1)
    matrix = rng.standard_normal((args.scale, DIMENSIONS), dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    q = embedder().embed(["organic cotton t-shirt"])[0]
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        scores = matrix @ q
        top = np.argpartition(-scores, 10)[:10]
        top[np.argsort(-scores[top])]
        times.append(time.perf_counter() - t0)
    report["exact_scan_ms"] = {"products": args.scale, "median_ms": round(statistics.median(times) * 1000, 2)}
    t0 = time.perf_counter()
    embedder().embed([label["q"] for label in labels])
    report["embed_query_ms"] = round((time.perf_counter() - t0) * 1000 / len(labels), 3)

    print(f"== bench.search_relevance: {len(labels)} labelled queries over the 240-product sample catalog ==")
    print(f"{'mode':<10} {'nDCG@10':>8} {'recall@10':>10} {'ms (240)':>9}")
    for mode in MODES:
        s = report["summary"][mode]
        print(f"{mode:<10} {s['ndcg@10']:>8} {s['recall@10']:>10} {lat[mode]:>9}")
    for n, row in at_scale.items():
        print(f"local search over {n:,} products (mongomock): " + ", ".join(f"{m} {row[m]:,} ms" for m in MODES))
    print(
        f"exact scan over {args.scale:,} vectors: {report['exact_scan_ms']['median_ms']} ms; embedding a query "
        f"{report['embed_query_ms']} ms; embedding the catalog {report['embed_catalog_s']} s"
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"wrote {out}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
