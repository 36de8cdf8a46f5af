"""Resource-policy cases of ``policies/rules/ecr.py``: a compliant resource per case and, for every property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

from policies.engine import tokens as T
from tests.policies.cases.shapes import ACCOUNT, PUBLIC, doc
from tests.policies.helpers import Case

_PULL = {
    "Sid": "CiPulls",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/ci"},
    "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
}

CASES = {
    "ecr-repository-policy-not-public": [
        Case(T.ECR_REPOSITORY_POLICY, {"repository": "shop", "policy": doc(_PULL)}, {"policy": doc(_PULL, PUBLIC)}),
    ],
}
