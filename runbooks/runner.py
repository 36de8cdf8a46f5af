"""Running a runbook: loading them, their facts from a stack's outputs, their parameters, and the run itself
(dry run unless ``execute``; evidence written either way). The command line is ``ecomart runbook``
(ecomart/commands/runbook.py)."""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from pathlib import Path
from typing import Any

from runbooks.core import (
    PROTECTED_STACKS,
    REGISTRY,
    Context,
    Facts,
    Runbook,
    RunbookError,
    VerificationFailed,
    write_evidence,
)

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_FINDINGS = 0, 1, 2, 3


# Modules of this package that hold no runbook (the machinery).
MACHINERY = ("core", "runner")


def load_all() -> dict[str, Runbook]:
    """Import every runbook module of this package (each registers itself): nothing is listed, a new module's
    runbooks are there. tests/runbooks/test_cli.py holds that every document has its runbook and the reverse."""
    import runbooks

    for m in pkgutil.iter_modules(runbooks.__path__):
        if m.name not in MACHINERY:
            importlib.import_module(f"runbooks.{m.name}")
    return REGISTRY


def facts_from_outputs(stack: str, path: str) -> Facts:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RunbookError(
            f"--outputs {path}: no such file (write it with `pulumi stack output --json "
            f"--show-secrets --stack {stack} > {path}`)"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise RunbookError(f"--outputs {path}: cannot read ({e.__class__.__name__})") from None
    try:
        outputs = json.loads(text)
    except json.JSONDecodeError as e:
        raise RunbookError(f"--outputs {path}: not JSON (line {e.lineno}: {e.msg})") from None
    if not isinstance(outputs, dict):
        raise RunbookError(f"--outputs {path}: expected the object `pulumi stack output --json` writes")
    if outputs.get("stack") not in (None, stack):
        raise RunbookError(f"--outputs {path}: these are the outputs of stack {outputs['stack']!r}, not {stack!r}")
    return Facts(stack=stack, outputs=outputs, source=f"outputs {path}", deployed=True)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise RunbookError(f"{self.prog}: {message}")


def params_from_argv(book: Runbook, argv: list[str]) -> dict[str, Any]:
    """A runbook's parameters from its command-line words (``--target-time ...``); RunbookError when bad."""
    p = _Parser(prog=f"runbook {book.name}", add_help=False)
    for param in book.params:
        p.add_argument(f"--{param.name}", help=param.help)
    return _param_value(book, p.parse_args(argv))


def _param_value(book: Runbook, args: argparse.Namespace) -> dict[str, Any]:
    values = {}
    for p in book.params:
        raw = getattr(args, p.name.replace("-", "_"), None)
        if raw is None:
            if p.required:
                raise RunbookError(f"runbook {book.name}: --{p.name} is required ({p.help})")
            values[p.name] = p.default
            continue
        try:
            values[p.name] = p.type(raw)
        except RunbookError:
            raise
        except (TypeError, ValueError) as e:
            raise RunbookError(f"runbook {book.name}: --{p.name} {raw!r}: {e}") from None
    return values


def run(
    book: Runbook,
    facts: Facts,
    params: dict[str, Any],
    *,
    execute: bool = False,
    confirm: str | None = None,
    out: Any = None,
    evidence_dir: Path | None = None,
    **context_kwargs: Any,
) -> tuple[int, Path | None, Context]:
    """Run a runbook; (exit code, evidence file, context). Errors are reported as one line, never raised."""
    out = out or sys.stdout
    if execute and not facts.deployed:
        raise RunbookError(
            "--execute needs the deployed stack's outputs: give --outputs FILE (the offline preview's ids are not real)"
        )
    if execute and facts.stack in PROTECTED_STACKS and confirm != facts.stack:
        raise RunbookError(f"stack {facts.stack} is protected: add --confirm {facts.stack} to --execute")
    for key in book.needs:
        facts.require(key)
    ctx = Context(book, facts, params, execute=execute, out=out, **context_kwargs)
    mode = (
        "EXECUTE"
        if execute
        else ("dry run: read-only calls only" if facts.deployed else "plan: offline, no call is made")
    )
    ctx.say(f"runbook {book.name} on stack {facts.stack} ({mode}; facts from {facts.source})")
    code, outcome, error = EXIT_OK, "ok", ""
    try:
        result = book.body(ctx)
        if isinstance(result, int):
            code = result
            outcome = "findings" if code == EXIT_FINDINGS else ("ok" if code == 0 else "failed")
    except VerificationFailed as e:
        code, outcome, error = EXIT_FAILED, "verification-failed", str(e)
        ctx.say(f"runbook {book.name}: verification failed: {e}")
    except RunbookError as e:
        code, outcome, error = EXIT_BAD_INPUT, "error", str(e)
        ctx.say(f"runbook {book.name}: {e}")
    except Exception as e:  # an AWS/HTTP/database error: one line naming the call, never a traceback
        line = describe_error(e)
        code, outcome, error = EXIT_BAD_INPUT, "error", line
        ctx.say(f"runbook {book.name}: {line}")
    if not execute and outcome == "ok":
        outcome = "dry-run" if facts.deployed else "planned"
    from runbooks import core

    path = write_evidence(ctx.evidence(outcome, error), evidence_dir or core.EVIDENCE_DIR)
    ctx.say(f"evidence: {path}")
    return code, path, ctx


def describe_error(e: Exception) -> str:
    """One line for an error from boto3, httpx or psycopg (no traceback, no internal address)."""
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover
        BotoCoreError = ClientError = ()  # type: ignore[misc,assignment]
    if isinstance(e, ClientError):
        err = e.response.get("Error", {})
        op = getattr(e, "operation_name", "call")
        return f"{op} refused: {err.get('Code', 'error')}: {err.get('Message', '')}".rstrip(": ")
    if isinstance(e, BotoCoreError):
        return f"AWS: {e.__class__.__name__}: {e}"
    return f"{e.__class__.__name__}: {str(e).splitlines()[0] if str(e) else ''}"


def database_handles(facts: Facts) -> dict[str, Any]:
    """Handles a runbook may need beyond AWS: a connection to a restored database (IAM auth, TLS)."""
    import os

    user = os.environ.get("ECOMART_RUNBOOK_DB_USER")
    if not user or not facts.deployed:
        return {}
    region, dbname = facts.outputs.get("region"), facts.outputs.get("postgresDatabaseName", "ecomart")

    def connect(host: str, port: int) -> Any:
        import boto3
        import psycopg

        token = boto3.client("rds", region_name=region).generate_db_auth_token(host, port, user, region)
        # TLS required; the server certificate is checked against the RDS CA bundle when PGSSLROOTCERT names it.
        mode = "verify-full" if os.environ.get("PGSSLROOTCERT") else "require"
        return psycopg.connect(
            host=host, port=port, user=user, password=token, dbname=dbname, sslmode=mode, connect_timeout=10
        )

    return {"connect": connect}
