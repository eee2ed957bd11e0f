"""Column generation for two groups: kept importable here; it lives in :mod:`assignopt.maxseg`."""

from assignopt.maxseg.colgen import class_share_bounds, price_two_group, solve_master

__all__ = ["class_share_bounds", "price_two_group", "solve_master"]
