"""What a check found and how it is shown: the result model (``Violation``, ``Result``) and its renderers (table,
JSON, markdown, SARIF). The engine (``policies.engine.checker``) fills a ``Result``; the ``ecomart check`` command
and the PR report render it."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policies.engine.core import PolicyMeta
from policies.engine.meta import CONTROLS, FRAMEWORKS, SEVERITIES
from policies.engine.registry import PACK_NAME

FORMATS = ("table", "json", "markdown", "sarif")
ROOT = Path(__file__).resolve().parents[2]
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SECURITY_SEVERITY = {"low": "3.0", "medium": "5.5", "high": "8.0", "critical": "9.5"}


@dataclass
class Violation:
    policy: str
    severity: str
    enforcement: str
    urn: str
    resource_type: str
    message: str
    waiver: Any | None = None  # the policies.engine.waivers.Waiver that covers it
    known: bool = False  # in the baseline the check was given (--baseline): reported, not counted

    @property
    def counted(self) -> bool:
        """Counts toward the verdict: neither waived nor in the baseline."""
        return self.waiver is None and not self.known

    def fingerprint(self) -> str:
        """What a baseline remembers a finding by: policy, resource and message (the message names the offending
        value, so a finding that changes its value is new)."""
        return hashlib.sha256(f"{self.policy}|{self.urn}|{self.message}".encode()).hexdigest()

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "policy": self.policy,
            "severity": self.severity,
            "enforcement": self.enforcement,
            "urn": self.urn,
            "resource_type": self.resource_type,
            "message": self.message,
        }
        if self.known:
            d["baseline"] = True
        if self.waiver is not None:
            d["waived"] = {
                "entry": self.waiver.index,
                "reason": self.waiver.reason,
                "approver": self.waiver.approver,
                "expires": self.waiver.expires.isoformat(),
            }
        return d


@dataclass
class Result:
    stack: str | None
    config_path: Path
    resource_count: int
    evaluated: list[PolicyMeta]
    disabled: list[str]
    violations: list[Violation] = field(default_factory=list)
    levels: dict[str, str] = field(default_factory=dict)
    not_evaluable: list[tuple[str, str]] = field(default_factory=list)  # (policy, urn) stopped by an unknown
    seconds: float = 0.0
    present_types: frozenset = frozenset()  # resource types the export holds
    # (type, name, plugin) of components a provider plugin builds (awsx, eks...): an offline preview cannot run the
    # plugin, so no policy saw their children. Never a silent pass: the result is INCOMPLETE and exits 1.
    not_previewed: list[tuple[str, str, str]] = field(default_factory=list)
    # What breaks the build (--fail-on SEVERITY / --soft-fail): by default any counted mandatory finding.
    fail_on: str | None = None
    soft_fail: bool = False
    baseline_applied: bool = False

    def status(self, policy_id: str) -> str:
        """``fail`` (a finding, mandatory or advisory), ``not-applicable`` (no resource of the types the policy
        reads, so it judged nothing), else ``pass``."""
        mine = [v for v in self.violations if v.policy == policy_id]
        if mine:
            return "waived" if all(v.waiver is not None for v in mine) else "fail"
        meta = next(m for m in self.evaluated if m.id == policy_id)
        if not set(meta.resource_types) & self.present_types:
            return "not-applicable"
        return "pass"

    @property
    def not_applicable_ids(self) -> list[str]:
        return [m.id for m in self.evaluated if self.status(m.id) == "not-applicable"]

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.enforcement == "mandatory" and v.counted]

    @property
    def advisory(self) -> list[Violation]:
        return [v for v in self.violations if v.enforcement != "mandatory" and v.counted]

    @property
    def baselined(self) -> list[Violation]:
        return [v for v in self.violations if v.known and v.waiver is None]

    def apply_baseline(self, fingerprints: set[str]) -> None:
        """Mark the findings a baseline already holds: still reported, no longer counted or failing."""
        self.baseline_applied = True
        for v in self.violations:
            v.known = v.fingerprint() in fingerprints

    @property
    def failing(self) -> list[Violation]:
        """The counted mandatory findings at or above ``fail_on`` (all of them without it)."""
        floor = SEVERITIES.index(self.fail_on) if self.fail_on else 0
        return [v for v in self.mandatory if SEVERITIES.index(v.severity) >= floor]

    @property
    def waived(self) -> list[Violation]:
        return [v for v in self.violations if v.waiver is not None]

    @property
    def failed_ids(self) -> list[str]:
        return sorted({v.policy for v in self.violations if v.waiver is None})

    @property
    def passed_ids(self) -> list[str]:
        return [m.id for m in self.evaluated if self.status(m.id) == "pass"]

    @property
    def exit_code(self) -> int:
        if self.soft_fail:
            return 0
        return 1 if self.failing or self.not_previewed else 0

    @property
    def verdict(self) -> str:
        return "FAIL" if self.failing else "INCOMPLETE" if self.not_previewed else "PASS"

    def summary(self) -> dict[str, Any]:
        by_severity = {s: sum(1 for v in self.violations if v.severity == s) for s in SEVERITIES}
        return {
            "stack": self.stack,
            "config": _rel(self.config_path),
            "resources": self.resource_count,
            "policies": len(self.evaluated),
            "resource_policies": sum(1 for m in self.evaluated if m.kind == "resource"),
            "stack_policies": sum(1 for m in self.evaluated if m.kind == "stack"),
            "disabled_policies": self.disabled,
            "violations": len(self.violations),
            "mandatory": len(self.mandatory),
            "advisory": len(self.advisory),
            "by_severity": by_severity,
            "passed_policies": self.passed_ids,
            "failed_policies": self.failed_ids,
            "not_applicable_policies": self.not_applicable_ids,
            "waived": len(self.waived),
            "waived_policies": [m.id for m in self.evaluated if self.status(m.id) == "waived"],
            "not_evaluable": len(self.not_evaluable),
            "baselined": len(self.baselined),
            "fail_on": self.fail_on or "any mandatory",
            "soft_fail": self.soft_fail,
            "not_previewed": [
                {"type": t, "name": n, "plugin": plugin, "why": not_previewed_reason(plugin)}
                for t, n, plugin in self.not_previewed
            ],
            "result": self.verdict.lower(),
            "exit_code": self.exit_code,
            "seconds": round(self.seconds, 3),
        }

    def one_line(self) -> str:
        s = self.summary()
        verdict = self.verdict
        return (
            f"{verdict}: stack {self.stack or '(unnamed)'} ({_rel(self.config_path)}): {s['resources']} "
            f"resources, {s['policies']} policies ({s['resource_policies']} resource, {s['stack_policies']} "
            f"stack): {s['mandatory']} mandatory and {s['advisory']} advisory violations"
            + (f" ({s['waived']} more waived)" if s["waived"] else "")
            + (f" ({s['baselined']} more in the baseline)" if s["baselined"] else "")
            + f", {len(s['passed_policies'])} policies passed, {len(s['not_applicable_policies'])} not applicable"
            + (f"; {len(self.not_previewed)} plugin components not previewed" if self.not_previewed else "")
        )


def not_previewed_reason(plugin: str) -> str:
    return f"created by the `{plugin}` plugin: its children cannot be previewed offline, so no policy saw them"


def name_of(urn: str) -> str:
    """A resource's name: the last part of its URN."""
    return urn.rsplit("::", 1)[-1]


def _rel(path: Path) -> str:
    try:
        return os.path.relpath(path, ROOT) if Path(path).is_absolute() else str(path)
    except ValueError:  # pragma: no cover - different drive on Windows
        return str(path)


# --- rendering --------------------------------------------------------------------------------------------------------


def render_json(result: Result) -> str:
    counts: dict[str, int] = {}
    for v in result.violations:
        counts[v.policy] = counts.get(v.policy, 0) + 1
    policies = [
        {
            "id": m.id,
            "status": result.status(m.id),
            "enforcement": result.levels[m.id],
            "severity": m.severity,
            "findings": counts.get(m.id, 0),
        }
        for m in result.evaluated
    ]
    return (
        json.dumps(
            {"violations": [v.as_dict() for v in result.violations], "policies": policies, "summary": result.summary()},
            indent=2,
        )
        + "\n"
    )


def render_table(result: Result) -> str:
    lines: list[str] = []
    if result.violations:
        rows = [("ENFORCEMENT", "SEVERITY", "POLICY", "RESOURCE", "MESSAGE")]
        for v in result.violations:
            resource = name_of(v.urn) if v.urn else "(stack)"
            if v.resource_type:
                resource = f"{v.resource_type.rsplit(':', 1)[-1]} {resource}"
            level = (
                f"waived({v.enforcement})"
                if v.waiver is not None
                else f"baseline({v.enforcement})"
                if v.known
                else v.enforcement
            )
            message = v.message.splitlines()[0] + (
                f"  [waived until {v.waiver.expires.isoformat()} by {v.waiver.approver}: {v.waiver.reason}]"
                if v.waiver
                else ""
            )
            rows.append((level, v.severity, v.policy, resource, message))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for r in rows:
            lines.append("  ".join(c.ljust(widths[i]) for i, c in enumerate(r[:4])) + "  " + r[4])
        lines.append("")
    for t, n, plugin in result.not_previewed:
        lines.append(f"NOT PREVIEWED  {t.rsplit(':', 1)[-1]} {n}  {not_previewed_reason(plugin)}")
    if result.not_previewed:
        lines.append("")
    na = result.not_applicable_ids
    if na:
        lines.append(f"n/a — no resource of these types ({len(na)}): " + ", ".join(na))
    lines.append(result.one_line())
    return "\n".join(lines) + "\n"


def _status(result: Result, policy_id: str) -> str:
    status = result.status(policy_id)
    if status == "not-applicable":
        return "n/a — no resource of these types"
    if status == "waived":
        return "🟦 waived"
    if status == "pass":
        return "✅ pass"
    if any(v.enforcement == "mandatory" for v in result.violations if v.policy == policy_id):
        return "❌ fail"
    return "⚠️ advisory"


def render_markdown(result: Result) -> str:
    s = result.summary()
    out = [
        f"# Compliance report: stack `{result.stack or '(unnamed)'}`",
        "",
        f"Policy pack `{PACK_NAME}`, enforcement from `{s['config']}`, "
        f"{_dt.datetime.now(_dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}.",
        "",
        f"**Result: {result.verdict}**: {s['resources']} resources checked against "
        f"{s['policies']} policies ({s['resource_policies']} resource, {s['stack_policies']} stack); "
        f"{s['mandatory']} mandatory and {s['advisory']} advisory violations; "
        f"{len(s['passed_policies'])} policies passed; {len(s['not_applicable_policies'])} not applicable "
        "(no resource of the types they read).",
        "",
    ]
    if s["disabled_policies"]:
        out += [f"Disabled by the config: {', '.join(s['disabled_policies'])}.", ""]
    if result.not_previewed:
        out += ["**Not previewed** (no policy saw their children):", ""]
        out += [f"- `{t}` `{n}`: {not_previewed_reason(plugin)}" for t, n, plugin in result.not_previewed]
        out.append("")
    counts = {v.policy: 0 for v in result.violations}
    for v in result.violations:
        counts[v.policy] += 1
    for fw in FRAMEWORKS.values():
        controls = [c for c in CONTROLS.values() if c.framework == fw.key]
        section: list[str] = []
        for c in controls:
            metas = [m for m in result.evaluated if c.key in m.controls]
            if not metas:
                continue
            section += [
                f"### {fw.name} {c.ref}: {c.title}",
                "",
                "| Status | Policy | Severity | Enforcement | Findings |",
                "|---|---|---|---|---|",
            ]
            for m in sorted(metas, key=lambda m: (-SEVERITIES.index(m.severity), m.id)):
                section.append(
                    f"| {_status(result, m.id)} | `{m.id}` | {m.severity} | {result.levels[m.id]} | "
                    f"{counts.get(m.id, 0) or '-'} |"
                )
            section.append("")
        if section:
            out += [f"## {fw.name} ({fw.version})", ""] + section
    if result.violations:
        out += ["## Findings", ""]
        for pid in result.failed_ids:
            meta = next(m for m in result.evaluated if m.id == pid)
            out += [f"### `{pid}` ({meta.severity}, {result.levels[pid]})", "", meta.description, ""]
            for v in (v for v in result.violations if v.policy == pid):
                where = f"`{name_of(v.urn)}` ({v.resource_type})" if v.urn else "stack"
                out.append(f"- {where}: {v.message}")
            out += ["", f"Remediation: {meta.remediation}", ""]
    return "\n".join(out).rstrip() + "\n"


def render_sarif(result: Result) -> str:
    metas = result.evaluated
    index = {m.id: i for i, m in enumerate(metas)}
    artifact = (
        f"Pulumi.{result.stack}.yaml" if result.stack and (ROOT / f"Pulumi.{result.stack}.yaml").exists() else None
    )
    rules = []
    for m in metas:
        rules.append(
            {
                "id": m.id,
                "name": "".join(w.capitalize() for w in m.id.split("-")),
                "shortDescription": {"text": m.description},
                "fullDescription": {"text": f"{m.description} Why: {m.why}"},
                "help": {
                    "text": f"Remediation: {m.remediation}",
                    "markdown": f"**Remediation:** {m.remediation}\n\n**Why:** {m.why}",
                },
                "defaultConfiguration": {"level": "error" if result.levels[m.id] == "mandatory" else "warning"},
                "properties": {
                    "tags": [
                        "security" if m.security_related else m.category,
                        *m.frameworks,
                        *(f"{CONTROLS[c].framework_name} {CONTROLS[c].ref}" for c in m.controls),
                    ],
                    "security-severity": SECURITY_SEVERITY[m.severity],
                    "severity": m.severity,
                    "resourceTypes": list(m.resource_types)[:50],
                },
            }
        )
    results = []
    for v in result.violations:
        location: dict[str, Any] = {
            "logicalLocations": [
                {"fullyQualifiedName": v.urn or f"stack:{result.stack}", "kind": "resource" if v.urn else "module"}
            ]
        }
        if artifact:
            location["physicalLocation"] = {"artifactLocation": {"uri": artifact}, "region": {"startLine": 1}}
        results.append(
            {
                "ruleId": v.policy,
                "ruleIndex": index[v.policy],
                "level": "error" if v.enforcement == "mandatory" else "warning",
                "message": {"text": f"{v.message} ({v.resource_type or 'stack'})"},
                "locations": [location],
                "partialFingerprints": {"policyResource/v1": v.fingerprint()},
                **({"baselineState": "unchanged" if v.known else "new"} if result.baseline_applied else {}),
                "properties": {
                    "severity": v.severity,
                    "enforcement": v.enforcement,
                    "urn": v.urn,
                    "resourceType": v.resource_type,
                },
                **(
                    {
                        "suppressions": [
                            {
                                "kind": "external",
                                "status": "accepted",
                                "justification": f"{v.waiver.reason} (approved by {v.waiver.approver}, expires "
                                f"{v.waiver.expires.isoformat()})",
                            }
                        ]
                    }
                    if v.waiver
                    else {}
                ),
            }
        )
    for pid in result.not_applicable_ids:
        results.append(
            {
                "ruleId": pid,
                "ruleIndex": index[pid],
                "kind": "notApplicable",
                "level": "none",
                "message": {"text": "not applicable: no resource of the types this policy reads"},
            }
        )
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ecomart-policy-check",
                        "fullName": f"{PACK_NAME} CrossGuard policy pack (offline checker)",
                        "version": "1.0.0",
                        "informationUri": "https://www.pulumi.com/docs/iac/crossguard/",
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"ecomart-check/{result.stack or 'unnamed'}/"},
                "results": results,
                "properties": {"summary": result.summary()},
            }
        ],
    }
    if result.not_previewed:
        doc["runs"][0]["invocations"] = [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    {"level": "warning", "message": {"text": f"{t} {n}: {not_previewed_reason(plugin)}"}}
                    for t, n, plugin in result.not_previewed
                ],
            }
        ]
    return json.dumps(doc, indent=2) + "\n"


RENDERERS = {"table": render_table, "json": render_json, "markdown": render_markdown, "sarif": render_sarif}
