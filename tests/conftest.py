"""Shared fixtures: stacks synthesized offline under Pulumi's mock engine (ecomart/synthesis.py)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import pytest

from ecomart import gc_tuning
from ecomart.synthesis import Synthesis, synthesize
from infra import config as stack_config


def pytest_configure(config: pytest.Config) -> None:
    """The suite is ~75 syntheses and thousands of short tests in long-lived workers: the collector's default
    thresholds cost it about a third of its CPU (ecomart/gc_tuning.py)."""
    gc_tuning.for_batch_work()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The ``long`` tests first, longest first (a stable sort: the rest keep their order). xdist's worksteal hands
    each worker a contiguous share of this list; pyright (~45 s), collected last, used to start last and run alone
    at the end of the suite."""

    def seconds(item: pytest.Item) -> float:
        mark = item.get_closest_marker("long")
        return float(mark.kwargs.get("seconds", 1)) if mark else 0.0

    if not os.environ.get("ECOMART_NO_LONG_FIRST"):  # measurement switch (A/B of the suite's wall time)
        items.sort(key=seconds, reverse=True)


def pytest_collection_finish(session: pytest.Session) -> None:
    gc_tuning.settle()  # imports and collected tests stay alive to the end: out of every later collection's scan


@pytest.fixture(scope="session")
def dev() -> Synthesis:
    """The real dev stack from Pulumi.dev.yaml (synthesized once per test session)."""
    return synthesize("dev")


@pytest.fixture(scope="session")
def prod() -> Synthesis:
    """The real prod stack from Pulumi.prod.yaml."""
    return synthesize("prod")


def stack_bag(stack: str, **overrides: Any) -> dict[str, str]:
    """The config bag of a real stack with sections deep-updated, e.g. ``stack_bag("dev", postgres={"readReplicas":
    1})``.

    A value of None removes the key. Top-level string keys are given as-is.
    """
    from ecomart.synthesis import stack_file

    bag = stack_config.raw_from_yaml(str(stack_file(stack)))
    for section, value in overrides.items():
        key = f"{stack_config.PROJECT}:{section}"
        if value is None:
            bag.pop(key, None)
        elif isinstance(value, dict):
            current = json.loads(bag.get(key, "{}"))
            for k, v in value.items():
                if v is None:
                    current.pop(k, None)
                else:
                    current[k] = v
            bag[key] = json.dumps(current)
        else:
            bag[key] = value
    return bag


@pytest.fixture
def synth_with() -> Callable[..., Synthesis]:
    """Synthesize a real stack with config overrides: ``synth_with("dev", redis={"replicasPerShard": 2})``."""

    def make(stack: str, program: Callable | None = None, **overrides: Any) -> Synthesis:
        return synthesize(stack, stack_bag(stack, **overrides), program=program)

    return make


def one(synth: Synthesis, typ: str, name: str | None = None):
    """The single registration of ``typ`` (and ``name``), failing clearly when there are none or several."""
    found = [r for r in synth.registrations if r.type == typ and (name is None or r.name == name)]
    assert len(found) == 1, f"expected one {typ} {name or ''}, found {[r.name for r in found]}"
    return found[0]


def domain_key_arn(synth: Synthesis, domain: str) -> str:
    """ARN of the primary-region KMS key of a data domain (components/kms.py tags each key with its domain)."""
    (key,) = [
        k
        for k in synth.of_type("aws:kms/key:Key")
        if k.inputs["tags"].get("data-domain") == domain and not k.name.endswith("-dr")
    ]
    return key.outputs["arn"]
