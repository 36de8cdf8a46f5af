"""Reading property values safely: the unknown marker, opaque secrets, and the tests every policy applies.

During ``pulumi preview`` the engine hands a policy a proxy that *raises* on any value not known yet; the offline
checker hands over the same proxy. ``plain`` turns it into ordinary dicts and lists in which every unknown is the
``UNKNOWN`` marker, so a policy can never crash on one, and the helpers here never report a violation for one. A
secret the reader cannot see (a stack export's ciphertext) is an ``OpaqueSecret``: set, but never judged.
Standard library and the SDK adapter only (policies/engine/sdk.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from policies.engine import sdk

# Every sentinel the engine uses for a value not known during preview (pulumi_policy.proxy).
UNKNOWN_SENTINELS = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string (the one the mock engine and stack exports carry)
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)


class _Unknown:
    """A value the engine does not know yet. Never a violation; using it as a boolean is a bug (raises)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown>"

    def __bool__(self) -> bool:
        raise TypeError("an unknown value has no truth value: test it with known()/absent() first")


UNKNOWN = _Unknown()


class OpaqueSecret:
    """A secret whose plaintext the reader cannot see (a stack export's ciphertext). It counts as set."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<secret>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OpaqueSecret)

    def __hash__(self) -> int:
        return hash(OpaqueSecret)


class PlainDict(dict):
    """Properties that are plain already (the offline checker makes them once per resource): ``plain`` returns
    them as they are instead of walking them again. Shared by every policy of the resource: read, never changed."""

    __slots__ = ()


def plain(value: Any) -> Any:
    """Ordinary dicts/lists from whatever the engine or the checker handed over; unknowns become ``UNKNOWN``."""
    kind = type(value)
    if kind is PlainDict:
        return value
    # Exact-type fast paths first: JSON gives dict/list/str/int/float/bool/None, and the ABC checks below are slow.
    if kind is dict:
        return {k: plain(v) for k, v in value.items()}
    if kind is list:
        return [plain(v) for v in value]
    if kind is str:
        return UNKNOWN if value in UNKNOWN_SENTINELS else value
    if kind in (int, float, bool) or value is None:
        return value
    if isinstance(value, str):
        return UNKNOWN if value in UNKNOWN_SENTINELS else value
    if sdk.is_secret(value):
        return plain(value.value)
    if sdk.is_proxy(value):
        value = sdk.proxy_target(value)  # the proxies' escape hatch: no unknown check on the way
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


# --- judging values -------------------------------------------------------------------------------------------------


def known(value: Any) -> bool:
    """The value can be judged: neither unknown nor an opaque secret."""
    return value is not UNKNOWN and not isinstance(value, OpaqueSecret)


def absent(value: Any) -> bool:
    """Not set at all (None, empty string/list/map). Unknown and secret values are *not* absent."""
    if value is None:
        return True
    if isinstance(value, (str, list, tuple, dict)) and len(value) == 0:
        return True
    return False


def is_set(value: Any) -> bool:
    """Known to be set: not absent and not unknown. An opaque secret is set (a secret password is a password)."""
    return value is not UNKNOWN and not absent(value)


def is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def is_false(value: Any) -> bool:
    """Explicitly false (a known false-ish value). Unknown/secret/absent are not false."""
    return value is False or (isinstance(value, str) and value.lower() == "false")


def not_true(value: Any) -> bool:
    """Known and not true (absent counts: the default is off). The usual "must be enabled" test."""
    return known(value) and not is_true(value)


def num(value: Any) -> float | None:
    """A number from an int, float or numeric string; None when not a known number."""
    if isinstance(value, bool) or not known(value):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def show(value: Any) -> str:
    """A property value as a message shows it: ``not set``, ``true``/``false``, numbers and quoted strings."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    return repr(value)


def any_unknown(*values: Any) -> bool:
    return any(not known(v) for v in values)


def walk_strings(value: Any) -> list[str]:
    """Every string inside a (nested) value, in no particular order. Iterative, not nested generators: the
    reference lookups of the stack policies walk every value of a stack (a third faster at 50,000 resources)."""
    out: list[str] = []
    todo = [value]
    while todo:
        v = todo.pop()
        kind = type(v)
        if kind is str or isinstance(v, str):
            out.append(v)
        elif kind is dict or isinstance(v, dict):
            todo.extend(v.values())
        elif kind is list or isinstance(v, list):
            todo.extend(v)
    return out


def contains_unknown(value: Any) -> bool:
    if not known(value):
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def as_list(value: Any) -> list:
    """A list value as a list; None/absent as []. (Unknown stays unknown: callers test ``known`` first.)"""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def lookup(value: Any, path: str, default: Any = None) -> Any:
    current = value
    for part in path.split("."):
        if current is UNKNOWN or isinstance(current, OpaqueSecret):
            return UNKNOWN
        if isinstance(current, dict):
            if part not in current:
                return default
            current = current[part]
        elif isinstance(current, list) and part.isdigit():
            idx = int(part)
            if idx >= len(current):
                return default
            current = current[idx]
        else:
            return default
    return current


# --- literal secrets in declared values (Lambda and ECS environments) ----------------------------------------------

SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)", re.I)
# Names that hold a reference or a setting about a secret, not the secret itself (DB_SECRET_ARN, TOKEN_TTL).
REFERENCE_NAME = re.compile(
    r"(_ARN|_ID|_NAME|_REGION|_URL|_ENDPOINT|_HOST|_PORT|_PATH|_TTL|_SECONDS|_TIMEOUT|"
    r"_EXPIRY|_LIFETIME|_ENABLED|_LENGTH|_SIZE|_COUNT|_HEADER)$",
    re.I,
)
REFERENCE_VALUE = re.compile(r"^(arn:|alias/|/aws/|\{\{resolve:)")


def holds_literal_secret(name: str, value: Any) -> bool:
    """An environment variable whose name says password/secret/token/key holds a value that is neither a reference
    (an ARN, a ``{{resolve:...}}``) nor a setting about a secret (``TOKEN_TTL``). An opaque secret is a value too:
    it sits in the function's configuration and the stack state all the same."""
    if not SECRET_NAME.search(name) or REFERENCE_NAME.search(name):
        return False
    if isinstance(value, str) and REFERENCE_VALUE.match(value):
        return False
    return is_set(value)
