"""Waivers: a reviewed, expiring exception to one policy for some resources (``policies/waivers.yaml``).

    waivers:
      - policy: rds-multi-az                 # a policy id of this pack
        resource: "ecomart-dev-*"            # a URN, or a glob over URNs or resource names
        reason: dev runs single-AZ to save cost; restores are tested monthly
        approver: data-platform-lead@ecomart.example
        expires: 2027-03-31                  # YYYY-MM-DD; the day after, the waiver itself is a violation

A waived violation is reported as waived and does not count toward the exit status; an expired waiver is a
mandatory violation of ``stack-waivers-current`` naming the entry. Both the offline checker (``ecomart check
--waivers FILE``, default this file when present) and the CrossGuard pack under the Pulumi CLI (the default file,
or ``ECOMART_WAIVERS``) read the same file, so ``pulumi preview --policy-pack`` and ``ecomart check`` agree.

Standard library plus PyYAML (a dependency of the pulumi SDK the pack's virtualenv already has).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policies.engine.files import read_text

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "waivers.yaml"
FIELDS = ("policy", "resource", "reason", "approver", "expires")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class WaiverError(ValueError):
    """A waiver file that cannot be used; the message names the entry and the field."""


@dataclass(frozen=True)
class Waiver:
    index: int
    policy: str
    resource: str
    reason: str
    approver: str
    expires: dt.date

    def expired(self, today: dt.date | None = None) -> bool:
        return (today or dt.date.today()) > self.expires

    def matches(self, policy_id: str, urn: str) -> bool:
        if policy_id != self.policy:
            return False
        name = urn.rsplit("::", 1)[-1] if urn else ""
        return (
            urn == self.resource
            or fnmatch.fnmatchcase(urn, self.resource)
            or (bool(name) and fnmatch.fnmatchcase(name, self.resource))
        )

    def label(self) -> str:
        return (
            f"waivers[{self.index}] ({self.policy} on {self.resource!r}, approved by {self.approver}, "
            f"expires {self.expires.isoformat()})"
        )


def parse(doc: Any, known_policies: Iterable[str], where: str = "waivers") -> list[Waiver]:
    known = set(known_policies)
    if doc is None:
        return []
    if not isinstance(doc, dict) or not isinstance(doc.get("waivers"), list) or set(doc) != {"waivers"}:
        raise WaiverError(f"{where}: expected a mapping with one key 'waivers' holding a list of entries")
    out: list[Waiver] = []
    for i, entry in enumerate(doc["waivers"]):
        at = f"{where}: waivers[{i}]"
        if not isinstance(entry, dict):
            raise WaiverError(f"{at}: expected a mapping with {', '.join(FIELDS)}")
        missing = [f for f in FIELDS if f not in entry]
        extra = sorted(set(entry) - set(FIELDS))
        if missing or extra:
            raise WaiverError(
                f"{at}: "
                + "; ".join(
                    ([f"missing {', '.join(missing)}"] if missing else [])
                    + ([f"unknown key(s) {', '.join(map(str, extra))} (allowed: {', '.join(FIELDS)})"] if extra else [])
                )
            )
        for f in ("policy", "resource", "reason", "approver"):
            if not isinstance(entry[f], str) or not entry[f].strip():
                raise WaiverError(f"{at}.{f}: must be a non-empty string, got {entry[f]!r}")
        if entry["policy"] not in known:
            raise WaiverError(f"{at}.policy: {entry['policy']!r} is not a policy of this pack")
        expires = entry["expires"]
        if isinstance(expires, dt.datetime):
            expires = expires.date()
        if isinstance(expires, str) and _DATE.match(expires):
            try:
                expires = dt.date.fromisoformat(expires)
            except ValueError:
                raise WaiverError(f"{at}.expires: {entry['expires']!r} is not a date (YYYY-MM-DD)") from None
        if not isinstance(expires, dt.date):
            raise WaiverError(f"{at}.expires: {entry['expires']!r} is not a date (YYYY-MM-DD)")
        out.append(
            Waiver(i, entry["policy"], entry["resource"], entry["reason"].strip(), entry["approver"].strip(), expires)
        )
    return out


def load(path: Path, known_policies: Iterable[str]) -> list[Waiver]:
    import yaml

    text = read_text(path, WaiverError, "waiver file", "YAML")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise WaiverError(f"{path}: not YAML ({str(e).splitlines()[0]})") from None
    return parse(doc, known_policies, str(path))


# --- which waivers apply -------------------------------------------------------------------------------------------
# Nothing here is process state: the pack (policies/__main__.py) is built with ``default_waivers()`` and drops what
# they cover (``policies.engine.core.suppressing``); the offline checker loads the file it is given, runs the
# policies unfiltered and marks the findings a waiver covers, so its report can say which were waived and by whom.


def default_path() -> Path:
    """The waiver file the pack reads under the Pulumi CLI: $ECOMART_WAIVERS, else policies/waivers.yaml."""
    return Path(os.environ.get("ECOMART_WAIVERS") or DEFAULT_PATH)


def default_waivers() -> list[Waiver]:
    """The waivers at ``default_path()`` (none when there is no such file), checked against this pack's ids."""
    from policies.engine.core import registered

    path = default_path()
    return load(path, [p.name for p in registered()]) if path.is_file() else []


def waiver_for(waivers: Iterable[Waiver], policy_id: str, urn: str, today: dt.date | None = None) -> Waiver | None:
    """The unexpired waiver of ``waivers`` covering this finding, if any."""
    for w in waivers:
        if not w.expired(today) and w.matches(policy_id, urn):
            return w
    return None
