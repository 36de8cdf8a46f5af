"""The whole pack: every policy module, imported in a fixed order, and lookups over them.

``policies/__main__.py`` builds the ``PolicyPack`` from ``all_policies()``; the offline checker, the catalog
generator and the tests use the same list, so the three can never disagree about what the pack contains.
"""

from __future__ import annotations

import importlib
from typing import Any

from policies.core import PolicyMeta, meta_of, registered

PACK_NAME = "ecomart-data-platform"
MODULES = ("rds", "elasticache", "kms", "network", "observability", "backup", "s3", "lambda_", "secretsmanager",
           "apigateway", "cognito", "scheduler", "atlas", "iam", "operations", "stack")


def all_policies() -> list[Any]:
    for name in MODULES:
        importlib.import_module(f"policies.{name}")
    return registered()


def resource_policies() -> list[Any]:
    return [p for p in all_policies() if meta_of(p).kind == "resource"]


def stack_policies() -> list[Any]:
    return [p for p in all_policies() if meta_of(p).kind == "stack"]


def metadata() -> dict[str, PolicyMeta]:
    return {p.name: meta_of(p) for p in all_policies()}
