"""MongoDB Atlas through the Administration API v2: point-in-time restore into a scratch cluster, failover test.

Authentication: the project's API key pair from MONGODB_ATLAS_PUBLIC_KEY / MONGODB_ATLAS_PRIVATE_KEY (the same
variables the mongodbatlas provider reads), sent with HTTP Digest as Atlas requires (httpx.DigestAuth); the keys are
never printed or written to the evidence.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from runbooks.core import Context, Param, Pending, RunbookError, VerificationFailed, environ_secret, parse_time, runbook

BASE_URL = "https://cloud.mongodb.com/api/atlas/v2"
ACCEPT = "application/vnd.atlas.2023-01-01+json"  # the API version these calls were written against
WAIT_RESTORE_SECONDS = 6 * 3600
WAIT_FAILOVER_SECONDS = 1800


def atlas_client(ctx: Context) -> Any:
    client = ctx.extra.get("atlas_http")
    if client is None:
        import httpx

        auth = httpx.DigestAuth(environ_secret("MONGODB_ATLAS_PUBLIC_KEY"), environ_secret("MONGODB_ATLAS_PRIVATE_KEY"))
        client = httpx.Client(
            base_url=BASE_URL,
            auth=auth,
            timeout=30,
            headers={"Accept": ACCEPT},
            transport=ctx.extra.get("atlas_transport"),
        )
        ctx.extra["atlas_http"] = client
    return client


class AtlasError(RunbookError):
    pass


def _send(ctx: Context, method: str, path: str, body: dict | None = None) -> Any:
    resp = atlas_client(ctx).request(
        method, path, json=body, headers={"Accept": ACCEPT, "Content-Type": ACCEPT} if body else {"Accept": ACCEPT}
    )
    if resp.status_code >= 400:
        try:
            err = resp.json()
            what = f"{err.get('errorCode', '')}: {err.get('detail', '')}".strip(": ")
        except ValueError:
            what = resp.reason_phrase
        raise AtlasError(f"Atlas {method} {path}: HTTP {resp.status_code} {what}")
    return resp.json() if resp.content else {}


def get(ctx: Context, path: str) -> Any:
    if not ctx.calls_made:
        ctx.record_call("would-read", "atlas", f"GET {path}", "atlas", {})
        return Pending(f"GET {path}")
    ctx.record_call("read", "atlas", f"GET {path}", "atlas", {})
    return _send(ctx, "GET", path)


def post(ctx: Context, path: str, body: dict | None = None) -> Any:
    if not ctx.execute:
        ctx.record_call("would", "atlas", f"POST {path}", "atlas", body or {})
        return Pending(f"POST {path}")
    ctx.record_call("call", "atlas", f"POST {path}", "atlas", body or {})
    return _send(ctx, "POST", path, body)


@runbook(
    "atlas-restore",
    "Atlas point-in-time restore into a scratch cluster",
    "Atlas continuous-backup restore of the catalog cluster to a point in time, into a scratch cluster",
    params=(
        Param("target-time", "the time to restore to, ISO 8601 with zone", type=parse_time, required=True),
        Param(
            "target-cluster",
            "an existing scratch cluster in the project to restore into (its data is "
            "replaced; never the catalog cluster)",
            required=True,
        ),
    ),
    needs=("atlasProjectId", "atlasClusterName"),
    changes=("atlas:POST restoreJobs",),
)
def atlas_restore(ctx: Context) -> None:
    group, cluster = ctx.output("atlasProjectId"), ctx.output("atlasClusterName")
    target: _dt.datetime = ctx.params["target-time"]
    scratch = ctx.params["target-cluster"]
    if scratch == cluster:
        raise RunbookError(
            f"--target-cluster {scratch}: that is the catalog cluster itself; restore into a scratch cluster"
        )
    base = f"/groups/{group}/clusters/{cluster}/backup"
    with ctx.step(
        f"Check {cluster}'s continuous backup window and the scratch cluster {scratch}",
        verify="PIT restore enabled; the target time inside the window; the scratch cluster exists",
    ):
        source = get(ctx, f"/groups/{group}/clusters/{cluster}")
        get(ctx, f"/groups/{group}/clusters/{scratch}")
        jobs = get(ctx, f"{base}/restoreJobs")
        if ctx.calls_made:
            ctx.check(
                "continuous cloud backup (PIT) enabled",
                source.get("pitEnabled") is True,
                why="point-in-time restore needs pitEnabled on the cluster",
            )
            now = _dt.datetime.fromtimestamp(ctx.clock(), _dt.UTC)
            ctx.check("target time is in the past", target < now, target.isoformat())
    seconds = int(target.timestamp())
    with ctx.step(
        f"Start the point-in-time restore of {cluster} into {scratch}",
        verify="Atlas accepts the restore job (a job for the same target and time is reused)",
    ):
        same = [
            j
            for j in (jobs.get("results", []) if isinstance(jobs, dict) else [])
            if j.get("targetClusterName") == scratch
            and j.get("pointInTimeUTCSeconds") == seconds
            and not j.get("failed")
            and not j.get("cancelled")
        ]
        if same:
            ctx.skip(f"restore job {same[0]['id']} for this target and time exists: resuming")
            job = same[0]
        else:
            job = post(
                ctx,
                f"{base}/restoreJobs",
                {
                    "deliveryType": "pointInTime",
                    "pointInTimeUTCSeconds": seconds,
                    "targetClusterName": scratch,
                    "targetGroupId": group,
                },
            )
    started = ctx.clock()

    def finished() -> Any:
        j = get(ctx, f"{base}/restoreJobs/{job['id']}")
        if j.get("failed") or j.get("cancelled") or j.get("expired"):
            raise VerificationFailed(
                f"restore job {job['id']} did not complete: {'failed' if j.get('failed') else 'cancelled or expired'}"
            )
        return j if j.get("finishedAt") else None

    with ctx.step("Wait for the restore job", verify="finishedAt set, not failed"):
        done = ctx.wait("the restore job finished", finished, timeout=WAIT_RESTORE_SECONDS, poll=60)
        if ctx.execute:
            ctx.measure("restore_seconds", round(ctx.clock() - started, 1), "s")
            ctx.check(
                "restored into the scratch cluster",
                done.get("targetClusterName") == scratch,
                str(done.get("targetClusterName")),
            )
    with ctx.step("Verify the scratch cluster's catalog (by hand or with the app's checks)"):
        ctx.say(
            f"   connect to {scratch} and compare db.products.countDocuments() and the newest updatedAt with "
            f"the target time {target.isoformat()}"
        )


@runbook(
    "atlas-failover-test",
    "Atlas primary failover test",
    "Atlas test failover (restartPrimaries) of the catalog cluster; wait until it is IDLE again",
    needs=("atlasProjectId", "atlasClusterName"),
    changes=("atlas:POST restartPrimaries",),
)
def atlas_failover(ctx: Context) -> None:
    group, cluster = ctx.output("atlasProjectId"), ctx.output("atlasClusterName")
    path = f"/groups/{group}/clusters/{cluster}"
    with ctx.step(f"Check {cluster} is IDLE", verify="stateName IDLE (no other change in progress)"):
        before = get(ctx, path)
        if ctx.calls_made:
            ctx.check("cluster IDLE", before.get("stateName") == "IDLE", f"state {before.get('stateName')}")
            ctx.note(
                "Atlas has no per-shard failover call: restartPrimaries elects a new primary in every shard "
                "of a sharded cluster, one after another"
            )
    started = ctx.clock()
    with ctx.step(f"Start the failover test of {cluster}", verify="Atlas accepts it"):
        post(ctx, f"{path}/restartPrimaries")
    with ctx.step(f"Wait until {cluster} is IDLE again", verify="stateName IDLE after a change was seen"):
        seen: dict[str, bool] = {"busy": False}

        def idle_again() -> Any:
            state = get(ctx, path).get("stateName")
            seen["busy"] = seen["busy"] or state != "IDLE"
            return state == "IDLE" and (seen["busy"] or ctx.clock() - started > 120)

        ctx.wait(f"{cluster} is IDLE", idle_again, timeout=WAIT_FAILOVER_SECONDS, poll=15)
        if ctx.execute:
            ctx.measure("failover_seconds", round(ctx.clock() - started, 1), "s")
            if not seen["busy"]:
                ctx.note(
                    "the cluster never left IDLE while watched; check the project's activity feed for the "
                    "'primary elected' events"
                )
