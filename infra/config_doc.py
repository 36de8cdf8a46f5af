"""Generate docs/configuration.md from the config schema itself: ``python -m infra.config_doc > docs/configuration.md``.

The schema is the single source of truth; tests/infra/test_config_doc.py fails when the committed file is stale.
"""

from __future__ import annotations

import json
from typing import Any, get_args

from pydantic import BaseModel
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticUndefined

from infra import config as c


def _model_of(annotation: Any):
    for cand in (annotation, *get_args(annotation)):
        if isinstance(cand, type) and issubclass(cand, BaseModel):
            return cand
    return None


def _constraints(field) -> str:
    parts = []
    for m in field.metadata:
        for attr, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<"), ("min_length", "min items"),
                          ("pattern", "pattern")):
            v = getattr(m, attr, None)
            if v is not None:
                parts.append(f"{sym} {v}")
    literal = get_args(field.annotation)
    if literal and all(isinstance(a, str) for a in literal):
        parts.append("one of " + ", ".join(f"`{a}`" for a in literal))
    return "; ".join(parts)


def _default(section: str, key: str, env: str) -> str:
    merged = c._deep_merge(c._COMMON, c.ENVIRONMENT_DEFAULTS[env])
    value = merged.get(section, {}).get(key, PydanticUndefined) if section else merged.get(key, PydanticUndefined)
    return "" if value is PydanticUndefined else f"`{json.dumps(value)}`"


def _rows(model, section: str, prefix: str = "") -> list[str]:
    rows = []
    for name, field in model.model_fields.items():
        if model is c.StackConfig and name in ("stack", "region"):
            continue
        key = to_camel(name)
        sub = _model_of(field.annotation)
        if sub is not None and model is c.StackConfig:
            continue
        if sub is not None:
            rows += _rows(sub, section, prefix + key + ".")
            continue
        default = ""
        if field.default is not PydanticUndefined and field.default is not None:
            default = f"`{json.dumps(field.default)}`"
        dev = _default(section, key, "dev") if not prefix else ""
        prod = _default(section, key, "prod") if not prefix else ""
        if dev == prod and default:
            dev = prod = default
        rows.append(f"| `{prefix}{key}` | {_constraints(field)} | {dev} | {prod} | {field.description or ''} |")
    return rows


def render() -> str:
    out = [
        "# Stack configuration reference",
        "",
        "Generated from `infra/config.py` by `python -m infra.config_doc`; do not edit by hand.",
        "",
        "Keys live in `Pulumi.<stack>.yaml` under the `ecomart-data-platform:` namespace (camelCase); the primary",
        "region is `aws:region`. Every value is validated before any resource is declared: unknown keys (typos),",
        "wrong types (strict: `\"yes\"` is not a boolean), out-of-range numbers and malformed windows/CIDRs stop the",
        "program with the key, the bad value and what is allowed. Unset keys take the environment's default.",
        "",
        "## Top level",
        "",
        "| key | allowed | dev default | prod default | meaning |",
        "|---|---|---|---|---|",
        *_rows(c.StackConfig, ""),
    ]
    for name, field in c.StackConfig.model_fields.items():
        sub = _model_of(field.annotation)
        if sub is None:
            continue
        key = to_camel(name)
        out += ["", f"## `{key}`", "", (sub.__doc__ or "").strip().split("\n")[0], "",
                "| key | allowed | dev default | prod default | meaning |", "|---|---|---|---|---|",
                *_rows(sub, key)]
    out += ["", "## Rules across keys", "",
            "- `secondaryRegion` differs from `aws:region`.",
            "- prod: `network.azCount` >= 3, `postgres.multiAz`, `postgres.deletionProtection`, "
            "`postgres.backupRetentionDays` = 35, `postgres.readReplicas` >= 1, "
            "`postgres.crossRegionBackupReplication`, `kms.deletionWindowDays` = 30, Redis cluster mode with >= 2 "
            "shards and >= 2 replicas per shard, `backup.crossRegionCopy`, `backup.vaultLock`.",
            "- `postgres.maxAllocatedStorageGb` > `allocatedStorageGb`; `iops` only with >= 400 GB.",
            "- `redis.numShards` = 1 without cluster mode; engine version >= 7 (IAM authentication).",
            "- Backup vault lock bounds admit the plan's retentions.",
            "- `atlas` (optional; absent = no Atlas): zone names and regions unique; REPLICASET/SHARDED have one "
            "zone (REPLICASET: 1 shard); sharded clusters >= M30; auto-scaling bounds bracket `instanceSize` in the "
            "same tier class (no NVMe auto-scaling); EEA locations only in EU zones, whose snapshot copies stay in "
            "the EU; IP access entries /16 or narrower (IPv6 /48), never 0.0.0.0/0 or ::/0; backup retention "
            "grows from hourly to monthly. prod: GEOSHARDED, >= M30, termination protection, compute and disk "
            "auto-scaling, every EEA country pinned to an EU zone, a `backupCopyRegion` per zone, "
            "`backupCompliance` set.",
            ""]
    return "\n".join(out)
