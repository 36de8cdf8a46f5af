"""policies/engine/taggable_types.py (generated) says exactly which resource types take tags, for the services the
stacks
use. The full list is regenerated with `python -m policies.engine.taggable` (a minute: it imports all of pulumi-aws)."""

from __future__ import annotations

import pytest

from policies.engine.taggable import provider_modules, taggable_in
from policies.engine.taggable_types import TAGGABLE_TYPES

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SERVICES = (
    "ec2",
    "vpc",
    "rds",
    "elasticache",
    "kms",
    "cloudwatch",
    "sns",
    "backup",
    "iam",
    "secretsmanager",
    "lambda",
    "index",
)


@pytest.fixture(scope="module")
def sdk():
    return taggable_in(provider_modules(services=SERVICES))


def test_generated_list_matches_the_sdk_for_the_services_in_use(sdk):
    taggable, every = sdk
    listed = {t for t in TAGGABLE_TYPES if t in every}
    assert listed == taggable, {"missing": sorted(taggable - listed), "stale": sorted(listed - taggable)}


def test_list_covers_what_the_stacks_declare(sdk):
    taggable, _ = sdk
    for token in (
        "aws:rds/instance:Instance",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:elasticache/user:User",
        "mongodbatlas:index/advancedCluster:AdvancedCluster",
    ):
        assert token in taggable and token in TAGGABLE_TYPES
    for token in ("aws:kms/alias:Alias", "aws:cloudwatch/dashboard:Dashboard", "aws:backup/selection:Selection"):
        assert token not in TAGGABLE_TYPES
