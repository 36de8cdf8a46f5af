"""Generate docs/components.md from the components' own Args: ``python -m components.doc --write``.

Each component's contract is its Args dataclass (``arg(...)`` fields: type, default, units, why) and its typed
output attributes; this renders both, so the reference cannot drift (tests/components/test_contract.py).
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from pathlib import Path
from typing import Any


# (module, component class, Args class, nested settings dataclasses worth a table of their own)
COMPONENTS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("network", "Network", "NetworkArgs", ()),
    ("kms", "Kms", "KmsArgs", ()),
    ("postgres", "Postgres", "PostgresArgs", ()),
    ("redis", "Redis", "RedisArgs", ()),
    ("atlas", "Atlas", "AtlasArgs", ("Zone", "AutoScaling", "BackupPolicy", "BackupCompliance",
                                     "MaintenanceWindow", "IpAccessEntry", "AlertThresholds")),
    ("monitoring", "Monitoring", "MonitoringArgs", ("AlarmThresholds",)),
    ("backup", "Backup", "BackupArgs", ()),
    ("resilience", "Resilience", "ResilienceArgs", ()),
    ("resilience", "ReadOnlyMode", "ReadOnlyModeArgs", ()),
    ("artifacts", "CodeArtifacts", "CodeArtifactsArgs", ()),
    ("service", "Service", "ServiceArgs", ("FunctionSettings",)),
)
DOC = Path(__file__).resolve().parent.parent / "docs" / "components.md"


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
        if isinstance(value, (list, tuple)) and value and dataclasses.is_dataclass(value[0]):
            return f"{len(value)} entries"
    else:
        return "**required**"
    if isinstance(value, tuple):
        value = list(value)
    return f"`{value!r}`" if value not in ({}, []) else f"`{value}`"


def fields_table(cls: type) -> list[str]:
    rows = ["| field | type | default | units | what and why |", "|---|---|---|---|---|"]
    for f in dataclasses.fields(cls):
        doc = f.metadata.get("doc")
        if not doc:
            raise ValueError(f"{cls.__module__}.{cls.__name__}.{f.name} has no doc: declare it with arg(...)")
        rows.append(f"| `{f.name}` | `{_type(f.type)}` | {_default(f)} | {f.metadata.get('units') or ''} | {doc} |")
    return rows


def outputs_of(component: type) -> list[tuple[str, str]]:
    """The typed output attributes a component class declares (class-level annotations)."""
    return [(name, _type(t)) for name, t in inspect.get_annotations(component).items()]


def render() -> str:
    out = [
        "# Components reference",
        "",
        "Generated from the components' Args by `python -m components.doc --write`; do not edit by hand.",
        "",
        "Every component is a `pulumi.ComponentResource` usable on its own: it imports nothing from `infra/` or",
        "`app/`, creates children only under itself, takes other components' resources only as explicit inputs",
        "(ids, ARNs) and registers typed outputs. Bad args raise a `ValueError` naming the field before anything",
        "is declared. `infra/stack.py` is the one adapter from stack config to these Args; `examples/` uses them",
        "directly.",
        "",
    ]
    for module_name, comp_name, args_name, nested in COMPONENTS:
        module = importlib.import_module(f"components.{module_name}")
        component, args = getattr(module, comp_name), getattr(module, args_name)
        summary = (module.__doc__ or "").strip().splitlines()[0]
        out += [f"## `{comp_name}` (`components/{module_name}.py`)", "", summary, "",
                f"### `{args_name}`", "", *fields_table(args), ""]
        for name in nested:
            out += [f"#### `{name}`", "", *fields_table(getattr(module, name)), ""]
        outputs = outputs_of(component)
        if outputs:
            out += ["Outputs: " + ", ".join(f"`{n}` (`{t}`)" for n, t in outputs) + ".", ""]
    return "\n".join(out).rstrip() + "\n"
