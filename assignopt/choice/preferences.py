"""Random-utility (logit) preferences of families over schools.

Student i of group g values school j at

    u_ij = -beta_g * dist_ij + delta_gj + gamma_g * share_jg + sigma * eps_ij,

with ``eps_ij`` standard Gumbel (so choice probabilities are multinomial logit), ``dist_ij`` in
kilometres, ``delta_gj`` a school effect (reputation, programme; optionally by group),
``share_jg`` the share of group g among school j's students as families see it (e.g. today's
enrolment) and ``gamma_g`` the weight of that own-group share. A family ranks schools by
``u_ij``; with a list length k it submits only its top k.

Where the defaults come from
----------------------------
Discrete-choice studies of families' submitted school rankings find proximity among the
strongest observed attributes of a school, and wide differences between families.
Hastings, Kane and Staiger (2005, "Parental preferences and school competition: evidence from
a public school choice program", NBER w11805; Charlotte-Mecklenburg, mixed logit on parents'
top three choices) report that "parents value proximity highly", that the weight on a
school's test scores rises with family income and the student's own achievement, and that
preferences vary widely even after controlling for income, achievement and race. Pathak and
Shi (2014, "Demand modeling, forecasting, and counterfactuals, part I", arXiv 1401.7359)
forecast Boston's choice plan from discrete-choice demand models estimated on families'
historical rankings. A study of magnet applications in a Florida district (Journal of School
Choice 13(2), 2019, "Parental preferences in the choice for a specialty school") finds
distance, academic quality, theme and "the high percentage of applicant's own race" the
strongest factors.

The numbers below are judgements, not estimates copied from those papers (their coefficients
depend on the district, the units and what else the model controls for):

- ``distance_coefficient = 0.5`` per km: with Gumbel noise of scale 1, a school 2 km further
  costs one unit of utility, so most families rank nearby schools first but a sizeable minority
  (about 27% for two schools 2 km apart otherwise equal: 1 / (1 + e)) prefer the farther one.
- ``own_group_share_coefficient = 0``: off by default, because its size is the most contested
  and district-specific quantity; set it (per group) to study how composition preferences
  produce segregation under race-blind rules.
- ``school_effects = None`` (all schools equal), ``noise_scale = 1`` (the logit
  normalization), ``list_length = None`` (every school ranked).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assignopt.errors import InputError

__all__ = ["DEFAULT_DISTANCE_COEFFICIENT", "LogitPreferences", "gumbel_noise"]

DEFAULT_DISTANCE_COEFFICIENT = 0.5
"""Utility lost per kilometre of travel (a judgement; see the module docstring)."""


def gumbel_noise(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Standard Gumbel draws as float32: ``-log(E)`` with E standard exponential.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    shape : tuple of int
        Output shape.

    Returns
    -------
    numpy.ndarray
        float32 array of the given shape.
    """
    e = rng.standard_exponential(shape, dtype=np.float32)
    np.maximum(e, np.float32(1e-30), out=e)
    np.log(e, out=e)
    np.negative(e, out=e)
    return e


def _per_group(value: float | Sequence[float], n_groups: int, name: str) -> np.ndarray:
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        a = np.full(n_groups, float(a))
    if a.shape != (n_groups,) or not np.all(np.isfinite(a)):
        raise InputError(f"{name} must be one finite number or one per group ({n_groups})")
    return a


@dataclass(frozen=True)
class LogitPreferences:
    """Parameters of the logit random-utility model (see the module docstring for sources).

    Parameters
    ----------
    distance_coefficient : float or sequence of float
        beta: utility lost per kilometre, one value or one per group. Default 0.5.
    own_group_share_coefficient : float or sequence of float
        gamma: weight of the school's share of the student's own group, one value or one per
        group. Default 0 (off); needs ``school_group_share`` when non-zero.
    school_effects : array_like, optional
        delta: shape ``(J,)`` for every group or ``(G, J)`` by group. Default: none.
    noise_scale : float
        sigma: scale of the Gumbel taste shock; 0 gives deterministic preferences.
    list_length : int, optional
        Schools each family ranks (default: all).
    """

    distance_coefficient: float | Sequence[float] = DEFAULT_DISTANCE_COEFFICIENT
    own_group_share_coefficient: float | Sequence[float] = 0.0
    school_effects: Sequence[float] | Sequence[Sequence[float]] | np.ndarray | None = None
    noise_scale: float = 1.0
    list_length: int | None = None

    def __post_init__(self) -> None:
        if not (np.isfinite(self.noise_scale) and self.noise_scale >= 0):
            raise InputError(f"noise_scale must be non-negative, got {self.noise_scale}")
        if self.list_length is not None and self.list_length < 1:
            raise InputError(f"list_length must be at least 1, got {self.list_length}")

    def utility(
        self,
        distance: np.ndarray,
        group: np.ndarray,
        n_groups: int,
        rng: np.random.Generator | None = None,
        school_group_share: np.ndarray | None = None,
        neighborhood: np.ndarray | None = None,
    ) -> np.ndarray:
        """Every student's utility of every school.

        Parameters
        ----------
        distance : numpy.ndarray
            Shape ``(n, J)``: kilometres from each student to each school; or, with
            ``neighborhood``, shape ``(N, J)`` from each neighborhood.
        group : numpy.ndarray
            Shape ``(n,)``: each student's group index.
        n_groups : int
            Number of groups G.
        rng : numpy.random.Generator, optional
            Source of the taste shocks (required when ``noise_scale > 0``).
        school_group_share : numpy.ndarray, optional
            Shape ``(J, G)``: each school's group shares as families see them.
        neighborhood : numpy.ndarray, optional
            Shape ``(n,)``: each student's row of a neighborhood ``distance`` matrix.

        Returns
        -------
        numpy.ndarray
            float32, shape ``(n, J)``.
        """
        n = group.size
        n_schools = distance.shape[1]
        beta = _per_group(self.distance_coefficient, n_groups, "distance_coefficient")
        gamma = _per_group(
            self.own_group_share_coefficient, n_groups, "own_group_share_coefficient"
        )
        if self.noise_scale > 0 and rng is None:
            raise InputError("preferences with a taste shock need a random generator")
        extra = np.zeros((n_groups, n_schools))
        if self.school_effects is not None:
            delta = np.asarray(self.school_effects, dtype=float)
            if delta.shape not in ((n_schools,), (n_groups, n_schools)):
                raise InputError(
                    f"school_effects must have shape ({n_schools},) or ({n_groups}, {n_schools})"
                )
            extra += np.broadcast_to(delta, (n_groups, n_schools))
        if np.any(gamma != 0):
            if school_group_share is None:
                raise InputError("own_group_share_coefficient needs school_group_share")
            share = np.asarray(school_group_share, dtype=float)
            if share.shape != (n_schools, n_groups):
                raise InputError(f"school_group_share must have shape ({n_schools}, {n_groups})")
            extra += gamma[:, None] * share.T
        # The deterministic part per group and distance row: -beta_g * dist + delta + gamma.
        dist32 = np.asarray(distance, dtype=np.float32)
        same_beta = bool(np.all(beta == beta[0]))
        has_extra = bool(np.any(extra != 0))
        extra32 = extra.astype(np.float32)
        beta32 = beta.astype(np.float32)
        u = np.empty((n, n_schools), dtype=np.float32)
        # Blocks of rows keep the temporaries in cache.
        block = max(1, (1 << 19) // max(n_schools, 1))
        for start in range(0, n, block):
            sl = slice(start, min(start + block, n))
            out = u[sl]
            if self.noise_scale > 0:
                rng.standard_exponential(dtype=np.float32, out=out)
                np.maximum(out, np.float32(1e-30), out=out)
                np.log(out, out=out)
                # out = log(E) = -Gumbel; the sign is flipped back below.
                if self.noise_scale != 1:
                    out *= np.float32(self.noise_scale)
            else:
                out[...] = 0
            g = group[sl]
            scale = beta32[0] if same_beta else beta32[g][:, None]
            if neighborhood is not None:
                d = dist32[neighborhood[sl]]  # a fresh copy: scale it in place
                d *= scale
            else:
                d = dist32[sl] * scale
            out += d
            if has_extra:
                out -= extra32[g]
            np.negative(out, out=out)
        return u

    def rankings(self, utility: np.ndarray) -> np.ndarray:
        """Each student's submitted list: school indices, best first, ``list_length`` long.

        Parameters
        ----------
        utility : numpy.ndarray
            Shape ``(n, J)``.

        Returns
        -------
        numpy.ndarray
            Shape ``(n, k)`` int.
        """
        order = np.argsort(-utility, axis=1, kind="stable")
        return order if self.list_length is None else order[:, : self.list_length]
