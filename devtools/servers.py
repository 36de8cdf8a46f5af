"""Throwaway PostgreSQL and Redis servers on free loopback ports.

One implementation shared by ``python -m devtools.local``, the tests and the benchmark, so none of them ever
depends on a service somebody left running. Servers live in a private temporary directory, listen on
127.0.0.1 only, and are stopped (and their directory removed) by ``cleanup()``, by the context manager,
or at interpreter exit as a last resort.

PostgreSQL's initdb refuses to run as root: when we are root every PostgreSQL command runs through
``runuser -u postgres --`` and the data directory is handed to the postgres user.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping

__all__ = ["ServerError", "PostgresServer", "RedisServer", "free_port", "pg_bin_dir"]

LOOPBACK = "127.0.0.1"


class ServerError(RuntimeError):
    """A throwaway server could not be started or stopped; the message says why and where the log is."""


def free_port() -> int:
    """A TCP port that was free a moment ago (bind to port 0 and let the kernel choose)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def pg_bin_dir() -> str:
    """Directory holding initdb/pg_ctl/pgbench: $ECOMART_PG_BIN, the newest /usr/lib/postgresql/*/bin, or $PATH."""
    explicit = os.environ.get("ECOMART_PG_BIN")
    if explicit:
        return explicit
    candidates = [d for d in glob.glob("/usr/lib/postgresql/*/bin") if os.path.exists(os.path.join(d, "initdb"))]
    if candidates:
        return max(candidates, key=lambda d: int(d.split("/")[-2]) if d.split("/")[-2].isdigit() else 0)
    found = shutil.which("initdb")
    if found:
        return os.path.dirname(found)
    raise ServerError(
        "PostgreSQL server binaries not found (looked in $ECOMART_PG_BIN, /usr/lib/postgresql/*/bin and $PATH); "
        "run scripts/install-system-deps.sh or: apt-get install postgresql"
    )


def _is_root() -> bool:
    return os.geteuid() == 0


def _tail(path: str, lines: int = 20) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no log)"


def _port_open(port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=timeout):
            return True
    except OSError:
        return False


_live: set = set()
_live_lock = threading.Lock()


def _register(server) -> None:
    with _live_lock:
        _live.add(server)


def _unregister(server) -> None:
    with _live_lock:
        _live.discard(server)


@atexit.register
def _stop_leftovers() -> None:  # last resort: a test or script that forgot cleanup() leaves nothing running
    with _live_lock:
        leftovers = list(_live)
    for server in leftovers:
        try:
            server.cleanup()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


class PostgresServer:
    """A private PostgreSQL cluster: ``initdb`` once, then ``start``/``stop``/``restart`` on the same port.

    ``durable=False`` (the default, for tests) turns off fsync and synchronous commit: the data is
    throwaway and the tests are about behaviour, not crash safety. Anything a person runs (``make app``) and the
    benchmark pass ``durable=True``. ``directory`` keeps the cluster there across runs (``cleanup`` then stops
    the server and keeps the data); without it the cluster lives in a temporary directory deleted at cleanup.
    """

    def __init__(
        self,
        *,
        port: int | None = None,
        durable: bool = False,
        settings: Mapping[str, str] | None = None,
        prefix: str = "ecomart-pg-",
        directory: str | None = None,
    ) -> None:
        self.bin = pg_bin_dir()
        self._fixed_port = port is not None
        self.port = port or 0
        self.keep = directory is not None
        if directory:
            os.makedirs(directory, exist_ok=True)
        self.dir = os.path.abspath(directory) if directory else tempfile.mkdtemp(prefix=prefix)
        self.data = os.path.join(self.dir, "data")
        self.durable = durable
        self.log = os.path.join(self.dir, "server.log")
        self.settings: dict[str, str] = {"max_connections": "200", "listen_addresses": LOOPBACK}
        if not durable:
            self.settings.update({"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"})
        self.settings.update(settings or {})
        # A kept directory that already holds a cluster is reused: same data as the last run.
        self._initialized = os.path.exists(os.path.join(self.data, "PG_VERSION"))
        self.reused = self._initialized
        self._running = False
        self.stop_note: str | None = None  # what stop() found, when the server was already gone
        if _is_root():
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        _register(self)

    # -- commands ---------------------------------------------------------------------------------
    def _cmd(self, *args: str) -> list[str]:
        prog = os.path.join(self.bin, args[0])
        cmd = [prog, *args[1:]]
        return ["runuser", "-u", "postgres", "--", *cmd] if _is_root() else cmd

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            self._cmd(*args), cwd=self.dir, capture_output=True, text=True, timeout=timeout, check=False
        )

    def _initdb(self) -> None:
        sync = [] if self.durable else ["--no-sync"]  # a durable cluster's files are on disk before first start
        r = self._run(
            "initdb",
            "-D",
            self.data,
            "-U",
            "postgres",
            "-A",
            "trust",
            *sync,
            "-E",
            "UTF8",
            "--locale=C.UTF-8" if self._has_c_utf8() else "--locale=C",
        )
        if r.returncode != 0:
            hint = (
                (
                    " (PostgreSQL runs as user postgres when started by root: that user must be able to reach "
                    f"{self.dir})"
                )
                if _is_root() and "Permission denied" in r.stderr
                else ""
            )
            raise ServerError(f"initdb failed in {self.data}: {r.stderr.strip() or r.stdout.strip()}{hint}")
        self._initialized = True

    @staticmethod
    def _has_c_utf8() -> bool:
        try:
            out = subprocess.run(["locale", "-a"], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            return False
        return any(line.strip().lower() in ("c.utf8", "c.utf-8") for line in out.splitlines())

    def start(self) -> PostgresServer:
        if self._running:
            return self
        if not self._initialized:
            self._initdb()
        last_error = ""
        for _ in range(5):
            if not self._fixed_port and not self.port:
                self.port = free_port()
            opts = " ".join(
                [f"-p {self.port}", f"-k {shlex.quote(self.dir)}"]
                + [f"-c {k}={shlex.quote(str(v))}" for k, v in self.settings.items()]
            )
            r = self._run("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60", "-o", opts, "start")
            if r.returncode == 0:
                self._running = True
                return self
            last_error = _tail(self.log)
            if not self._fixed_port and ("could not bind" in last_error or "already in use" in last_error):
                self.port = 0  # someone took the port between free_port() and bind: pick another
                continue
            break
        raise ServerError(f"PostgreSQL did not start on port {self.port} (log {self.log}):\n{last_error}")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``mode`` as pg_ctl: smart, fast or immediate); keeps the data and the port."""
        if not self._running:
            return
        r = self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop")
        if r.returncode != 0:
            said = r.stderr + r.stdout
            if "Is server running?" not in said and self._postmaster_alive():
                raise ServerError(f"pg_ctl stop failed: {r.stderr.strip()}")
            # killed or crashed (pg_ctl: "could not send stop signal ... No such process"): nothing left to stop
            self.stop_note = f"PostgreSQL had already stopped (killed or crashed; its log: {self.log})"
        self._running = False

    def _postmaster_alive(self) -> bool:
        """Whether the process named in ``postmaster.pid`` still exists (a SIGKILLed server leaves the file)."""
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as f:
                pid = int(f.readline().strip())
        except (OSError, ValueError):
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def restart(self) -> PostgresServer:
        self.stop()
        return self.start()

    def cleanup(self) -> None:
        """Stop the server and delete its directory (a kept ``directory``: stop cleanly, keep the data)."""
        try:
            self.stop(mode="fast" if self.keep else "immediate")
        finally:
            if not self.keep:
                shutil.rmtree(self.dir, ignore_errors=True)
            _unregister(self)

    @property
    def running(self) -> bool:
        return self._running

    # -- connecting -------------------------------------------------------------------------------
    def dsn(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@{LOOPBACK}:{self.port}/{dbname}"

    def create_database(self, name: str, template: str | None = None) -> str:
        """CREATE DATABASE (optionally a copy of a template: FILE_COPY, the fast way for small databases)."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            stmt = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            if template:
                stmt = stmt + sql.SQL(" TEMPLATE {} STRATEGY FILE_COPY").format(sql.Identifier(template))
            conn.execute(stmt)
        return self.dsn(name)

    def drop_database(self, name: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.cleanup()


class RedisServer:
    """A private redis-server child process; ``persistent=True`` keeps an append-only file across restarts."""

    def __init__(
        self,
        *,
        port: int | None = None,
        persistent: bool = False,
        prefix: str = "ecomart-redis-",
        directory: str | None = None,
    ):
        exe = os.environ.get("ECOMART_REDIS_SERVER") or shutil.which("redis-server")
        if not exe:
            raise ServerError(
                "redis-server not found on $PATH; run scripts/install-system-deps.sh or: apt-get install redis-server"
            )
        self.exe = exe
        self._fixed_port = port is not None
        self.port = port or 0
        self.persistent = persistent
        self.keep = directory is not None
        if directory:
            os.makedirs(directory, exist_ok=True)
        self.dir = os.path.abspath(directory) if directory else tempfile.mkdtemp(prefix=prefix)
        self.log = os.path.join(self.dir, "redis.log")
        self._proc: subprocess.Popen | None = None
        _register(self)

    def start(self) -> RedisServer:
        if self.running:
            return self
        last = ""
        for _ in range(5):
            if not self._fixed_port and not self.port:
                self.port = free_port()
            args = [
                self.exe,
                "--port",
                str(self.port),
                "--bind",
                LOOPBACK,
                "--protected-mode",
                "yes",
                "--daemonize",
                "no",
                "--dir",
                self.dir,
                "--logfile",
                self.log,
                "--save",
                "",
                "--appendonly",
                "yes" if self.persistent else "no",
            ]
            # Own session: a Ctrl-C in the terminal reaches us, and we stop Redis in order.
            self._proc = subprocess.Popen(
                args, cwd=self.dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
            )
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if self._proc.poll() is not None:
                    break
                if self._ping():
                    return self
                time.sleep(0.02)
            last = _tail(self.log)
            self._kill()
            if not self._fixed_port and "Address already in use" in last:
                self.port = 0
                continue
            break
        raise ServerError(f"redis-server did not start on port {self.port} (log {self.log}):\n{last}")

    def _ping(self) -> bool:
        try:
            with socket.create_connection((LOOPBACK, self.port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def _kill(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(timeout=10)

    def stop(self) -> None:
        """Graceful shutdown (SIGTERM); keeps the directory (and the AOF when persistent) and the port."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._kill()
        self._proc = None

    def restart(self) -> RedisServer:
        self.stop()
        return self.start()

    def cleanup(self) -> None:
        try:
            self.stop()
        finally:
            if not self.keep:
                shutil.rmtree(self.dir, ignore_errors=True)
            _unregister(self)

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def url(self, db: int = 0) -> str:
        return f"redis://{LOOPBACK}:{self.port}/{db}"

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.cleanup()
