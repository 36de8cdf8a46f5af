"""The search benchmark runs at a small scale and reports what ADR 0030 quotes (numbers, not a pass/fail)."""

from __future__ import annotations

import json

import pytest

from bench import search_relevance


@pytest.mark.long(seconds=15)
def test_the_search_benchmark_reports_relevance_per_mode_and_latency(tmp_path):
    out = tmp_path / "s.json"
    assert search_relevance.main(["--scale", "2000", "--whole", "500,2000", "--runs", "3", "--out", str(out)]) == 0
    r = json.loads(out.read_text())
    assert r["queries"] >= 40 and set(r["summary"]) == {"text", "semantic", "hybrid"}
    assert all(0 <= m["ndcg@10"] <= 1 and 0 <= m["recall@10"] <= 1 for m in r["summary"].values())
    assert r["exact_scan_ms"]["products"] == 2000 and r["exact_scan_ms"]["median_ms"] > 0
    assert len(r["per_query"]) == r["queries"]
    # whole local requests at each --whole size: one row per size, every mode
    assert set(r["local_search_ms_at_scale"]) == {"500", "2000"}
    assert all(set(row) == {"text", "semantic", "hybrid"} for row in r["local_search_ms_at_scale"].values())
    assert all(v >= 0 for row in r["local_search_ms_at_scale"].values() for v in row.values())
