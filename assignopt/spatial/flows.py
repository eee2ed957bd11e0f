"""An assignment as the arcs that carry students: ``(N, K, S)`` flows without the zeros.

An optimal assignment uses few arcs: at most one per (neighborhood, class) beyond the schools'
and bands' rows, against N x K x S pairs. Solvers hand back their arcs and the consumers
(school compositions, travel statistics, tables, maps) read them; the dense array is built
only when asked for (:meth:`Flows.dense`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Flows", "as_flows"]


@dataclass(frozen=True, eq=False)
class Flows:
    """Students on each (neighborhood, class, school) arc that carries any.

    Arcs are unique, sorted by neighborhood, then class, then school, and carry more than 0.

    Attributes
    ----------
    neighborhood, income_class, school : numpy.ndarray
        Positions of the arcs (int64).
    students : numpy.ndarray
        Students on each arc (float).
    shape : tuple of int
        ``(N, K, S)``.
    """

    neighborhood: np.ndarray
    income_class: np.ndarray
    school: np.ndarray
    students: np.ndarray
    shape: tuple[int, int, int]

    @classmethod
    def from_arcs(
        cls,
        neighborhood: np.ndarray,
        income_class: np.ndarray,
        school: np.ndarray,
        students: np.ndarray,
        shape: tuple[int, int, int],
    ) -> Flows:
        """Flows from arcs in any order: repeated arcs are summed, empty ones dropped.

        Parameters
        ----------
        neighborhood, income_class, school : numpy.ndarray
            Positions of the arcs.
        students : numpy.ndarray
            Students on each; negative rounding noise (below 0) counts as none.
        shape : tuple of int
            ``(N, K, S)``.

        Returns
        -------
        Flows
        """
        n, k, s = (int(v) for v in shape)
        key = (np.asarray(neighborhood, np.int64) * k + np.asarray(income_class, np.int64)) * s
        key = key + np.asarray(school, np.int64)
        students = np.asarray(students, float)
        if key.size and np.all(key[1:] > key[:-1]):  # already unique and in order
            unique, amount = key, students
        else:
            unique, inverse = np.unique(key, return_inverse=True)
            amount = np.bincount(inverse.ravel(), weights=students, minlength=unique.size)
        keep = amount > 0
        unique, amount = unique[keep], amount[keep]
        pair, school_of = np.divmod(unique, s)
        return cls(pair // k, pair % k, school_of, amount, (n, k, s))

    @classmethod
    def from_dense(cls, flows: np.ndarray) -> Flows:
        """The arcs of a dense ``(N, K, S)`` array that carry more than 0."""
        flows = np.asarray(flows, float)
        n, k, s = np.nonzero(flows > 0)
        return cls(n, k, s, flows[n, k, s], tuple(int(v) for v in flows.shape))

    @property
    def size(self) -> int:
        """Number of arcs."""
        return int(self.students.size)

    def dense(self) -> np.ndarray:
        """The ``(N, K, S)`` array (memory N x K x S floats)."""
        out = np.zeros(self.shape)
        out[self.neighborhood, self.income_class, self.school] = self.students
        return out

    def student_km(self, km: np.ndarray) -> float:
        """Total student-km over the ``(N, S)`` distances ``km``."""
        # einsum rather than a BLAS dot: a process's first BLAS call wakes OpenBLAS's threads,
        # which then spin for tens of milliseconds of CPU
        km_used = np.asarray(km)[self.neighborhood, self.school]
        return float(np.einsum("a,a->", self.students, km_used))

    def pairs(self, minimum: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Students by (neighborhood, school), classes summed.

        Only pairs carrying more than ``minimum``, in neighborhood then school order.

        Returns
        -------
        neighborhood, school, students : numpy.ndarray
        """
        s = self.shape[2]
        key = self.neighborhood * s + self.school
        unique, inverse = np.unique(key, return_inverse=True)
        amount = np.bincount(inverse.ravel(), weights=self.students, minlength=unique.size)
        keep = amount > minimum
        row, col = np.divmod(unique[keep], s)
        return row, col, amount[keep]

    def per_pair(self) -> np.ndarray:
        """Dense ``(N, S)`` students with classes summed (memory N x S floats)."""
        out = np.zeros((self.shape[0], self.shape[2]))
        np.add.at(out, (self.neighborhood, self.school), self.students)
        return out

    def by_school(self) -> np.ndarray:
        """Students by school and class, ``(S, K)``."""
        _, k, s = self.shape
        out = np.bincount(self.school * k + self.income_class, self.students, minlength=s * k)
        return out.reshape(s, k)

    def by_neighborhood(self) -> np.ndarray:
        """Students by neighborhood and class, ``(N, K)`` (the supply the flows place)."""
        n, k, _ = self.shape
        out = np.bincount(self.neighborhood * k + self.income_class, self.students, minlength=n * k)
        return out.reshape(n, k)


def as_flows(flows: Flows | np.ndarray) -> Flows:
    """``flows`` as :class:`Flows` (a dense ``(N, K, S)`` array is converted)."""
    return flows if isinstance(flows, Flows) else Flows.from_dense(flows)
