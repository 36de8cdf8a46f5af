"""``ecomart runbook list | show NAME | run NAME --stack STACK [--outputs FILE] [--execute [--confirm STACK]]``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Optional

from runbooks.core import (PROTECTED_STACKS, REGISTRY, Context, Facts, Runbook, RunbookError,
                           VerificationFailed, write_evidence)

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_FINDINGS = 0, 1, 2, 3


def load_all() -> dict[str, Runbook]:
    """Import every runbook module (each registers itself)."""
    from runbooks import (atlas, backup, cache, kms_audit, maintenance, rds, read_only,  # noqa: F401
                          reconciliation, triage)
    return REGISTRY


def facts_from_outputs(stack: str, path: str) -> Facts:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RunbookError(f"--outputs {path}: no such file (write it with `pulumi stack output --json "
                           f"--show-secrets --stack {stack} > {path}`)") from None
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


def facts_from_preview(stack: str) -> Facts:
    """The stack's outputs as the offline preview computes them (mock ids): enough to print the plan."""
    from infra import config as stack_config
    from infra.preview import synthesize

    try:
        synth = synthesize(stack)
    except stack_config.ConfigError as e:
        raise RunbookError(str(e)) from None
    return Facts(stack=stack, outputs=dict(synth.outputs), source="offline preview export", deployed=False,
                 resources=synth.export()["deployment"]["resources"])


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


def run(book: Runbook, facts: Facts, params: dict[str, Any], *, execute: bool = False,
        confirm: Optional[str] = None, out: Any = None, evidence_dir: Optional[Path] = None,
        **context_kwargs: Any) -> tuple[int, Optional[Path], Context]:
    """Run a runbook; (exit code, evidence file, context). Errors are reported as one line, never raised."""
    out = out or sys.stdout
    if execute and not facts.deployed:
        raise RunbookError("--execute needs the deployed stack's outputs: give --outputs FILE (the offline "
                           "preview's ids are not real)")
    if execute and facts.stack in PROTECTED_STACKS and confirm != facts.stack:
        raise RunbookError(f"stack {facts.stack} is protected: add --confirm {facts.stack} to --execute")
    for key in book.needs:
        facts.require(key)
    ctx = Context(book, facts, params, execute=execute, out=out, **context_kwargs)
    mode = "EXECUTE" if execute else ("dry run: read-only calls only" if facts.deployed else
                                      "plan: offline, no call is made")
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


def _show(name: str) -> int:
    books = load_all()
    book = books.get(name)
    if book is None:
        print(f"ecomart runbook: no runbook {name!r}; runbooks: {', '.join(sorted(books))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(book.doc_path.read_text(encoding="utf-8"))
    return EXIT_OK


def _list() -> int:
    books = load_all()
    width = max(len(n) for n in books)
    for name in sorted(books):
        print(f"{name.ljust(width)}  {books[name].summary}")
    return EXIT_OK


def _run(args: argparse.Namespace, extra_argv: list[str]) -> int:
    books = load_all()
    book = books.get(args.name)
    try:
        if book is None:
            raise RunbookError(f"no runbook {args.name!r}; runbooks: {', '.join(sorted(books))}")
        params = _param_value(book, _param_parser(book).parse_args(extra_argv))
        facts = facts_from_outputs(args.stack, args.outputs) if args.outputs else facts_from_preview(args.stack)
        code, _, _ = run(book, facts, params, execute=args.execute, confirm=args.confirm,
                         extra=_extra(facts))
        return code
    except RunbookError as e:
        print(f"ecomart runbook: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _extra(facts: Facts) -> dict[str, Any]:
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
        return psycopg.connect(host=host, port=port, user=user, password=token, dbname=dbname, sslmode=mode,
                               connect_timeout=10)
    return {"connect": connect}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise RunbookError(f"{self.prog}: {message}")


def _param_parser(book: Runbook) -> argparse.ArgumentParser:
    p = _Parser(prog=f"runbook {book.name}", add_help=False)
    for param in book.params:
        p.add_argument(f"--{param.name}", help=param.help)
    return p


def add_runbook_parser(sub: Any) -> None:
    p = sub.add_parser("runbook", help="operate the data tier: list, show or run a runbook (dry run by default)")
    rsub = p.add_subparsers(dest="runbook_command", required=True)
    rsub.add_parser("list", help="every runbook, one line each").set_defaults(func=lambda a: _list())
    show = rsub.add_parser("show", help="a runbook's document")
    show.add_argument("name")
    show.set_defaults(func=lambda a: _show(a.name))
    r = rsub.add_parser("run", help="run a runbook: dry run unless --execute",
                        epilog="runbook parameters follow (e.g. --target-time 2026-11-30T14:05:00Z); "
                               "`ecomart runbook show NAME` lists them")
    r.add_argument("name")
    r.add_argument("--stack", required=True, help="stack name (dev, prod)")
    r.add_argument("--outputs", metavar="FILE", help="`pulumi stack output --json` of the deployed stack; without "
                                                     "it the offline preview's outputs are used and nothing is called")
    r.add_argument("--execute", action="store_true", help="make the changes (default: dry run)")
    r.add_argument("--confirm", metavar="STACK", help="with --execute on a protected stack: its name again")
    r.set_defaults(func=None, wants_extra=True)


def main_runbook(args: argparse.Namespace, extra: list[str]) -> int:
    if getattr(args, "wants_extra", False):
        return _run(args, extra)
    if extra:
        print(f"ecomart runbook: unexpected arguments: {' '.join(extra)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return args.func(args)
