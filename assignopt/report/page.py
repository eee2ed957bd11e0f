r"""Self-contained HTML reports: the question, the policy, the headline, maps, figures, tables.

Everything a page needs is inside it: figures as base64 PNG, tables as HTML, and the map as
GeoJSON drawn by Leaflet 1.9.4 (BSD-2-Clause, shipped in ``assignopt/assets/leaflet``) inlined
in the page, so it opens from disk or an e-mail with no network and requests nothing (no
background tiles). Links to the run's files are relative to the page's folder.

The page treats every name it is given (titles, school, district and neighborhood ids, column
names, file names) as text: HTML text is escaped, and the map's data travel as JSON inside a
``<script type="application/json">`` element with ``<``, ``>`` and ``&`` written as ``\u003c``
etc., read by ``JSON.parse`` and put on the page with ``textContent``.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from assignopt.report.format import column_kind, format_value
from assignopt.report.mapscript import MAP_SCRIPT

__all__ = [
    "MapLayers",
    "Report",
    "Section",
    "Table",
    "json_for_script",
    "relative_href",
    "render_table",
    "write_report",
]


@dataclass
class MapLayers:
    """GeoJSON layers (EPSG:4326) for the report's interactive map.

    Attributes
    ----------
    neighborhoods : dict
        FeatureCollection of polygons; properties ``id`` (the neighborhood's id, text),
        ``value`` (the shaded share in [0, 1], or None) and ``lines`` (tooltip lines, text).
    policies : list of dict
        One layer per policy, switchable on the map: ``name`` (text), ``schools``
        (FeatureCollection of points with ``id``, ``radius`` in pixels and ``lines``) and
        ``flows`` (FeatureCollection of lines with ``weight`` in pixels).
    value_label : str
        What ``value`` is, for the legend (e.g. "black share of students").
    value_max : float
        The largest ``value``: the legend's colour ramp runs from 0 to it.
    neighborhoods_label : str
        The neighborhoods layer's name in the layer control.
    """

    neighborhoods: dict
    policies: list[dict] = field(default_factory=list)
    value_label: str = ""
    value_max: float = 1.0
    neighborhoods_label: str = "neighborhoods"

    def data(self) -> dict:
        """The JSON the page's map script reads."""
        top = self.value_max if self.value_max > 0 else 1.0
        return {
            "neighborhoods": self.neighborhoods,
            "policies": self.policies,
            "value_label": self.value_label,
            "value_max": top,
            "value_ticks": [format_value(top * t, "share") for t in (0, 0.25, 0.5, 0.75, 1)],
            "neighborhoods_label": self.neighborhoods_label,
        }


@dataclass
class Table:
    """A table of the report: a caption, the numbers, and how each column is written.

    ``kinds`` maps column names to a kind of :mod:`assignopt.report.format` (``count``,
    ``share``, ``index``, ``km``, ``tolerance``, ``number``, ``text``); columns not named there
    get a kind guessed from their name.
    """

    caption: str
    frame: pd.DataFrame
    kinds: dict[str, str] = field(default_factory=dict)


@dataclass
class Section:
    """A titled part of the report (e.g. one policy): text, figures, tables and files."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    figures: list[tuple[str, Path]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


@dataclass
class Report:
    """The content of a report page.

    ``files`` (and each section's files) are paths on disk; the page links them relative to
    its own folder.
    """

    title: str
    question: str
    policy: str
    headline: pd.DataFrame
    findings: list[str] = field(default_factory=list)
    figures: list[tuple[str, Path]] = field(default_factory=list)
    tables: list[Table | tuple[str, pd.DataFrame]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    map_layers: MapLayers | None = None
    notes: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    headline_kinds: dict[str, str] = field(default_factory=dict)


_CSS = """
body { font-family: system-ui, -apple-system, Segoe UI, Roboto, sans-serif; margin: 0;
       color: #1d2330; background: #fafafa; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.6em; font-size: 1.2em; }
h3 { font-size: 1.05em; }
.question { font-size: 1.1em; color: #333; }
.policy { background: #eef3fb; border-left: 4px solid #3b6fb6; padding: 10px 14px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 0.92em; background: white; }
th, td { border: 1px solid #d5d9e0; padding: 4px 8px; text-align: right; }
th { background: #f0f2f5; } td:first-child, th:first-child { text-align: left; }
td.text { text-align: left; }
div.table { max-width: 100%; overflow-x: auto; }
#map { height: 560px; border: 1px solid #ccc; margin: 8px 0; background: #e8edf2; }
figure { margin: 12px 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
.legend { background: white; padding: 6px 8px; font-size: 12px; line-height: 18px; }
.legend-ramp { width: 180px; height: 12px; margin: 3px 0; border: 1px solid #bbb; }
.legend-ticks { display: flex; justify-content: space-between; width: 182px; }
.note { color: #555; font-size: 0.9em; }
"""


def json_for_script(data: object) -> str:
    r"""``data`` as JSON safe inside an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` become ``\u003c``, ``\u003e`` and ``\u0026`` (so no ``</script>``
    or ``<!--`` can end or change the element), and U+2028/U+2029 are escaped too; NaN and
    infinities become ``null`` (JSON has no such numbers).
    """
    try:
        text = json.dumps(data, allow_nan=False, separators=(",", ":"))
    except ValueError:
        text = json.dumps(_finite(data), allow_nan=False, separators=(",", ":"))
    for char, escaped in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


def _finite(value: object) -> object:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _text(value: object) -> str:
    return html.escape(str(value), quote=True)


def _asset(name: str) -> str:
    return resources.files("assignopt").joinpath(f"assets/leaflet/{name}").read_text()


def _image(path: Path) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode()
    return f'<img alt="{_text(Path(path).stem)}" src="data:image/png;base64,{data}">'


def _figure(caption: str, path: Path) -> str:
    return f"<figure>{_image(path)}<figcaption>{_text(caption)}</figcaption></figure>"


def render_table(frame: pd.DataFrame, kinds: Mapping[str, str] | None = None) -> str:
    """``frame`` as an HTML table, every header and cell escaped, numbers written by kind."""
    columns = list(frame.columns)
    column_kinds = [column_kind(str(c), frame[c], kinds) for c in columns]
    head = "".join(f"<th>{_text(c)}</th>" for c in columns)
    rows = []
    for values in frame.itertuples(index=False, name=None):
        cells = "".join(
            f"<td class='text'>{_text(format_value(v, k))}</td>"
            if k == "text"
            else f"<td>{_text(format_value(v, k))}</td>"
            for v, k in zip(values, column_kinds)
        )
        rows.append(f"<tr>{cells}</tr>")
    return (
        f"<div class='table'><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _as_table(table: Table | tuple[str, pd.DataFrame]) -> Table:
    if isinstance(table, Table):
        return table
    caption, frame = table
    return Table(caption, frame)


def relative_href(target: str | Path, folder: str | Path) -> str:
    """The URL of file ``target`` relative to ``folder``, percent-encoded (``/`` kept)."""
    relative = os.path.relpath(Path(target).resolve(), Path(folder).resolve())
    return quote(Path(relative).as_posix(), safe="/")


def _file_list(files: Sequence[Path], folder: Path) -> str:
    items = []
    for f in files:
        href = relative_href(f, folder)
        label = Path(os.path.relpath(Path(f).resolve(), folder.resolve())).as_posix()
        items.append(f'<li><a href="{_text(href)}">{_text(label)}</a></li>')
    return "<ul class='files'>" + "".join(items) + "</ul>"


def _section(section: Section, folder: Path) -> list[str]:
    parts = [f"<section><h2>{_text(section.title)}</h2>"]
    parts += [f"<p>{_text(p)}</p>" for p in section.paragraphs]
    parts += [_figure(caption, path) for caption, path in section.figures]
    for table in section.tables:
        parts += [f"<h3>{_text(table.caption)}</h3>", render_table(table.frame, table.kinds)]
    if section.files:
        parts += ["<h3>Files</h3>", _file_list(section.files, folder)]
    parts.append("</section>")
    return parts


def _map(layers: MapLayers) -> list[str]:
    return [
        "<h2>Map</h2>",
        "<p class='note'>Neighborhoods shaded by the share named in the legend; schools "
        "sized by enrolment; lines are the assignment's flows. Each policy is a layer: "
        "switch between them in the layer control. Hover over a neighborhood or a school "
        "for its numbers.</p>",
        "<div id='map'></div>",
        "<script type='application/json' id='assignopt-map-data'>"
        f"{json_for_script(layers.data())}</script>",
        f"<script>{_asset('leaflet.js')}</script>",
        f"<script>{MAP_SCRIPT}</script>",
    ]


def write_report(report: Report, path: str | Path) -> Path:
    """Write ``report`` as one self-contained HTML file and return its path."""
    path = Path(path)
    folder = path.parent
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{_text(report.title)}</title>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<style>{_CSS}</style>",
    ]
    if report.map_layers is not None:
        parts.append(f"<style>{_asset('leaflet.css')}</style>")
    parts += [
        "</head><body><main>",
        f"<h1>{_text(report.title)}</h1>",
        f"<p class='question'>{_text(report.question)}</p>",
        f"<p class='policy'><b>Policy.</b> {_text(report.policy)}</p>",
        "<h2>Headline</h2>",
        render_table(report.headline, report.headline_kinds),
    ]
    if report.findings:
        parts.append("<ul>" + "".join(f"<li>{_text(f)}</li>" for f in report.findings) + "</ul>")
    if report.map_layers is not None:
        parts += _map(report.map_layers)
    parts += [_figure(caption, figure) for caption, figure in report.figures]
    for table in map(_as_table, report.tables):
        parts += [f"<h2>{_text(table.caption)}</h2>", render_table(table.frame, table.kinds)]
    for section in report.sections:
        parts += _section(section, folder)
    if report.files:
        parts += ["<h2>Files</h2>", _file_list(report.files, folder)]
    parts += [f"<p class='note'>{_text(note)}</p>" for note in report.notes]
    parts.append(
        "<p class='note'>Made with assignopt. Map drawn with Leaflet "
        "(BSD-2-Clause).</p></main></body></html>"
    )
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
