"""Every KMS key the stack declares: enabled, rotation on, no wildcard principal, grants listed, alias present."""

from __future__ import annotations

import json
from typing import Any

from runbooks.core import Context, is_pending, runbook


def _arn_region(arn: str) -> str:
    return arn.split(":")[3]


def wildcard_principals(policy: dict) -> list[str]:
    """Sids of Allow statements whose principal is anyone ("*" or {"AWS": "*"}) without a condition."""
    found = []
    for i, st in enumerate(policy.get("Statement", [])):
        principal = st.get("Principal")
        values = (
            [principal]
            if isinstance(principal, str)
            else [v for vs in (principal or {}).values() for v in (vs if isinstance(vs, list) else [vs])]
        )
        if st.get("Effect") == "Allow" and "*" in values and not st.get("Condition"):
            found.append(st.get("Sid", f"statement {i}"))
    return found


@runbook(
    "kms-key-audit",
    "Audit the stack's KMS keys",
    "every key the stack declares: enabled, rotation on, no wildcard principal, grants listed, alias present",
    needs=("region", "kmsKeyArns"),
)
def kms_key_audit(ctx: Context) -> int:
    keys: dict[str, Any] = ctx.output("kmsKeyArns")
    rows = []
    for domain, arn in sorted(keys.items()):
        region = _arn_region(arn)
        with ctx.step(
            f"Key {domain} ({arn})",
            verify="enabled; rotation on; policy has no unconditioned wildcard principal; alias present",
        ):
            meta = ctx.read("kms", "DescribeKey", region=region, KeyId=arn)["KeyMetadata"]
            rotation = ctx.read("kms", "GetKeyRotationStatus", region=region, KeyId=arn)
            policy = ctx.read("kms", "GetKeyPolicy", region=region, KeyId=arn, PolicyName="default")
            grants = ctx.read("kms", "ListGrants", region=region, KeyId=arn)
            aliases = ctx.read("kms", "ListAliases", region=region, KeyId=arn)
            if is_pending(meta):
                continue
            wild = wildcard_principals(json.loads(policy["Policy"]))
            row = {
                "domain": domain,
                "arn": arn,
                "enabled": meta["KeyState"] == "Enabled",
                "rotation": bool(rotation.get("KeyRotationEnabled")),
                "wildcard_principals": wild,
                "grants": [
                    {"grantee": g.get("GranteePrincipal"), "operations": g.get("Operations", [])}
                    for g in grants.get("Grants", [])
                ],
                "aliases": [a["AliasName"] for a in aliases.get("Aliases", [])],
            }
            rows.append(row)
            ctx.observe(f"{domain}: enabled", row["enabled"], f"state {meta['KeyState']}")
            ctx.observe(f"{domain}: rotation on", row["rotation"])
            ctx.observe(f"{domain}: no wildcard principal", not wild, ", ".join(wild))
            ctx.observe(f"{domain}: alias present", bool(row["aliases"]), ", ".join(row["aliases"]) or "none")
            ctx.say(
                f"   grants: {len(row['grants'])}"
                + "".join(f"\n     {g['grantee']}: {', '.join(g['operations'])}" for g in row["grants"])
            )
    ctx.measure("keys", rows)
    failed = [c for c in ctx.checks if not c["ok"]]
    return 3 if failed else 0
