"""Tag helpers: every taggable resource carries the required tags plus a Name."""

from __future__ import annotations

from collections.abc import Mapping


def with_name(tags: Mapping[str, str], name: str, **extra: str) -> dict[str, str]:
    return {**tags, "Name": name, **extra}
