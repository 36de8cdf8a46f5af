"""Stack policies of atlas (policies/rules/atlas.py): the generic cases of tests/policies/stack_cases.py."""

from __future__ import annotations

from tests.policies.stack_cases import generic_tests

globals().update(generic_tests("atlas"))


def test_a_service_account_created_without_a_secret_has_no_expiry_to_judge():
    from policies.engine import tokens as T
    from tests.policies.helpers import run_resource_policy

    account = {"orgId": "o", "name": "ci", "description": "CI", "roles": ["ORG_READ_ONLY"]}
    assert (
        run_resource_policy(
            "atlas-service-account-secret-expiry", T.ATLAS_SERVICE_ACCOUNT, {**account, "withoutInitialSecret": True}
        )
        == []
    )
    assert run_resource_policy("atlas-service-account-secret-expiry", T.ATLAS_SERVICE_ACCOUNT, account)
    assert (
        run_resource_policy(
            "atlas-service-account-secret-expiry",
            T.ATLAS_SERVICE_ACCOUNT,
            {**account, "secretExpiresAfterHours": 24},
            {"maximumHours": 24},
        )
        == []
    )
