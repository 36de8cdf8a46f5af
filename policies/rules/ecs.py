"""ECS: secrets in task definitions."""

from __future__ import annotations

import json

from policies.engine.core import Report, Res, holds_literal_secret, known, resource_policy
from policies.engine.facts import REQUIRED
from policies.engine.meta import CCPA_SEC
from policies.engine.tokens import ECS_TASK_DEFINITION


@resource_policy(
    "ecs-no-secrets-in-environment",
    unset={"containerDefinitions": REQUIRED},
    types=(ECS_TASK_DEFINITION,),
    severity="high",
    category="security",
    controls=("pci-8-6-2", "pci-8-3-2", CCPA_SEC, "fsbp-ecs-8"),
    description="No container's `environment` holds a literal password, token or key (use the container's "
    "`secrets`, which name a Secrets Manager or SSM parameter ARN).",
    why="Environment values are visible to anyone with ecs:DescribeTaskDefinition, in every revision, forever, "
    "and in the stack state; they are never rotated.",
    remediation="Move the value to Secrets Manager and reference it under the container's `secrets` "
    "(`valueFrom`: the secret's ARN).",
    checks=("containerDefinitions",),
)
def ecs_no_secrets_in_environment(r: Res, report: Report) -> None:
    raw = r.get("containerDefinitions")
    if not known(raw) or not isinstance(raw, str):
        return
    try:
        containers = json.loads(raw)
    except ValueError:
        return  # the provider refuses it before AWS does
    for container in containers if isinstance(containers, list) else []:
        if not isinstance(container, dict):
            continue
        for variable in container.get("environment") or []:
            if isinstance(variable, dict) and holds_literal_secret(
                str(variable.get("name", "")), variable.get("value")
            ):
                report(
                    f"container {container.get('name')!r}: environment variable {variable['name']} holds a literal "
                    "secret"
                )
