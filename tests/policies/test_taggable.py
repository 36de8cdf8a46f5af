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


def test_walking_the_sdk_leaves_every_class_in_its_package():
    """Importing ``pulumi_aws.rds.cluster`` while ``pulumi_aws.rds`` was still pulumi's lazy placeholder left the
    package without ``Cluster`` for the rest of the process: ``tests/policies/test_provider_schema.py`` failed for
    both Cluster types whenever this module's fixture ran first in the same worker. A fresh interpreter with the
    SDK's lazy packages in place, as the test workers have them:"""
    import subprocess
    import sys

    script = (
        "import warnings; warnings.simplefilter('ignore'); import sys, ecomart.synthesis; "
        "from policies.engine.taggable import provider_modules, taggable_in; "
        "assert type(sys.modules['pulumi_aws.rds']).__name__ == '_LazyModule'; "
        "taggable_in(provider_modules(services=('rds', 'elasticache'))); "
        "import pulumi_aws.rds, pulumi_aws.elasticache; "
        "print(hasattr(pulumi_aws.rds, 'Cluster'), hasattr(pulumi_aws.elasticache, 'Cluster'))"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.stdout.split() == ["True", "True"], run.stderr[-1500:]
