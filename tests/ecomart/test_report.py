"""``ecomart report --framework``: every control of a framework with its status from one check run; a control no
policy checks is never shown as passing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecomart.cli import main
from policies.engine.catalogues import FSBP
from policies.engine.meta import CONTROLS

ROOT = Path(__file__).resolve().parents[2]
MISSES = ROOT / "tests" / "programs" / "data-tier-misses"


@pytest.fixture(scope="module")
def fsbp(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "fsbp.json"
    code = main(["report", "--framework", "fsbp", "--program", str(MISSES), "--format", "json", "--output", str(out)])
    assert code == 0
    return json.loads(out.read_text())


def test_every_fsbp_control_is_reported_once(fsbp):
    assert [r["control"] for r in fsbp["controls"]] == [c.key for c in FSBP.controls]
    assert sum(fsbp["counts"].values()) == len(FSBP.controls)


def test_the_misconfigured_foreign_stores_fail_their_controls(fsbp):
    status = {r["ref"]: r["status"] for r in fsbp["controls"]}
    for ref in ("DynamoDB.2", "EKS.1", "AppSync.5", "ECS.8", "SecretsManager.1", "RDS.11"):
        assert status[ref] == "fail", ref
    assert status["RDS.2"] == "pass"  # the MySQL instance is not public
    assert status["S3.1"] == "not-expressible"  # account-wide Block Public Access


def test_a_control_no_policy_cites_is_never_pass(fsbp):
    for row in fsbp["controls"]:
        if not row["policies"]:
            assert row["status"] in ("not-expressible", "catalogue-n/a", "gap"), row
        if row["status"] == "not-checked":
            assert row["disabled"] == row["policies"], row


def test_a_house_rule_disabled_by_the_profile_is_not_checked_not_passed(tmp_path, capsys):
    """In the portable profile the house rules are off: a control only they cite is 'not checked'."""
    out = tmp_path / "gdpr.json"
    assert (
        main(["report", "--framework", "gdpr", "--program", str(MISSES), "--format", "json", "--output", str(out)]) == 0
    )
    rows = json.loads(out.read_text())["controls"]
    assert [r["control"] for r in rows] == [k for k, c in CONTROLS.items() if c.framework == "gdpr"]
    for row in rows:
        if row["policies"] and row["disabled"] == row["policies"]:
            assert row["status"] == "not-checked", row


def test_markdown_and_bad_input(tmp_path, capsys):
    assert main(["report", "--framework", "fsbp", "--program", str(MISSES)]) == 0
    text = capsys.readouterr().out
    assert "| DynamoDB.2 | DynamoDB tables should have point-in-time recovery enabled | ❌ fail |" in text
    assert main(["report", "--framework", "fsbp", "--export", str(tmp_path / "missing.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ecomart report: ") and len(err.strip().splitlines()) == 1
    with pytest.raises(SystemExit) as bad:
        main(["report", "--framework", "nope", "--stack", "dev"])
    assert bad.value.code == 2


@pytest.mark.parametrize("command", ["check", "report"])
def test_stack_outputs_without_a_program_is_one_line_of_bad_input(capsys, command):
    """As in `ecomart preview`: this project's stacks read no other stack, so the option was silently ignored."""
    extra = ["--framework", "fsbp"] if command == "report" else []
    assert main([command, *extra, "--stack", "dev", "--stack-outputs", "a/b/c=x.json"]) == 2
    err = capsys.readouterr().err
    assert (
        err == f"ecomart {command}: --stack-outputs applies to --program (this project's stacks read no other stack)\n"
    )
