"""The machinery every policy shares: reading property values safely, and declaring a policy with its metadata.

Why this exists instead of writing ``ResourceValidationPolicy(...)`` by hand in each module:

- **Unknown values.** During ``pulumi preview`` the engine hands a policy a proxy that *raises* on any value that is
  not known yet (an ARN of a resource not created yet). The offline checker hands over the same proxy. ``plain``
  turns the proxy into ordinary dicts and lists in which every unknown is the ``UNKNOWN`` marker, so a policy can
  never crash on one, and the helpers below never report a violation for one.
- **Secrets.** The engine unwraps secrets before a policy sees them; an offline stack export only has ciphertext.
  The checker replaces such a value with an ``OpaqueSecret``: it counts as *set* (a secret ``password`` is still a
  password) but its content is never judged.
- **Metadata.** Each policy carries an id, severity, category, the framework controls it serves, the resource types
  and the properties it reads, and remediation text. ``docs/compliance.md``, the enforcement config rules, the SARIF
  rules and the tests are all generated from / checked against this one record (``PolicyMeta``).

Policies here import nothing but the standard library and ``pulumi_policy``: the pack must run in the small virtualenv
the Pulumi CLI builds from ``policies/requirements.txt``.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence, Union

from pulumi_policy import (
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from policies import sdk
from policies.sdk import UnknownValueError

from policies import waivers
from policies.meta import CATEGORIES, CONTROLS, SEVERITIES, Control

# Every sentinel the engine uses for a value not known during preview (pulumi_policy.proxy).
UNKNOWN_SENTINELS = frozenset({
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string (the one the mock engine and stack exports carry)
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
    "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
    "e48ece36-62e2-4504-bad9-02848725956a",  # archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
})


class _Unknown:
    """A value the engine does not know yet. Never a violation; using it as a boolean is a bug (raises)."""

    _instance: Optional["_Unknown"] = None

    def __new__(cls) -> "_Unknown":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown>"

    def __bool__(self) -> bool:
        raise TypeError("an unknown value has no truth value: test it with known()/absent() first")


UNKNOWN = _Unknown()


class OpaqueSecret:
    """A secret whose plaintext the reader cannot see (a stack export's ciphertext). It counts as set."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<secret>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OpaqueSecret)

    def __hash__(self) -> int:
        return hash(OpaqueSecret)


_PLAIN_CACHE: Optional[dict[int, tuple[Any, Any]]] = None


@contextlib.contextmanager
def plain_cache() -> Iterator[None]:
    """While open, ``plain`` of a proxy whose target it has seen returns the same result (the offline checker
    hands one proxy to every policy of a resource; the targets live for the whole check, so ids are stable).
    Results are shared: policies read them and never change them."""
    global _PLAIN_CACHE
    previous, _PLAIN_CACHE = _PLAIN_CACHE, {}
    try:
        yield
    finally:
        _PLAIN_CACHE = previous


def plain(value: Any) -> Any:
    """Ordinary dicts/lists from whatever the engine or the checker handed over; unknowns become ``UNKNOWN``."""
    if isinstance(value, str):
        return UNKNOWN if value in UNKNOWN_SENTINELS else value
    if sdk.is_secret(value):
        return plain(value.value)
    if sdk.is_proxy(value):
        target = sdk.proxy_target(value)  # the proxies' escape hatch: no unknown check on the way
        cache = _PLAIN_CACHE
        if cache is not None:
            hit = cache.get(id(target))
            if hit is not None and hit[0] is target:
                return hit[1]
            result = plain(target)
            cache[id(target)] = (target, result)
            return result
        value = target
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


# --- judging values -------------------------------------------------------------------------------------------------

def known(value: Any) -> bool:
    """The value can be judged: neither unknown nor an opaque secret."""
    return value is not UNKNOWN and not isinstance(value, OpaqueSecret)


def absent(value: Any) -> bool:
    """Not set at all (None, empty string/list/map). Unknown and secret values are *not* absent."""
    if value is None:
        return True
    if isinstance(value, (str, list, tuple, dict)) and len(value) == 0:
        return True
    return False


def is_set(value: Any) -> bool:
    """Known to be set: not absent and not unknown. An opaque secret is set (a secret password is a password)."""
    return value is not UNKNOWN and not absent(value)


def is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def is_false(value: Any) -> bool:
    """Explicitly false (a known false-ish value). Unknown/secret/absent are not false."""
    return value is False or (isinstance(value, str) and value.lower() == "false")


def not_true(value: Any) -> bool:
    """Known and not true (absent counts: the default is off). The usual "must be enabled" test."""
    return known(value) and not is_true(value)


def num(value: Any) -> Optional[float]:
    """A number from an int, float or numeric string; None when not a known number."""
    if isinstance(value, bool) or not known(value):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def show(value: Any) -> str:
    """A property value as a message shows it: ``not set``, ``true``/``false``, numbers and quoted strings."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    return repr(value)


def any_unknown(*values: Any) -> bool:
    return any(not known(v) for v in values)


def walk_strings(value: Any) -> Iterator[str]:
    """Every string inside a (nested) value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from walk_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk_strings(v)


def contains_unknown(value: Any) -> bool:
    if not known(value):
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def as_list(value: Any) -> list:
    """A list value as a list; None/absent as []. (Unknown stays unknown: callers test ``known`` first.)"""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


# --- network helpers --------------------------------------------------------------------------------------------------

OPEN_CIDRS = frozenset({"0.0.0.0/0", "::/0"})


def is_open_cidr(cidr: Any) -> bool:
    return isinstance(cidr, str) and cidr.strip() in OPEN_CIDRS


def is_public_cidr(cidr: Any) -> bool:
    """True for a CIDR that includes any address routable on the internet (not RFC 1918/ULA/loopback/link-local)."""
    if not isinstance(cidr, str):
        return False
    try:
        net = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        return False
    if net.prefixlen == 0:
        return True
    private = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
                                                  "127.0.0.0/8", "169.254.0.0/16", "fc00::/7", "fe80::/10", "::1/128")]
    return not any(net.version == p.version and net.subnet_of(p) for p in private)


def port_range_covers(from_port: Any, to_port: Any, protocol: Any, port: int) -> Optional[bool]:
    """Whether a rule's (protocol, from..to) admits TCP ``port``; None when unknown."""
    if not known(protocol) or not known(from_port) or not known(to_port):
        return None
    proto = str(protocol).lower() if protocol is not None else "tcp"
    if proto in ("-1", "all"):
        return True
    if proto not in ("tcp", "6"):
        return False
    lo, hi = num(from_port), num(to_port)
    if lo is None and hi is None:
        return True  # no range on a TCP rule means all ports
    lo = lo if lo is not None else hi
    hi = hi if hi is not None else lo
    if lo == -1 and hi == -1:
        return True
    return lo <= port <= hi  # type: ignore[operator]


# --- IAM-style policy documents ----------------------------------------------------------------------------------------

class PolicyDocumentError(ValueError):
    pass


def policy_statements(document: Any) -> Optional[list[dict]]:
    """The statements of an IAM/KMS/S3 policy document (JSON text or dict); None when unknown or secret."""
    if not known(document) or contains_unknown(document) or absent(document):
        return None
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError as e:
            raise PolicyDocumentError(f"policy document is not valid JSON ({e.msg} at char {e.pos})") from None
    if not isinstance(document, dict):
        raise PolicyDocumentError("policy document is not a JSON object")
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        raise PolicyDocumentError("policy document's Statement is neither a list nor an object")
    return [s for s in statements if isinstance(s, dict)]


def _as_str_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def principal_is_wildcard(principal: Any) -> bool:
    """``"*"``, ``{"AWS": "*"}`` or a list holding ``*`` in any principal kind."""
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any("*" in _as_str_list(v) for v in principal.values())
    return False


def public_allow_statements(statements: Sequence[dict]) -> list[dict]:
    """Allow statements granting a wildcard principal with no Condition: open to anyone."""
    return [s for s in statements if s.get("Effect") == "Allow" and principal_is_wildcard(s.get("Principal"))
            and not s.get("Condition")]


def document_statements(r: "Res", prop: str, report: "Report") -> Optional[list[dict]]:
    """The statements of the policy document in ``prop``; a malformed document is reported as ``<prop>: why``.

    None when the document is unknown, secret, absent or malformed, so callers never judge what they cannot read.
    """
    try:
        return policy_statements(r.get(prop))
    except PolicyDocumentError as e:
        report(f"{prop}: {e}")
        return None


def report_public_statements(r: "Res", prop: str, report: "Report",
                             grants: str = "allows any principal without a condition") -> None:
    """Report each statement of the document in ``prop`` that is open to anyone (resource policies, trust policies)."""
    for s in public_allow_statements(document_statements(r, prop, report) or []):
        report(f"{prop} statement {s.get('Sid', '(no Sid)')!r} {grants}")


def denies_insecure_transport(statements: Sequence[dict]) -> bool:
    for s in statements:
        cond = s.get("Condition") or {}
        if s.get("Effect") != "Deny" or not isinstance(cond, dict):
            continue
        for op, body in cond.items():
            if op.startswith("Bool") and isinstance(body, dict):
                value = body.get("aws:SecureTransport")
                if "false" in [str(v).lower() for v in _as_str_list(value)] or value is False:
                    return True
    return False


def admin_statements(statements: Sequence[dict]) -> list[dict]:
    """Allow ``Action: *`` on ``Resource: *`` (full administrator)."""
    return [s for s in statements if s.get("Effect") == "Allow" and "*" in _as_str_list(s.get("Action"))
            and "*" in _as_str_list(s.get("Resource"))]


# --- resources as policies see them -----------------------------------------------------------------------------------

class Res:
    """One resource's properties, plain, with safe path lookups."""

    __slots__ = ("type", "props", "urn", "name", "config")

    def __init__(self, type_: str, props: dict, urn: str = "", name: str = "",
                 config: Optional[Mapping[str, Any]] = None):
        self.type = type_
        self.props = props
        self.urn = urn
        self.name = name
        self.config = dict(config or {})

    def get(self, path: str, default: Any = None) -> Any:
        """Value at a dotted path (``advancedConfiguration.minimumEnabledTlsProtocol``); UNKNOWN passes through."""
        return lookup(self.props, path, default)

    def tags(self) -> Any:
        """The resource's tags (``tags`` merged over ``tagsAll``); UNKNOWN when either is unknown."""
        tags, tags_all = self.get("tags"), self.get("tagsAll")
        if not known(tags) or not known(tags_all):
            return UNKNOWN
        merged: dict[str, Any] = {}
        for t in (tags_all, tags):
            if isinstance(t, dict):
                merged.update(t)
        return merged

    def setting(self, key: str, default: Any = None) -> Any:
        """A policy config property (from the policy-pack config file), else the policy's declared default."""
        value = self.config.get(key)
        return default if value is None else value


def lookup(value: Any, path: str, default: Any = None) -> Any:
    current = value
    for part in path.split("."):
        if current is UNKNOWN or isinstance(current, OpaqueSecret):
            return UNKNOWN
        if isinstance(current, dict):
            if part not in current:
                return default
            current = current[part]
        elif isinstance(current, list) and part.isdigit():
            idx = int(part)
            if idx >= len(current):
                return default
            current = current[idx]
        else:
            return default
    return current


# --- declaring policies -------------------------------------------------------------------------------------------------

Report = Callable[[str], None]
StackReport = Callable[[str, Optional[str]], None]
ChecksSpec = Union[Sequence[str], Mapping[str, Sequence[str]]]


@dataclass(frozen=True)
class PolicyMeta:
    """Everything a reviewer, the docs, the enforcement rules and the tests need to know about one policy."""

    id: str
    kind: str                       # "resource" | "stack"
    service: str                    # module the policy lives in (rds, elasticache, ..., stack)
    severity: str                   # low | medium | high | critical
    category: str                   # see meta.CATEGORIES
    controls: tuple[str, ...]       # keys of meta.CONTROLS
    resource_types: tuple[str, ...]
    description: str
    why: str
    remediation: str
    checks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # type -> property paths it reads
    config_defaults: Mapping[str, Any] = field(default_factory=dict)
    house_rule: bool = False
    """An EcoMart house rule (a convention of this repository's stacks), not a public control: the portable
    profile disables it (policies/config/portable.json)."""

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
        name=first.framework_name, version=first.framework_version, reference=first.ref,
        specification="; ".join(f"{CONTROLS[c].framework_name} {CONTROLS[c].ref}" for c in controls),
    )


def _config_schema(defaults: Mapping[str, Any], descriptions: Mapping[str, str]) -> Optional[PolicyConfigSchema]:
    if not defaults:
        return None
    props = {}
    for key, value in defaults.items():
        kind = "integer" if isinstance(value, int) and not isinstance(value, bool) else \
            "number" if isinstance(value, float) else "boolean" if isinstance(value, bool) else "string"
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
        raise ValueError(f"{meta.id}: controls {unknown or '(none)'} not in policies.meta.CONTROLS")


def _tags_for(meta: PolicyMeta) -> list[str]:
    return [meta.service, meta.category, *meta.controls]


def _normalise_checks(types: Sequence[str], checks: ChecksSpec) -> dict[str, tuple[str, ...]]:
    if isinstance(checks, Mapping):
        stray = [t for t in checks if t not in types]
        if stray or not checks:
            raise ValueError(f"checks name types the policy does not read: {stray}")
        return {t: tuple(checks[t]) for t in types if t in checks}
    return {t: tuple(checks) for t in types}


def _register(policy_class: type, meta: PolicyMeta, validate: Callable, fn: Callable,
              config_descriptions: Optional[Mapping[str, str]]) -> Any:
    """Build the pulumi-policy object from the metadata (the one place both kinds map it) and register it."""
    policy = policy_class(
        name=meta.id, description=meta.description, validate=validate,
        severity=Severity(meta.severity), framework=_framework_field(meta.controls), tags=_tags_for(meta),
        remediation_steps=meta.remediation,
        config_schema=_config_schema(meta.config_defaults, config_descriptions or {}),
    )
    policy.__doc__ = fn.__doc__
    _META[meta.id] = meta
    _REGISTRY.append(policy)
    return policy


def resource_policy(id: str, *, types: Sequence[str], severity: str, category: str, controls: Sequence[str],
                    description: str, why: str, remediation: str, checks: ChecksSpec,
                    house_rule: bool = False,
                    config: Optional[Mapping[str, Any]] = None,
                    config_descriptions: Optional[Mapping[str, str]] = None,
                    ) -> Callable[[Callable[[Res, Report], None]], ResourceValidationPolicy]:
    """Declare a resource policy. The decorated function gets a ``Res`` (plain props) and ``report(message)``."""

    def wrap(fn: Callable[[Res, Report], None]) -> ResourceValidationPolicy:
        types_t = tuple(types)
        meta = PolicyMeta(id=id, kind="resource", service=fn.__module__.rsplit(".", 1)[-1].rstrip("_"),
                          severity=severity, category=category, controls=tuple(controls), resource_types=types_t,
                          description=description, why=why, remediation=remediation,
                          checks=_normalise_checks(types_t, checks), config_defaults=dict(config or {}),
                          house_rule=house_rule)
        _validate_metadata(meta)
        type_set = frozenset(types_t)

        def validate(args: ResourceValidationArgs, report_violation: Callable[[str, Optional[str]], None]) -> None:
            if args.resource_type not in type_set:
                return
            try:
                res = Res(args.resource_type, plain(args.props), args.urn, args.name,
                          {**meta.config_defaults, **(args.get_config() or {})})
            except UnknownValueError:  # pragma: no cover - plain() reads the proxies' targets directly
                return
            urn = args.urn

            def report(message: str) -> None:
                if waivers.SUPPRESS and waivers.waiver_for(meta.id, urn):
                    return  # waived (policies/waivers.py): the engine is not told
                report_violation(message, None)

            fn(res, report)

        return _register(ResourceValidationPolicy, meta, validate, fn, config_descriptions)

    return wrap


def stack_policy(id: str, *, types: Sequence[str], severity: str, category: str, controls: Sequence[str],
                 description: str, why: str, remediation: str, checks: ChecksSpec,
                 house_rule: bool = False,
                 config: Optional[Mapping[str, Any]] = None,
                 config_descriptions: Optional[Mapping[str, str]] = None,
                 ) -> Callable[[Callable[["Stack", StackReport], None]], StackValidationPolicy]:
    """Declare a stack policy. The decorated function gets a ``Stack`` view and ``report(message, urn)``."""

    def wrap(fn: Callable[["Stack", StackReport], None]) -> StackValidationPolicy:
        types_t = tuple(types)
        meta = PolicyMeta(id=id, kind="stack", service="stack", severity=severity, category=category,
                          controls=tuple(controls), resource_types=types_t, description=description, why=why,
                          remediation=remediation, checks=_normalise_checks(types_t, checks),
                          config_defaults=dict(config or {}), house_rule=house_rule)
        _validate_metadata(meta)

        def validate(args: StackValidationArgs, report_violation: Callable[[str, Optional[str]], None]) -> None:
            stack = Stack.of(args)

            def report(message: str, urn: Optional[str] = None) -> None:
                if waivers.SUPPRESS and waivers.waiver_for(meta.id, urn or ""):
                    return  # waived (policies/waivers.py): the engine is not told
                report_violation(message, urn)

            fn(stack.with_config({**meta.config_defaults, **stack.config}), report)

        return _register(StackValidationPolicy, meta, validate, fn, config_descriptions)

    return wrap


# --- the stack as stack policies see it ---------------------------------------------------------------------------------

# Properties that name a resource, and so may appear verbatim in another resource's inputs.
_IDENTITY_PROPS = ("id", "arn", "identifier", "name", "keyId", "replicationGroupId", "userGroupId", "userId",
                   "bucket", "functionName", "alarmName", "clusterIdentifier", "projectId", "clusterId")


class SRes(Res):
    """A resource inside a stack: also its parent, dependencies and per-property dependencies (URNs)."""

    __slots__ = ("parent", "dependencies", "property_dependencies")

    def __init__(self, type_: str, props: dict, urn: str, name: str, parent: Optional[str],
                 dependencies: Sequence[str], property_dependencies: Mapping[str, Sequence[str]]):
        super().__init__(type_, props, urn, name)
        self.parent = parent
        self.dependencies = list(dependencies)
        self.property_dependencies = {k: list(v) for k, v in property_dependencies.items()}


class Stack:
    """All resources of a stack with lookups by type and by reference. Built once per StackValidationArgs."""

    def __init__(self, resources: Sequence[SRes], config: Optional[Mapping[str, Any]] = None):
        self.resources = list(resources)
        self.config = dict(config or {})
        self.by_urn = {r.urn: r for r in self.resources}
        self._by_type: dict[str, list[SRes]] = {}
        for r in self.resources:
            self._by_type.setdefault(r.type, []).append(r)
        self._cache: dict[str, Any] = {}  # shared with with_config() clones

    @classmethod
    def of(cls, args: StackValidationArgs) -> "Stack":
        """The view of ``args``' resources. The offline checker hands every stack policy the same PolicyResource
        objects, so the view is kept on the first of them (keyed by the list's identity) and built once."""
        anchor = args.resources[0] if args.resources else None
        cached = getattr(anchor, "_ecomart_stack_view", None)
        if cached is not None and cached[0] == id(args.resources) and cached[1] == len(args.resources):
            return cached[2].with_config(args.get_config())
        view = cls([
            SRes(r.resource_type, plain(r.props), r.urn, r.name,
                 r.parent.urn if r.parent is not None else getattr(r.opts, "parent", None),
                 [d.urn for d in r.dependencies],
                 {k: [d.urn for d in v] for k, v in r.property_dependencies.items()})
            for r in args.resources
        ], args.get_config())
        if anchor is not None:
            try:
                anchor._ecomart_stack_view = (id(args.resources), len(args.resources), view)  # type: ignore
            except AttributeError:  # pragma: no cover - a PolicyResource with __slots__
                pass
        return view

    def with_config(self, config: Optional[Mapping[str, Any]]) -> "Stack":
        if dict(config or {}) == self.config:
            return self
        clone = object.__new__(Stack)
        clone.__dict__.update(self.__dict__)
        clone.config = dict(config or {})
        return clone

    def setting(self, key: str, default: Any = None) -> Any:
        value = self.config.get(key)
        return default if value is None else value

    def of_type(self, *types: str) -> list[SRes]:
        out: list[SRes] = []
        for t in types:
            out.extend(self._by_type.get(t, ()))
        return out

    def _identity_index(self) -> dict[str, set[str]]:
        if "identities" not in self._cache:
            index: dict[str, set[str]] = {}
            for r in self.resources:
                for key in _IDENTITY_PROPS:
                    value = r.props.get(key)
                    if isinstance(value, str) and value and known(value):
                        index.setdefault(value, set()).add(r.urn)
            # KMS aliases stand for their target key: a reference to the alias is a reference to the key.
            for alias in self.of_type("aws:kms/alias:Alias"):
                name = alias.get("name")
                targets = self.refs(alias, "targetKeyId", ("aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey"),
                                    _index=index)
                if isinstance(name, str):
                    for key in (name, alias.get("arn")):
                        if isinstance(key, str):
                            index.setdefault(key, set()).update(targets)
            self._cache["identities"] = index
        return self._cache["identities"]

    def refs(self, res: SRes, prop: str, types: Sequence[str], _index: Optional[dict[str, set[str]]] = None
             ) -> set[str]:
        """URNs of resources of ``types`` that ``res.props[prop]`` refers to.

        Two sources, because each is what one reader has: the engine's per-property dependencies (``pulumi
        preview``, where ids and ARNs of new resources are still unknown) and literal ids/ARNs/names in the value
        (a deployed stack's export, where they are known).
        """
        wanted = set(types)
        found = {u for u in res.property_dependencies.get(prop, ()) if u in self.by_urn
                 and self.by_urn[u].type in wanted}
        index = _index if _index is not None else self._identity_index()
        value = res.props.get(prop)
        for s in walk_strings(value):
            for urn in index.get(s, ()):
                if urn != res.urn and self.by_urn[urn].type in wanted:
                    found.add(urn)
        return found

    def referrers(self, target: SRes, types: Sequence[str], props: Optional[Sequence[str]] = None
                  ) -> list[tuple[SRes, str]]:
        """(resource, property) pairs of ``types`` whose property refers to ``target``."""
        out: list[tuple[SRes, str]] = []
        for r in self.of_type(*types):
            for prop in (props if props is not None else list(r.props.keys() | r.property_dependencies.keys())):
                if target.urn in self.refs(r, prop, (target.type,)):
                    out.append((r, prop))
        return out


def identity(res: Res) -> str:
    """A short human name for messages: the resource's name (last URN segment)."""
    return res.name or res.urn.rsplit("::", 1)[-1]


def iter_types(policies: Iterable[Any]) -> set[str]:
    return {t for p in policies for t in meta_of(p).resource_types}
