"""What the runbooks operate on: FIS experiment templates for the drills, the orders read-only flag and queue.

- **FIS templates** (AWS Fault Injection Service): a Multi-AZ reboot with failover of the PostgreSQL writer and an
  AZ power interruption of the cache's replication group. Each stops on the composite "data tier degraded"
  alarm *only if it was already fine when the experiment started* (FIS refuses to start while a stop alarm is in
  ALARM) and runs under a role allowed exactly those actions on exactly those resources.
- **Orders read-only mode** (``ReadOnlyMode``; PostgreSQL down, MongoDB up): an SSM parameter the app reads
  (cached a few seconds)
  and a KMS-encrypted SQS queue (with its dead-letter queue) that holds the orders accepted while it is on; the
  drain worker places them when it goes off. See runbooks/orders-read-only-mode.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws_values import log_retention
from components.contract import Placement, arg, settings
from components.tagging import with_name
from platform_rules import READ_ONLY_OFF, READ_ONLY_ON

FIS_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "fis.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


@settings
class ResilienceSettings:
    """The stack config's ``resilience`` section: the FIS drills."""

    log_retention_days: int = arg(
        "Retention of the FIS experiment log group.", default=365, units="days", check=log_retention
    )
    cache_power_off_minutes: int = arg(
        "How long the cache AZ stays without power in the experiment (FIS allows up to 12 hours).",
        default=10,
        units="minutes",
        ge=1,
        le=720,
    )


@dataclass
class ResilienceLinks:
    writer_arn: pulumi.Input[str] = arg("ARN of the PostgreSQL writer the failover experiment reboots.")
    cache_arn: pulumi.Input[str] = arg("ARN of the replication group the AZ power experiment interrupts.")
    cache_az: pulumi.Input[str] = arg(
        "Availability Zone whose cache nodes lose power in the experiment (one of "
        "the group's: the data tier's first subnet's)."
    )
    stop_alarm_arn: pulumi.Input[str] = arg("Composite alarm that stops every experiment (data tier degraded).")
    logs_kms_key_arn: pulumi.Input[str] = arg("Key of the FIS experiment log group.")


@settings
class ReadOnlyModeSettings:
    """The stack config's ``readOnlyMode`` section: the orders read-only flag and the queued-orders queue."""

    queue_retention_seconds: int = arg(
        "How long a queued order is kept (SQS maximum 14 days): an outage longer "
        "than this loses orders, so the maximum.",
        default=1_209_600,
        units="seconds",
        ge=60,
        le=1_209_600,
    )
    drain_visibility_seconds: int = arg(
        "Visibility timeout: a drain worker has this long to place one order "
        "before another may try it (the idempotency key keeps it once).",
        default=120,
        units="seconds",
        ge=0,
        le=43_200,
    )
    max_receives: int = arg(
        "Receives before an order goes to the dead-letter queue (a bug, not stock).", default=5, ge=1, le=1000
    )


@dataclass
class ReadOnlyModeLinks:
    queue_kms_key_arn: pulumi.Input[str] = arg(
        "Customer-managed key of the queued-orders queues (it holds orders, "
        "so the relational key; its policy lets sqs use it)."
    )


def tls_only_queue_policy(queue_arn: str) -> str:
    """An SQS queue policy that refuses every request not made over TLS (FSBP SQS.1's companion)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "sqs:*",
                    "Resource": queue_arn,
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
    )


FIS_LOG_DELIVERY = (
    "logs:CreateLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:PutResourcePolicy",
)


def _last_arn_part(arn: str) -> str:
    """``arn:aws:elasticache:us-east-1:1:replicationgroup:ecomart-prod-cache`` -> ``ecomart-prod-cache``."""
    return arn.rsplit(":", 1)[-1]


def fis_role_policy(writer_arn: str, cache_arn: str) -> dict:
    """Exactly the calls the two experiments make, on exactly their resources (tag:GetResources has no
    resource-level permissions in AWS: it must be "*")."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "RebootWriterWithFailover",
                "Effect": "Allow",
                "Action": ["rds:RebootDBInstance", "rds:DescribeDBInstances"],
                "Resource": [writer_arn],
            },
            {
                "Sid": "InterruptCacheAzPower",
                "Effect": "Allow",
                "Action": ["elasticache:InterruptClusterAzPower", "elasticache:DescribeReplicationGroups"],
                "Resource": [cache_arn],
            },
            {"Sid": "ResolveTargets", "Effect": "Allow", "Action": ["tag:GetResources"], "Resource": "*"},
            # Experiment logging to CloudWatch Logs (both templates log): FIS delivers as a vended log, which needs
            # these on the experiment role (https://docs.aws.amazon.com/fis/latest/userguide/monitoring-logging.html
            # -> CloudWatch Logs "Logs sent to CloudWatch Logs"). None of the four takes a resource type in the
            # Service Authorization Reference, so "*" is the narrowest they can be.
            {"Sid": "ExperimentLogDelivery", "Effect": "Allow", "Action": list(FIS_LOG_DELIVERY), "Resource": "*"},
        ],
    }


class Resilience(pulumi.ComponentResource):
    """FIS templates (and their role and log group)."""

    fis_template_ids: pulumi.Output[dict]

    def __init__(
        self,
        name: str,
        settings: ResilienceSettings,
        links: ResilienceLinks,
        place: Placement,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("ecomart:operations:Resilience", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        p, tags = place.prefix, dict(place.tags)

        role_name = f"{p}-fis"
        self.fis_role = aws.iam.Role(
            f"{name}-fis-role",
            aws.iam.RoleArgs(
                name=role_name,
                description="AWS FIS runs the EcoMart data-tier drills",
                assume_role_policy=json.dumps(FIS_TRUST),
                tags=with_name(tags, role_name),
            ),
            opts=child,
        )
        self.fis_policy = aws.iam.RolePolicy(
            f"{name}-fis-policy",
            aws.iam.RolePolicyArgs(
                role=self.fis_role.id,
                policy=pulumi.Output.all(links.writer_arn, links.cache_arn).apply(
                    lambda v: json.dumps(fis_role_policy(v[0], v[1]))
                ),
            ),
            opts=child,
        )
        self.fis_log_group = aws.cloudwatch.LogGroup(
            f"{name}-fis-logs",
            aws.cloudwatch.LogGroupArgs(
                name=f"/aws/fis/{p}",
                retention_in_days=settings.log_retention_days,
                kms_key_id=links.logs_kms_key_arn,
                tags=with_name(tags, f"/aws/fis/{p}"),
            ),
            opts=child,
        )
        stop = [aws.fis.ExperimentTemplateStopConditionArgs(source="aws:cloudwatch:alarm", value=links.stop_alarm_arn)]
        logs = aws.fis.ExperimentTemplateLogConfigurationArgs(
            log_schema_version=2,
            cloudwatch_logs_configuration=aws.fis.ExperimentTemplateLogConfigurationCloudwatchLogsConfigurationArgs(
                log_group_arn=self.fis_log_group.arn.apply(lambda a: f"{a}:*")
            ),
        )
        template_opts = pulumi.ResourceOptions(parent=self, depends_on=[self.fis_policy])
        self.rds_failover = aws.fis.ExperimentTemplate(
            f"{name}-rds-failover",
            aws.fis.ExperimentTemplateArgs(
                description=f"{p}: reboot the PostgreSQL writer with Multi-AZ failover (rds-failover-drill)",
                role_arn=self.fis_role.arn,
                stop_conditions=stop,
                log_configuration=logs,
                actions=[
                    aws.fis.ExperimentTemplateActionArgs(
                        name="reboot-writer-with-failover",
                        action_id="aws:rds:reboot-db-instances",
                        parameters=[aws.fis.ExperimentTemplateActionParameterArgs(key="forceFailover", value="true")],
                        target=aws.fis.ExperimentTemplateActionTargetArgs(key="DBInstances", value="writer"),
                    )
                ],
                targets=[
                    aws.fis.ExperimentTemplateTargetArgs(
                        name="writer",
                        resource_type="aws:rds:db",
                        selection_mode="ALL",
                        resource_arns=[links.writer_arn],
                    )
                ],
                tags=with_name(tags, f"{p}-rds-failover"),
            ),
            opts=template_opts,
        )
        self.cache_az_power = aws.fis.ExperimentTemplate(
            f"{name}-cache-az-power",
            aws.fis.ExperimentTemplateArgs(
                description=f"{p}: interrupt power to the cache nodes in one AZ for "
                f"{settings.cache_power_off_minutes} min (cache-failover-drill)",
                role_arn=self.fis_role.arn,
                stop_conditions=stop,
                log_configuration=logs,
                actions=[
                    aws.fis.ExperimentTemplateActionArgs(
                        name="interrupt-az-power",
                        action_id="aws:elasticache:replicationgroup-interrupt-az-power",
                        parameters=[
                            aws.fis.ExperimentTemplateActionParameterArgs(
                                key="duration", value=f"PT{settings.cache_power_off_minutes}M"
                            )
                        ],
                        target=aws.fis.ExperimentTemplateActionTargetArgs(key="ReplicationGroups", value="cache"),
                    )
                ],
                targets=[
                    aws.fis.ExperimentTemplateTargetArgs(
                        name="cache",
                        resource_type="aws:elasticache:replicationgroup",
                        selection_mode="ALL",
                        # By tag plus the AZ parameter, as AWS's own AZ power-interruption scenario selects groups:
                        # FIS refuses resourceArns combined with parameters (a target names ARNs, or tags/filters
                        # and parameters; https://docs.aws.amazon.com/fis/latest/userguide/targets.html). The group
                        # is tagged Name=<its id> (components/redis.py); the role may resolve tags (tag:GetResources).
                        resource_tags=[
                            aws.fis.ExperimentTemplateTargetResourceTagArgs(
                                key="Name", value=pulumi.Output.from_input(links.cache_arn).apply(_last_arn_part)
                            )
                        ],
                        parameters={"availabilityZoneIdentifier": links.cache_az},
                    )
                ],
                tags=with_name(tags, f"{p}-cache-az-power"),
            ),
            opts=template_opts,
        )

        self.fis_template_ids = pulumi.Output.all(self.rds_failover.id, self.cache_az_power.id).apply(
            lambda v: {"rds-failover": v[0], "cache-az-power": v[1]}
        )
        self.register_outputs({"fisTemplateIds": self.fis_template_ids})

    def stack_outputs(self) -> dict[str, pulumi.Input]:
        """The stack outputs (camelCase) this component contributes."""
        return {"fisTemplateIds": self.fis_template_ids}


class ReadOnlyMode(pulumi.ComponentResource):
    """The orders read-only flag (SSM) and the queued-orders queue with its dead-letter queue.

    Apart from the FIS templates because the app's functions need the flag and the queue (components/service.py)
    while the templates need the composite alarm that watches those functions: flag and queue come first.
    """

    read_only_parameter_name: str
    read_only_parameter_arn: pulumi.Output[str]
    queue_url: pulumi.Output[str]
    queue_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        settings: ReadOnlyModeSettings,
        links: ReadOnlyModeLinks,
        place: Placement,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("ecomart:operations:ReadOnlyMode", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        p, tags = place.prefix, dict(place.tags)
        self.read_only_parameter_name = f"/{p}/orders/read-only"
        self.read_only = aws.ssm.Parameter(
            f"{name}-read-only",
            aws.ssm.ParameterArgs(
                name=self.read_only_parameter_name,
                type="String",
                value=READ_ONLY_OFF,
                allowed_pattern=f"^({READ_ONLY_ON}|{READ_ONLY_OFF})$",
                description="on: PostgreSQL is down, orders are queued (runbook orders-read-only-mode)",
                tags=with_name(tags, self.read_only_parameter_name),
            ),
            # The runbook flips it; a deploy must not flip it back in the middle of an incident.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["value"]),
        )
        dlq_name = f"{p}-queued-orders-dlq"
        self.dead_letters = aws.sqs.Queue(
            f"{name}-queued-orders-dlq",
            aws.sqs.QueueArgs(
                name=dlq_name,
                kms_master_key_id=links.queue_kms_key_arn,
                kms_data_key_reuse_period_seconds=300,
                message_retention_seconds=1_209_600,
                tags=with_name(tags, dlq_name),
            ),
            opts=child,
        )
        queue_name = f"{p}-queued-orders"
        self.queue = aws.sqs.Queue(
            f"{name}-queued-orders",
            aws.sqs.QueueArgs(
                name=queue_name,
                kms_master_key_id=links.queue_kms_key_arn,
                kms_data_key_reuse_period_seconds=300,
                message_retention_seconds=settings.queue_retention_seconds,
                visibility_timeout_seconds=settings.drain_visibility_seconds,
                receive_wait_time_seconds=20,
                redrive_policy=self.dead_letters.arn.apply(
                    lambda a: json.dumps({"deadLetterTargetArn": a, "maxReceiveCount": settings.max_receives})
                ),
                tags=with_name(tags, queue_name),
            ),
            opts=child,
        )
        for label, q in (("queue", self.queue), ("dlq", self.dead_letters)):
            aws.sqs.QueuePolicy(
                f"{name}-{label}-tls-only",
                aws.sqs.QueuePolicyArgs(queue_url=q.url, policy=q.arn.apply(tls_only_queue_policy)),
                opts=child,
            )

        self.read_only_parameter_arn = self.read_only.arn
        self.queue_url = self.queue.url
        self.queue_arn = self.queue.arn
        self.register_outputs({"queueUrl": self.queue_url, "readOnlyParameter": self.read_only_parameter_name})

    def stack_outputs(self) -> dict[str, pulumi.Input]:
        """The stack outputs (camelCase) this component contributes."""
        return {
            "ordersReadOnlyParameter": self.read_only_parameter_name,
            "queuedOrdersQueueUrl": self.queue_url,
            "queuedOrdersQueueArn": self.queue_arn,
            "queuedOrdersDlqUrl": self.dead_letters.url,
        }
