"""``python -m devtools.local`` (what ``make app`` runs) end to end: starts its servers, seeds, serves on 127.0.0.1,
and SIGTERM stops the API and both servers. Also: configuration errors name the variable."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app.settings import Settings, SettingsError
from devtools.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_make_app_serves_the_seeded_catalog_and_stops_cleanly_on_sigterm(tmp_path, data_dir):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("MONGODB_URI", "DATABASE_URL", "REDIS_URL")}
    log = open(tmp_path / "app.log", "w+")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devtools.local",
            "--port",
            str(port),
            "--sample-orders",
            "10",
            "--data-dir",
            str(data_dir),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not port_open(port):
            assert proc.poll() is None, (tmp_path / "app.log").read_text()
            assert time.monotonic() < deadline, "the API did not come up"
            time.sleep(0.2)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            health = http.get("/health").json()
            assert {k: v["ok"] for k, v in health["stores"].items()} == {
                "postgresql": True,
                "redis": True,
                "mongodb": True,
            }
            listing = http.get("/products", params={"limit": 1}).json()
            assert listing["total"] >= 200
            cats = {f["value"] for f in listing["facets"]["categories"]}
            assert {"groceries", "apparel", "home-goods", "personal-care"} <= cats
            assert http.get("/openapi.json").status_code == 200
            output = (tmp_path / "app.log").read_text()
            token = re.search(r"^export ECOMART_TOKEN=(\S+)$", output, re.M).group(1)
            customer = int(re.search(r"Sample customer (\d+)", output).group(1))
            assert http.get(f"/customers/{customer}/recommendations").status_code == 401
            auth = {"Authorization": f"Bearer {token}"}
            assert http.get(f"/customers/{customer}/recommendations", headers=auth).status_code == 200
            assert (
                f'curl -H "Authorization: Bearer $ECOMART_TOKEN" http://127.0.0.1:{port}/customers/{customer}'
                f"/recommendations" in output
            )
        output = (tmp_path / "app.log").read_text()
        assert "NOT A REAL MongoDB" in output, "mongomock must be announced loudly"
        pg_port = int(re.search(r"PostgreSQL: postgresql://postgres@127.0.0.1:(\d+)/", output).group(1))
        redis_port = int(re.search(r"Redis: redis://127.0.0.1:(\d+)/", output).group(1))
        assert port_open(pg_port) and port_open(redis_port)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        assert not port_open(port) and not port_open(pg_port) and not port_open(redis_port), (
            "SIGTERM stops the API, PostgreSQL and Redis"
        )
        assert "stopped PostgreSQL; stopped Redis" in (tmp_path / "app.log").read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        log.close()


@pytest.fixture
def data_dir():
    """A kept data directory PostgreSQL's own user can reach (tests run as root; pytest's tmp dirs are 0700)."""
    import shutil
    import tempfile

    d = tempfile.mkdtemp(prefix="ecomart-local-test-")
    os.chmod(d, 0o711)
    yield Path(d) / "data"
    shutil.rmtree(d, ignore_errors=True)


def _start(args, log_path, env):
    log = open(log_path, "w+")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "devtools.local", "--port", str(port), "--sample-orders", "3", *args],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 90
    while not port_open(port):
        assert proc.poll() is None, log_path.read_text()
        assert time.monotonic() < deadline, "the API did not come up"
        time.sleep(0.2)
    output = log_path.read_text()
    pg = re.search(r"PostgreSQL: (postgresql://postgres@127.0.0.1:\d+/\w+)", output).group(1)
    redis_url = re.search(r"Redis: (redis://127.0.0.1:\d+/\d+)", output).group(1)
    return proc, log, port, pg, redis_url


def _token(output: str) -> str:
    return re.search(r"^export ECOMART_TOKEN=(\S+)$", output, re.M).group(1)


def _stop(proc, log):
    proc.send_signal(signal.SIGTERM)
    try:
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()


@pytest.mark.long(seconds=8)
def test_make_app_is_durable_by_default_and_keeps_data_across_restarts(tmp_path, data_dir):
    import psycopg
    import redis

    env = {k: v for k, v in os.environ.items() if k not in ("MONGODB_URI", "DATABASE_URL", "REDIS_URL")}
    data = data_dir
    proc, log, port, pg, redis_url = _start(["--data-dir", str(data)], tmp_path / "a.log", env)
    try:
        with psycopg.connect(pg) as conn:
            assert conn.execute("SHOW fsync").fetchone()[0] == "on"
            assert conn.execute("SHOW synchronous_commit").fetchone()[0] == "on"
            assert conn.execute("SHOW full_page_writes").fetchone()[0] == "on"
            orders = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
        assert redis.Redis.from_url(redis_url).config_get("appendonly") == {"appendonly": "yes"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            sku = http.get("/products", params={"category": "groceries", "limit": 1}).json()["items"][0]["sku"]
            auth = {"Authorization": f"Bearer {_token((tmp_path / 'a.log').read_text())}"}
            assert (
                http.post("/carts/keep-me-1234/items", json={"sku": sku, "quantity": 2}, headers=auth).status_code
                == 201
            )
        assert "durable: PostgreSQL fsync/synchronous_commit on" in (tmp_path / "a.log").read_text()
    finally:
        _stop(proc, log)
    proc, log, port, pg, redis_url = _start(["--data-dir", str(data)], tmp_path / "b.log", env)
    try:
        assert "(reused from the last run)" in (tmp_path / "b.log").read_text()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            # a new run has a new throwaway issuer key: the cart belongs to the customer, not to the token
            cart = http.get(
                "/carts/keep-me-1234", headers={"Authorization": f"Bearer {_token((tmp_path / 'b.log').read_text())}"}
            )
            assert cart.status_code == 200 and cart.json()["items"][0]["quantity"] == 2, "the cart survived"
        with psycopg.connect(pg) as conn:
            assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == orders, (
                "orders kept, and a restart places no new sample orders"
            )
    finally:
        _stop(proc, log)


def test_fast_mode_is_explicit_and_announced(tmp_path):
    import psycopg

    env = {k: v for k, v in os.environ.items() if k not in ("MONGODB_URI", "DATABASE_URL", "REDIS_URL")}
    proc, log, port, pg, _ = _start(["--fast"], tmp_path / "fast.log", env)
    try:
        with psycopg.connect(pg) as conn:
            assert conn.execute("SHOW fsync").fetchone()[0] == "off"
            data = conn.execute("SHOW data_directory").fetchone()[0]
        assert "FAST MODE (--fast)" in (tmp_path / "fast.log").read_text()
        # PostgreSQL crashes (SIGKILL of the postmaster), then the operator stops `make app`: a clean stop that
        # says what happened (it was a traceback from pg_ctl, "could not send stop signal", and a failing make)
        postmaster = int(Path(data, "postmaster.pid").read_text().split()[0])
        os.kill(postmaster, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while Path(f"/proc/{postmaster}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        _stop(proc, log)
    output = (tmp_path / "fast.log").read_text()
    assert "PostgreSQL had already stopped (killed or crashed; its log: " in output
    assert "stopped Redis" in output and "Traceback" not in output


@pytest.mark.parametrize(
    "env,message",
    [
        ({"ORDER_LOCKING": "yolo"}, "ORDER_LOCKING='yolo' is not allowed (allowed: pessimistic, optimistic)"),
        ({"PG_POOL_MAX": "0"}, "PG_POOL_MAX=0 is out of range (allowed: 1..200)"),
        ({"PG_POOL_TIMEOUT": "soon"}, "PG_POOL_TIMEOUT='soon' is not a number (allowed: 0.1..60)"),
        ({"DATABASE_URL": "localhost:5432"}, "DATABASE_URL='localhost:5432' is not a URL (expected scheme://host...)"),
        ({"CACHE_TTL_JITTER": "0.9"}, "CACHE_TTL_JITTER=0.9 is out of range (allowed: 0..0.5)"),
    ],
)
def test_bad_configuration_names_the_variable_and_what_is_allowed(env, message):
    with pytest.raises(SettingsError) as exc:
        Settings.from_env(env)
    assert str(exc.value) == message


def test_configuration_comes_from_the_environment():
    s = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://app@db:5432/ecomart",
            "REDIS_URL": "redis://cache:6379/0",
            "MONGODB_URI": "mongodb+srv://cluster.example.net",
            "ORDER_LOCKING": "optimistic",
        }
    )
    assert (s.database_url, s.redis_url, s.mongodb_uri, s.order_locking) == (
        "postgresql://app@db:5432/ecomart",
        "redis://cache:6379/0",
        "mongodb+srv://cluster.example.net",
        "optimistic",
    )
    assert Settings.from_env({}).mongodb_uri is None
