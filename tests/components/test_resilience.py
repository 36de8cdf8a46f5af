"""Resilience: FIS templates stopped by the composite alarm under a role scoped to their targets, the orders
read-only flag and the KMS-encrypted queued-orders queue with its dead-letter queue."""

from __future__ import annotations

import json

import pytest

from components.contract import SettingError
from components.resilience import ReadOnlyModeSettings, ResilienceSettings, fis_role_policy
from tests.conftest import one

FIS = "aws:fis/experimentTemplate:ExperimentTemplate"
QUEUE = "aws:sqs/queue:Queue"


@pytest.fixture(params=["dev", "prod"])
def synth(request, dev, prod):
    return {"dev": dev, "prod": prod}[request.param]


def composite_arn(synth):
    return one(synth, "aws:cloudwatch/compositeAlarm:CompositeAlarm").outputs["arn"]


def test_rds_failover_template_reboots_the_writer_with_failover(synth):
    t = one(synth, FIS, "operations-rds-failover").inputs
    writer = one(synth, "aws:rds/instance:Instance", "postgres-writer").outputs["arn"]
    assert t["stopConditions"] == [{"source": "aws:cloudwatch:alarm", "value": composite_arn(synth)}]
    [action] = t["actions"]
    assert action["actionId"] == "aws:rds:reboot-db-instances"
    assert action["parameters"] == [{"key": "forceFailover", "value": "true"}]
    assert action["target"] == {"key": "DBInstances", "value": "writer"}
    assert t["targets"] == [
        {"name": "writer", "resourceType": "aws:rds:db", "selectionMode": "ALL", "resourceArns": [writer]}
    ]
    assert t["roleArn"] == one(synth, "aws:iam/role:Role", "operations-fis-role").outputs["arn"]
    assert t["logConfiguration"]["logSchemaVersion"] == 2


def test_cache_template_interrupts_one_az_of_the_group_for_ten_minutes(synth):
    t = one(synth, FIS, "operations-cache-az-power").inputs
    group = one(synth, "aws:elasticache/replicationGroup:ReplicationGroup").outputs["arn"]
    first_az = one(synth, "aws:ec2/subnet:Subnet", "network-data-0").inputs["availabilityZone"]
    [action] = t["actions"]
    assert action["actionId"] == "aws:elasticache:replicationgroup-interrupt-az-power"
    assert action["parameters"] == [{"key": "duration", "value": "PT10M"}]
    assert t["targets"] == [
        {
            "name": "cache",
            "resourceType": "aws:elasticache:replicationgroup",
            "selectionMode": "ALL",
            # tags plus the parameter: FIS refuses resourceArns with parameters (fis/latest/userguide/targets.html)
            "resourceTags": [{"key": "Name", "value": group.rsplit(":", 1)[-1]}],
            "parameters": {"availabilityZoneIdentifier": first_az},
        }
    ]
    redis = one(synth, "aws:elasticache/replicationGroup:ReplicationGroup").inputs
    assert redis["tags"]["Name"] == group.rsplit(":", 1)[-1] == redis["replicationGroupId"]  # the tag selects it
    assert t["stopConditions"][0]["value"] == composite_arn(synth)


def test_fis_role_may_do_exactly_the_experiments_on_exactly_their_targets(synth):
    policy = json.loads(one(synth, "aws:iam/rolePolicy:RolePolicy", "operations-fis-policy").inputs["policy"])
    writer = one(synth, "aws:rds/instance:Instance", "postgres-writer").outputs["arn"]
    group = one(synth, "aws:elasticache/replicationGroup:ReplicationGroup").outputs["arn"]
    assert policy == fis_role_policy(writer, group)
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["RebootWriterWithFailover"]["Resource"] == [writer]
    assert by_sid["InterruptCacheAzPower"]["Resource"] == [group]
    # "*" only for what takes no resource type: tag:GetResources and the vended-log delivery of experiment logging
    # (both templates log to CloudWatch Logs; without these FIS cannot deliver them: AWS FIS user guide)
    assert [s["Action"] for s in policy["Statement"] if s["Resource"] == "*"] == [
        ["tag:GetResources"],
        ["logs:CreateLogDelivery", "logs:DescribeLogGroups", "logs:DescribeResourcePolicies", "logs:PutResourcePolicy"],
    ]
    templates = [r for r in synth.registrations if r.type == "aws:fis/experimentTemplate:ExperimentTemplate"]
    assert templates and all(t.inputs["logConfiguration"]["cloudwatchLogsConfiguration"] for t in templates)
    trust = json.loads(one(synth, "aws:iam/role:Role", "operations-fis-role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "fis.amazonaws.com"}


def test_queued_orders_queue_encrypted_with_the_relational_key_and_dead_letters(synth):
    key = one(synth, "aws:kms/key:Key", "keys-relational").outputs["arn"]
    q = one(synth, QUEUE, "operations-queued-orders").inputs
    dlq = one(synth, QUEUE, "operations-queued-orders-dlq")
    assert q["kmsMasterKeyId"] == key and dlq.inputs["kmsMasterKeyId"] == key
    assert q["messageRetentionSeconds"] == 1_209_600 and q["visibilityTimeoutSeconds"] == 120
    assert json.loads(q["redrivePolicy"]) == {"deadLetterTargetArn": dlq.outputs["arn"], "maxReceiveCount": 5}
    for name in ("operations-queue-tls-only", "operations-dlq-tls-only"):
        st = json.loads(one(synth, "aws:sqs/queuePolicy:QueuePolicy", name).inputs["policy"])["Statement"][0]
        assert st["Effect"] == "Deny" and st["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_relational_key_lets_sqs_use_it_only_through_sqs(synth):
    policy = json.loads(one(synth, "aws:kms/key:Key", "keys-relational").inputs["policy"])
    sqs = next(s for s in policy["Statement"] if s["Sid"] == "UseSqsViaService")
    assert sqs["Condition"]["StringEquals"]["kms:ViaService"].startswith("sqs.")


def test_read_only_flag_starts_off_and_admits_only_on_or_off(synth):
    p = one(synth, "aws:ssm/parameter:Parameter", "operations-read-only")
    value = p.inputs["value"]  # pulumi-aws marks a parameter's value secret: it arrives wrapped
    assert (value["value"] if isinstance(value, dict) else value) == "off"
    assert p.inputs["allowedPattern"] == "^(on|off)$" and p.inputs["type"] == "String"
    assert p.inputs["name"] == f"/{synth.config.stack and 'ecomart-' + synth.config.stack}/orders/read-only"
    assert synth.outputs["ordersReadOnlyParameter"] == p.inputs["name"]
    assert synth.outputs["fisTemplateIds"] == {
        "rds-failover": one(synth, FIS, "operations-rds-failover").outputs["id"],
        "cache-az-power": one(synth, FIS, "operations-cache-az-power").outputs["id"],
    }


@pytest.mark.parametrize(
    "cls,field,value,allowed",
    [
        (ResilienceSettings, "cache_power_off_minutes", 0, "1..720"),
        (ResilienceSettings, "cache_power_off_minutes", 721, "1..720"),
        (ReadOnlyModeSettings, "queue_retention_seconds", 2_000_000, "60..1209600"),
        (ReadOnlyModeSettings, "max_receives", 0, "1..1000"),
    ],
)
def test_bad_settings_name_the_field_and_the_range(cls, field, value, allowed):
    with pytest.raises(SettingError, match=rf"{cls.__name__}.{field} is {value}: must be {allowed}"):
        cls(**{field: value})


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_a_deploy_never_resets_the_read_only_flag(stack, dev, prod):
    """The flag is set by the runbook during an incident; a deploy then must not flip orders back to writable:
    ignore_changes on its value, as the export records it (dropping it passed every test before)."""
    synth = {"dev": dev, "prod": prod}[stack]
    (flag,) = [r for r in synth.export()["deployment"]["resources"] if r["type"] == "aws:ssm/parameter:Parameter"]
    assert flag["ignoreChanges"] == ["value"]
