"""Run a validated scenario end to end and write its report and files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from assignopt.bounds import closed_form_bounds
from assignopt.maxseg import maximum_segregation
from assignopt.policy import Policy
from assignopt.population import Population
from assignopt.report import MapLayers, Report, write_report
from assignopt.scenario import Scenario

__all__ = ["run_scenario"]

QUESTION = (
    "If this district balances its schools by family income, how much racial "
    "segregation (normalized exposure V of Black and White students) can remain: at "
    "most (possible, from the linear programs) and probably (what a race-blind, "
    "travel-minimizing assignment would give)?"
)


def _policy_words(tolerances: tuple[float, ...]) -> str:
    text = ", ".join(f"±{t:.2f}" for t in tolerances)
    return (
        f"Every school's poverty rate must lie within {text} of the district's rate "
        "(each compared in turn; ±0.00 is perfect balance). Income is poverty status "
        "(poor / nonpoor) unless the data give more classes."
    )


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
    return {
        "report": path,
        "files": [str(f) for f in report.files],
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
    rows, flows_layers, files, figures, notes = [], {}, [], [], list(district.notes)
    results = []
    for tol in scenario.tolerances:
        result = assign_district(
            district,
            Policy(tol),
            distances=distances,
            possible=scenario.methods["lp"],
            **options,
        )
        results.append(result)
        folder = out / f"tolerance_{tol:.2f}"
        paths = write_assignment(result, folder)
        files += [paths["geopackage"], paths["schools_csv"]]
        s = result.summary()
        row = {
            "tolerance": tol,
            "V residential": s["v_residential"],
            "V nearest school": s["v_nearest"],
            "V probable (balanced)": s["v_assigned"],
        }
        if scenario.methods["reassignment"]:
            near = school_compositions(counts, result.nearest.flows)
            row["V reassignment (lower estimate)"] = race_proportional_reassignment(
                near.sum(axis=2), near[:, :, 0].sum(axis=1), tol
            ).v_after
        if scenario.methods["lp"]:
            row["V possible min"] = s["possible"]["v_min"]
            row["V possible max"] = s["possible"]["v_max"]
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
        row["mean km"] = s["mean_km"]
        row["moved from nearest school"] = s["travel"]["assigned"]["share_not_nearest"]
        rows.append(row)
        flows_layers[f"±{tol:.2f}"] = _flow_layer(result)
    headline = pd.DataFrame(rows)
    figures.append(
        (
            "Racial segregation by policy: residential pattern, nearest school, "
            "balanced assignment, and what the policy makes possible.",
            _policy_bars(headline, out / "segregation_by_policy.png"),
        )
    )
    figures.append(
        (
            f"Static map of the assignment at tolerance ±{scenario.tolerances[0]:.2f}.",
            out / f"tolerance_{scenario.tolerances[0]:.2f}" / "map.png",
        )
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
        scenario.outputs.get("title", scenario.name),
        QUESTION,
        _policy_words(scenario.tolerances),
        headline,
        findings,
        figures,
        [("Schools under the first policy", results[0].school_table().round(4))],
        files,
        layers,
        [scenario.description, *notes] if scenario.description else notes,
    )


def _to_wgs84(frame):
    return frame.to_crs("EPSG:4326")


def _flow_layer(result, max_lines: int = 1500) -> dict:
    import geopandas as gpd
    from shapely.geometry import LineString

    from assignopt.spatial.distance import projected

    hoods, schools, _, _ = projected(result.district)
    origin = hoods.geometry.representative_point().to_numpy()
    dest = schools.geometry.representative_point().to_numpy()
    per_pair = result.assigned.flows.sum(axis=1)
    n, s = np.nonzero(per_pair > 1e-6)
    weight = per_pair[n, s]
    keep = np.argsort(-weight)[:max_lines]
    n, s, weight = n[keep], s[keep], weight[keep]
    lines = gpd.GeoDataFrame(
        {"weight": 0.5 + 4.5 * weight / max(weight.max(), 1e-12) if weight.size else []},
        geometry=[LineString([origin[i], dest[j]]) for i, j in zip(n, s)],
        crs=hoods.crs,
    )
    return json.loads(_to_wgs84(lines).to_json())


def _map_layers(district, result, flows_layers) -> MapLayers:
    import geopandas as gpd

    counts = district.counts().sum(axis=2)
    size = counts.sum(axis=1)
    share = np.divide(counts[:, 0], size, out=np.zeros_like(size), where=size > 0)
    hoods = gpd.GeoDataFrame(
        {
            "shade": share / max(share.max(), 1e-12),
            "label": [
                f"{district.groups[0]} share {v:.1%}, {t:,.0f} students"
                for v, t in zip(share, size)
            ],
        },
        geometry=district.neighborhoods.geometry.simplify(25).to_numpy(),
        crs=district.neighborhoods.crs,
    )
    table = result.school_table()
    enrol = table["enrolment"].to_numpy()
    schools = gpd.GeoDataFrame(
        {
            "radius": 4 + 12 * np.sqrt(enrol / max(enrol.max(), 1)),
            "label": [
                f"{name}: {e:,.0f} students, {p:.1%} {district.classes[0]}"
                for name, e, p in zip(table["name"], enrol, table[f"share_{district.classes[0]}"])
            ],
        },
        geometry=district.schools.geometry.representative_point().to_numpy(),
        crs=district.schools.crs,
    )
    return MapLayers(
        json.loads(_to_wgs84(hoods).to_json()),
        json.loads(_to_wgs84(schools).to_json()),
        flows_layers,
        f"{district.groups[0]} share (of the highest)",
    )


def _policy_bars(headline: pd.DataFrame, path: Path) -> Path:
    columns = [
        c
        for c in (
            "V residential",
            "V nearest school",
            "V reassignment (lower estimate)",
            "V probable (balanced)",
            "V possible max",
        )
        if c in headline
    ]
    fig = Figure(figsize=(7.5, 4))
    ax = fig.add_subplot()
    width = 0.8 / len(columns)
    x = np.arange(len(headline))
    for k, column in enumerate(columns):
        ax.bar(x + k * width, headline[column], width, label=column)
    ax.set_xticks(x + width * (len(columns) - 1) / 2, [f"±{t:.2f}" for t in headline["tolerance"]])
    ax.set_xlabel("income-balance tolerance")
    ax.set_ylabel("normalized exposure V")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=7, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    ax.grid(axis="y", alpha=0.3)
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=140, bbox_inches="tight")
    return path


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
        _policy_words(scenario.tolerances),
        headline,
        findings,
        figures,
        tables,
        files,
        None,
        [scenario.description] if scenario.description else [],
    )


# --- tables of schools ----------------------------------------------------------------------


def _districts(scenario: Scenario, out: Path) -> Report:
    from assignopt.districts import district_table, plot_district_table
    from assignopt.tables import read_units

    schools = read_units(scenario.data["schools_table"])
    groups = scenario.data.get("groups", ["black", "white"])
    rows, figures, tables, files = [], [], [], []
    for tol in scenario.tolerances:
        frame, outcome = district_table(
            schools, groups, tol, out / f"tolerance_{tol:.2f}", workers=1, progress=False
        )
        png = plot_district_table(frame, out / f"district_bounds_{tol:.2f}.png")
        csv = out / f"district_bounds_{tol:.2f}.csv"
        frame.to_csv(csv, index=False)
        figures.append((f"Districts at tolerance ±{tol:.2f}.", png))
        files.append(csv)
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
        if tol == scenario.tolerances[0]:
            tables.append((f"Districts at tolerance ±{tol:.2f}", frame.round(4)))
    return Report(
        scenario.outputs.get("title", scenario.name),
        QUESTION,
        _policy_words(scenario.tolerances),
        pd.DataFrame(rows),
        [],
        figures,
        tables,
        files,
        None,
        [scenario.description] if scenario.description else [],
    )
