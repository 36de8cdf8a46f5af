"""The GitHub Actions workflows: valid against GitHub's schema, clean under zizmor (offline), and holding the
security properties docs/ci.md promises."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def load(path: Path) -> dict:
    doc = yaml.safe_load(path.read_text())
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as a boolean
    return doc


DOCS = {p.name: load(p) for p in WORKFLOWS}


def jobs():
    for name, doc in DOCS.items():
        for job_id, job in doc["jobs"].items():
            yield name, job_id, job


def steps_using(job: dict, action: str) -> list[dict]:
    return [s for s in job.get("steps", []) if str(s.get("uses", "")).startswith(action + "@")]


def test_the_three_workflows_exist():
    assert {"pr.yml", "deploy.yml", "drift.yml"} <= set(DOCS)


def test_schema_validation():
    r = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_zizmor_offline_has_no_findings():
    r = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--no-progress", str(ROOT / ".github" / "workflows")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0 and "No findings" in r.stdout + r.stderr, r.stdout + r.stderr


def test_the_schema_check_can_fail(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    stepz: []\n")
    r = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode != 0


def test_no_pull_request_target_anywhere():
    for name, doc in DOCS.items():
        assert "pull_request_target" not in (doc["on"] or {}), name
        code = [ln.split("#", 1)[0] for ln in (ROOT / ".github" / "workflows" / name).read_text().splitlines()]
        assert not any("pull_request_target" in ln for ln in code), name


def test_workflow_default_permissions_are_none_and_every_job_declares_its_own():
    for name, doc in DOCS.items():
        assert doc.get("permissions") == {}, name
    for name, job_id, job in jobs():
        assert isinstance(job.get("permissions"), dict), f"{name}:{job_id}"
        assert all(v in ("read", "write") for v in job["permissions"].values())


def test_write_permissions_only_where_needed():
    for name, job_id, job in jobs():
        perms = job["permissions"]
        assumes_role = bool(steps_using(job, "aws-actions/configure-aws-credentials"))
        pulumi_auth = bool(steps_using(job, "pulumi/auth-actions"))
        assert (perms.get("id-token") == "write") == (assumes_role or pulumi_auth), f"{name}:{job_id}"
        if perms.get("pull-requests") == "write":
            assert (name, job_id) == ("pr.yml", "comment")
        if perms.get("security-events") == "write":
            assert (name, job_id) == ("pr.yml", "sarif")
        assert perms.get("contents") in (None, "read"), f"{name}:{job_id} writes to the repository"
    wanted = {("pr.yml", "comment"): "pull-requests", ("pr.yml", "sarif"): "security-events"}
    for (name, job_id), perm in wanted.items():
        assert DOCS[name]["jobs"][job_id]["permissions"] == {perm: "write"}


def test_every_third_party_action_is_pinned_to_a_sha_with_its_version():
    for path in WORKFLOWS:
        for line in path.read_text().splitlines():
            m = re.match(r"^\s*-?\s*uses:\s*(\S+)(.*)$", line)
            if not m or m.group(1).startswith("./"):
                continue
            assert PINNED.match(m.group(1)), f"{path.name}: {m.group(1)} is not pinned to a full commit SHA"
            assert re.search(r"#\s*v\d+\.\d+\.\d+", m.group(2)), f"{path.name}: {m.group(1)} lacks a # vX.Y.Z"


def test_checkout_never_persists_credentials():
    for name, job_id, job in jobs():
        for step in steps_using(job, "actions/checkout"):
            assert step.get("with", {}).get("persist-credentials") is False, f"{name}:{job_id}"


def test_no_long_lived_cloud_keys():
    for _name, _job_id, job in jobs():
        for step in steps_using(job, "aws-actions/configure-aws-credentials"):
            w = step["with"]
            assert "role-to-assume" in w and not {"aws-access-key-id", "aws-secret-access-key"} & set(w)
    for path in WORKFLOWS:
        assert "AWS_SECRET_ACCESS_KEY" not in path.read_text() and "PULUMI_ACCESS_TOKEN" not in path.read_text()


def test_deploys_one_per_stack_never_cancelled_and_prod_is_protected():
    deploy = DOCS["deploy.yml"]["jobs"]
    assert deploy["dev"]["needs"] == "test" and deploy["prod"]["needs"] == "dev"
    for stack in ("dev", "prod"):
        job = deploy[stack]
        assert job["environment"] == stack
        assert job["concurrency"] == {"group": f"deploy-{stack}", "cancel-in-progress": False}
        (up,) = steps_using(job, "pulumi/actions")
        assert up["with"]["command"] == "up" and up["with"]["stack-name"] == stack
        assert up["with"]["policyPacks"] == "policies"
        assert up["with"]["policyPackConfigs"] == f"policies/config/{stack}.json"
        run = "\n".join(s.get("run", "") for s in job["steps"])
        assert f"pulumi stack export --stack {stack}" in run and f"ecomart check --export build/deploy/{stack}" in run
        assert steps_using(job, "actions/upload-artifact")
    assert DOCS["deploy.yml"]["on"]["push"]["branches"] == ["main"]


def test_drift_runs_refresh_expect_no_changes_per_stack():
    job = DOCS["drift.yml"]["jobs"]["preview"]
    assert DOCS["drift.yml"]["on"]["schedule"]
    assert job["strategy"]["matrix"]["stack"] == ["dev", "prod"]
    (pv,) = steps_using(job, "pulumi/actions")
    assert pv["with"]["command"] == "preview" and pv["with"]["refresh"] is True
    assert pv["with"]["expect-no-changes"] is True and pv["with"]["always-include-summary"] is True


def test_pr_jobs_that_can_see_a_secret_or_write_skip_forks():
    fork_guard = "github.event.pull_request.head.repo.full_name == github.repository"
    pr = DOCS["pr.yml"]["jobs"]
    text = (ROOT / ".github" / "workflows" / "pr.yml").read_text()
    for job_id, job in pr.items():
        body = yaml.safe_dump(job)
        sensitive = "secrets." in body or any(v == "write" for v in job["permissions"].values()) or "environment" in job
        if sensitive:
            assert fork_guard in str(job.get("if", "")), f"pr.yml:{job_id} must not run for forks"
    assert "make test" in text and "scripts/ci/pr-report.sh" in text and "GITHUB_STEP_SUMMARY" in text


def test_pr_real_preview_is_skipped_with_a_notice_without_credentials():
    job = DOCS["pr.yml"]["jobs"]["cloud-preview"]
    first = job["steps"][0]
    assert "::notice::" in first["run"] and "enabled=false" in first["run"]
    for step in job["steps"][1:]:
        assert "steps.creds.outputs.enabled == 'true'" in step["if"]


def test_no_template_injection_in_run_blocks():
    """Expressions from the event reach shell only through env: (zizmor checks this too)."""
    for name, job_id, job in jobs():
        for step in job.get("steps", []):
            assert "${{" not in step.get("run", ""), f"{name}:{job_id}: {step.get('run', '')[:60]}"
