"""Saving matplotlib figures without pyplot state (the Agg canvas), one way for every figure."""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["save_figure"]


def save_figure(fig: Figure, path: str | Path, dpi: int = 140) -> Path:
    """Draw ``fig`` on an Agg canvas and save it as ``path`` (PNG), cropped to its content.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure made with ``Figure(...)`` (no pyplot, so no global state and no display).
    path : str or Path
        The file to write.
    dpi : int
        Resolution in dots per inch.

    Returns
    -------
    Path
        ``path``.
    """
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return Path(path)
