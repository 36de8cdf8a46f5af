"""`ecomart runbook list|show|run`: the catalogue, its documents, the alarms that name it, and how a run refuses
bad input before it calls anything."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ecomart.cli import main
from runbooks.core import Clients
from runbooks.runner import load_all

BOOKS = load_all()
SECTIONS = ("**When to use it:**", "**Impact", "## Steps", "## Verify", "## Roll back")


@pytest.fixture(autouse=True)
def evidence_here(tmp_path, monkeypatch):
    import runbooks.core

    monkeypatch.setattr(runbooks.core, "EVIDENCE_DIR", tmp_path / "evidence")
    return tmp_path / "evidence"


@pytest.fixture
def no_credentials(monkeypatch, tmp_path):
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_the_runbooks_the_issue_asks_for_all_exist():
    assert {
        "rds-pitr-restore",
        "rds-failover-drill",
        "rds-regional-recovery",
        "cache-failover-drill",
        "backup-restore-test",
        "atlas-restore",
        "atlas-failover-test",
        "orders-read-only-mode",
        "inventory-reconciliation",
        "kms-key-audit",
        "postgres-maintenance",
    } <= set(BOOKS)


def test_runbooks_are_found_not_listed_and_each_document_has_its_runbook():
    """A runbook module is loaded because it exists (runbooks.runner.load_all scans the package); a document
    without a registered runbook, or a runbook without its document, fails here."""
    from pathlib import Path

    import runbooks

    docs = {p.stem for p in Path(runbooks.__file__).parent.glob("*.md")}
    assert docs == set(BOOKS)
    assert all(book.doc_path.exists() for book in BOOKS.values())


def test_list_prints_each_runbook_and_its_summary(capsys):
    assert main(["runbook", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(BOOKS)
    for name, book in BOOKS.items():
        assert any(line.startswith(name) and line.endswith(book.summary) for line in lines)


@pytest.mark.parametrize("name", sorted(BOOKS))
def test_each_runbook_has_its_document_with_every_section_and_change(name, capsys):
    book = BOOKS[name]
    text = book.doc_path.read_text()
    assert text.startswith(f"# {name} — ")
    for section in SECTIONS:
        assert section in text, f"{book.doc_path.name} lacks {section}"
    for change in book.changes:
        service, op = change.split(":", 1)
        if service != "postgres":  # SQL is spelled out statement by statement instead
            assert op.replace("POST ", "") in text, f"{book.doc_path.name} does not say it calls {change}"
    for p in book.params:
        assert f"--{p.name}" in text, f"{book.doc_path.name} does not document --{p.name}"
    assert main(["runbook", "show", name]) == 0
    assert capsys.readouterr().out.strip() == text.strip()


def test_show_of_an_unknown_runbook_names_the_known_ones(capsys):
    assert main(["runbook", "show", "fix-everything"]) == 2
    err = capsys.readouterr().err
    assert "no runbook 'fix-everything'" in err and "rds-pitr-restore" in err


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_alarm_names_a_runbook_that_exists(stack, dev, prod):
    synth = {"dev": dev, "prod": prod}[stack]
    alarms = [
        r
        for r in synth.registrations
        if r.type in ("aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm")
    ]
    assert len(alarms) > 10
    for a in alarms:
        found = re.findall(r"Runbook: ([a-z0-9-]+) \(ecomart runbook show \1\)", a.inputs["alarmDescription"])
        assert len(found) == 1 and found[0] in BOOKS, a.inputs["alarmDescription"]
        assert len(a.inputs["alarmDescription"]) <= 1024  # CloudWatch's limit
    storage = [a for a in alarms if a.inputs.get("metricName") == "FreeStorageSpace"]
    assert storage and all("Runbook: postgres-maintenance" in a.inputs["alarmDescription"] for a in storage)


def test_offline_plan_for_prod_calls_nothing_and_uses_the_previewed_ids(
    no_credentials, capsys, evidence_here, monkeypatch
):
    made = []
    monkeypatch.setattr(Clients, "get", lambda self, service, region: made.append(service))
    code = main(["runbook", "run", "rds-pitr-restore", "--stack", "prod", "--target-time", "2026-11-30T14:05:00Z"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert made == []
    assert "plan: offline, no call is made" in out
    assert 'would read rds.DescribeDBInstances (us-east-1) {"DBInstanceIdentifier": "ecomart-prod-pg"}' in out
    assert "WOULD CALL rds.RestoreDBInstanceToPointInTime" in out and "ecomart-prod-pg-pitr-202611301405" in out
    [evidence] = list(evidence_here.glob("rds-pitr-restore-prod-*.json"))
    record = json.loads(evidence.read_text())
    assert record["mode"] == "plan (no calls)" and record["outcome"] == "planned"
    assert record["parameters"]["target-time"] == "2026-11-30T14:05:00+00:00"


@pytest.mark.parametrize(
    "name,params",
    [
        ("rds-failover-drill", []),
        ("rds-regional-recovery", []),
        ("cache-failover-drill", []),
        ("backup-restore-test", []),
        ("kms-key-audit", []),
        ("data-tier-triage", []),
        ("orders-read-only-mode", ["--state", "on"]),
    ],
)
def test_offline_plan_of_every_aws_runbook_calls_nothing(name, params, no_credentials, capsys, monkeypatch):
    made = []
    monkeypatch.setattr(Clients, "get", lambda self, service, region: made.append(service))
    code = main(["runbook", "run", name, "--stack", "prod", *params])
    out = capsys.readouterr().out
    assert code == 0, out
    assert made == [] and "Traceback" not in out


def test_execute_needs_the_deployed_stacks_outputs(capsys):
    assert main(["runbook", "run", "rds-failover-drill", "--stack", "dev", "--execute"]) == 2
    assert "--execute needs the deployed stack's outputs" in capsys.readouterr().err


def test_prod_execute_needs_confirm_prod(tmp_path, capsys):
    outputs = tmp_path / "prod.json"
    outputs.write_text(json.dumps({"stack": "prod", "region": "us-east-1", "postgresWriterIdentifier": "x"}))
    for extra in ([], ["--confirm", "dev"]):
        assert (
            main(
                [
                    "runbook",
                    "run",
                    "rds-failover-drill",
                    "--stack",
                    "prod",
                    "--outputs",
                    str(outputs),
                    "--execute",
                    *extra,
                ]
            )
            == 2
        )
        assert "stack prod is protected: add --confirm prod to --execute" in capsys.readouterr().err


@pytest.mark.parametrize(
    "content,message",
    [
        (None, "no such file (write it with `pulumi stack output --json"),
        ("{not json", "not JSON (line 1"),
        ("[1, 2]", "expected the object `pulumi stack output --json` writes"),
        ('{"stack": "prod"}', "these are the outputs of stack 'prod', not 'dev'"),
        ('{"stack": "dev", "region": "us-east-1"}', "output 'postgresWriterIdentifier' is missing from the outputs"),
    ],
)
def test_bad_outputs_file_is_one_line(content, message, tmp_path, capsys):
    path = tmp_path / "out.json"
    if content is not None:
        path.write_text(content)
    code = main(["runbook", "run", "rds-failover-drill", "--stack", "dev", "--outputs", str(path)])
    captured = capsys.readouterr()
    assert code == 2
    assert message in captured.err + captured.out and "Traceback" not in captured.err + captured.out


def test_no_credentials_is_one_line(no_credentials, tmp_path, capsys):
    path = tmp_path / "out.json"
    path.write_text(json.dumps({"stack": "dev", "region": "us-east-1", "postgresWriterIdentifier": "ecomart-dev-pg"}))
    assert main(["runbook", "run", "rds-failover-drill", "--stack", "dev", "--outputs", str(path)]) == 2
    out = capsys.readouterr().out
    assert "no AWS credentials: set AWS_PROFILE" in out and "Traceback" not in out


@pytest.mark.parametrize(
    "argv,message",
    [
        (["rds-pitr-restore"], "--target-time is required"),
        (["rds-pitr-restore", "--target-time", "yesterday"], "not an ISO 8601 time"),
        (["rds-pitr-restore", "--target-time", "2026-11-30T14:05:00"], "give the zone"),
        (["rds-failover-drill", "--force"], "unrecognized arguments: --force"),
        (["orders-read-only-mode", "--state", "maybe"], "--state 'maybe': must be on or off"),
        (["no-such-book"], "no runbook 'no-such-book'"),
    ],
)
def test_bad_parameters_are_one_line_before_anything_runs(argv, message, capsys, monkeypatch):
    made = []
    monkeypatch.setattr(Clients, "get", lambda self, service, region: made.append(service))
    assert main(["runbook", "run", *argv[:1], "--stack", "dev", *argv[1:]]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and made == []


def test_the_readme_names_every_runbook():
    """README's "Operating it" list is derived from nothing: this holds it to the registry."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert [n for n in BOOKS if f"`{n}`" not in readme] == []
