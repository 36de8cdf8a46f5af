"""The habits of `make test`: ruff's lint and format check over the tree, pyright over the infrastructure code and
the CLI (components/, platform_rules/, policies/, infra/, ecomart/: pyproject's [tool.pyright] include).

Each runs the pinned tool on the working tree and fails with the tool's own findings, so a lint error, an unformatted
file or a type error fails the suite like any other test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_lint_is_clean():
    done = _run(str(BIN / "ruff"), "check", "--no-cache", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_is_clean():
    done = _run(str(BIN / "ruff"), "format", "--check", "--no-cache", ".")
    assert done.returncode == 0, "run `ruff format .`:\n" + done.stdout + done.stderr


@pytest.mark.long(seconds=45)
def test_pyright_is_clean():
    if shutil.which("node") is None:
        pytest.fail("pyright needs Node.js on PATH (Debian's nodejs package; scripts/install-system-deps.sh)")
    done = _run(str(BIN / "pyright"), "--outputjson")
    report = json.loads(done.stdout)
    problems = [
        f"{d['file'].removeprefix(str(ROOT) + '/')}:{d['range']['start']['line'] + 1}: {d['message'].splitlines()[0]}"
        for d in report["generalDiagnostics"]
        if d["severity"] == "error"
    ]
    assert report["summary"]["filesAnalyzed"] > 50, report["summary"]  # the include list still finds the code
    assert not problems, "\n".join(problems)
