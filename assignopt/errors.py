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


class InfeasibleError(AssignoptError):
    """No assignment or solution meets every constraint; the message names the one that fails."""


class SolverError(AssignoptError):
    """A solver is missing, failed, or stopped without an answer it can vouch for."""


class TimeLimitError(SolverError):
    """A solver reached its time limit before it found any feasible solution."""
