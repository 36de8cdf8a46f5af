"""The pulumi-policy private API the pack relies on (policies/engine/sdk.py), pinned name by name and by behaviour:
an SDK
upgrade that changes one fails here."""

from __future__ import annotations

import ast
from importlib.metadata import version
from pathlib import Path

import pytest

from policies.engine import sdk
from policies.engine.core import UNKNOWN, plain

POLICIES = Path(__file__).resolve().parents[2] / "policies"
STRING_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def test_the_sdk_is_the_pinned_version():
    assert version("pulumi-policy") == sdk.PINNED_VERSION
    assert f"pulumi-policy=={sdk.PINNED_VERSION}" in (POLICIES / "requirements.txt").read_text()


def test_no_other_module_touches_private_sdk_names():
    for path in POLICIES.glob("*.py"):
        if path.name == "sdk.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pulumi_policy"):
                assert node.module == "pulumi_policy", f"{path.name} imports {node.module}"
                assert not [a.name for a in node.names if a.name.startswith("_")], path.name


def test_unknown_checking_proxy_raises_the_unknown_error_the_checker_catches():
    proxy = sdk.unknown_checking_proxy({"a": STRING_UNKNOWN, "b": [1, STRING_UNKNOWN], "c": "ok"})
    assert sdk.is_proxy(proxy) and proxy["c"] == "ok"
    with pytest.raises(sdk.UnknownValueError):
        _ = proxy["a"]
    with pytest.raises(sdk.UnknownValueError):
        _ = proxy["b"][1]


def test_the_escape_hatch_reads_without_the_check_and_plain_maps_unknowns():
    proxy = sdk.unknown_checking_proxy({"a": STRING_UNKNOWN, "b": [STRING_UNKNOWN]})
    target = sdk.proxy_target(proxy)
    assert target["a"] == STRING_UNKNOWN and sdk.proxy_target(target["b"]) == [STRING_UNKNOWN]
    assert plain(proxy) == {"a": UNKNOWN, "b": [UNKNOWN]}


def test_not_applicable_error_is_the_sdks():
    from pulumi_policy import policy as sdk_policy

    assert sdk.NotApplicableError is sdk_policy._NotApplicableError
    assert issubclass(sdk.NotApplicableError, Exception)


def test_secret_values_unwrap():
    from pulumi_policy.secret import Secret

    assert sdk.is_secret(Secret("s3cret")) and plain(Secret({"k": "v"})) == {"k": "v"}
