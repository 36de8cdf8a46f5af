"""The runbook engine: numbered steps, read-only by default, evidence for every run.

A runbook is a function ``body(ctx)`` that talks to AWS only through ``ctx.read`` (Describe/List/Get: always made
when the facts come from a deployed stack) and ``ctx.change`` (anything else: made only with ``--execute``, else
printed with its exact parameters as what the step *would* call). So a dry run makes no mutating call by
construction, and the printed plan is the same code path as the real run. Every run writes a JSON evidence record
(steps, calls, timestamps, checks, measurements) under ``build/runbooks/``.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVIDENCE_DIR = ROOT / "build" / "runbooks"
DOCS_DIR = Path(__file__).resolve().parent

# Operations a read may name. Anything else is a change, whatever the service calls it.
READ_ONLY = re.compile(r"^(Describe|List|Get|Lookup|Search|Batch(Get|Describe))[A-Z]")
PROTECTED_STACKS = ("prod",)  # --execute on these also needs --confirm <stack>


class RunbookError(Exception):
    """Bad input or a missing fact: one line for the operator, exit 2."""


class AwsError(RunbookError):
    """An AWS call refused: one line naming the call, the region and AWS's code and message."""

    def __init__(self, call: str, region: str, code: str, message: str) -> None:
        super().__init__(f"{call} in {region} refused: {code}: {message}".rstrip(": "))
        self.code = code


class VerificationFailed(Exception):
    """A check after a step failed: the run stops there, exit 1, the evidence says which."""


@dataclass(frozen=True)
class Param:
    """A runbook parameter (``--name VALUE`` on the command line)."""

    name: str
    help: str
    default: Any = None
    type: Callable[[str], Any] = str
    required: bool = False


@dataclass(frozen=True)
class Runbook:
    name: str
    title: str
    summary: str
    body: Callable[[Context], None]
    params: tuple[Param, ...] = ()
    needs: tuple[str, ...] = ()  # stack outputs the runbook reads (checked before any call)
    changes: tuple[str, ...] = ()  # "service:Operation" it may make with --execute (the docs list them)
    before_deploy: bool = False  # reads the account from the preview's facts (nothing deployed yet; reads only)

    @property
    def doc_path(self) -> Path:
        return DOCS_DIR / f"{self.name}.md"


REGISTRY: dict[str, Runbook] = {}


def runbook(
    name: str,
    title: str,
    summary: str,
    *,
    params: tuple[Param, ...] = (),
    needs: tuple[str, ...] = (),
    changes: tuple[str, ...] = (),
    before_deploy: bool = False,
) -> Callable[[Callable[[Context], None]], Callable[[Context], None]]:
    def register(body: Callable[[Context], None]) -> Callable[[Context], None]:
        if name in REGISTRY:
            raise ValueError(f"runbook {name!r} registered twice")
        REGISTRY[name] = Runbook(name, title, summary, body, params, needs, changes, before_deploy)
        return body

    return register


class Pending:
    """The result of a read that was not made (offline plan): renders as where the value would come from."""

    def __init__(self, where: str) -> None:
        self._where = where

    def __getitem__(self, key: Any) -> Pending:
        return Pending(f"{self._where}[{key!r}]" if isinstance(key, int) else f"{self._where}.{key}")

    def get(self, key: Any, default: Any = None) -> Pending:
        return self[key]

    def __iter__(self) -> Iterator[Pending]:
        yield Pending(f"{self._where}[*]")

    def __str__(self) -> str:
        return f"<{self._where}>"

    __repr__ = __str__


def is_pending(value: Any) -> bool:
    return isinstance(value, Pending)


@dataclass
class Facts:
    """What the runbook knows of the stack before it calls anything."""

    stack: str
    outputs: dict[str, Any]
    source: str  # "outputs FILE" or "offline preview export"
    deployed: bool  # True: outputs of a deployed stack (reads are made); False: preview export (nothing is called)
    resources: list[dict] = field(default_factory=list)

    def require(self, key: str) -> Any:
        value = self.outputs.get(key)
        if value in (None, "", [], {}):
            raise RunbookError(f"stack {self.stack}: output {key!r} is missing from the {self.source}")
        return value


class Clients:
    """boto3 clients per (service, region), made lazily; a missing credential is one clear error."""

    def __init__(self, session_factory: Callable[[str], Any] | None = None) -> None:
        self._factory = session_factory
        self._clients: dict[tuple[str, str], Any] = {}
        self.calls: list[tuple[str, str, str]] = []  # (service, operation, region) of every call made

    def get(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            import boto3

            session = self._factory(region) if self._factory else boto3.session.Session(region_name=region)
            if session.get_credentials() is None:
                raise RunbookError(
                    "no AWS credentials: set AWS_PROFILE (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) "
                    "for the account that runs the stack"
                )
            self._clients[key] = session.client(service, region_name=region)
        return self._clients[key]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    if isinstance(value, Pending):
        return str(value)
    return value


def render_params(params: dict[str, Any]) -> str:
    return json.dumps(_jsonable(params), sort_keys=True, default=str)


class Context:
    """What a runbook body sees: the stack's facts, its parameters, the calls it may make, the evidence."""

    def __init__(
        self,
        book: Runbook,
        facts: Facts,
        params: dict[str, Any],
        *,
        execute: bool = False,
        clients: Clients | None = None,
        out: Any = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        poll_seconds: float = 15.0,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.book = book
        self.facts = facts
        self.params = params
        self.execute = execute
        self.clients = clients or Clients()
        self.out = out or sys.stdout
        self.clock = clock
        self.sleep = sleep
        self.poll_seconds = poll_seconds
        self.extra = extra or {}  # non-AWS handles (database DSN, Atlas HTTP client), given by the CLI or tests
        self.steps: list[dict] = []
        self.checks: list[dict] = []
        self.measurements: dict[str, Any] = {}
        self.notes: list[str] = []
        self._step: dict | None = None
        self.started = clock()

    # -- facts -------------------------------------------------------------------------------------------------
    @property
    def calls_made(self) -> bool:
        """Reads are made against a deployed stack, or by a runbook run before the first deploy (its reads are
        about the account, from the preview's declared resources); otherwise a plan calls nothing."""
        return self.facts.deployed or self.book.before_deploy

    def output(self, key: str) -> Any:
        return self.facts.require(key)

    @property
    def region(self) -> str:
        return self.facts.require("region")

    # -- output --------------------------------------------------------------------------------------------------
    def say(self, text: str) -> None:
        print(text, file=self.out)

    def note(self, text: str) -> None:
        self.notes.append(text)
        self.say(f"   note: {text}")

    @contextlib.contextmanager
    def step(self, title: str, *, verify: str = "") -> Iterator[dict]:
        number = len(self.steps) + 1
        record = {
            "n": number,
            "title": title,
            "verify": verify,
            "started": _iso(self.clock()),
            "calls": [],
            "status": "running",
        }
        self.steps.append(record)
        self._step = record
        self.say(f"{number}. {title}")
        if verify:
            self.say(f"   then check: {verify}")
        try:
            yield record
        except Exception:
            record["status"] = "failed"
            raise
        else:
            if record["status"] == "running":
                record["status"] = (
                    "done" if self.execute or not any(c["mode"] == "would" for c in record["calls"]) else "planned"
                )
        finally:
            record["finished"] = _iso(self.clock())
            self._step = None

    def skip(self, why: str) -> None:
        """This step's work is already done (a re-run after an interruption): say so, change nothing."""
        if self._step is not None:
            self._step["status"] = "already-done"
            self._step["why"] = why
        self.say(f"   already done: {why}")

    # -- calls ---------------------------------------------------------------------------------------------------
    def record_call(self, mode: str, service: str, op: str, region: str, params: dict) -> None:
        entry = {
            "mode": mode,
            "call": f"{service}.{op}",
            "region": region,
            "params": _jsonable(params),
            "at": _iso(self.clock()),
        }
        if self._step is not None:
            self._step["calls"].append(entry)
        verb = {"read": "reads", "would-read": "would read", "would": "WOULD CALL", "call": "calls"}[mode]
        self.say(f"   {verb} {service}.{op} ({region}) {render_params(params)}")

    def read(self, service: str, op: str, *, region: str | None = None, **params: Any) -> Any:
        """A read-only API call; made whenever the facts come from a deployed stack (dry run included)."""
        if not READ_ONLY.match(op):
            raise ValueError(f"{service}.{op} is not a read: use ctx.change")
        region = region or self.region
        if not self.calls_made:
            self.record_call("would-read", service, op, region, params)
            return Pending(f"{service}.{op}")
        self.record_call("read", service, op, region, params)
        return self._invoke(service, op, region, params)

    def change(self, service: str, op: str, *, region: str | None = None, **params: Any) -> Any:
        """A call that changes something: made only with --execute; otherwise printed as what would be called."""
        if READ_ONLY.match(op):
            raise ValueError(f"{service}.{op} is a read: use ctx.read")
        if f"{service}:{op}" not in self.book.changes:
            raise ValueError(f"runbook {self.book.name} does not declare {service}:{op} among its changes")
        region = region or self.region
        if not self.execute:
            self.record_call("would", service, op, region, params)
            return Pending(f"{service}.{op}")
        self.record_call("call", service, op, region, params)
        return self._invoke(service, op, region, params)

    def _invoke(self, service: str, op: str, region: str, params: dict) -> Any:
        from botocore import xform_name
        from botocore.exceptions import ClientError, EndpointConnectionError

        client = self.clients.get(service, region)
        self.clients.calls.append((service, op, region))
        try:
            return getattr(client, xform_name(op))(**params)
        except ClientError as e:
            err = e.response.get("Error", {})
            raise AwsError(f"{service}.{op}", region, err.get("Code", "error"), err.get("Message", "")) from None
        except EndpointConnectionError:
            raise RunbookError(
                f"{service}.{op}: cannot reach {service} in {region} (is {region!r} a region "
                "that has it, and is the network up?)"
            ) from None

    def wait(self, what: str, probe: Callable[[], Any], *, timeout: float, poll: float | None = None) -> Any:
        """Poll ``probe`` (a read) until it returns something truthy, or fail after ``timeout`` seconds."""
        if not self.execute:
            self.say(f"   would wait (up to {timeout:g} s) until {what}")
            return None
        deadline = self.clock() + timeout
        while True:
            value = probe()
            if value:
                return value
            if self.clock() >= deadline:
                raise VerificationFailed(f"timed out after {timeout:g} s waiting until {what}")
            self.sleep(poll if poll is not None else self.poll_seconds)

    def check(self, name: str, ok: bool, detail: str = "", *, why: str = "") -> bool:
        """A verification result; a failed one stops the run (exit 1) after it is recorded.

        ``detail`` is what was observed (always shown), ``why`` what a failure means (shown only on failure)."""
        if not ok and why:
            detail = f"{detail}; {why}" if detail else why
        self.checks.append(
            {"check": name, "ok": bool(ok), "detail": detail, "step": self._step["n"] if self._step else None}
        )
        self.say(f"   {'ok' if ok else 'FAILED'}: {name}{' — ' + detail if detail else ''}")
        if not ok:
            raise VerificationFailed(f"{name}: {detail}" if detail else name)
        return True

    def observe(self, name: str, ok: bool, detail: str = "") -> bool:
        """A finding that is reported but does not stop the run (an audit's row, a reconciliation's mismatch)."""
        self.checks.append(
            {
                "check": name,
                "ok": bool(ok),
                "detail": detail,
                "fatal": False,
                "step": self._step["n"] if self._step else None,
            }
        )
        self.say(f"   {'ok' if ok else 'FINDING'}: {name}{' — ' + detail if detail else ''}")
        return ok

    def measure(self, name: str, value: Any, unit: str = "") -> None:
        self.measurements[name] = {"value": value, "unit": unit}
        self.say(f"   measured {name}: {value}{' ' + unit if unit else ''}")

    # -- evidence ------------------------------------------------------------------------------------------------
    def evidence(self, outcome: str, error: str = "") -> dict:
        return {
            "runbook": self.book.name,
            "stack": self.facts.stack,
            "facts_from": self.facts.source,
            "mode": "execute" if self.execute else ("dry-run" if self.calls_made else "plan (no calls)"),
            "parameters": _jsonable(self.params),
            "started": _iso(self.started),
            "finished": _iso(self.clock()),
            "outcome": outcome,
            "error": error,
            "steps": self.steps,
            "checks": self.checks,
            "measurements": self.measurements,
            "notes": self.notes,
        }


def _iso(ts: float) -> str:
    return _dt.datetime.fromtimestamp(ts, _dt.UTC).isoformat(timespec="seconds")


def write_evidence(record: dict, directory: Path = EVIDENCE_DIR) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = record["started"].replace(":", "").replace("+0000", "Z")
    path = directory / f"{record['runbook']}-{record['stack']}-{stamp}.json"
    n = 1
    while path.exists():  # two runs in one second: keep both
        n += 1
        path = directory / f"{record['runbook']}-{record['stack']}-{stamp}-{n}.json"
    path.write_text(json.dumps(record, indent=2, sort_keys=True, default=str) + "\n")
    return path


def parse_time(value: str) -> _dt.datetime:
    """An ISO 8601 time with its zone (``2026-11-30T14:05:00Z``): a restore target must not be ambiguous."""
    try:
        parsed = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RunbookError(f"--target-time {value!r}: not an ISO 8601 time (e.g. 2026-11-30T14:05:00Z)") from None
    if parsed.tzinfo is None:
        raise RunbookError(
            f"--target-time {value!r}: give the zone (Z or +hh:mm); a restore time must not be ambiguous"
        )
    return parsed.astimezone(_dt.UTC)


def environ_secret(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise RunbookError(f"environment variable {name} is not set")
    return value
