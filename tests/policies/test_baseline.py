"""A pipeline decides what breaks the build: a baseline of today's findings (only new ones fail), ``--fail-on
SEVERITY`` and ``--soft-fail`` (policies/engine/baseline.py, ecomart check)."""

from __future__ import annotations

import json

import pytest

from ecomart.cli import main
from ecomart.commands.check import portable_config

STACK = "urn:pulumi:shop::foreign::pulumi:pulumi:Stack::foreign-shop"


def entry(rtype: str, name: str, inputs: dict) -> dict:
    return {
        "urn": f"urn:pulumi:shop::foreign::{rtype}::{name}",
        "custom": True,
        "type": rtype,
        "id": f"{name}-id",
        "inputs": inputs,
        "outputs": dict(inputs),
    }


def export(tmp_path, *, ssh: bool = True, retention: int = 30, name: str = "export.json"):
    """A foreign stack with a critical finding (SSH open to the internet) and a medium one (short log retention)."""
    resources = [
        {"urn": STACK, "custom": False, "type": "pulumi:pulumi:Stack", "inputs": {}, "outputs": {}},
        entry(
            "aws:cloudwatch/logGroup:LogGroup",
            "app",
            {"name": "app", "retentionInDays": retention, "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k"},
        ),
    ]
    if ssh:
        rule = {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"], "description": "ssh"}
        resources.append(
            entry("aws:ec2/securityGroup:SecurityGroup", "bastion", {"description": "bastion", "ingress": [rule]})
        )
    path = tmp_path / name
    path.write_text(json.dumps({"version": 3, "deployment": {"manifest": {}, "resources": resources}}))
    return path


def check(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", "--policy-config", str(portable_config()), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_baseline_lets_only_new_findings_fail(tmp_path, capsys):
    doc, base = export(tmp_path), tmp_path / "baseline.json"
    code, _, err = check(capsys, "--export", str(doc), "--create-baseline", str(base))
    assert code == 1 and "2 findings recorded" in err
    recorded = json.loads(base.read_text())
    assert {f["policy"] for f in recorded["findings"]} == {"sg-no-open-ingress", "log-group-retention"}
    assert all(len(f["fingerprint"]) == 64 for f in recorded["findings"])

    code, out, _ = check(capsys, "--export", str(doc), "--baseline", str(base))
    assert code == 0, out
    assert "baseline(mandatory)" in out and "0 mandatory and 0 advisory violations (2 more in the baseline)" in out

    # The same resource failing in a new way is new: the message names the offending value.
    code, out, _ = check(capsys, "--export", str(export(tmp_path, retention=7, name="b.json")), "--baseline", str(base))
    assert code == 1 and "1 mandatory and 0 advisory violations (1 more in the baseline)" in out


def test_a_fixed_finding_leaves_the_baseline_without_effect(tmp_path, capsys):
    doc, base = export(tmp_path), tmp_path / "baseline.json"
    check(capsys, "--export", str(doc), "--create-baseline", str(base))
    code, out, _ = check(capsys, "--export", str(export(tmp_path, ssh=False, name="c.json")), "--baseline", str(base))
    assert code == 0 and "(1 more in the baseline)" in out


@pytest.mark.parametrize(
    "content,fragment",
    [
        ("{", "not JSON"),
        ('{"version": 2, "findings": []}', "not a baseline"),
        ('{"version": 1, "findings": [{"policy": "x"}]}', "findings[0] has no fingerprint"),
    ],
)
def test_a_bad_baseline_is_one_line_of_bad_input(tmp_path, capsys, content, fragment):
    base = tmp_path / "baseline.json"
    base.write_text(content)
    code, out, err = check(capsys, "--export", str(export(tmp_path)), "--baseline", str(base))
    assert code == 2 and out == "" and fragment in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_fail_on_sets_the_lowest_severity_that_breaks_the_build(tmp_path, capsys):
    only_medium = export(tmp_path, ssh=False)  # log-group-retention: medium
    assert check(capsys, "--export", str(only_medium))[0] == 1
    assert check(capsys, "--export", str(only_medium), "--fail-on", "high")[0] == 0
    assert check(capsys, "--export", str(only_medium), "--fail-on", "medium")[0] == 1
    with_critical = export(tmp_path, name="d.json")
    assert check(capsys, "--export", str(with_critical), "--fail-on", "critical")[0] == 1


def test_soft_fail_reports_everything_and_exits_0_but_bad_input_is_still_2(tmp_path, capsys):
    code, out, _ = check(capsys, "--export", str(export(tmp_path)), "--soft-fail")
    assert code == 0 and "sg-no-open-ingress" in out and "FAIL:" in out
    assert check(capsys, "--export", str(tmp_path / "missing.json"), "--soft-fail")[0] == 2


def test_sarif_marks_each_result_new_or_unchanged_against_the_baseline(tmp_path, capsys):
    base = tmp_path / "baseline.json"
    check(capsys, "--export", str(export(tmp_path, ssh=False)), "--create-baseline", str(base))
    _, out, _ = check(
        capsys, "--export", str(export(tmp_path, name="e.json")), "--baseline", str(base), "--format", "sarif"
    )
    states = {
        r["ruleId"]: r["baselineState"]
        for r in json.loads(out)["runs"][0]["results"]
        if r.get("kind") != "notApplicable"
    }
    assert states == {"log-group-retention": "unchanged", "sg-no-open-ingress": "new"}
