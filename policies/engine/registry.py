"""The whole pack: every module of ``policies.rules``, imported in name order, and lookups over them.

``policies/__main__.py`` builds the ``PolicyPack`` from ``all_policies()``; the offline checker, the catalog
generator and the tests use the same list, so the three can never disagree about what the pack contains. The
modules are found, not listed: a new rule module is part of the pack the moment it exists.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from policies import rules
from policies.engine.core import PolicyMeta, meta_of, registered

PACK_NAME = "ecomart-data-platform"
MODULES = tuple(sorted(m.name for m in pkgutil.iter_modules(rules.__path__) if not m.name.startswith("_")))


def all_policies() -> list[Any]:
    for name in MODULES:
        importlib.import_module(f"policies.rules.{name}")
    return registered()


def resource_policies() -> list[Any]:
    return [p for p in all_policies() if meta_of(p).kind == "resource"]


def stack_policies() -> list[Any]:
    return [p for p in all_policies() if meta_of(p).kind == "stack"]


def metadata() -> dict[str, PolicyMeta]:
    return {p.name: meta_of(p) for p in all_policies()}
