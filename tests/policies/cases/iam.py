"""Resource-policy cases of ``policies/rules/iam.py``: a compliant resource per case and, for every property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

from policies.engine import tokens as T
from tests.policies.cases.shapes import (
    ACCOUNT,
    ADMIN,
    CONNECT,
    DECRYPT_ALL,
    DECRYPT_ONE_KEY,
    LAMBDA_TRUST,
    PUBLIC_TRUST,
    doc,
)
from tests.policies.helpers import Case

_BY_ALIAS = {"kms:ResourceAliases": ["alias/ecomart-prod/artifacts"]}

CASES = {
    # IAM
    "iam-no-admin-policy": [
        Case(T.IAM_POLICY, {"name": "ecomart-prod-cache-connect", "policy": doc(CONNECT)}, {"policy": doc(ADMIN)}),
        Case(T.IAM_ROLE_POLICY, {"role": "r", "policy": doc(CONNECT)}, {"policy": doc(CONNECT, ADMIN)}),
        Case(
            T.IAM_ROLE,
            {"assumeRolePolicy": doc(LAMBDA_TRUST), "inlinePolicies": [{"name": "connect", "policy": doc(CONNECT)}]},
            {"inlinePolicies.0.policy": doc(ADMIN)},
        ),
    ],
    "iam-no-decrypt-all-keys": [
        Case(T.IAM_ROLE_POLICY, {"role": "r", "policy": doc(DECRYPT_ONE_KEY)}, {"policy": doc(DECRYPT_ALL)}),
        Case(
            T.IAM_POLICY,
            {"name": "p", "policy": doc(DECRYPT_ONE_KEY)},
            {"policy": doc({**DECRYPT_ALL, "Action": "kms:*", "Resource": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*"})},
            label="kms:* on key/*",
        ),
        Case(
            T.IAM_ROLE,
            {"assumeRolePolicy": doc(LAMBDA_TRUST), "inlinePolicies": [{"name": "k", "policy": doc(DECRYPT_ONE_KEY)}]},
            {"inlinePolicies.0.policy": doc(DECRYPT_ALL)},
            label="inline",
        ),
        # ABAC: every key of the account, held to the stack's aliases (bootstrap's deploy role for the artifact key)
        Case(
            T.IAM_POLICY,
            {"name": "p", "policy": doc({**DECRYPT_ALL, "Condition": {"ForAnyValue:StringEquals": _BY_ALIAS}})},
            {"policy": doc({**DECRYPT_ALL, "Condition": {"ForAllValues:StringEquals": _BY_ALIAS}})},
            label="alias condition, ForAllValues matches a key without aliases",
        ),
    ],
    "iam-no-service-wildcard-actions": [
        Case(
            T.IAM_POLICY,
            {"name": "ecomart-prod-cache-connect", "policy": doc(CONNECT)},
            {"policy": doc({**CONNECT, "Action": "elasticache:*"})},
        ),
    ],
    "iam-role-trust-not-public": [
        Case(T.IAM_ROLE, {"assumeRolePolicy": doc(LAMBDA_TRUST)}, {"assumeRolePolicy": doc(PUBLIC_TRUST)}),
    ],
}


# iam-document-valid: one good statement per document kind, and the four mistakes the lint names.
_GOOD = {
    "Sid": "ReadOrders",
    "Effect": "Allow",
    "Action": ["s3:GetObject", "sqs:SendMessage"],
    "Resource": ["arn:aws:s3:::orders-bucket/*", f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders"],
    "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT, "s3:ExistingObjectTag/tier": "data"}},
}
_TYPO = {**_GOOD, "Action": ["s3:GetObjects"]}  # no such action
_WRONG_ARN = {**_GOOD, "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::orders-bucket"]}  # a bucket, not objects
_BAD_KEY = {**_GOOD, "Condition": {"StringEquals": {"s3:ObjectTier": "data"}}}  # no such condition key
_NOT_ACTION = {"Sid": "AllButIam", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
_TRUST = {
    "Effect": "Allow",
    "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}},
}
_KEY = {
    "Sid": "Admin",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": "kms:*",
    "Resource": "*",
    "Condition": {"StringEquals": {"kms:CallerAccount": ACCOUNT}},
}


def _doc_cases(rtype: str, prop: str, good: dict, extra: dict | None = None) -> list[Case]:
    base = {**(extra or {}), prop: doc(good)}
    return [
        Case(rtype, base, {prop: doc({**good, "Action": "s3:GetObjects"})}, label="unknown action"),
        Case(
            rtype, base, {prop: doc({**good, "Condition": {"StringEquals": {"s3:ObjectTier": "x"}}})}, label="bad key"
        ),
    ]


CASES["iam-document-valid"] = [
    Case(T.IAM_POLICY, {"policy": doc(_GOOD)}, {"policy": doc(_TYPO)}, label="unknown action"),
    Case(T.IAM_POLICY, {"policy": doc(_GOOD)}, {"policy": doc(_WRONG_ARN)}, label="wrong ARN type"),
    Case(T.IAM_POLICY, {"policy": doc(_GOOD)}, {"policy": doc(_BAD_KEY)}, label="unknown condition key"),
    Case(T.IAM_POLICY, {"policy": doc(_GOOD)}, {"policy": doc(_NOT_ACTION)}, label="NotAction with Allow"),
    Case(
        T.IAM_POLICY, {"policy": doc(_GOOD)}, {"policy": doc({**_GOOD, "Action": "s4:GetObject"})}, label="no service"
    ),
    Case(T.IAM_ROLE_POLICY, {"role": "r", "policy": doc(_GOOD)}, {"policy": doc(_WRONG_ARN)}),
    Case(
        T.IAM_ROLE,
        {"assumeRolePolicy": doc(_TRUST), "inlinePolicies": [{"name": "p", "policy": doc(_GOOD)}]},
        {
            "assumeRolePolicy": doc({**_TRUST, "Condition": {"StringEquals": {"sts:WebIdentityAud": "x"}}}),
            "inlinePolicies.0.policy": doc(_TYPO),
        },
    ),
    *_doc_cases(T.KMS_KEY, "policy", _KEY),
    *_doc_cases(T.KMS_KEY_POLICY, "policy", _KEY, {"keyId": "k"}),
    *_doc_cases(
        T.S3_POLICY, "policy", {**_GOOD, "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}, {"bucket": "b"}
    ),
    *_doc_cases(
        T.SQS_QUEUE_POLICY, "policy", {**_GOOD, "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}, {"queueUrl": "q"}
    ),
    *_doc_cases(
        T.SNS_TOPIC_POLICY, "policy", {**_GOOD, "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}, {"arn": "t"}
    ),
    *_doc_cases(
        T.SECRET_POLICY, "policy", {**_GOOD, "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}, {"secretArn": "s"}
    ),
    *_doc_cases(
        T.ECR_REPOSITORY_POLICY,
        "policy",
        {**_GOOD, "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}},
        {"repository": "r"},
    ),
]
