"""``python -m bench`` (``make bench``): parts are selectable, a bad part name is one line, and a run stopped with
SIGTERM (CI's timeout, ``kill``) leaves no PostgreSQL server running and no temporary directory behind - before, it
left a server and a directory holding ``issuer.pem``."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from bench.__main__ import PARTS, main

ROOT = Path(__file__).resolve().parents[2]


def test_parts_are_listed_and_a_bad_one_is_one_line(capsys):
    assert main(["--list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in PARTS)
    assert main(["--only", "orders,nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"bench: --only nope is not a part (allowed: {', '.join(PARTS)})"


def _postmaster_pid(tmp: Path) -> int | None:
    """The running server's PID from its ``postmaster.pid``, or None while it is not (fully) written: pg_ctl start
    creates and rewrites the file, and a glob can see it a moment before it can be read."""
    for pidfile in tmp.glob("ecomart-bench-*/data/postmaster.pid"):
        try:
            first = pidfile.read_text().split()
        except OSError:
            continue
        if first and first[0].isdigit():
            return int(first[0])
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def tmp():
    """The run's TMPDIR: a directory PostgreSQL's own user can reach (tests run as root; pytest's are 0700)."""
    d = Path(tempfile.mkdtemp(prefix="ecomart-bench-test-"))
    os.chmod(d, 0o711)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.mark.long(seconds=34)
def test_sigterm_mid_run_stops_the_servers_and_removes_the_temporary_files(tmp):
    env = {**os.environ, "TMPDIR": str(tmp), "BENCH_RELAY_DURATION": "60"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench", "--only", "relay"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        postmaster = None
        while postmaster is None:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline, "the benchmark's PostgreSQL did not start"
            postmaster = _postmaster_pid(tmp)
            time.sleep(0.2)
        time.sleep(3)  # into the run: orders being placed, relays running
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == 130, out
    assert "stopped (Stopped); servers and temporary files cleaned up" in out
    assert "Traceback" not in out
    deadline = time.monotonic() + 10
    while _alive(postmaster) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(postmaster), "the benchmark's PostgreSQL is still running"
    assert list(tmp.iterdir()) == [], f"left behind: {[p.name for p in tmp.iterdir()]}"


def test_docs_name_every_part_the_runner_runs():
    """docs/app.md's benchmark section lists the parts: derived from PARTS, so a new part that is not documented
    fails here."""
    from pathlib import Path

    from bench.__main__ import PARTS

    text = Path(__file__).resolve().parents[2].joinpath("docs", "app.md").read_text(encoding="utf-8")
    section = text[text.index("## Benchmark (`make bench`)") :].split("\n## ", 1)[0]
    assert [p for p in PARTS if f"`{p}`" not in section] == []
