"""Entry point the Pulumi CLI runs: builds the PolicyPack and serves it (never returns). Nothing else.

The CLI starts ``python -u -m pulumi.policy <engine> <pack dir>``, which runs this file with ``runpy.run_path``:
the pack directory is first on ``sys.path`` and this is not a package import. The policies import each other as
``policies.*``, so the repository root goes on ``sys.path`` and the pack directory comes off it (so no pack module
can shadow a standard-library one). See docs/compliance.md, "Running under the Pulumi CLI".
"""

import os
import sys

_PACK_DIR = os.path.dirname(os.path.abspath(globals().get("__file__") or os.path.join(os.getcwd(), "__main__.py")))
_ROOT = os.path.dirname(_PACK_DIR)
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _PACK_DIR]
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

from policies.engine.core import suppressing  # noqa: E402
from policies.engine.registry import PACK_NAME, all_policies  # noqa: E402
from policies.engine.waivers import default_waivers  # noqa: E402

PolicyPack(
    name=PACK_NAME,
    # Without --policy-pack-config every policy blocks: a stack nobody configured is held to prod's strictness.
    enforcement_level=EnforcementLevel.MANDATORY,
    # Waived findings (policies/waivers.yaml or $ECOMART_WAIVERS) are not reported to the engine.
    policies=[suppressing(p, waivers) for waivers in [default_waivers()] for p in all_policies()],
    description="EcoMart data platform: RDS, ElastiCache, KMS, network, CloudWatch/SNS, AWS Backup, S3, Lambda, "
    "Secrets Manager, API Gateway and MongoDB Atlas, mapped to GDPR, CCPA, PCI DSS v4 and CIS AWS.",
    provider="aws",
)
