"""The offline check: evaluate the policy pack, without the Pulumi engine, on a stack export.

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

import asyncio
import contextlib
import gc
import inspect
import json
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)

from policies.engine import enforcement
from policies.engine import waivers as waiver_mod
from policies.engine.core import OpaqueSecret, PolicyMeta, meta_of
from policies.engine.exports import (
    SECRET_SIG,
    SECRET_SIG_KEY,
    BadInput,
    iter_resources,
    not_an_export,
    validate_entry,
    validate_version,
)
from policies.engine.files import read_text
from policies.engine.meta import SEVERITIES
from policies.engine.registry import all_policies
from policies.engine.results import Result, Violation, name_of
from policies.engine.sdk import NotApplicableError, UnknownValueError
from policies.engine.values import UNKNOWN, UNKNOWN_SENTINELS, PlainDict
from policies.engine.views import SRes, Stack

# --- reading an export ------------------------------------------------------------------------------------------------


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
        out: dict | None = None
        for k, v in value.items():
            d = decode(v)
            if d is not v:
                if out is None:
                    out = dict(value)
                out[k] = d
        return value if out is None else out
    if kind is list or isinstance(value, list):
        items: list | None = None
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


def _stack_of(urn: str) -> str | None:
    """The stack a URN names (``urn:pulumi:<stack>::<project>::...``), None when it names none."""
    return urn.split(":", 3)[2].split("::", 1)[0] or None if urn.count(":") >= 3 else None


def stack_name_of(resources: list[dict[str, Any]]) -> str | None:
    """The stack named by the URNs; BadInput if they disagree."""
    names = {_stack_of(r["urn"]) for r in resources} - {None}
    if len(names) > 1:
        raise _several_stacks(names)
    return next(iter(names), None)


def _several_stacks(names: set) -> BadInput:
    return BadInput(f"resources belong to several stacks ({', '.join(sorted(names))}): pass --stack")


def _options(entry: dict[str, Any]) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=bool(entry.get("protect", False)),
        ignore_changes=[],
        delete_before_replace=None,
        aliases=list(entry.get("aliases") or []),
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=list(entry.get("additionalSecretOutputs") or []),
        parent=entry.get("parent"),
    )


# --- evaluating -------------------------------------------------------------------------------------------------------


def _run(result: Any) -> None:
    if result is not None and inspect.isawaitable(result):
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(result)
        finally:
            loop.close()


def check_export(
    doc: dict[str, Any],
    stack: str | None = None,
    config_file: Path | None = None,
    policies: list[Any] | None = None,
    waivers_file: Path | None = None,
) -> Result:
    """Run the pack over an export document (already validated or not). Waivers: ``waivers_file``, else
    policies/waivers.yaml when present; a waived violation is kept in the result, marked, and not counted."""
    resources = validate_export(doc)
    return _with_waivers(
        lambda w: _check(((r, False) for r in resources), stack, config_file, policies, False, w),
        policies,
        waivers_file,
    )


def check_export_file(
    path: str | Path,
    stack: str | None = None,
    config_file: Path | None = None,
    policies: list[Any] | None = None,
    waivers_file: Path | None = None,
) -> Result:
    """``check_export`` of the export at ``path``, read one resource at a time (policies.engine.exports): what is
    kept of a
    resource after its resource policies ran is what the stack policies see (its outputs over its inputs), so a
    large export is never in memory whole. Same result as ``check_export(read_export(path))``."""
    return _with_waivers(
        lambda w: _check(iter_resources(path), stack, config_file, policies, True, w), policies, waivers_file
    )


def _with_waivers(run, policies: list[Any] | None, waivers_file: Path | None) -> Result:
    ids = [p.name for p in (policies or all_policies())]
    path_w = (
        Path(waivers_file) if waivers_file else (waiver_mod.DEFAULT_PATH if waiver_mod.DEFAULT_PATH.is_file() else None)
    )
    try:
        loaded = waiver_mod.load(path_w, ids) if path_w else []
    except waiver_mod.WaiverError as e:
        raise BadInput(str(e)) from None
    with without_cyclic_gc():
        result = run(loaded)
    for v in result.violations:
        if v.policy != "stack-waivers-current":
            v.waiver = waiver_mod.waiver_for(loaded, v.policy, v.urn)
    return result


def _named_stack(entries: Iterator[tuple[dict[str, Any], bool]]) -> tuple[str | None, Iterator]:
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


def _check(
    entries: Iterator[tuple[dict[str, Any], bool]],
    stack: str | None,
    config_file: Path | None,
    policies: list[Any] | None,
    consume: bool,
    waivers: Sequence[Any] = (),
) -> Result:
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
    result = Result(
        stack=stack,
        config_path=path,
        resource_count=0,
        evaluated=[meta_of(p) for p in active],
        disabled=[p.name for p in policies if levels[p.name] == "disabled"],
        levels=levels,
    )
    by_urn_type: dict[str, str] = {}

    # The resource being checked (empty while the stack policies run): the default target of a report.
    current = [""]

    def reporter(meta: PolicyMeta):
        level = levels[meta.id]

        def report(message: str, urn: str | None = None) -> None:
            target = urn or current[0]
            result.violations.append(
                Violation(
                    meta.id, meta.severity, level, target, by_urn_type.get(target, ""), message or meta.description
                )
            )

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
            result.violations.append(
                Violation(
                    meta.id,
                    meta.severity,
                    "mandatory",
                    current[0],
                    by_urn_type.get(current[0], ""),
                    f"policy raised {type(e).__name__}: {e}",
                )
            )

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
    kept: list[tuple[dict[str, Any], PlainDict, str | None, list[str], dict[str, list[str]]]] = []
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
        # A resource the stack only reads (``Resource.get``, a StackReference: ``external`` in the export) is managed
        # elsewhere and its inputs hold little more than its id: resource policies would report every setting they
        # look for as absent. Stack policies still see it, as a reference target.
        runs = None if entry.get("external") else runs_by_type.get(type_)
        if runs:
            current[0] = urn
            options, name = _options(entry), name_of(urn)
            args_by_config: dict[str, ResourceValidationArgs] = {}
            for p, meta, report, key in runs:
                args = args_by_config.get(key)
                if args is None:
                    args = args_by_config[key] = ResourceValidationArgs(
                        type_, inputs, urn, name, options, None, configs[key], {}
                    )
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
        kept.append((entry, props, (urns.get(parent, parent) if parent else None), deps, pdeps))
    result.resource_count = counted
    result.present_types = frozenset(by_urn_type.values())
    for i, raw_deps, raw_pdeps in unsettled:
        entry, props, parent, _, _ = kept[i]
        kept[i] = (
            entry,
            props,
            (urns.get(parent, parent) if parent else None),
            list(filter(None, map(urns.get, raw_deps))),
            property_deps(raw_pdeps, urns.get),
        )
    del unsettled

    current[0] = ""  # a stack policy's report names its resource, or the stack
    if stack_policies and by_view:
        # The pack's own stack policies read the stack only through its view: build that from the export
        # directly (at 50,000 resources the PolicyResource objects and their conversion were half the check).
        view = Stack(
            [
                SRes(entry["type"], props, entry["urn"], name_of(entry["urn"]), parent, deps, pdeps, owned=True)
                for entry, props, parent, deps, pdeps in kept
                # A resource the stack only reads is not the stack's (no "every VPC has flow logs" for a VPC it
                # looked up): references to it resolve as to anything outside the stack.
                if not entry.get("external")
            ]
        )
        view.waivers = list(waivers)
        del kept
        for p in stack_policies:
            meta = meta_of(p)
            args = view.carried_by(enforcement.properties_of(p.name, config))
            guarded(meta, p.validate, args, reporter(meta))
    elif stack_policies:
        objects: dict[str, PolicyResource] = {}
        for entry, props, *_ in kept:
            objects[entry["urn"]] = PolicyResource(
                entry["type"], props, entry["urn"], name_of(entry["urn"]), _options(entry), None, None, [], {}
            )
        for entry, _, parent, deps, pdeps in kept:
            obj = objects[entry["urn"]]
            obj.parent = objects.get(parent or "")
            obj.dependencies = [objects[u] for u in deps]
            obj.property_dependencies = {k: [objects[u] for u in v] for k, v in pdeps.items()}
        resource_list = list(objects.values())
        # Our policies read the view Stack.of builds once over these objects: give it the waivers checked with.
        Stack.of(StackValidationArgs(resource_list, {}, {})).waivers = list(waivers)
        for p in stack_policies:
            meta = meta_of(p)
            args = StackValidationArgs(resource_list, enforcement.properties_of(p.name, config), {})
            guarded(meta, p.validate, args, reporter(meta))

    order = {s: i for i, s in enumerate(reversed(SEVERITIES))}
    result.violations.sort(key=lambda v: (v.enforcement != "mandatory", order[v.severity], v.policy, v.urn))
    result.seconds = time.perf_counter() - started
    return result
