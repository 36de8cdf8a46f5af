"""atlas-restore and atlas-failover-test through an httpx mock transport that speaks Atlas's Digest challenge."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest

from tests.runbooks.conftest import run_book

GROUP, CLUSTER, SCRATCH = "5f1d2c3b4a5968778695a4b3", "ecomart-prod-catalog", "catalog-restore-test"
OUTPUTS = {"stack": "dev", "region": "us-east-1", "atlasProjectId": GROUP, "atlasClusterName": CLUSTER}
T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


class FakeAtlas:
    """Answers like the Admin API v2: a Digest challenge first, then JSON; records what it was sent."""

    def __init__(self, *, pit=True, job_states=("running", "done")):
        self.requests: list[httpx.Request] = []
        self.pit = pit
        self.job_states = list(job_states)
        self.cluster_states = ["IDLE", "REPAIRING", "IDLE"]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not request.headers.get("authorization", "").startswith("Digest "):
            return httpx.Response(
                401,
                headers={
                    "WWW-Authenticate": 'Digest realm="MMS Public API", '
                    'domain="", nonce="abc123", algorithm=MD5, qop="auth", stale=false'
                },
            )
        path = request.url.path.removeprefix("/api/atlas/v2")
        if request.method == "GET" and path == f"/groups/{GROUP}/clusters/{CLUSTER}":
            state = self.cluster_states.pop(0) if len(self.cluster_states) > 1 else self.cluster_states[0]
            return httpx.Response(200, json={"name": CLUSTER, "pitEnabled": self.pit, "stateName": state})
        if request.method == "GET" and path == f"/groups/{GROUP}/clusters/{SCRATCH}":
            return httpx.Response(200, json={"name": SCRATCH, "stateName": "IDLE"})
        if request.method == "GET" and path.endswith("/backup/restoreJobs"):
            return httpx.Response(200, json={"results": [], "totalCount": 0})
        if request.method == "POST" and path.endswith("/backup/restoreJobs"):
            return httpx.Response(200, json={"id": "6a1b", **json.loads(request.content)})
        if request.method == "GET" and path.endswith("/backup/restoreJobs/6a1b"):
            state = self.job_states.pop(0)
            return httpx.Response(
                200,
                json={
                    "id": "6a1b",
                    "targetClusterName": SCRATCH,
                    "failed": state == "failed",
                    **({"finishedAt": "2026-12-01T09:00:00Z"} if state == "done" else {}),
                },
            )
        if request.method == "POST" and path.endswith("/restartPrimaries"):
            return httpx.Response(200, json={})
        return httpx.Response(404, json={"errorCode": "RESOURCE_NOT_FOUND", "detail": f"no {path}"})


@pytest.fixture
def keys(monkeypatch):
    monkeypatch.setenv("MONGODB_ATLAS_PUBLIC_KEY", "pubkeyabc")
    monkeypatch.setenv("MONGODB_ATLAS_PRIVATE_KEY", "private-0f9e8d7c-secret")


def _run(name, fake, params=None, execute=False, tmp_path=None):
    return run_book(
        name, OUTPUTS, params, execute=execute, tmp_path=tmp_path, extra={"atlas_transport": httpx.MockTransport(fake)}
    )


def test_restore_posts_a_point_in_time_job_into_the_scratch_cluster_with_digest_auth(keys, tmp_path):
    fake = FakeAtlas()
    code, ev, out, _ = _run("atlas-restore", fake, {"target-time": T0, "target-cluster": SCRATCH}, True, tmp_path)
    assert code == 0, out
    post = next(r for r in fake.requests if r.method == "POST" and r.headers.get("authorization"))
    assert post.url.path == f"/api/atlas/v2/groups/{GROUP}/clusters/{CLUSTER}/backup/restoreJobs"
    assert json.loads(post.content) == {
        "deliveryType": "pointInTime",
        "pointInTimeUTCSeconds": int(T0.timestamp()),
        "targetClusterName": SCRATCH,
        "targetGroupId": GROUP,
    }
    assert post.headers["accept"] == "application/vnd.atlas.2023-01-01+json"
    assert post.headers["authorization"].startswith('Digest username="pubkeyabc"')
    everything = out + json.dumps(ev) + "".join(str(r.headers) for r in fake.requests)
    assert "private-0f9e8d7c-secret" not in everything


def test_restore_dry_run_posts_nothing(keys, tmp_path):
    fake = FakeAtlas()
    code, ev, out, _ = _run("atlas-restore", fake, {"target-time": T0, "target-cluster": SCRATCH}, False, tmp_path)
    assert code == 0, out
    assert {r.method for r in fake.requests} == {"GET"}
    assert "WOULD CALL atlas.POST" in out


def test_restore_into_the_catalog_cluster_itself_is_refused(keys, tmp_path):
    fake = FakeAtlas()
    code, ev, out, _ = _run("atlas-restore", fake, {"target-time": T0, "target-cluster": CLUSTER}, True, tmp_path)
    assert code == 2 and "that is the catalog cluster itself" in ev["error"]
    assert fake.requests == []


def test_restore_without_pit_stops_before_the_job(keys, tmp_path):
    fake = FakeAtlas(pit=False)
    code, ev, out, _ = _run("atlas-restore", fake, {"target-time": T0, "target-cluster": SCRATCH}, True, tmp_path)
    assert code == 1 and "pitEnabled" in ev["error"]
    assert all(r.method == "GET" for r in fake.requests)


def test_failed_restore_job_is_reported(keys, tmp_path):
    fake = FakeAtlas(job_states=("failed",))
    code, ev, out, _ = _run("atlas-restore", fake, {"target-time": T0, "target-cluster": SCRATCH}, True, tmp_path)
    assert code == 1 and "did not complete: failed" in ev["error"]


def test_missing_api_keys_are_one_line(monkeypatch, tmp_path):
    monkeypatch.delenv("MONGODB_ATLAS_PUBLIC_KEY", raising=False)
    code, ev, out, _ = _run(
        "atlas-restore", FakeAtlas(), {"target-time": T0, "target-cluster": SCRATCH}, False, tmp_path
    )
    assert code == 2 and ev["error"] == "environment variable MONGODB_ATLAS_PUBLIC_KEY is not set"


def test_failover_test_restarts_primaries_and_waits_for_idle(keys, tmp_path):
    fake = FakeAtlas()
    code, ev, out, _ = _run("atlas-failover-test", fake, execute=True, tmp_path=tmp_path)
    assert code == 0, out
    posts = [r for r in fake.requests if r.method == "POST" and r.headers.get("authorization")]
    assert [p.url.path for p in posts] == [f"/api/atlas/v2/groups/{GROUP}/clusters/{CLUSTER}/restartPrimaries"]
    assert "failover_seconds" in ev["measurements"]


def test_atlas_http_error_is_one_line_with_atlas_error_code(keys, tmp_path):
    code, ev, out, _ = run_book(
        "atlas-restore",
        {**OUTPUTS, "atlasClusterName": "gone"},
        {"target-time": T0, "target-cluster": SCRATCH},
        tmp_path=tmp_path,
        extra={"atlas_transport": httpx.MockTransport(FakeAtlas())},
    )
    assert code == 2
    assert ev["error"] == (
        f"Atlas GET /groups/{GROUP}/clusters/gone: HTTP 404 RESOURCE_NOT_FOUND: no /groups/{GROUP}/clusters/gone"
    )


def test_failover_dry_run_only_reads(keys, tmp_path):
    fake = FakeAtlas()
    code, ev, out, _ = _run("atlas-failover-test", fake, tmp_path=tmp_path)
    assert code == 0, out
    assert {r.method for r in fake.requests} == {"GET"} and "WOULD CALL atlas.POST" in out
