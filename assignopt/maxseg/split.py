"""The maximum over every race x class split that a district's margins allow.

When each unit (neighborhood) gives its students by group ``R[n, m]`` and by income class
``Q[n, k]`` but no crosstab, every split ``s[n, m, k] >= 0`` with those margins is possible.
The policy's bands and the index's district shares depend only on the district's class and
group totals, which every split shares; so the set of allowed school types is the same for
every split, and only the supply of (group, class) cells, ``sum_n s[n]``, varies. The maximum
over splits is therefore still one LP: the split variables join the school-type variables
(extreme-point method), with the margin constraints (mathematics note, "Multigroup districts
and unknown splits"). Beside it, the maximum under the proportional split
``s[n, m, k] = R[n, m] Q[n, k] / t_n`` (every group has its unit's class mix).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assignopt.errors import InputError
from assignopt.lp import EXACT_OPTIONS, LinearProgram, solve
from assignopt.maxseg.bracket import bracket_multigroup, bracket_two_groups
from assignopt.maxseg.common import check_objective, raise_unsolved, size_bounds
from assignopt.maxseg.drivers import maximum_segregation
from assignopt.maxseg.extreme import exact_lp
from assignopt.maxseg.geometry import IndexTerm
from assignopt.maxseg.pair import check_pair, expand_witness, pair_population
from assignopt.maxseg.result import SegregationBound
from assignopt.policy import Policy
from assignopt.population import Population
from assignopt.validation import check_count_table
from assignopt.witness import Witness

__all__ = ["SplitMaximum", "maximum_over_splits", "proportional_split"]


@dataclass(frozen=True)
class SplitMaximum:
    """The maximum over consistent splits, beside the maximum under the proportional split.

    Attributes
    ----------
    maximum : SegregationBound
        Over every split with the units' margins; its witness's population is the
        maximizing split's district table.
    proportional : SegregationBound
        Under the proportional split.
    split : numpy.ndarray
        A maximizing split, ``(N, M, K)``.
    """

    maximum: SegregationBound
    proportional: SegregationBound
    split: np.ndarray

    def to_dict(self) -> dict:
        """JSON-ready: the maximum's keys, and the proportional split's bracket beside them."""
        out = self.maximum.to_dict()
        out["split"] = "unknown (maximum over every split with the units' margins)"
        out["proportional_lower"] = self.proportional.lower
        out["proportional_upper"] = self.proportional.upper
        return out


def _check_margins(
    race: np.ndarray,
    classes: np.ndarray,
    groups: Sequence[str],
    class_labels: Sequence[str],
    units: Sequence[str] | None,
) -> tuple[np.ndarray, np.ndarray]:
    race = np.asarray(race, dtype=float)
    classes = np.asarray(classes, dtype=float)
    if race.ndim != 2 or race.shape[1] != len(groups):
        raise InputError(f"race must have shape (units, {len(groups)} groups), got {race.shape}")
    if classes.ndim != 2 or classes.shape[1] != len(class_labels):
        raise InputError(
            f"classes must have shape (units, {len(class_labels)} classes), got {classes.shape}"
        )
    if race.shape[0] != classes.shape[0] or race.shape[0] == 0:
        raise InputError(
            f"race and classes must describe the same units, got {race.shape[0]} and "
            f"{classes.shape[0]}"
        )
    if units is not None and len(units) != race.shape[0]:
        raise InputError(f"{len(units)} unit ids for {race.shape[0]} units")
    check_count_table(race, list(groups), name="race", rows=units)
    check_count_table(classes, list(class_labels), name="classes", rows=units)
    t_race, t_class = race.sum(axis=1), classes.sum(axis=1)
    off = np.abs(t_race - t_class) > 1e-9 * np.maximum(t_race, 1.0)
    if off.any():
        n = int(np.flatnonzero(off)[0])
        name = repr(str(units[n])) if units is not None else f"at position {n}"
        raise InputError(
            f"unit {name} has {t_race[n]:.6g} students by group but {t_class[n]:.6g} by class; "
            "a split needs both margins to count the same students"
        )
    return race, classes


def proportional_split(race: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """``s[n, m, k] = R[n, m] Q[n, k] / t_n``: every group with its unit's class mix."""
    t = race.sum(axis=1)
    safe = np.where(t > 0, t, 1.0)
    return race[:, :, None] * classes[:, None, :] / safe[:, None, None]


def maximum_over_splits(
    race: np.ndarray,
    classes: np.ndarray,
    groups: Sequence[str],
    class_labels: Sequence[str],
    policy: Policy | None = None,
    objective: str = "V",
    *,
    pair: tuple[str, str] | None = None,
    units: Sequence[str] | None = None,
    method: str = "auto",
    gap: float = 1e-4,
    max_iterations: int = 40,
    solver: str = "highs",
    time_limit: float | None = None,
    memory_limit: float | None = None,
) -> SplitMaximum:
    """The largest segregation under ``policy`` over every split consistent with the margins.

    Parameters
    ----------
    race : array_like
        Students by unit and group, ``(N, M)``.
    classes : array_like
        Students by unit and income class, ``(N, K)`` (same unit totals).
    groups, class_labels : sequence of str
        Labels of the M groups and K classes (poorest first).
    policy : Policy, optional
        The policy (income bands only: a second attribute has no margins here).
    objective : {"V", "H", "D", "R"}
        Index.
    pair : (str, str), optional
        Two groups of a multigroup population (see :func:`maximum_segregation`).
    units : sequence of str, optional
        Unit ids, named in messages.
    method : {"auto", "extreme", "bracket"}
        The extreme-point LP when its school types can be enumerated (``auto``), else the
        cell bracket, either with the split variables in every model.
    gap, max_iterations : float, int
        Target width and refinements of the bracket.
    solver : {"highs", "cbc", "pulp-highs"}
        LP solver.
    time_limit : float, optional
        Seconds per solver call.
    memory_limit : float, optional
        Bytes a bracket model may take (the split's columns not counted); see
        :func:`maximum_segregation`.

    Returns
    -------
    SplitMaximum

    Raises
    ------
    InputError
        On inconsistent margins, a policy with size bounds, or an unknown method.
    """
    policy = policy or Policy()
    if method not in ("auto", "extreme", "bracket"):
        raise InputError(f"method must be auto, extreme or bracket, got {method!r}")
    start = time.perf_counter()
    race, classes = _check_margins(race, classes, groups, class_labels, units)
    groups, class_labels = tuple(map(str, groups)), tuple(map(str, class_labels))
    proportional_cells = proportional_split(race, classes)
    population = Population.from_class_table(proportional_cells.sum(axis=0), groups, class_labels)
    pair = check_pair(population, pair, objective)
    check_objective(population, objective, pair is not None)
    if size_bounds(policy) is not None:
        raise InputError("split='unknown' takes no min_school_share: the LP has no size bounds")
    proportional = maximum_segregation(
        population,
        policy,
        objective,
        pair=pair,
        gap=gap,
        max_iterations=max_iterations,
        solver=solver,
        time_limit=time_limit,
        memory_limit=memory_limit,
    )
    model = population if pair is None else pair_population(population, pair)
    rules = policy.rules(model)  # the same for every split: class shares are the margins'
    pair_in_model = (0, 1) if pair is not None and model.n_groups > 2 else None
    term = IndexTerm(objective, model.group_shares, pair_in_model)
    built = exact_lp(model, rules, term) if method in ("auto", "extreme") else None
    if built is None and method == "extreme":
        raise InputError("this policy has too many school types to enumerate; use method='bracket'")
    if built is not None:
        types_lp, points = built
        lp = _split_lp(types_lp, race, classes, population, model, pair)
        solution = solve(lp, solver, time_limit, EXACT_OPTIONS)
        if solution.status == "infeasible" and solver == "highs":
            # Split columns count students beside share-scaled type columns; at 1e-10 HiGHS
            # can call such a model infeasible (Sacramento at d = 0). Its default tolerances
            # (1e-7) settle it, and the witness is checked against the policy either way.
            solution = solve(lp, solver, time_limit)
        raise_unsolved(solution, "split LP")
        x = np.maximum(solution.x, 0.0)
        n_types = types_lp.shape[1]
        split = x[n_types:].reshape(race.shape[0], len(groups), len(class_labels))
        split = split * population.total
        used = x[:n_types] > 1e-12
        schools = (x[:n_types][used, None] * points[used]).reshape(
            -1, model.n_groups, model.n_categories
        ) * population.total
        facts = {
            "upper": min(solution.objective, 1.0),
            "exact": True,
            "method": "extreme-point LP over splits",
            "status": solution.status,
            "solver": solution.solver,
            "build_seconds": 0.0,
            "solve_seconds": solution.seconds,
            "iterations": 1,
            "n_variables": lp.shape[1],
            "n_constraints": lp.shape[0],
            "notes": [f"{n_types} extreme school types"],
        }
        n_schools = None
    else:
        extension = _SplitColumns(race, classes, population, model, pair)
        runner = bracket_two_groups if model.n_groups == 2 or pair_in_model else bracket_multigroup
        bound = runner(
            model,
            rules,
            term,
            None,
            gap,
            solver,
            max_iterations,
            time_limit,
            start,
            memory_limit=memory_limit,
            extension=extension,
        )
        split = extension.split
        schools, n_schools = bound.witness.schools, bound.witness.n_schools
        facts = {
            "upper": bound.upper,
            "exact": bound.exact,
            "method": bound.method + " over splits",
            "status": bound.status,
            "solver": bound.solver,
            "build_seconds": bound.build_seconds,
            "solve_seconds": bound.solve_seconds,
            "iterations": bound.iterations,
            "n_variables": bound.n_variables,
            "n_constraints": bound.n_constraints,
            "notes": list(bound.notes),
        }
    chosen = Population.from_class_table(split.sum(axis=0), groups, class_labels)
    chosen_model = chosen if pair is None else pair_population(chosen, pair)
    witness = Witness(schools, chosen_model, n_schools, pair=pair if pair_in_model else None)
    if pair is not None:
        witness = expand_witness(witness, chosen, pair)
    value = witness.index(objective)
    facts["notes"].append(
        f"the race x class split of {race.shape[0]} units chosen with the LP (any split with "
        "the units' group and class totals)"
    )
    facts["upper"] = max(facts["upper"], value)
    bound = SegregationBound(
        objective=objective,
        sense="max",
        lower=value,
        seconds=time.perf_counter() - start,
        witness=witness,
        pair=pair,
        **facts,
    )
    return SplitMaximum(bound, proportional, split)


def _split_lp(types_lp, race, classes, population, model, pair):
    """``types_lp`` with its fixed supply rows fed by split variables instead.

    ``types_lp``'s first ``model.n_groups * K`` rows are the supply of the model's (group,
    class) cells, group-major, with the district's shares as bounds (the extreme-point LP and
    the bracket LP both start so). They become ``mass - sum_n s[n, m, k] = 0``; the split
    variables ``s`` (shares of the district's students T, so that every row is of order one
    for the solver's absolute tolerances) follow the LP's own columns, under each unit's
    margins ``R / T`` and ``Q / T``.
    """
    n_units, m_full = race.shape
    k_n = classes.shape[1]
    n_rows, n_cols = types_lp.shape
    n_split = n_units * m_full * k_n
    split_id = n_cols + np.arange(n_split).reshape(n_units, m_full, k_n)
    # Model group of each full group: the pair first, fillers merged.
    if pair is None:
        to_model = np.arange(m_full)
    else:
        idx = [population.groups.index(g) for g in pair]
        to_model = np.full(m_full, 2)
        to_model[idx[0]], to_model[idx[1]] = 0, 1
    own = types_lp.matrix.tocoo()
    rows, cols, vals = [own.row], [own.col], [own.data]
    cell_row = to_model[None, :, None] * k_n + np.arange(k_n)[None, None, :]
    rows.append(np.broadcast_to(cell_row, split_id.shape).ravel())
    cols.append(split_id.ravel())
    vals.append(np.full(n_split, -1.0))
    n_supply = model.n_groups * k_n
    lo, hi = types_lp.row_lower.copy(), types_lp.row_upper.copy()
    lo[:n_supply] = hi[:n_supply] = 0.0
    lo, hi = [lo], [hi]
    # Margins: sum_k s[n, m, k] = R[n, m]; sum_m s[n, m, k] = Q[n, k].
    race_row = n_rows + np.arange(n_units * m_full).reshape(n_units, m_full)
    rows.append(np.broadcast_to(race_row[:, :, None], split_id.shape).ravel())
    cols.append(split_id.ravel())
    vals.append(np.ones(n_split))
    n_rows += n_units * m_full
    class_row = n_rows + np.arange(n_units * k_n).reshape(n_units, k_n)
    rows.append(np.broadcast_to(class_row[:, None, :], split_id.shape).ravel())
    cols.append(split_id.ravel())
    vals.append(np.ones(n_split))
    n_rows += n_units * k_n
    margins = [race.ravel() / population.total, classes.ravel() / population.total]
    lo += margins
    hi += margins
    cost = np.concatenate([types_lp.cost, np.zeros(n_split)])
    col_upper = np.concatenate([types_lp.col_upper, np.full(n_split, np.inf)])
    return LinearProgram.from_triplets(
        rows,
        cols,
        vals,
        (n_rows, n_cols + n_split),
        cost,
        lo,
        hi,
        col_upper=col_upper,
        maximize=True,
    )


class _SplitColumns:
    """The split variables as an extension of every bracket LP; keeps the best round's split."""

    def __init__(self, race, classes, population, model, pair):
        self.args = (race, classes, population, model, pair)
        self.n_own = 0
        self.split: np.ndarray | None = None

    def __call__(self, lp: LinearProgram) -> LinearProgram:
        self.n_own = lp.shape[1]
        return _split_lp(lp, *self.args)

    def keep(self, x: np.ndarray) -> None:
        race, classes = self.args[0], self.args[1]
        total = self.args[2].total
        self.split = total * np.maximum(x[self.n_own :], 0.0).reshape(
            race.shape[0], race.shape[1], classes.shape[1]
        )
