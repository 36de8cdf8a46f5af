"""A compliance report per framework (``ecomart report --framework KEY``): every control of the framework with its
status in one check run, as a reviewer files it.

Statuses, per control:

- ``fail``: a policy citing the control reported a counted finding;
- ``waived``: every finding of its citing policies is waived (reviewed, expiring);
- ``pass``: a citing policy judged resources of its types and reported nothing;
- ``not-applicable``: its citing policies found no resource of the types they read;
- ``not-checked``: every citing policy is disabled by the profile the check ran with (house rules in portable);
- ``not-expressible`` / ``not-applicable (catalogue)`` / ``gap``: no policy cites it, for the reason the catalogue
  gives (policies/engine/catalogues.py) — a control no policy checks is never shown as passing.
"""

from __future__ import annotations

import json
from typing import Any

from policies.engine.catalogues import catalogue_controls
from policies.engine.meta import CONTROLS, FRAMEWORKS

STATUSES = ("fail", "waived", "pass", "not-applicable", "not-checked", "not-expressible", "catalogue-n/a", "gap")


def report(result: Any, framework: str) -> dict[str, Any]:
    """Every control of ``framework`` with its status and citing policies, and the counts per status."""
    if framework not in FRAMEWORKS:
        raise KeyError(framework)
    catalogue = catalogue_controls()
    metas = {m.id: m for m in result.evaluated}
    disabled = set(result.disabled)
    from policies.engine.registry import metadata

    every = metadata()
    rows = []
    for key, control in CONTROLS.items():
        if control.framework != framework:
            continue
        citing = sorted(pid for pid, m in every.items() if key in m.controls)
        active = [pid for pid in citing if pid in metas]
        if not citing:
            reason = catalogue[key][1].uncovered if key in catalogue else None
            kind, why = reason or ("gap", "no policy cites it")
            status = {"not-expressible": "not-expressible", "not-applicable": "catalogue-n/a"}.get(kind, "gap")
        elif not active:
            status, why = "not-checked", "every citing policy is disabled by " + str(result.config_path.name)
        else:
            states = [result.status(pid) for pid in active]
            status = (
                "fail"
                if "fail" in states
                else "waived"
                if "waived" in states
                else "pass"
                if "pass" in states
                else "not-applicable"
            )
            why = ""
        rows.append(
            {
                "control": key,
                "ref": control.ref,
                "title": control.title,
                "status": status,
                "policies": citing,
                "disabled": sorted(set(citing) & disabled),
                "note": why,
            }
        )
    fw = FRAMEWORKS[framework]
    return {
        "framework": {"key": fw.key, "name": fw.name, "version": fw.version, "url": fw.url},
        "stack": result.stack,
        "config": str(result.config_path),
        "counts": {s: sum(1 for r in rows if r["status"] == s) for s in STATUSES},
        "controls": rows,
    }


def render_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2) + "\n"


_SHOWN = {
    "fail": "❌ fail",
    "waived": "🟦 waived",
    "pass": "✅ pass",
    "not-applicable": "n/a (no resource of its types)",
    "not-checked": "not checked (disabled)",
    "not-expressible": "not expressible",
    "catalogue-n/a": "n/a (catalogue)",
    "gap": "gap",
}


def render_markdown(doc: dict[str, Any]) -> str:
    fw, counts = doc["framework"], doc["counts"]
    out = [
        f"# {fw['name']} ({fw['version']}): stack `{doc['stack'] or '(unnamed)'}`",
        "",
        f"Profile `{doc['config']}`. Source: {fw['url']}",
        "",
        ", ".join(f"{n} {_SHOWN[s]}" for s, n in counts.items() if n) + ".",
        "",
        "| Control | Title | Status | Policies | Note |",
        "|---|---|---|---|---|",
    ]
    for r in doc["controls"]:
        policies = ", ".join(f"`{p}`" for p in r["policies"]) or "-"
        out.append(f"| {r['ref']} | {r['title']} | {_SHOWN[r['status']]} | {policies} | {r['note'] or ''} |")
    return "\n".join(out) + "\n"
