"""docs/components.md, generated from the components themselves (``ecomart docs --write``).

Every ``pulumi.ComponentResource`` defined in a module of this package is found (nothing is listed by hand), and
its contract read from its constructor: the settings class (``arg(...)`` fields: type, default, units, constraints,
why), the links class, and the nested settings classes they hold; its typed outputs from its class annotations.
tests/components/test_contract.py fails when the committed reference is stale or a field has no doc.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

import components
from components.contract import constraint_text

DOC = Path(__file__).resolve().parent.parent / "docs" / "components.md"


@dataclass(frozen=True)
class Contract:
    """One component's contract: where it lives, its settings and links classes and the nested classes in them."""

    module: str
    component: type
    settings: type
    links: type
    nested: tuple[type, ...]


def _dataclasses_in(annotation: Any, module: dict[str, Any]) -> list[type]:
    """The component dataclasses an annotation names. Read from its text (the components postpone annotations,
    and pulumi.Input's own forward references keep ``typing.get_type_hints`` from resolving link fields)."""
    if not isinstance(annotation, str):
        annotation = getattr(annotation, "__name__", str(annotation))
    names = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", annotation)
    return [c for n in names if isinstance(c := module.get(n), type) and dataclasses.is_dataclass(c)]


def _nested(cls: type, seen: list[type]) -> list[type]:
    """The dataclasses ``cls``'s fields hold, recursively (Zone, AlarmThresholds, the service's link groups)."""
    module = vars(importlib.import_module(cls.__module__))
    for f in dataclasses.fields(cls):
        for sub in _dataclasses_in(f.type, module):
            if sub not in seen and sub.__module__.startswith("components."):
                seen.append(sub)
                _nested(sub, seen)
    return seen


def contracts() -> list[Contract]:
    """Every component of this package, in module then class order."""
    out: list[Contract] = []
    for info in sorted(pkgutil.iter_modules(components.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"components.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, pulumi.ComponentResource) or cls.__module__ != module.__name__:
                continue
            hints = inspect.get_annotations(cls.__init__)
            found = {k: _dataclasses_in(hints.get(k, ""), vars(module)) for k in ("settings", "links")}
            if not found["settings"] or not found["links"]:
                raise TypeError(f"{cls.__name__}.__init__ must take (name, settings, links, place, opts)")
            settings, links = found["settings"][0], found["links"][0]
            out.append(
                Contract(
                    info.name,
                    cls,
                    settings,
                    links,
                    tuple(_nested(settings, []) + [c for c in _nested(links, []) if c not in _nested(settings, [])]),
                )
            )
    return out


def _type(annotation: Any) -> str:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
    return text.replace("pulumi.Input[str]", "Input[str]").replace("|", "\\|")


def _default(f: dataclasses.Field) -> str:
    if f.default is not dataclasses.MISSING:
        value = f.default
    elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        value = f.default_factory()  # type: ignore[misc]
        if dataclasses.is_dataclass(value):
            return f"`{type(value).__name__}()`"
    else:
        return "**required**"
    if isinstance(value, (list, tuple)) and value and dataclasses.is_dataclass(value[0]):
        return f"{len(value)} entries"
    if isinstance(value, tuple):
        value = list(value)
    return f"`{value!r}`" if value not in ({}, []) else f"`{value}`"


def fields_table(cls: type) -> list[str]:
    rows = ["| field | type | default | units | allowed | what and why |", "|---|---|---|---|---|---|"]
    for f in dataclasses.fields(cls):
        doc = f.metadata.get("doc")
        if not doc:
            raise ValueError(f"{cls.__module__}.{cls.__name__}.{f.name} has no doc: declare it with arg(...)")
        allowed = constraint_text(f.metadata).replace("|", "\\|")
        rows.append(
            f"| `{f.name}` | `{_type(f.type)}` | {_default(f)} | {f.metadata.get('units') or ''} | {allowed} | {doc} |"
        )
    return rows


def outputs_of(component: type) -> list[tuple[str, str]]:
    """The typed output attributes a component class declares (class-level annotations)."""
    return [(name, _type(t)) for name, t in inspect.get_annotations(component).items()]


def render() -> str:
    out = [
        "# Components reference",
        "",
        "Generated from the components by `ecomart docs --write`; do not edit by hand.",
        "",
        "Every component is a `pulumi.ComponentResource` usable on its own: `Component(name, settings, links, place)`.",
        "Its **settings** are what a user chooses (the stack config's section of the same name parses straight into",
        "them); its **links** are the ids and ARNs of what it is wired to; the **placement** (`components.contract.",
        "Placement`) is the stack's name prefix, region and tags. It imports nothing from `infra/` or `app/`,",
        "creates children only under itself and registers typed outputs. A bad setting raises `SettingError` naming",
        "the field, the value and what is allowed, before anything is declared. `examples/` uses them directly.",
        "",
    ]
    written: set[type] = set()
    for c in contracts():
        summary = (importlib.import_module(f"components.{c.module}").__doc__ or "").strip().splitlines()[0]
        out += [f"## `{c.component.__name__}` (`components/{c.module}.py`)", "", summary, ""]
        for kind, cls in (("Settings", c.settings), ("Links", c.links)):
            out += [f"### {kind}: `{cls.__name__}`", "", *fields_table(cls), ""]
        for cls in c.nested:
            if cls in written:
                continue
            written.add(cls)
            out += [f"#### `{cls.__name__}`", "", *fields_table(cls), ""]
        outputs = outputs_of(c.component)
        if outputs:
            out += ["Outputs: " + ", ".join(f"`{n}` (`{t}`)" for n, t in outputs) + ".", ""]
    return "\n".join(out).rstrip() + "\n"


def all_settings_classes() -> list[type]:
    """Every settings class of every component (the stack config's sections and what they nest)."""
    found: list[type] = []
    for c in contracts():
        for cls in (c.settings, *c.nested):
            if cls not in found and getattr(cls, "__pydantic_config__", None) is not None:
                found.append(cls)
    return found


def contract_of(component: type) -> Contract | None:
    return next((c for c in contracts() if c.component is component), None)
