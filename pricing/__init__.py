"""What a stack costs a month, offline: dated price files per region (``pricing/prices/``), a usage file for what
is billed by use, the estimate per resource and component, the savings, and the delta between two exports.

Standard library only, so the policy pack's ``stack-monthly-budget`` prices a stack as ``ecomart cost`` does
(docs/adr/0026-cost-estimates.md).
"""

from pricing.catalog import PriceError, book, regions
from pricing.estimate import Estimate, Resource, estimate, resources_of_export
from pricing.savings import Saving, savings
from pricing.usage import Usage, UsageError, parse

__all__ = [
    "Estimate",
    "PriceError",
    "Resource",
    "Saving",
    "Usage",
    "UsageError",
    "book",
    "estimate",
    "parse",
    "regions",
    "resources_of_export",
    "savings",
]
