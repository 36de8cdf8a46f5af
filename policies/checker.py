"""``ecomart check``: evaluate the policy pack offline, without the Pulumi engine, on a stack export.

The very same policy objects ``policies/__main__.py`` hands the Pulumi CLI are called here the way the engine calls
them: each resource policy with a ``ResourceValidationArgs`` per resource (its ``inputs``, behind pulumi-policy's
unknown-checking proxy), each stack policy once with a ``StackValidationArgs`` holding every resource (its
``outputs`` over its ``inputs``, with parent, dependencies and property dependencies resolved to resources), and
each policy's enforcement level and config properties from ``policies/config/<stack>.json`` (prod's for a stack
without one). Secret values in an export (``{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
"ciphertext": ...}``) become ``OpaqueSecret``: set, but never judged; ``plaintext``/``value`` envelopes are unwrapped.

    ecomart check --stack prod                      # synthesize offline (the preview), then check
    ecomart check --export state.json               # a `pulumi stack export` file; stack name from its URNs
    ecomart check --export state.json --stack prod  # ... checked as prod
    ecomart check --stack dev --format markdown|json|sarif|table --output report.md

Exit status: 0 no mandatory violation, 1 at least one, 2 bad input (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import datetime as _dt
import hashlib
import inspect
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

from pulumi_policy import (PolicyCustomTimeouts, PolicyResource, PolicyResourceOptions, ResourceValidationArgs,
                           StackValidationArgs)
from policies.sdk import NotApplicableError, UnknownValueError

from policies import enforcement
from policies.exports import (SECRET_SIG, SECRET_SIG_KEY, BadInput, iter_resources, not_an_export, validate_entry,
                              validate_version)
from policies.files import read_text
from policies.core import OpaqueSecret, PolicyMeta, meta_of
from policies.views import SRes, Stack
from policies.values import UNKNOWN, UNKNOWN_SENTINELS, PlainDict
from policies.meta import CONTROLS, FRAMEWORKS, SEVERITIES
from policies.registry import PACK_NAME, all_policies

FORMATS = ("table", "json", "markdown", "sarif")
ROOT = Path(__file__).resolve().parent.parent
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
    waiver: Optional[Any] = None  # the policies.waivers.Waiver that covers it

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"policy": self.policy, "severity": self.severity, "enforcement": self.enforcement,
                             "urn": self.urn, "resource_type": self.resource_type, "message": self.message}
        if self.waiver is not None:
            d["waived"] = {"entry": self.waiver.index, "reason": self.waiver.reason,
                           "approver": self.waiver.approver, "expires": self.waiver.expires.isoformat()}
        return d


@dataclass
class Result:
    stack: Optional[str]
    config_path: Path
    resource_count: int
    evaluated: list[PolicyMeta]
    disabled: list[str]
    violations: list[Violation] = field(default_factory=list)
    levels: dict[str, str] = field(default_factory=dict)
    not_evaluable: list[tuple[str, str]] = field(default_factory=list)  # (policy, urn) stopped by an unknown
    seconds: float = 0.0
    present_types: frozenset = frozenset()  # resource types the export holds

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
        return [v for v in self.violations if v.enforcement == "mandatory" and v.waiver is None]

    @property
    def advisory(self) -> list[Violation]:
        return [v for v in self.violations if v.enforcement != "mandatory" and v.waiver is None]

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
        return 1 if self.mandatory else 0

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
            "result": "fail" if self.mandatory else "pass",
            "exit_code": self.exit_code,
            "seconds": round(self.seconds, 3),
        }

    def one_line(self) -> str:
        s = self.summary()
        verdict = "FAIL" if s["mandatory"] else "PASS"
        return (f"{verdict}: stack {self.stack or '(unnamed)'} ({_rel(self.config_path)}): {s['resources']} "
                f"resources, {s['policies']} policies ({s['resource_policies']} resource, {s['stack_policies']} "
                f"stack): {s['mandatory']} mandatory and {s['advisory']} advisory violations"
                + (f" ({s['waived']} more waived)" if s["waived"] else "")
                + f", {len(s['passed_policies'])} policies passed, {len(s['not_applicable_policies'])} not applicable")


def _rel(path: Path) -> str:
    try:
        return os.path.relpath(path, ROOT) if Path(path).is_absolute() else str(path)
    except ValueError:  # pragma: no cover - different drive on Windows
        return str(path)


# --- reading an export -------------------------------------------------------------------------------------------------

def decode(value: Any) -> Any:
    """Export values as a policy would see them (what ``values.plain`` makes of the engine's): secret envelopes
    unwrapped (or opaque), unknown sentinels ``UNKNOWN``, the rest unchanged — in one walk. Copy on write: a dict
    or list with nothing to decode inside is returned itself, so a clean export is not duplicated in memory."""
    kind = type(value)
    if kind is dict or isinstance(value, dict):
        if value.get(SECRET_SIG_KEY) == SECRET_SIG:
            if "plaintext" in value:
                text = value["plaintext"]
                try:
                    return decode(json.loads(text)) if isinstance(text, str) else decode(text)
                except json.JSONDecodeError:
                    return text
            if "value" in value:
                return decode(value["value"])
            return OpaqueSecret()
        out: Optional[dict] = None
        for k, v in value.items():
            d = decode(v)
            if d is not v:
                if out is None:
                    out = dict(value)
                out[k] = d
        return value if out is None else out
    if kind is list or isinstance(value, list):
        items: Optional[list] = None
        for i, v in enumerate(value):
            d = decode(v)
            if d is not v:
                if items is None:
                    items = list(value)
                items[i] = d
        return value if items is None else items
    if (kind is str or isinstance(value, str)) and value in UNKNOWN_SENTINELS:
        return UNKNOWN
    return value


@contextlib.contextmanager
def without_cyclic_gc() -> Iterator[None]:
    """The cyclic collector off for a block that only builds acyclic objects (parsing an export, checking it): over
    a heap that holds the whole export its repeated rescans were 40 % of a 50,000-resource check. Reference
    counting still frees everything; the collector's prior state is restored."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def read_export(path: str | Path) -> dict[str, Any]:
    """The whole export at ``path``, validated (``check_export_file`` streams it instead)."""
    text = read_text(path, BadInput, "stack export file", "JSON")
    try:
        with without_cyclic_gc():
            doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise BadInput(f"{path}: not JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
    validate_export(doc, str(path))
    return doc


def validate_export(doc: Any, where: str = "export") -> list[dict[str, Any]]:
    """The resources of a `pulumi stack export` document, or BadInput naming what is wrong."""
    if not isinstance(doc, dict):
        raise not_an_export(where)
    if "deployment" not in doc or not isinstance(doc.get("deployment"), dict):
        raise not_an_export(where, "no 'deployment' object")
    validate_version(doc.get("version"), where)
    resources = doc["deployment"].get("resources")
    if resources is None:
        return []
    if not isinstance(resources, list):
        raise BadInput(f"{where}: deployment.resources is not a list")
    for i, r in enumerate(resources):
        validate_entry(r, i, where)
    return resources


def _stack_of(urn: str) -> Optional[str]:
    """The stack a URN names (``urn:pulumi:<stack>::<project>::...``), None when it names none."""
    return urn.split(":", 3)[2].split("::", 1)[0] or None if urn.count(":") >= 3 else None


def stack_name_of(resources: list[dict[str, Any]]) -> Optional[str]:
    """The stack named by the URNs; BadInput if they disagree."""
    names = {_stack_of(r["urn"]) for r in resources} - {None}
    if len(names) > 1:
        raise _several_stacks(names)
    return next(iter(names), None)


def _several_stacks(names: set) -> BadInput:
    return BadInput(f"resources belong to several stacks ({', '.join(sorted(names))}): pass --stack")


def _name_of(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _options(entry: dict[str, Any]) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=bool(entry.get("protect", False)), ignore_changes=[], delete_before_replace=None,
        aliases=list(entry.get("aliases") or []), custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=list(entry.get("additionalSecretOutputs") or []), parent=entry.get("parent"))


# --- evaluating ----------------------------------------------------------------------------------------------------------

def _run(result: Any) -> None:
    if result is not None and inspect.isawaitable(result):
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(result)
        finally:
            loop.close()


def check_export(doc: dict[str, Any], stack: Optional[str] = None, config_file: Optional[Path] = None,
                 policies: Optional[list[Any]] = None, waivers_file: Optional[Path] = None) -> Result:
    """Run the pack over an export document (already validated or not). Waivers: ``waivers_file``, else
    policies/waivers.yaml when present; a waived violation is kept in the result, marked, and not counted."""
    resources = validate_export(doc)
    return _with_waivers(lambda: _check(((r, False) for r in resources), stack, config_file, policies, False),
                         policies, waivers_file)


def check_export_file(path: str | Path, stack: Optional[str] = None, config_file: Optional[Path] = None,
                      policies: Optional[list[Any]] = None, waivers_file: Optional[Path] = None) -> Result:
    """``check_export`` of the export at ``path``, read one resource at a time (policies.exports): what is kept of a
    resource after its resource policies ran is what the stack policies see (its outputs over its inputs), so a
    large export is never in memory whole. Same result as ``check_export(read_export(path))``."""
    return _with_waivers(lambda: _check(iter_resources(path), stack, config_file, policies, True), policies,
                         waivers_file)


def _with_waivers(run, policies: Optional[list[Any]], waivers_file: Optional[Path]) -> Result:
    from policies import waivers as waiver_mod

    ids = [p.name for p in (policies or all_policies())]
    path_w = Path(waivers_file) if waivers_file else (waiver_mod.DEFAULT_PATH if waiver_mod.DEFAULT_PATH.is_file()
                                                        else None)
    try:
        loaded = waiver_mod.load(path_w, ids) if path_w else []
    except waiver_mod.WaiverError as e:
        raise BadInput(str(e)) from None
    previous_suppress = waiver_mod.SUPPRESS
    waiver_mod.use(loaded)
    waiver_mod.SUPPRESS = False
    try:
        with without_cyclic_gc():
            result = run()
    finally:
        waiver_mod.SUPPRESS = previous_suppress
        waiver_mod.use(None)
    for v in result.violations:
        if v.policy != "stack-waivers-current":
            v.waiver = next((w for w in loaded if not w.expired() and w.matches(v.policy, v.urn)), None)
    return result


def _named_stack(entries: Iterator[tuple[dict[str, Any], bool]]) -> tuple[Optional[str], Iterator]:
    """The stack the URNs name, read from the first entries that name one, and the entries again — checking as
    they pass that every later URN names the same stack."""
    head: list[tuple[dict[str, Any], bool]] = []
    name = None
    for item in entries:
        head.append(item)
        name = _stack_of(item[0]["urn"])
        if name is not None:
            break

    def again() -> Iterator[tuple[dict[str, Any], bool]]:
        yield from head
        for item in entries:
            other = _stack_of(item[0]["urn"])
            if other is not None and other != name:
                raise _several_stacks({name, other})
            yield item
    return name, again()


def _check(entries: Iterator[tuple[dict[str, Any], bool]], stack: Optional[str], config_file: Optional[Path],
           policies: Optional[list[Any]], consume: bool) -> Result:
    """The pack over ``entries`` ((resource, values already plain)). ``consume``: the entries are the checker's
    own (read from a file), so each one's inputs and outputs are dropped once its resource policies ran."""
    started = time.perf_counter()
    if not stack:
        stack, entries = _named_stack(iter(entries))
    path = Path(config_file) if config_file else enforcement.config_path(stack)
    try:
        config = enforcement.load(path)
    except enforcement.PolicyConfigError as e:
        raise BadInput(str(e)) from None
    policies = policies if policies is not None else all_policies()
    levels = {p.name: enforcement.level_of(p.name, config) for p in policies}
    active = [p for p in policies if levels[p.name] != "disabled"]
    result = Result(stack=stack, config_path=path, resource_count=0, evaluated=[meta_of(p) for p in active],
                    disabled=[p.name for p in policies if levels[p.name] == "disabled"], levels=levels)
    by_urn_type: dict[str, str] = {}

    # The resource being checked (empty while the stack policies run): the default target of a report.
    current = [""]

    def reporter(meta: PolicyMeta):
        level = levels[meta.id]

        def report(message: str, urn: Optional[str] = None) -> None:
            target = urn or current[0]
            result.violations.append(Violation(meta.id, meta.severity, level, target, by_urn_type.get(target, ""),
                                               message or meta.description))
        return report

    def guarded(meta: PolicyMeta, validate, args: Any, report) -> None:
        """One policy call: unknown values stop it without a finding; a crash fails closed, as a violation."""
        try:
            _run(validate(args, report))
        except UnknownValueError:
            result.not_evaluable.append((meta.id, current[0]))
        except NotApplicableError:
            pass
        except Exception as e:  # noqa: BLE001 - a crashing policy must fail closed, not pass silently
            result.violations.append(Violation(meta.id, meta.severity, "mandatory", current[0],
                                               by_urn_type.get(current[0], ""),
                                               f"policy raised {type(e).__name__}: {e}"))

    # Resource policies, indexed by the types they read (each also filters on type itself), each with its reporter
    # and its config properties; equal configs are one object, so one ResourceValidationArgs per resource serves
    # every policy that has it (most have none).
    configs: dict[str, dict[str, Any]] = {}
    runs_by_type: dict[str, list[tuple[Any, PolicyMeta, Any, str]]] = {}
    for p in active:
        meta = meta_of(p)
        if meta.kind == "resource":
            properties = enforcement.properties_of(p.name, config)
            key = json.dumps(properties, sort_keys=True, default=repr)
            configs.setdefault(key, properties)
            for t in meta.resource_types:
                runs_by_type.setdefault(t, []).append((p, meta, reporter(meta), key))
    # What stack policies see of each resource, in export order: (entry, outputs over inputs, parent, dependencies,
    # property dependencies). References name resources of the export by their own URN strings; a reference to a
    # resource not read yet is settled after the last one (the engine drops references to resources outside the
    # export). Pulumi writes dependencies before dependents, so that is rare.
    kept: list[tuple[dict[str, Any], PlainDict, Optional[str], list[str], dict[str, list[str]]]] = []
    stack_policies = [p for p in active if meta_of(p).kind == "stack"]
    # The pack's own stack policies read property dependencies only through the view, where an empty list and no
    # entry are the same: empty ones are not kept (three in four of a Pulumi export's entries are empty). Anyone
    # else's stack policies get every key, as the engine hands them over.
    by_view = all(getattr(p, "reads_stack_view", False) for p in stack_policies)

    keep_empty = not by_view

    def property_deps(raw: dict[str, list[str]], known_urn) -> dict[str, list[str]]:
        return {k: list(filter(None, map(known_urn, v))) for k, v in raw.items() if v or keep_empty}
    urns: dict[str, str] = {}
    unsettled: list[tuple[int, Any, Any]] = []
    counted = 0
    for entry, clean in entries:
        urn, type_ = entry["urn"], entry["type"]
        by_urn_type[urn] = type_
        if type_ != "pulumi:pulumi:Stack" and not type_.startswith("pulumi:providers:"):
            counted += 1
        # Plain once per resource and shared by its policies: the engine hands policies proxies that the policies'
        # first step (values.plain) unwraps again; offline the values are made plain directly (issue 13: at 50,000
        # resources the proxies and their second walk were half the check's time), or not at all when the reader
        # saw nothing to decode in the resource's text.
        raw_in, raw_out = entry.get("inputs") or {}, entry.get("outputs") or {}
        inputs = PlainDict(raw_in if clean else decode(raw_in))
        outputs = raw_out if clean else decode(raw_out)
        runs = runs_by_type.get(type_)
        if runs:
            current[0] = urn
            options, name = _options(entry), _name_of(urn)
            args_by_config: dict[str, ResourceValidationArgs] = {}
            for p, meta, report, key in runs:
                args = args_by_config.get(key)
                if args is None:
                    args = args_by_config[key] = ResourceValidationArgs(type_, inputs, urn, name, options, None,
                                                                        configs[key], {})
                guarded(meta, p.validate, args, report)
        props = PlainDict({**inputs, **outputs})
        if entry.get("id") and "id" not in props:
            props["id"] = entry["id"]
        raw_deps, raw_pdeps = entry.get("dependencies") or (), entry.get("propertyDependencies") or {}
        known_urn = urns.get  # URNs are never empty: filter(None, ...) drops exactly the ones not read (yet)
        deps = list(filter(None, map(known_urn, raw_deps)))
        pdeps = property_deps(raw_pdeps, known_urn) if raw_pdeps else {}
        if len(deps) != len(raw_deps) or sum(map(len, pdeps.values())) != sum(map(len, raw_pdeps.values())):
            unsettled.append((len(kept), raw_deps, raw_pdeps))
        if consume:  # the entry is ours: keep no values of it
            for key in ("inputs", "outputs", "dependencies", "propertyDependencies"):
                entry.pop(key, None)
        parent = entry.get("parent") or None
        urns[urn] = urn
        kept.append((entry, props, urns.get(parent, parent), deps, pdeps))
    result.resource_count = counted
    result.present_types = frozenset(by_urn_type.values())
    for i, raw_deps, raw_pdeps in unsettled:
        entry, props, parent, _, _ = kept[i]
        kept[i] = (entry, props, urns.get(parent, parent), list(filter(None, map(urns.get, raw_deps))),
                   property_deps(raw_pdeps, urns.get))
    del unsettled

    current[0] = ""  # a stack policy's report names its resource, or the stack
    if stack_policies and by_view:
        # The pack's own stack policies read the stack only through its view: build that from the export
        # directly (at 50,000 resources the PolicyResource objects and their conversion were half the check).
        view = Stack([SRes(entry["type"], props, entry["urn"], _name_of(entry["urn"]), parent, deps, pdeps,
                           owned=True) for entry, props, parent, deps, pdeps in kept])
        del kept
        for p in stack_policies:
            meta = meta_of(p)
            args = view.carried_by(enforcement.properties_of(p.name, config))
            guarded(meta, p.validate, args, reporter(meta))
    elif stack_policies:
        objects: dict[str, PolicyResource] = {}
        for entry, props, *_ in kept:
            objects[entry["urn"]] = PolicyResource(entry["type"], props, entry["urn"], _name_of(entry["urn"]),
                                                   _options(entry), None, None, [], {})
        for entry, _, parent, deps, pdeps in kept:
            obj = objects[entry["urn"]]
            obj.parent = objects.get(parent or "")
            obj.dependencies = [objects[u] for u in deps]
            obj.property_dependencies = {k: [objects[u] for u in v] for k, v in pdeps.items()}
        resource_list = list(objects.values())
        for p in stack_policies:
            meta = meta_of(p)
            args = StackValidationArgs(resource_list, enforcement.properties_of(p.name, config), {})
            guarded(meta, p.validate, args, reporter(meta))

    order = {s: i for i, s in enumerate(reversed(SEVERITIES))}
    result.violations.sort(key=lambda v: (v.enforcement != "mandatory", order[v.severity], v.policy, v.urn))
    result.seconds = time.perf_counter() - started
    return result


def synthesize_export(stack: str) -> dict[str, Any]:
    """Run the stack program offline (infra.preview) and return its export; BadInput on a bad config."""
    from infra import config as stack_config
    from infra.preview import synthesize

    try:
        return synthesize(stack).export()
    except stack_config.ConfigError as e:
        raise BadInput(f"stack {stack}: " + "; ".join(e.problems)) from None


def synthesize_program_export(directory: str, stack: Optional[str]) -> tuple[dict[str, Any], str]:
    """Preview any Pulumi Python program offline; (export, stack name). BadInput when it cannot run."""
    from infra.preview import ProgramError, synthesize_program

    try:
        synth = synthesize_program(Path(directory), stack)
    except ProgramError as e:
        raise BadInput(str(e)) from None
    return synth.export(), synth.stack


# --- rendering -------------------------------------------------------------------------------------------------------------

def render_json(result: Result) -> str:
    counts: dict[str, int] = {}
    for v in result.violations:
        counts[v.policy] = counts.get(v.policy, 0) + 1
    policies = [{"id": m.id, "status": result.status(m.id), "enforcement": result.levels[m.id],
                 "severity": m.severity, "findings": counts.get(m.id, 0)} for m in result.evaluated]
    return json.dumps({"violations": [v.as_dict() for v in result.violations], "policies": policies,
                       "summary": result.summary()}, indent=2) + "\n"


def render_table(result: Result) -> str:
    lines: list[str] = []
    if result.violations:
        rows = [("ENFORCEMENT", "SEVERITY", "POLICY", "RESOURCE", "MESSAGE")]
        for v in result.violations:
            resource = _name_of(v.urn) if v.urn else "(stack)"
            if v.resource_type:
                resource = f"{v.resource_type.rsplit(':', 1)[-1]} {resource}"
            level = f"waived({v.enforcement})" if v.waiver is not None else v.enforcement
            message = v.message.splitlines()[0] + (f"  [waived until {v.waiver.expires.isoformat()} by "
                                                   f"{v.waiver.approver}: {v.waiver.reason}]" if v.waiver else "")
            rows.append((level, v.severity, v.policy, resource, message))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for r in rows:
            lines.append("  ".join(c.ljust(widths[i]) for i, c in enumerate(r[:4])) + "  " + r[4])
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
    out = [f"# Compliance report: stack `{result.stack or '(unnamed)'}`", "",
           f"Policy pack `{PACK_NAME}`, enforcement from `{s['config']}`, "
           f"{_dt.datetime.now(_dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}.", "",
           f"**Result: {'FAIL' if s['mandatory'] else 'PASS'}**: {s['resources']} resources checked against "
           f"{s['policies']} policies ({s['resource_policies']} resource, {s['stack_policies']} stack); "
           f"{s['mandatory']} mandatory and {s['advisory']} advisory violations; "
           f"{len(s['passed_policies'])} policies passed; {len(s['not_applicable_policies'])} not applicable "
           "(no resource of the types they read).", ""]
    if s["disabled_policies"]:
        out += [f"Disabled by the config: {', '.join(s['disabled_policies'])}.", ""]
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
            section += [f"### {fw.name} {c.ref}: {c.title}", "",
                        "| Status | Policy | Severity | Enforcement | Findings |", "|---|---|---|---|---|"]
            for m in sorted(metas, key=lambda m: (-SEVERITIES.index(m.severity), m.id)):
                section.append(f"| {_status(result, m.id)} | `{m.id}` | {m.severity} | {result.levels[m.id]} | "
                               f"{counts.get(m.id, 0) or '-'} |")
            section.append("")
        if section:
            out += [f"## {fw.name} ({fw.version})", ""] + section
    if result.violations:
        out += ["## Findings", ""]
        for pid in result.failed_ids:
            meta = next(m for m in result.evaluated if m.id == pid)
            out += [f"### `{pid}` ({meta.severity}, {result.levels[pid]})", "", meta.description, ""]
            for v in (v for v in result.violations if v.policy == pid):
                where = f"`{_name_of(v.urn)}` ({v.resource_type})" if v.urn else "stack"
                out.append(f"- {where}: {v.message}")
            out += ["", f"Remediation: {meta.remediation}", ""]
    return "\n".join(out).rstrip() + "\n"


def render_sarif(result: Result) -> str:
    metas = result.evaluated
    index = {m.id: i for i, m in enumerate(metas)}
    artifact = f"Pulumi.{result.stack}.yaml" if result.stack and (ROOT / f"Pulumi.{result.stack}.yaml").exists() \
        else None
    rules = []
    for m in metas:
        rules.append({
            "id": m.id,
            "name": "".join(w.capitalize() for w in m.id.split("-")),
            "shortDescription": {"text": m.description},
            "fullDescription": {"text": f"{m.description} Why: {m.why}"},
            "help": {"text": f"Remediation: {m.remediation}",
                     "markdown": f"**Remediation:** {m.remediation}\n\n**Why:** {m.why}"},
            "defaultConfiguration": {"level": "error" if result.levels[m.id] == "mandatory" else "warning"},
            "properties": {
                "tags": ["security" if m.security_related else m.category, *m.frameworks,
                         *(f"{CONTROLS[c].framework_name} {CONTROLS[c].ref}" for c in m.controls)],
                "security-severity": SECURITY_SEVERITY[m.severity],
                "severity": m.severity,
                "resourceTypes": list(m.resource_types)[:50],
            },
        })
    results = []
    for v in result.violations:
        location: dict[str, Any] = {"logicalLocations": [{"fullyQualifiedName": v.urn or f"stack:{result.stack}",
                                                          "kind": "resource" if v.urn else "module"}]}
        if artifact:
            location["physicalLocation"] = {"artifactLocation": {"uri": artifact},
                                            "region": {"startLine": 1}}
        results.append({
            "ruleId": v.policy,
            "ruleIndex": index[v.policy],
            "level": "error" if v.enforcement == "mandatory" else "warning",
            "message": {"text": f"{v.message} ({v.resource_type or 'stack'})"},
            "locations": [location],
            "partialFingerprints": {"policyResource/v1": hashlib.sha256(
                f"{v.policy}|{v.urn}|{v.message}".encode()).hexdigest()},
            "properties": {"severity": v.severity, "enforcement": v.enforcement, "urn": v.urn,
                           "resourceType": v.resource_type},
            **({"suppressions": [{"kind": "external", "status": "accepted",
                                  "justification": f"{v.waiver.reason} (approved by {v.waiver.approver}, expires "
                                                   f"{v.waiver.expires.isoformat()})"}]} if v.waiver else {}),
        })
    for pid in result.not_applicable_ids:
        results.append({
            "ruleId": pid, "ruleIndex": index[pid], "kind": "notApplicable", "level": "none",
            "message": {"text": "not applicable: no resource of the types this policy reads"},
        })
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "ecomart-policy-check", "fullName": f"{PACK_NAME} CrossGuard policy pack "
                                                                            "(offline checker)",
                                "version": "1.0.0", "informationUri": "https://www.pulumi.com/docs/iac/crossguard/",
                                "rules": rules}},
            "automationDetails": {"id": f"ecomart-check/{result.stack or 'unnamed'}/"},
            "results": results,
            "properties": {"summary": result.summary()},
        }],
    }
    return json.dumps(doc, indent=2) + "\n"


RENDERERS = {"table": render_table, "json": render_json, "markdown": render_markdown, "sarif": render_sarif}


# --- command line ------------------------------------------------------------------------------------------------------

def add_check_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("check", help="check a stack (synthesized offline) or a stack export against the "
                                            "policy pack", description=__doc__.split("\n\n")[0])
    p.add_argument("--stack", help="stack to synthesize offline (with no --export), or the stack whose "
                                   "enforcement applies (default: from the export's URNs; unknown stacks get prod's)")
    p.add_argument("--export", metavar="FILE", help="a `pulumi stack export` file (version 3) to check")
    p.add_argument("--program", metavar="DIR", help="preview the Pulumi Python program in DIR offline and check it "
                                                    "(--stack: its stack, default the only one, else dev)")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--output", metavar="FILE", help="write the report here instead of standard output")
    p.add_argument("--policy-config", metavar="FILE", help="policy-pack config file to use instead of "
                                                           "policies/config/<stack>.json")
    p.add_argument("--waivers", metavar="FILE", help="waiver file (default policies/waivers.yaml when present): "
                                                     "waived findings are reported as waived and not counted")
    p.set_defaults(func=_cli_check)
    return p


def _cli_check(args: argparse.Namespace) -> int:
    try:
        if not args.export and not args.stack and not args.program:
            raise BadInput("give --stack NAME (synthesize offline), --program DIR (any Pulumi Python program) or "
                           "--export FILE (check a stack export)")
        if args.program:
            doc, stack = synthesize_program_export(args.program, args.stack)
        else:
            doc, stack = None if args.export else synthesize_export(args.stack), args.stack
        options = dict(stack=stack, config_file=Path(args.policy_config) if args.policy_config else None,
                       waivers_file=Path(args.waivers) if args.waivers else None)
        result = check_export_file(args.export, **options) if doc is None else check_export(doc, **options)
        text = RENDERERS[args.format](result)
        if args.output:
            out = Path(args.output)
            try:
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(text, encoding="utf-8")
            except OSError as e:
                raise BadInput(f"{args.output}: cannot write ({e.strerror})") from None
            print(f"{result.one_line()} -> {args.output}")
        else:
            sys.stdout.write(text)
        return result.exit_code
    except BadInput as e:
        print(f"ecomart check: {e}", file=sys.stderr)
        return 2


def main_check_after_preview(stack: str, export_path: Optional[Path]) -> int:
    """Run after ``ecomart preview``: check the export it just wrote and print the table and summary."""
    try:
        if export_path is None:
            raise BadInput("the preview wrote no export")
        result = check_export_file(export_path, stack=stack)
    except BadInput as e:
        print(f"ecomart check: {e}", file=sys.stderr)
        return 2
    print("\nCompliance check (policies/, offline):")
    sys.stdout.write(render_table(result))
    return result.exit_code


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m policies.checker")
    sub = parser.add_subparsers(dest="command", required=True)
    add_check_parser(sub)
    args = parser.parse_args(["check", *(argv if argv is not None else sys.argv[1:])])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
