"""The ``ecomart`` command: how it sets the collector (the main job's CPU budget, bench/infra_preview.py). What a
preview imports: tests/infra/test_preview.py."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import pytest

from ecomart import cli, gc_tuning

ROOT = Path(__file__).resolve().parents[2]


def test_the_command_tunes_the_collector_and_a_caller_keeps_its_own(monkeypatch, capsys):
    saved = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        with pytest.raises(SystemExit):
            cli.main(["preview", "--help"])
        assert gc.get_threshold() == (700, 10, 10)  # called with argv: a library caller's settings stay

        monkeypatch.setattr(sys, "argv", ["ecomart", "preview", "--help"])
        with pytest.raises(SystemExit):
            cli.main()
        assert gc.get_threshold() == gc_tuning.THRESHOLDS
    finally:
        gc.set_threshold(*saved)
