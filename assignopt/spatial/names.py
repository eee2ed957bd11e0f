"""Names of the assignment solvers, importable without the numerical stack."""

from assignopt.solver_names import ASSIGNMENT_SOLVERS

__all__ = ["ASSIGNMENT_SOLVERS"]
