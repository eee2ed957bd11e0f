"""Defaults shared by the command line and the numerical core, importable without numpy."""

__all__ = ["LITERATURE_SHAPE"]

#: The literature's common gamma shape of family incomes (docs/mathematics.md).
LITERATURE_SHAPE = 1.56
