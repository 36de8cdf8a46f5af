"""The policy catalog in docs/compliance.md, generated from the policies' own metadata (``ecomart docs --write``
rewrites it with every other generated file; ``ecomart docs`` says which are stale).

Only the part between ``BEGIN``/``END`` markers is generated; the hand-written header above it (how to run,
enforcement, dev's advisory findings) is kept as is.
"""

from __future__ import annotations

import json
from collections import Counter

from policies.engine import enforcement
from policies.engine.catalogues import CATALOGUES
from policies.engine.core import PolicyMeta
from policies.engine.meta import CATEGORIES, CONTROLS, FRAMEWORKS, SEVERITIES
from policies.engine.registry import MODULES, metadata

BEGIN = "<!-- BEGIN GENERATED CATALOG: ecomart docs --write -->"
END = "<!-- END GENERATED CATALOG -->"
MAX_TYPES_LISTED = 12


def _levels() -> dict[str, dict]:
    """Each profile's config as generated from platform_rules (what ``ecomart docs --write`` writes to
    policies/config/), so the catalogue never shows a committed file that is about to be regenerated."""
    return {stack: json.loads(enforcement.render(stack)) for stack in ("prod", "dev", "portable")}


def _controls_text(meta: PolicyMeta) -> str:
    return "; ".join(f"{CONTROLS[c].framework_name} {CONTROLS[c].ref}" for c in meta.controls)


def _types_text(meta: PolicyMeta) -> str:
    if len(meta.resource_types) > MAX_TYPES_LISTED:
        return f"every taggable resource type ({len(meta.resource_types)}, `policies/engine/taggable_types.py`)"
    return ", ".join(f"`{t}`" for t in meta.resource_types)


def _reads_text(meta: PolicyMeta) -> str:
    if len(meta.checks) > MAX_TYPES_LISTED:
        paths = sorted({p for ps in meta.checks.values() for p in ps})
        return ", ".join(f"`{p}`" for p in paths)
    parts = []
    for t, paths in meta.checks.items():
        parts.append(f"{t.rsplit(':', 1)[-1]}: " + ", ".join(f"`{p}`" for p in paths))
    return "; ".join(parts)


def _config_text(meta: PolicyMeta, levels: dict[str, dict]) -> str:
    if not meta.config_defaults:
        return ""
    parts = []
    for key, default in meta.config_defaults.items():
        per_stack = ", ".join(
            f"{s} {enforcement.properties_of(meta.id, cfg).get(key, default)}" for s, cfg in levels.items()
        )
        parts.append(f"`{key}` (default {default}; {per_stack})")
    return "; ".join(parts)


def render() -> str:
    metas = metadata()
    levels = _levels()
    resource = [m for m in metas.values() if m.kind == "resource"]
    stack = [m for m in metas.values() if m.kind == "stack"]
    out = [
        BEGIN,
        "",
        "## Policy catalog",
        "",
        f"{len(metas)} policies: {len(resource)} resource policies and {len(stack)} stack policies. "
        "Generated from the policies' metadata (`policies/*.py`); do not edit this section by hand.",
        "",
    ]

    fw_counts = Counter(fw for m in metas.values() for fw in m.frameworks)
    out += ["| Framework | Version | Policies |", "|---|---|---|"]
    for fw in FRAMEWORKS.values():
        out.append(f"| {fw.name} | {fw.version} | {fw_counts.get(fw.name, 0)} |")
    out.append("")
    sev = Counter(m.severity for m in metas.values())
    cat = Counter(m.category for m in metas.values())
    out += [
        "Severity: "
        + ", ".join(f"{s} {sev.get(s, 0)}" for s in reversed(SEVERITIES))
        + ". Category: "
        + ", ".join(f"{c} {cat.get(c, 0)}" for c in CATEGORIES)
        + ".",
        "",
    ]

    out += [
        "### Index",
        "",
        "| Policy | Kind | Severity | Category | prod | dev | portable | Frameworks |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for m in _ordered(metas.values()):
        out.append(
            f"| [`{m.id}`](#{m.id}) | {m.kind}{' (house rule)' if m.house_rule else ''} | {m.severity} | "
            f"{m.category} | {enforcement.level_of(m.id, levels['prod'])} | "
            f"{enforcement.level_of(m.id, levels['dev'])} | {enforcement.level_of(m.id, levels['portable'])} | "
            f"{', '.join(m.frameworks)} |"
        )
    out.append("")

    out += coverage(metas)

    catalogue_keys = {cat.key for cat in CATALOGUES}
    out += [
        "### Controls",
        "",
        "Which policies serve each framework control (the catalogues: above).",
        "",
        "| Framework | Control | Policies |",
        "|---|---|---|",
    ]
    for c in CONTROLS.values():
        if c.framework in catalogue_keys:
            continue
        ids = [m.id for m in _ordered(metas.values()) if c.key in m.controls]
        if ids:
            out.append(f"| {c.framework_name} | {c.ref}: {c.title} | {', '.join(f'`{i}`' for i in ids)} |")
    out.append("")

    for service in [m.rstrip("_") for m in MODULES]:
        group = [m for m in _ordered(metas.values()) if m.service == service]
        if not group:
            continue
        out += [f"### {service} (`policies/{_module_file(service)}`)", ""]
        for m in group:
            out += [
                f"#### {m.id}",
                "",
                "| | |",
                "|---|---|",
                f"| Kind | {m.kind} policy"
                + (
                    "; an EcoMart house rule, not a public control (off in the portable profile)"
                    if m.house_rule
                    else "; a framework control"
                )
                + " |",
                f"| Severity | {m.severity} |",
                f"| Category | {m.category}: {CATEGORIES[m.category].title} |",
                f"| Enforcement | prod: {enforcement.level_of(m.id, levels['prod'])}; dev: "
                f"{enforcement.level_of(m.id, levels['dev'])}; portable: "
                f"{enforcement.level_of(m.id, levels['portable'])}; other stacks: as prod |",
                f"| Frameworks and controls | {_controls_text(m)} |",
                f"| Resource types | {_types_text(m)} |",
                f"| Reads | {_reads_text(m)} |",
            ]
            config = _config_text(m, levels)
            if config:
                out.append(f"| Config | {config} |")
            out += [
                "",
                f"**What.** {m.description}",
                "",
                f"**Why.** {m.why}",
                "",
                f"**Remediation.** {m.remediation}",
                "",
            ]
    out.append(END)
    return "\n".join(out) + "\n"


def coverage_counts(metas=None) -> dict[str, Counter]:
    """Per catalogue: how many controls are covered by a policy, and how many are not, by reason."""
    metas = metas or metadata()
    cited = {c for m in metas.values() for c in m.controls}
    return {
        cat.key: Counter(
            "covered" if c.key in cited else c.uncovered[0] if c.uncovered else "uncited" for c in cat.controls
        )
        for cat in CATALOGUES
    }


def coverage(metas) -> list[str]:
    """One table per public catalogue: each control, the policies that implement it or why none does."""
    out = [
        "### Coverage of public catalogues",
        "",
        "Every control of each catalogue for the services of an AWS + Atlas data tier "
        "(`policies/engine/catalogues.py`):"
        " the policies citing it, or why none does — *not expressible* (runtime or account state the declared "
        "inputs do not hold), *not applicable* (another engine or resource kind), *gap* (no policy yet).",
        "",
    ]
    counts = coverage_counts(metas)
    for cat in CATALOGUES:
        n = counts[cat.key]
        out += [
            f"#### {cat.name} ({cat.version})",
            "",
            f"{len(cat.controls)} controls: {n['covered']} covered, {n['gap']} gaps, "
            f"{n['not-expressible']} not expressible, {n['not-applicable']} not applicable. "
            f"Source: {cat.url}",
            "",
            "| Control | Title | Policies, or why none |",
            "|---|---|---|",
        ]
        for c in cat.controls:
            ids = [m.id for m in _ordered(metas.values()) if c.key in m.controls]
            where = (
                ", ".join(f"[`{i}`](#{i})" for i in ids)
                if ids
                else f"*{c.uncovered[0]}*: {c.uncovered[1]}"
                if c.uncovered
                else "**not covered and no reason given**"
            )
            out.append(f"| {c.ref} | {c.title} | {where} |")
        out.append("")
    return out


def _module_file(service: str) -> str:
    return {"lambda": "lambda_.py"}.get(service, f"{service}.py")


def _ordered(metas) -> list[PolicyMeta]:
    module_order = {m.rstrip("_"): i for i, m in enumerate(MODULES)}
    return sorted(metas, key=lambda m: (module_order.get(m.service, 99), -SEVERITIES.index(m.severity), m.id))


def splice(document: str, generated: str) -> str:
    """``document`` with its generated section replaced (appended when it has none yet)."""
    if BEGIN in document and END in document:
        head = document[: document.index(BEGIN)]
        tail = document[document.index(END) + len(END) :].lstrip("\n")
        return head + generated + (("\n" + tail) if tail else "")
    return document.rstrip("\n") + "\n\n" + generated
