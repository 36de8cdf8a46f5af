"""The pack's shape: how many policies, what each carries, and the anchors issue 4 sets (what Pulumi's
compliance-ready policies and checkov miss)."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy

from policies.engine import tokens as T
from policies.engine.core import meta_of
from policies.engine.meta import CONTROLS, FRAMEWORKS
from policies.engine.registry import MODULES, all_policies, resource_policies, stack_policies

POLICIES = all_policies()


def test_counts():
    assert len(resource_policies()) >= 50
    assert len(stack_policies()) >= 6
    assert all(isinstance(p, ResourceValidationPolicy) for p in resource_policies())
    assert all(isinstance(p, StackValidationPolicy) for p in stack_policies())


def test_ids_are_unique_kebab_case():
    names = [p.name for p in POLICIES]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", n) for n in names)


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_each_policy_carries_its_metadata(policy):
    meta = meta_of(policy)
    assert policy.severity is not None and policy.severity.value == meta.severity
    assert policy.framework is not None and policy.framework.name in {f.name for f in FRAMEWORKS.values()}
    assert policy.framework.reference and policy.framework.specification
    assert meta.controls and all(c in CONTROLS for c in meta.controls)
    assert len(meta.description) > 30 and len(meta.why) > 30
    # Remediation names the Pulumi argument (snake_case in backticks) or the stack config key to set.
    assert re.search(r"`[^`]*\b[a-z_]+=|`[a-z_][a-z_.]*(>=|`)|stack config", meta.remediation), meta.remediation
    assert policy.remediation_steps == meta.remediation
    assert meta.checks, "a policy must declare the properties it reads"


def test_every_framework_is_served():
    counts = Counter(fw for p in POLICIES for fw in meta_of(p).frameworks)
    assert all(counts[f.name] > 0 for f in FRAMEWORKS.values()), counts


def test_every_service_module_has_policies():
    services = Counter(meta_of(p).service for p in POLICIES)
    assert set(services) == {m.rstrip("_") for m in MODULES}


def _policies_for(token):
    return {p.name for p in POLICIES if token in meta_of(p).resource_types}


def test_anchors_missing_from_pulumi_compliance_ready_policies_and_checkov():
    assert _policies_for(T.EC_REPLICATION_GROUP) >= {
        "elasticache-encryption-at-rest-cmk",
        "elasticache-transit-encryption-required",
    }
    assert _policies_for(T.LOG_GROUP) >= {"log-group-kms-encrypted", "log-group-retention"}
    assert _policies_for(T.BACKUP_PLAN) >= {"backup-plan-retention", "backup-plan-cross-region-copy"}
    assert len(_policies_for(T.ATLAS_CLUSTER)) >= 8
    assert "rds-multi-az" in _policies_for(T.RDS_INSTANCE)
    assert "rds-custom-parameter-group" in _policies_for(T.RDS_INSTANCE)
    assert "sg-no-public-ingress-data-ports" in _policies_for(T.SG_INGRESS_RULE)


def test_public_ingress_on_each_database_port_is_caught():
    from tests.policies.helpers import run_resource_policy

    for port in (5432, 6379, 27017):
        rule = {
            "securityGroupId": "sg-1",
            "ipProtocol": "tcp",
            "fromPort": port,
            "toPort": port,
            "cidrIpv4": "198.51.100.0/24",
        }
        assert run_resource_policy("sg-no-public-ingress-data-ports", T.SG_INGRESS_RULE, rule), port
