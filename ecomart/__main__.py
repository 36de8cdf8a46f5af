"""``python -m ecomart ...``: the same as the ``ecomart`` console script."""

from ecomart.cli import entry

entry()
