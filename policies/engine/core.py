"""Declaring a policy with its metadata, the one way every policy of the pack is registered.

Each policy carries an id, severity, category, the framework controls it serves, whether it is a house rule, the
resource types and the properties it reads, and remediation text. ``docs/compliance.md``, the enforcement config
files, the SARIF rules and the tests are all generated from / checked against this one record (``PolicyMeta``).
The registration wrappers unwrap the engine's proxies (``plain``), merge the policy's config defaults, and leave
out findings a waiver covers (policies/engine/waivers.py).

The shared machinery is split by concern, and re-exported here for the policy modules:
``values`` (unknown and secret values, the judging helpers), ``documents`` (IAM-style policy documents),
``networks`` (CIDRs and ports), ``views`` (``Res``, ``SRes``, ``Stack``), ``sdk`` (pulumi-policy's private API).
Policies import nothing but the standard library and ``pulumi_policy``: the pack must run in the small virtualenv
the Pulumi CLI builds from ``policies/requirements.txt``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies.engine.cidrs import OPEN_CIDRS, is_open_cidr, is_public_cidr, port_range_covers  # noqa: F401
from policies.engine.documents import (  # noqa: F401
    PolicyDocumentError,
    admin_statements,
    denies_insecure_transport,
    document_statements,
    policy_statements,
    principal_is_wildcard,
    public_allow_statements,
    report_public_statements,
)
from policies.engine.meta import CATEGORIES, CONTROLS, SEVERITIES, Control
from policies.engine.sdk import UnknownValueError
from policies.engine.values import (  # noqa: F401
    UNKNOWN,
    UNKNOWN_SENTINELS,
    OpaqueSecret,
    absent,
    any_unknown,
    as_list,
    contains_unknown,
    holds_literal_secret,
    is_false,
    is_set,
    is_true,
    known,
    lookup,
    not_true,
    num,
    plain,
    show,
    walk_strings,
)
from policies.engine.views import Report, Res, SRes, Stack, StackReport, identity  # noqa: F401
from policies.engine.waivers import Waiver, waiver_for

# --- declaring policies -----------------------------------------------------------------------------------------------

ChecksSpec = Sequence[str] | Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class PolicyMeta:
    """Everything a reviewer, the docs, the enforcement rules and the tests need to know about one policy."""

    id: str
    kind: str  # "resource" | "stack"
    service: str  # module the policy lives in (rds, elasticache, ..., stack)
    severity: str  # low | medium | high | critical
    category: str  # see meta.CATEGORIES
    controls: tuple[str, ...]  # keys of meta.CONTROLS
    resource_types: tuple[str, ...]
    description: str
    why: str
    remediation: str
    checks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # type -> property paths it reads
    config_defaults: Mapping[str, Any] = field(default_factory=dict)
    house_rule: bool = False
    """An EcoMart house rule (a convention of this repository's stacks), not a public control: the portable
    profile disables it (policies/config/portable.json)."""
    defaults: Mapping[str, Any] = field(default_factory=dict)
    """Property path -> the value the provider or service uses when it is unset; ``Res.get`` returns it, so the
    policy judges an unset property as the service will run it (policies/engine/facts.py)."""
    unset: Mapping[str, str] = field(default_factory=dict)
    """Property path -> why leaving it unset is compliant (required by the provider, nothing opened, ...)."""
    secret_is_set: tuple[str, ...] = ()
    """Properties whose presence is the finding: a secret value there is still reported."""

    @property
    def control_objects(self) -> list[Control]:
        return [CONTROLS[c] for c in self.controls]

    @property
    def frameworks(self) -> list[str]:
        seen: list[str] = []
        for c in self.control_objects:
            if c.framework_name not in seen:
                seen.append(c.framework_name)
        return seen

    @property
    def cost_driven(self) -> bool:
        return self.category == "cost"

    @property
    def security_related(self) -> bool:
        return CATEGORIES[self.category].security


_REGISTRY: list[Any] = []
_META: dict[str, PolicyMeta] = {}


def meta_of(policy: Any) -> PolicyMeta:
    return _META[policy.name]


def registered() -> list[Any]:
    return list(_REGISTRY)


def _framework_field(controls: Sequence[str]) -> PolicyComplianceFramework:
    """pulumi-policy takes one framework per policy: the first control's, with every control in ``specification``."""
    first = CONTROLS[controls[0]]
    return PolicyComplianceFramework(
        name=first.framework_name,
        version=first.framework_version,
        reference=first.ref,
        specification="; ".join(f"{CONTROLS[c].framework_name} {CONTROLS[c].ref}" for c in controls),
    )


def _config_schema(defaults: Mapping[str, Any], descriptions: Mapping[str, str]) -> PolicyConfigSchema | None:
    if not defaults:
        return None
    props = {}
    for key, value in defaults.items():
        if isinstance(value, (list, tuple)):
            props[key] = {
                "type": "array",
                "items": {"type": "string"},
                "default": list(value),
                "description": descriptions.get(key, key),
            }
            continue
        kind = (
            "integer"
            if isinstance(value, int) and not isinstance(value, bool)
            else "number"
            if isinstance(value, float)
            else "boolean"
            if isinstance(value, bool)
            else "string"
        )
        props[key] = {"type": kind, "default": value, "description": descriptions.get(key, key)}
    return PolicyConfigSchema(properties=props)


def _validate_metadata(meta: PolicyMeta) -> None:
    if meta.id in _META:
        raise ValueError(f"policy id {meta.id!r} declared twice")
    if meta.severity not in SEVERITIES:
        raise ValueError(f"{meta.id}: severity {meta.severity!r} not in {SEVERITIES}")
    if meta.category not in CATEGORIES:
        raise ValueError(f"{meta.id}: category {meta.category!r} not in {sorted(CATEGORIES)}")
    unknown = [c for c in meta.controls if c not in CONTROLS]
    if not meta.controls or unknown:
        raise ValueError(f"{meta.id}: controls {unknown or '(none)'} not in policies.engine.meta.CONTROLS")


def _validate_facts(meta: PolicyMeta) -> None:
    """Facts may only be about properties the policy checks (a typo would otherwise silently state nothing)."""
    checked = {p for paths in meta.checks.values() for p in paths}

    def stray(paths: Any) -> list[str]:
        def base(p: str) -> str:
            return ".".join(part for part in p.replace("[]", "").split(".") if not part.isdigit())

        known_paths = {base(c) for c in checked}
        return [
            p for p in paths if base(p) not in known_paths and not any(base(p).startswith(k + ".") for k in known_paths)
        ]

    bad = stray(meta.defaults) + stray(meta.unset) + stray(meta.secret_is_set)
    if bad:
        raise ValueError(f"{meta.id}: defaults/unset/secret_is_set name properties it does not check: {bad}")


def _tags_for(meta: PolicyMeta) -> list[str]:
    return [meta.service, meta.category, *meta.controls]


def _normalise_checks(types: Sequence[str], checks: ChecksSpec) -> dict[str, tuple[str, ...]]:
    if isinstance(checks, Mapping):
        stray = [t for t in checks if t not in types]
        if stray or not checks:
            raise ValueError(f"checks name types the policy does not read: {stray}")
        return {t: tuple(checks[t]) for t in types if t in checks}
    return {t: tuple(checks) for t in types}


def _register(
    policy_class: type,
    meta: PolicyMeta,
    validate: Callable,
    fn: Callable,
    config_descriptions: Mapping[str, str] | None,
) -> Any:
    """Build the pulumi-policy object from the metadata (the one place both kinds map it) and register it."""
    policy = policy_class(
        name=meta.id,
        description=meta.description,
        validate=validate,
        severity=Severity(meta.severity),
        framework=_framework_field(meta.controls),
        tags=_tags_for(meta),
        remediation_steps=meta.remediation,
        config_schema=_config_schema(meta.config_defaults, config_descriptions or {}),
    )
    policy.__doc__ = fn.__doc__
    _META[meta.id] = meta
    _REGISTRY.append(policy)
    return policy


def resource_policy(
    id: str,
    *,
    types: Sequence[str],
    severity: str,
    category: str,
    controls: Sequence[str],
    description: str,
    why: str,
    remediation: str,
    checks: ChecksSpec,
    house_rule: bool = False,
    defaults: Mapping[str, Any] | None = None,
    unset: Mapping[str, str] | None = None,
    secret_is_set: Sequence[str] = (),
    config: Mapping[str, Any] | None = None,
    config_descriptions: Mapping[str, str] | None = None,
) -> Callable[[Callable[[Res, Report], None]], ResourceValidationPolicy]:
    """Declare a resource policy. The decorated function gets a ``Res`` (plain props) and ``report(message)``."""

    def wrap(fn: Callable[[Res, Report], None]) -> ResourceValidationPolicy:
        types_t = tuple(types)
        meta = PolicyMeta(
            id=id,
            kind="resource",
            service=fn.__module__.rsplit(".", 1)[-1].rstrip("_"),
            severity=severity,
            category=category,
            controls=tuple(controls),
            resource_types=types_t,
            description=description,
            why=why,
            remediation=remediation,
            checks=_normalise_checks(types_t, checks),
            config_defaults=dict(config or {}),
            house_rule=house_rule,
            defaults=dict(defaults or {}),
            unset=dict(unset or {}),
            secret_is_set=tuple(secret_is_set),
        )
        _validate_metadata(meta)
        _validate_facts(meta)
        type_set = frozenset(types_t)
        provider_defaults = meta.defaults or None
        # (config given, the defaults under it), swapped whole: the checker gives one config object per policy.
        last: list[tuple[Any, dict]] = [(object(), {})]

        def validate(args: ResourceValidationArgs, report_violation: Callable[[str, str | None], None]) -> None:
            if args.resource_type not in type_set:
                return
            given, seen = args.get_config(), last[0]
            if seen[0] is not given:
                seen = last[0] = (given, {**meta.config_defaults, **(given or {})})
            try:
                res = Res(args.resource_type, plain(args.props), args.urn, args.name, seen[1], provider_defaults)
            except UnknownValueError:  # pragma: no cover - plain() reads the proxies' targets directly
                return
            fn(res, lambda message: report_violation(message, None))

        return _register(ResourceValidationPolicy, meta, validate, fn, config_descriptions)

    return wrap


def stack_policy(
    id: str,
    *,
    types: Sequence[str],
    severity: str,
    category: str,
    controls: Sequence[str],
    description: str,
    why: str,
    remediation: str,
    checks: ChecksSpec,
    house_rule: bool = False,
    config: Mapping[str, Any] | None = None,
    config_descriptions: Mapping[str, str] | None = None,
) -> Callable[[Callable[[Stack, StackReport], None]], StackValidationPolicy]:
    """Declare a stack policy. The decorated function gets a ``Stack`` view and ``report(message, urn)``."""

    def wrap(fn: Callable[[Stack, StackReport], None]) -> StackValidationPolicy:
        types_t = tuple(types)
        # grouped by service like the resource policies: a stack policy lives in its service's module
        meta = PolicyMeta(
            id=id,
            kind="stack",
            service=fn.__module__.rsplit(".", 1)[-1].rstrip("_"),
            severity=severity,
            category=category,
            controls=tuple(controls),
            resource_types=types_t,
            description=description,
            why=why,
            remediation=remediation,
            checks=_normalise_checks(types_t, checks),
            config_defaults=dict(config or {}),
            house_rule=house_rule,
        )
        _validate_metadata(meta)

        def validate(args: StackValidationArgs, report_violation: Callable[[str, str | None], None]) -> None:
            stack = Stack.of(args)
            fn(stack.with_config({**meta.config_defaults, **stack.config}), report_violation)

        policy = _register(StackValidationPolicy, meta, validate, fn, config_descriptions)
        policy.reads_stack_view = True  # reads args only through Stack.of: the checker may hand it a built view
        return policy

    return wrap


def suppressing(policy: Any, waivers: Sequence[Waiver]) -> Any:
    """``policy`` as the pack serves it under the Pulumi CLI: a finding a waiver covers is not reported to the engine
    at all (the offline checker runs the policies as registered and marks waived findings in its report instead)."""
    if not waivers:
        return policy
    meta, inner = meta_of(policy), policy.validate

    def validate(args: Any, report_violation: Callable[[str, str | None], None]) -> Any:
        default_urn = getattr(args, "urn", "")

        def report(message: str, urn: str | None = None) -> None:
            if waiver_for(waivers, meta.id, urn or default_urn) is None:
                report_violation(message, urn)

        return inner(args, report)

    served = type(policy)(
        name=policy.name,
        description=policy.description,
        validate=validate,
        enforcement_level=policy.enforcement_level,
        config_schema=policy.config_schema,
        severity=policy.severity,
        framework=policy.framework,
        tags=policy.tags,
        remediation_steps=policy.remediation_steps,
    )
    served.__doc__ = policy.__doc__
    return served


def iter_types(policies: Iterable[Any]) -> set[str]:
    return {t for p in policies for t in meta_of(p).resource_types}
