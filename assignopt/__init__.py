"""assignopt: how much racial segregation can remain when schools are balanced by income.

The public API, for notebooks and scripts::

    import assignopt as ao
    d = ao.read_district("sample_districts/sacramento_2000.gpkg")
    r = ao.assign(d, tolerance=0.1)               # the same options as ``assignopt assign``
    r.neighborhoods, r.schools, r.flows, r.summary()
    b = ao.maxseg(d.population(), tolerance=0.1)  # SegregationBound: .lower, .upper, .witness

Names are imported on first use, so ``import assignopt`` (and the command line's ``--help``)
does not load the numerical stack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from assignopt.version import __version__ as __version__

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # workflows: one typed request per job, one run(request) -> Result
    "assign": "assignopt.workflows.api",
    "maxseg": "assignopt.maxseg",
    "run": "assignopt.workflows.base",
    "run_scenario": "assignopt.workflows.scenario",
    "load_scenario": "assignopt.scenario",
    "AssignRequest": "assignopt.workflows.requests",
    "BoundsRequest": "assignopt.workflows.requests",
    "DistrictsRequest": "assignopt.workflows.requests",
    "IndexRequest": "assignopt.workflows.requests",
    "MaxsegRequest": "assignopt.workflows.requests",
    "SweepRequest": "assignopt.workflows.requests",
    "SynthRequest": "assignopt.workflows.requests",
    "RequestError": "assignopt.workflows.requests",
    # data, policy and results
    "Population": "assignopt.population",
    "Policy": "assignopt.policy",
    "District": "assignopt.spatial.district",
    "read_district": "assignopt.spatial.district",
    "AssignmentResult": "assignopt.spatial.assign",
    "SegregationBound": "assignopt.maxseg",
    "maximum_segregation": "assignopt.maxseg",
    "minimum_segregation": "assignopt.maxseg",
    "race_proportional_reassignment": "assignopt.reassign",
    # closed forms
    "Construction": "assignopt.bounds",
    "greedy_construction": "assignopt.bounds",
    "income_class_table": "assignopt.bounds",
    "three_school_construction": "assignopt.bounds",
    "vmax_continuous": "assignopt.bounds",
    "vmax_dichotomous": "assignopt.bounds",
    "vmax_supremum": "assignopt.bounds",
    "vmax_tolerance_approx": "assignopt.bounds",
    "closed_form_bounds": "assignopt.bounds",
    # errors
    "AssignoptError": "assignopt.errors",
    "InputError": "assignopt.errors",
    "NoCrossingError": "assignopt.errors",
    "ConstructionNotApplicableError": "assignopt.bounds",
    "UndefinedIndexError": "assignopt.errors",
    # income models
    "BinnedIncome": "assignopt.income",
    "EmpiricalIncome": "assignopt.income",
    "GammaIncome": "assignopt.income",
    "optimal_poverty_threshold": "assignopt.income",
    "poverty_rate": "assignopt.income",
    # indices
    "dissimilarity": "assignopt.indices",
    "exposure": "assignopt.indices",
    "index_summary": "assignopt.indices",
    "isolation": "assignopt.indices",
    "multigroup_dissimilarity": "assignopt.indices",
    "multigroup_normalized_exposure": "assignopt.indices",
    "multigroup_theil_h": "assignopt.indices",
    "normalized_exposure": "assignopt.indices",
    "theil_h": "assignopt.indices",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'assignopt' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from assignopt.bounds import (  # noqa: F401
        Construction,
        closed_form_bounds,
        greedy_construction,
        income_class_table,
        three_school_construction,
        vmax_continuous,
        vmax_dichotomous,
        vmax_supremum,
        vmax_tolerance_approx,
    )
    from assignopt.errors import (  # noqa: F401
        AssignoptError,
        InputError,
        NoCrossingError,
        UndefinedIndexError,
    )
    from assignopt.income import (  # noqa: F401
        BinnedIncome,
        EmpiricalIncome,
        GammaIncome,
        optimal_poverty_threshold,
        poverty_rate,
    )
    from assignopt.indices import (  # noqa: F401
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
    from assignopt.maxseg import (  # noqa: F401
        SegregationBound,
        maximum_segregation,
        maxseg,  # noqa: F401
        minimum_segregation,
    )
    from assignopt.policy import Policy  # noqa: F401
    from assignopt.population import Population  # noqa: F401
    from assignopt.reassign import race_proportional_reassignment  # noqa: F401
    from assignopt.scenario import load_scenario  # noqa: F401
    from assignopt.spatial.assign import AssignmentResult  # noqa: F401
    from assignopt.spatial.district import District, read_district  # noqa: F401
    from assignopt.workflows.api import assign  # noqa: F401
    from assignopt.workflows.base import run  # noqa: F401
    from assignopt.workflows.requests import (  # noqa: F401
        AssignRequest,
        BoundsRequest,
        DistrictsRequest,
        IndexRequest,
        MaxsegRequest,
        RequestError,
        SweepRequest,
        SynthRequest,
    )
    from assignopt.workflows.scenario import run_scenario  # noqa: F401
