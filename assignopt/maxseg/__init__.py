"""The maximum (and minimum) segregation an income-balance policy allows.

Every index is ``sum_j t_j phi(p_j) / T`` with phi convex in a school's group composition p and
zero at the district's, and splitting a school by its own composition changes nothing. So the
maximum over any number of schools is a linear program over school *types*:

- **exact** (``method="extreme"``, :mod:`.extreme`): when the policy has few bands, the extreme
  points of the set of allowed school compositions are enumerated and the LP over them is exact;
- **column generation** (``method="colgen"``, :mod:`.colgen`): two groups and income-class
  bands, with exact pricing;
- **bracket** (``method="bracket"``, :mod:`.bracket`): the group-composition simplex is cut
  into cells and phi replaced by its interpolation over each cell: a certified
  ``[lower, upper]`` that closes as cells are split.

:mod:`.drivers` chooses among them; :mod:`.result` holds the answer, :class:`SegregationBound`;
:mod:`.pair` serves a two-group index between a named pair inside a multigroup population
(``pair=("black", "white")``); :mod:`.split` maximizes over every race x class split that
units' margins allow; :mod:`.memory` refuses models too large for memory; :mod:`.notebook` is
``ao.maxseg`` (the package itself is callable, so the function survives the subpackage's
import).
"""

import sys
import types
from typing import Any

from assignopt.maxseg.drivers import METHODS, maximum_segregation, minimum_segregation
from assignopt.maxseg.extreme import extreme_compositions
from assignopt.maxseg.geometry import freudenthal_cells, school_terms
from assignopt.maxseg.notebook import maxseg
from assignopt.maxseg.result import SegregationBound
from assignopt.maxseg.split import SplitMaximum, maximum_over_splits
from assignopt.policy import InfeasiblePolicyError
from assignopt.population import Population

__all__ = [
    "METHODS",
    "InfeasiblePolicyError",
    "SegregationBound",
    "SplitMaximum",
    "extreme_compositions",
    "freudenthal_cells",
    "maximum_over_splits",
    "maximum_segregation",
    "maxseg",
    "minimum_segregation",
    "school_terms",
]


class _CallableModule(types.ModuleType):
    """``assignopt.maxseg`` is both this package and the notebook function ``ao.maxseg``.

    Importing a subpackage sets it as an attribute of its parent, which would hide the function
    ``assignopt.maxseg``; calling the package calls :func:`maxseg` instead.
    """

    def __call__(self, population: Population, tolerance: float = 0.0, **options: Any) -> Any:
        return maxseg(population, tolerance, **options)


sys.modules[__name__].__class__ = _CallableModule
