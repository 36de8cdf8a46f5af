"""Lambda's code-signing policies beyond the generic cases (tests/policies/resource_cases.py): a foreign stack's
unsigned functions in the portable profile, its Signer defaults, and what our own prod config requires."""

from __future__ import annotations

from policies.engine import enforcement
from policies.engine.checker import check_export

STACK = {"urn": "urn:pulumi:x::p::pulumi:pulumi:Stack::p-x", "type": "pulumi:pulumi:Stack", "custom": False}


def _doc(*resources):
    return {"version": 3, "deployment": {"resources": [STACK, *resources]}}


def _res(typ: str, name: str, inputs: dict) -> dict:
    return {"urn": f"urn:pulumi:x::p::{typ}::{name}", "type": typ, "custom": True, "inputs": inputs}


def _findings(doc, profile: str, *policies: str):
    result = check_export(doc, stack="x", config_file=enforcement.CONFIG_DIR / f"{profile}.json")
    return sorted((v.policy, v.urn.rsplit("::", 1)[-1]) for v in result.violations if v.policy in policies)


SIGNING = ("lambda-code-signing", "lambda-code-signing-enforced", "signer-profile-lambda-platform")
FN = "aws:lambda/function:Function"
CSC = "aws:lambda/codeSigningConfig:CodeSigningConfig"
PROFILE = "aws:signer/signingProfile:SigningProfile"


def test_a_foreign_stacks_unsigned_function_and_warning_config_are_reported_in_portable():
    doc = _doc(
        _res(FN, "unsigned", {"name": "unsigned", "runtime": "python3.12", "handler": "h"}),
        _res(FN, "image", {"name": "image", "packageType": "Image", "imageUri": "1.dkr.ecr/x@sha256:0"}),
        _res(CSC, "warns", {"allowedPublishers": {"signingProfileVersionArns": ["arn:aws:signer:::p/v"]}}),
        _res(PROFILE, "iot", {"platformId": "AWSIoTDeviceManagement-SHA256-ECDSA"}),
    )
    assert _findings(doc, "portable", *SIGNING) == [
        ("lambda-code-signing", "unsigned"),
        ("lambda-code-signing-enforced", "warns"),
        ("signer-profile-lambda-platform", "iot"),
    ]


def test_signers_default_validity_passes_portable_but_not_our_60_months():
    """NIST sets no signature lifetime: portable judges the platform only; our stacks' configs cap it at 60
    months (platform_rules.LAMBDA_SIGNATURE_VALIDITY_MONTHS)."""
    default = _doc(_res(PROFILE, "default", {"platformId": "AWSLambda-SHA384-ECDSA"}))
    longest = _doc(
        _res(
            PROFILE,
            "longest",
            {"platformId": "AWSLambda-SHA384-ECDSA", "signatureValidityPeriod": {"type": "YEARS", "value": 11}},
        )
    )
    assert _findings(default, "portable", *SIGNING) == [] and _findings(longest, "portable", *SIGNING) == []
    assert _findings(default, "prod", *SIGNING) == [("signer-profile-lambda-platform", "default")]
    assert _findings(longest, "dev", *SIGNING) == [("signer-profile-lambda-platform", "longest")]


def test_an_exactly_60_month_profile_passes_and_61_does_not():
    def profile(value):
        return _doc(
            _res(
                PROFILE,
                "p",
                {"platformId": "AWSLambda-SHA384-ECDSA", "signatureValidityPeriod": {"type": "MONTHS", "value": value}},
            )
        )

    assert _findings(profile(60), "prod", *SIGNING) == []
    assert _findings(profile(61), "prod", *SIGNING) == [("signer-profile-lambda-platform", "p")]
