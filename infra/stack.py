"""The stack program: wires the components from a validated StackConfig and returns the stack outputs.

Kept apart from ``__main__`` so the offline preview and the tests run exactly this function under mocks.
Order matters only where data flows: keys first (everything encrypts with them), then the network, the stores,
and monitoring/backup last because they are derived from the stores declared before them.
"""

from __future__ import annotations

from typing import Any

import pulumi

from components.kms import Kms, KmsArgs
from components.network import Network, NetworkArgs
from infra.config import StackConfig


def build(cfg: StackConfig) -> dict[str, Any]:
    prefix = f"ecomart-{cfg.stack}"
    tags = cfg.tags
    kms = Kms("keys", KmsArgs(
        prefix=prefix, region=cfg.region, tags=tags, deletion_window_days=cfg.kms.deletion_window_days,
        secondary_region=cfg.secondary_region if cfg.is_prod else None,
        document_policy_external=cfg.atlas is not None,
    ))
    network = Network("network", NetworkArgs(
        prefix=prefix, vpc_cidr=cfg.network.vpc_cidr, az_count=cfg.network.az_count, region=cfg.region, tags=tags,
        logs_kms_key_arn=kms.keys["logs"].arn, flow_log_retention_days=cfg.network.flow_log_retention_days,
    ))
    # --- postgres (components/postgres.py) ---
    # --- redis (components/redis.py) ---
    # --- atlas (components/atlas.py) ---
    # --- monitoring (components/monitoring.py) ---
    # --- backup (components/backup.py) ---
    outputs: dict[str, Any] = {
        "vpcId": network.vpc_id,
        "dataSubnetIds": pulumi.Output.all(*network.data_subnet_ids),
        "kmsKeyArns": pulumi.Output.all(**kms.key_arns),
    }
    return outputs
