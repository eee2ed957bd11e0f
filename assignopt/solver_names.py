"""Names of the solvers, importable without the numerical stack (the command line's choices)."""

__all__ = ["ASSIGNMENT_SOLVERS", "LP_SOLVERS", "SOLVERS"]

#: Solvers of the linear programs: HiGHS through highspy, CBC or HiGHS through PuLP.
SOLVERS = LP_SOLVERS = ("highs", "cbc", "pulp-highs")
#: Solvers of the spatial assignment: the LP solvers and the two min-cost flow codes.
ASSIGNMENT_SOLVERS = (*LP_SOLVERS, "networkx", "ortools")
