"""What replicas inherit is not a finding on the replica (issue 13): a same-region read replica without its own
subnet group sits in its source's; a cross-region one without one is in that region's default VPC."""

from __future__ import annotations

from policies.engine.checker import check_export

STACK = {"urn": "urn:pulumi:prod::p::pulumi:pulumi:Stack::p-prod", "type": "pulumi:pulumi:Stack", "custom": False}
GROUP = {
    "urn": "urn:pulumi:prod::p::aws:rds/subnetGroup:SubnetGroup::data",
    "type": "aws:rds/subnetGroup:SubnetGroup",
    "custom": True,
    "inputs": {"name": "data", "subnetIds": ["subnet-1"]},
}
SUBNET = {
    "urn": "urn:pulumi:prod::p::aws:ec2/subnet:Subnet::data-0",
    "type": "aws:ec2/subnet:Subnet",
    "custom": True,
    "id": "subnet-1",
    "inputs": {"cidrBlock": "10.0.8.0/24", "tags": {"tier": "data"}},
    "outputs": {"id": "subnet-1"},
}
WRITER = {
    "urn": "urn:pulumi:prod::p::aws:rds/instance:Instance::writer",
    "type": "aws:rds/instance:Instance",
    "custom": True,
    "inputs": {"identifier": "writer", "engine": "postgres", "dbSubnetGroupName": "data"},
    "outputs": {"arn": "arn:aws:rds:us-east-1:123456789012:db:writer"},
}


def findings(*resources) -> list[str]:
    doc = {"version": 3, "deployment": {"resources": [STACK, GROUP, SUBNET, WRITER, *resources]}}
    result = check_export(doc, stack="prod")
    return [v.message for v in result.violations if v.policy == "stack-data-stores-in-data-subnets"]


def replica(source: str, **inputs) -> dict:
    return {
        "urn": "urn:pulumi:prod::p::aws:rds/instance:Instance::replica",
        "type": "aws:rds/instance:Instance",
        "custom": True,
        "inputs": {"identifier": "replica", "replicateSourceDb": source, **inputs},
    }


def test_the_baseline_is_clean():
    assert findings() == []


def test_same_region_replica_by_identifier_inherits_the_subnet_group():
    assert findings(replica("writer")) == []


def test_same_region_replica_by_arn_inherits_the_subnet_group():
    assert findings(replica("arn:aws:rds:us-east-1:123456789012:db:writer")) == []


def test_cross_region_replica_without_a_subnet_group_is_in_the_default_vpc():
    found = findings(replica("arn:aws:rds:us-east-1:123456789012:db:writer", region="us-west-2"))
    assert len(found) == 1 and "replica has no dbSubnetGroupName" in found[0]


def test_a_writer_without_a_subnet_group_is_still_reported():
    lone = {
        **WRITER,
        "urn": WRITER["urn"].replace("writer", "lone"),
        "inputs": {"identifier": "lone", "engine": "postgres"},
    }
    found = findings(lone)
    assert len(found) == 1 and "lone has no dbSubnetGroupName" in found[0]


# --- every policy against a bare read replica: what it reports is what a replica does not inherit -----------------

# CreateDBInstanceReadReplica: a replica takes its source's storage encryption and key, engine, master user and
# password, backup settings and (same region) subnet and parameter group; it does NOT take IAM database auth, log
# exports, Performance Insights, enhanced monitoring, Multi-AZ or deletion protection (each has its own
# parameter), nor tags; and an event subscription names its sources, so the source's does not cover the replica.
# Those findings are real on a replica; anything else reported would be a false positive.
NOT_INHERITED = {
    "rds-iam-authentication",
    "rds-log-exports",
    "rds-performance-insights-encrypted",
    "rds-enhanced-monitoring",
    "stack-required-tags",
    "stack-data-store-alarms",
    "stack-rds-event-subscriptions",
}


def bare_replica_findings(source: str, **inputs) -> set[str]:
    rep = {
        "urn": "urn:pulumi:prod::p::aws:rds/instance:Instance::replica",
        "type": "aws:rds/instance:Instance",
        "custom": True,
        "inputs": {"identifier": "replica", "replicateSourceDb": source, "instanceClass": "db.r6g.large", **inputs},
    }
    doc = {"version": 3, "deployment": {"resources": [STACK, rep]}}
    return {v.policy for v in check_export(doc, stack="prod").violations}


def test_a_same_region_replica_is_reported_only_for_what_it_does_not_inherit():
    assert bare_replica_findings("writer") == NOT_INHERITED
    assert bare_replica_findings("arn:aws:rds:us-east-1:123456789012:db:writer", region="us-east-1") == NOT_INHERITED


def test_a_cross_region_replica_also_needs_its_own_parameter_and_subnet_groups():
    """Across regions RDS gives a replica that names neither the region's default parameter group and the default
    VPC; a replica whose region cannot be told (ARN source, no explicit region) is judged the same way."""
    cross = NOT_INHERITED | {"rds-custom-parameter-group", "stack-data-stores-in-data-subnets"}
    assert bare_replica_findings("arn:aws:rds:us-east-1:123456789012:db:writer", region="us-west-2") == cross
    assert bare_replica_findings("arn:aws:rds:us-east-1:123456789012:db:writer") == cross


def test_members_and_replica_keys_are_judged_through_what_they_belong_to():
    """A cache node of a replication group, an Aurora cluster instance and a multi-Region replica key take
    encryption, subnets, engine settings and rotation from their group, cluster or primary key: no policy reports
    those on the member (tags are each resource's own; an unused key is a finding of its own)."""
    members = [
        ("aws:elasticache/cluster:Cluster", {"clusterId": "cache-0001-003", "replicationGroupId": "cache"}),
        (
            "aws:rds/clusterInstance:ClusterInstance",
            {
                "identifier": "aurora-1",
                "clusterIdentifier": "aurora",
                "instanceClass": "db.r6g.large",
                "engine": "aurora-postgresql",
            },
        ),
        ("aws:kms/replicaKey:ReplicaKey", {"primaryKeyArn": "arn:aws:kms:us-east-1:123456789012:key/mrk-1"}),
    ]
    for typ, inputs in members:
        member = {"urn": f"urn:pulumi:prod::p::{typ}::m", "type": typ, "custom": True, "inputs": inputs}
        doc = {"version": 3, "deployment": {"resources": [STACK, member]}}
        found = {v.policy for v in check_export(doc, stack="prod").violations}
        assert found - {"stack-required-tags", "stack-kms-keys-in-use"} == set(), (typ, found)
