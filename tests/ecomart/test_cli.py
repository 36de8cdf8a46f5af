"""The ``ecomart`` command as a process: what it loads and how it sets the collector (the main job's CPU budget,
bench/infra_preview.py)."""

from __future__ import annotations

import gc
import json
import subprocess
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


def test_a_preview_loads_neither_the_app_nor_its_database_drivers(tmp_path):
    """The stack reads the app's routes from infra/app_routes.json and hashes app/migrations by path: importing the
    app (FastAPI, psycopg, pymongo, redis) cost every preview 1.5 s of CPU. A new import of it fails here."""
    script = (
        "import json, sys\n"
        "from ecomart import cli\n"
        f"code = cli.main(['preview', '--stack', 'prod', '--out-dir', {str(tmp_path)!r}])\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'app', 'fastapi', 'psycopg', 'pymongo', 'redis', "
        "'starlette', 'uvicorn'})\n"
        "print(json.dumps({'code': code, 'loaded': loaded}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"code": 0, "loaded": []}, done.stderr[-2000:]
