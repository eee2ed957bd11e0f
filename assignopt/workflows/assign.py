"""Job ``assign``: the race-blind minimum-travel assignment of a district under a policy."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assignopt.workflows.base import Result
from assignopt.workflows.requests import AssignOptions, AssignRequest

__all__ = ["AssignResult", "assign_options", "distances_of", "load", "run", "solve"]


@dataclass
class AssignResult(Result):
    """An :class:`~assignopt.spatial.assign.AssignmentResult` and the files written from it."""

    assignment: Any = None

    def to_dict(self) -> dict[str, Any]:
        """The assignment's summary (the ``--json`` keys) and the files written."""
        self.data = self.assignment.summary()
        return super().to_dict()

    def write(self, folder: str | Path) -> dict[str, Path]:
        """Write the GeoPackage, CSV tables, map, summary and ``report.html`` into ``folder``."""
        from assignopt.report import write_assignment_report
        from assignopt.spatial.output import write_assignment

        with _collector_paused():
            table = self.assignment.school_table()  # once, for the files and the page
            self.files = dict(write_assignment(self.assignment, folder, school_table=table))
            # The page of this one policy, linking the files just written.
            self.files["report"] = write_assignment_report(
                [self.assignment], [dict(self.files)], folder, school_tables=[table]
            )
        return self.files


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while the files are built, back on (as it was) after.

    The files make hundreds of thousands of small objects (the map's GeoJSON lists and
    tooltips) that hold no cycles; the collector's passes over them cost a sixth of the
    writing time. What they leave is collected once it runs again.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def assign_options(options: AssignOptions) -> dict[str, Any]:
    """Keyword arguments of :func:`assignopt.spatial.assign.assign_district`."""
    return {
        "solver": options.solver,
        "fixed_enrolment": options.fixed_enrolment,
        "travel_cap_km": options.travel_cap_km,
        "extra_km_cap": options.extra_km_cap,
        "whole_neighborhoods": options.integer,
        "time_limit": options.time_limit,
        "possible": options.possible,
        "split_range": options.split_range,
        "split_time_limit": options.split_time_limit,
    }


def distances_of(district: Any, options: AssignOptions) -> Any:
    """Distances of ``district`` as the options ask (points, road network)."""
    from assignopt.spatial.distance import district_distances, read_road_network

    graph = read_road_network(options.road_network) if options.road_network else None
    return district_distances(district, points=options.points, graph=graph)


def solve(district: Any, options: AssignOptions, distances: Any = None) -> Any:
    """Assign ``district`` under ``options``; the AssignmentResult."""
    from assignopt.policy import Policy
    from assignopt.spatial.assign import assign_district

    distances = distances if distances is not None else distances_of(district, options)
    return assign_district(
        district, Policy(options.tolerance), distances=distances, **assign_options(options)
    )


def load(request: AssignRequest) -> Any:
    """The District the request names: read from its file(s), or a synthetic city."""
    if request.synthetic is not None:
        from assignopt.workflows.synth import run as synthesize

        return synthesize(request.synthetic).city
    from assignopt.spatial.district import read_district

    return read_district(
        request.district, request.schools, groups=request.groups, classes=request.classes
    )


def run(request: AssignRequest, progress: bool = False, out: Path | None = None) -> AssignResult:
    """Read the district (or make the synthetic city) and assign its students."""
    return AssignResult(assignment=solve(load(request), request))
