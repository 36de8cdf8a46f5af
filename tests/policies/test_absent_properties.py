"""Every property a policy checks, removed from a compliant resource: reported, unless the policy's own metadata
says why unset is compliant (``defaults``: the service's value for an unset property, which the policy then judges;
``unset``: another reason). A new policy or a new checked property whose absence passes unnoticed fails here until
it is reported or its metadata states the fact (rds-multi-az-style gaps - absent treated as fine when the default is
not - cannot hide)."""

from __future__ import annotations

import pytest

from policies.engine.core import meta_of
from tests.policies.cases import resolved
from tests.policies.helpers import DELETE, POLICIES, mutate, run_resource_policy

CASES = [(pid, case, path) for pid, case in resolved() for path in case.mutations]


@pytest.mark.parametrize(
    "pid,case,path",
    CASES,
    ids=[f"{p}[{c.type.rsplit(':', 1)[-1]}{'/' + c.label if c.label else ''}]:{path}" for p, c, path in CASES],
)
def test_an_absent_checked_property_is_reported_unless_its_default_is_compliant(pid, case, path):
    meta = meta_of(POLICIES[pid])
    messages = run_resource_policy(pid, case.type, mutate(case.props, path, DELETE), case.config)
    if path in meta.unset:
        assert messages == [], f"{pid}: {path} unset is compliant ({meta.unset[path]})"
    elif path in meta.defaults:
        default = meta.defaults[path]
        assert messages == run_resource_policy(pid, case.type, mutate(case.props, path, default), case.config), (
            f"{pid}: {path} unset is not judged as the service's default {default!r}"
        )
        assert messages == [], f"{pid}: {path} unset runs as {default!r}, which is compliant"
    else:
        assert messages, f"{pid}: {path} unset was not reported (the service's default is not the compliant value)"


DECLARED = [
    (p.name, kind, path)
    for p in POLICIES.values()
    for kind in ("defaults", "unset", "secret_is_set")
    for path in getattr(meta_of(p), kind)
]


@pytest.mark.parametrize("pid,kind,path", DECLARED, ids=[f"{p}:{k}:{x}" for p, k, x in DECLARED])
def test_every_declared_fact_is_exercised_by_a_case(pid, kind, path):
    """A fact about a property no case mutates would state something nothing tests."""
    assert (pid, path) in {(p, x) for p, _, x in CASES}, f"{pid}: {kind} names {path}, which no case mutates"


def test_a_declared_default_is_what_the_policy_reads_for_an_unset_property():
    """Res.get returns the policy's declared default: deleting it from the metadata changes the verdict."""
    from policies.engine.views import Res

    r = Res("aws:kms/key:Key", {}, defaults={"deletionWindowInDays": 30})
    assert r.get("deletionWindowInDays") == 30 and Res("aws:kms/key:Key", {}).get("deletionWindowInDays") is None
    key = {"enableKeyRotation": True, "description": "k"}
    assert run_resource_policy("kms-key-deletion-window", "aws:kms/key:Key", key, {"minimumDays": 31})
