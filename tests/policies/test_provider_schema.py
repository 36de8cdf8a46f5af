"""Every resource type token and every property path a policy reads exists in pulumi-aws 7.51 / pulumi-mongodbatlas
4.18, spelled as the engine spells it (camelCase, nested objects too)."""

from __future__ import annotations

import pytest

from policies.engine.core import meta_of
from policies.engine.registry import all_policies
from tests.policies.provider_schema import has_path, resource_class

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


# Outputs the stack policies match references against (present in a deployed stack's state, not in inputs).
OUTPUT_PROPERTIES = {"arn", "id"}
PAIRS = sorted(
    {
        (t, path)
        for p in all_policies()
        for t, paths in meta_of(p).checks.items()
        if len(meta_of(p).resource_types) <= 12
        for path in paths
    }
)
# pulumi:pulumi:Stack (the engine's root resource, which stack-waivers-current anchors on) has no provider.
TYPES = sorted(
    {
        t
        for p in all_policies()
        for t in meta_of(p).resource_types
        if len(meta_of(p).resource_types) <= 12 and not t.startswith("pulumi:")
    }
)


@pytest.mark.parametrize("token", TYPES)
def test_type_token_is_registered_by_the_provider(token):
    assert resource_class(token) is not None


@pytest.mark.parametrize("token,path", PAIRS, ids=[f"{t.rsplit(':', 1)[-1]}.{p}" for t, p in PAIRS])
def test_property_path_exists(token, path):
    assert path in OUTPUT_PROPERTIES or has_path(token, path) or is_output(token, path), (
        f"{token} has no input or output {path}"
    )


def is_output(token: str, path: str) -> bool:
    """A top-level output the provider computes (``privateLinkId`` of an Atlas private endpoint)."""
    import re

    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", path).lower()
    cls = resource_class(token)
    return "." not in path and "[" not in path and isinstance(getattr(cls, snake, None), property)


def test_a_misspelt_output_is_caught():
    assert is_output("mongodbatlas:index/privateLinkEndpoint:PrivateLinkEndpoint", "privateLinkId")
    assert not is_output("mongodbatlas:index/privateLinkEndpoint:PrivateLinkEndpoint", "privateLinkID")


def test_a_misspelt_property_is_caught():
    assert not has_path("aws:rds/instance:Instance", "multiAZ")
    assert not has_path("aws:elasticache/replicationGroup:ReplicationGroup", "logDeliveryConfigurations[].logTyp")
    assert has_path(
        "mongodbatlas:index/advancedCluster:AdvancedCluster",
        "replicationSpecs[].regionConfigs[].electableSpecs.nodeCount",
    )
