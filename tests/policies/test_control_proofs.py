"""Every control a catalogue table calls covered is proven: for each (citing policy, control), a case that violates
the control is reported by the policy and its compliant twin is not, under the portable profile (the catalogues'
own parameters: EC2.18's authorized ports, RDS.11's 7 days). A policy cannot cite a control no case of its proves.

Resource cases run as the smallest stack there is: an export holding the one resource. Stack mutations run on the
compliant stack fixture. The evidence table (docs/control-proofs.md) is written by
``python -m tests.policies.test_control_proofs --write`` and checked here.
"""

from __future__ import annotations

import json
import sys
import tempfile
from functools import cache
from pathlib import Path

import pytest

from policies.engine.catalogues import CATALOGUES
from policies.engine.checker import check_export
from policies.engine.registry import all_policies, metadata
from tests.policies.cases import resolved
from tests.policies.control_proofs import SELECTORS, Proof
from tests.policies.helpers import DELETE, mutate
from tests.policies.stack_cases import M
from tests.policies.stack_fixture import compliant_stack

ROOT = Path(__file__).resolve().parents[2]
PORTABLE = ROOT / "policies" / "config" / "portable.json"
DOC = ROOT / "docs" / "control-proofs.md"
COVERED = {c.key: (cat, c) for cat in CATALOGUES for c in cat.controls if c.uncovered is None}
POLICIES = {p.name: p for p in all_policies()}


def citations() -> list[tuple[str, str]]:
    """(policy, control) of every catalogue control a policy cites."""
    return sorted((pid, c) for pid, m in metadata().items() for c in m.controls if c in COVERED)


def _candidates(pid: str):
    """(kind, type, path, label, case, value) of every case and stack mutation of a policy."""
    for p, case in resolved():
        if p == pid:
            for path, value in case.mutations.items():
                yield "resource", case.type, path, case.label, case, value
    for m in M:
        if m[0] == pid:
            yield "stack", m[1], m[2], m[3], m, None


@cache
def proofs() -> dict[tuple[str, str], list[Proof]]:
    cited = citations()
    per_policy: dict[str, int] = {}
    for pid, _ in cited:
        per_policy[pid] = per_policy.get(pid, 0) + 1
    out: dict[tuple[str, str], list[Proof]] = {}
    for pid, control in cited:
        if per_policy[pid] == 1 and pid not in SELECTORS:
            chosen = list(_candidates(pid))
        else:
            wanted = SELECTORS.get(pid, {}).get(control, [])
            chosen = [c for c in _candidates(pid) if (c[1], c[2], c[3]) in wanted]
        out[(pid, control)] = [
            Proof(control, pid, t, path, label, kind, case, value) for kind, t, path, label, case, value in chosen
        ]
    return out


def _one_resource(rtype: str, props: dict) -> dict:
    return {
        "version": 3,
        "deployment": {
            "resources": [
                {
                    "urn": f"urn:pulumi:proof::proof::{rtype}::subject",
                    "custom": True,
                    "type": rtype,
                    "inputs": props,
                    "outputs": {},
                }
            ]
        },
    }


@cache
def _config(policy: str, overrides: str) -> Path:
    """The portable profile, with a house-rule policy enabled (it is disabled there) and a case's own settings."""
    config = json.loads(PORTABLE.read_text(encoding="utf-8"))
    entry = dict(config.get(policy) or {})
    if entry.get("enforcementLevel") == "disabled":
        entry["enforcementLevel"] = "mandatory"
    entry.update(json.loads(overrides))
    config[policy] = entry
    path = _tmp() / f"{policy}-{abs(hash(overrides))}.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


@cache
def _tmp() -> Path:
    return Path(tempfile.mkdtemp(prefix="ecomart-proofs-"))


def run(proof: Proof) -> tuple[list[str], list[str]]:
    """(messages on the compliant twin, messages on the violating case) of the proof's policy."""
    policy = [POLICIES[proof.policy]]
    if proof.kind == "resource":
        case = proof.case
        config = _config(proof.policy, json.dumps(case.config, sort_keys=True))
        twin = _one_resource(case.type, case.props)
        bad = _one_resource(case.type, mutate(case.props, proof.path, proof.value))
    else:
        _, _, _, _, setup, change = proof.case
        config = _config(proof.policy, "{}")
        twin = compliant_stack()
        if setup:
            setup(twin)
        bad = json.loads(json.dumps(twin))
        change(bad)

    def messages(doc: dict) -> list[str]:
        return [v.message for v in check_export(doc, config_file=config, policies=policy).violations]

    return messages(twin), messages(bad)


CITED = citations()


@pytest.mark.parametrize("pid,control", CITED, ids=[f"{c}<-{p}" for p, c in CITED])
def test_every_cited_control_is_proven_by_a_violating_case(pid, control):
    cat, c = COVERED[control]
    assert not metadata()[pid].house_rule, (
        f"{pid} is a house rule (off in the portable profile): it cannot be what makes {c.ref} covered"
    )
    found = proofs()[(pid, control)]
    assert found, (
        f"{pid} cites {cat.name} {c.ref} ({c.title}) but no case of its violates it: add one to "
        "tests/policies/control_proofs.py, or the policy does not check the control and must not cite it"
    )
    explicit = control in SELECTORS.get(pid, {})
    proven = []
    for proof in found:
        twin, bad = run(proof)
        assert twin == [], f"{proof.id}: the compliant twin is reported: {twin}"
        assert bad or not explicit, f"{proof.id}: the violating case is not reported under the portable profile"
        if bad:
            proven.append(proof)
    assert proven, f"{pid} {c.ref}: no case of its is reported under the portable profile (only house settings)"


def test_every_covered_control_has_a_citing_policy():
    cited = {c for _, c in CITED}
    assert set(COVERED) <= cited


def test_selectors_name_real_cases_of_multi_control_policies():
    cited = {(p, c) for p, c in CITED}
    for pid, controls in SELECTORS.items():
        for control, selectors in controls.items():
            assert (pid, control) in cited, f"{pid} does not cite {control}"
            names = {(t, path, label) for _, t, path, label, _, _ in _candidates(pid)}
            missing = [s for s in selectors if s not in names]
            assert not missing, f"{pid} {control}: no such case {missing}"


def table() -> str:
    """The evidence behind each covered control, catalogue by catalogue."""

    def show(value) -> str:
        if value is DELETE:
            return "absent"
        text = json.dumps(value) if not isinstance(value, str) else value
        return text if len(text) <= 60 else text[:57] + "..."

    found = {key: [p for p in items if run(p)[1]] for key, items in proofs().items()}
    lines = [
        "# Control proofs",
        "",
        "<!-- generated by `python -m tests.policies.test_control_proofs --write`; tests/policies/"
        "test_control_proofs.py fails when it is stale -->",
        "",
        "A control counts as covered in [compliance.md](compliance.md) only when a case violating it is reported by a "
        "policy that cites it, and the case's compliant twin is not, under the portable profile (the catalogues' own "
        "parameters). This is the list of those cases; each row is a test "
        "(`tests/policies/test_control_proofs.py`). A resource case runs as a one-resource stack; a stack case on "
        "the compliant stack fixture of `tests/policies/stack_fixture.py`.",
        "",
    ]
    for cat in CATALOGUES:
        lines += [
            f"## {cat.name}",
            "",
            "| control | policy | resource | the one change that violates it |",
            "|---|---|---|---|",
        ]
        for c in cat.controls:
            if c.uncovered is not None:
                continue
            for (pid, control), items in sorted(found.items()):
                if control != c.key:
                    continue
                for p in items:
                    rtype = p.rtype.split(":")[1] if ":" in p.rtype else p.rtype
                    label = f" ({p.label})" if p.label else ""
                    change = f"`{p.path}` = `{show(p.value)}`" if p.kind == "resource" else f"stack: `{p.path}` changed"
                    lines.append(f"| {c.ref} | `{pid}` | `{rtype}`{label} | {change} |")
        lines.append("")
    return "\n".join(lines)


def test_the_proof_table_is_current():
    assert DOC.read_text(encoding="utf-8") == table(), (
        "docs/control-proofs.md is stale: run python -m tests.policies.test_control_proofs --write"
    )


if __name__ == "__main__":
    text = table()
    if "--write" in sys.argv:
        DOC.write_text(text, encoding="utf-8")
    else:
        print(text)
