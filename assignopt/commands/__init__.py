"""Subcommands of the ``assignopt`` command line, one module each."""
