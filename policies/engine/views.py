"""Resources as policies see them: ``Res`` (one resource's plain properties) and, for stack policies, ``SRes`` and
``Stack`` (every resource with parents, dependencies and lookups by type and by reference)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pulumi_policy import StackValidationArgs

from policies.engine.values import UNKNOWN, PlainDict, known, lookup, plain, walk_strings

Report = Callable[[str], None]
StackReport = Callable[[str, str | None], None]


class Res:
    """One resource's properties, plain, with safe path lookups."""

    __slots__ = ("type", "props", "urn", "name", "config", "defaults")

    def __init__(
        self,
        type_: str,
        props: dict,
        urn: str = "",
        name: str = "",
        config: Mapping[str, Any] | None = None,
        defaults: Mapping[str, Any] | None = None,
    ):
        self.type = type_
        self.props = props
        self.urn = urn
        self.name = name
        self.config = dict(config or {})
        self.defaults = defaults
        """The policy's ``defaults`` (what the service uses for an unset property), or None."""

    def get(self, path: str, default: Any = None) -> Any:
        """Value at a dotted path (``advancedConfiguration.minimumEnabledTlsProtocol``); UNKNOWN passes through. An
        unset property the policy declares a service default for reads as that default."""
        if "." not in path and type(self.props) in (dict, PlainDict):  # most reads: one key of the resource
            value = self.props.get(path)
        else:
            value = lookup(self.props, path, None)
        if value is None:
            if self.defaults is not None and path in self.defaults:
                return self.defaults[path]
            return default
        return value

    def tags(self) -> Any:
        """The resource's tags (``tags`` merged over ``tagsAll``); UNKNOWN when either is unknown."""
        tags, tags_all = self.get("tags"), self.get("tagsAll")
        if not known(tags) or not known(tags_all):
            return UNKNOWN
        if not tags_all and isinstance(tags, dict):
            return tags  # nothing to merge (read only, as every caller uses it)
        merged: dict[str, Any] = {}
        for t in (tags_all, tags):
            if isinstance(t, dict):
                merged.update(t)
        return merged

    def setting(self, key: str, default: Any = None) -> Any:
        """A policy config property (from the policy-pack config file), else the policy's declared default."""
        value = self.config.get(key)
        return default if value is None else value


_KMS_KEYS = frozenset({"aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey"})

# Properties that name a resource, and so may appear verbatim in another resource's inputs.
_IDENTITY_PROPS = (
    "id",
    "arn",
    "identifier",
    "name",
    "keyId",
    "replicationGroupId",
    "userGroupId",
    "userId",
    "bucket",
    "functionName",
    "alarmName",
    "clusterIdentifier",
    "projectId",
    "clusterId",
)


class SRes(Res):
    """A resource inside a stack: also its parent, dependencies and per-property dependencies (URNs)."""

    __slots__ = ("parent", "dependencies", "property_dependencies")

    def __init__(
        self,
        type_: str,
        props: dict,
        urn: str,
        name: str,
        parent: str | None,
        dependencies: Sequence[str],
        property_dependencies: Mapping[str, Sequence[str]],
        owned: bool = False,
    ):
        """``owned``: the caller built ``dependencies`` and ``property_dependencies`` for this resource alone (the
        checker does), so they are kept instead of copied."""
        super().__init__(type_, props, urn, name)
        self.parent = parent
        if owned:
            self.dependencies = dependencies  # type: ignore[assignment]
            self.property_dependencies = property_dependencies  # type: ignore[assignment]
        else:
            self.dependencies = list(dependencies)
            self.property_dependencies = {k: list(v) for k, v in property_dependencies.items()}

    def unplaced(self, prop: str) -> bool:
        """``prop`` is not known yet and the engine recorded nothing it is computed from: what it refers to cannot
        be told (a stack policy then judges nothing that depends on it)."""
        return not known(self.get(prop)) and not self.property_dependencies.get(prop)


class _ViewCarrier:
    """Stands in for ``args.resources[0]`` to carry a prebuilt view (see ``Stack.carried_by``)."""

    _ecomart_stack_view: tuple


class Stack:
    """All resources of a stack with lookups by type and by reference. Built once per StackValidationArgs."""

    def __init__(self, resources: Sequence[SRes], config: Mapping[str, Any] | None = None):
        self.resources = list(resources)
        self.config = dict(config or {})
        self.by_urn = {r.urn: r for r in self.resources}
        self._by_type: dict[str, list[SRes]] = {}
        for r in self.resources:
            self._by_type.setdefault(r.type, []).append(r)
        self._cache: dict[Any, Any] = {}  # shared with with_config() clones
        # The waivers the caller checks with (the offline checker's file); None: the pack's default file.
        self.waivers: list[Any] | None = None

    @classmethod
    def of(cls, args: StackValidationArgs) -> Stack:
        """The view of ``args``' resources. The offline checker hands every stack policy the same PolicyResource
        objects, so the view is kept on the first of them (keyed by the list's identity) and built once."""
        anchor = args.resources[0] if args.resources else None
        cached = getattr(anchor, "_ecomart_stack_view", None)
        if cached is not None and cached[0] == id(args.resources) and cached[1] == len(args.resources):
            return cached[2].with_config(args.get_config())
        view = cls(
            [
                SRes(
                    r.resource_type,
                    plain(r.props),
                    r.urn,
                    r.name,
                    r.parent.urn if r.parent is not None else getattr(r.opts, "parent", None),
                    [d.urn for d in r.dependencies],
                    {k: [d.urn for d in v] for k, v in r.property_dependencies.items()},
                )
                for r in args.resources
            ],
            args.get_config(),
        )
        if anchor is not None:
            try:
                anchor._ecomart_stack_view = (id(args.resources), len(args.resources), view)  # type: ignore
            except AttributeError:  # pragma: no cover - a PolicyResource with __slots__
                pass
        return view

    def carried_by(self, config: Mapping[str, Any] | None) -> StackValidationArgs:
        """Arguments whose ``Stack.of`` is this view, for policies that read a stack only through it (the offline
        checker builds the view straight from the export instead of building PolicyResource objects first)."""
        carrier = _ViewCarrier()
        resources: list[Any] = [carrier]  # stands in for the PolicyResource list
        carrier._ecomart_stack_view = (id(resources), len(resources), self)
        return StackValidationArgs(resources, dict(config or {}), {})

    def with_config(self, config: Mapping[str, Any] | None) -> Stack:
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

    def _identity_index(self, types: Sequence[str]) -> dict[str, set[str]]:
        """Identity (id, ARN, name...) -> URNs of the resources of ``types`` that have it, built once per set of
        types: only resources of the types asked for can be the answer, so only they are indexed."""
        wanted = frozenset(types)
        index = self._cache.get(wanted)
        if index is None:
            index = {}
            for r in self.of_type(*sorted(wanted)):
                for key in _IDENTITY_PROPS:
                    value = r.props.get(key)
                    if isinstance(value, str) and value and known(value):
                        index.setdefault(value, set()).add(r.urn)
            # KMS aliases stand for their target key: a reference to the alias is a reference to the key.
            if wanted & _KMS_KEYS:
                for alias in self.of_type("aws:kms/alias:Alias"):
                    name = alias.get("name")
                    targets = self.refs(
                        alias, "targetKeyId", tuple(sorted(_KMS_KEYS)), _index=index if wanted >= _KMS_KEYS else None
                    )
                    if isinstance(name, str):
                        for key in (name, alias.get("arn")):
                            if isinstance(key, str):
                                index.setdefault(key, set()).update(targets)
            self._cache[wanted] = index
        return index

    def refs(self, res: SRes, prop: str, types: Sequence[str], _index: dict[str, set[str]] | None = None) -> set[str]:
        """URNs of resources of ``types`` that ``res.props[prop]`` refers to.

        Two sources, because each is what one reader has: the engine's per-property dependencies (``pulumi
        preview``, where ids and ARNs of new resources are still unknown) and literal ids/ARNs/names in the value
        (a deployed stack's export, where they are known).
        """
        wanted = set(types)
        found = {
            u for u in res.property_dependencies.get(prop, ()) if u in self.by_urn and self.by_urn[u].type in wanted
        }
        index = _index if _index is not None else self._identity_index(types)
        value = res.props.get(prop)
        for s in walk_strings(value):
            for urn in index.get(s, ()):
                if urn != res.urn and self.by_urn[urn].type in wanted:
                    found.add(urn)
        return found

    def all_refs(self, res: SRes, types: Sequence[str]) -> set[str]:
        """``refs`` of every property of ``res`` at once (the union), in one walk of its values: for a policy that
        asks what a resource refers to anywhere (e.g. which keys are in use), not through which property."""
        wanted = set(types)
        by_urn = self.by_urn
        found = self.dependency_refs(res, types)
        index = self._identity_index(types)
        for s in walk_strings(res.props):
            for urn in index.get(s, ()):
                if urn != res.urn and by_urn[urn].type in wanted:
                    found.add(urn)
        return found

    def referenced(self, sources: Sequence[SRes], prop: str, types: Sequence[str]) -> dict[str, list[SRes]]:
        """For every resource of ``types`` that some source's ``prop`` refers to, those sources: "which locks name
        this vault" for every vault at once, instead of asking each lock about each vault (quadratic in stacks of
        thousands of resources)."""
        out: dict[str, list[SRes]] = {}
        for source in sources:
            for urn in self.refs(source, prop, types):
                out.setdefault(urn, []).append(source)
        return out

    def dependency_refs(self, res: SRes, types: Sequence[str]) -> set[str]:
        """The part of ``all_refs`` the engine recorded (per-property dependencies), without walking any value."""
        wanted = set(types)
        by_urn = self.by_urn
        return {
            u for deps in res.property_dependencies.values() for u in deps if u in by_urn and by_urn[u].type in wanted
        }

    def referrers(
        self, target: SRes, types: Sequence[str], props: Sequence[str] | None = None
    ) -> list[tuple[SRes, str]]:
        """(resource, property) pairs of ``types`` whose property refers to ``target``."""
        out: list[tuple[SRes, str]] = []
        for r in self.of_type(*types):
            for prop in props if props is not None else list(r.props.keys() | r.property_dependencies.keys()):
                if target.urn in self.refs(r, prop, (target.type,)):
                    out.append((r, prop))
        return out


def identity(res: Res) -> str:
    """A short human name for messages: the resource's name (last URN segment)."""
    return res.name or res.urn.rsplit("::", 1)[-1]
