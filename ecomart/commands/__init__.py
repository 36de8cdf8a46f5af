"""The subcommands of ``ecomart``, one module each (see ecomart/cli.py)."""
