"""Run a scenario: its requests through the workflows, their results to the report.

A :class:`~assignopt.scenario.Scenario` is a list of requests plus report settings (made by
:func:`assignopt.scenario.load_scenario`); ``run_scenario`` runs them (a
district's distances are computed once for all its policies), collects each policy's results
in one headline row and hands everything to the report layer, which only renders.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assignopt.workflows.base import check_output_dir, progress_messages
from assignopt.workflows.requests import (
    BoundsRequest,
    FiguresRequest,
    MaxsegRequest,
    VerifyRequest,
)

__all__ = ["run_scenario"]

QUESTION = (
    "If this district balances its schools by family income, how much racial "
    "segregation (normalized exposure V of Black and White students) can remain: at "
    "most (possible, from the linear programs) and probably (what a race-blind, "
    "travel-minimizing assignment would give)?"
)


def run_scenario(scenario: Any, out_dir: str | Path, quick: bool = False) -> dict:
    """Run ``scenario`` and write ``report.html`` plus its files into ``out_dir``.

    Parameters
    ----------
    scenario : Scenario
        From :func:`assignopt.scenario.load_scenario`.
    out_dir : str or Path
        Output folder (checked before anything is computed).
    quick : bool
        Small settings (a small verification grid) for trying a model quickly.

    Returns
    -------
    dict
        ``report`` (path), ``files`` and the ``headline`` rows.
    """
    from assignopt.report import write_report

    out = check_output_dir(out_dir)
    kind = scenario.data_kind
    with progress_messages(False):
        if kind in ("district", "synthetic"):
            report = _spatial(scenario, out)
        elif kind == "schools_table":
            report = _districts(scenario, out)
        else:
            report = _model(scenario, out, quick)
    headline_csv = out / "headline.csv"
    report.headline.to_csv(headline_csv, index=False)
    results = out / "results.json"
    results.write_text(
        json.dumps(
            {
                "scenario": scenario.name,
                "kind": kind,
                "tolerances": scenario.tolerances,
                "headline": report.headline.to_dict(orient="records"),
            },
            indent=2,
            default=float,
        )
    )
    report.files = [headline_csv, results, *report.files]
    path = write_report(report, out / "report.html")
    return {
        "report": path,
        "files": [str(f) for f in report.files],
        "headline": report.headline.to_dict(orient="records"),
    }


def _policy_words(tolerances: tuple[float, ...]) -> str:
    text = ", ".join(f"±{t:.2f}" for t in tolerances)
    return (
        f"Every school's poverty rate must lie within {text} of the district's rate "
        "(each compared in turn; ±0.00 is perfect balance). Income is poverty status "
        "(poor / nonpoor) unless the data give more classes."
    )


def _notes(scenario: Any, *more: str) -> list[str]:
    return [n for n in (scenario.description, *more) if n]


# --- districts and synthetic cities -----------------------------------------------------------


def _closed_form_row(counts: Any, tolerance: float) -> float:
    """The literature's V/(1-2d) for the district's Black and White students."""
    from assignopt.bounds import closed_form_bounds

    black = counts[:, 0, :].sum(axis=0)
    white = counts[:, 1, :].sum(axis=0)
    bounds = closed_form_bounds(
        black_poverty=black[0] / black.sum(),
        white_poverty=white[0] / white.sum(),
        tolerance=tolerance,
        black_share=black.sum() / (black.sum() + white.sum()),
    )
    return bounds["vmax_tolerance_approx"]


def _spatial(scenario: Any, out: Path) -> Any:
    import pandas as pd

    from assignopt.reassign import race_proportional_reassignment
    from assignopt.report import Report
    from assignopt.scenario_run import _flow_layer, _map_layers, _policy_bars
    from assignopt.spatial.assign import school_compositions
    from assignopt.workflows.assign import AssignResult, distances_of, load, solve

    requests = scenario.requests
    methods = scenario.methods
    if not requests:
        raise_nothing(scenario)
    if isinstance(requests[0], MaxsegRequest):
        return _possible_only(scenario, out)
    district = load(requests[0])
    distances = distances_of(district, requests[0])
    counts = district.counts()
    rows, flows_layers, files, figures, tables = [], {}, [], [], []
    results = []
    for request in requests:
        folder = check_output_dir(out / f"tolerance_{request.tolerance:.2f}")
        result = AssignResult(assignment=solve(district, request, distances))
        paths = result.write(folder)
        assignment = result.assignment
        results.append(assignment)
        files += [paths["geopackage"], paths["schools_csv"]]
        s = assignment.summary()
        row = {
            "tolerance": request.tolerance,
            "V residential": s["v_residential"],
            "V nearest school": s["v_nearest"],
            "V probable (balanced)": s["v_assigned"],
        }
        if methods["reassignment"]:
            near = school_compositions(counts, assignment.nearest.flows)
            row["V reassignment (lower estimate)"] = race_proportional_reassignment(
                near.sum(axis=2), near[:, :, 0].sum(axis=1), request.tolerance
            ).v_after
        if methods["lp"]:
            row["V possible min"] = s["possible"]["v_min"]
            row["V possible max"] = s["possible"]["v_max"]
        if methods["closed_forms"]:
            row["closed form V/(1-2d)"] = _closed_form_row(counts, request.tolerance)
        row["mean km"] = s["mean_km"]
        row["moved from nearest school"] = s["travel"]["assigned"]["share_not_nearest"]
        rows.append(row)
        flows_layers[f"±{request.tolerance:.2f}"] = _flow_layer(assignment)
        tables.append(
            (
                f"Schools at tolerance ±{request.tolerance:.2f}",
                assignment.school_table().round(4),
            )
        )
        figures.append(
            (f"Static map of the assignment at tolerance ±{request.tolerance:.2f}.", paths["map"])
        )
    headline = pd.DataFrame(rows)
    figures.insert(
        0,
        (
            "Racial segregation by policy: residential pattern, nearest school, "
            "balanced assignment, and what the policy makes possible.",
            _policy_bars(headline, out / "segregation_by_policy.png"),
        ),
    )
    first = headline.iloc[0]
    findings = [
        f"Residential segregation V = {first['V residential']:.3f}; nearest-school "
        f"assignment gives V = {first['V nearest school']:.3f}."
    ]
    for _, row in headline.iterrows():
        text = f"Tolerance ±{row['tolerance']:.2f}: probable V = {row['V probable (balanced)']:.3f}"
        if "V possible max" in row:
            text += (
                f"; possible between {row['V possible min']:.3f} and {row['V possible max']:.3f}"
            )
        findings.append(text + f"; mean travel {row['mean km']:.2f} km.")
    layers = None
    if scenario.outputs.get("map", True):
        layers = _map_layers(district, results[0], flows_layers)
    return Report(
        scenario.outputs.get("title") or scenario.name,
        QUESTION,
        _policy_words(scenario.tolerances),
        headline,
        findings,
        figures,
        tables,
        files,
        layers,
        _notes(scenario, *district.notes),
    )


def raise_nothing(scenario: Any) -> None:
    """Refuse a scenario whose methods leave nothing to run."""
    from assignopt.errors import InputError

    raise InputError(f"{scenario.path.name}: the methods chosen leave nothing to run")


def _possible_only(scenario: Any, out: Path) -> Any:
    """A district's possible interval (and closed form) per policy, without an assignment."""
    import pandas as pd

    from assignopt.maxseg import minimum_segregation
    from assignopt.report import Report
    from assignopt.workflows.maxseg import bound_of, policy_of, population_of

    rows = []
    population = None
    for request in scenario.requests:
        if population is None:
            population, _ = population_of(request)
        groups = population.groups
        row: dict[str, Any] = {"tolerance": request.tolerance}
        if scenario.methods["lp"]:
            pair = {"pair": (groups[0], groups[1])} if len(groups) > 2 else {}
            options = request.model_copy(update=pair)
            best = bound_of(population, options)
            low = minimum_segregation(population, policy_of(options), "V", **pair)
            row.update({"V possible min": low.lower, "V possible max": best.upper})
        if scenario.methods["closed_forms"]:
            table = population.class_matrix()
            counts = table.reshape(1, *table.shape)
            row["closed form V/(1-2d)"] = _closed_form_row(counts, request.tolerance)
        rows.append(row)
    return Report(
        scenario.outputs.get("title") or scenario.name,
        QUESTION,
        _policy_words(scenario.tolerances),
        pd.DataFrame(rows),
        [],
        [],
        [],
        [],
        None,
        _notes(scenario),
    )


# --- income models and poverty rates ------------------------------------------------------------


def _model(scenario: Any, out: Path, quick: bool) -> Any:
    import pandas as pd

    from assignopt.report import Report
    from assignopt.workflows.base import run

    rows: dict[float, dict[str, Any]] = {}
    figures, tables, files = [], [], []
    for request in scenario.requests:
        if isinstance(request, BoundsRequest):
            row = rows.setdefault(request.tolerance, {"tolerance": request.tolerance})
            if scenario.methods["closed_forms"]:
                cf = run(request).data
                row.update(
                    {
                        "closed form, poverty status": cf["vmax_dichotomous"],
                        "closed form V/(1-2d)": cf["vmax_tolerance_approx"],
                        "three-school construction": cf["vmax_three_school"],
                    }
                )
                if cf["vmax_continuous"] is not None:
                    row["closed form, continuous income"] = cf["vmax_continuous"]
        elif isinstance(request, MaxsegRequest):
            best = run(request).bound
            rows[request.tolerance].update(
                {"LP possible min": 0.0, "LP possible max": best.upper, "LP method": best.method}
            )
        elif isinstance(request, FiguresRequest):
            paths = run(request).write(check_output_dir(out / "figures"))
            figures += [
                ("Maximum V against the poverty threshold.", paths["threshold_png"]),
                ("Maximum V against the White-Black mean income ratio.", paths["ratio_png"]),
            ]
            files += [paths["threshold_csv"], paths["ratio_csv"]]
        elif isinstance(request, VerifyRequest):
            result = run(request.model_copy(update={"quick": quick or request.quick}))
            paths = result.write(check_output_dir(out / "verification"))
            figures.append(
                ("The LP maximum against the closed forms along the income ratio.", paths["plot"])
            )
            tables.append(("Closed forms against the linear programs", result.summary))
            files += [paths["cases"], paths["summary"]]
    findings = [
        f"Tolerance ±{r['tolerance']:.2f}: at most V = {r['LP possible max']:.3f} "
        f"({r['LP method']})."
        for r in rows.values()
        if "LP possible max" in r
    ]
    return Report(
        scenario.outputs.get("title") or scenario.name,
        QUESTION.replace("this district", "a district like this"),
        _policy_words(scenario.tolerances),
        pd.DataFrame(list(rows.values())),
        findings,
        figures,
        tables,
        files,
        None,
        _notes(scenario),
    )


# --- tables of schools ----------------------------------------------------------------------------


def _districts(scenario: Any, out: Path) -> Any:
    import pandas as pd

    from assignopt.report import Report
    from assignopt.workflows.base import run

    rows, figures, tables, files = [], [], [], []
    for request in scenario.requests:
        tol = request.tolerance
        result = run(request, out=check_output_dir(out / f"tolerance_{tol:.2f}"))
        frame = result.frame
        paths = result.write(out / f"tolerance_{tol:.2f}")
        figures.append((f"Districts at tolerance ±{tol:.2f}.", paths["png"]))
        files.append(paths["csv"])
        rows.append(
            {
                "tolerance": tol,
                "districts": len(frame),
                "failed": len(result.failures),
                "median V today": frame["v_today"].median(),
                "median V reassigned": frame["v_reassigned"].median(),
                "median V possible max": frame["v_possible_max"].median(),
            }
        )
        tables.append((f"Districts at tolerance ±{tol:.2f}", frame.round(4)))
    return Report(
        scenario.outputs.get("title") or scenario.name,
        QUESTION,
        _policy_words(scenario.tolerances),
        pd.DataFrame(rows),
        [],
        figures,
        tables,
        files,
        None,
        _notes(scenario),
    )
