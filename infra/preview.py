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
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import pulumi

from infra import config as stack_config
from infra.mocks import UNKNOWN, EcoMartMocks, RecordingMonitor, Registration

ROOT = Path(__file__).resolve().parent.parent

# What a reviewer checks first, per resource type (engine camelCase input names).
KEY_SETTINGS: dict[str, tuple[str, ...]] = {
    "aws:ec2/vpc:Vpc": ("cidrBlock",),
    "aws:ec2/subnet:Subnet": ("cidrBlock", "availabilityZone", "mapPublicIpOnLaunch"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("serviceName", "vpcEndpointType", "privateDnsEnabled"),
    "aws:ec2/flowLog:FlowLog": ("trafficType",),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ("fromPort", "toPort", "ipProtocol",
                                                                   "referencedSecurityGroupId", "cidrIpv4"),
    "aws:kms/key:Key": ("enableKeyRotation", "deletionWindowInDays", "multiRegion"),
    "aws:rds/instance:Instance": ("engineVersion", "instanceClass", "multiAz", "storageType", "storageEncrypted",
                                  "backupRetentionPeriod", "deletionProtection", "iamDatabaseAuthenticationEnabled",
                                  "manageMasterUserPassword", "performanceInsightsEnabled", "replicateSourceDb",
                                  "publiclyAccessible"),
    "aws:elasticache/replicationGroup:ReplicationGroup": ("engine", "engineVersion", "nodeType", "clusterMode",
                                                          "numNodeGroups", "replicasPerNodeGroup",
                                                          "atRestEncryptionEnabled", "transitEncryptionEnabled",
                                                          "automaticFailoverEnabled", "multiAzEnabled"),
    "aws:cloudwatch/logGroup:LogGroup": ("retentionInDays",),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("metricName", "threshold", "comparisonOperator"),
    "aws:backup/vault:Vault": ("name",),
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": ("minRetentionDays", "maxRetentionDays"),
    "mongodbatlas:index/advancedCluster:AdvancedCluster": ("clusterType", "mongoDbMajorVersion",
                                                           "backupEnabled", "pitEnabled",
                                                           "encryptionAtRestProvider", "terminationProtectionEnabled"),
}


@dataclass
class Synthesis:
    """A stack synthesized offline: its validated config, every registration, and the stack outputs."""

    stack: str
    config: "stack_config.StackConfig"
    registrations: list[Registration]
    outputs: dict[str, Any]

    @property
    def resources(self) -> list[Registration]:
        """Every resource but the root stack and providers."""
        return [r for r in self.registrations
                if r.type != "pulumi:pulumi:Stack" and not r.type.startswith("pulumi:providers:")]

    def of_type(self, typ: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == typ]

    def by_urn(self) -> dict[str, Registration]:
        return {r.urn: r for r in self.registrations}

    def counts(self) -> collections.Counter:
        return collections.Counter(r.type for r in self.resources)

    def unknown_inputs(self) -> list[tuple[str, str]]:
        """(urn, property path) of every input that stayed unknown: an output the mocks do not produce."""
        found: list[tuple[str, str]] = []

        def walk(urn: str, path: str, value: Any) -> None:
            if value == UNKNOWN:
                found.append((urn, path))
            elif isinstance(value, dict):
                for k, v in value.items():
                    walk(urn, f"{path}.{k}" if path else k, v)
            elif isinstance(value, list):
                for i, v in enumerate(value):
                    walk(urn, f"{path}[{i}]", v)

        for r in self.resources:
            walk(r.urn, "", r.inputs)
        return found

    def export(self) -> dict[str, Any]:
        """The graph in the shape of ``pulumi stack export`` (deployment version 3)."""
        resources = []
        for r in self.registrations:
            entry: dict[str, Any] = {"urn": r.urn, "custom": r.custom, "type": r.type}
            if r.custom and r.id:
                entry["id"] = r.id
            entry["inputs"] = r.inputs
            entry["outputs"] = r.outputs
            if r.parent:
                entry["parent"] = r.parent
            if r.dependencies:
                entry["dependencies"] = r.dependencies
            if r.property_dependencies:
                entry["propertyDependencies"] = r.property_dependencies
            if r.provider:
                entry["provider"] = r.provider
            resources.append(entry)
        return {
            "version": 3,
            "deployment": {
                "manifest": {
                    "time": _dt.datetime.now(_dt.timezone.utc).isoformat(),
                    "magic": "",
                    "version": f"pulumi-python-sdk {pulumi.__version__ if hasattr(pulumi, '__version__') else ''}"
                               " (offline mock preview)",
                },
                "resources": resources,
            },
        }


def stack_file(stack: str, root: Path = ROOT) -> Path:
    return root / f"Pulumi.{stack}.yaml"


def load_config(stack: str, bag: Optional[dict[str, Any]] = None, root: Path = ROOT):
    """(bag, validated config) for a stack; raises ConfigError before anything is declared."""
    if bag is None:
        path = stack_file(stack, root)
        if not path.exists():
            known = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in root.glob("Pulumi.*.yaml"))
            raise stack_config.ConfigError([f"stack {stack!r}: no {path.name}; stacks here: {', '.join(known)}"])
        bag = stack_config.raw_from_yaml(str(path))
    return bag, stack_config.load(stack, bag)


def synthesize(stack: str, bag: Optional[dict[str, Any]] = None,
               program: Optional[Callable[["stack_config.StackConfig"], dict[str, Any]]] = None,
               root: Path = ROOT) -> Synthesis:
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
        exported = program(cfg)
        return pulumi.Output.all(**exported).apply(lambda values: outputs.update(values))

    run()
    return Synthesis(stack=stack, config=cfg, registrations=list(monitor.registrations), outputs=outputs)


def write_export(synth: Synthesis, out_dir: Optional[Path] = None) -> Path:
    out_dir = out_dir or ROOT / "build" / synth.stack
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "stack-export.json"
    path.write_text(json.dumps(synth.export(), indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def _short(value: Any, limit: int = 48) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[:limit - 3] + "..."


def render_tree(synth: Synthesis) -> str:
    """Parent/child tree with the settings a reviewer checks, then counts per type."""
    children: dict[Optional[str], list[Registration]] = collections.defaultdict(list)
    for r in synth.registrations:
        if r.type.startswith("pulumi:providers:"):
            continue
        children[r.parent].append(r)
    lines: list[str] = []

    def visit(reg: Registration, prefix: str, last: bool, top: bool) -> None:
        settings = [f"{k}={_short(reg.inputs[k])}" for k in KEY_SETTINGS.get(reg.type, ()) if k in reg.inputs]
        label = f"{reg.type}  {reg.name}" + (f"  [{', '.join(settings)}]" if settings else "")
        lines.append(label if top else f"{prefix}{'└─ ' if last else '├─ '}{label}")
        kids = children.get(reg.urn, [])
        for i, kid in enumerate(kids):
            visit(kid, "" if top else prefix + ("   " if last else "│  "), i == len(kids) - 1, False)

    for r in children.get(None, []):
        visit(r, "", True, True)
    counts = synth.counts()
    lines.append("")
    lines.append(f"{sum(counts.values())} resources ({sum(1 for r in synth.resources if not r.custom)} components): "
                 + ", ".join(f"{label}×{n}" for label, n in _count_labels(counts)))
    return "\n".join(lines)


def _count_labels(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Counts by the type's short name, most first; a short name two providers share (``rds`` and ``elasticache``
    both have ``ParameterGroup``) keeps its module so the summary never lists the same name twice. Ties by name, so two runs print the same line."""
    short = {t: t.split(":")[-1] for t in counts}
    clash = {name for name in short.values() if list(short.values()).count(name) > 1}
    label = {t: f"{t.split(':')[1].split('/')[0]}.{name}" if name in clash else name for t, name in short.items()}
    return sorted(((label[t], n) for t, n in counts.items()), key=lambda ln: (-ln[1], ln[0]))


def render_outputs(synth: Synthesis) -> str:
    width = max((len(k) for k in synth.outputs), default=0)
    return "\n".join(f"  {k.ljust(width)}  {_short(v, 400)}" for k, v in sorted(synth.outputs.items()))


def main_preview(stack: str, out_dir: Optional[str] = None, quiet: bool = False,
                 project_dir: Optional[str] = None) -> tuple[int, Optional[Path]]:
    """CLI body of ``ecomart preview``: 0 on success, 2 on bad config (message on stderr, no traceback)."""
    import sys

    try:
        synth = synthesize(stack, root=Path(project_dir) if project_dir else ROOT)
    except stack_config.ConfigError as e:
        print(f"ecomart preview: {e}", file=sys.stderr)
        return 2, None
    unknown = synth.unknown_inputs()
    path = write_export(synth, Path(out_dir) if out_dir else None)
    if not quiet:
        print(f"Stack {stack} ({synth.config.environment}, {synth.config.region}) — offline preview under "
              "Pulumi's mock engine; nothing was created.\n")
        print(render_tree(synth))
        print("\nOutputs:")
        print(render_outputs(synth))
        print(f"\nWrote {os.path.relpath(path)}")
    if unknown:
        print(f"ecomart preview: {len(unknown)} inputs stayed unknown (mocks lack an output): "
              + ", ".join(f"{u}:{p}" for u, p in unknown[:5]), file=sys.stderr)
        return 1, path
    return 0, path
