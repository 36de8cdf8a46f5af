"""IAM-style policy documents (key, topic, bucket, secret, role policies): parsing them, and the statement tests
the policies share (public principals, admin grants, a deny of insecure transport)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from policies.engine.values import absent, contains_unknown, known

if TYPE_CHECKING:
    from policies.engine.views import Report, Res


class PolicyDocumentError(ValueError):
    pass


def policy_statements(document: Any) -> list[dict] | None:
    """The statements of an IAM/KMS/S3 policy document (JSON text or dict); None when unknown or secret."""
    if not known(document) or contains_unknown(document) or absent(document):
        return None
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError as e:
            raise PolicyDocumentError(f"policy document is not valid JSON ({e.msg} at char {e.pos})") from None
    if not isinstance(document, dict):
        raise PolicyDocumentError("policy document is not a JSON object")
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        raise PolicyDocumentError("policy document's Statement is neither a list nor an object")
    return [s for s in statements if isinstance(s, dict)]


def _as_str_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def principal_is_wildcard(principal: Any) -> bool:
    """``"*"``, ``{"AWS": "*"}`` or a list holding ``*`` in any principal kind."""
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any("*" in _as_str_list(v) for v in principal.values())
    return False


def public_allow_statements(statements: Sequence[dict]) -> list[dict]:
    """Allow statements granting a wildcard principal with no Condition: open to anyone."""
    return [
        s
        for s in statements
        if s.get("Effect") == "Allow" and principal_is_wildcard(s.get("Principal")) and not s.get("Condition")
    ]


def document_statements(r: Res, prop: str, report: Report) -> list[dict] | None:
    """The statements of the policy document in ``prop``; a malformed document is reported as ``<prop>: why``.

    None when the document is unknown, secret, absent or malformed, so callers never judge what they cannot read.
    """
    try:
        return policy_statements(r.get(prop))
    except PolicyDocumentError as e:
        report(f"{prop}: {e}")
        return None


def report_public_statements(
    r: Res, prop: str, report: Report, grants: str = "allows any principal without a condition"
) -> None:
    """Report each statement of the document in ``prop`` that is open to anyone (resource policies, trust policies)."""
    for s in public_allow_statements(document_statements(r, prop, report) or []):
        report(f"{prop} statement {s.get('Sid', '(no Sid)')!r} {grants}")


def denies_insecure_transport(statements: Sequence[dict]) -> bool:
    for s in statements:
        cond = s.get("Condition") or {}
        if s.get("Effect") != "Deny" or not isinstance(cond, dict):
            continue
        for op, body in cond.items():
            if op.startswith("Bool") and isinstance(body, dict):
                value = body.get("aws:SecureTransport")
                if "false" in [str(v).lower() for v in _as_str_list(value)] or value is False:
                    return True
    return False


def admin_statements(statements: Sequence[dict]) -> list[dict]:
    """Allow ``Action: *`` on ``Resource: *`` (full administrator)."""
    return [
        s
        for s in statements
        if s.get("Effect") == "Allow"
        and "*" in _as_str_list(s.get("Action"))
        and "*" in _as_str_list(s.get("Resource"))
    ]
