"""Reading a file a user named (a stack export, a waiver file): its bytes or text, or one line saying what is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import IO


def open_bytes(path: str | Path, error: type[Exception], what: str) -> IO[bytes]:
    """The file at ``path`` opened for reading, or ``error`` naming the path and the problem (never a traceback):
    missing, a directory (it is not a ``what``), or unreadable."""
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except IsADirectoryError:
        raise error(f"{path}: is a directory, not a {what}") from None
    except OSError as e:
        raise error(f"{path}: cannot read ({e.strerror})") from None


def read_text(path: str | Path, error: type[Exception], what: str, syntax: str) -> str:
    """The UTF-8 text at ``path``, or ``error`` as ``open_bytes`` says, or not UTF-8 (a ``what`` is ``syntax``)."""
    with open_bytes(path, error, what) as f:
        try:
            data = f.read()
        except OSError as e:
            raise error(f"{path}: cannot read ({e.strerror})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise error(f"{path}: not UTF-8 text (a {what} is {syntax})") from None
