"""EKS: who can reach the cluster's API endpoint."""

from __future__ import annotations

from policies.engine.core import Report, Res, is_false, is_open_cidr, known, resource_policy, show
from policies.engine.meta import CCPA_SEC, GDPR_CIA
from policies.engine.tokens import EKS_CLUSTER


@resource_policy(
    "eks-endpoint-not-public",
    types=(EKS_CLUSTER,),
    severity="high",
    category="security",
    controls=("pci-1-3-1", GDPR_CIA, CCPA_SEC, "fsbp-eks-1"),
    description="The cluster's Kubernetes API endpoint is private, or public only to named CIDRs.",
    why="A public endpoint open to 0.0.0.0/0 lets anyone on the internet probe the API server for credentials "
    "and vulnerabilities; EKS makes it public and open by default.",
    remediation="Set `vpc_config.endpoint_public_access=False` (and `endpoint_private_access=True`), or list the "
    "office or CI ranges in `vpc_config.public_access_cidrs`.",
    checks=("vpcConfig.endpointPublicAccess", "vpcConfig.publicAccessCidrs"),
)
def eks_endpoint_not_public(r: Res, report: Report) -> None:
    public, cidrs = r.get("vpcConfig.endpointPublicAccess"), r.get("vpcConfig.publicAccessCidrs")
    if not known(public) or not known(cidrs):
        return
    if is_false(public):
        return  # private
    # Absent: EKS's defaults, a public endpoint open to 0.0.0.0/0.
    ranges = list(cidrs) if isinstance(cidrs, list) and cidrs else ["0.0.0.0/0"]
    open_to = [c for c in ranges if is_open_cidr(c)]
    if open_to:
        report(f"vpcConfig.endpointPublicAccess is {show(public)}: the API endpoint is open to {', '.join(open_to)}")
