"""Reading a file a user named (a stack export, a waiver file): its text, or one line saying what is wrong."""

from __future__ import annotations

from pathlib import Path


def read_text(path: str | Path, error: type[Exception], what: str, syntax: str) -> str:
    """The UTF-8 text at ``path``, or ``error`` naming the path and the problem (never a traceback): missing, a
    directory, not UTF-8 (a ``what`` is ``syntax``), or unreadable."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except IsADirectoryError:
        raise error(f"{path}: is a directory, not a {what}") from None
    except UnicodeDecodeError:
        raise error(f"{path}: not UTF-8 text (a {what} is {syntax})") from None
    except OSError as e:
        raise error(f"{path}: cannot read ({e.strerror})") from None
