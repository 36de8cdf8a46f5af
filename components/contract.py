"""How a component documents its inputs: ``arg(...)`` fields on a dataclass, read back by docs/components.md.

Every Args field says what it is, its units and why it exists; ``python -m components.doc`` renders them (with
type and default) so the reference can never drift from the code (tests/components/test_contract.py).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Optional

_MISSING: Any = dataclasses.MISSING


def arg(doc: str, default: Any = _MISSING, *, units: Optional[str] = None,
        factory: Optional[Callable[[], Any]] = None) -> Any:
    """A documented Args field. ``doc`` is one line: what it is and why; ``units`` e.g. "days", "GiB"."""
    metadata = {"doc": doc, "units": units}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def require_together(args: Any, *names: str) -> None:
    """Fields that only make sense together (a region and the key there): all set or none, else a clear error."""
    given = [n for n in names if getattr(args, n) is not None]
    if given and len(given) != len(names):
        raise ValueError(f"{type(args).__name__}: {', '.join(names)} are set together "
                         f"(got {', '.join(given)} without {', '.join(n for n in names if n not in given)})")
