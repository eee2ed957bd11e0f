"""The report page: every name reaches it as text, numbers read as people write them, and every
link resolves.

A hostile scenario (school, neighborhood and district names carrying ``</script>`` and
``<img onerror>``) is built here and shared with the browser test.
"""

import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from assignopt.policy import Policy
from assignopt.report import (
    MapLayers,
    Report,
    Section,
    Table,
    json_for_script,
    relative_href,
    render_table,
    write_assignment_report,
    write_report,
)
from assignopt.report.format import (
    column_kind,
    format_count,
    format_index,
    format_km,
    format_share,
    format_tolerance,
    format_value,
)
from assignopt.scenario import load_scenario
from assignopt.spatial.assign import assign_district
from assignopt.spatial.district import District, write_district
from assignopt.spatial.output import write_assignment
from assignopt.spatial.synth import synthetic_city
from assignopt.workflows.scenario import run_scenario

ROOT = Path(__file__).resolve().parent.parent
MODELS = sorted((ROOT / "models").glob("*.toml"))

# Each payload, if it ever ran, would set window.assignoptPwned and raise an alert.
SCRIPT_TAG = "</script><script>window.assignoptPwned = 1; alert(1)</script>"
IMG_TAG = '<img src=x onerror="window.assignoptPwned = 2; alert(2)">'
HOSTILE = (SCRIPT_TAG, IMG_TAG, "<!-- & \u2028 -->")
DISTRICT_NAME = f"{SCRIPT_TAG} {IMG_TAG} district"


def hostile_name(k: int, what: str) -> str:
    """A distinct name for row ``k`` with one of the payloads in it."""
    return f"{HOSTILE[k % len(HOSTILE)]} {what} {k:02d}"


def hostile_scenario(folder: Path, tolerances=(0.0, 0.2)) -> Path:
    """A scenario file for a 3x3 synthetic city whose ids, names and title are all payloads."""
    city = synthetic_city(3, 0.5, 0.5, n_schools=4, seed=1)
    hoods = city.neighborhoods.copy()
    hoods.insert(0, "tract", [hostile_name(k, "tract") for k in range(len(hoods))])
    schools = city.schools.copy()
    schools["name"] = [hostile_name(k + 1, "school") for k in range(len(schools))]
    folder.mkdir(parents=True, exist_ok=True)
    write_district(District(hoods, schools, city.groups, city.classes), folder / "city.gpkg")
    model = folder / "hostile.toml"
    model.write_text(
        "[scenario]\n"
        f"name = {json.dumps(DISTRICT_NAME)}\n"
        f"description = {json.dumps('note ' + IMG_TAG)}\n"
        '[data]\ndistrict = "city.gpkg"\n'
        f"[policy]\ntolerances = {list(tolerances)}\n"
        "[methods]\nlp = false\nreassignment = false\nclosed_forms = false\n"
    )
    return model


# The elements write_report itself emits.
PAGE_TAGS = set(
    "html head meta title style body main h1 h2 h3 p b ul li table thead tbody tr th td div "
    "script figure img figcaption section a".split()
)


class _Page(HTMLParser):
    """Tags, attributes, text and script bodies of a page, as a browser's parser splits them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text, self.scripts, self._in_script = [], [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append([dict(attrs), ""])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None:
            self.scripts[-1][1] += data
        else:
            self.text.append(data)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(Path(path).read_text(encoding="utf-8"))
    return page


def _links(page: _Page) -> list[str]:
    return [
        value
        for _, attrs in page.tags
        for key, value in attrs.items()
        if key in ("href", "src") and not value.startswith("data:")
    ]


# --- escaping -------------------------------------------------------------------------------


def test_json_for_script_has_no_markup_and_reads_back():
    data = {"id": "".join(HOSTILE), "x": [1.5, None], "bad": float("nan")}
    text = json_for_script(data)
    for char in "<>&\u2028\u2029":
        assert char not in text
    # JSON.parse of the text gives the data back (NaN, which JSON lacks, as null).
    assert json.loads(text) == {"id": "".join(HOSTILE), "x": [1.5, None], "bad": None}


def _hostile_report(folder: Path) -> Report:
    """A report with a payload at every place a name can reach the page."""
    figure = folder / f"{IMG_TAG.replace('/', '')}.png"
    # A 1x1 PNG is enough: the page inlines the bytes and names the file in alt.
    from matplotlib.figure import Figure

    fig = Figure(figsize=(0.1, 0.1))
    fig.savefig(figure)
    data_file = folder / "a file & <b>.csv"
    data_file.write_text("x\n1\n")
    frame = pd.DataFrame({IMG_TAG: [SCRIPT_TAG], "students": [2294.0]})
    point = {"type": "Point", "coordinates": [0.0, 0.0]}
    polygon = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}

    def collection(geometry, props):
        return {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": props, "geometry": geometry}],
        }

    layers = MapLayers(
        collection(polygon, {"id": SCRIPT_TAG, "value": 0.5, "lines": [IMG_TAG]}),
        [
            {
                "name": IMG_TAG,
                "schools": collection(point, {"id": IMG_TAG, "radius": 5, "lines": [SCRIPT_TAG]}),
                "flows": collection(
                    {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, {"weight": 2}
                ),
            }
        ],
        value_label=SCRIPT_TAG,
        value_max=0.5,
        neighborhoods_label=IMG_TAG,
    )
    return Report(
        title=DISTRICT_NAME,
        question=SCRIPT_TAG,
        policy=IMG_TAG,
        headline=frame,
        findings=[SCRIPT_TAG],
        figures=[(IMG_TAG, figure)],
        tables=[Table(SCRIPT_TAG, frame), (IMG_TAG, frame)],
        files=[data_file],
        map_layers=layers,
        notes=[IMG_TAG],
        sections=[Section(SCRIPT_TAG, [IMG_TAG], [(SCRIPT_TAG, figure)], [Table(IMG_TAG, frame)])],
    )


def test_every_name_reaches_the_page_as_text(tmp_path):
    path = write_report(_hostile_report(tmp_path), tmp_path / "report.html")
    page = _parse(path)
    # Only the page's own elements: three scripts (map data, Leaflet, map script) and the
    # two inlined PNGs; no element comes from a name.
    scripts = page.scripts
    assert [attrs.get("type") for attrs, _ in scripts] == ["application/json", None, None]
    images = [attrs for tag, attrs in page.tags if tag == "img"]
    assert len(images) == 2
    assert all(a["src"].startswith("data:image/png;base64,") for a in images)
    assert all(a["alt"] == IMG_TAG.replace("/", "") for a in images)  # the file name, as text
    # Every element is one the writer makes itself: one <b> ("Policy."), one link.
    names = [t for t, _ in page.tags]
    assert set(names) <= PAGE_TAGS
    assert names.count("b") == 1 and names.count("a") == 1
    # The payloads are shown literally, in the title, text and table cells.
    text = "".join(page.text)
    for payload in (SCRIPT_TAG, IMG_TAG, DISTRICT_NAME):
        assert payload in text
    assert ("title", {}) in page.tags and DISTRICT_NAME in text
    # The map script never writes data as HTML.
    map_script = scripts[2][1]
    assert "innerHTML" not in map_script
    assert "textContent" in map_script
    # The map data read back are the names exactly as given.
    data = json.loads(scripts[0][1])
    assert data["neighborhoods"]["features"][0]["properties"]["id"] == SCRIPT_TAG
    assert data["policies"][0]["schools"]["features"][0]["properties"]["lines"] == [SCRIPT_TAG]
    assert data["value_label"] == SCRIPT_TAG
    # The file link is percent-encoded and resolves.
    assert _links(page) == ["a%20file%20%26%20%3Cb%3E.csv"]
    assert (tmp_path / unquote(_links(page)[0])).exists()


def test_table_cells_and_headers_are_escaped():
    table = render_table(pd.DataFrame({"<th>": ["<td>&"]}))
    assert "<th>&lt;th&gt;</th>" in table
    assert "&lt;td&gt;&amp;" in table


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (2294.0, "count", "2,294"),
        (2294.4999, "count", "2,294"),  # fractional students of an LP: whole ones
        (1234567.0, "count", "1,234,567"),
        (-0.2, "count", "0"),  # rounding noise is not "-0"
        (0.621, "share", "62.1%"),
        (1.0, "share", "100.0%"),
        (-1e-12, "share", "0.0%"),
        (0.41234, "index", "0.412"),
        (-1e-9, "index", "0.000"),
        (1204.254, "km", "1,204.25"),
        (0.1, "tolerance", "\u00b10.10"),
        (float("nan"), "index", "\u2013"),
        (None, "count", "\u2013"),
        ("highs", "text", "highs"),
    ],
)
def test_numbers_are_written_for_people(value, kind, text):
    assert format_value(value, kind) == text


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown column kind 'percent'"):
        format_value(0.5, "percent")


def test_formatters_agree_with_format_value():
    assert format_count(2294) == format_value(2294, "count") == "2,294"
    assert format_share(0.5) == "50.0%"
    assert format_index(1 / 3) == "0.333"
    assert format_km(2.0) == "2.00"
    assert format_tolerance(0) == "\u00b10.00"


@pytest.mark.parametrize(
    ("name", "values", "kind"),
    [
        ("tolerance", [0.1], "tolerance"),
        ("V probable (balanced)", [0.3], "index"),
        ("v_possible_max", [0.3], "index"),
        ("median V today", [0.3], "index"),
        ("closed form V/(1-2d)", [0.3], "index"),
        ("mean km", [3.2], "km"),
        ("share_poor", [0.1], "share"),
        ("black_poverty", [0.1], "share"),
        ("moved from nearest school", [0.1], "share"),
        ("capacity", [2294.0], "count"),
        ("districts", [40], "count"),
        ("LP method", ["extreme-point LP"], "text"),
        ("three-school construction", [0.7], "number"),
    ],
)
def test_column_kinds_are_guessed_from_names(name, values, kind):
    assert column_kind(name, pd.Series(values)) == kind


def test_a_schools_table_reads_as_counts_and_percentages():
    frame = pd.DataFrame({"name": ["school 01"], "capacity": [2294.0], "share_poor": [0.1332]})
    table = render_table(frame, {"name": "text"})
    assert "<td>2,294</td>" in table and "<td>13.3%</td>" in table
    assert "2294.0" not in table


# --- links ----------------------------------------------------------------------------------


def test_links_are_relative_to_the_page_and_percent_encoded(tmp_path):
    assert relative_href(tmp_path / "tolerance_0.10" / "schools.csv", tmp_path) == (
        "tolerance_0.10/schools.csv"
    )
    assert relative_href(tmp_path / "a b#c?.csv", tmp_path) == "a%20b%23c%3F.csv"
    assert relative_href(tmp_path / "x.csv", tmp_path / "out") == "../x.csv"


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """report.html of every shipped model (quick settings) and of the hostile scenario."""
    out = tmp_path_factory.mktemp("reports")
    pages = {}
    for model in MODELS:
        pages[model.stem] = run_scenario(load_scenario(model), out / model.stem, quick=True)
    model = hostile_scenario(out / "hostile_input")
    pages["hostile"] = run_scenario(load_scenario(model), out / "hostile", quick=True)
    return pages


@pytest.mark.slow
@pytest.mark.parametrize("name", [m.stem for m in MODELS] + ["hostile"])
def test_every_link_of_every_report_resolves(reports, name):
    path = reports[name]["report"]
    links = _links(_parse(path))
    assert links  # every report links at least headline.csv and results.json
    for link in links:
        assert not urlsplit(link).scheme and not link.startswith("/"), link
        assert (path.parent / unquote(link)).is_file(), link
    # Every file the run lists is linked from the page.
    linked = {(path.parent / unquote(link)).resolve() for link in links}
    assert {Path(f).resolve() for f in reports[name]["files"]} <= linked


@pytest.mark.slow
def test_every_tolerance_has_its_map_and_schools_table(reports):
    result = reports["sacramento"]
    page = _parse(result["report"])
    scenario = load_scenario(ROOT / "models" / "sacramento.toml")
    names = [t for t, _ in page.tags]
    # One section per tolerance, then the [choice] table's: the model, and the lotteries at
    # ±0.10 and ±0.20 (at ±0.00 the band cannot be met with whole students; a note says so).
    assert len(scenario.tolerances) == 3
    assert names.count("section") == 3 + 1 + 2
    # The policy bar chart, one static map per tolerance, one figure per tolerance's lotteries.
    assert names.count("img") == 1 + 3 + 2
    text = "".join(page.text)
    for tol in scenario.tolerances:
        assert f"Tolerance \u00b1{tol:.2f}" in text
        assert f"Static map of the assignment at tolerance \u00b1{tol:.2f}." in text
        assert f"Schools under the policy \u00b1{tol:.2f}" in text
    # Capacities as people write them: school 01 has 2,294 seats (sample_districts layer).
    assert "2,294" in text and "2294.0" not in text
    # One map layer per tolerance.
    data = json.loads(page.scripts[0][1])
    assert [p["name"] for p in data["policies"]] == [
        f"tolerance \u00b1{t:.2f}" for t in scenario.tolerances
    ]


@pytest.mark.slow
def test_the_map_legend_and_tooltips_show_real_shares_and_ids(reports):
    page = _parse(reports["sacramento"]["report"])
    data = json.loads(page.scripts[0][1])
    hoods = gpd.read_file(ROOT / "sample_districts" / "sacramento_2000.gpkg", layer="neighborhoods")
    groups = ("black", "white", "hispanic", "asian", "other")
    students = sum(hoods[f"{g}_{c}"] for g in groups for c in ("poor", "nonpoor"))
    black = hoods["black_poor"] + hoods["black_nonpoor"]
    share = np.where(students > 0, black / students.where(students > 0, 1), np.nan)
    # The legend runs from 0% to the largest Black share of any tract, computed from the file.
    assert data["value_max"] == pytest.approx(np.nanmax(share))
    assert data["value_ticks"][0] == "0.0%"
    assert data["value_ticks"][-1] == format_share(np.nanmax(share))
    assert data["value_label"] == "black share of each neighborhood's students"
    features = data["neighborhoods"]["features"]
    # Tooltips name each tract by its id as written (leading zero kept) and give its counts.
    assert [f["properties"]["id"] for f in features] == list(hoods["tract"])
    first = features[0]["properties"]
    assert first["id"].startswith("0")
    assert first["value"] == pytest.approx(share[0])
    assert f"{format_count(students[0])} students" in first["lines"]
    assert f"black: {format_count(black[0])}" in first["lines"]


@pytest.mark.slow
def test_hostile_names_stay_text_in_a_scenario_report(reports):
    page = _parse(reports["hostile"]["report"])
    assert [attrs.get("type") for attrs, _ in page.scripts] == ["application/json", None, None]
    assert all(
        attrs["src"].startswith("data:image/png;base64,")
        for tag, attrs in page.tags
        if tag == "img"
    )
    text = "".join(page.text)
    assert DISTRICT_NAME in text  # the title
    assert hostile_name(1, "school") in text  # a schools table cell
    assert "note " + IMG_TAG in text  # the scenario's description
    data = json.loads(page.scripts[0][1])
    ids = [f["properties"]["id"] for f in data["neighborhoods"]["features"]]
    assert ids == [hostile_name(k, "tract") for k in range(9)]
    schools = data["policies"][0]["schools"]["features"]
    assert [f["properties"]["id"] for f in schools] == [
        hostile_name(k + 1, "school") for k in range(4)
    ]


@pytest.mark.slow
def test_a_single_assignment_writes_its_own_report(tmp_path):
    """What an assign run does: one result, its files beside report.html, links resolving."""
    city = synthetic_city(4, 0.5, 0.5, n_schools=4, seed=2)  # whole neighborhoods fit at ±0.40
    result = assign_district(city, Policy(0.4), possible=False, whole_neighborhoods=True)
    paths = write_assignment(result, tmp_path)
    page_path = write_assignment_report([result], [paths], tmp_path, title="one district")
    assert page_path == tmp_path / "report.html"
    page = _parse(page_path)
    links = _links(page)
    assert sorted(links) == sorted(p.name for p in paths.values())
    assert all((tmp_path / unquote(link)).is_file() for link in links)
    assert [t for t, _ in page.tags].count("section") == 1
    text = "".join(page.text)
    assert "Tolerance \u00b10.40" in text
    # Whole neighborhoods are a MILP: the section states its optimality gap.
    gap = format_share(result.summary()["mip_gap"], 2)
    assert f"optimality gap {gap}" in text
    # Synthetic neighborhoods have no id column: numbered 1 to N in file order.
    data = json.loads(page.scripts[0][1])
    ids = [f["properties"]["id"] for f in data["neighborhoods"]["features"]]
    assert ids == [str(k) for k in range(1, 17)]


@pytest.mark.slow
def test_assign_writes_its_report_with_resolving_links(tmp_path):
    """`assignopt assign` writes report.html beside its files (same report module)."""
    from click.testing import CliRunner

    from assignopt.cli import main

    district = ROOT / "sample_districts" / "sacramento_2000.gpkg"
    args = ["assign", str(district), "--tolerance", "0.1", "--out", str(tmp_path), "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    files = json.loads(result.stdout)["files"]
    page_path = Path(files["report"])
    assert page_path == tmp_path / "report.html"
    page = _parse(page_path)
    links = _links(page)
    assert sorted(links) == sorted(Path(f).name for k, f in files.items() if k != "report")
    assert all((tmp_path / unquote(link)).is_file() for link in links)
    # The tracts keep their ids (leading zeros) in the map's tooltips.
    data = json.loads(page.scripts[0][1])
    hoods = gpd.read_file(district, layer="neighborhoods")
    assert [f["properties"]["id"] for f in data["neighborhoods"]["features"]] == list(
        hoods["tract"]
    )


def test_map_geometries_are_the_layers_to_a_tenth_of_a_metre():
    """Each feature of a map layer is its geometry in EPSG:4326, coordinates to 1e-6 degrees,
    of its own type (a polygon beside multipolygons stays a polygon), holes kept."""
    import shapely
    from shapely.geometry import LineString, MultiLineString, Point, Polygon, shape

    from assignopt.report.sections import MAP_DECIMALS, _features

    holed = Polygon(
        [(-121.4, 38.5), (-121.3, 38.5), (-121.3, 38.6), (-121.4, 38.6)],
        [[(-121.38, 38.52), (-121.32, 38.52), (-121.35, 38.58)]],
    )
    parts = shapely.MultiPolygon([shapely.box(-121.2, 38.5, -121.1, 38.6), holed])
    geoms = [
        holed,
        parts,
        shapely.box(-121.0 + 1 / 3, 38.5, -120.9, 38.6 + 1 / 7),
        LineString([(-121.4, 38.5), (-121.123456789, 38.987654321)]),
        Point(-121.1111111, 38.2222222),
        MultiLineString([[(0, 0), (1, 1)], [(2, 2), (3, 1)]]),  # through shapely's mapping
    ]
    props = [{"id": str(k)} for k in range(len(geoms))]
    layer = _features(geoms, "EPSG:4326", props)
    assert layer["type"] == "FeatureCollection"
    # The collection's box: westmost polygon, the multi-line's 0 and 3, the line's north end.
    assert layer["bbox"] == [-121.4, 0.0, 3.0, 38.987654321]
    assert [f["properties"] for f in layer["features"]] == props
    for original, feature in zip(geoms, layer["features"], strict=True):
        drawn = shape(feature["geometry"])
        assert drawn.geom_type == original.geom_type
        # Rounding to MAP_DECIMALS moves a coordinate by at most half a unit of the last place.
        assert shapely.equals_exact(drawn, original, tolerance=0.5 * 10.0**-MAP_DECIMALS)
        assert len(shapely.get_coordinates(drawn)) == len(shapely.get_coordinates(original))
    # -121 + 1/3 written to six decimals (its corner with the box's south edge).
    assert [-120.666667, 38.5] in layer["features"][2]["geometry"]["coordinates"][0]


def test_map_layers_with_an_empty_geometry_keep_every_feature():
    import shapely
    from shapely.geometry import Point

    from assignopt.report.sections import _features

    layer = _features([Point(1, 2), shapely.Polygon()], "EPSG:4326", [{"id": "a"}, {"id": "b"}])
    assert [f["properties"]["id"] for f in layer["features"]] == ["a", "b"]
    assert layer["features"][0]["geometry"] == {"type": "Point", "coordinates": [1.0, 2.0]}


def test_column_formatters_write_each_number_as_the_scalar_formatter():
    from assignopt.report.format import format_counts, format_shares

    # Half-way counts round to even as Python's format does; a negative zero is written 0.
    values = np.array([2294.4, 1234.5, 0.5, -0.4, -0.0, np.nan, 1e6, -3.6])
    assert format_counts(values) == ["2,294", "1,234", "0", "0", "0", "\u2013", "1,000,000", "-4"]
    assert format_counts(values) == [format_count(v) for v in values]
    shares = np.array([0.621, -0.0001, 0.0, 1.0, np.nan, -0.25])
    assert format_shares(shares) == ["62.1%", "0.0%", "0.0%", "100.0%", "\u2013", "-25.0%"]
    for decimals in (0, 1, 2):
        assert format_shares(shares, decimals) == [format_share(v, decimals) for v in shares]
