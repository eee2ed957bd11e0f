"""The answer of a maximum or minimum segregation: a bracket, its witness, solver facts."""

from __future__ import annotations

from dataclasses import dataclass, field

from assignopt.witness import Witness

__all__ = ["SegregationBound"]


@dataclass(kw_only=True)
class SegregationBound:
    """The answer of a maximum or minimum: a value (or bracket), its witness and solver facts.

    Built by keyword only.

    Attributes
    ----------
    objective : str
        Index optimized (V, H, D or R).
    sense : str
        ``"max"`` or ``"min"``.
    lower, upper : float
        Certified bracket: ``lower`` is the index of the witness, ``upper`` a proven bound.
        Equal (to solver precision) when ``exact``.
    exact : bool
        Whether the method is exact (no discretization gap).
    method : str
        How the value was obtained.
    status : str
        Solver status (``optimal``, ...).
    solver : str
        Solver name.
    seconds, build_seconds, solve_seconds : float
        Wall time in all, building models, and inside the solver.
    iterations : int
        Models solved.
    witness : Witness
        School compositions whose index is ``lower``.
    n_variables, n_constraints : int
        Size of the last model.
    notes : list of str
        Anything the reader should know.
    pair : tuple of str, optional
        The two groups of a two-group index inside a multigroup population (None when the
        index covers the population's own groups).
    """

    objective: str
    sense: str
    lower: float
    upper: float
    exact: bool
    method: str
    status: str
    solver: str
    seconds: float
    build_seconds: float
    solve_seconds: float
    iterations: int
    witness: Witness
    n_variables: int = 0
    n_constraints: int = 0
    notes: list[str] = field(default_factory=list)
    pair: tuple[str, str] | None = None

    @property
    def gap(self) -> float:
        """``upper - lower``."""
        return self.upper - self.lower

    def to_dict(self) -> dict:
        """JSON-ready summary including the witness schools.

        ``v_lower`` and ``v_upper`` hold the bracket whatever the index (kept for existing
        readers); ``index`` names it, and for H, D and R the bracket is repeated under
        ``h_lower``/``h_upper`` (``d_``, ``r_``). ``pair`` names the two groups of a two-group
        index inside a multigroup population.
        """
        out = {
            "objective": self.objective,
            "index": self.objective,
            "sense": self.sense,
            "v_lower": self.lower,
            "v_upper": self.upper,
        }
        if self.objective != "V":
            key = self.objective.lower()
            out[f"{key}_lower"] = self.lower
            out[f"{key}_upper"] = self.upper
        if self.pair is not None:
            out["pair"] = list(self.pair)
        out.update(
            {
                "gap": self.gap,
                "exact": self.exact,
                "method": self.method,
                "status": self.status,
                "solver": self.solver,
                "seconds": self.seconds,
                "build_seconds": self.build_seconds,
                "solve_seconds": self.solve_seconds,
                "iterations": self.iterations,
                "n_variables": self.n_variables,
                "n_constraints": self.n_constraints,
                "notes": self.notes,
                "schools": self.witness.records(),
            }
        )
        return out
