"""The base of every config section: camelCase keys, strict types, unknown keys rejected."""

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class _Section(BaseModel):
    # strict: "yes" is not a boolean and "3" is not a number; extra="forbid": a typo is an error, not a silent default.
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, strict=True, extra="forbid",
                              frozen=True)
