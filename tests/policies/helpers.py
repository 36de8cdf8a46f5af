"""Calling policies the way the Pulumi engine does, and editing camelCase property trees in tests."""

from __future__ import annotations

import asyncio
import copy
import inspect
import json
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import PolicyCustomTimeouts, PolicyResourceOptions, ResourceValidationArgs
from pulumi_policy.proxy import unknown_checking_proxy

from policies.engine.core import meta_of
from policies.engine.registry import all_policies

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # what the engine (and the mock preview) puts in unknown inputs
SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
DELETE = object()  # a mutation that removes the property

ACCOUNT = "123456789012"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/3e23008e-5f7e-7b31-88ee-95186a8eb722"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ecomart-prod-rds-monitoring"
TOPIC_ARN = f"arn:aws:sns:us-east-1:{ACCOUNT}:ecomart-prod-data-alarms"

POLICIES = {p.name: p for p in all_policies()}


def secret(value: Any = None, *, ciphertext: bool = True) -> dict:
    """A value in a stack export's secret envelope (ciphertext only, as `pulumi stack export` writes it)."""
    if ciphertext:
        return {SECRET_SIG_KEY: SECRET_SIG, "ciphertext": "v1:AAAA2pUdj3sNmyk8:oBVdGrDaF2zkp2Dj0uQe+J0F/Ryy7g=="}
    return {SECRET_SIG_KEY: SECRET_SIG, "plaintext": json.dumps(value)}


def options() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)


def run_resource_policy(policy_id: str, resource_type: str, props: dict, config: dict | None = None) -> list[str]:
    """Messages the policy reports for one resource, called exactly as the engine's Analyze does."""
    policy = POLICIES[policy_id]
    messages: list[str] = []
    args = ResourceValidationArgs(
        resource_type,
        unknown_checking_proxy(copy.deepcopy(props)),
        f"urn:pulumi:test::ecomart-data-platform::{resource_type}::subject",
        "subject",
        options(),
        None,
        config or {},
        {},
    )
    result = policy.validate(args, lambda message, urn=None: messages.append(message))
    if inspect.isawaitable(result):
        asyncio.new_event_loop().run_until_complete(result)
    return messages


def split(path: str) -> list[Any]:
    return [int(p) if p.isdigit() else p for p in path.split(".")]


def mutate(props: dict, path: str, value: Any) -> dict:
    """A deep copy of ``props`` with ``path`` (dotted, list indices as numbers) set to ``value`` (or removed)."""
    out = copy.deepcopy(props)
    parts = split(path)
    node: Any = out
    for part in parts[:-1]:
        if isinstance(part, int):
            node = node[part]
        else:
            node = node.setdefault(part, {})
    last = parts[-1]
    if value is DELETE:
        if isinstance(node, dict):
            node.pop(last, None)
        else:
            node[last] = None
    else:
        node[last] = copy.deepcopy(value)
    return out


def normalise(path: str) -> str:
    """'logDeliveryConfigurations.0.logType' and 'logDeliveryConfigurations[].logType' -> same key."""
    return ".".join(p for p in path.replace("[]", "").split(".") if not p.isdigit())


def covers(mutated: str, checked: str) -> bool:
    m, c = normalise(mutated), normalise(checked)
    return m == c or m.startswith(c + ".")


@dataclass
class Case:
    """A compliant resource of ``type`` and one-property mutations of it that must each be reported."""

    type: str
    props: dict
    mutations: dict[str, Any]
    config: dict = field(default_factory=dict)
    label: str = ""


def checked_paths(policy_id: str) -> dict[str, tuple[str, ...]]:
    return dict(meta_of(POLICIES[policy_id]).checks)
