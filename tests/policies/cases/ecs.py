"""Resource-policy cases of ``policies/rules/ecs.py``: a compliant resource per case and, for every property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

import json

from policies.engine import tokens as T
from tests.policies.helpers import Case


def _containers(*environment: dict) -> str:
    return json.dumps(
        [
            {
                "name": "web",
                "image": "public.ecr.aws/nginx/nginx:1.27",
                "environment": [{"name": "LOG_LEVEL", "value": "info"}, *environment],
                "secrets": [
                    {"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db"}
                ],
            }
        ]
    )


_TASK = {"family": "web", "containerDefinitions": _containers({"name": "TOKEN_TTL", "value": "3600"})}

CASES = {
    "ecs-no-secrets-in-environment": [
        Case(
            T.ECS_TASK_DEFINITION,
            _TASK,
            {"containerDefinitions": _containers({"name": "DB_PASSWORD", "value": "hunter2"})},
        ),
        Case(
            T.ECS_TASK_DEFINITION,
            _TASK,
            {"containerDefinitions": _containers({"name": "AWS_SECRET_ACCESS_KEY", "value": "abc/def"})},
            label="an access key",
        ),
    ],
}
