"""The dated price files (``pricing/prices/<region>.json``, ``pricing/prices/atlas.json``): every price with its unit
and source, read offline. Standard library only (the policy pack prices stacks too)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

PRICES_DIR = Path(__file__).resolve().parent / "prices"
ATLAS = "atlas"


class PriceError(Exception):
    """A price file is missing, unreadable, or lacks an entry: one line naming what."""


@dataclass(frozen=True)
class Price:
    key: str
    usd: float
    per: str
    source: str
    book: str  # the price file: a region, or "atlas"
    read: str  # the date the file was read


@dataclass(frozen=True)
class Book:
    name: str
    read: str
    how: str
    prices: dict[str, Any]

    def get(self, key: str) -> Price | None:
        entry = self.prices.get(key)
        if entry is None:
            return None
        return Price(key, float(entry["usd"]), entry["per"], entry["source"], self.name, self.read)


def regions() -> list[str]:
    """The AWS regions a price file exists for."""
    return sorted(p.stem for p in PRICES_DIR.glob("*.json") if p.stem != ATLAS)


@cache
def book(name: str, directory: Path = PRICES_DIR) -> Book:
    """The price file of an AWS region (``us-east-1``) or ``atlas``."""
    path = directory / f"{name}.json"
    if not path.is_file():
        known = ", ".join(regions())
        raise PriceError(f"no price file for region {name!r} (pricing/prices/ has: {known})")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return Book(name, str(doc["read"]), str(doc.get("how", "")), dict(doc["prices"]))
    except (ValueError, KeyError, TypeError) as e:
        raise PriceError(f"{path.name}: not a price file ({e})") from None
