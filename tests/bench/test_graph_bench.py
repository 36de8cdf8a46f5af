"""The relationship benchmark runs at a small size and reports what ADR 0028 quotes (numbers, not a pass/fail)."""

from __future__ import annotations

import pytest

from bench import app_graph


@pytest.mark.long(seconds=2)
def test_the_graph_benchmark_measures_the_hierarchy_with_and_without_its_index_and_the_rings(tmp_path):
    out = tmp_path / "graph.json"
    r = app_graph.main(["--employees", "3000", "--depth", "6", "--customers", "3000", "--runs", "1", "--out", str(out)])
    assert len(r["levels"]) == 7 and sum(r["levels"]) == 3000
    rows = r["hierarchy"]
    assert rows["subordinates of the CEO (all)"]["result"] == 2999
    assert rows["management chain of a leaf"]["result"] == 7
    assert all(row["with_index_ms"] > 0 and row["without_index_ms"] > 0 for row in rows.values())
    assert r["links"] > 9000 and r["rings_found"] > 0 and r["largest_ring"] >= 3 and out.is_file()
