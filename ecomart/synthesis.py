"""The offline preview: run the stack program under Pulumi's mock engine and show/export what it would create.

No Pulumi CLI, engine or cloud account is needed. The program runs as a dry run (like ``pulumi preview``) with the
stack's own ``Pulumi.<stack>.yaml``; config is validated before anything is declared. The result is printed as a
resource tree and written in the shape of ``pulumi stack export`` (version 3) to ``build/<stack>/stack-export.json``,
the one format the policy checker and reviewers read. See docs/adr/0004-verifying-infrastructure-offline.md.
"""

from __future__ import annotations

import collections
import contextvars
import datetime as _dt
import heapq
import importlib.metadata as _metadata
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi

from ecomart import requirements
from ecomart.mocks import SECRET_SIG, SIG_KEY, STACK_REFERENCE, UNKNOWN, EcoMartMocks, RecordingMonitor, Registration
from infra import config as stack_config

ROOT = Path(__file__).resolve().parent.parent

# What a reviewer checks first, per resource type (engine camelCase input names).
KEY_SETTINGS: dict[str, tuple[str, ...]] = {
    "aws:ec2/vpc:Vpc": ("cidrBlock",),
    "aws:ec2/subnet:Subnet": ("cidrBlock", "availabilityZone", "mapPublicIpOnLaunch"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("serviceName", "vpcEndpointType", "privateDnsEnabled"),
    "aws:ec2/flowLog:FlowLog": ("trafficType",),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (
        "fromPort",
        "toPort",
        "ipProtocol",
        "referencedSecurityGroupId",
        "cidrIpv4",
    ),
    "aws:kms/key:Key": ("enableKeyRotation", "deletionWindowInDays", "multiRegion"),
    "aws:rds/instance:Instance": (
        "engineVersion",
        "instanceClass",
        "multiAz",
        "storageType",
        "storageEncrypted",
        "backupRetentionPeriod",
        "deletionProtection",
        "iamDatabaseAuthenticationEnabled",
        "manageMasterUserPassword",
        "performanceInsightsEnabled",
        "replicateSourceDb",
        "publiclyAccessible",
    ),
    "aws:elasticache/replicationGroup:ReplicationGroup": (
        "engine",
        "engineVersion",
        "nodeType",
        "clusterMode",
        "numNodeGroups",
        "replicasPerNodeGroup",
        "atRestEncryptionEnabled",
        "transitEncryptionEnabled",
        "automaticFailoverEnabled",
        "multiAzEnabled",
    ),
    "aws:cloudwatch/logGroup:LogGroup": ("retentionInDays",),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("metricName", "threshold", "comparisonOperator"),
    "aws:backup/vault:Vault": ("name",),
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": ("minRetentionDays", "maxRetentionDays"),
    "mongodbatlas:index/advancedCluster:AdvancedCluster": (
        "clusterType",
        "mongoDbMajorVersion",
        "backupEnabled",
        "pitEnabled",
        "encryptionAtRestProvider",
        "terminationProtectionEnabled",
    ),
}


@dataclass
class Synthesis:
    """A stack synthesized offline: its validated config, every registration, and the stack outputs.

    ``config`` is None for an arbitrary program (``synthesize_program``); ``project``/``region`` say what ran."""

    stack: str
    config: stack_config.StackConfig | None
    registrations: list[Registration]
    outputs: dict[str, Any]
    project: str = stack_config.PROJECT
    region: str = "us-east-1"
    # data sources the mocks could only answer by echoing their arguments (what they compute stays unknown)
    echoed_data_sources: list[str] = field(default_factory=list)
    # StackReferences whose outputs nobody gave (``--stack-outputs NAME=FILE``): every output read from them unknown
    unanswered_stack_references: list[str] = field(default_factory=list)

    @property
    def resources(self) -> list[Registration]:
        """Every resource but the root stack and providers."""
        return [
            r
            for r in self.registrations
            if r.type != "pulumi:pulumi:Stack" and not r.type.startswith("pulumi:providers:")
        ]

    def of_type(self, typ: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == typ]

    def by_urn(self) -> dict[str, Registration]:
        return {r.urn: r for r in self.registrations}

    def counts(self) -> collections.Counter:
        return collections.Counter(r.type for r in self.resources)

    def plugin_components(self) -> list[tuple[str, str, str]]:
        """(type, name, plugin) of every component a provider plugin builds (registered ``remote``): offline, the
        plugin does not run, so their children are missing from the preview and from the check."""
        return sorted((r.type, r.name, r.type.split(":")[0]) for r in self.resources if r.remote)

    def from_plugin_components(self, unknown: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The unknown inputs (of ``unknown``) that depend on a plugin component's outputs: unknown in a real
        preview too, until the plugin has run."""
        return self._depending_on(unknown, {r.urn for r in self.resources if r.remote})

    def from_stack_references(self, unknown: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The unknown inputs that read a StackReference nobody gave outputs for."""
        names = set(self.unanswered_stack_references)
        return self._depending_on(
            unknown, {r.urn for r in self.resources if r.type == STACK_REFERENCE and r.id in names}
        )

    def _depending_on(self, unknown: list[tuple[str, str]], sources: set[str]) -> list[tuple[str, str]]:
        """The unknown inputs whose property was computed from one of ``sources`` (URNs)."""
        by_urn = {r.urn: r for r in self.resources}
        out = []
        for urn, path in unknown:
            top = path.split(".")[0].split("[")[0]
            deps = by_urn[urn].property_dependencies.get(top, []) if urn in by_urn else []
            if sources & set(deps):
                out.append((urn, path))
        return out

    def unknown_inputs(self) -> list[tuple[str, str]]:
        """(urn, property path) of every input that stayed unknown: an output the mocks do not produce."""
        found: list[tuple[str, str]] = []

        def walk(urn: str, path: str, value: Any) -> None:
            if value == UNKNOWN:
                found.append((urn, path))
            elif isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG:
                walk(urn, path, value.get("value"))  # a secret input: its path is the property's, not ``.value``
            elif isinstance(value, dict):
                for k, v in value.items():
                    walk(urn, f"{path}.{k}" if path else k, v)
            elif isinstance(value, list):
                for i, v in enumerate(value):
                    walk(urn, f"{path}[{i}]", v)

        for r in self.resources:
            walk(r.urn, "", r.inputs)
        return found

    def ordered(self) -> list[Registration]:
        """The registrations in a deterministic order that respects the graph, as ``pulumi stack export`` does
        (parents, providers and dependencies before dependents): the mock engine resolves registrations in whatever
        order their inputs settle, so ties are broken by URN and two previews of one program write the same file."""
        by_urn = {r.urn: r for r in self.registrations}
        after: dict[str, set[str]] = {u: set() for u in by_urn}
        waiting: dict[str, int] = {u: 0 for u in by_urn}
        for r in self.registrations:
            provider = r.provider.rsplit("::", 1)[0] if r.provider else None  # a reference is "<urn>::<id>"
            before = {
                r.parent,
                provider,
                *r.dependencies,
                *(u for urns in r.property_dependencies.values() for u in urns),
            }
            for u in before - {None, r.urn}:
                if u in by_urn and r.urn not in after[u]:
                    after[u].add(r.urn)
                    waiting[r.urn] += 1
        ready = [u for u, n in waiting.items() if n == 0]
        heapq.heapify(ready)
        out: list[Registration] = []
        while ready:
            u = heapq.heappop(ready)
            out.append(by_urn[u])
            for v in after[u]:
                waiting[v] -= 1
                if waiting[v] == 0:
                    heapq.heappush(ready, v)
        if len(out) != len(by_urn):  # a cycle the engine would refuse: keep the rest in URN order
            seen = {r.urn for r in out}
            out += sorted((r for r in self.registrations if r.urn not in seen), key=lambda r: r.urn)
        return out

    def export(self) -> dict[str, Any]:
        """The graph in the shape of ``pulumi stack export`` (deployment version 3), in ``ordered()`` order with
        dependency lists sorted."""
        resources = []
        for r in self.ordered():
            entry: dict[str, Any] = {"urn": r.urn, "custom": r.custom, "type": r.type}
            if r.custom and r.id:
                entry["id"] = r.id
            entry["inputs"] = _sealed(r.inputs)
            entry["outputs"] = _sealed(r.outputs)
            if r.parent:
                entry["parent"] = r.parent
            if r.dependencies:
                entry["dependencies"] = sorted(r.dependencies)
            if r.property_dependencies:
                entry["propertyDependencies"] = {k: sorted(v) for k, v in sorted(r.property_dependencies.items())}
            if r.provider:
                entry["provider"] = r.provider
            if r.retain_on_delete:
                entry["retainOnDelete"] = True  # as `pulumi stack export` writes it (omitted when false)
            entry.update(r.options)
            resources.append(entry)
        return {
            "version": 3,
            "deployment": {
                "manifest": {
                    "time": _dt.datetime.now(_dt.UTC).isoformat(),
                    "magic": "",
                    "version": f"pulumi-python-sdk {_metadata.version('pulumi')} (offline mock preview)",
                },
                "resources": resources,
            },
        }


# What stands for a secret's ciphertext in an offline export: no secrets provider encrypted it, and the plaintext
# must never reach a file a CI job uploads. The checker reads it as an opaque secret (set, value not visible).
SEALED = "ecomart-offline-preview:sealed"


def _sealed(value: Any) -> Any:
    """``value`` with every secret envelope in the shape ``pulumi stack export`` writes (``ciphertext``, not the
    ``value`` the engine's wire format carries), its plaintext left out."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return {SIG_KEY: SECRET_SIG, "ciphertext": SEALED}
        return {k: _sealed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_sealed(v) for v in value]
    return value


def stack_file(stack: str, root: Path = ROOT) -> Path:
    return root / f"Pulumi.{stack}.yaml"


def load_config(stack: str, bag: dict[str, Any] | None = None, root: Path = ROOT):
    """(bag, validated config) for a stack; raises ConfigError before anything is declared."""
    if bag is None:
        path = stack_file(stack, root)
        if not path.exists():
            known = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in root.glob("Pulumi.*.yaml"))
            raise stack_config.ConfigError([f"stack {stack!r}: no {path.name}; stacks here: {', '.join(known)}"])
        bag = stack_config.raw_from_yaml(str(path))
    return bag, stack_config.load(stack, bag)


def synthesize(
    stack: str,
    bag: dict[str, Any] | None = None,
    program: Callable[[stack_config.StackConfig], dict[str, Any]] | None = None,
    root: Path = ROOT,
) -> Synthesis:
    """Run the stack program under the mock engine, in a fresh context so stacks never bleed into each other."""
    bag, cfg = load_config(stack, bag, root)
    if program is None:
        from infra.stack import build as program
    # Every piece of Pulumi runtime state (settings, root stack, config) lives in context variables: a brand-new
    # Context gives this synthesis its own, whatever ran before in the process.
    return contextvars.Context().run(_synthesize_in_context, stack, bag, cfg, program)


def _synthesize_in_context(stack, bag, cfg, program) -> Synthesis:
    pulumi.runtime.set_all_config(dict(bag), secret_keys=[])
    mocks = EcoMartMocks(region=cfg.region)
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=stack_config.PROJECT, stack=stack, preview=True, monitor=monitor)
    outputs: dict[str, Any] = {}

    @pulumi.runtime.test
    def run():
        return _collect(program(cfg), outputs)

    run()
    return Synthesis(
        stack=stack,
        config=cfg,
        registrations=list(monitor.registrations),
        outputs=_hide_secret_outputs(monitor.registrations, outputs),
        region=cfg.region,
    )


UNKNOWN_OUTPUT = "(unknown: known only after a deploy)"
# A program is given this long under the mock engine (seconds; ECOMART_PREVIEW_TIME_LIMIT): a preview never hangs.
PROGRAM_TIME_LIMIT_S = 120.0


def program_time_limit() -> float:
    raw = os.environ.get("ECOMART_PREVIEW_TIME_LIMIT") or ""
    if not raw:
        return PROGRAM_TIME_LIMIT_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 3600:
        raise ProgramError(f"ECOMART_PREVIEW_TIME_LIMIT={raw[:20]!r} is not allowed (allowed: seconds, 0 < s <= 3600)")
    return value


class _TimedOut(Exception):
    """The program did not finish within the preview's time limit."""


class _Watchdog:
    """Ends a program run that has not finished within ``seconds``. The SDK's mock wrapper pumps the event loop by
    hand until what the program returned resolves, then runs it until every RPC is done: the watchdog resolves a
    guard the returned awaitable also waits on (ending the hand pump) and stops the loop (ending the outer run), from
    a timer thread via ``call_soon_threadsafe``. A signal would land in whichever task step was running and be
    swallowed as that task's exception."""

    def __init__(self, seconds: float) -> None:
        import threading

        self.seconds = seconds
        self.loop: Any = None
        self.guard: Any = None
        self.expired = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def watch(self) -> None:
        """Called from inside the program's run, on its loop."""
        import asyncio

        self.loop = asyncio.get_event_loop()
        self.guard = self.loop.create_future()
        self._timer.start()

    def guarded(self, output: pulumi.Output) -> Any:
        """An awaitable that resolves like ``output`` or fails when the time is up."""
        import asyncio

        async def wait() -> Any:
            work = asyncio.ensure_future(output.future())
            done, _ = await asyncio.wait({work, self.guard}, return_when=asyncio.FIRST_COMPLETED)
            if work not in done:
                raise _TimedOut()
            return work.result()

        return wait()

    def _fire(self) -> None:
        if self.loop is not None:
            self.expired = True
            self.loop.call_soon_threadsafe(self._expire)

    def _expire(self) -> None:
        if not self.guard.done():
            self.guard.set_result(None)
        self.loop.stop()

    def cancel(self) -> None:
        self._timer.cancel()


def _hide_secret_outputs(registrations: list[Registration], outputs: dict[str, Any]) -> dict[str, Any]:
    """The stack outputs the engine holds as secrets shown as ``[secret]``, never their plaintext (the values the
    program's ``apply`` saw are plain)."""
    for reg in registrations:
        if reg.type == "pulumi:pulumi:Stack":
            for key, value in (reg.outputs or {}).items():
                if isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG and key in outputs:
                    outputs[key] = "[secret]"
    return outputs


def _collect(exported: dict[str, Any], outputs: dict[str, Any]) -> pulumi.Output:
    """Each stack output on its own: ``Output.all`` of them resolves to nothing in a preview when any one is unknown,
    which left the whole Outputs section empty; an unknown output is now shown as unknown, the others as they are."""
    parts = []
    for key, value in exported.items():
        outputs[key] = UNKNOWN_OUTPUT
        parts.append(pulumi.Output.from_input(value).apply(lambda v, k=key: outputs.__setitem__(k, v)))
    return pulumi.Output.all(*parts)


# --- any Pulumi Python program ------------------------------------------------------------------------------------


class ProgramError(Exception):
    """A program that cannot be previewed: the message names the file, key or exception, one line."""


@dataclass(frozen=True)
class Program:
    directory: Path
    project: str
    main: Path
    stacks: tuple[str, ...]

    def stack_file(self, stack: str) -> Path:
        return self.directory / f"Pulumi.{stack}.yaml"


def load_program(directory: Path) -> Program:
    """Read a program directory's ``Pulumi.yaml``: its project name, entry point and stacks."""
    import yaml

    directory = Path(directory).resolve()
    project_file = directory / "Pulumi.yaml"
    if not project_file.is_file():
        raise ProgramError(f"{directory}: no Pulumi.yaml (not a Pulumi project directory)")
    try:
        doc = yaml.safe_load(project_file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise ProgramError(f"{project_file}: not YAML ({str(e).splitlines()[0]})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("name"), str):
        raise ProgramError(f"{project_file}: needs a 'name'")
    runtime = doc.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise ProgramError(f"{project_file}: runtime is {runtime_name!r}; only Python programs can be previewed")
    main = directory / str(doc.get("main") or ".")
    if main.is_dir():
        main = main / "__main__.py"
    if not main.is_file():
        raise ProgramError(f"{project_file}: entry point {os.path.relpath(main)} does not exist")
    stacks = tuple(sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in directory.glob("Pulumi.*.yaml")))
    return Program(directory=directory, project=doc["name"], main=main, stacks=stacks)


def default_stack(program: Program) -> str:
    """The only stack of the program, else ``dev``."""
    return program.stacks[0] if len(program.stacks) == 1 else "dev"


def program_config(program: Program, stack: str) -> tuple[dict[str, str], list[str]]:
    """(config bag, secret keys) as the engine hands them over: project defaults, then the stack's file."""
    import yaml

    bag: dict[str, str] = {}
    secret_keys: list[str] = []
    project_doc = yaml.safe_load((program.directory / "Pulumi.yaml").read_text(encoding="utf-8")) or {}

    def put(key: str, value: Any) -> None:
        full = key if ":" in key else f"{program.project}:{key}"
        bag[full], secret = stack_config.bag_text(value)
        if secret:
            secret_keys.append(full)

    for key, spec in (project_doc.get("config") or {}).items():
        if isinstance(spec, dict) and ("value" in spec or "default" in spec):
            put(key, spec.get("value", spec.get("default")))
    path = program.stack_file(stack)
    if path.is_file():
        stack_doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(stack_doc, dict):
            raise ProgramError(f"{path}: not a Pulumi stack settings file (expected a mapping with 'config')")
        for key, value in (stack_doc.get("config") or {}).items():
            put(key, value)
    elif program.stacks:
        raise ProgramError(f"{program.directory}: no {path.name}; stacks here: {', '.join(program.stacks)}")
    return bag, secret_keys


def synthesize_program(
    directory: Path, stack: str | None = None, stack_outputs: dict[str, dict] | None = None
) -> Synthesis:
    """Run any Pulumi Python program under the mock engine with its own Pulumi.yaml and Pulumi.<stack>.yaml.
    ``stack_outputs``: StackReference name -> that stack's outputs (``read_stack_outputs``)."""
    program = load_program(Path(directory))
    stack = stack or default_stack(program)
    bag, secret_keys = program_config(program, stack)
    return contextvars.Context().run(_program_in_context, program, stack, bag, secret_keys, stack_outputs or {})


def read_stack_outputs(specs: list[str]) -> dict[str, dict]:
    """``NAME=FILE`` pairs (``--stack-outputs``): each FILE a JSON object of a stack's outputs, what ``pulumi stack
    output --json --stack NAME`` prints. ProgramError naming the pair on anything else."""
    out: dict[str, dict] = {}
    for spec in specs:
        name, sep, file = spec.partition("=")
        if not sep or not name or not file:
            raise ProgramError(f"--stack-outputs {spec!r}: expected NAME=FILE (e.g. acme/network/prod=net.json)")
        try:
            doc = json.loads(Path(file).read_text(encoding="utf-8"))
        except OSError as e:
            raise ProgramError(f"--stack-outputs {spec!r}: cannot read {file} ({e.strerror})") from None
        except ValueError as e:
            raise ProgramError(f"--stack-outputs {spec!r}: {file} is not JSON ({e})") from None
        if not isinstance(doc, dict):
            raise ProgramError(
                f"--stack-outputs {spec!r}: {file} holds a JSON {type(doc).__name__}; expected an object of outputs "
                "(`pulumi stack output --json` prints one)"
            )
        out[name] = doc
    return out


def _program_in_context(
    program: Program, stack: str, bag: dict[str, str], secret_keys: list[str], stack_outputs: dict[str, dict]
) -> Synthesis:
    import runpy
    import sys

    region = bag.get("aws:region", "us-east-1")
    pulumi.runtime.set_all_config(dict(bag), secret_keys=secret_keys)
    mocks = EcoMartMocks(region=region, stack_outputs=stack_outputs)
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=program.project, stack=stack, preview=True, monitor=monitor)
    outputs: dict[str, Any] = {}

    @pulumi.runtime.test
    def run():
        from pulumi.runtime.stack import Stack

        root = pulumi.runtime.get_root_resource()
        assert isinstance(root, Stack), "the mock engine sets up a root stack resource"
        watchdog.watch()
        runpy.run_path(str(program.main), run_name="__main__")
        exported = dict(root.outputs)
        root.register_outputs(exported)  # what `pulumi.export` recorded, as the engine registers it at the end
        return watchdog.guarded(_collect(exported, outputs))

    limit = program_time_limit()
    watchdog = _Watchdog(limit)
    pins = requirements.read(program.directory)
    other_majors = requirements.other_majors(pins)
    for pin in other_majors:
        print(
            f"ecomart preview: the program pins {pin.requirement} but this environment has {pin.installed}: "
            "a program written for another major may use arguments renamed or removed since",
            file=sys.stderr,
        )
    saved_path, saved_cwd, saved_modules = list(sys.path), os.getcwd(), set(sys.modules)
    sys.path.insert(0, str(program.main.parent))
    os.chdir(program.directory)
    try:
        try:
            run()
        except Exception:
            if watchdog.expired:
                raise _TimedOut from None
            raise
        finally:
            watchdog.cancel()
    except _TimedOut:
        done = [r for r in monitor.registrations if r.type != "pulumi:pulumi:Stack"]
        last = done[-1].urn.rsplit("::", 1)[-1] if done else "none"
        pending = sorted(k for k, v in outputs.items() if v == UNKNOWN_OUTPUT)
        raise ProgramError(
            f"{program.directory}: the program did not finish within {limit:g} s "
            f"(ECOMART_PREVIEW_TIME_LIMIT): {len(done)} resources registered, the last {last!r}; "
            f"stack outputs still pending: {', '.join(pending) or 'none'} - something it awaits never resolves"
        ) from None
    except pulumi.ConfigMissingError as e:
        raise ProgramError(
            f"{program.directory}: the program needs config {e.key!r}; set it in "
            f"{program.stack_file(stack).name} (`pulumi config set` writes it there)"
        ) from None
    except (ProgramError, SystemExit) as e:
        raise ProgramError(f"{program.directory}: {e}") from None
    except ModuleNotFoundError as e:  # a package the program needs and this environment lacks
        where = _program_frame(e, program.directory)
        raise ProgramError(
            f"{program.directory}: the program imports {e.name!r}{where}"
            + requirements.missing_module_hint(e.name or "", pins)
            + " (ecomart previews in its own virtualenv; it does not install a program's requirements)"
        ) from None
    except Exception as e:  # the program's own error: one line naming it, never a traceback
        where = _program_frame(e, program.directory)
        hint = requirements.major_hint(other_majors) if isinstance(e, TypeError) else ""
        unanswered = _unanswered_hint(e, mocks)
        raise ProgramError(
            f"{program.directory}: the program raised {type(e).__name__}: {e}{where}{hint}{unanswered}"
        ) from None
    finally:
        sys.path[:] = saved_path
        os.chdir(saved_cwd)
        # The program's own modules (a local ``vpc.py``, a package beside __main__.py) leave with it: the next
        # program previewed in this process may have a module of the same name.
        for name in set(sys.modules) - saved_modules:
            file = getattr(sys.modules[name], "__file__", None)
            if file and Path(file).resolve().is_relative_to(program.directory):
                del sys.modules[name]
    return Synthesis(
        stack=stack,
        config=None,
        registrations=list(monitor.registrations),
        outputs=_hide_secret_outputs(monitor.registrations, outputs),
        project=program.project,
        region=region,
        echoed_data_sources=sorted(mocks.generic_invokes),
        unanswered_stack_references=sorted(mocks.stack_references - set(mocks.stack_outputs)),
    )


def _unanswered_hint(error: BaseException, mocks: EcoMartMocks) -> str:
    """When the program fails on a value an unanswered data source left out (iterating over it, indexing it), name
    the data sources: an offline preview cannot know what they compute."""
    if not mocks.generic_invokes or not isinstance(error, (TypeError, KeyError, IndexError, AttributeError)):
        return ""
    return "; it may depend on what these data sources compute, which an offline preview cannot answer: " + ", ".join(
        sorted(mocks.generic_invokes)
    )


def _program_frame(error: BaseException, directory: Path) -> str:
    """`` (at FILE:LINE)`` of the innermost frame inside the program directory, if any."""
    import traceback

    inside = [
        f
        for f in traceback.extract_tb(error.__traceback__)
        if Path(f.filename).resolve().is_relative_to(directory.resolve())
    ]
    if not inside:
        return ""
    frame = inside[-1]
    return f" (at {os.path.relpath(frame.filename)}:{frame.lineno})"


def write_export(synth: Synthesis, out_dir: Path | None = None, path: Path | None = None) -> Path:
    """Write the export to ``path``, else ``out_dir/stack-export.json`` (default ``build/<stack>/``)."""
    if path is None:
        out_dir = out_dir or ROOT / "build" / synth.stack
        path = out_dir / "stack-export.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(synth.export(), indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def _short(value: Any, limit: int = 48) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 3] + "..."


def render_tree(synth: Synthesis) -> str:
    """Parent/child tree with the settings a reviewer checks, then counts per type."""
    children: dict[str | None, list[Registration]] = collections.defaultdict(list)
    for r in synth.registrations:
        if r.type.startswith("pulumi:providers:"):
            continue
        children[r.parent].append(r)
    lines: list[str] = []

    def visit(reg: Registration, prefix: str, last: bool, top: bool) -> None:
        settings = [f"{k}={_short(reg.inputs[k])}" for k in KEY_SETTINGS.get(reg.type, ()) if k in reg.inputs]
        label = f"{reg.type}  {reg.name}" + (f"  [{', '.join(settings)}]" if settings else "")
        if reg.remote:
            label += f"  [created by the `{reg.type.split(':')[0]}` plugin: its children cannot be previewed offline]"
        lines.append(label if top else f"{prefix}{'└─ ' if last else '├─ '}{label}")
        # Registrations arrive in the order the engine resolves them, not the program's: sort, so two runs of the
        # same stack print the same tree.
        kids = sorted(children.get(reg.urn, []), key=lambda k: (k.name, k.type))
        for i, kid in enumerate(kids):
            visit(kid, "" if top else prefix + ("   " if last else "│  "), i == len(kids) - 1, False)

    for r in children.get(None, []):
        visit(r, "", True, True)
    counts = synth.counts()
    lines.append("")
    lines.append(
        f"{sum(counts.values())} resources ({sum(1 for r in synth.resources if not r.custom)} components): "
        + ", ".join(f"{label}×{n}" for label, n in _count_labels(counts))
    )
    return "\n".join(lines)


def _count_labels(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Counts by the type's short name, most first; a short name two providers share (``rds`` and ``elasticache``
    both have ``ParameterGroup``) keeps its module so the summary never lists the same name twice. Ties by name, so
    two runs print the same line."""
    short = {t: t.split(":")[-1] for t in counts}
    clash = {name for name in short.values() if list(short.values()).count(name) > 1}
    label = {t: f"{t.split(':')[1].split('/')[0]}.{name}" if name in clash else name for t, name in short.items()}
    return sorted(((label[t], n) for t, n in counts.items()), key=lambda ln: (-ln[1], ln[0]))


def render_outputs(synth: Synthesis) -> str:
    width = max((len(k) for k in synth.outputs), default=0)
    return "\n".join(f"  {k.ljust(width)}  {_short(v, 400)}" for k, v in sorted(synth.outputs.items()))
