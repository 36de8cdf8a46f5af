"""The real dev and prod stacks (synthesized offline from Pulumi.<stack>.yaml) against the pack: prod has no
violation at all, dev no mandatory one, and dev's advisory findings are the intended, documented ones. The checks
are shown to bite on the real graph too (a one-setting change to the real prod export is caught)."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path

import pytest

from policies.engine.checker import check_export
from policies.engine.core import meta_of
from policies.engine.registry import all_policies

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "compliance.md"
META = {p.name: meta_of(p) for p in all_policies()}


def _fmt(violations) -> str:
    return "\n".join(f"{v.enforcement} {v.policy} {v.urn.rsplit('::', 1)[-1]}: {v.message}" for v in violations)


@pytest.fixture(scope="module")
def prod_export(prod):
    return prod.export()


@pytest.fixture(scope="module")
def prod_result(prod_export):
    return check_export(prod_export, stack="prod")


@pytest.fixture(scope="module")
def dev_result(dev):
    return check_export(dev.export(), stack="dev")


def test_prod_has_no_violation_at_all(prod_result):
    assert prod_result.config_path.name == "prod.json"
    assert prod_result.violations == [], "\n" + _fmt(prod_result.violations)


def test_dev_has_no_mandatory_violation(dev_result):
    assert dev_result.config_path.name == "dev.json"
    assert dev_result.mandatory == [], "\n" + _fmt(dev_result.mandatory)


def test_dev_advisory_findings_are_cost_driven_or_lifecycle(dev_result):
    assert dev_result.advisory, "dev is a single-AZ, single-region stack: it must show advisory findings"
    assert {META[v.policy].category for v in dev_result.advisory} <= {"cost", "lifecycle"}


def _dev_section() -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"^## Dev advisory findings\n(.*?)(?=^## )", text, flags=re.S | re.M)
    assert match, "docs/compliance.md has no '## Dev advisory findings' section"
    return match.group(1)


def test_dev_advisory_findings_are_documented(dev_result):
    rows = [line for line in _dev_section().splitlines() if line.startswith("| `")]
    for v in dev_result.advisory:
        name = v.urn.rsplit("::", 1)[-1]
        assert any(f"`{v.policy}`" in row and f"`{name}`" in row for row in rows), (
            f"docs/compliance.md does not explain the dev finding {v.policy} on {name}"
        )
    documented = {re.search(r"`([a-z0-9-]+)`", row).group(1) for row in rows}
    assert documented == {v.policy for v in dev_result.advisory}, "the documented list is out of date"


def _entry(doc, rtype, name=None):
    found = [
        e
        for e in doc["deployment"]["resources"]
        if e["type"] == rtype and (name is None or e["urn"].endswith("::" + name))
    ]
    assert found, (rtype, name)
    return found[0]


def _untag(entry):
    for part in ("inputs", "outputs"):
        entry[part].pop("tags", None)
        entry[part].pop("tagsAll", None)


def _unselect(selection):
    """The writer's ARN left out of the backup component's ``resource_arns``."""
    for part in ("inputs", "outputs"):
        selection[part]["resources"] = []
    selection["propertyDependencies"]["resources"] = []


@pytest.mark.parametrize(
    "policy,change",
    [
        (
            "stack-data-store-alarms",
            lambda d: d["deployment"]["resources"].remove(
                next(e for e in d["deployment"]["resources"] if e["inputs"].get("metricName") == "ReplicaLag")
            ),
        ),
        (
            "rds-not-publicly-accessible",
            lambda d: _entry(d, "aws:rds/instance:Instance")["inputs"].update(publiclyAccessible=True),
        ),
        (
            "stack-required-tags",
            lambda d: _untag(_entry(d, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")),
        ),
        (
            "stack-data-stores-in-data-subnets",
            lambda d: _entry(d, "aws:ec2/subnet:Subnet", "network-data-0")["outputs"]["tags"].update(tier="app"),
        ),
        ("stack-rds-backup-coverage", lambda d: _unselect(_entry(d, "aws:backup/selection:Selection"))),
        (
            "sg-no-public-ingress-data-ports",
            # named: the export's order is the engine's, and the endpoints' 443 rule is not a data port
            lambda d: _entry(
                d, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "network-app-to-postgres-in"
            )["inputs"].update(cidrIpv4="198.51.100.0/24"),
        ),
    ],
)
def test_one_change_to_the_real_prod_stack_is_caught(prod_export, policy, change):
    doc = copy.deepcopy(prod_export)
    change(doc)
    result = check_export(doc, stack="prod")
    assert {v.policy for v in result.violations} >= {policy}, _fmt(result.violations)


def test_make_preview_runs_the_check_after_the_preview(tmp_path):
    """`make preview` runs `ecomart preview`, which checks the export it wrote and prints the summary."""
    run = subprocess.run(
        [sys.executable, "-m", "ecomart", "preview", "--stack", "dev", "--out-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Compliance check" in run.stdout
    assert run.stdout.strip().splitlines()[-1].startswith("PASS: stack dev (policies/config/dev.json)")
    assert (tmp_path / "stack-export.json").exists()


def test_the_real_stacks_pass_rds_event_coverage_because_of_their_subscriptions(prod_export):
    """Without the monitoring component's RDS event subscriptions, prod's writer, replicas, parameter group and the
    DB security group requirement are each reported: the pass above is earned, not vacuous."""
    import copy

    doc = copy.deepcopy(prod_export)
    resources = doc["deployment"]["resources"]
    subs = [r for r in resources if r["type"] == "aws:rds/eventSubscription:EventSubscription"]
    assert len(subs) == 3
    for r in subs:
        resources.remove(r)
    found = [v for v in check_export(doc, stack="prod").violations if v.policy == "stack-rds-event-subscriptions"]
    dbs = [r for r in resources if r["type"] in ("aws:rds/instance:Instance", "aws:rds/parameterGroup:ParameterGroup")]
    assert {v.urn for v in found} == {r["urn"] for r in dbs}
    assert len(found) == len(dbs) + 1 and any("DB security group" in v.message for v in found)
