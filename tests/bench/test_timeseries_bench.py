"""The time-series benchmark runs at a small size and reports what ADR 0029 quotes (numbers, not a pass/fail)."""

from __future__ import annotations

import pytest

from bench import app_timeseries


@pytest.mark.long(seconds=3)
def test_the_timeseries_benchmark_reports_write_rates_query_latency_and_retention(tmp_path):
    r = app_timeseries.main(
        ["--points", "50000", "--relay-events", "600", "--runs", "1", "--out", str(tmp_path / "t.json")]
    )
    assert r["relay_path"]["sales_points"] == 1800 and r["relay_path"]["level_points"] == 3600
    assert r["bulk"]["sales_points_per_s"] > 0 and r["bulk"]["level_points_per_s"] > 0
    # the two loads overlap: together faster than either alone could make the sum
    assert r["bulk"]["both_points_per_s"] >= min(r["bulk"]["sales_points_per_s"], r["bulk"]["level_points_per_s"])
    q = r["queries"]
    assert q["sales per category per hour, one day"]["rows"] > 0 and q["stock-outs in a day"]["rows"] > 0
    assert all(v["ms"] > 0 for v in q.values()) and "without_brin_ms" in q["stock-outs in a day"]
    assert r["retention"]["dropped"], "the oldest month is dropped whole"
