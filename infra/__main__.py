"""Pulumi entry point (``main: infra/`` in Pulumi.yaml): validate the stack's config, then declare the stack."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import pulumi  # noqa: E402

from infra import config as stack_config  # noqa: E402
from infra.stack import build  # noqa: E402

try:
    cfg = stack_config.load(pulumi.get_stack(), stack_config.raw_from_pulumi())
except stack_config.ConfigError as e:
    # Raised before any resource is declared: the engine reports this message and creates nothing.
    raise SystemExit(str(e)) from None

for key, value in build(cfg).items():
    pulumi.export(key, value)
