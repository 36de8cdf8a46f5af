"""How a component declares what it takes: settings, links and placement, each field documented and validated once.

- **Settings** (``@settings`` dataclasses, fields declared with ``arg(...)``): what a user chooses. The stack config's
  section for the component *is* its settings class (``ecomart-data-platform:postgres`` parses into
  ``PostgresSettings``, camelCase keys, unknown keys refused by name): the type, default, units, constraints and one
  line of why are declared here and nowhere else. pydantic validates these plain dataclasses through
  ``__pydantic_config__`` (a plain dict), so components never import it.
- **Links** (plain dataclasses, ``arg(...)`` fields without constraints): the ids, ARNs and groups of other
  components or existing infrastructure a component is wired to.
- **Placement**: the stack's physical-name prefix, region and tags.

Constraints (``ge``/``le``/``gt``/``lt``, ``one_of``, ``pattern``, ``non_empty``, ``check``) are checked when a
settings object is built, by anyone: a bad value raises ``SettingError`` naming the field, the value and what is
allowed, before anything is declared. Rules across fields go in the class's ``rules()`` method.
``python -m ecomart docs`` renders every field (tests/components/test_contract.py holds the reference current).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, dataclass_transform

_MISSING: Any = dataclasses.MISSING
_CONSTRAINTS = ("ge", "le", "gt", "lt", "one_of", "pattern", "non_empty", "check")


def arg(
    doc: str,
    default: Any = _MISSING,
    *,
    units: str | None = None,
    factory: Callable[[], Any] | None = None,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
    one_of: Sequence[Any] | None = None,
    pattern: str | None = None,
    non_empty: bool = False,
    check: Callable[[Any], str | None] | None = None,
    means: str | None = None,
) -> Any:
    """A documented field. ``doc`` is one line: what it is and why; ``units`` e.g. "days", "GiB".

    Constraints apply to a value that is not None (to each item of a list for ``pattern``/``one_of``/``check``):
    ``check(value)`` returns None when the value is fine, else what is allowed. ``means`` says in words what
    ``pattern`` (or ``check``: else its own ``means`` attribute) allows; messages and docs show it.
    """
    # Constraints under their own key: pydantic reads ge/le/pattern keys of a field's metadata itself, and the
    # checks here are the one place they are enforced (one message format, the same with or without pydantic).
    limits = {
        "ge": ge,
        "le": le,
        "gt": gt,
        "lt": lt,
        "one_of": tuple(one_of) if one_of is not None else None,
        "pattern": pattern,
        "non_empty": non_empty,
        "check": check,
        "means": means,
    }
    metadata = {
        "doc": doc,
        "units": units,
        "limits": {k: v for k, v in limits.items() if v is not None and v is not False},
    }
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


class SettingError(ValueError):
    """A setting that must not be deployed: ``field`` (snake_case; None for a rule across fields), ``value`` and
    ``allowed`` say which, what it was and what is allowed."""

    def __init__(self, owner: str, field: str | None, value: Any, allowed: str):
        self.owner, self.field, self.value, self.allowed = owner, field, value, allowed
        where = f"{owner}.{field}" if field else owner
        super().__init__(f"{where} is {value!r}: {allowed}" if field and value is not None else f"{where}: {allowed}")


def constraint_text(metadata: Mapping[str, Any]) -> str:
    """The declared constraints of a field (its metadata, or its ``limits``), as docs and error messages show
    them."""
    metadata = metadata.get("limits", metadata)
    parts = []
    lo = (">= ", metadata.get("ge")) if metadata.get("ge") is not None else ("> ", metadata.get("gt"))
    hi = ("<= ", metadata.get("le")) if metadata.get("le") is not None else ("< ", metadata.get("lt"))
    if lo[1] is not None and hi[1] is not None and lo[0] == ">= " and hi[0] == "<= ":
        parts.append(f"{_num(lo[1])}..{_num(hi[1])}")
    else:
        parts += [f"{op}{_num(v)}" for op, v in (lo, hi) if v is not None]
    if metadata.get("one_of") is not None:
        parts.append("one of " + ", ".join(repr(v) for v in metadata["one_of"]))
    means = metadata.get("means") or getattr(metadata.get("check"), "means", None)
    if means:
        parts.append(means)
    elif metadata.get("pattern"):
        parts.append(f"matching {metadata['pattern']}")
    if metadata.get("non_empty"):
        parts.append("not empty")
    return "; ".join(parts)


def _num(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _problem(metadata: Mapping[str, Any], value: Any) -> str | None:
    """What is allowed, when ``value`` breaks a declared constraint; None when it does not."""
    metadata = metadata.get("limits") or {}
    if value is None or not metadata:
        return None
    if metadata.get("non_empty") and isinstance(value, (list, tuple, str)) and not value:
        return "must not be empty"
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    for item in items:
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            bounds = [
                (metadata.get("ge"), lambda x, b: x >= b),
                (metadata.get("le"), lambda x, b: x <= b),
                (metadata.get("gt"), lambda x, b: x > b),
                (metadata.get("lt"), lambda x, b: x < b),
            ]
            if any(b is not None and not ok(item, b) for b, ok in bounds):
                return f"must be {constraint_text(metadata)}"
        if metadata.get("one_of") is not None and item not in metadata["one_of"]:
            return "must be one of " + ", ".join(repr(v) for v in metadata["one_of"])
        if metadata.get("pattern") and not (isinstance(item, str) and re.fullmatch(metadata["pattern"], item)):
            return f"must be {metadata['means']}" if metadata.get("means") else f"must match {metadata['pattern']}"
        if metadata.get("check") is not None:
            why = metadata["check"](item)
            if why:
                return why
    return None


class SettingErrors(SettingError):
    """Several fields of one settings object broke their constraints: ``errors`` holds one ``SettingError`` each."""

    def __init__(self, errors: list[SettingError]):
        self.errors = errors
        super().__init__(errors[0].owner, None, None, "; ".join(str(e) for e in errors))


def check_fields(obj: Any) -> None:
    """Every declared constraint of ``obj``'s fields: one broken raises ``SettingError``, several
    ``SettingErrors`` naming each."""
    errors = []
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        problem = _problem(f.metadata, value)
        if problem:
            errors.append(SettingError(type(obj).__name__, f.name, value, problem))
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise SettingErrors(errors)


def camel(name: str) -> str:
    """snake_case -> camelCase (the stack config's keys)."""
    first, *rest = name.split("_")
    return first + "".join(word[:1].upper() + word[1:] for word in rest)


# What pydantic reads from a settings class (a plain dict: ``pydantic.ConfigDict`` is a TypedDict): camelCase keys
# (snake_case accepted too), unknown keys refused by name. The stack config validates JSON in strict mode, so "3" is
# not a number and "yes" is not a boolean.
PYDANTIC_CONFIG = {"alias_generator": camel, "populate_by_name": True, "extra": "forbid"}


_T = TypeVar("_T")


@dataclass_transform(frozen_default=True, field_specifiers=(arg,))
def settings(cls: type[_T]) -> type[_T]:
    """Declare a settings class: a frozen dataclass whose fields' constraints, then its ``rules()``, are checked
    whenever it is built (by the stack config or by hand)."""
    own_rules = getattr(cls, "rules", None)

    def __post_init__(self: Any) -> None:
        check_fields(self)
        if own_rules is not None:
            own_rules(self)

    cls.__post_init__ = __post_init__  # type: ignore[attr-defined]
    cls.__pydantic_config__ = PYDANTIC_CONFIG  # type: ignore[attr-defined]
    return dataclasses.dataclass(frozen=True)(cls)


def fail(obj: Any, message: str, field: str | None = None, value: Any = None) -> None:
    """Raise a ``SettingError`` for a rule of ``obj`` (across fields, or about one of them)."""
    raise SettingError(type(obj).__name__, field, value, message)


@dataclasses.dataclass(frozen=True)
class Placement:
    """Where a component's resources live and what they are called: the stack-level part of every component."""

    prefix: str = arg("Physical-name prefix of the stack (e.g. ecomart-prod): every name starts with it.")
    region: str = arg("The stack's primary AWS region.")
    tags: Mapping[str, str] = arg("Tags every taggable resource carries (a Name is added).", factory=dict)


def require_together(args: Any, *names: str) -> None:
    """Fields that only make sense together (a region and the key there): all set or none, else a clear error."""
    given = [n for n in names if getattr(args, n) is not None]
    if given and len(given) != len(names):
        raise SettingError(
            type(args).__name__,
            None,
            None,
            f"{', '.join(names)} are set together (got {', '.join(given)} without "
            f"{', '.join(n for n in names if n not in given)})",
        )
