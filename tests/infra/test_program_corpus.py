"""The offline preview on a corpus of foreign-style programs (tests/programs/: written for this suite in the shapes
public Pulumi Python programs use, one pattern each; none copied). Each program's ``expect.yaml`` says what a real
engine would know and what stays unknown (with why), the portable profile's findings, and for programs that cannot
run, the one line that says why.

Every program is previewed twice under a time limit: the two exports must be equal (deterministic autonaming and
ids) and neither run may hang. The closing table of issue 22 is ``python -m tests.infra.test_program_corpus``.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecomart.commands.check import portable_config
from ecomart.commands.preview import preview
from ecomart.synthesis import UNKNOWN_OUTPUT, synthesize_program
from policies.engine.checker import check_export

CORPUS = Path(__file__).resolve().parents[1] / "programs"
PROGRAMS = sorted(d for d in CORPUS.iterdir() if (d / "Pulumi.yaml").is_file())
TIME_LIMIT_S = "30"


def expectations(program: Path) -> dict[str, Any]:
    return yaml.safe_load((program / "expect.yaml").read_text(encoding="utf-8"))


def run_preview(program: Path, out: Path) -> tuple[int, Path | None, str, str]:
    expect = expectations(program)
    given = [f"{name}={program / file}" for name, file in (expect.get("stack_outputs") or {}).items()]
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code, path = preview(None, program=str(program), out_file=str(out), stack_outputs=given)
    return code, path, stdout.getvalue(), stderr.getvalue()


def test_the_corpus_covers_every_pattern_of_the_issue():
    """At least 20 programs, each with its expectations; the patterns issue 22 names are all present."""
    assert len(PROGRAMS) >= 20
    assert all((p / "expect.yaml").is_file() for p in PROGRAMS)
    names = {p.name for p in PROGRAMS}
    assert {
        "resource-as-id",
        "apply-chains",
        "output-forms",
        "nested-components",
        "plugin-component",
        "stack-reference",
        "stack-reference-absent",
        "secrets",
        "autonaming",
        "name-prefix",
        "policy-documents",
        "account-lookups",
        "v6-keyword",
        "missing-package",
        "unanswered-loop",
    } <= names


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.name for p in PROGRAMS])
def test_a_foreign_program_previews_as_a_real_engine_would(program, tmp_path, monkeypatch):
    monkeypatch.setenv("ECOMART_PREVIEW_TIME_LIMIT", TIME_LIMIT_S)
    expect = expectations(program)
    code, path, stdout, stderr = run_preview(program, tmp_path / "first.json")
    assert code == expect["exit"], stderr
    for text in expect.get("stderr", []):
        assert text in stderr
    if "error" in expect:
        # A program that cannot run: one line (no traceback), naming what to do; the same line the second time.
        assert path is None
        lines = stderr.strip().splitlines()
        assert "Traceback" not in stderr and lines[-1].startswith("ecomart preview: ")
        for text in expect["error"]:
            assert text in lines[-1]
        assert run_preview(program, tmp_path / "second.json")[3] == stderr
        return
    assert path is not None
    text = path.read_text(encoding="utf-8")
    # The second run: the same program synthesized again in this process must give the same export.
    synth = synthesize_program(program, None, _stack_outputs(program, expect))
    doc, again = json.loads(text), json.loads(json.dumps(synth.export()))
    doc["deployment"]["manifest"].pop("time"), again["deployment"]["manifest"].pop("time")
    assert doc == again, f"two previews of one program must write the same export (but its time): {_diff(doc, again)}"
    resources = managed_and_read(doc)
    assert len(resources) == expect["resources"]

    unknown = sorted(f"{urn.rsplit('::', 1)[-1]}:{p}" for urn, p in synth.unknown_inputs())
    assert unknown == sorted(expect.get("unknown") or {}), "an input a real engine would know stayed unknown"
    for key, pattern in (expect.get("outputs") or {}).items():
        value = synth.outputs[key]
        shown = value if isinstance(value, str) else json.dumps(value)
        assert value != UNKNOWN_OUTPUT and re.search(pattern, shown), f"output {key}: {shown!r} !~ {pattern}"
    for key in expect.get("unknown_outputs") or {}:
        assert synth.outputs[key] == UNKNOWN_OUTPUT
    by_name = {r["urn"].rsplit("::", 1)[-1]: r for r in resources}
    for name, wanted in (expect.get("inputs") or {}).items():
        for key, value in wanted.items():
            assert by_name[name]["inputs"].get(key) == value, f"{name}.{key}"
    for secret in expect.get("never_written") or []:
        assert secret not in text and secret not in stdout and secret not in stderr

    result = check_export(doc, config_file=portable_config())
    assert sorted({v.policy for v in result.violations}) == expect["findings"]
    plugins = [f"{t} {n}" for t, n, _ in synth.plugin_components()]
    assert plugins == expect.get("not_previewed", [])
    for t, n, plugin in synth.plugin_components():
        assert f"{t}  {n}  [created by the `{plugin}` plugin: its children cannot be previewed offline]" in stdout


def _diff(a: Any, b: Any, path: str = "") -> str:
    """The first path where two documents differ, with both values (a failure message worth reading)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                return _diff(a.get(key), b.get(key), f"{path}.{key}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return _diff(x, y, f"{path}[{i}]")
    return f"{path or '.'}: {a!r:.300} != {b!r:.300}"


def managed_and_read(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The export's resources but the root stack and the providers."""
    return [
        r
        for r in doc["deployment"]["resources"]
        if r["type"] != "pulumi:pulumi:Stack" and not r["type"].startswith("pulumi:providers:")
    ]


def _stack_outputs(program: Path, expect: dict[str, Any]) -> dict[str, dict]:
    return {
        name: json.loads((program / file).read_text(encoding="utf-8"))
        for name, file in (expect.get("stack_outputs") or {}).items()
    }


def table() -> str:
    """Pattern -> previewed, resources, unknowns, findings (the closing note's corpus table)."""
    import os
    import tempfile

    os.environ["ECOMART_PREVIEW_TIME_LIMIT"] = TIME_LIMIT_S
    rows = [
        "| program | pattern | exit | resources | unknown inputs | findings (portable) |",
        "|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for program in PROGRAMS:
            expect = expectations(program)
            code, path, _, stderr = run_preview(program, Path(tmp) / f"{program.name}.json")
            if path is None:
                rows.append(f"| {program.name} | {expect['pattern']} | {code} | - | - | stops: {expect['error'][0]} |")
                continue
            doc = json.loads(path.read_text(encoding="utf-8"))
            n = len(managed_and_read(doc))
            synth = synthesize_program(program, None, _stack_outputs(program, expect))
            findings = sorted({v.policy for v in check_export(doc, config_file=portable_config()).violations})
            rows.append(
                f"| {program.name} | {expect['pattern']} | {code} | {n} | {len(synth.unknown_inputs())} | "
                f"{len(findings)} |"
            )
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
