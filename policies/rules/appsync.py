"""AppSync: how GraphQL APIs authenticate callers."""

from __future__ import annotations

from policies.engine.core import Report, Res, known, resource_policy, show
from policies.engine.facts import REQUIRED
from policies.engine.meta import CCPA_SEC, GDPR_CIA
from policies.engine.tokens import APPSYNC_API


@resource_policy(
    "appsync-no-api-key-auth",
    unset={"authenticationType": REQUIRED, "additionalAuthenticationProviders.0.authenticationType": REQUIRED},
    types=(APPSYNC_API,),
    severity="high",
    category="security",
    controls=("pci-8-3-1", GDPR_CIA, CCPA_SEC, "fsbp-appsync-5"),
    description="GraphQL APIs authenticate callers with IAM, Cognito, OIDC or a Lambda authorizer, never an API key "
    "(as the default or as an additional provider).",
    why="An API key is a shared static secret shipped to every client: it identifies no one and leaks with the "
    "app bundle.",
    remediation='Set `authentication_type="AMAZON_COGNITO_USER_POOLS"` (or AWS_IAM/OPENID_CONNECT/AWS_LAMBDA) and '
    "remove API_KEY from `additional_authentication_providers`.",
    checks=("authenticationType", "additionalAuthenticationProviders[].authenticationType"),
)
def appsync_no_api_key_auth(r: Res, report: Report) -> None:
    default = r.get("authenticationType")
    if known(default) and default == "API_KEY":
        report(f"authenticationType is {show(default)}")
    extra = r.get("additionalAuthenticationProviders")
    if known(extra):
        for i, provider in enumerate(extra or []):
            if isinstance(provider, dict) and provider.get("authenticationType") == "API_KEY":
                report(f"additionalAuthenticationProviders[{i}].authenticationType is API_KEY")
