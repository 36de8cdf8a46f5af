"""Stack policies of secretsmanager (policies/rules/secretsmanager.py): the generic cases of
tests/policies/stack_cases.py."""

from __future__ import annotations

from tests.policies.stack_cases import compliant_stack, generic_tests, run  # noqa: F401

globals().update(generic_tests("secretsmanager"))


def test_a_secret_nothing_rotates_fails_fsbp_secretsmanager_1(mandatory):
    """The miss the issue reported: a secret with no SecretRotation at all was "not applicable"."""
    doc = compliant_stack()
    doc["deployment"]["resources"] = [
        e for e in doc["deployment"]["resources"] if not e["urn"].endswith("::partner-api-rotation")
    ]
    assert run("stack-secrets-rotated", doc, mandatory) == ["partner-api: secret partner-api has no rotation"]
