"""KMS: a rotated customer-managed key per data domain, policies without wildcard principals."""

from __future__ import annotations

import json
import re

import pytest

from components.contract import Placement, SettingError
from components.kms import DOMAINS, PRIMARY_DOMAINS, DomainKeys, Kms, KmsLinks, KmsSettings
from ecomart.synthesis import synthesize
from tests.conftest import one


def keys(synth):
    """The domain keys (encryption keys tagged with their data domain; the service's HMAC key is not one)."""
    return {
        r.inputs["tags"]["data-domain"] + ("-dr" if r.name.endswith("-dr") else ""): r
        for r in synth.of_type("aws:kms/key:Key")
        if "data-domain" in r.inputs["tags"]
    }


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_one_rotated_key_per_domain(stack, dev, prod):
    synth = {"dev": dev, "prod": prod}[stack]
    found = keys(synth)
    assert set(DOMAINS) <= set(found)
    for key in found.values():
        assert key.inputs["enableKeyRotation"] is True
        assert key.inputs["customerMasterKeySpec"] == "SYMMETRIC_DEFAULT"
    expected_window = 30 if stack == "prod" else 7
    assert {k.inputs["deletionWindowInDays"] for k in found.values()} == {expected_window}


def test_secondary_region_keys_only_in_prod(dev, prod):
    assert not [k for k in keys(dev) if k.endswith("-dr")]
    dr = {k: r for k, r in keys(prod).items() if k.endswith("-dr")}
    assert set(dr) == {"relational-dr", "backups-dr"}
    assert {r.inputs["region"] for r in dr.values()} == {prod.config.secondary_region}


def test_every_key_has_an_alias(prod):
    aliases = {a.inputs["name"]: a for a in prod.of_type("aws:kms/alias:Alias")}
    for domain in DOMAINS:
        alias = aliases[f"alias/ecomart-prod/{domain}"]
        owner = "catalog-document-key" if domain == "document" else f"keys-{domain}"  # Atlas owns the document key
        key = one(prod, "aws:kms/key:Key", owner)
        assert alias.inputs["targetKeyId"] == key.outputs["keyId"]


def _statements(key):
    return json.loads(key.inputs["policy"])["Statement"]


@pytest.mark.parametrize("domain", [d for d in DOMAINS if d != "document"])
def test_key_policies_have_no_wildcard_principal_and_scope_services(prod, domain):
    key = one(prod, "aws:kms/key:Key", f"keys-{domain}")
    statements = _statements(key)
    for st in statements:
        principal = st["Principal"]
        assert principal != "*" and principal.get("AWS") != "*", st
        if "AWS" in principal:
            assert principal["AWS"] == "arn:aws:iam::123456789012:root"
        if st["Sid"] != "AccountRootAdministersKey":
            assert "Condition" in st, f"service use must be scoped: {st['Sid']}"
            assert "kms:*" not in st["Action"]
    admin = next(st for st in statements if st["Sid"] == "AccountRootAdministersKey")
    assert "kms:Decrypt" not in admin["Action"], "administration does not include data use"


def test_via_service_conditions_name_the_region(prod):
    relational = _statements(one(prod, "aws:kms/key:Key", "keys-relational"))
    via = {st["Condition"]["StringEquals"]["kms:ViaService"] for st in relational if "Condition" in st}
    assert via == {
        "rds.us-east-1.amazonaws.com",
        "secretsmanager.us-east-1.amazonaws.com",
        "sqs.us-east-1.amazonaws.com",
    }
    logs = _statements(one(prod, "aws:kms/key:Key", "keys-logs"))
    services = {st["Principal"].get("Service") for st in logs}
    assert {"logs.us-east-1.amazonaws.com", "cloudwatch.amazonaws.com"} <= services


def test_children_are_parented_to_the_component(prod):
    comp = one(prod, "ecomart:security:Kms")
    kids = [
        r for r in prod.resources if r.type in ("aws:kms/key:Key", "aws:kms/alias:Alias") and r.name.startswith("keys-")
    ]
    assert len(kids) == 2 * (len(PRIMARY_DOMAINS) + 2) and all(r.parent == comp.urn for r in kids)
    assert {r.parent for r in prod.resources if r.type == "aws:kms/key:Key"} == {
        comp.urn,
        one(prod, "ecomart:data:Atlas").urn,
        one(prod, "ecomart:app:Service").urn,  # its HMAC key for fraud-link fingerprints, not a domain key
    }


def test_domain_keys_are_typed_and_a_missing_one_is_named():
    keys = DomainKeys()
    assert keys.arns() == {}
    with pytest.raises(ValueError, match="no document key: add 'document' to KmsSettings.domains"):
        keys.require("document")


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        ({"domains": ("relational", "audit")}, "KmsSettings.domains is ('relational', 'audit'): must be one of"),
        ({"deletion_window_days": 5}, "KmsSettings.deletion_window_days is 5: must be 7..30"),
    ],
)
def test_bad_settings_are_refused_before_anything_is_declared(kwargs, fragment):
    with pytest.raises(SettingError, match=re.escape(fragment)):
        KmsSettings(**kwargs)


def test_kms_alone_declares_exactly_the_requested_domains():
    def program(cfg):
        kms = Kms(
            "solo",
            KmsSettings(domains=("cache",), deletion_window_days=7, secondary_domains=("cache",)),
            KmsLinks(secondary_region="eu-central-1"),
            Placement(prefix="solo", region="eu-west-1"),
        )
        assert kms.keys.relational is None and kms.keys.cache is not None
        return {"arns": kms.keys.arns(), "dr": kms.secondary_keys.arns()}

    synth = synthesize("dev", program=program)
    keys = synth.of_type("aws:kms/key:Key")
    assert sorted((k.name, k.inputs.get("region")) for k in keys) == [
        ("solo-cache", None),
        ("solo-cache-dr", "eu-central-1"),
    ]
    assert set(synth.outputs["arns"]) == {"cache"} and set(synth.outputs["dr"]) == {"cache"}
