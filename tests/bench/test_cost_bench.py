"""The cost benchmark runs and reports the figures the README quotes (numbers, not a pass/fail on speed)."""

from __future__ import annotations

import json

from bench import cost


def test_the_cost_benchmark_reports_command_and_in_process_times():
    assert cost.main(["--runs", "2"]) == 0
    report = json.loads(cost.OUT.read_text())
    assert report["resources"] > 200 and report["total_usd"] > 0
    assert report["command_wall_s"] > 0 and report["command_cpu_s"] > 0 and 0 < report["in_process_s"] < 1
    assert report["target_s"] == 0.1
