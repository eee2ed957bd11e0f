"""Names of the assignment solvers, importable without the numerical stack."""

from assignopt.solver_names import SOLVERS

__all__ = ["ASSIGNMENT_SOLVERS"]

#: Solvers of the assignment: the LP solvers, and the two min-cost flow codes.
ASSIGNMENT_SOLVERS = (*SOLVERS, "networkx", "ortools")
