"""MongoDB Atlas section of the stack config (see components/atlas.py). Placeholder until the Atlas issue lands."""

from pydantic import Field

from infra.config_base import _Section


class AtlasConfig(_Section):
    org_id: str = Field(description="Atlas organisation id (not a secret).")
