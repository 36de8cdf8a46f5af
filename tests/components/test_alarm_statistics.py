"""Every alarm of both stacks uses a statistic its metric's documentation supports (issue 24, item 4): a new alarm
on a metric nobody reviewed fails until its entry, with the page that says so, is added here.

Sources (read for this table):
- Lambda: Developer Guide, "Working with Lambda function metrics" — invocation metrics (Errors, Throttles) with Sum;
  performance metrics (Duration) with Average or Max (percentiles supported); concurrency metrics with Max.
  https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics.html
- ElastiCache: "Choosing Metric Statistics and Periods" — samples per node every 60 s; Average, Minimum and Maximum
  of CPUUtilization are useful, Sum is not; "Which Metrics Should I Monitor?" (CPUUtilization, Evictions,
  CurrConnections). https://docs.aws.amazon.com/AmazonElastiCache/latest/red-ug/CacheMetrics.ChoosingStatisticsAndPeriods.html
- RDS Proxy: "Monitoring RDS Proxy metrics with Amazon CloudWatch" — published per proxy node; Sum gives the proxy's
  total (the issue's finding). https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.monitoring.html
- RDS instance metrics: "Amazon CloudWatch metrics for Amazon RDS" — per-instance gauges (connections, latency,
  storage, memory, lag): Average/Maximum/Minimum, never Sum.
  https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html
- SQS: "Available CloudWatch metrics for Amazon SQS" — ApproximateNumberOfMessagesVisible, a count per queue
  (QueueName), published every 5 minutes; inactive queues stop publishing.
  https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
- API Gateway HTTP APIs: "Monitor CloudWatch metrics for HTTP APIs" — metrics `4xx`/`5xx` (the REST APIs' are
  4XXError/5XXError), dimensions ApiId and Stage; Latency in ms. The REST metrics page says of the error counts:
  Sum is the count, Average the rate. https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-metrics.html
  and .../api-gateway-metrics-and-dimensions.html
"""

from __future__ import annotations

import pytest

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
GAUGE = {"Average", "Maximum", "Minimum"}
PERCENTILES = {f"p{n}" for n in (50, 90, 95, 99)}

# (namespace, metric) -> the statistics its documentation supports for an alarm
SUPPORTED: dict[tuple[str, str], set[str]] = {
    ("AWS/Lambda", "Errors"): {"Sum"},
    ("AWS/Lambda", "Throttles"): {"Sum"},
    ("AWS/Lambda", "Duration"): {"Average", "Maximum"} | PERCENTILES,
    ("AWS/Lambda", "ConcurrentExecutions"): {"Maximum"},
    ("AWS/ElastiCache", "EngineCPUUtilization"): GAUGE,
    ("AWS/ElastiCache", "DatabaseMemoryUsagePercentage"): GAUGE,
    ("AWS/ElastiCache", "CurrConnections"): GAUGE,
    ("AWS/ElastiCache", "ReplicationLag"): GAUGE,
    ("AWS/ElastiCache", "Evictions"): {"Sum", "Maximum"},  # a per-node count per 60 s sample
    ("AWS/RDS", "CPUUtilization"): GAUGE,
    ("AWS/RDS", "FreeStorageSpace"): {"Minimum", "Average"},
    ("AWS/RDS", "FreeableMemory"): {"Minimum", "Average"},
    ("AWS/RDS", "ReadLatency"): GAUGE | PERCENTILES,
    ("AWS/RDS", "WriteLatency"): GAUGE | PERCENTILES,
    ("AWS/RDS", "ReplicaLag"): GAUGE,
    ("AWS/ApiGateway", "5xx"): {"Sum", "Average"},
    ("AWS/ApiGateway", "Latency"): {"Average"} | PERCENTILES,
    ("EcoMart/Outbox", "OldestPendingEventAgeSeconds"): {"Maximum"},  # ours: the oldest event's age
    ("AWS/SQS", "ApproximateNumberOfMessagesVisible"): {"Maximum", "Average", "Sum"},  # a count sampled per period
}
# DatabaseConnections is both an instance gauge and the proxy's per-node count: told apart by dimension.
DATABASE_CONNECTIONS = {"DBInstanceIdentifier": GAUGE, "ProxyName": {"Sum"}}


def _metrics(alarm) -> list[tuple[str, str, str, dict]]:
    i = alarm.inputs
    if i.get("metricQueries"):
        return [
            (
                q["metric"]["namespace"],
                q["metric"]["metricName"],
                q["metric"]["stat"],
                q["metric"].get("dimensions", {}),
            )
            for q in i["metricQueries"]
            if q.get("metric")
        ]
    stat = i.get("statistic") or i.get("extendedStatistic")
    return [(i["namespace"], i["metricName"], stat, i.get("dimensions") or {})]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_alarm_uses_a_statistic_its_metric_documents(request, stack):
    synth = request.getfixturevalue(stack)
    seen = 0
    for alarm in synth.of_type(ALARM):
        for namespace, metric, stat, dims in _metrics(alarm):
            seen += 1
            if namespace == "AWS/ApiGateway":  # an HTTP API's metrics exist only per ApiId (and Stage)
                assert "ApiId" in dims and "ApiName" not in dims, (alarm.inputs["alarmName"], dims)
            if (namespace, metric) == ("AWS/RDS", "DatabaseConnections"):
                (dim,) = [d for d in DATABASE_CONNECTIONS if d in dims]
                assert stat in DATABASE_CONNECTIONS[dim], (alarm.inputs["alarmName"], dim, stat)
                continue
            assert (namespace, metric) in SUPPORTED, f"{namespace} {metric}: review its statistic and add it here"
            assert stat in SUPPORTED[(namespace, metric)], (alarm.inputs["alarmName"], stat)
    assert seen >= 20
