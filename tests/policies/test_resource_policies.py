"""Every resource policy: its compliant cases pass, each one-property mutation is reported, unknown values are never
reported and never crash it, and a secret value counts as set."""

from __future__ import annotations

import pytest

from policies.engine.core import OpaqueSecret, meta_of
from policies.engine.registry import resource_policies
from tests.policies.cases import resolved
from tests.policies.helpers import POLICIES, UNKNOWN, covers, mutate, run_resource_policy, split

CASES = resolved()
MUTATIONS = [(pid, case, path, value) for pid, case in CASES for path, value in case.mutations.items()]


def _id(pid, case, path=None):
    return f"{pid}[{case.type.rsplit(':', 1)[-1]}{'/' + case.label if case.label else ''}]" + (
        f":{path}" if path else ""
    )


def test_every_resource_policy_has_cases():
    assert {pid for pid, _ in CASES} == {p.name for p in resource_policies()}


def test_cases_sit_beside_their_service():
    """tests/policies/cases/<module>.py holds exactly the cases of policies/rules/<module>.py's resource policies."""
    from policies.engine.registry import MODULES
    from tests.policies.cases import modules

    with_resource_policies = {
        m for m in MODULES if any(meta_of(p).service == m.rstrip("_") for p in resource_policies())
    }
    assert set(modules()) == with_resource_policies
    for name, module in modules().items():
        strays = [pid for pid in module.CASES if meta_of(POLICIES[pid]).service != name.rstrip("_")]
        assert not strays, f"tests/policies/cases/{name}.py holds cases of other services' policies: {strays}"


@pytest.mark.parametrize("policy", resource_policies(), ids=lambda p: p.name)
def test_mutations_cover_every_checked_property(policy):
    meta = meta_of(policy)
    for rtype, paths in meta.checks.items():
        mutated = [path for pid, case in CASES if pid == policy.name and case.type == rtype for path in case.mutations]
        missing = [p for p in paths if not any(covers(m, p) for m in mutated)]
        assert not missing, f"{policy.name} on {rtype}: no mutation of {missing}"


@pytest.mark.parametrize("pid,case", CASES, ids=[_id(p, c) for p, c in CASES])
def test_compliant_case_passes(pid, case):
    assert run_resource_policy(pid, case.type, case.props, case.config) == []


@pytest.mark.parametrize("pid,case,path,value", MUTATIONS, ids=[_id(p, c, path) for p, c, path, _ in MUTATIONS])
def test_one_property_mutation_is_reported(pid, case, path, value):
    messages = run_resource_policy(pid, case.type, mutate(case.props, path, value), case.config)
    assert messages, f"{pid}: setting {path} to {value!r} was not reported"


@pytest.mark.parametrize("pid,case,path,value", MUTATIONS, ids=[_id(p, c, path) for p, c, path, _ in MUTATIONS])
def test_unknown_values_are_never_violations(pid, case, path, value):
    # The value at the path, and every property on the way to it, unknown in turn (as during a preview).
    parts = split(path)
    for depth in range(1, len(parts) + 1):
        prefix = ".".join(str(p) for p in parts[:depth])
        props = mutate(case.props, prefix, UNKNOWN)
        assert run_resource_policy(pid, case.type, props, case.config) == [], f"{pid}: unknown {prefix} reported"


@pytest.mark.parametrize("pid,case,path,value", MUTATIONS, ids=[_id(p, c, path) for p, c, path, _ in MUTATIONS])
def test_secret_values_count_as_set(pid, case, path, value):
    props = mutate(case.props, path, OpaqueSecret())
    messages = run_resource_policy(pid, case.type, props, case.config)
    if path in meta_of(POLICIES[pid]).secret_is_set:
        assert messages, f"{pid}: a secret {path} must count as set"
    else:
        assert messages == [], f"{pid}: a secret {path} is set and cannot be judged, yet was reported: {messages}"


def test_read_replica_is_not_held_to_writer_rules():
    from tests.policies.cases.shapes import PG_WRITER

    replica = {
        k: v
        for k, v in PG_WRITER.items()
        if k
        not in (
            "manageMasterUserPassword",
            "masterUserSecretKmsKeyId",
            "backupRetentionPeriod",
            "finalSnapshotIdentifier",
            "dbName",
            "username",
            "engine",
            "engineVersion",
        )
    }
    replica.update(
        identifier="ecomart-prod-pg-replica-1",
        multiAz=False,
        skipFinalSnapshot=True,
        replicateSourceDb="arn:aws:rds:us-east-1:123456789012:db:ecomart-prod-pg",
    )
    for source in (replica["replicateSourceDb"], UNKNOWN):
        props = {**replica, "replicateSourceDb": source}
        found = {
            p.name: run_resource_policy(p.name, "aws:rds/instance:Instance", props)
            for p in resource_policies()
            if "aws:rds/instance:Instance" in meta_of(p).resource_types
        }
        assert {k: v for k, v in found.items() if v} == {}


def test_configured_minimum_is_read_from_policy_config():
    from tests.policies.cases.shapes import PG_WRITER

    props = {**PG_WRITER, "backupRetentionPeriod": 14}
    assert run_resource_policy("rds-backup-retention", "aws:rds/instance:Instance", props)
    assert run_resource_policy("rds-backup-retention", "aws:rds/instance:Instance", props, {"minimumDays": 7}) == []


def test_backup_copy_to_the_plans_own_region_is_reported():
    from tests.policies.cases.shapes import NAMED

    plan = {**NAMED["PLAN"], "region": "us-west-2"}
    messages = run_resource_policy("backup-plan-cross-region-copy", "aws:backup/plan:Plan", plan)
    assert any("own region" in m for m in messages)


def test_key_rotation_is_asked_of_symmetric_keys_only():
    """AWS rotates only symmetric encryption keys: HMAC and asymmetric keys cannot rotate automatically
    (https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html), and FSBP KMS.4 concerns the
    former. An HMAC key without rotation (the service's fingerprint key) is not a finding; a symmetric one, or one
    whose spec is absent (SYMMETRIC_DEFAULT is the default), is."""
    from tests.policies.cases.shapes import KEY

    hmac = {**KEY, "customerMasterKeySpec": "HMAC_256", "keyUsage": "GENERATE_VERIFY_MAC", "enableKeyRotation": False}
    assert run_resource_policy("kms-key-rotation", "aws:kms/key:Key", hmac) == []
    rsa = {**KEY, "customerMasterKeySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY", "enableKeyRotation": False}
    assert run_resource_policy("kms-key-rotation", "aws:kms/key:Key", rsa) == []
    for spec in ("SYMMETRIC_DEFAULT", None):
        props = {**KEY, "enableKeyRotation": False}
        props.pop("customerMasterKeySpec", None)
        if spec:
            props["customerMasterKeySpec"] = spec
        assert run_resource_policy("kms-key-rotation", "aws:kms/key:Key", props), spec
