"""Policy families: one check, several services. Each factory declares a resource policy (with all the metadata of
``resource_policy``) whose body is the family's, so "no public principal" or "deny plain HTTP" is written once and
every service's policy says the same thing the same way.

    public_policy_rule(__name__, "sqs-policy-not-public", types=(SQS_QUEUE_POLICY,), ...)

``module`` is the declaring rule module's ``__name__``: the policy's service is read from it, as for a decorated
policy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from policies.engine.core import resource_policy
from policies.engine.documents import denies_insecure_transport, document_statements, report_public_statements
from policies.engine.values import absent, as_list, is_true, known, num, show
from policies.engine.views import Report, Res


def _declare(module: str, body: Callable[[Res, Report], None], doc: str, id: str, **meta: Any) -> Any:
    body.__module__ = module
    body.__qualname__ = body.__name__ = id.replace("-", "_")
    body.__doc__ = doc
    return resource_policy(id, **meta)(body)


def public_policy_rule(
    module: str,
    id: str,
    *,
    types: Sequence[str],
    prop: str = "policy",
    grants: str = "allows any principal without a condition",
    severity: str = "critical",
    **meta: Any,
) -> Any:
    """A resource policy that reports every statement of the document in ``prop`` open to anyone (a wildcard
    principal with no condition)."""

    def check(r: Res, report: Report) -> None:
        report_public_statements(r, prop, report, grants=grants)

    return _declare(
        module,
        check,
        f"No statement of `{prop}` is open to any principal.",
        id,
        types=types,
        severity=severity,
        category="security",
        checks=(prop,),
        **meta,
    )


def insecure_transport_rule(
    module: str, id: str, *, types: Sequence[str], prop: str = "policy", severity: str = "medium", **meta: Any
) -> Any:
    """A resource policy that requires the document in ``prop`` to deny requests made without TLS
    (``aws:SecureTransport`` false)."""

    def check(r: Res, report: Report) -> None:
        statements = document_statements(r, prop, report)
        if statements is not None and not denies_insecure_transport(statements):
            report(f"{prop} has no Deny for aws:SecureTransport=false")

    return _declare(
        module,
        check,
        f"`{prop}` denies requests made without TLS.",
        id,
        types=types,
        severity=severity,
        category="security",
        checks=(prop,),
        **meta,
    )


def flag_rule(
    module: str, id: str, *, types: Sequence[str], prop: str, want: bool, default: bool | None, harm: str, **meta: Any
) -> Any:
    """A resource policy that requires the boolean ``prop`` to be ``want``. ``default`` is the service's value when
    the property is unset (judged like a declared one); None when unset has no default to judge (then not
    reported)."""

    def check(r: Res, report: Report) -> None:
        value = r.get(prop)
        if not known(value) or (absent(value) and default is None):
            return
        if is_true(default if absent(value) else value) != want:
            report(f"{prop} is {show(value)}: {harm}")

    if default == want:  # declared: unset is compliant (the metadata states only compliant defaults)
        meta.setdefault("defaults", {prop: default})
    return _declare(module, check, f"`{prop}` is {want}.", id, types=types, checks=(prop,), **meta)


def retention_rule(module: str, id: str, *, types: Sequence[str], prop: str, minimum: int, **meta: Any) -> Any:
    """A resource policy that requires ``prop`` (days of automated backups) to be at least the ``minimumDays``
    setting (default ``minimum``, the catalogue's); unset is the service's default of 1 day."""

    def check(r: Res, report: Report) -> None:
        raw = r.get(prop)
        if not known(raw):
            return
        days, floor = (1 if absent(raw) else num(raw)), r.setting("minimumDays")
        if days is None or days < floor:
            report(f"{prop} is {show(raw)}: at least {floor} days of automated backups required")

    return _declare(
        module,
        check,
        f"`{prop}` is at least `minimumDays` days.",
        id,
        types=types,
        checks=(prop,),
        config={"minimumDays": minimum},
        config_descriptions={"minimumDays": "Shortest allowed automated backup retention, in days."},
        **meta,
    )


def log_export_rule(module: str, id: str, *, types: Sequence[str], prop: str, log: str, **meta: Any) -> Any:
    """A resource policy that requires the list ``prop`` of exported log types to include ``log``."""

    def check(r: Res, report: Report) -> None:
        value = r.get(prop)
        if not known(value) or any(not known(v) for v in as_list(value)):
            return
        if log not in as_list(value):
            report(f"{prop} is {show(value)}: the {log} log is not sent to CloudWatch Logs")

    return _declare(module, check, f"`{prop}` includes `{log}`.", id, types=types, checks=(prop,), **meta)
