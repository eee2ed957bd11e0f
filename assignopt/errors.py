"""Exceptions raised on bad input, each naming the offending input and the fix."""

from __future__ import annotations


class AssignoptError(ValueError):
    """Base class of every error assignopt raises on bad input or an impossible request."""


class InputError(AssignoptError):
    """Input data or parameters are malformed (missing column, negative count, NaN, ...)."""


class UndefinedIndexError(AssignoptError):
    """A segregation index has no defined value for this district (e.g. a group is absent)."""


class NoCrossingError(AssignoptError):
    """Two income densities never cross, so no optimal poverty threshold exists."""
