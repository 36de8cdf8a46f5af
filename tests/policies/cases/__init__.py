"""The resource-policy cases, one module per rule module of ``policies/rules`` (same name), collected here: a new
service's cases are picked up without being listed, and a rule module without its cases fails a test."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from tests.policies.helpers import Case

SHARED = "shapes"  # the shapes the per-service tables share


def modules() -> dict[str, Any]:
    return {
        m.name: importlib.import_module(f"{__name__}.{m.name}")
        for m in pkgutil.iter_modules(__path__)
        if m.name != SHARED
    }


def resolved() -> list[tuple[str, Case]]:
    """(policy id, case) of every service, with the named shapes (``shapes.NAMED``) substituted."""
    from tests.policies.cases.shapes import NAMED

    out = []
    for module in modules().values():
        for pid, cases in module.CASES.items():
            for case in cases:
                props = NAMED[case.props] if isinstance(case.props, str) else case.props
                mutations = {
                    k: (NAMED[v] if isinstance(v, str) and v in NAMED else v) for k, v in case.mutations.items()
                }
                out.append((pid, Case(case.type, props, mutations, case.config, case.label)))
    return out
