"""Tag helpers: every taggable resource carries the required tags plus a Name."""

from __future__ import annotations


def with_name(tags: dict[str, str], name: str, **extra: str) -> dict[str, str]:
    return {**tags, "Name": name, **extra}
