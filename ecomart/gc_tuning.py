"""Garbage-collector settings for the batch work this project does in one process: a preview, a check, a test run.

A synthesis allocates a few hundred thousand container objects that all stay alive to the end (resources, their
Outputs and futures), so CPython's default thresholds (700, 10, 10) run hundreds of collections that find almost
nothing and rescan the same live heap each time: measured on ``ecomart preview --stack prod``, the collector was a
third of the command's CPU, plus another 0.8 s for the final collection at interpreter exit. With larger thresholds
the collector still runs (cyclic garbage is still reclaimed, later); peak RSS moved by under 2%. ``gc.freeze`` moves
what is alive (imported modules, collected tests) out of every later collection's scan. Figures: ``make bench
PARTS=preview`` (bench/infra_preview.py) and docs/adr/0004-verifying-infrastructure-offline.md.
"""

from __future__ import annotations

import gc

# (young generation allocations, young collections per middle, middle per old). CPython's default is (700, 10, 10).
THRESHOLDS = (50_000, 50, 100)


def for_batch_work() -> None:
    """Collect rarely: the process is short-lived and its heap is mostly live."""
    gc.set_threshold(*THRESHOLDS)


def settle() -> None:
    """Leave everything alive now out of later collections (after imports; before the interpreter exits, which
    otherwise runs one last collection over the whole heap)."""
    gc.freeze()
