"""IAM: no administrator policies, no role trust open to everyone."""

from __future__ import annotations

from policies.core import (PolicyDocumentError, Report, Res, admin_statements, known, policy_statements,
                           report_public_statements, resource_policy)
from policies.meta import CCPA_SEC, GDPR_CIA
from policies.tokens import IAM_POLICY, IAM_ROLE, IAM_ROLE_POLICY


def _documents(r: Res) -> list[tuple[str, object]]:
    if r.type == IAM_ROLE:
        inline = r.get("inlinePolicies")
        if not known(inline):
            return []
        return [(f"inlinePolicies[{i}]", p.get("policy")) for i, p in enumerate(inline or []) if isinstance(p, dict)]
    return [("policy", r.get("policy"))]


@resource_policy(
    "iam-no-admin-policy",
    types=(IAM_POLICY, IAM_ROLE_POLICY, IAM_ROLE), severity="critical", category="security",
    controls=("cis-1-16", "pci-7-2-2", GDPR_CIA, CCPA_SEC),
    description="No IAM policy grants `Action: *` on `Resource: *`.",
    why="Full administrator rights on a workload role turn any bug in it into an account takeover.",
    remediation="Narrow `policy` (`aws.iam.Policy`, `aws.iam.RolePolicy`, `inline_policies`) to the actions and "
                "resources the role needs (e.g. `elasticache:Connect` on the group and user).",
    checks={IAM_POLICY: ("policy",), IAM_ROLE_POLICY: ("policy",), IAM_ROLE: ("inlinePolicies[].policy",)},
)
def iam_no_admin_policy(r: Res, report: Report) -> None:
    for label, document in _documents(r):
        try:
            statements = policy_statements(document)
        except PolicyDocumentError as e:
            report(f"{label}: {e}")
            continue
        for s in admin_statements(statements or []):
            report(f"{label} statement {s.get('Sid', '(no Sid)')!r} allows every action on every resource")


@resource_policy(
    "iam-role-trust-not-public",
    types=(IAM_ROLE,), severity="critical", category="security",
    controls=("pci-7-2-1", GDPR_CIA, CCPA_SEC),
    description="No role trust policy lets any principal (`*`) assume the role without a condition.",
    why="A role assumable by everyone hands its permissions to every AWS account.",
    remediation="Set `assume_role_policy` to trust the specific service principal or role, with "
                "`aws:SourceAccount`/`sts:ExternalId` conditions where a third party assumes it.",
    checks=("assumeRolePolicy",),
)
def iam_role_trust_not_public(r: Res, report: Report) -> None:
    report_public_statements(r, "assumeRolePolicy", report, grants="lets any principal assume the role")
