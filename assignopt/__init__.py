"""assignopt: how much racial segregation can remain when schools are balanced by income.

The public API re-exports the segregation indices, income models and the literature's
closed-form bounds; see the project's README and ``docs/architecture.md`` for the map.
"""

from assignopt.bounds import (
    Construction,
    greedy_construction,
    income_class_table,
    three_school_construction,
    vmax_continuous,
    vmax_dichotomous,
    vmax_supremum,
    vmax_tolerance_approx,
)
from assignopt.errors import AssignoptError, InputError, NoCrossingError, UndefinedIndexError
from assignopt.income import (
    BinnedIncome,
    EmpiricalIncome,
    GammaIncome,
    optimal_poverty_threshold,
    poverty_rate,
)
from assignopt.indices import (
    dissimilarity,
    exposure,
    index_summary,
    isolation,
    multigroup_dissimilarity,
    multigroup_normalized_exposure,
    multigroup_theil_h,
    normalized_exposure,
    theil_h,
)

__version__ = "0.1.0"

__all__ = [
    "AssignoptError",
    "BinnedIncome",
    "Construction",
    "EmpiricalIncome",
    "GammaIncome",
    "InputError",
    "NoCrossingError",
    "UndefinedIndexError",
    "dissimilarity",
    "exposure",
    "greedy_construction",
    "income_class_table",
    "index_summary",
    "isolation",
    "multigroup_dissimilarity",
    "multigroup_normalized_exposure",
    "multigroup_theil_h",
    "normalized_exposure",
    "optimal_poverty_threshold",
    "poverty_rate",
    "theil_h",
    "three_school_construction",
    "vmax_continuous",
    "vmax_dichotomous",
    "vmax_supremum",
    "vmax_tolerance_approx",
]
