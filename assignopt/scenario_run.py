"""Run a validated scenario end to end and write its report and files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from assignopt.bounds import closed_form_bounds
from assignopt.maxseg import maximum_segregation
from assignopt.policy import Policy
from assignopt.population import Population
from assignopt.report import QUESTION, Report, policy_words, write_report
from assignopt.report.sections import (
    assignment_headline,
    assignment_report,
    districts_section,
)
from assignopt.scenario import Scenario

__all__ = ["run_scenario"]


def run_scenario(scenario: Scenario, out_dir: str | Path, quick: bool = False) -> dict:
    """Run ``scenario`` and write ``report.html`` plus its files into ``out_dir``.

    Parameters
    ----------
    scenario : Scenario
        From :func:`assignopt.scenario.load_scenario`.
    out_dir : str or Path
        Output folder.
    quick : bool
        Small settings (fewer income classes, a small verification grid) for tests.

    Returns
    -------
    dict
        ``report`` (path), ``files`` and the ``headline`` rows.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    kind = scenario.data_kind
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


# --- spatial districts ---------------------------------------------------------------------


def _load_district(scenario: Scenario):
    from assignopt.spatial.district import read_district
    from assignopt.spatial.synth import synthetic_city

    data = scenario.data
    if scenario.data_kind == "district":
        return read_district(
            data["district"],
            groups=data.get("groups"),
            classes=data.get("classes", ("poor", "nonpoor")),
        )
    spec = dict(data["synthetic"])
    n_schools = spec.pop("schools", 9)
    grid = spec.pop("grid", 10)
    r = spec.pop("racial_segregation", 0.5)
    q = spec.pop("income_segregation", 0.5)
    return synthetic_city(grid, r, q, n_schools=n_schools, **spec)


def _spatial(scenario: Scenario, out: Path) -> Report:
    from assignopt.reassign import race_proportional_reassignment
    from assignopt.spatial.assign import assign_district, school_compositions
    from assignopt.spatial.distance import district_distances, read_road_network
    from assignopt.spatial.output import write_assignment

    district = _load_district(scenario)
    options = dict(scenario.assignment)
    road = options.pop("road_network", None)
    distances = district_distances(
        district,
        points=options.pop("points", "representative"),
        graph=read_road_network(road) if road else None,
    )
    counts = district.counts()
    results, files, extra = [], [], []
    for tol in scenario.tolerances:
        result = assign_district(
            district,
            Policy(tol),
            distances=distances,
            possible=scenario.methods["lp"],
            **options,
        )
        results.append(result)
        files.append(write_assignment(result, out / f"tolerance_{tol:.2f}"))
        row = {}
        if scenario.methods["reassignment"]:
            near = school_compositions(counts, result.nearest.flows)
            row["V reassignment (lower estimate)"] = race_proportional_reassignment(
                near.sum(axis=2), near[:, :, 0].sum(axis=1), tol
            ).v_after
        if scenario.methods["closed_forms"]:
            pb = counts[:, 0, :].sum(axis=0)
            pw = counts[:, 1, :].sum(axis=0)
            cf = closed_form_bounds(
                black_poverty=pb[0] / pb.sum(),
                white_poverty=pw[0] / pw.sum(),
                tolerance=tol,
                black_share=pb.sum() / (pb.sum() + pw.sum()),
            )
            row["closed form V/(1-2d)"] = cf["vmax_tolerance_approx"]
        extra.append(row)
    notes = list(district.notes)
    return assignment_report(
        results,
        files,
        out,
        title=scenario.outputs.get("title", scenario.name),
        headline=assignment_headline(results, extra),
        notes=[scenario.description, *notes] if scenario.description else notes,
        interactive_map=scenario.outputs.get("map", True),
    )


# --- income models and poverty rates -------------------------------------------------------


def _model(scenario: Scenario, out: Path, quick: bool) -> Report:
    data, rows, figures, tables, files = scenario.data, [], [], [], []
    if scenario.data_kind == "gamma":
        g = data["gamma"]
        base = dict(
            white_mean=float(g["white_mean"]),
            black_mean=float(g["black_mean"]),
            shape=float(g.get("shape", 1.56)),
            black_share=float(g.get("black_share", 0.5)),
        )
    else:
        p = data["poverty"]
        base = dict(
            white_poverty=float(p["white"]),
            black_poverty=float(p["black"]),
            black_share=float(p.get("black_share", 0.5)),
        )
    for tol in scenario.tolerances:
        cf = closed_form_bounds(**base, tolerance=tol)
        row = {"tolerance": tol}
        if scenario.methods["closed_forms"]:
            row.update(
                {
                    "closed form, poverty status": cf["vmax_dichotomous"],
                    "closed form V/(1-2d)": cf["vmax_tolerance_approx"],
                    "three-school construction": cf["vmax_three_school"],
                }
            )
            if cf["vmax_continuous"] is not None:
                row["closed form, continuous income"] = cf["vmax_continuous"]
        if scenario.methods["lp"]:
            population = Population.dichotomous(
                base["black_share"], cf["black_poverty"], cf["white_poverty"]
            )
            best = maximum_segregation(population, Policy(tol))
            row.update(
                {"LP possible min": 0.0, "LP possible max": best.upper, "LP method": best.method}
            )
        rows.append(row)
    if scenario.methods["figures"]:
        from assignopt.figures import write_figures

        paths = write_figures(out / "figures")
        figures += [
            ("Maximum V against the poverty threshold.", paths["threshold_png"]),
            ("Maximum V against the White-Black mean income ratio.", paths["ratio_png"]),
        ]
        files += [paths["threshold_csv"], paths["ratio_csv"]]
    if scenario.methods["verify"]:
        from assignopt.verify import summarize, write_verification

        paths = write_verification(out / "verification", quick=quick)
        figures.append(
            ("The LP maximum against the closed forms along the income ratio.", paths["plot"])
        )
        summary = summarize(pd.read_csv(paths["cases"]))
        tables.append(("Closed forms against the linear programs", summary))
        files += [paths["cases"], paths["summary"]]
    headline = pd.DataFrame(rows)
    findings = [
        f"Tolerance ±{r['tolerance']:.2f}: at most V = {r['LP possible max']:.3f} "
        f"({r['LP method']})."
        for r in rows
        if "LP possible max" in r
    ]
    return Report(
        scenario.outputs.get("title", scenario.name),
        QUESTION.replace("this district", "a district like this"),
        policy_words(scenario.tolerances),
        headline,
        findings,
        figures,
        tables,
        files,
        None,
        [scenario.description] if scenario.description else [],
        headline_kinds={c: "index" for c in headline if c not in ("tolerance", "LP method")},
    )


# --- tables of schools ----------------------------------------------------------------------


def _districts(scenario: Scenario, out: Path) -> Report:
    from assignopt.districts import district_table, plot_district_table
    from assignopt.tables import read_units

    schools = read_units(scenario.data["schools_table"])
    groups = scenario.data.get("groups", ["black", "white"])
    rows, sections = [], []
    for tol in scenario.tolerances:
        frame, outcome = district_table(
            schools, groups, tol, out / f"tolerance_{tol:.2f}", workers=1, progress=False
        )
        png = plot_district_table(frame, out / f"district_bounds_{tol:.2f}.png")
        csv = out / f"district_bounds_{tol:.2f}.csv"
        frame.to_csv(csv, index=False)
        sections.append(districts_section(tol, frame, png, [csv]))
        rows.append(
            {
                "tolerance": tol,
                "districts": len(frame),
                "failed": len(outcome.failures),
                "median V today": frame["v_today"].median(),
                "median V reassigned": frame["v_reassigned"].median(),
                "median V possible max": frame["v_possible_max"].median(),
            }
        )
    return Report(
        scenario.outputs.get("title", scenario.name),
        QUESTION,
        policy_words(scenario.tolerances),
        pd.DataFrame(rows),
        notes=[scenario.description] if scenario.description else [],
        sections=sections,
    )
