"""The usage file (``--usage FILE``): what the usage-based prices are multiplied by, in the spirit of Infracost's
usage file. Every key, its unit and default is in ``KEYS`` (documented in the README); an unknown key or a value
that is not a non-negative number is one line of bad input. Defaults are 0: a cost nobody estimated is shown as
0 with its key named, never guessed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# section -> key -> what it is (unit). Per-function Lambda figures go under lambda.functions.<name>.
KEYS: dict[str, dict[str, str]] = {
    "lambda": {
        "requests_per_month": "invocations of each function a month (unless the function has its own)",
        "average_duration_ms": "average run time of an invocation, milliseconds",
    },
    "api_gateway": {"requests_per_month": "HTTP API requests a month"},
    "cognito": {"monthly_active_users": "users who sign in or refresh a token in a month"},
    "cloudwatch_logs": {
        "ingested_gb_per_month": "log data written a month, GB (all groups)",
        "stored_gb": "log data kept, GB (all groups)",
    },
    "rds": {
        "backup_storage_gb": "automated backup and snapshot storage beyond the free 100 % of provisioned storage, GB",
        "replicated_backup_gb": "automated backups replicated to another region, GB (transferred once, stored there)",
    },
    "elasticache": {"snapshot_storage_gb": "snapshot storage beyond the free one per node group, GB"},
    "atlas": {
        "backup_storage_gb": "cloud backup snapshot storage, GB",
        "pit_storage_gb": "continuous backup (oplog) storage, GB",
    },
    "s3": {
        "stored_gb": "S3 Standard storage, GB (all buckets)",
        "put_requests_per_month": "PUT, COPY, POST, LIST requests a month",
        "get_requests_per_month": "GET requests a month",
    },
    "sqs": {"requests_per_month": "API requests a month (all queues)"},
    "sns": {
        "publishes_per_month": "messages published a month",
        "email_notifications_per_month": "e-mail deliveries a month",
    },
    "secrets_manager": {"api_calls_per_month": "API calls a month"},
    "kms": {"requests_per_month": "cryptographic requests a month (all keys)"},
    "vpc_endpoints": {"processed_gb_per_month": "data through interface endpoints a month, GB (all endpoints)"},
    "backup": {
        "warm_storage_gb": "AWS Backup recovery points of RDS, GB",
        "cross_region_copy_gb": "recovery points copied to another region a month, GB",
    },
    "fis": {"action_minutes_per_month": "FIS action-minutes a month (all experiments)"},
    "scheduler": {"invocations_per_month": "EventBridge Scheduler invocations a month"},
}


class UsageError(Exception):
    """Bad usage file: one line naming the key, the value and what is allowed."""


@dataclass
class Usage:
    values: dict[str, dict[str, float]] = field(default_factory=dict)
    functions: dict[str, dict[str, float]] = field(default_factory=dict)
    source: str = "defaults (0)"

    def get(self, section: str, key: str) -> float:
        return self.values.get(section, {}).get(key, 0.0)

    def function(self, name: str, key: str) -> float:
        return self.functions.get(name, {}).get(key, self.get("lambda", key))


def _number(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise UsageError(f"{where}: {value!r} is not allowed (a number >= 0)")
    return float(value)


def parse(doc: Any, source: str = "usage file") -> Usage:
    """A usage file's document (the mapping read from YAML or JSON), validated."""
    if doc is None:
        doc = {}
    if not isinstance(doc, Mapping):
        raise UsageError(f"{source}: the top level must be a mapping of sections ({', '.join(KEYS)})")
    usage = Usage(source=source)
    for section, body in doc.items():
        if section not in KEYS:
            raise UsageError(f"{source}: unknown section {section!r} (allowed: {', '.join(KEYS)})")
        if not isinstance(body, Mapping):
            raise UsageError(f"{source}: {section} must be a mapping of keys ({', '.join(KEYS[section])})")
        for key, value in body.items():
            if section == "lambda" and key == "functions":
                if not isinstance(value, Mapping):
                    raise UsageError(f"{source}: lambda.functions must map function names to their usage")
                for fn, figures in value.items():
                    if not isinstance(figures, Mapping):
                        raise UsageError(f"{source}: lambda.functions.{fn} must be a mapping")
                    for k, v in figures.items():
                        if k not in KEYS["lambda"]:
                            allowed = ", ".join(KEYS["lambda"])
                            raise UsageError(f"{source}: unknown key lambda.functions.{fn}.{k} (allowed: {allowed})")
                        usage.functions.setdefault(str(fn), {})[k] = _number(f"lambda.functions.{fn}.{k}", v)
                continue
            if key not in KEYS[section]:
                raise UsageError(f"{source}: unknown key {section}.{key} (allowed: {', '.join(KEYS[section])})")
            usage.values.setdefault(section, {})[key] = _number(f"{section}.{key}", value)
    return usage
