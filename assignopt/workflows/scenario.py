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
    files = [*report.files, *(f for section in report.sections for f in section.files)]
    return {
        "report": path,
        "files": [str(f) for f in files],
        "headline": report.headline.to_dict(orient="records"),
    }


def _policy_words(tolerances: tuple[float, ...]) -> str:
    from assignopt.report import policy_words

    return policy_words(tolerances)


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
    from assignopt.reassign import race_proportional_reassignment
    from assignopt.report.sections import assignment_headline, assignment_report
    from assignopt.spatial.assign import school_compositions
    from assignopt.workflows.assign import AssignResult, distances_of, load, solve
    from assignopt.workflows.maxseg import over_splits
    from assignopt.workflows.requests import MaxsegOptions

    zone_requests = [r for r in scenario.requests if r.job == "zones"]
    requests = [r for r in scenario.requests if r.job != "zones"]
    methods = scenario.methods
    if not requests:
        raise_nothing(scenario)
    if isinstance(requests[0], MaxsegRequest):
        return _possible_only(scenario, out)
    district = load(requests[0])
    distances = distances_of(district, requests[0])
    counts = district.counts()
    results, files, extra, choices, refused = [], [], [], [], []
    for request in requests:
        folder = check_output_dir(out / f"tolerance_{request.tolerance:.2f}")
        result = AssignResult(assignment=solve(district, request, distances))
        files.append(result.write(folder))
        assignment = result.assignment
        results.append(assignment)
        row = {}
        if methods["reassignment"]:
            # The nearest schools' race x poverty mix as the flows carry it (the file's split).
            near = school_compositions(counts, assignment.nearest.arcs)
            row["V reassignment (lower estimate)"] = race_proportional_reassignment(
                near.sum(axis=2),
                near[:, :, 0].sum(axis=1),
                request.tolerance,
                poor_by_group=near[:, :, 0],
            ).v_after
        if methods["lp"] and scenario.data_kind == "district":
            # The file's race x poverty split may be imputed: the maximum over every split
            # with the same neighborhood totals, on the same population and policy.
            any_split = over_splits(district, MaxsegOptions(tolerance=request.tolerance))
            row["V possible max (any race x poverty split)"] = any_split.maximum.upper
        if methods["closed_forms"]:
            row["closed form V/(1-2d)"] = _closed_form_row(counts, request.tolerance)
        if scenario.choice is not None:
            chosen = _choice(scenario, district, request, distances, assignment, folder)
            row.update(chosen[2])
            if chosen[0] is None:
                refused.append(chosen[1])
            else:
                choices.append(chosen)
        extra.append(row)
    report = assignment_report(
        results,
        files,
        out,
        title=scenario.outputs.get("title") or scenario.name,
        headline=assignment_headline(results, extra),
        notes=_notes(scenario, *district.notes, *_split_notes(scenario)),
        interactive_map=scenario.outputs.get("map", True),
    )
    if choices:
        from assignopt.report.sections import choice_findings, choice_sections

        report.findings += choice_findings([c[0] for c in choices])
        report.sections += choice_sections([c[0] for c in choices], [c[1] for c in choices])
        report.notes += [n for c in choices for n in c[0].notes if n not in report.notes]
    report.notes += refused
    for request in zone_requests:
        report.sections.append(_zones(request, out))
    return report


def _zones(request: Any, out: Path) -> Any:
    """The ``[zones]`` of one tolerance: run, write into ``zones_<d>``, one report section."""
    from assignopt.report.sections import zones_section
    from assignopt.workflows.zones import run
    from assignopt.zones.output import zone_table

    folder = check_output_dir(out / f"zones_{request.tolerance:.2f}")
    result = run(request)
    files = result.write(folder)
    section = zones_section(
        result.to_dict(),
        zone_table(result),
        files["map"],
        [files[k] for k in ("geopackage", "zones_csv", "report")],
    )
    section.title = f"Attendance zones at tolerance {request.tolerance:.2f}"
    return section


def _choice(
    scenario: Any, district: Any, request: Any, distances: Any, assignment: Any, folder: Path
) -> tuple[Any, dict, dict]:
    """One tolerance's controlled-choice lotteries: result, files, headline cell.

    A band no school can meet with whole students (tolerance 0) gives no result, the reason
    (for the report's notes) and a headline cell saying so.
    """
    from assignopt.report.format import format_tolerance
    from assignopt.report.sections import CHOICE_COLUMN, choice_cell
    from assignopt.workflows.choice import simulate
    from assignopt.workflows.requests import RequestError

    try:
        result = simulate(
            district, scenario.choice, request.tolerance, distances=distances, assignment=assignment
        )
    except RequestError as exc:
        if [field for field, _ in exc.problems] != ["tolerance"]:
            raise
        reason = (
            f"Controlled choice at tolerance {format_tolerance(request.tolerance)}: not run; "
            + exc.render(lambda field: {"reserve": "reserve"}.get(field, field))
        )
        return None, reason, {CHOICE_COLUMN: "not defined (see notes)"}
    paths = result.write(folder / "choice", report=False)
    return result, paths, {CHOICE_COLUMN: choice_cell(result)}


def _split_notes(scenario: Any) -> list[str]:
    """What the headline assumes about each neighborhood's race x poverty split, in words."""
    notes = [
        "The possible interval is computed on the same population and policy as the "
        "assignment: every group's students, the band on all of them, V between the first two "
        "groups with the other groups free to fill seats.",
    ]
    if scenario.methods["closed_forms"]:
        notes.append(
            "The closed form V/(1-2d) is the literature's formula for a district of the first "
            "two groups only (its band re-centred on their own poverty rate): a reference, not "
            "this district's maximum."
        )
    if scenario.data_kind == "district":
        notes.append(
            "Race x poverty split: the counts by group and income class are taken from the "
            "file. Where the data give only each neighborhood's race totals and poverty total "
            "(as the Sacramento sample does: every race given its tract's poverty rate), that "
            "split is an assumption; the column 'V possible max (any race x poverty split)' is "
            "the maximum over every split with the same neighborhood totals."
        )
    return notes


def raise_nothing(scenario: Any) -> None:
    """Refuse a scenario whose methods leave nothing to run."""
    from assignopt.errors import InputError

    raise InputError(f"{scenario.path.name}: the methods chosen leave nothing to run")


def _possible_only(scenario: Any, out: Path) -> Any:
    """A district's possible interval (and closed form) per policy, without an assignment."""
    import pandas as pd

    from assignopt.maxseg import minimum_segregation
    from assignopt.report import QUESTION, Report
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

    from assignopt.report import QUESTION, Report
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
    headline = pd.DataFrame(list(rows.values()))
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
        headline,
        findings,
        figures,
        tables,
        files,
        None,
        _notes(scenario),
        headline_kinds={c: "index" for c in headline if c not in ("tolerance", "LP method")},
    )


# --- tables of schools ----------------------------------------------------------------------------


def _districts(scenario: Any, out: Path) -> Any:
    import pandas as pd

    from assignopt.report import QUESTION, Report
    from assignopt.report.sections import districts_section
    from assignopt.workflows.base import run

    rows, sections = [], []
    for request in scenario.requests:
        tol = request.tolerance
        result = run(request, out=check_output_dir(out / f"tolerance_{tol:.2f}"))
        frame = result.frame
        paths = result.write(out / f"tolerance_{tol:.2f}")
        sections.append(
            districts_section(tol, frame, paths["png"], [paths["csv"]], result.failures)
        )
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
    return Report(
        scenario.outputs.get("title") or scenario.name,
        QUESTION,
        _policy_words(scenario.tolerances),
        pd.DataFrame(rows),
        notes=_notes(scenario),
        sections=sections,
    )


def _run_one(payload: tuple) -> dict:
    """One scenario of a batch (a module-level function, so worker processes can run it)."""
    from assignopt.scenario import load_scenario

    model, out_dir, quick, _data_files = payload
    scenario = load_scenario(model)
    result = run_scenario(scenario, out_dir, quick=quick)
    return {
        "scenario": scenario.name,
        "report": str(result["report"]),
        "headline": result["headline"],
    }


def scenario_files(scenario: Any) -> tuple[str, ...]:
    """The data files a scenario reads (their contents belong to its results' key)."""
    paths = [scenario.data.get(k) for k in ("district", "schools_table")]
    paths.append(scenario.assignment.get("road_network"))
    return tuple(str(p) for p in paths if p)


def run_scenarios(
    models: list[Path],
    out_dir: str | Path,
    *,
    quick: bool = False,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> Any:
    """Run several scenario files as one resumable batch, each into ``out_dir/<model name>``.

    A model's kept result is reused only when its key matches: the model file's contents, the
    contents of every data file it reads, ``quick`` and the package version (editing a model
    or its data, or a full run after a quick one, recomputes). Every file is checked before
    any work starts.

    Returns
    -------
    BatchOutcome
        Results by model name (``report``, ``headline``), with ``failures``.
    """
    from assignopt.batch import run_batch
    from assignopt.errors import InputError
    from assignopt.scenario import load_scenario

    out = check_output_dir(out_dir)
    names = [Path(m).stem for m in models]
    if len(set(names)) != len(names):
        raise InputError(f"models: two files share a name ({', '.join(names)}); rename one")
    scenarios = [load_scenario(m) for m in models]  # refuse a bad file before any work
    jobs = [
        (name, (str(model), str(out / name), quick, scenario_files(scenario)))
        for name, model, scenario in zip(names, models, scenarios)
    ]
    return run_batch(
        jobs,
        _run_one,
        out / ".results",
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        desc="scenarios",
        settings={"quick": quick},
    )
