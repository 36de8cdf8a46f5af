"""``ecomart diff`` on pairs of exports: what changed, what would be replaced, what the policy pack now says."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ecomart.stackdiff import (
    ABSENT,
    REPLACEMENT_PROPERTIES,
    SECRET,
    UNKNOWN,
    diff_exports,
    input_changes,
    mask,
    render_json,
    render_markdown,
)

ROOT = Path(__file__).resolve().parents[2]
SECRET_ENVELOPE = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:AAA"}


@pytest.fixture(scope="module")
def base(prod):
    return prod.export()


def head_with(synth_with, **overrides):
    return synth_with("prod", **overrides).export()


def by_name(d, name):
    (r,) = [r for r in d.resources if r.name == name]
    return r


def test_identical_exports_have_no_changes_and_exit_0(base):
    d = diff_exports(base, copy.deepcopy(base), stack="prod")
    assert d.resources == [] and d.policy.new == [] and d.policy.fixed == [] and d.exit_code == 0
    assert "No changes." in render_markdown([d])


def test_changed_alarm_threshold(base, synth_with):
    head = head_with(synth_with, monitoring={"thresholds": {"cpuPercent": 65}})
    d = diff_exports(base, head, stack="prod")
    cpu = by_name(d, "monitoring-postgres-writer-cpu")
    assert cpu.kind == "changed" and cpu.component == "ecomart:observability:Monitoring monitoring"
    threshold = [c for c in cpu.changes if c.path == "threshold"]
    assert [(c.old, c.new, c.replaces) for c in threshold] == [(80, 65, False)]
    assert not cpu.likely_replacement and d.exit_code == 0
    md = render_markdown([d])
    assert "`threshold`: 80 → 65" in md and "<details>" in md


def test_removed_read_replica_is_a_data_store_deletion(base, synth_with):
    d = diff_exports(base, head_with(synth_with, postgres={"readReplicas": 1}), stack="prod")
    replica = by_name(d, "postgres-replica-2")
    assert replica.kind == "removed" and replica.data_loss
    removed = {r.name for r in d.of_kind("removed")}
    assert "monitoring-postgres-replica-2-replica-lag" in removed
    md = render_markdown([d])
    assert "[!WARNING]" in md and "**postgres-replica-2** — removed" in md


def test_changed_db_kms_key_is_a_likely_replacement(base):
    head = copy.deepcopy(base)
    writer = next(r for r in head["deployment"]["resources"] if r["urn"].endswith("::postgres-writer"))
    writer["inputs"]["kmsKeyId"] = "arn:aws:kms:us-east-1:123456789012:key/00000000-new"
    d = diff_exports(base, head, stack="prod")
    w = by_name(d, "postgres-writer")
    assert w.likely_replacement and w.data_loss
    (change,) = [c for c in w.changes if c.path == "kmsKeyId"]
    assert change.replaces and change.new.endswith("/00000000-new")
    md = render_markdown([d])
    assert "Likely replacement or deletion" in md and "(forces replacement)" in md


@pytest.mark.parametrize(
    "typ,path",
    [
        ("aws:rds/instance:Instance", "identifier"),
        ("aws:rds/instance:Instance", "storageEncrypted"),
        ("aws:elasticache/replicationGroup:ReplicationGroup", "engine"),
        ("aws:elasticache/replicationGroup:ReplicationGroup", "clusterMode"),
        ("mongodbatlas:index/advancedCluster:AdvancedCluster", "name"),
    ],
)
def test_documented_replacement_properties(typ, path):
    assert path in REPLACEMENT_PROPERTIES[typ]
    (c,) = input_changes(typ, {path: "a"}, {path: "b"})
    assert c.replaces
    (c,) = input_changes(typ, {"tags": {"x": "a"}}, {"tags": {"x": "b"}})
    assert not c.replaces


def test_atlas_provider_change_inside_a_spec_is_a_replacement():
    old = {"replicationSpecs": [{"regionConfigs": [{"providerName": "AWS", "priority": 7}]}]}
    new = {"replicationSpecs": [{"regionConfigs": [{"providerName": "GCP", "priority": 7}]}]}
    (c,) = input_changes("mongodbatlas:index/advancedCluster:AdvancedCluster", old, new)
    assert c.path == "replicationSpecs[0].regionConfigs[0].providerName" and c.replaces


def test_secrets_are_masked_in_every_form(base):
    head = copy.deepcopy(base)
    writer = next(r for r in head["deployment"]["resources"] if r["urn"].endswith("::postgres-writer"))
    writer["inputs"]["masterPassword"] = SECRET_ENVELOPE
    writer["inputs"]["tags"]["token"] = {**SECRET_ENVELOPE, "plaintext": '"hunter2"'}
    d = diff_exports(base, head, stack="prod")
    changes = {c.path: c for c in by_name(d, "postgres-writer").changes}
    assert changes["masterPassword"].new == SECRET and changes["tags.token"].new == SECRET
    text = render_markdown([d]) + render_json([d])
    assert "hunter2" not in text and "v1:AAA" not in text


def test_unknowns_are_shown_as_unknown():
    assert mask({"a": "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "b": [SECRET_ENVELOPE]}) == {"a": UNKNOWN, "b": [SECRET]}


def test_json_documents_are_compared_inside():
    old = {"policy": json.dumps({"Statement": [{"Action": "s3:GetObject", "Resource": "arn:a"}]})}
    new = {"policy": json.dumps({"Statement": [{"Action": "s3:*", "Resource": "arn:a"}]})}
    (c,) = input_changes("aws:iam/policy:Policy", old, new)
    assert (c.path, c.old, c.new) == ("policy{Statement[0].Action}", "s3:GetObject", "s3:*")


def test_lists_of_another_length_compare_as_collections():
    changes = input_changes("x", {"emails": ["a@x", "b@x"]}, {"emails": ["a@x", "c@x", "b@x"]})
    assert [(c.path, c.old, c.new) for c in changes] == [("emails[+]", ABSENT, "c@x")]


def test_new_mandatory_violation_exits_1(base, synth_with, tmp_path):
    head = copy.deepcopy(base)
    writer = next(r for r in head["deployment"]["resources"] if r["urn"].endswith("::postgres-writer"))
    writer["inputs"]["publiclyAccessible"] = True
    d = diff_exports(base, head, stack="prod")
    assert d.exit_code == 1
    assert [v["policy"] for v in d.policy.new] == ["rds-not-publicly-accessible"]
    assert d.policy.new[0]["enforcement"] == "mandatory" and d.policy.fixed == []
    back = diff_exports(head, base, stack="prod")
    assert back.exit_code == 0 and [v["policy"] for v in back.policy.fixed] == ["rds-not-publicly-accessible"]
    assert "✅ fixed" in render_markdown([back])


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "ecomart", "diff", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_cli_exit_codes_and_formats(base, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(base))
    head = copy.deepcopy(base)
    writer = next(r for r in head["deployment"]["resources"] if r["urn"].endswith("::postgres-writer"))
    writer["inputs"]["storageEncrypted"] = False
    b.write_text(json.dumps(head))
    same = run_cli("--base", str(a), "--head", str(a))
    assert same.returncode == 0 and "No changes." in same.stdout
    worse = run_cli("--base", str(a), "--head", str(b), "--format", "json", "--output", str(tmp_path / "d.json"))
    assert worse.returncode == 1
    doc = json.loads((tmp_path / "d.json").read_text())
    assert doc["stacks"][0]["summary"]["newMandatory"] >= 1
    assert doc["stacks"][0]["summary"]["likelyReplacements"] == [writer["urn"]]
    missing = run_cli("--base", str(tmp_path / "nope.json"), "--head", str(a))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1 and "nope.json" in missing.stderr
    (tmp_path / "bad.json").write_text('{"version": 3}')
    bad = run_cli("--base", str(tmp_path / "bad.json"), "--head", str(a))
    assert bad.returncode == 2 and "no 'deployment' object" in bad.stderr


def test_markdown_fits_a_pr_comment(base, synth_with):
    head = head_with(synth_with, postgres={"readReplicas": 1}, monitoring={"thresholds": {"cpuPercent": 65}})
    md = render_markdown([diff_exports(base, head, stack="prod")])
    assert md.startswith("<!-- ecomart-diff -->") and len(md) < 65536


def test_a_read_replica_added_shows_its_monthly_cost_as_the_delta(base, synth_with):
    """The PR comment's first line: the cost before, after and the delta, the new replica's cost per resource."""
    from ecomart.costs import pricing_inputs
    from pricing import estimate, resources_of_export

    head = head_with(synth_with, postgres={"readReplicas": 3})
    d = diff_exports(base, head, stack="prod")
    region, usage = pricing_inputs("prod", head)
    after = estimate(resources_of_export(head), region, usage)
    added = d.cost["resources"]
    assert added[0]["resource"] == "postgres-replica-3" and all(r["before"] == 0 for r in added)
    replica = next(i for i in after.items if i.name == "postgres-replica-3")
    assert added[0]["after"] == round(replica.monthly, 2) > 0
    # the replica and the alarms that come with it: the whole delta
    assert {r["resource"] for r in added[1:]} == {r.name for r in d.of_kind("added") if "Alarm" in r.type}
    assert sum(r["delta"] for r in added) == pytest.approx(d.cost["delta"], abs=0.01)
    md = render_markdown([d])
    assert md.splitlines()[3].startswith("**Monthly cost: $") and f"(+${d.cost['delta']:,.2f})" in md
    assert json.loads(render_json([d]))["stacks"][0]["cost"]["delta"] == d.cost["delta"]


def test_identical_exports_cost_the_same(base):
    d = diff_exports(base, base, stack="prod")
    assert d.cost["delta"] == 0 and d.cost["resources"] == [] and d.cost["before"] > 0
