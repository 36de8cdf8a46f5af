"""Typed, validated stack configuration: the stack-level keys plus one section per component.

Each section *is* the component's settings class (``ecomart-data-platform:postgres`` parses into
``components.postgres.PostgresSettings``): its keys, types, defaults, constraints and docs are declared there once,
and this module only composes them (``SECTIONS``). What this module decides itself:

- the stack-level keys (environment, regions, owner, cost centre, data classification) and the tags they make;
- each environment's defaults, from ``platform_rules`` alone: the sizing table (``ENVIRONMENT_SIZING``) and the
  settings the rules decide (``RULE_SETTINGS``), which a stack file may raise but never weaken;
- the rules across sections (AWS Backup's start window clear of the RDS windows, Atlas' data residency).

Values come from ``Pulumi.<stack>.yaml`` (through the Pulumi runtime's config bag, or the same file read by the
offline preview) and are validated *before* any resource is declared: a bad value stops the program with one line
per problem naming the key, the value and what is allowed. Keys are camelCase (Pulumi's convention).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import re
import typing
from collections.abc import Mapping
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

import platform_rules as rules
from components.artifacts import CodeArtifactsSettings
from components.atlas import AtlasSettings, is_eu_region
from components.aws_values import AWS_REGIONS, EMAIL, overlaps, weekly_spans
from components.backup import BackupSettings
from components.contract import SettingError, SettingErrors, camel
from components.kms import KmsSettings
from components.monitoring import MonitoringSettings
from components.network import NetworkSettings
from components.postgres import PostgresSettings
from components.redis import RedisSettings
from components.resilience import ReadOnlyModeSettings, ResilienceSettings
from components.service import ServiceSettings
from infra.cost import CostSettings
from platform_rules import DATA_CLASSIFICATIONS, EEA_COUNTRIES, ENVIRONMENTS, PROJECT

# The component sections of the stack config: config key -> the component's settings class. A component whose
# settings a stack can choose is listed here once; everything else about the section comes from its class.
SECTIONS: dict[str, type] = {
    "network": NetworkSettings,
    "kms": KmsSettings,
    "postgres": PostgresSettings,
    "redis": RedisSettings,
    "monitoring": MonitoringSettings,
    "backup": BackupSettings,
    "service": ServiceSettings,
    "resilience": ResilienceSettings,
    "readOnlyMode": ReadOnlyModeSettings,
    "artifacts": CodeArtifactsSettings,
    "atlas": AtlasSettings,
    "cost": CostSettings,
}
OPTIONAL_SECTIONS = ("atlas",)  # absent: the stack has no such store (its defaults never create one)


class ConfigError(Exception):
    """A stack configuration that must not be deployed; ``problems`` holds one line per bad key."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid stack configuration:\n" + "\n".join(f"  - {p}" for p in problems))


class StackConfig(BaseModel):
    # strict (validated from JSON): "yes" is not a boolean and "3" is not a number; extra="forbid": a typo is an
    # error, not a silent default.
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)

    stack: str
    environment: Literal[ENVIRONMENTS]  # type: ignore[valid-type]
    region: str
    secondary_region: str
    owner: str
    cost_center: str
    data_classification: Literal[DATA_CLASSIFICATIONS]  # type: ignore[valid-type]
    network: NetworkSettings
    kms: KmsSettings
    postgres: PostgresSettings
    redis: RedisSettings
    monitoring: MonitoringSettings
    backup: BackupSettings
    service: ServiceSettings
    resilience: ResilienceSettings
    read_only_mode: ReadOnlyModeSettings
    artifacts: CodeArtifactsSettings
    atlas: AtlasSettings | None = None
    cost: CostSettings

    @field_validator("region", "secondary_region")
    @classmethod
    def _region(cls, v: str) -> str:
        if v not in AWS_REGIONS:
            raise ValueError(f"must be one of {list(AWS_REGIONS)}")
        return v

    @field_validator("owner")
    @classmethod
    def _owner(cls, v: str) -> str:
        if not re.fullmatch(EMAIL, v):
            raise ValueError("must be the owning team's e-mail address")
        return v

    @field_validator("cost_center")
    @classmethod
    def _cost_center(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9-]{2,32}", v):
            raise ValueError("must be 2-32 letters, digits or hyphens (e.g. 'CC-4100')")
        return v

    @model_validator(mode="after")
    def _regions_apart(self) -> StackConfig:
        if self.secondary_region == self.region:
            raise ValueError(f"secondaryRegion must differ from aws:region ({self.region})")
        return self

    @model_validator(mode="after")
    def _environment_rules(self) -> StackConfig:
        """What the environment's rules (platform_rules) hold every stack of it to."""
        broken = rule_problems(self)
        if broken:
            raise ValueError(f"{self.environment} rules (platform_rules): " + "; ".join(broken))
        return self

    @model_validator(mode="after")
    def _backup_clear_of_rds_windows(self) -> StackConfig:
        """AWS Backup does not start an RDS job within the hour before or during the instance's maintenance window
        (the job waits or expires unstarted), and a snapshot during RDS's own automated backup contends with it:
        keep the start window clear of both."""
        b, pg = self.backup, self.postgres
        end = b.schedule_utc_hour * 60 + b.start_window_minutes
        start = f"{b.schedule_utc_hour:02d}:00-{end // 60 % 24:02d}:{end % 60:02d}"
        ours = weekly_spans(start)
        if overlaps(ours, weekly_spans(pg.backup_window)) or overlaps(
            ours, weekly_spans(pg.maintenance_window, lead_minutes=60)
        ):
            raise ValueError(
                f"backup.scheduleUtcHour ({b.schedule_utc_hour}) with startWindowMinutes "
                f"({b.start_window_minutes}) starts AWS Backup jobs ({start} UTC) inside "
                f"postgres.backupWindow ({pg.backup_window}) or within the hour before/during "
                f"postgres.maintenanceWindow ({pg.maintenance_window}); pick an hour clear of both"
            )
        return self

    @property
    def rules(self) -> rules.EnvironmentRules:
        return rules.rules_for(self.environment)

    @property
    def tags(self) -> dict[str, str]:
        """The tags every taggable resource carries (docs/adr/0002)."""
        return {
            "project": PROJECT,
            "environment": self.environment,
            "owner": self.owner,
            "cost-center": self.cost_center,
            "data-classification": self.data_classification,
            "managed-by": "pulumi",
            "stack": self.stack,
        }


TOP_LEVEL_KEYS = {to_camel(name) for name in StackConfig.model_fields} - {"stack", "region"}


# --- the environment's rules ---------------------------------------------------------------------------------------


def _get(cfg: Any, key: str) -> Any:
    """A setting by its camelCase config key (``postgres.backupRetentionDays``); None where the section is absent."""
    node = cfg
    for part in key.split("."):
        if node is None:
            return None
        node = getattr(node, re.sub(r"(?<!^)(?=[A-Z])", "_", part).lower())
    return node


def rule_problems(cfg: StackConfig) -> list[str]:
    """Every setting weaker than its environment's rule (``platform_rules.RULE_SETTINGS``), and the Atlas layout
    the rules ask for, one line each."""
    r, env = cfg.rules, cfg.environment
    out: list[str] = []
    for attr, key, kind in rules.RULE_SETTINGS:
        rule, value = getattr(r, attr), _get(cfg, key)
        if value is None or rule is None:
            continue
        if kind == "floor" and value < rule:
            out.append(f"{key} is {value}; {env} needs >= {rule}")
        elif kind == "required" and rule and not value:
            out.append(f"{key} is false; {env} needs true")
        elif kind == "inverse" and rule and value:
            out.append(f"{key} is true; {env} needs false")
    if r.user_pool_ses_email and cfg.service.jwt_issuer is None and not cfg.service.user_pool_email_source_arn:
        out.append(
            f"service.userPoolEmailSourceArn is not set; {env} sends the user pool's e-mail through an SES identity "
            "(Cognito's default sender is capped at 50 e-mails a day)"
        )
    if r.cache_min_shards is not None and not cfg.redis.cluster_mode:
        out.append(f"redis.clusterMode is false; {env} needs cluster mode with >= {r.cache_min_shards} shards")
    if cfg.atlas is not None:
        out += _atlas_rule_problems(cfg.atlas, r)
    return out


def _atlas_rule_problems(a: AtlasSettings, r: rules.EnvironmentRules) -> list[str]:
    out: list[str] = []
    if r.data_residency:
        if a.cluster_type != "GEOSHARDED":
            out.append(f"atlas.clusterType is {a.cluster_type}; {r.name} needs GEOSHARDED (EU data residency)")
        eu_zones = {z.name for z in a.zones if is_eu_region(z.region)}
        mapped = {c: z.name for z in a.zones for c in z.country_codes}
        if not eu_zones:
            out.append(f"atlas.zones: {r.name} needs a zone in an EU region (EU_*) for EU data residency")
        elif [c for c in EEA_COUNTRIES if mapped.get(c) not in eu_zones]:
            unmapped = [c for c in EEA_COUNTRIES if mapped.get(c) not in eu_zones]
            out.append(
                f"atlas.zones: {r.name} pins every EEA country to an EU zone; not pinned: {unmapped} (add "
                "'EEA' to the EU zone's locations)"
            )
    if r.backup_cross_region_copy:
        no_copy = [z.name for z in a.zones if z.backup_copy_region is None]
        if no_copy:
            out.append(f"atlas.zones: {r.name} copies snapshots to a second region; set backupCopyRegion on {no_copy}")
    if r.backup_vault_lock and a.backup_compliance is None:
        out.append(f"atlas.backupCompliance is not set; {r.name} needs a Backup Compliance Policy")
    return out


def _set(tree: dict, key: str, value: Any) -> None:
    *parents, last = key.split(".")
    for part in parents:
        tree = tree.setdefault(part, {})
    tree[last] = value


def _lookup(tree: dict, key: str) -> Any:
    for part in key.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return None
        tree = tree[part]
    return tree


def rule_defaults(r: rules.EnvironmentRules) -> dict[str, Any]:
    """The config values an environment's rules imply (camelCase sections)."""
    out: dict[str, Any] = {}
    for attr, key, kind in rules.RULE_SETTINGS:
        value = getattr(r, attr)
        if value is None:
            continue
        _set(out, key, (not value) if kind == "inverse" else value)
    _set(out, "redis.clusterMode", r.cache_min_shards is not None)
    if r.cache_min_shards is None:
        _set(out, "redis.numShards", 1)
    return out


def environment_defaults(environment: str) -> dict[str, Any]:
    """What a stack of ``environment`` runs when its stack file says nothing: the rules' values, the sizing table
    over them, and every floor kept (a sized default never below the rule)."""
    r = rules.rules_for(environment)
    out = _deep_merge(rule_defaults(r), rules.ENVIRONMENT_SIZING[environment])
    for attr, key, kind in rules.RULE_SETTINGS:
        floor, sized = getattr(r, attr), _lookup(out, key)
        if kind == "floor" and floor is not None and sized is not None and sized < floor:
            _set(out, key, floor)
    return out


def _default_zone_copies(merged: dict[str, Any], environment: str) -> None:
    """Where the rules ask for cross-region copies, an Atlas zone that names no copy region copies to the stack's
    secondary region (a zone in the EU keeps choosing its own: EU snapshots stay in EU regions)."""
    atlas, secondary = merged.get("atlas"), merged.get("secondaryRegion")
    if not rules.rules_for(environment).backup_cross_region_copy or not isinstance(atlas, dict) or not secondary:
        return
    target = rules.to_atlas_region(str(secondary))
    for zone in atlas.get("zones") or []:
        if (
            isinstance(zone, dict)
            and zone.get("backupCopyRegion") is None
            and zone.get("region") != target
            and not str(zone.get("region", "")).startswith("EU_")
        ):
            zone["backupCopyRegion"] = target


def _deep_merge(base: Any, override: Any) -> dict:
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


# --- reading and reporting ------------------------------------------------------------------------------------------


def _decode(value: Any) -> Any:
    """Pulumi hands structured config over as JSON text; scalars stay strings."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _class_at(loc: tuple) -> type | None:
    """The model or settings class an error location points into (for its allowed keys)."""
    cls: Any = StackConfig
    for part in loc:
        if isinstance(part, int):
            continue
        if cls is StackConfig:
            field = next((f for n, f in StackConfig.model_fields.items() if part in (n, to_camel(n))), None)
            annotation = field.annotation if field else None
        elif dataclasses.is_dataclass(cls):
            hints = typing.get_type_hints(cls)
            name = next((f.name for f in dataclasses.fields(cls) if part in (f.name, camel(f.name))), None)
            annotation = hints.get(name) if name else None
        else:
            return None
        cls = _settings_class(annotation)
        if cls is None:
            return None
    return cls


def _settings_class(annotation: Any) -> type | None:
    if isinstance(annotation, type) and (dataclasses.is_dataclass(annotation) or issubclass(annotation, BaseModel)):
        return annotation
    if get_origin(annotation) in (Union, list, tuple, typing.Sequence) or get_args(annotation):
        for arg in get_args(annotation):
            found = _settings_class(arg)
            if found is not None:
                return found
    return None


def _allowed_keys(cls: type | None) -> list[str]:
    if cls is StackConfig:
        return sorted(TOP_LEVEL_KEYS)
    if cls is not None and dataclasses.is_dataclass(cls):
        return sorted(camel(f.name) for f in dataclasses.fields(cls))
    return []


@functools.lru_cache(maxsize=1)
def _setting_names() -> frozenset[str]:
    from components.doc import all_settings_classes

    return frozenset(f.name for cls in all_settings_classes() for f in dataclasses.fields(cls) if "_" in f.name)


def _config_words(message: str) -> str:
    """A settings rule's message in the stack file's words: its fields' snake_case names as camelCase keys."""
    names = _setting_names()
    return re.sub(
        r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b",
        lambda m: camel(m.group(0)) if m.group(0) in names else m.group(0),
        message,
    )


def _format_errors(err: Mapping[str, Any]) -> list[str]:
    """One line per problem of a pydantic error (a settings object may report several fields at once)."""
    error = (err.get("ctx") or {}).get("error")
    if isinstance(error, SettingErrors):
        return [_format_error({**err, "ctx": {"error": e}}) for e in error.errors]
    return [_format_error(err)]


def _format_error(err: Mapping[str, Any]) -> str:
    loc = tuple(err["loc"])
    path = ".".join(str(p) for p in loc if p != "stack") or "(stack)"
    key = f"{PROJECT}:{path}" if path.split(".")[0] in TOP_LEVEL_KEYS else path
    if path in ("region", "aws.region"):
        key = "aws:region"
    value = err.get("input")
    error = (err.get("ctx") or {}).get("error")
    if isinstance(error, SettingError):
        allowed = _config_words(error.allowed)
        if error.field is not None:
            field = ".".join(camel(p) for p in error.field.split("."))
            if error.value is None:  # a rule about the field rather than a bad value of it
                return f"{key}.{field}: {allowed}"
            return f"{key}.{field}: bad value {error.value!r}: {allowed}"
        return f"{key}: {allowed}"
    if err["type"] in ("extra_forbidden", "unexpected_keyword_argument"):
        allowed = _allowed_keys(_class_at(loc[:-1]))
        return f"{key}: unknown key (value {value!r}); allowed keys here: {', '.join(allowed)}"
    if err["type"] in ("missing", "missing_argument"):
        return f"{key}: required but not set"
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "literal_error":
        msg = msg.replace("Input should be", "must be one of:")
    if isinstance(value, dict):  # a rule across several keys: the message names them and their values
        return f"{key}: {msg}"
    return f"{key}: bad value {value!r}: {msg}"


def load(stack: str, raw: dict[str, Any]) -> StackConfig:
    """Validate a stack's config bag (``namespace:key`` -> value) into a StackConfig, or raise ConfigError.

    ``raw`` is what Pulumi hands the program: project keys (``ecomart-data-platform:postgres``) with structured
    values as JSON text, plus provider keys (``aws:region``). Unknown project keys are errors (typos).
    """
    problems: list[str] = []
    values: dict[str, Any] = {}
    for full_key, value in raw.items():
        namespace, _, key = full_key.partition(":")
        if namespace != PROJECT:
            continue
        if key not in TOP_LEVEL_KEYS:
            problems.append(f"{full_key}: unknown key; allowed keys: {', '.join(sorted(TOP_LEVEL_KEYS))}")
            continue
        values[key] = _decode(value)
    region = raw.get("aws:region")
    if region is None:
        problems.append("aws:region: required but not set (the primary AWS region, e.g. 'us-east-1')")
    environment = values.get("environment")
    if environment not in ENVIRONMENTS:
        problems.append(f"{PROJECT}:environment: bad value {environment!r}: must be one of {list(ENVIRONMENTS)}")
    if problems:
        raise ConfigError(problems)
    environment = str(environment)  # one of ENVIRONMENTS, checked above

    defaults = environment_defaults(environment)
    for section in OPTIONAL_SECTIONS:  # defaults fill in a section, never create one
        if section not in values:
            defaults.pop(section, None)
    for section in SECTIONS:
        if section not in OPTIONAL_SECTIONS:
            defaults.setdefault(section, {})
    merged = _deep_merge(defaults, values)
    merged["stack"] = stack
    merged["region"] = region
    _default_zone_copies(merged, environment)
    try:
        return StackConfig.model_validate_json(json.dumps(merged), strict=True)
    except ValidationError as e:
        raise ConfigError([line for err in e.errors() for line in _format_errors(err)]) from None


def raw_from_pulumi() -> dict[str, Any]:
    """The whole config bag of the running Pulumi program (engine or mocks)."""
    from pulumi.runtime import config as rc

    bag = dict(rc.get_config_env())
    bag.update(rc.CONFIG.get())
    return bag


def raw_from_yaml(path: str) -> dict[str, str]:
    """Read ``Pulumi.<stack>.yaml`` into the bag shape Pulumi hands a program (structured values as JSON)."""
    import yaml

    with open(path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    if not isinstance(doc, dict):
        raise ConfigError([f"{path}: not a Pulumi stack settings file (expected a mapping with 'config')"])
    cfg = doc.get("config") or {}
    return {key: bag_text(value)[0] for key, value in cfg.items()}


def bag_text(value: Any) -> tuple[str, bool]:
    """(text, is secret) of one stack-file value as the engine hands it to a program: structured values as JSON,
    booleans as true/false, a ``secure:`` value as a placeholder (its plaintext needs the stack's secrets
    provider)."""
    if isinstance(value, dict) and "secure" in value:
        return "[secret]", True
    if isinstance(value, (dict, list)):
        return json.dumps(value), False
    if isinstance(value, bool):
        return ("true" if value else "false"), False
    return str(value), False
