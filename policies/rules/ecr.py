"""ECR: who may pull and push images (a repository policy open to anyone)."""

from __future__ import annotations

from policies.engine.facts import REQUIRED
from policies.engine.families import public_policy_rule
from policies.engine.meta import CCPA_SEC, GDPR_CIA
from policies.engine.tokens import ECR_REPOSITORY_POLICY

public_policy_rule(
    __name__,
    "ecr-repository-policy-not-public",
    unset={"policy": REQUIRED},
    types=(ECR_REPOSITORY_POLICY,),
    controls=("pci-7-2-1", GDPR_CIA, CCPA_SEC),
    description="No ECR repository policy allows a wildcard principal without a condition.",
    why="Anyone could pull the images (and the secrets and code baked into them) or, with write actions, push a "
    "poisoned image that the next deploy runs.",
    remediation="Name the accounts or roles that pull in `policy` on `aws.ecr.RepositoryPolicy`, or scope a "
    "wildcard principal with `aws:PrincipalOrgID`.",
)
