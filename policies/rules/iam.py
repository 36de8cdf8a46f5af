"""IAM: no administrator policies, no role trust open to everyone."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from policies.engine.core import (
    PolicyDocumentError,
    Report,
    Res,
    admin_statements,
    known,
    policy_statements,
    resource_policy,
)
from policies.engine.documents import _as_str_list
from policies.engine.facts import REQUIRED
from policies.engine.families import public_policy_rule
from policies.engine.meta import CCPA_SEC, GDPR_CIA
from policies.engine.tokens import IAM_POLICY, IAM_ROLE, IAM_ROLE_POLICY


def _documents(r: Res) -> list[tuple[str, object]]:
    if r.type == IAM_ROLE:
        inline = r.get("inlinePolicies")
        if not known(inline):
            return []
        return [(f"inlinePolicies[{i}]", p.get("policy")) for i, p in enumerate(inline or []) if isinstance(p, dict)]
    return [("policy", r.get("policy"))]


def _statements(r: Res, report: Report) -> Iterator[tuple[str, list[dict]]]:
    """(label, statements) of each policy document ``r`` holds; a malformed document is reported and skipped."""
    for label, document in _documents(r):
        try:
            statements = policy_statements(document)
        except PolicyDocumentError as e:
            report(f"{label}: {e}")
            continue
        yield label, statements or []


@resource_policy(
    "iam-no-admin-policy",
    unset={"policy": REQUIRED, "inlinePolicies.0.policy": REQUIRED},
    types=(IAM_POLICY, IAM_ROLE_POLICY, IAM_ROLE),
    severity="critical",
    category="security",
    controls=("cis-1-16", "pci-7-2-2", GDPR_CIA, CCPA_SEC, "fsbp-iam-1"),
    description="No IAM policy grants `Action: *` on `Resource: *`.",
    why="Full administrator rights on a workload role turn any bug in it into an account takeover.",
    remediation="Narrow `policy` (`aws.iam.Policy`, `aws.iam.RolePolicy`, `inline_policies`) to the actions and "
    "resources the role needs (e.g. `elasticache:Connect` on the group and user).",
    checks={IAM_POLICY: ("policy",), IAM_ROLE_POLICY: ("policy",), IAM_ROLE: ("inlinePolicies[].policy",)},
)
def iam_no_admin_policy(r: Res, report: Report) -> None:
    for label, statements in _statements(r, report):
        for s in admin_statements(statements):
            report(f"{label} statement {s.get('Sid', '(no Sid)')!r} allows every action on every resource")


public_policy_rule(
    __name__,
    "iam-role-trust-not-public",
    unset={"assumeRolePolicy": REQUIRED},
    types=(IAM_ROLE,),
    prop="assumeRolePolicy",
    grants="lets any principal assume the role",
    controls=("pci-7-2-1", GDPR_CIA, CCPA_SEC),
    description="No role trust policy lets any principal (`*`) assume the role without a condition.",
    why="A role assumable by everyone hands its permissions to every AWS account.",
    remediation="Set `assume_role_policy` to trust the specific service principal or role, with "
    "`aws:SourceAccount`/`sts:ExternalId` conditions where a third party assumes it.",
)


_DECRYPT = ("kms:decrypt", "kms:reencryptfrom")


def _allows(action: str, wanted: str) -> bool:
    """An IAM action pattern (``kms:*``, ``kms:Decr*``, ``*``) matches ``wanted`` (case-insensitive)."""
    return fnmatch.fnmatchcase(wanted, action.lower())


def _all_keys(resource: str) -> bool:
    return resource == "*" or resource.lower().endswith(":key/*") and resource.lower().startswith("arn:")


@resource_policy(
    "iam-no-decrypt-all-keys",
    unset={"policy": REQUIRED, "inlinePolicies.0.policy": "unset: the inline policy allows nothing"},
    types=(IAM_POLICY, IAM_ROLE_POLICY, IAM_ROLE),
    severity="high",
    category="security",
    controls=("pci-3-6-1", "pci-7-2-2", GDPR_CIA, "fsbp-kms-1", "fsbp-kms-2"),
    description="No IAM policy allows `kms:Decrypt` or `kms:ReEncryptFrom` on every key (`Resource: *` or `key/*`).",
    why="Key policies are the second lock on encrypted data; an identity policy that may decrypt with any key "
    "opens every key whose policy trusts the account (the usual default).",
    remediation="Set `policy=` to a document whose kms statements name the key ARNs the role uses in `Resource` "
    "(the service component does: the compute and relational keys only).",
    checks={IAM_POLICY: ("policy",), IAM_ROLE_POLICY: ("policy",), IAM_ROLE: ("inlinePolicies[].policy",)},
)
def iam_no_decrypt_all_keys(r: Res, report: Report) -> None:
    for label, statements in _statements(r, report):
        for s in statements:
            if s.get("Effect") != "Allow" or "NotResource" in s or "NotAction" in s:
                continue
            actions = [a for a in _as_str_list(s.get("Action")) if any(_allows(a, wanted) for wanted in _DECRYPT)]
            if actions and any(_all_keys(res) for res in _as_str_list(s.get("Resource"))):
                report(f"{label} statement {s.get('Sid', '(no Sid)')!r} allows {', '.join(actions)} on every KMS key")


@resource_policy(
    "iam-no-service-wildcard-actions",
    unset={"policy": REQUIRED},
    types=(IAM_POLICY,),
    severity="medium",
    category="security",
    controls=("pci-7-2-2", GDPR_CIA, "fsbp-iam-21"),
    description="Customer managed policies allow no `<service>:*` action.",
    why="A service wildcard grants every present and future action of the service, including the destructive "
    "and the administrative ones.",
    remediation="Set `policy=` to a document listing the actions the role needs (`sqs:SendMessage`, not `sqs:*`).",
    checks=("policy",),
)
def iam_no_service_wildcard_actions(r: Res, report: Report) -> None:
    try:
        statements = policy_statements(r.get("policy"))
    except PolicyDocumentError as e:
        report(f"policy: {e}")
        return
    for s in statements or []:
        if s.get("Effect") != "Allow":
            continue
        wild = [a for a in _as_str_list(s.get("Action")) if a.endswith(":*")]
        if wild:
            report(f"policy statement {s.get('Sid', '(no Sid)')!r} allows {', '.join(wild)}")
