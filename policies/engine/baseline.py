"""Baselines: today's findings recorded, so that a pipeline fails only on new ones (``ecomart check
--create-baseline FILE``, then ``--baseline FILE``), as checkov's ``--create-baseline``/``--baseline`` do.

A finding is remembered by its fingerprint (policy, resource URN, message: the message names the offending value, so
the same resource failing in a new way is new). The file is JSON and lists each finding readably beside its
fingerprint, for the reviewer who approves it in a pull request.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

from policies.engine.exports import BadInput

VERSION = 1


def write(path: Path, result: Any) -> int:
    """Record the result's counted and baselined findings (waived ones have their own file); how many."""
    findings = [
        {"fingerprint": v.fingerprint(), "policy": v.policy, "resource": v.urn, "message": v.message}
        for v in result.violations
        if v.waiver is None
    ]
    doc = {
        "version": VERSION,
        "created": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "stack": result.stack,
        "findings": sorted(findings, key=lambda f: (f["policy"], f["resource"], f["message"])),
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    except OSError as e:
        raise BadInput(f"--create-baseline {path}: cannot write ({e.strerror})") from None
    return len(findings)


def read(path: Path) -> set[str]:
    """The fingerprints of a baseline file; BadInput naming the file and what is wrong."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise BadInput(f"--baseline {path}: cannot read ({e.strerror})") from None
    except ValueError as e:
        raise BadInput(f"--baseline {path}: not JSON ({e})") from None
    if not isinstance(doc, dict) or doc.get("version") != VERSION or not isinstance(doc.get("findings"), list):
        raise BadInput(
            f"--baseline {path}: not a baseline (expected version {VERSION} and a 'findings' list, as "
            "--create-baseline writes)"
        )
    out = set()
    for i, finding in enumerate(doc["findings"]):
        fingerprint = finding.get("fingerprint") if isinstance(finding, dict) else None
        if not isinstance(fingerprint, str) or len(fingerprint) != 64:
            raise BadInput(f"--baseline {path}: findings[{i}] has no fingerprint (64 hex characters)")
        out.add(fingerprint)
    return out
