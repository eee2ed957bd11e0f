"""Contiguous attendance zones under an income band.

:mod:`~assignopt.zones.adjacency` builds the neighborhood adjacency graph (queen or rook
contiguity, by libpysal) and each school's root neighborhood; :mod:`~assignopt.zones.model`
solves the zoning MILP with contiguity cuts added lazily; :mod:`~assignopt.zones.ensemble`
samples contiguous, band-feasible zonings near the optimum.
"""
