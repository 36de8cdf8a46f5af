"""``python -m ecomart ...``: the same as the ``ecomart`` console script."""

import sys

from ecomart.cli import main

sys.exit(main())
