"""Many lotteries of controlled choice: the distribution of segregation they produce.

One draw: place the students (:mod:`~assignopt.choice.students`), draw their taste shocks
(:mod:`~assignopt.choice.preferences`) and a lottery, run deferred acceptance with the income
rules (:mod:`~assignopt.choice.mechanism`), send students left out to the nearest school with
room, and under ``band`` unassign whoever would put a school outside the band
(:mod:`~assignopt.choice.placement`). Draws are independent and seeded from one seed, so they
can run in any order or in parallel through a ``map``-like function.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from assignopt.choice.mechanism import SchoolRules, deferred_acceptance, list_rank, school_rules
from assignopt.choice.placement import enforce_band, place_nearest, seat_targets
from assignopt.choice.preferences import LogitPreferences
from assignopt.choice.students import draw_students, student_distance
from assignopt.errors import InputError
from assignopt.indices import dissimilarity, normalized_exposure, theil_h

__all__ = ["ChoiceProblem", "ChoiceSummary", "DrawOutcome", "run_draw", "simulate_choice"]

RESERVES = ("band", "minimum", "none")


@dataclass(frozen=True)
class ChoiceProblem:
    """A district under controlled choice: who lives where, the schools, the policy.

    Parameters
    ----------
    counts : numpy.ndarray
        Shape ``(N, G, K)``: whole numbers of students by neighborhood, group, income class
        (class 0 poorest).
    capacity : numpy.ndarray
        Shape ``(J,)``: seats per school.
    tolerance : float
        The band's half-width d on every school's poverty rate.
    reserve : {"band", "minimum", "none"}
        How the band enters the lottery (see :func:`~assignopt.choice.mechanism.school_rules`).
    preferences : LogitPreferences
        The families' random-utility model.
    neighborhood_distance : numpy.ndarray, optional
        Shape ``(N, J)``: distance from each neighborhood to each school (times
        ``distance_scale`` gives kilometres). Students then sit at their neighborhood.
    neighborhood_points, school_points : numpy.ndarray, optional
        Shapes ``(N, 2)`` and ``(J, 2)``: coordinates for straight-line distances.
    polygons : sequence of numpy.ndarray, optional
        One exterior ring per neighborhood: students drawn uniformly inside (needs
        ``school_points``; ``neighborhood_distance`` is then not used).
    distance_scale : float
        Kilometres per distance or coordinate unit (0.001 for metres).
    school_group_share : numpy.ndarray, optional
        Shape ``(J, G)``: group shares families attribute to each school (own-group term).
    poor_classes : int
        Income classes ``0 .. poor_classes - 1`` count as poor (default 1: the poorest).
    pair : (int, int)
        The groups (b, w) whose V, D and H are reported.
    scale_seats : bool
        True (default): every school offers :func:`~assignopt.choice.placement.seat_targets`
        seats (capacities scaled down to the number of students), so quotas and reserves bind
        the way a district setting seats each year intends. False: schools offer their full
        capacity (under ``band`` a school that does not fill may then give up students to
        stay inside the band).
    school_ids, neighborhood_ids : sequence of str, optional
        Ids for messages.
    """

    counts: np.ndarray
    capacity: np.ndarray
    tolerance: float
    reserve: str = "band"
    preferences: LogitPreferences = field(default_factory=LogitPreferences)
    neighborhood_distance: np.ndarray | None = None
    neighborhood_points: np.ndarray | None = None
    school_points: np.ndarray | None = None
    polygons: Sequence[np.ndarray] | None = None
    distance_scale: float = 1.0
    school_group_share: np.ndarray | None = None
    poor_classes: int = 1
    pair: tuple[int, int] = (0, 1)
    scale_seats: bool = True
    school_ids: Sequence[str] | None = None
    neighborhood_ids: Sequence[str] | None = None

    def __post_init__(self) -> None:
        counts = np.asarray(self.counts)
        if counts.ndim != 3:
            raise InputError("counts must have shape (neighborhoods, groups, income classes)")
        if self.reserve not in RESERVES:
            raise InputError(f"reserve must be one of {', '.join(RESERVES)}, got {self.reserve!r}")
        if not 1 <= self.poor_classes < counts.shape[2]:
            raise InputError(
                f"poor_classes must be between 1 and {counts.shape[2] - 1} (income classes)"
            )
        n_groups = counts.shape[1]
        if len(set(self.pair)) != 2 or not all(0 <= g < n_groups for g in self.pair):
            raise InputError(f"pair must name two different groups among {n_groups}")
        cap = np.asarray(self.capacity, dtype=float)
        n_schools = cap.size
        if cap.ndim != 1:
            raise InputError("capacity must have one entry per school")
        if self.school_ids is not None and len(self.school_ids) != n_schools:
            raise InputError(f"{len(self.school_ids)} school ids for {n_schools} capacities")
        bad = np.flatnonzero(~np.isfinite(cap) | (cap < 0) | (cap != np.round(cap)))
        if bad.size:
            j = int(bad[0])
            name = self.school_ids[j] if self.school_ids is not None else f"at position {j}"
            raise InputError(
                f"school {name}: capacity must be a non-negative whole number, got {cap[j]}"
            )
        if self.school_points is not None and np.shape(self.school_points) != (n_schools, 2):
            raise InputError(f"school_points must have shape ({n_schools}, 2)")
        if self.neighborhood_distance is not None:
            shape = np.shape(self.neighborhood_distance)
            if shape != (counts.shape[0], n_schools):
                raise InputError(
                    f"neighborhood_distance has shape {shape}; expected "
                    f"({counts.shape[0]}, {n_schools}) (neighborhoods, schools)"
                )
        elif self.school_points is None:
            raise InputError("give neighborhood_distance or school_points")

    @property
    def n_students(self) -> int:
        """Students in the district."""
        return int(np.asarray(self.counts).sum())

    @property
    def poverty_rate(self) -> float:
        """District poverty rate pi_p."""
        counts = np.asarray(self.counts)
        return float(counts[:, :, : self.poor_classes].sum() / counts.sum())

    def rules(self) -> SchoolRules:
        """Each school's seats, quotas and reserves under the problem's reserve form."""
        cap = np.asarray(self.capacity)
        # Without scaling, seat_targets only validates the capacities.
        seats = seat_targets(cap, self.n_students if self.scale_seats else int(cap.sum()))
        return school_rules(seats, self.poverty_rate, self.tolerance, self.reserve)


@dataclass(frozen=True)
class DrawOutcome:
    """One lottery's result.

    Attributes
    ----------
    v, d, h : float
        Normalized exposure, dissimilarity and Theil's H between the pair, over the schools.
    unassigned : int
        Students without a school at the end.
    fallback : int
        Students the lottery left out and the nearest school with room took.
    removed_for_band : int
        Students unassigned so that every school's poverty rate stays inside the band.
    first_choice, top3 : int
        Students at their first / one of their first three choices.
    mean_travel : float
        Mean distance to school of assigned students (kilometres).
    unfilled_reserve_seats : int
        Seats meant for poor students (reserve, or the seats nonpoor students cannot take)
        that no poor student holds at the end.
    rounds : int
        Deferred-acceptance rounds.
    school_counts : numpy.ndarray
        Shape ``(J, G, K)``: students by school, group and income class.
    """

    v: float
    d: float
    h: float
    unassigned: int
    fallback: int
    removed_for_band: int
    first_choice: int
    top3: int
    mean_travel: float
    unfilled_reserve_seats: int
    rounds: int
    school_counts: np.ndarray


def run_draw(problem: ChoiceProblem, seed: np.random.SeedSequence | int) -> DrawOutcome:
    """Run one lottery of the problem.

    Parameters
    ----------
    problem : ChoiceProblem
        The district and policy.
    seed : numpy.random.SeedSequence or int
        This draw's seed.

    Returns
    -------
    DrawOutcome
    """
    rng = np.random.default_rng(seed)
    counts = np.asarray(problem.counts)
    _, n_groups, n_classes = counts.shape
    use_matrix = problem.neighborhood_distance is not None and problem.polygons is None
    students = draw_students(
        counts,
        rng,
        points=None if use_matrix else problem.neighborhood_points,
        polygons=None if use_matrix else problem.polygons,
        neighborhood_ids=problem.neighborhood_ids,
    )
    prefs = problem.preferences
    if use_matrix:
        # Students sit at their neighborhood: keep distances per neighborhood, gather rows.
        nb_distance = np.asarray(problem.neighborhood_distance, dtype=np.float32) * np.float32(
            problem.distance_scale
        )
        utility = prefs.utility(
            nb_distance,
            students.group,
            n_groups,
            rng,
            problem.school_group_share,
            neighborhood=students.neighborhood,
        )

        def distance_rows(idx: np.ndarray) -> np.ndarray:
            return nb_distance[students.neighborhood[idx]]

        def distance_to(idx: np.ndarray, to: np.ndarray) -> np.ndarray:
            return nb_distance[students.neighborhood[idx], to]

    else:
        distance = student_distance(
            students, school_points=problem.school_points, scale=problem.distance_scale
        )
        utility = prefs.utility(distance, students.group, n_groups, rng, problem.school_group_share)

        def distance_rows(idx: np.ndarray) -> np.ndarray:
            return distance[idx]

        def distance_to(idx: np.ndarray, to: np.ndarray) -> np.ndarray:
            return distance[idx, to]

    poor = students.income_class < problem.poor_classes
    lottery = rng.permutation(students.n)
    rules = problem.rules()
    matching = deferred_acceptance(utility, poor, lottery, rules, prefs.list_length)
    # List positions: a student at her first choice is at position 0; only the others need
    # their rows compared.
    placed = matching.school >= 0
    at_first = placed & (matching.school == matching.first_choice)
    others = np.flatnonzero(placed & ~at_first)
    rank = np.where(at_first, 0, -1)
    rank[others] = list_rank(utility[others], matching.school[others])
    del utility
    school, late = place_nearest(matching.school, poor, lottery, distance_rows, rules)
    removed = np.zeros(students.n, dtype=bool)
    if problem.reserve == "band":
        lo = max(problem.poverty_rate - problem.tolerance, 0.0)
        hi = min(problem.poverty_rate + problem.tolerance, 1.0)
        school, removed = enforce_band(school, poor, lottery, lo, hi, late)
    at = school >= 0
    n_schools = rules.n_schools
    cell = (school[at] * n_groups + students.group[at]) * n_classes + students.income_class[at]
    school_counts = np.bincount(cell, minlength=n_schools * n_groups * n_classes).reshape(
        n_schools, n_groups, n_classes
    )
    by_group = school_counts.sum(axis=2)
    pair = by_group[:, list(problem.pair)].astype(float)
    poor_held = school_counts[:, :, : problem.poor_classes].sum(axis=(1, 2))
    kept_rank = np.where(at & ~late, rank, -1)
    assigned = np.flatnonzero(at)
    travel = distance_to(assigned, school[assigned])
    return DrawOutcome(
        v=normalized_exposure(pair),
        d=dissimilarity(pair),
        h=theil_h(pair),
        unassigned=int((~at).sum()),
        fallback=int((late & at).sum()),
        removed_for_band=int(removed.sum()),
        first_choice=int((kept_rank == 0).sum()),
        top3=int(((kept_rank >= 0) & (kept_rank < 3)).sum()),
        mean_travel=float(travel.mean()) if travel.size else float("nan"),
        unfilled_reserve_seats=int(np.maximum(rules.poor_minimum() - poor_held, 0).sum()),
        rounds=matching.rounds,
        school_counts=school_counts,
    )


@dataclass(frozen=True)
class ChoiceSummary:
    """The distribution of outcomes over the draws.

    Attributes
    ----------
    draws : list of DrawOutcome
        One per lottery, in draw order.
    seed : int
        The seed all draws were spawned from.
    n_students : int
        Students in the district.
    rules : SchoolRules
        The seats, quotas and reserves every draw ran under.
    """

    draws: list[DrawOutcome]
    seed: int
    n_students: int
    rules: SchoolRules

    def _values(self, name: str) -> np.ndarray:
        return np.array([getattr(d, name) for d in self.draws], dtype=float)

    @property
    def v(self) -> np.ndarray:
        """V in every draw."""
        return self._values("v")

    def stats(self) -> dict[str, float]:
        """Headline numbers: means over draws, V's 5th and 95th percentiles, shares of students.

        Returns
        -------
        dict
            ``v_mean, v_p05, v_p95, d_mean, d_p05, d_p95, h_mean, h_p05, h_p95,
            first_choice_share, top3_share, unassigned`` (mean count), ``unassigned_max``,
            ``fallback`` (mean count), ``removed_for_band`` (mean count), ``mean_travel``,
            ``unfilled_reserve_seats`` (mean count), ``rounds_max``, ``draws``.
        """
        out: dict[str, float] = {}
        for name in ("v", "d", "h"):
            x = self._values(name)
            out[f"{name}_mean"] = float(x.mean())
            out[f"{name}_p05"] = float(np.percentile(x, 5))
            out[f"{name}_p95"] = float(np.percentile(x, 95))
        n = max(self.n_students, 1)
        out["first_choice_share"] = float(self._values("first_choice").mean() / n)
        out["top3_share"] = float(self._values("top3").mean() / n)
        out["unassigned"] = float(self._values("unassigned").mean())
        out["unassigned_max"] = float(self._values("unassigned").max())
        out["fallback"] = float(self._values("fallback").mean())
        out["removed_for_band"] = float(self._values("removed_for_band").mean())
        out["mean_travel"] = float(np.nanmean(self._values("mean_travel")))
        out["unfilled_reserve_seats"] = float(self._values("unfilled_reserve_seats").mean())
        out["rounds_max"] = float(self._values("rounds").max())
        out["draws"] = float(len(self.draws))
        return out

    def to_dict(self) -> dict[str, float | int]:
        """The headline numbers under their reporting keys.

        Returns
        -------
        dict
            ``v_mean, v_p05, v_p95, d_mean, h_mean, first_choice_share, top3_share,
            unassigned, unfilled_reserve_seats, draws, seed`` (means over draws for counts),
            and the other entries of :meth:`stats`.
        """
        out: dict[str, float | int] = dict(self.stats())
        out["draws"] = len(self.draws)
        out["seed"] = self.seed
        return out

    def school_counts(self) -> np.ndarray:
        """Shape ``(draws, J, G, K)``: students by draw, school, group and income class."""
        return np.stack([d.school_counts for d in self.draws])

    def composition_range(self, poor_classes: int = 1) -> dict[str, np.ndarray]:
        """Each school's lowest and highest poverty rate and group shares over the draws.

        Parameters
        ----------
        poor_classes : int
            Income classes counted poor (as in the problem).

        Returns
        -------
        dict
            ``poverty_min, poverty_max`` shape ``(J,)``; ``group_share_min, group_share_max``
            shape ``(J, G)``. NaN for a school empty in every draw.
        """
        c = self.school_counts().astype(float)
        t = c.sum(axis=(2, 3))
        with np.errstate(invalid="ignore", divide="ignore"):
            poverty = np.where(t > 0, c[..., :poor_classes].sum(axis=(2, 3)) / t, np.nan)
            groups = np.where(t[..., None] > 0, c.sum(axis=3) / t[..., None], np.nan)
        # fmin / fmax skip NaN (an empty school in some draws) unless every draw is NaN.
        return {
            "poverty_min": np.fmin.reduce(poverty, axis=0),
            "poverty_max": np.fmax.reduce(poverty, axis=0),
            "group_share_min": np.fmin.reduce(groups, axis=0),
            "group_share_max": np.fmax.reduce(groups, axis=0),
        }


MapFunction = Callable[[Callable[[np.random.SeedSequence], DrawOutcome], Iterable], Iterable]


def simulate_choice(
    problem: ChoiceProblem,
    draws: int = 100,
    seed: int = 0,
    map_function: MapFunction | None = None,
) -> ChoiceSummary:
    """Run ``draws`` independent lotteries of the problem.

    Parameters
    ----------
    problem : ChoiceProblem
        The district and policy.
    draws : int
        Number of lotteries (default 100).
    seed : int
        Seed of the whole run; draw i uses the i-th child of ``SeedSequence(seed)``, so results
        do not depend on how draws are scheduled.
    map_function : callable, optional
        A ``map``-like function ``(f, iterable) -> iterable`` (e.g. a process pool's ``map``
        or a Dask client's ``map`` followed by ``gather``). Default: the built-in ``map``.

    Returns
    -------
    ChoiceSummary
    """
    if draws < 1:
        raise InputError(f"draws must be at least 1, got {draws}")
    children = np.random.SeedSequence(seed).spawn(draws)
    runner = functools.partial(run_draw, problem)
    mapper = map if map_function is None else map_function
    outcomes = list(mapper(runner, children))
    return ChoiceSummary(
        draws=outcomes, seed=seed, n_students=problem.n_students, rules=problem.rules()
    )
