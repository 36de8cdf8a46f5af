"""Reading a ``pulumi stack export`` file one resource at a time, for ``ecomart check --export``.

Loading an export whole holds its text and every parsed resource at once (a 50,000-resource, 149 MB export: 512 MB
before any policy ran). The reader here walks the document's outer levels itself and parses a window of whole
resources at a time (pydantic's jiter where installed, else the standard library's decoder; one value at a time
with ``raw_decode`` where a window's end cannot be told) over a sliding window of the file, so the checker keeps
what it needs of each resource and the rest is freed as it goes. JSON syntax, error positions (line and column)
and the export's shape checks are those of ``json.loads`` plus ``validate_entry``; two exceptions, both refusals
instead of json's silent "last one wins": ``deployment`` or ``deployment.resources`` given twice.
"""

from __future__ import annotations

import bisect
import codecs
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from policies.engine.files import open_bytes
from policies.engine.values import UNKNOWN_SENTINELS

try:  # pydantic's JSON parser (jiter), in the project's virtualenv: parses windows of resources ~2x faster
    from pydantic_core import from_json as _fast_loads
except ImportError:  # e.g. the policy pack's own virtualenv: the standard library's decoder alone
    _fast_loads = None

SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
EXPORT_VERSIONS = (1, 2, 3)

# A resource whose text holds none of these has no secret envelope and no unknown sentinel, so its parsed values
# are already what a policy sees (no decode walk). Both are spelled in hex digits and "-", whose escapes all begin
# "\u00": that too, so an escaped spelling is decoded like a plain one.
_MARKERS = (SECRET_SIG_KEY, "\\u00", *sorted(UNKNOWN_SENTINELS))
_MARKER_LEN = max(map(len, _MARKERS))
_BLANKS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_CHUNK = 1 << 20  # characters read at a time; doubled while one value does not fit


class BadInput(Exception):
    """Input the checker cannot check; the message is the one-line reason shown to the user."""


def validate_entry(r: Any, i: int, where: str) -> None:
    """One element of ``deployment.resources``, or BadInput naming it and what is wrong."""
    if not isinstance(r, dict) or not isinstance(r.get("urn"), str) or not isinstance(r.get("type"), str):
        raise BadInput(f"{where}: deployment.resources[{i}] has no 'urn' and 'type' strings")
    if not r["urn"].startswith("urn:pulumi:"):
        raise BadInput(f"{where}: deployment.resources[{i}].urn {r['urn'][:60]!r} is not a Pulumi URN")
    for key in ("inputs", "outputs"):
        if key in r and r[key] is not None and not isinstance(r[key], dict):
            raise BadInput(f"{where}: deployment.resources[{i}].{key} is not an object")
    parent, deps, pdeps = r.get("parent"), r.get("dependencies"), r.get("propertyDependencies")
    if parent is not None and not isinstance(parent, str):
        raise BadInput(f"{where}: deployment.resources[{i}].parent is not a URN string")
    if deps is not None and not _urn_list(deps):
        raise BadInput(f"{where}: deployment.resources[{i}].dependencies is not a list of URN strings")
    if pdeps is not None and not (isinstance(pdeps, dict) and all(map(_urn_list, pdeps.values()))):
        raise BadInput(
            f"{where}: deployment.resources[{i}].propertyDependencies is not an object of lists of URN strings"
        )


def _urn_list(value: Any) -> bool:
    """A list of strings. (``str.join`` refuses anything else, and is the cheapest test of every item: this runs
    for every dependency list of every resource.)"""
    if type(value) is not list:
        return False
    try:
        "".join(value)
    except TypeError:
        return False
    return True


def validate_version(version: Any, where: str) -> None:
    if version not in EXPORT_VERSIONS:
        raise BadInput(f"{where}: unsupported stack export version {version!r} (expected 3)")


def not_an_export(where: str, why: str = "expected a JSON object with 'version' and 'deployment'") -> BadInput:
    return BadInput(f"{where}: not a pulumi stack export ({why})")


class _Window:
    """The part of a file's text the reader is at: values are parsed at ``pos``; what lies before it is dropped
    whenever more text is read. ``line``/``col`` are those of ``buf[0]`` in the file, for error messages."""

    def __init__(self, f: IO[bytes], where: str):
        self.f, self.where = f, where
        self.utf8 = codecs.getincrementaldecoder("utf-8")()
        self.buf, self.pos, self.eof = "", 0, False
        self.line, self.col = 1, 1
        self.chunk = _CHUNK
        self.base = 0  # offset in the file's text of buf[0]
        self.marks: list[int] = []  # offsets in the file's text of every marker read so far and not passed, sorted

    def more(self) -> bool:
        """Read on, dropping the text before ``pos``; False (the window unchanged) at the end of the file."""
        if self.eof:
            return False
        try:
            data = self.f.read(self.chunk)
            text = self.utf8.decode(data, final=not data)
        except UnicodeDecodeError:
            raise BadInput(f"{self.where}: not UTF-8 text (a stack export file is JSON)") from None
        except OSError as e:
            raise BadInput(f"{self.where}: cannot read ({e.strerror})") from None
        if not data:
            self.eof = True
            return False
        newlines = self.buf.count("\n", 0, self.pos)
        if newlines:
            self.line += newlines
            self.col = self.pos - self.buf.rfind("\n", 0, self.pos)
        else:
            self.col += self.pos
        kept = len(self.buf) - self.pos
        self.base += self.pos
        self.buf = self.buf[self.pos :] + text
        self.pos = 0
        # Markers in the new text, including any that began in the kept text and end in the new.
        passed = bisect.bisect_left(self.marks, self.base)
        found = self.marks[passed:]
        buf, start = self.buf, max(0, kept - _MARKER_LEN + 1)
        for m in _MARKERS:
            at = buf.find(m, start)
            while at >= 0:
                if at + len(m) > kept:
                    found.append(self.base + at)
                at = buf.find(m, at + 1)
        self.marks = sorted(found)
        return True

    def marked(self, start: int, stop: int) -> bool:
        """A marker begins inside ``buf[start:stop]``."""
        i = bisect.bisect_left(self.marks, self.base + start)
        return i < len(self.marks) and self.marks[i] < self.base + stop

    def next_mark(self) -> int:
        """Where in ``buf`` the first marker at or after ``pos`` begins; ``len(buf)`` when none has been read."""
        i = bisect.bisect_left(self.marks, self.base + self.pos)
        return self.marks[i] - self.base if i < len(self.marks) else len(self.buf)

    def error(self, message: str, at: int) -> BadInput:
        newlines = self.buf.count("\n", 0, at)
        line, col = (self.line + newlines, at - self.buf.rfind("\n", 0, at)) if newlines else (self.line, self.col + at)
        return BadInput(f"{self.where}: not JSON ({message} at line {line} column {col})")

    def peek(self) -> str:
        """The next character that is not blank ('' at the end of the file); ``pos`` is moved onto it."""
        while True:
            self.pos = _BLANKS.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    def value(self) -> tuple[Any, int, int]:
        """The JSON value at ``pos`` and its span in ``buf`` (valid until the next read); ``pos`` moves past it."""
        self.peek()
        while True:
            try:
                obj, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as e:
                if self._grow():  # the value may just not be all in the window yet
                    continue
                raise self.error(e.msg, e.pos) from None
            if end == len(self.buf) and self._grow():  # a number at the window's edge may go on
                continue
            self.chunk = _CHUNK
            start, self.pos = self.pos, end
            return obj, start, end

    def _grow(self) -> bool:
        self.chunk = min(self.chunk * 2, 64 << 20)
        return self.more()

    def expect(self, char: str, message: str) -> None:
        if self.peek() != char:
            raise self.error(message, self.pos)
        self.pos += 1

    def members(self) -> Iterator[str]:
        """The keys of the object at ``pos``; the caller reads (or skips) each key's value before the next."""
        self.expect("{", "Expecting value")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            if self.peek() != '"':
                raise self.error("Expecting property name enclosed in double quotes", self.pos)
            key = self.value()[0]
            self.expect(":", "Expecting ':' delimiter")
            yield key
            c = self.peek()
            self.pos += 1
            if c == "}":
                return
            if c != ",":
                raise self.error("Expecting ',' delimiter", self.pos - 1)

    def resources(self) -> Iterator[tuple[Any, bool]]:
        """The values of the array at ``pos`` (the export's resources), each with the flag ``iter_resources``
        describes. Parsed a window at a time where the window's end can be told from the text, else one by one."""
        self.expect("[", "Expecting value")
        if self.peek() == "]":
            self.pos += 1
            return
        anchor = None
        while True:
            if len(self.buf) - self.pos < _CHUNK // 2:
                self.more()
            # A window of whole resources ends before the next marker: the resource holding it is read alone.
            end = self._batch_end(anchor, self.next_mark()) if anchor else -1
            batch = None
            if end > self.pos:
                batch = _whole_list("[" + self.buf[self.pos : end] + "]")
            if batch is not None:
                self.pos = end
                for r in batch:
                    yield r, True
            else:
                r, start, stop = self.value()
                if anchor is None and isinstance(r, dict) and r:
                    anchor = json.dumps(next(iter(r)))
                yield r, not self.marked(start, stop)
            c = self.peek()
            self.pos += 1
            if c == "]":
                return
            if c != ",":
                raise self.error("Expecting ',' delimiter", self.pos - 1)

    def _batch_end(self, anchor: str, limit: int) -> int:
        """Just past the last element of the array that ends inside the window, told by the next element's first
        key (``anchor``, the first element's): ``}`` ``,`` ``{`` ``"<anchor>"``, blanks between. Inside a string
        that sequence cannot occur unescaped; inside a nested object it can, and then the window does not parse as
        a list of whole values and the caller reads one value instead. Only boundaries before ``limit``; -1 when
        none is found."""
        buf, floor, hi = self.buf, self.pos, limit

        def before(k: int) -> int:
            """The last character before ``k`` that is not blank (not below the window's start)."""
            k -= 1
            while k > floor and buf[k] in " \t\n\r":
                k -= 1
            return k

        for _ in range(16):
            j = buf.rfind(anchor, floor, hi)
            if j < 0:
                return -1
            hi = j
            brace = before(j)
            if buf[brace] != "{":
                continue
            comma = before(brace)
            if buf[comma] != ",":
                continue
            end = before(comma)
            if buf[end] == "}":
                return end + 1
        return -1


def _whole_list(text: str) -> list | None:
    """``text`` parsed when it is exactly one JSON array, else None (the caller then reads one value at a time, with
    json's own error messages). jiter and json agree on every text both accept (tests/policies/test_exports.py
    compares them); jiter refuses a few that json accepts (lone surrogate escapes), which then go through json."""
    if _fast_loads is not None:
        try:
            return _fast_loads(text)
        except ValueError:  # not one array to jiter: json's verdict is the one that counts
            return _json_whole_list(text)
    return _json_whole_list(text)


def _json_whole_list(text: str) -> list | None:
    try:
        batch, stop = _DECODER.raw_decode(text)
    except json.JSONDecodeError:
        return None
    return batch if stop == len(text) else None


def iter_resources(path: str | Path) -> Iterator[tuple[dict[str, Any], bool]]:
    """The resources of the export at ``path`` as they are read, each validated and with a flag: True when its
    text holds no secret envelope and no unknown sentinel (its values need no decoding). BadInput, naming the file
    and the place, for anything that is not a version 1-3 export; a problem after the resources (a missing
    ``version``, trailing text) surfaces when the iteration ends."""
    where = str(path)
    with open_bytes(path, BadInput, "stack export file") as f:
        w = _Window(f, where)
        if w.peek() == "\ufeff":
            raise w.error("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0)
        if w.peek() != "{":
            w.value()  # not JSON at all is a syntax error first, as json.loads reports it
            if w.peek():
                raise w.error("Extra data", w.pos)
            raise not_an_export(where)
        version: Any = None
        seen: set[str] = set()
        for key in w.members():
            if key == "version":
                version = w.value()[0]
                validate_version(version, where)
                seen.add(key)
            elif key == "deployment":
                if key in seen:
                    raise not_an_export(where, "'deployment' is given twice")
                seen.add(key)
                if w.peek() != "{":
                    w.value()
                    raise not_an_export(where, "no 'deployment' object")
                for dkey in w.members():
                    if dkey != "resources":
                        w.value()
                        continue
                    if "resources" in seen:
                        raise not_an_export(where, "'deployment.resources' is given twice")
                    seen.add("resources")
                    if w.peek() != "[":
                        if w.value()[0] is not None:
                            raise BadInput(f"{where}: deployment.resources is not a list")
                        continue
                    for i, (r, clean) in enumerate(w.resources()):
                        validate_entry(r, i, where)
                        yield r, clean
            else:
                w.value()
        if w.peek():
            raise w.error("Extra data", w.pos)
        if "deployment" not in seen:
            raise not_an_export(where, "no 'deployment' object")
        validate_version(version, where)
