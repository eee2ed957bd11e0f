"""Names of the linear-programming solvers, importable without the numerical stack."""

__all__ = ["SOLVERS"]

#: HiGHS through highspy, CBC through PuLP, HiGHS through PuLP.
SOLVERS = ("highs", "cbc", "pulp-highs")
