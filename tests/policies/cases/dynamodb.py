"""Resource-policy cases of ``policies/rules/dynamodb.py``: a compliant resource per case and, for every property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

from policies.engine import tokens as T
from tests.policies.helpers import DELETE, Case

_TABLE = {
    "name": "carts",
    "hashKey": "id",
    "attributes": [{"name": "id", "type": "S"}],
    "billingMode": "PAY_PER_REQUEST",
}

_DAX = {
    "clusterName": "carts-cache",
    "nodeType": "dax.r5.large",
    "replicationFactor": 3,
    "iamRoleArn": "arn:aws:iam::123456789012:role/dax",
    "serverSideEncryption": {"enabled": True},
    "clusterEndpointEncryptionType": "TLS",
}

CASES = {
    "dynamodb-point-in-time-recovery": [
        Case(
            T.DYNAMODB_TABLE,
            {**_TABLE, "pointInTimeRecovery": {"enabled": True}},
            {"pointInTimeRecovery.enabled": False},
        ),
        Case(
            T.DYNAMODB_TABLE,
            {**_TABLE, "pointInTimeRecovery": {"enabled": True}},
            {"pointInTimeRecovery": DELETE},
            label="absent: off by default",
        ),
    ],
    "dynamodb-deletion-protection": [
        Case(T.DYNAMODB_TABLE, {**_TABLE, "deletionProtectionEnabled": True}, {"deletionProtectionEnabled": False}),
        Case(
            T.DYNAMODB_TABLE,
            {**_TABLE, "deletionProtectionEnabled": True},
            {"deletionProtectionEnabled": DELETE},
            label="absent: off by default",
        ),
    ],
    "dax-cluster-encrypted": [
        Case(T.DAX_CLUSTER, _DAX, {"serverSideEncryption.enabled": False}),
        Case(T.DAX_CLUSTER, _DAX, {"serverSideEncryption": DELETE}, label="absent: off by default"),
    ],
    "dax-cluster-tls": [
        Case(T.DAX_CLUSTER, _DAX, {"clusterEndpointEncryptionType": "NONE"}),
        Case(T.DAX_CLUSTER, _DAX, {"clusterEndpointEncryptionType": DELETE}, label="absent: NONE by default"),
    ],
}
