"""The literature's two figures, recomputed: the data (tables) and their pictures.

(a) the dichotomous maximum V against the poverty threshold for the urban reference means,
with the optimal threshold marked; (b) the maximum V against the White-Black mean-income ratio
under four policies: continuous income with perfect balance, dichotomous at the optimal
threshold with perfect balance, and dichotomous with tolerance 0.10 and 0.20.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from assignopt.bounds import three_school_construction, vmax_gamma_common_shape
from assignopt.income import LITERATURE_SHAPE, REFERENCE_MEANS, GammaIncome, gamma_crossing
from assignopt.plotting import save_figure

__all__ = [
    "plot_ratio_curves",
    "plot_threshold_curve",
    "ratio_curves",
    "threshold_curve",
    "write_figures",
]

TOLERANCES = (0.10, 0.20)


def _tolerance_column(d: float) -> str:
    return f"vmax_tolerance_{d:.2f}"


def threshold_curve(
    white_mean: float = REFERENCE_MEANS["urban"]["white"],
    black_mean: float = REFERENCE_MEANS["urban"]["black"],
    shape: float = LITERATURE_SHAPE,
    thresholds: np.ndarray | None = None,
    tolerances: tuple[float, ...] = TOLERANCES,
) -> pd.DataFrame:
    """Dichotomous maximum V at each poverty threshold (figure a).

    Parameters
    ----------
    white_mean, black_mean : float
        Group mean incomes (dollars); gamma incomes of common ``shape``.
    shape : float
        Gamma shape.
    thresholds : array_like, optional
        Thresholds in dollars; 5,000 to 120,000 by 500 by default.
    tolerances : tuple of float
        Tolerances for which the literature's band approximation is added.

    Returns
    -------
    pandas.DataFrame
        Columns ``threshold``, ``black_poverty``, ``white_poverty``, ``vmax_dichotomous`` and one
        ``vmax_tolerance_<d>`` per tolerance. ``attrs`` holds ``optimal_threshold``,
        ``vmax_at_optimal`` and ``vmax_continuous``.

    """
    black = GammaIncome.from_mean(black_mean, shape)
    white = GammaIncome.from_mean(white_mean, shape)
    if thresholds is None:
        thresholds = np.arange(5_000.0, 120_000.0 + 1, 500.0)
    thresholds = np.asarray(thresholds, dtype=float)
    pbp, pwp = black.cdf(thresholds), white.cdf(thresholds)
    vmax = 1.0 - np.abs(pbp - pwp)
    frame = pd.DataFrame(
        {
            "threshold": thresholds,
            "black_poverty": pbp,
            "white_poverty": pwp,
            "vmax_dichotomous": vmax,
        }
    )
    for d in tolerances:
        frame[_tolerance_column(d)] = np.minimum(1.0, vmax / (1.0 - 2.0 * d))
    optimum = gamma_crossing(black.shape, black.scale, white.scale)
    frame.attrs["optimal_threshold"] = float(optimum)
    frame.attrs["vmax_at_optimal"] = float(1.0 - abs(black.cdf(optimum) - white.cdf(optimum)))
    frame.attrs["vmax_continuous"] = float(vmax_gamma_common_shape(shape, black.scale, white.scale))
    return frame


def ratio_curves(
    white_mean: float = REFERENCE_MEANS["urban"]["white"],
    shape: float = LITERATURE_SHAPE,
    ratios: np.ndarray | None = None,
    tolerances: tuple[float, ...] = TOLERANCES,
    black_share: float | None = 0.5,
) -> pd.DataFrame:
    """Maximum V under the four policies against the White-Black mean-income ratio (figure b).

    Parameters
    ----------
    white_mean : float
        White mean income (dollars); the Black mean is ``white_mean / ratio``.
    shape : float
        Common gamma shape.
    ratios : array_like, optional
        Mean-income ratios; 201 points from 1.0 to 3.0 by default.
    tolerances : tuple of float
        Tolerances of the dichotomous band policies.
    black_share : float or None
        District Black share for the three-school construction columns; None skips them.

    Returns
    -------
    pandas.DataFrame
        Columns ``ratio``, ``black_mean``, ``optimal_threshold`` (NaN at ratio 1, where every
        threshold gives V_max = 1), ``black_poverty``, ``white_poverty``, ``vmax_continuous``,
        ``vmax_dichotomous``, ``vmax_tolerance_<d>`` (the literature's approximation) and
        ``three_school_<d>`` (the construction at ``black_share``).

    """
    if ratios is None:
        ratios = np.linspace(1.0, 3.0, 201)
    ratios = np.asarray(ratios, dtype=float)
    white = GammaIncome.from_mean(white_mean, shape)
    black_means = white_mean / ratios
    black_scales = np.array([GammaIncome.from_mean(m, shape).scale for m in black_means])
    optimum = gamma_crossing(shape, black_scales, white.scale)
    pbp = stats.gamma.cdf(optimum, shape, scale=black_scales)
    pwp = stats.gamma.cdf(optimum, shape, scale=white.scale)
    # Identical distributions: every threshold gives equal poverty rates and V_max = 1.
    vmax = np.where(np.isnan(optimum), 1.0, 1.0 - np.abs(pbp - pwp))
    frame = pd.DataFrame(
        {
            "ratio": ratios,
            "black_mean": black_means,
            "optimal_threshold": optimum,
            "black_poverty": pbp,
            "white_poverty": pwp,
            "vmax_continuous": vmax_gamma_common_shape(shape, black_scales, white.scale),
            "vmax_dichotomous": vmax,
        }
    )
    for d in tolerances:
        frame[_tolerance_column(d)] = np.minimum(1.0, vmax / (1.0 - 2.0 * d))
    if black_share is not None:
        for d in tolerances:
            frame[f"three_school_{d:.2f}"] = [
                three_school_construction(black_share, *_equal_if_nan(b, w), d).value
                for b, w in zip(pbp, pwp)
            ]
    return frame


def _equal_if_nan(black_poverty: float, white_poverty: float) -> tuple[float, float]:
    """Poverty rates for the construction; any equal pair where no threshold exists."""
    if np.isnan(black_poverty):
        return 0.5, 0.5
    return black_poverty, white_poverty


def _save(fig: Figure, path: Path) -> Path:
    save_figure(fig, path, dpi=150)
    return path


def plot_threshold_curve(frame: pd.DataFrame, path: str | Path) -> Path:
    """Draw figure (a) from :func:`threshold_curve` and save it as PNG.

    Parameters
    ----------
    frame : pandas.DataFrame
        Output of :func:`threshold_curve`.
    path : str or Path
        Destination PNG.

    Returns
    -------
    Path
        The written file.

    """
    fig = Figure(figsize=(7.5, 4.8))
    ax = fig.add_subplot()
    x = frame["threshold"] / 1000
    ax.plot(x, frame["vmax_dichotomous"], color="C0", lw=2.2, label="perfect balance (d = 0)")
    for k, column in enumerate(c for c in frame.columns if c.startswith("vmax_tolerance_")):
        d = float(column.rsplit("_", 1)[1])
        ax.plot(
            x,
            frame[column],
            color=f"C{k + 1}",
            lw=1.6,
            ls="--",
            label=f"tolerance d = {d:.2f} (V/(1-2d) approximation)",
        )
    ax.axhline(
        frame.attrs["vmax_continuous"],
        color="0.4",
        lw=1.2,
        ls=":",
        label=f"continuous income, perfect balance ({frame.attrs['vmax_continuous']:.3f})",
    )
    opt = frame.attrs["optimal_threshold"] / 1000
    ax.axvline(opt, color="C3", lw=1.0)
    ax.plot(
        [opt],
        [frame.attrs["vmax_at_optimal"]],
        "o",
        color="C3",
        label=f"optimal threshold \\${opt:,.1f}k: V = {frame.attrs['vmax_at_optimal']:.3f}",
    )
    ax.set_xlabel("poverty threshold (thousands of 1998 dollars)")
    ax.set_ylabel("maximum normalized exposure V")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(x.min(), x.max())
    ax.grid(alpha=0.3)
    ax.set_title(
        "Maximum racial segregation under dichotomous income balance\n"
        "urban reference means (White \\$52,100, Black \\$24,600), gamma shape 1.56"
    )
    ax.legend(loc="lower right", fontsize=8)
    return _save(fig, Path(path))


def plot_ratio_curves(frame: pd.DataFrame, path: str | Path) -> Path:
    """Draw figure (b) from :func:`ratio_curves` and save it as PNG.

    Parameters
    ----------
    frame : pandas.DataFrame
        Output of :func:`ratio_curves`.
    path : str or Path
        Destination PNG.

    Returns
    -------
    Path
        The written file.

    """
    fig = Figure(figsize=(7.5, 4.8))
    ax = fig.add_subplot()
    ax.plot(
        frame["ratio"],
        frame["vmax_continuous"],
        lw=2.2,
        color="C0",
        label="continuous income, perfect balance",
    )
    ax.plot(
        frame["ratio"],
        frame["vmax_dichotomous"],
        lw=2.2,
        color="C1",
        label="poverty status at optimal threshold, perfect balance",
    )
    for k, column in enumerate(c for c in frame.columns if c.startswith("vmax_tolerance_")):
        d = float(column.rsplit("_", 1)[1])
        ax.plot(
            frame["ratio"],
            frame[column],
            lw=1.6,
            ls="--",
            color=f"C{k + 2}",
            label=f"poverty status, tolerance d = {d:.2f}",
        )
    ax.set_xlabel("White / Black mean family income")
    ax.set_ylabel("maximum normalized exposure V")
    ax.set_xlim(frame["ratio"].min(), frame["ratio"].max())
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.set_title(
        "Maximum racial segregation consistent with income balance\n"
        "gamma incomes, shape 1.56, White mean \\$52,100"
    )
    ax.legend(loc="lower left", fontsize=8)
    return _save(fig, Path(path))


def write_figures(out_dir: str | Path) -> dict[str, Path]:
    """Compute both figures and write their PNGs and CSVs into ``out_dir``.

    Parameters
    ----------
    out_dir : str or Path
        Output folder (created if needed).

    Returns
    -------
    dict
        Paths keyed ``threshold_png``, ``threshold_csv``, ``ratio_png``, ``ratio_csv``.

    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    a = threshold_curve()
    b = ratio_curves()
    paths = {
        "threshold_csv": out / "vmax_vs_threshold.csv",
        "threshold_png": out / "vmax_vs_threshold.png",
        "ratio_csv": out / "vmax_vs_income_ratio.csv",
        "ratio_png": out / "vmax_vs_income_ratio.png",
    }
    a.to_csv(paths["threshold_csv"], index=False)
    b.to_csv(paths["ratio_csv"], index=False)
    plot_threshold_curve(a, paths["threshold_png"])
    plot_ratio_curves(b, paths["ratio_png"])
    return paths
