"""Pulumi's secret envelope in every form a stack export carries, read by the checker directly (decode): ciphertext
stays opaque but set, plaintext and value envelopes are unwrapped (JSON inside plaintext included), nesting works
both ways, and a judged property behind an opaque secret is never a finding nor a pass by accident."""

from __future__ import annotations

from policies.engine.checker import SECRET_SIG, SECRET_SIG_KEY, check_export, decode
from policies.engine.core import OpaqueSecret, absent, known

SIG = {SECRET_SIG_KEY: SECRET_SIG}


def test_ciphertext_is_opaque_and_counts_as_set():
    value = decode({**SIG, "ciphertext": "v1:abc"})
    assert isinstance(value, OpaqueSecret) and not absent(value) and not known(value)


def test_plaintext_json_and_string_and_value_forms_unwrap():
    assert decode({**SIG, "plaintext": "true"}) is True
    assert decode({**SIG, "plaintext": '"arn:aws:kms:us-east-1:1:key/k"'}) == "arn:aws:kms:us-east-1:1:key/k"
    assert decode({**SIG, "plaintext": '{"a": [1, 2]}'}) == {"a": [1, 2]}
    assert decode({**SIG, "plaintext": "not json"}) == "not json"
    assert decode({**SIG, "value": {"k": "v"}}) == {"k": "v"}


def test_nested_secrets_both_ways():
    inner = {**SIG, "ciphertext": "v1:x"}
    outer = decode({**SIG, "plaintext": '{"k": 1}'})
    assert outer == {"k": 1}
    doc = decode({"a": {"b": [inner, {**SIG, "value": {**SIG, "plaintext": "5"}}]}})
    assert isinstance(doc["a"]["b"][0], OpaqueSecret) and doc["a"]["b"][1] == 5


def test_a_secret_plaintext_is_judged_and_a_ciphertext_is_not():
    stack = {"urn": "urn:pulumi:prod::p::pulumi:pulumi:Stack::p-prod", "type": "pulumi:pulumi:Stack", "custom": False}

    def db(value) -> dict:
        return {
            "version": 3,
            "deployment": {
                "resources": [
                    stack,
                    {
                        "urn": "urn:pulumi:prod::p::aws:rds/instance:Instance::db",
                        "type": "aws:rds/instance:Instance",
                        "custom": True,
                        "inputs": {"identifier": "db", "publiclyAccessible": value},
                    },
                ]
            },
        }

    def public_findings(value) -> list:
        return [
            v for v in check_export(db(value), stack="prod").violations if v.policy == "rds-not-publicly-accessible"
        ]

    assert public_findings({**SIG, "plaintext": "true"}), "plaintext true is judged: public"
    assert not public_findings({**SIG, "plaintext": "false"})
    assert not public_findings({**SIG, "ciphertext": "v1:zzz"}), "ciphertext is never judged"
