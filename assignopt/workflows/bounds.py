"""Job ``bounds``: the literature's closed forms for given incomes or poverty rates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assignopt.workflows.base import Result
from assignopt.workflows.requests import BoundsRequest

__all__ = ["BoundsResult", "run"]


@dataclass
class BoundsResult(Result):
    """Every closed form the inputs allow (keys of :func:`assignopt.bounds.closed_form_bounds`)."""


def run(request: BoundsRequest, progress: bool = False, out: Path | None = None) -> BoundsResult:
    """Evaluate every closed form the request's inputs allow."""
    from assignopt.bounds import closed_form_bounds

    return BoundsResult(closed_form_bounds(**request.model_dump()))
