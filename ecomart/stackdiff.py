"""What a change does to a stack's infrastructure and to its compliance, from two stack exports (``ecomart diff``).

The exports are the offline previews of the base and head commits (``ecomart preview --out``) or real
``pulumi stack export`` files. No engine, backend or credentials: a reviewer sees what a pull request changes before
anyone has cloud access.

- Resources added, removed and changed, grouped by the component that owns them, each changed input shown as
  ``path: old → new``. Inputs that are JSON documents (IAM and key policies, dashboards) are compared inside, so a
  policy change shows the statement that changed. Secrets show as ``[secret]``, values not known before
  deployment as ``[unknown]``.
- Changes that usually force a replacement of a data store, and so lose its data, are flagged "likely
  replacement", from ``REPLACEMENT_PROPERTIES`` below (documented in docs/ci.md); a removed data store is flagged
  as a deletion.
- The policy delta: the pack is run on both exports; violations the head adds and the ones it fixes, by
  enforcement level.

Exit status: 0 when the head adds no mandatory violation, 1 when it does, 2 on bad input (one line on stderr).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from policies.engine.checker import check_export, validate_export
from policies.engine.exports import BadInput

SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
UNKNOWN_SENTINELS = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
        "030794c1-ac77-496b-92df-f27374a8bd58",
        "e48ece36-62e2-4504-bad9-02848725956a",
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
    }
)
SECRET, UNKNOWN = "[secret]", "[unknown]"

# Inputs whose change makes the provider replace the resource (delete + create): for a data store that is data
# loss unless restored. From the providers' schemas (ForceNew / replaceOnChanges) and the AWS and Atlas APIs
# (properties that cannot be modified in place). A path ending in ``[]`` matches any element.
REPLACEMENT_PROPERTIES: dict[str, tuple[str, ...]] = {
    "aws:rds/instance:Instance": (
        "identifier",
        "engine",
        "storageEncrypted",
        "kmsKeyId",
        "dbName",
        "username",
        "characterSetName",
        "ncharCharacterSetName",
        "timezone",
        "availabilityZone",
        "replicateSourceDb",
        "restoreToPointInTime",
        "snapshotIdentifier",
        "customIamInstanceProfile",
    ),
    "aws:rds/cluster:Cluster": (
        "clusterIdentifier",
        "engine",
        "storageEncrypted",
        "kmsKeyId",
        "databaseName",
        "masterUsername",
        "availabilityZones",
        "engineMode",
        "snapshotIdentifier",
        "restoreToPointInTime",
    ),
    "aws:elasticache/replicationGroup:ReplicationGroup": (
        "replicationGroupId",
        "engine",
        "clusterMode",
        "atRestEncryptionEnabled",
        "kmsKeyId",
        "subnetGroupName",
        "port",
        "snapshotArns",
        "snapshotName",
    ),
    "aws:elasticache/serverlessCache:ServerlessCache": ("name", "engine", "kmsKeyId", "subnetIds"),
    "mongodbatlas:index/advancedCluster:AdvancedCluster": (
        "name",
        "projectId",
        "replicationSpecs[].regionConfigs[].providerName",
    ),
    "mongodbatlas:index/project:Project": ("orgId",),
    "aws:kms/key:Key": ("keyUsage", "customerMasterKeySpec", "multiRegion", "region"),
    "aws:backup/vault:Vault": ("name", "kmsKeyArn", "region"),
    "aws:s3/bucket:Bucket": ("bucket", "bucketPrefix", "objectLockEnabled"),
    "aws:s3/bucketV2:BucketV2": ("bucket", "bucketPrefix", "objectLockEnabled"),
    "aws:dynamodb/table:Table": ("name",),
    "aws:ec2/vpc:Vpc": ("cidrBlock",),
}
DATA_STORES = frozenset(
    {
        "aws:rds/instance:Instance",
        "aws:rds/cluster:Cluster",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "aws:elasticache/serverlessCache:ServerlessCache",
        "mongodbatlas:index/advancedCluster:AdvancedCluster",
        "mongodbatlas:index/cluster:Cluster",
        "aws:backup/vault:Vault",
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketV2:BucketV2",
        "aws:dynamodb/table:Table",
        "aws:kms/key:Key",
    }
)
_NOT_RESOURCES = ("pulumi:pulumi:Stack",)


class DiffError(Exception):
    """Input the diff cannot compare; the message is the one-line reason."""


@dataclass
class Change:
    path: str
    old: Any
    new: Any
    replaces: bool = False


@dataclass
class ResourceDiff:
    urn: str
    type: str
    name: str
    component: str
    kind: str  # added | removed | changed
    changes: list[Change] = field(default_factory=list)

    @property
    def likely_replacement(self) -> bool:
        return self.kind == "changed" and any(c.replaces for c in self.changes)

    @property
    def data_loss(self) -> bool:
        """A data store removed, or changed in a way that replaces it."""
        return self.type in DATA_STORES and (self.kind == "removed" or self.likely_replacement)


@dataclass
class PolicyDelta:
    new: list[dict[str, str]]
    fixed: list[dict[str, str]]

    def count(self, which: str, level: str) -> int:
        return sum(1 for v in getattr(self, which) if v["enforcement"] == level)


@dataclass
class StackDiff:
    stack: str | None
    resources: list[ResourceDiff]
    policy: PolicyDelta | None
    base_count: int
    head_count: int
    cost: dict[str, Any] | None = None  # monthly cost before / after / delta (pricing.render.delta)

    def of_kind(self, kind: str) -> list[ResourceDiff]:
        return [r for r in self.resources if r.kind == kind]

    @property
    def exit_code(self) -> int:
        return 1 if self.policy is not None and self.policy.count("new", "mandatory") else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "summary": {
                "added": len(self.of_kind("added")),
                "removed": len(self.of_kind("removed")),
                "changed": len(self.of_kind("changed")),
                "likelyReplacements": [r.urn for r in self.resources if r.likely_replacement],
                "dataLoss": [r.urn for r in self.resources if r.data_loss],
                "newMandatory": self.policy.count("new", "mandatory") if self.policy else 0,
                "resourcesBase": self.base_count,
                "resourcesHead": self.head_count,
            },
            "resources": [
                {
                    "urn": r.urn,
                    "type": r.type,
                    "name": r.name,
                    "component": r.component,
                    "kind": r.kind,
                    "likelyReplacement": r.likely_replacement,
                    "changes": [
                        {
                            "path": c.path,
                            "old": None if c.old is ABSENT else c.old,
                            "new": None if c.new is ABSENT else c.new,
                            "replaces": c.replaces,
                            "absentBefore": c.old is ABSENT,
                            "absentAfter": c.new is ABSENT,
                        }
                        for c in r.changes
                    ],
                }
                for r in self.resources
            ],
            "policy": None if self.policy is None else {"new": self.policy.new, "fixed": self.policy.fixed},
            "cost": self.cost,
        }


# --- values -------------------------------------------------------------------------------------------------------


def mask(value: Any) -> Any:
    """Secrets become ``[secret]`` (every envelope form), unknowns ``[unknown]``, recursively."""
    if isinstance(value, dict):
        if SECRET_SIG_KEY in value:
            return SECRET
        return {k: mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    if isinstance(value, str) and value in UNKNOWN_SENTINELS:
        return UNKNOWN
    return value


def _json_document(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return None
    return None


class _Absent:
    def __repr__(self) -> str:
        return "(absent)"


ABSENT = _Absent()


def _diff_values(typ: str, path: str, a: Any, b: Any, out: list[Change], replace_path: str) -> None:
    """Changes from ``a`` to ``b`` below ``path``. Lists of equal length compare by index; lists whose length
    changed compare as collections (``path[-]`` removed elements, ``path[+]`` added ones), so one inserted alarm
    does not show every later element as changed."""
    if a == b:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            _diff_values(
                typ,
                f"{path}.{k}" if path else str(k),
                a.get(k, ABSENT),
                b.get(k, ABSENT),
                out,
                f"{replace_path}.{k}" if replace_path else str(k),
            )
        return
    if isinstance(a, list) and isinstance(b, list):
        if len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b)):
                _diff_values(typ, f"{path}[{i}]", x, y, out, f"{replace_path}[{i}]")
            return
        for x in a:
            if x not in b:
                out.append(Change(f"{path}[-]", x, ABSENT, _replaces(typ, replace_path)))
        for y in b:
            if y not in a:
                out.append(Change(f"{path}[+]", ABSENT, y, _replaces(typ, replace_path)))
        return
    out.append(Change(path, a, b, _replaces(typ, replace_path)))


def _generic(path: str) -> str:
    """``replicationSpecs[2].regionConfigs[0].providerName`` -> ``replicationSpecs[].regionConfigs[].providerName``."""
    out, depth = [], 0
    for ch in path:
        if ch == "[":
            depth += 1
            out.append("[")
        elif ch == "]":
            depth -= 1
            out.append("]")
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _replaces(typ: str, path: str) -> bool:
    props = REPLACEMENT_PROPERTIES.get(typ, ())
    generic = _generic(path)
    return any(generic == p or generic.startswith(p + ".") or generic.startswith(p + "[") for p in props)


def input_changes(typ: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every changed input, JSON documents compared inside (path ``policy{Statement[0].Action}``)."""
    old, new = mask(old or {}), mask(new or {})
    changes: list[Change] = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, ABSENT), new.get(key, ABSENT)
        if a == b:
            continue
        da, db = _json_document(a), _json_document(b)
        if da is not None and db is not None:
            inner: list[Change] = []
            _diff_values(typ, "", da, db, inner, key)
            changes += [Change(f"{key}{{{c.path}}}", c.old, c.new, c.replaces) for c in inner]
        else:
            _diff_values(typ, key, a, b, changes, key)
    return changes


# --- resources ---------------------------------------------------------------------------------------------------


def _resources(doc: dict[str, Any], where: str) -> dict[str, dict[str, Any]]:

    try:
        resources = validate_export(doc, where)
    except BadInput as e:
        raise DiffError(str(e)) from None
    return {r["urn"]: r for r in resources}


def _component_of(urn: str, by_urn: dict[str, dict[str, Any]]) -> str:
    """The nearest component (non-custom ancestor below the stack) that owns a resource."""
    seen = set()
    parent = by_urn.get(urn, {}).get("parent")
    while parent and parent not in seen:
        seen.add(parent)
        entry = by_urn.get(parent)
        if entry is None or entry.get("type") in _NOT_RESOURCES:
            break
        if not entry.get("custom", True):
            return f"{entry['type']} {parent.rsplit('::', 1)[-1]}"
        parent = entry.get("parent")
    return "(stack)"


def diff_exports(
    base: dict[str, Any], head: dict[str, Any], stack: str | None = None, policy: bool = True
) -> StackDiff:
    b, h = _resources(base, "base"), _resources(head, "head")
    diffs: list[ResourceDiff] = []

    def entry(urn: str, r: dict[str, Any], kind: str, index: dict[str, dict[str, Any]]) -> ResourceDiff:
        return ResourceDiff(
            urn=urn, type=r["type"], name=urn.rsplit("::", 1)[-1], component=_component_of(urn, index), kind=kind
        )

    def counted(r: dict[str, Any]) -> bool:
        return r["type"] not in _NOT_RESOURCES and not r["type"].startswith("pulumi:providers:")

    for urn in sorted(set(h) - set(b)):
        if counted(h[urn]):
            diffs.append(entry(urn, h[urn], "added", h))
    for urn in sorted(set(b) - set(h)):
        if counted(b[urn]):
            diffs.append(entry(urn, b[urn], "removed", b))
    for urn in sorted(set(b) & set(h)):
        if not counted(h[urn]):
            continue
        changes = input_changes(h[urn]["type"], b[urn].get("inputs") or {}, h[urn].get("inputs") or {})
        if changes:
            d = entry(urn, h[urn], "changed", h)
            d.changes = changes
            diffs.append(d)
    delta = _policy_delta(base, head, stack) if policy else None
    return StackDiff(
        stack=stack,
        resources=diffs,
        policy=delta,
        base_count=sum(1 for r in b.values() if counted(r)),
        head_count=sum(1 for r in h.values() if counted(r)),
        cost=_cost_delta(base, head, stack) if policy else None,
    )


def _cost_delta(base: dict[str, Any], head: dict[str, Any], stack: str | None) -> dict[str, Any]:
    """The monthly cost of both sides at the same prices and usage (the stack's usage file when it is ours)."""
    from ecomart.costs import pricing_inputs
    from pricing import PriceError, estimate, resources_of_export
    from pricing.render import delta

    region, usage = pricing_inputs(stack, head)
    try:
        before = estimate(resources_of_export(base), region, usage, stack=stack)
        after = estimate(resources_of_export(head), region, usage, stack=stack)
    except PriceError as e:
        raise DiffError(str(e)) from None
    out = delta(before, after)
    out["region"], out["usageFile"] = region, usage.source
    return out


def _policy_delta(base: dict[str, Any], head: dict[str, Any], stack: str | None) -> PolicyDelta:

    try:
        rb, rh = check_export(base, stack=stack), check_export(head, stack=stack)
    except BadInput as e:
        raise DiffError(str(e)) from None

    def key(v: Any) -> tuple[str, str, str]:
        return (v.policy, v.urn, v.message)

    old, new = {key(v): v for v in rb.violations}, {key(v): v for v in rh.violations}
    return PolicyDelta(
        new=[new[k].as_dict() for k in sorted(set(new) - set(old))],
        fixed=[old[k].as_dict() for k in sorted(set(old) - set(new))],
    )


# --- rendering ---------------------------------------------------------------------------------------------------


def _show(value: Any, limit: int = 80) -> str:
    text = "(absent)" if value is ABSENT else value if isinstance(value, str) else json.dumps(value)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _show_pair(old: Any, new: Any, limit: int = 80) -> tuple[str, str]:
    """Both sides; two long strings are cut to where they first differ, so the change is visible."""
    if isinstance(old, str) and isinstance(new, str) and max(len(old), len(new)) > limit:
        common = 0
        while common < min(len(old), len(new)) and old[common] == new[common]:
            common += 1
        start = max(0, common - 20)

        def cut(t: str) -> str:
            return ("…" if start else "") + t[start:]

        return _show(cut(old), limit), _show(cut(new), limit)
    return _show(old, limit), _show(new, limit)


MARKER = "<!-- ecomart-diff -->"
MAX_CHANGES_SHOWN = 20  # per resource in markdown: a PR comment stays readable (GitHub caps comments at 65,536)


def render_markdown(diffs: list[StackDiff], title: str = "Infrastructure diff (offline preview)") -> str:
    out = [MARKER, f"## {title}", ""]
    costed = [d for d in diffs if d.cost is not None]
    if costed:
        total_b = sum(d.cost["before"] for d in costed if d.cost)
        total_a = sum(d.cost["after"] for d in costed if d.cost)
        out += [f"**Monthly cost: {_usd(total_b)} → {_usd(total_a)} ({_signed(total_a - total_b)})**", ""]
    out += [
        "| stack | added | removed | changed | likely replacements | data stores at risk | policy: new "
        "mandatory / advisory | fixed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for d in diffs:
        p = d.policy
        out.append(
            f"| {d.stack or '?'} | {len(d.of_kind('added'))} | {len(d.of_kind('removed'))} | "
            f"{len(d.of_kind('changed'))} | {sum(r.likely_replacement for r in d.resources)} | "
            f"{sum(r.data_loss for r in d.resources)} | "
            f"{(str(p.count('new', 'mandatory')) + ' / ' + str(p.count('new', 'advisory'))) if p else 'n/a'} | "
            f"{len(p.fixed) if p else 'n/a'} |"
        )
    out.append("")
    for d in diffs:
        out += _stack_markdown(d)
    return "\n".join(out).rstrip() + "\n"


def _usd(x: float) -> str:
    return f"${x:,.2f}"


def _signed(x: float) -> str:
    return ("+" if x > 0 else "-" if x < 0 else "±") + _usd(abs(x))


def _cost_markdown(cost: dict[str, Any]) -> list[str]:
    out = [
        f"**Monthly cost** {_usd(cost['before'])} → {_usd(cost['after'])} (**{_signed(cost['delta'])}**; prices "
        f"{cost['region']}, usage {cost['usageFile']})",
        "",
    ]
    changed = {c: v for c, v in cost["components"].items() if round(v["delta"], 2)}
    if changed:
        out += ["| component | before | after | delta |", "|---|---:|---:|---:|"]
        out += [
            f"| {c} | {_usd(v['before'])} | {_usd(v['after'])} | {_signed(v['delta'])} |" for c, v in changed.items()
        ]
        out.append("")
    if cost["resources"]:
        out += ["<details><summary>Cost per resource</summary>", "", "| resource | before | after | delta |"]
        out.append("|---|---:|---:|---:|")
        out += [
            f"| {_show(r['resource'], 40)} | {_usd(r['before'])} | {_usd(r['after'])} | {_signed(r['delta'])} |"
            for r in cost["resources"]
        ]
        out += ["", "</details>", ""]
    return out


def _stack_markdown(d: StackDiff) -> list[str]:
    out = [f"### Stack `{d.stack or '?'}`", ""]
    if d.cost is not None:
        out += _cost_markdown(d.cost)
    if not d.resources and (d.policy is None or not (d.policy.new or d.policy.fixed)):
        return out + ["No changes.", ""]
    risky = [r for r in d.resources if r.data_loss or r.likely_replacement]
    if risky:
        out += ["> [!WARNING]", "> **Likely replacement or deletion of data stores** (data loss unless restored):"]
        for r in risky:
            why = (
                "removed"
                if r.kind == "removed"
                else "replaced: "
                + ", ".join(f"`{c.path}` {_show(c.old, 40)} → {_show(c.new, 40)}" for c in r.changes if c.replaces)
            )
            out.append(f"> - `{r.type}` **{r.name}** — {why}")
        out.append("")
    if d.policy is not None and (d.policy.new or d.policy.fixed):
        out += ["**Policy delta**", "", "| | enforcement | policy | resource | message |", "|---|---|---|---|---|"]
        for label, items in (("new", d.policy.new), ("fixed", d.policy.fixed)):
            for v in sorted(items, key=lambda v: (v["enforcement"] != "mandatory", v["policy"])):
                mark = ("❌ new" if v["enforcement"] == "mandatory" else "⚠️ new") if label == "new" else "✅ fixed"
                out.append(
                    f"| {mark} | {v['enforcement']} | `{v['policy']}` | {_show(v['urn'].rsplit('::', 1)[-1], 40)}"
                    f" | {_show(v['message'], 120)} |"
                )
        out.append("")
    by_component: dict[str, list[ResourceDiff]] = {}
    for r in d.resources:
        by_component.setdefault(r.component, []).append(r)
    for component in sorted(by_component):
        items = by_component[component]
        counts = ", ".join(
            f"{n} {k}" for k in ("added", "removed", "changed") if (n := sum(1 for r in items if r.kind == k))
        )
        out += [f"<details><summary><b>{component}</b>: {counts}</summary>", ""]
        for r in items:
            flag = " ⚠️ likely replacement" if r.likely_replacement else ""
            out.append(f"- **{r.kind}** `{r.type}` {r.name}{flag}")
            for c in r.changes[:MAX_CHANGES_SHOWN]:
                old, new = _show_pair(c.old, c.new)
                out.append(f"  - `{c.path}`: {old} → {new}" + (" (forces replacement)" if c.replaces else ""))
            if len(r.changes) > MAX_CHANGES_SHOWN:
                out.append(f"  - … and {len(r.changes) - MAX_CHANGES_SHOWN} more (`--format json` lists all)")
        out += ["", "</details>", ""]
    return out


def render_json(diffs: list[StackDiff]) -> str:
    return json.dumps({"stacks": [d.as_dict() for d in diffs]}, indent=2) + "\n"
