"""Every property a stack policy reads, not known yet (a preview computes it from another resource): the policy
never crashes on it (a crash would fail closed as "policy raised ..."), whether the whole value or, for lists,
an element is unknown."""

from __future__ import annotations

import pytest

from policies.engine.core import meta_of
from tests.policies.helpers import UNKNOWN
from tests.policies.stack_cases import POLICIES, compliant_stack, mandatory_config, run

CASES = [
    (pid, t, path)
    for pid, p in sorted(POLICIES.items())
    for t, paths in meta_of(p).checks.items()
    for path in paths
    if t != "*"
]


@pytest.fixture(scope="module")
def mandatory(tmp_path_factory):
    return mandatory_config(tmp_path_factory)


def _set(node: dict, parts: list[str], value) -> bool:
    """Set the path (``a.b``, ``rules[].status``: every element) wherever it exists; True if anything was set. A
    list value replaces only a list (an unknown element), a plain unknown replaces anything."""
    head, rest = parts[0], parts[1:]
    many = head.endswith("[]")
    key = head[:-2] if many else head
    if not isinstance(node, dict) or key not in node:
        return False
    if not rest:
        if isinstance(value, list) and not isinstance(node[key], list):
            return False
        node[key] = value
        return True
    children = node[key] if many else [node[key]]
    return any([_set(c, rest, value) for c in children if isinstance(c, dict)]) if isinstance(children, list) else False


@pytest.mark.parametrize("policy_id,rtype,path", CASES, ids=[f"{p}:{t.rsplit(':', 1)[-1]}.{x}" for p, t, x in CASES])
def test_an_unknown_checked_property_never_crashes_the_policy(policy_id, rtype, path, mandatory):
    """Also with the engine's record of what the value is computed from (a preview has it), so a policy that
    stops at an unknown it cannot place goes on to read the value."""
    for value, recorded in ((UNKNOWN, False), (UNKNOWN, True), ([UNKNOWN], True)):
        doc = compliant_stack()
        others = [e["urn"] for e in doc["deployment"]["resources"] if e["type"] != rtype][1:]
        touched = 0
        for entry in doc["deployment"]["resources"]:
            if entry["type"] == rtype:
                for part in ("inputs", "outputs"):
                    touched += _set(entry.get(part) or {}, path.split("."), value)
                if recorded:
                    entry.setdefault("propertyDependencies", {})[path.split(".")[0].removesuffix("[]")] = others
        if not touched:
            continue  # the compliant stack has no such value to make unknown (or no list there)
        messages = run(policy_id, doc, mandatory)
        assert not [m for m in messages if "policy raised" in m], (value, messages)
