"""Witnesses: the school compositions that reproduce a reported segregation value."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

import assignopt.indices as indices
from assignopt.errors import InputError
from assignopt.population import Population

__all__ = ["OBJECTIVES", "Witness", "index_of"]

#: Objectives: two-group V, H, D (exactly two groups) and multigroup R, H, D (two or more).
OBJECTIVES = ("V", "H", "D", "R")


def index_of(group_counts: np.ndarray, objective: str) -> float:
    """The named index of a ``(schools, groups)`` count table, from :mod:`assignopt.indices`.

    Parameters
    ----------
    group_counts : numpy.ndarray
        Students by school and group.
    objective : {"V", "H", "D", "R"}
        V, H, D: two-group indices when there are two groups, multigroup H and D otherwise;
        R: multigroup normalized exposure.

    Returns
    -------
    float
    """
    two = group_counts.shape[1] == 2
    if objective == "V":
        if not two:
            raise InputError("V is a two-group index; use R (multigroup normalized exposure)")
        return indices.normalized_exposure(group_counts)
    if objective == "R":
        return indices.multigroup_normalized_exposure(group_counts)
    if objective == "H":
        return indices.theil_h(group_counts) if two else indices.multigroup_theil_h(group_counts)
    if objective == "D":
        if two:
            return indices.dissimilarity(group_counts)
        return indices.multigroup_dissimilarity(group_counts)
    raise InputError(f"unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}")


@dataclass(frozen=True)
class Witness:
    """Schools (or school types) with their students by group and category.

    A row may stand for several schools of the same composition (``n_schools``); splitting a
    school by its own composition leaves every index unchanged.

    Attributes
    ----------
    schools : numpy.ndarray
        Shape ``(J, M, C)``, in the population's units.
    population : Population
        The district the schools are drawn from (labels, totals).
    n_schools : numpy.ndarray
        Shape ``(J,)``: how many equal schools each row stands for (1 unless size bounds apply).
    """

    schools: np.ndarray
    population: Population
    n_schools: np.ndarray | None = None

    @property
    def group_counts(self) -> np.ndarray:
        """Students by school and group, ``(J, M)``."""
        return self.schools.sum(axis=2)

    @property
    def sizes(self) -> np.ndarray:
        """Students per row, ``(J,)``."""
        return self.schools.sum(axis=(1, 2))

    def index(self, objective: str) -> float:
        """The index recomputed from the compositions (independently of any LP)."""
        return index_of(self.group_counts, objective)

    def table(self) -> pd.DataFrame:
        """One row per school type: size, students by group and category, class shares."""
        pop = self.population
        rows = []
        for j, school in enumerate(self.schools):
            size = school.sum()
            row: dict[str, float | int | str] = {"school": f"S{j + 1}", "students": size}
            if self.n_schools is not None:
                row["n_schools"] = int(self.n_schools[j])
            for m, group in enumerate(pop.groups):
                row[f"{group}_share"] = school[m].sum() / size
            for c, label in enumerate(pop.category_labels):
                for m, group in enumerate(pop.groups):
                    row[f"{group}|{label}"] = school[m, c]
            by_class = np.bincount(pop.income_class, school.sum(axis=0), pop.n_classes)
            for k, label in enumerate(pop.class_labels):
                row[f"share|{label}"] = by_class[k] / size
            rows.append(row)
        return pd.DataFrame(rows)

    def records(self) -> list[dict]:
        """JSON-ready list of the schools."""
        return self.table().to_dict(orient="records")
