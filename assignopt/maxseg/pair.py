"""A two-group index between a named pair inside a multigroup population.

The band applies to every student; the other groups only fill seats. The index depends on a
school's shares of the pair alone, so the other groups are merged into one filler group for
the model (:func:`pair_population`) and split back, category by category, in proportion to
their district counts (:func:`expand_witness`): each school keeps its students by category,
so it keeps meeting every band, and the pair's counts, so it keeps its index.
"""

from __future__ import annotations

import numpy as np

from assignopt.errors import InputError
from assignopt.population import Population
from assignopt.witness import Witness

__all__ = ["FILLERS", "check_pair", "expand_witness", "pair_population"]

#: Label of the merged filler group in the model.
FILLERS = "(other groups)"


def check_pair(
    population: Population, pair: tuple[str, str] | None, objective: str
) -> tuple[str, str] | None:
    """Validate ``pair`` against the population's groups and the objective."""
    if pair is None:
        return None
    if isinstance(pair, str) or len(pair) != 2:
        raise InputError(f"pair must name two groups, e.g. ('black', 'white'), got {pair!r}")
    b, w = (str(g) for g in pair)
    unknown = [g for g in (b, w) if g not in population.groups]
    if unknown:
        raise InputError(
            f"pair: group(s) {', '.join(map(repr, unknown))} not in the population's groups "
            f"({', '.join(population.groups)})"
        )
    if b == w:
        raise InputError(f"pair must name two different groups, got {b!r} twice")
    if objective == "R":
        raise InputError(
            "pair takes a two-group index (V, H or D); R of two groups is V: use objective V"
        )
    return b, w


def pair_population(population: Population, pair: tuple[str, str]) -> Population:
    """The population as (b, w[, fillers]): the pair first, every other group merged."""
    idx = [population.groups.index(g) for g in pair]
    rest = [m for m in range(population.n_groups) if m not in idx]
    counts = population.counts[idx]
    groups = tuple(pair)
    if rest:
        counts = np.vstack([counts, population.counts[rest].sum(axis=0)])
        groups = (*groups, FILLERS)
    return Population(
        counts,
        groups,
        population.income_class,
        population.class_labels,
        population.attribute,
        population.attribute_name,
        population.category_labels,
    )


def expand_witness(witness: Witness, population: Population, pair: tuple[str, str]) -> Witness:
    """Schools of the (b, w, fillers) model as schools of the full population."""
    schools = witness.schools
    full = np.zeros((schools.shape[0], population.n_groups, population.n_categories))
    idx = [population.groups.index(g) for g in pair]
    full[:, idx] = schools[:, :2]
    rest = [m for m in range(population.n_groups) if m not in idx]
    if rest:
        others = population.counts[rest]  # (R, C) district counts of each filler group
        total = others.sum(axis=0)
        share = np.divide(others, total, out=np.zeros_like(others), where=total > 0)
        full[:, rest] = schools[:, 2][:, None, :] * share[None]
    return Witness(full, population, witness.n_schools, pair=pair)
