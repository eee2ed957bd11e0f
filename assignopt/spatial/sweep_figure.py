"""The figure of the residential experiment: school V with 95% intervals against residential V."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from assignopt.spatial.synth import LITERATURE_MEAN, US_RANGE

__all__ = ["plot_sweep"]

TITLES = {
    "independent": "independent: each race's poor south, nonpoor north",
    "aligned": "aligned: each race's poor toward the Black end",
    "aligned - independent": "paired difference in the cut, aligned - independent",
}


def _is_mean(b: float, w: float) -> bool:
    return np.isclose(b, LITERATURE_MEAN["income_v_black"]) and np.isclose(
        w, LITERATURE_MEAN["income_v_white"]
    )


def _reference(ax) -> None:
    """The literature's Figure 5 as its text states it, and the US-like range of the grid."""
    ax.axvspan(0, US_RANGE["residential_v"], color="0.93", zorder=0, label="US range (to 2x mean)")
    ax.axvline(
        LITERATURE_MEAN["residential_v"],
        color="tab:red",
        lw=0.9,
        alpha=0.6,
        label="literature Fig. 5: US mean residential V 0.31",
    )


def _curve(ax, part: pd.DataFrame, measure: str, **style) -> None:
    part = part.sort_values("residential_v_target")
    x = part["residential_v_target"].to_numpy()
    mean = part[f"{measure}_mean"].to_numpy()
    err = np.vstack([mean - part[f"{measure}_lo"], part[f"{measure}_hi"] - mean])
    ax.errorbar(x, mean, yerr=np.nan_to_num(err), capsize=2, ms=3, **style)


def plot_sweep(summary: pd.DataFrame, path: str | Path) -> Path:
    """Plot a sweep's summary (:func:`~assignopt.spatial.sweep.summarize_sweep`).

    One row of panels per spatial scale (noise, number of schools); one panel per income
    arrangement with school V after income-balanced assignment (mean and 95% interval) for
    every within-race income setting, V at the nearest schools, the race-proportional
    reassignment at the literature's mean income segregation and the LP maximum; and, when both
    arrangements were run, a panel of their paired difference in the cut. The shaded band and
    the red line mark the literature's Figure 5 (the means its text states).
    """
    tolerance = float(summary["tolerance"].iloc[0])
    scales = list(dict.fromkeys(zip(summary["noise"], summary["n_schools"])))
    columns = [a for a in TITLES if a in set(summary["income_arrangement"])]
    fig = Figure(figsize=(5.2 * len(columns), 4.6 * len(scales) + 0.4), layout="constrained")
    pairs = list(
        dict.fromkeys(zip(summary["income_v_black_target"], summary["income_v_white_target"]))
    )
    for row, (noise, schools) in enumerate(scales):
        at_scale = summary[(summary["noise"] == noise) & (summary["n_schools"] == schools)]
        for col, arrangement in enumerate(columns):
            ax = fig.add_subplot(len(scales), len(columns), row * len(columns) + col + 1)
            part = at_scale[at_scale["income_arrangement"] == arrangement]
            _reference(ax)
            measure = "cut" if arrangement == "aligned - independent" else "v_assigned"
            for k, (b, w) in enumerate(pairs):
                curve = part[
                    (part["income_v_black_target"] == b) & (part["income_v_white_target"] == w)
                ]
                inside = b <= US_RANGE["income_v_black"] and w <= US_RANGE["income_v_white"]
                label = f"income V {b:g}/{w:g}" + (" (lit. mean)" if _is_mean(b, w) else "")
                _curve(
                    ax,
                    curve,
                    measure,
                    fmt="-o" if inside else "--s",
                    color=f"C{k}",
                    lw=2.2 if _is_mean(b, w) else 1.0,
                    label=label + ("" if inside else " [beyond US]"),
                )
            if arrangement == "aligned - independent":
                ax.axhline(0, color="k", lw=0.8)
                ax.set_ylabel("difference in the cut in V")
            else:
                near = (
                    part.groupby("residential_v_target")
                    .first()
                    .reset_index()
                    .sort_values("residential_v_target")
                )
                _curve(ax, near, "v_nearest", fmt="k--", lw=1.2, label="nearest school")
                mean_pair = part[
                    np.isclose(part["income_v_black_target"], LITERATURE_MEAN["income_v_black"])
                    & np.isclose(part["income_v_white_target"], LITERATURE_MEAN["income_v_white"])
                ]
                if len(mean_pair):
                    _curve(
                        ax,
                        mean_pair,
                        "v_reassigned",
                        fmt="-.",
                        color="0.45",
                        lw=1.2,
                        label="reassignment (lit. mean income V)",
                    )
                if "v_max" in part:
                    ax.axhline(
                        float(part["v_max"].iloc[0]),
                        ls=":",
                        color="0.4",
                        lw=1.5,
                        label="LP maximum under the policy",
                    )
                ax.plot([0, 1], [0, 1], color="0.8", lw=0.8)
                ax.set_ylim(0, 1.02)
                ax.set_ylabel("school segregation V")
            ax.set_xlim(0, 1.02)
            ax.set_xlabel("residential segregation V")
            ax.grid(alpha=0.3)
            seeds = int(part["cities"].max()) if len(part) else 0
            ax.set_title(
                f"{TITLES[arrangement]}\nd = {tolerance:.2f}, noise {noise:g}, "
                f"{schools} schools, {seeds} seeds",
                fontsize=9,
            )
            if row == 0 and col == 0:
                ax.legend(fontsize=6, loc="upper left")
    fig.suptitle(
        f"School V after income balance at tolerance d = {tolerance:.2f} "
        "(means and 95% intervals over seeds)",
        fontsize=11,
    )
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=120, bbox_inches="tight", metadata={"Software": None})
    return Path(path)
