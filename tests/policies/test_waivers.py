"""Waivers (policies/engine/waivers.py): a waived finding is reported as waived and not counted, an expired waiver is a
mandatory finding naming its entry, a malformed file is bad input, and the CrossGuard wrappers honour the file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from ecomart.cli import main as ecomart
from policies.engine import waivers
from policies.engine.checker import BadInput, check_export
from policies.engine.registry import all_policies

EXPORTS = Path(__file__).resolve().parent / "exports"
STAGING = json.loads((EXPORTS / "staging.json").read_text())  # 2 mandatory findings at prod strictness
FUTURE = (dt.date.today() + dt.timedelta(days=30)).isoformat()
PAST = (dt.date.today() - dt.timedelta(days=1)).isoformat()


def write(tmp_path, entries) -> Path:
    import yaml

    path = tmp_path / "waivers.yaml"
    path.write_text(yaml.safe_dump({"waivers": entries}))
    return path


def entry(**kw):
    return {
        "policy": "stack-backup-vaults-locked",
        "resource": "*",
        "reason": "vault lock after the migration",
        "approver": "lead@ecomart.example",
        "expires": FUTURE,
        **kw,
    }


def test_without_waivers_the_staging_export_fails():
    result = check_export(STAGING, stack="staging")
    assert {v.policy for v in result.mandatory} == {"stack-backup-vaults-locked", "kms-key-deletion-window"}


def test_a_waived_finding_is_reported_and_not_counted(tmp_path):
    path = write(tmp_path, [entry(), entry(policy="kms-key-deletion-window", resource="*backups-key")])
    result = check_export(STAGING, stack="staging", waivers_file=path)
    assert result.mandatory == [] and result.exit_code == 0
    assert {v.policy for v in result.waived} == {"stack-backup-vaults-locked", "kms-key-deletion-window"}
    assert result.status("stack-backup-vaults-locked") == "waived"
    assert result.summary()["waived"] == len(result.waived)
    assert "waived" in result.one_line()


def test_a_waiver_covers_only_its_policy_and_resources(tmp_path):
    path = write(tmp_path, [entry(policy="kms-key-deletion-window", resource="no-such-resource-*")])
    result = check_export(STAGING, stack="staging", waivers_file=path)
    assert {v.policy for v in result.mandatory} == {"stack-backup-vaults-locked", "kms-key-deletion-window"}
    assert result.waived == []


def test_an_expired_waiver_is_a_mandatory_finding_naming_the_entry(tmp_path):
    path = write(tmp_path, [entry(expires=PAST)])
    result = check_export(STAGING, stack="staging", waivers_file=path)
    expired = [v for v in result.mandatory if v.policy == "stack-waivers-current"]
    assert len(expired) == 1 and "waivers[0]" in expired[0].message and "expired" in expired[0].message
    assert any(v.policy == "stack-backup-vaults-locked" for v in result.mandatory), "and it waives nothing"
    assert result.exit_code == 1


@pytest.mark.parametrize(
    "bad,fragment",
    [
        ([entry(policy="no-such-policy")], "waivers[0].policy: 'no-such-policy' is not a policy of this pack"),
        ([{k: v for k, v in entry().items() if k != "approver"}], "waivers[0]: missing approver"),
        ([entry(expires="31/12/2027")], "waivers[0].expires: '31/12/2027' is not a date (YYYY-MM-DD)"),
        ([entry(expires="2027-02-30")], "is not a date"),
        ([entry(reason="  ")], "waivers[0].reason: must be a non-empty string"),
        ([entry(owner="x")], "unknown key(s) owner"),
    ],
)
def test_malformed_waivers_are_bad_input(tmp_path, bad, fragment):
    path = write(tmp_path, bad)
    with pytest.raises(BadInput) as e:
        check_export(STAGING, stack="staging", waivers_file=path)
    assert fragment in str(e.value)


def test_cli_exit_codes_with_waivers(tmp_path, capsys):
    ok = write(tmp_path, [entry(), entry(policy="kms-key-deletion-window")])
    assert ecomart(["check", "--export", str(EXPORTS / "staging.json"), "--waivers", str(ok)]) == 0
    out = capsys.readouterr().out
    assert "waived(mandatory)" in out and "lead@ecomart.example" in out
    assert ecomart(["check", "--export", str(EXPORTS / "staging.json"), "--waivers", str(ok), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {p["id"]: p["status"] for p in doc["policies"]}["stack-backup-vaults-locked"] == "waived"
    assert all("waived" in v for v in doc["violations"])
    assert ecomart(["check", "--export", str(EXPORTS / "staging.json"), "--waivers", str(ok), "--format", "sarif"]) == 0
    sarif = json.loads(capsys.readouterr().out)
    waived = [r for r in sarif["runs"][0]["results"] if r.get("suppressions")]
    assert waived and waived[0]["suppressions"][0]["kind"] == "external"
    bad = write(tmp_path, [entry(policy="nope")])
    assert ecomart(["check", "--export", str(EXPORTS / "staging.json"), "--waivers", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_the_crossguard_wrappers_honour_the_same_waivers():
    """The pack as the Pulumi CLI serves it (policies/__main__.py: ``suppressing``) never tells the engine of a
    waived finding, and the registered policy itself (what the offline checker runs) reports it."""
    from pulumi_policy import ResourceValidationArgs

    from policies.engine.core import suppressing

    policy = next(p for p in all_policies() if p.name == "rds-not-publicly-accessible")
    urn = "urn:pulumi:prod::ecomart-data-platform::aws:rds/instance:Instance::legacy-db"
    args = ResourceValidationArgs(
        "aws:rds/instance:Instance", {"publiclyAccessible": True}, urn, "legacy-db", None, None, {}, {}
    )
    waiver = waivers.parse(
        {"waivers": [entry(policy="rds-not-publicly-accessible", resource="legacy-*")]},
        [p.name for p in all_policies()],
    )

    def reports(p) -> list[str]:
        reported: list[str] = []
        p.validate(args, lambda message, urn=None: reported.append(message))
        return reported

    assert len(reports(suppressing(policy, []))) == 1, "not waived: reported"
    assert reports(suppressing(policy, waiver)) == [], "waived: the engine is not told"
    assert len(reports(policy)) == 1, "the registered policy (the checker's) still reports; the checker marks it"


def test_a_waiver_silences_exactly_its_policy_on_its_resources():
    """Dropping the policy-id comparison in Waiver.matches would let one waiver silence every finding on a
    resource; a glob that names other resources must not reach them either."""
    ids = [p.name for p in all_policies()]
    (w,) = waivers.parse({"waivers": [entry(policy="rds-multi-az", resource="ecomart-dev-pg*")]}, ids)
    urn = "urn:pulumi:dev::ecomart-data-platform::ecomart:data:Postgres$aws:rds/instance:Instance::ecomart-dev-pg"
    assert w.matches("rds-multi-az", urn)
    assert not w.matches("rds-deletion-protection", urn)
    assert not w.matches("rds-multi-az", urn.replace("ecomart-dev-pg", "ecomart-dev-cache"))
    assert waivers.waiver_for([w], "rds-deletion-protection", urn) is None


def test_a_waiver_lasts_through_its_expiry_date_and_not_a_day_longer():
    ids = [p.name for p in all_policies()]
    (w,) = waivers.parse({"waivers": [entry(policy="rds-multi-az", resource="*", expires="2027-03-31")]}, ids)
    urn = "urn:pulumi:dev::ecomart-data-platform::aws:rds/instance:Instance::db"
    on_the_day, day_after = dt.date(2027, 3, 31), dt.date(2027, 4, 1)
    assert not w.expired(on_the_day) and waivers.waiver_for([w], "rds-multi-az", urn, on_the_day) is w
    assert w.expired(day_after) and waivers.waiver_for([w], "rds-multi-az", urn, day_after) is None


@pytest.mark.parametrize(
    "make,fragment",
    [
        (lambda d: d / "absent.yaml", "absent.yaml: no such file"),
        (lambda d: d, "is a directory, not a waiver file"),
        (
            lambda d: (d / "latin1.yaml", (d / "latin1.yaml").write_bytes(b"\xff\xfe waivers: []"))[0],
            "not UTF-8 text (a waiver file is YAML)",
        ),
        (lambda d: (d / "bad.yaml", (d / "bad.yaml").write_text("waivers: [\n"))[0], "not YAML ("),
    ],
)
def test_an_unreadable_waiver_file_is_one_line_of_bad_input(tmp_path, capsys, make, fragment):
    path = make(tmp_path)
    assert ecomart(["check", "--export", str(EXPORTS / "staging.json"), "--waivers", str(path)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert captured.out == "" and len(lines) == 1 and lines[0].startswith("ecomart check: ") and fragment in lines[0]
