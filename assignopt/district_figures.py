"""Figures of many districts: the forest plot and the literature's Figure 6.

One row per district: the interval of possible V under the policy, today's V and the
race-proportional reassignment estimate. Up to :data:`MAX_LABELLED_ROWS` districts each row is
labelled; beyond, rows are ranks on a page of fixed size, so a thousand districts stay readable
and draw in well under a second.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["MAX_LABELLED_ROWS", "plot_district_table", "plot_figure6"]

#: Beyond this many districts, rows are ranked instead of labelled one by one.
MAX_LABELLED_ROWS = 60


def _labels(frame: pd.DataFrame) -> list[str]:
    ids = frame["district"].astype(str)
    if "district_name" in frame.columns:
        return [f"{name} ({i})" for name, i in zip(frame["district_name"].astype(str), ids)]
    return list(ids)


def _draw_rows(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    title: str,
    ranked_key: str,
    ranked_by: str,
    connect: bool,
) -> Path:
    """One row per district: the possible interval, today's V and the reassignment estimate.

    Up to :data:`MAX_LABELLED_ROWS` districts, each row carries its district's label; beyond,
    rows are ranks on a figure of fixed size, the interval drawn as a band, so a thousand
    districts stay readable and draw in well under a second.
    """
    # Loaded here, not with the module: computing a district table needs no drawing library.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    n = len(frame)
    labelled = n <= MAX_LABELLED_ROWS
    if not labelled:  # ranks carry no ids: order ties of the ranking key by today's V
        frame = frame.assign(_key=frame[ranked_key].round(9))
        frame = frame.sort_values(["_key", "v_today"], kind="stable")
    height = max(3.0, 0.22 * n + 1.5) if labelled else 8.0
    fig = Figure(figsize=(7.5, height))
    ax = fig.add_subplot()
    y = np.arange(n)
    low = frame["v_possible_min"].to_numpy(dtype=float)
    high = frame["v_possible_max"].to_numpy(dtype=float)
    today = frame["v_today"].to_numpy(dtype=float)
    after = frame["v_reassigned"].to_numpy(dtype=float)
    interval = "possible under the policy (LP min to max)"
    if labelled:
        ax.hlines(y, low, high, color="0.75", lw=4, label=interval)
    else:
        ax.fill_betweenx(y, low, high, color="0.82", step="mid", lw=0, label=interval)
    if connect:
        from matplotlib.collections import LineCollection

        segments = np.stack([np.c_[today, y], np.c_[after, y]], axis=1)
        ax.add_collection(LineCollection(segments, colors="0.45", linewidths=0.6))
    size = (5, 4) if labelled else (2.2, 1.8)
    ax.plot(today, y, "o", color="C0", ms=size[0], ls="none", label="today")
    ax.plot(
        after,
        y,
        "D",
        color="C3",
        ms=size[1],
        ls="none",
        label="race-proportional reassignment (lower estimate)",
    )
    if labelled:
        ax.set_yticks(y, _labels(frame), fontsize=7)
    else:
        ax.set_ylabel(f"{n:,} districts, ranked by {ranked_by}")
    ax.set_ylim(-1, max(n, 1))
    ax.set_xlim(0, 1.02)
    ax.set_xlabel("normalized exposure V")
    tol = frame["tolerance"].iloc[0] if n and "tolerance" in frame.columns else 0
    ax.set_title(f"{title} (tolerance {tol:g})", fontsize=10, pad=24)
    ax.grid(axis="x", alpha=0.3)
    # Above the rows, never over them.
    ax.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=140, bbox_inches="tight")
    return Path(path)


def plot_district_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Forest plot: per district the possible interval, today's V and the reassignment estimate.

    Rows follow ``frame``'s order (``district_table`` sorts by the possible maximum). Up to
    :data:`MAX_LABELLED_ROWS` districts are labelled; larger tables are drawn as ranked rows.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table from :func:`district_table`.
    path : str or Path
        The PNG to write.

    Returns
    -------
    Path
    """
    return _draw_rows(
        frame,
        path,
        title="Racial segregation by district under income balance",
        ranked_key="v_possible_max",
        ranked_by="the possible maximum, then today's V",
        connect=False,
    )


def plot_figure6(frame: pd.DataFrame, path: str | Path) -> Path:
    """The literature's Figure 6: per district, today's V, the reassignment estimate, the interval.

    One row per district, sorted by today's V (largest at the top); a line joins today's V to
    the race-proportional reassignment estimate, beside the interval of possible V under the
    policy. Districts carry ``district_name (id)`` when the table has names (as from the NCES
    file); beyond :data:`MAX_LABELLED_ROWS` rows are ranks.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table from :func:`district_table` (optionally with ``district_name``).
    path : str or Path
        The PNG to write.

    Returns
    -------
    Path
    """
    ordered = frame.sort_values(["v_today", "district"], kind="stable").reset_index(drop=True)
    return _draw_rows(
        ordered,
        path,
        title="Today, after race-proportional reassignment, and possible",
        ranked_key="v_today",
        ranked_by="today's V",
        connect=True,
    )
