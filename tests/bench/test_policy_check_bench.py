"""`make bench`'s policy-check benchmark still runs end to end (small sizes): the synthetic exports are what they
claim, the scale run checks a file streamed in fresh processes and reports the figures the issue's targets name.
Timings are reported, never asserted here (they live in the benchmark)."""

from __future__ import annotations

import json

import pytest

from bench import policy_check


@pytest.mark.long(seconds=10)
def test_the_benchmark_runs_and_reports_its_figures(prod, tmp_path, monkeypatch, capsys):
    out = tmp_path / "policy_check.json"
    monkeypatch.setattr(policy_check, "OUT", out)
    custom = sum(1 for r in prod.export()["deployment"]["resources"] if r["type"] != "pulumi:pulumi:Stack")
    whole = 1 + 2 * custom  # the stack and two whole renamed copies of prod: as compliant as prod itself
    assert policy_check.main(["--resources", str(whole), "--runs", "1", "--scale-resources", str(whole)]) == 0
    report = json.loads(out.read_text())
    assert report["synthetic"]["resources"] == whole and report["synthetic"]["violations"] == 0
    assert report["synthetic"]["over_budget"]  # copies of prod, over prod's budget
    scale = report["scale"]
    assert scale["resources"] == whole and scale["violations"] == 0 and scale["over_budget"]
    assert len(scale["streamed_runs_s"]) == 3 and len(scale["cli_wall_runs_s"]) == 3
    lo, hi = scale["streamed_resources_per_second"]
    assert 0 < lo <= hi
    assert 0 < scale["imports_rss_mb"] <= scale["streamed_peak_rss_mb"] < 2000
    assert scale["loaded_peak_rss_mb"] > 0 and scale["file_mb"] >= 0
    assert "streamed, fresh process" in capsys.readouterr().out
