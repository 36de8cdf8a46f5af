"""Resource-policy cases of ``policies/rules/eks.py``: a compliant resource per case and, for every property the
policy checks, a one-property mutation that must be reported (tests/policies/test_resource_policies.py)."""

from __future__ import annotations

from policies.engine import tokens as T
from tests.policies.helpers import DELETE, Case

_PRIVATE = {
    "roleArn": "arn:aws:iam::123456789012:role/eks",
    "vpcConfig": {"subnetIds": ["subnet-1"], "endpointPrivateAccess": True, "endpointPublicAccess": False},
}
_NARROW = {
    "roleArn": "arn:aws:iam::123456789012:role/eks",
    "vpcConfig": {"subnetIds": ["subnet-1"], "endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]},
}

CASES = {
    "eks-endpoint-not-public": [
        Case(T.EKS_CLUSTER, _PRIVATE, {"vpcConfig.endpointPublicAccess": True}),
        Case(T.EKS_CLUSTER, _PRIVATE, {"vpcConfig.endpointPublicAccess": DELETE}, label="absent: public by default"),
        Case(T.EKS_CLUSTER, _NARROW, {"vpcConfig.publicAccessCidrs": ["203.0.113.0/24", "0.0.0.0/0"]}),
        Case(T.EKS_CLUSTER, _NARROW, {"vpcConfig.publicAccessCidrs": DELETE}, label="absent: open to all by default"),
    ],
}
