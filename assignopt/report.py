"""Self-contained HTML reports: the question, the policy, the headline interval, a map, figures.

Everything a page needs is inside it: figures as base64 PNG, tables as HTML, and the map as
GeoJSON drawn by Leaflet 1.9.4 (BSD-2-Clause, shipped in ``assignopt/assets/leaflet``) inlined
in the page, so it opens from disk or an e-mail with no network and requests nothing (no
background tiles).
"""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["MapLayers", "Report", "write_report"]


@dataclass
class MapLayers:
    """GeoJSON layers (EPSG:4326) for the report's map.

    Attributes
    ----------
    neighborhoods : dict
        FeatureCollection of polygons with a numeric property ``shade`` (0..1) and ``label``.
    schools : dict
        FeatureCollection of points with ``radius`` (pixels) and ``label``.
    flows : dict
        Named FeatureCollections of lines with ``weight`` (pixels), one layer per policy.
    shade_label : str
        What ``shade`` means, for the legend.
    """

    neighborhoods: dict
    schools: dict
    flows: dict[str, dict] = field(default_factory=dict)
    shade_label: str = ""


@dataclass
class Report:
    """The content of a report page."""

    title: str
    question: str
    policy: str
    headline: pd.DataFrame
    findings: list[str] = field(default_factory=list)
    figures: list[tuple[str, Path]] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    map_layers: MapLayers | None = None
    notes: list[str] = field(default_factory=list)


_CSS = """
body { font-family: system-ui, -apple-system, Segoe UI, Roboto, sans-serif; margin: 0;
       color: #1d2330; background: #fafafa; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.6em; font-size: 1.2em; }
.question { font-size: 1.1em; color: #333; }
.policy { background: #eef3fb; border-left: 4px solid #3b6fb6; padding: 10px 14px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 0.92em; background: white; }
th, td { border: 1px solid #d5d9e0; padding: 4px 8px; text-align: right; }
th { background: #f0f2f5; } td:first-child, th:first-child { text-align: left; }
#map { height: 560px; border: 1px solid #ccc; margin: 8px 0; background: #e8edf2; }
figure { margin: 12px 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
.legend { background: white; padding: 6px 8px; font-size: 12px; line-height: 18px; }
.note { color: #555; font-size: 0.9em; }
"""

_MAP_JS = """
(function () {
  var data = __DATA__;
  var map = L.map('map', {preferCanvas: true});
  var color = function (v) {
    var t = Math.max(0, Math.min(1, v));
    var r = Math.round(247 - 140 * t), g = Math.round(244 - 200 * t), b = Math.round(249 - 90 * t);
    return 'rgb(' + r + ',' + g + ',' + b + ')';
  };
  var hoods = L.geoJSON(data.neighborhoods, {
    style: function (f) { return {color: '#888', weight: 0.4, fillOpacity: 0.8,
                                  fillColor: color(f.properties.shade)}; },
    onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.label); }
  }).addTo(map);
  var overlays = {'neighborhoods': hoods};
  var first = true;
  Object.keys(data.flows).forEach(function (name) {
    var layer = L.geoJSON(data.flows[name], {
      style: function (f) { return {color: '#e07b00', weight: f.properties.weight, opacity: 0.55}; }
    });
    if (first) { layer.addTo(map); first = false; }
    overlays['flows: ' + name] = layer;
  });
  var schools = L.geoJSON(data.schools, {
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, {radius: f.properties.radius, color: '#222', weight: 1,
                                     fillColor: '#3b6fb6', fillOpacity: 0.85});
    },
    onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.label); }
  }).addTo(map);
  overlays['schools'] = schools;
  L.control.layers(null, overlays, {collapsed: false}).addTo(map);
  map.fitBounds(hoods.getBounds());
  var legend = L.control({position: 'bottomleft'});
  legend.onAdd = function () {
    var div = L.DomUtil.create('div', 'legend');
    div.innerHTML = '<b>' + data.shade_label + '</b><br>' + [0, 0.25, 0.5, 0.75, 1].map(
      function (v) { return '<i style="background:' + color(v) +
        ';width:14px;height:12px;display:inline-block"></i> ' + v; }).join('<br>');
    return div;
  };
  legend.addTo(map);
  window.assignoptMapReady = true;
})();
"""


def _asset(name: str) -> str:
    return resources.files("assignopt").joinpath(f"assets/leaflet/{name}").read_text()


def _image(path: Path) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode()
    return f'<img alt="{html.escape(Path(path).stem)}" src="data:image/png;base64,{data}">'


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, float_format=lambda v: f"{v:.4f}", border=0, escape=True)


def write_report(report: Report, path: str | Path) -> Path:
    """Write ``report`` as one self-contained HTML file and return its path."""
    path = Path(path)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(report.title)}</title>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<style>{_CSS}</style>",
    ]
    if report.map_layers is not None:
        parts.append(f"<style>{_asset('leaflet.css')}</style>")
    parts += [
        "</head><body><main>",
        f"<h1>{html.escape(report.title)}</h1>",
        f"<p class='question'>{html.escape(report.question)}</p>",
        f"<p class='policy'><b>Policy.</b> {html.escape(report.policy)}</p>",
        "<h2>Headline</h2>",
        _table(report.headline),
    ]
    if report.findings:
        parts.append(
            "<ul>" + "".join(f"<li>{html.escape(f)}</li>" for f in report.findings) + "</ul>"
        )
    if report.map_layers is not None:
        layers = report.map_layers
        data = json.dumps(
            {
                "neighborhoods": layers.neighborhoods,
                "schools": layers.schools,
                "flows": layers.flows,
                "shade_label": layers.shade_label,
            }
        )
        parts += [
            "<h2>Map</h2>",
            "<p class='note'>Neighborhoods shaded by the share named in the legend; "
            "schools sized by enrolment; lines are the assignment's flows (one layer "
            "per policy, switch them in the layer control).</p>",
            "<div id='map'></div>",
            f"<script>{_asset('leaflet.js')}</script>",
            f"<script>{_MAP_JS.replace('__DATA__', data)}</script>",
        ]
    for caption, figure in report.figures:
        parts.append(
            f"<figure>{_image(figure)}<figcaption>{html.escape(caption)}</figcaption></figure>"
        )
    for caption, frame in report.tables:
        parts += [f"<h2>{html.escape(caption)}</h2>", _table(frame)]
    if report.files:
        parts.append(
            "<h2>Files</h2><ul>"
            + "".join(
                f"<li><a href='{html.escape(f.name)}'>{html.escape(f.name)}</a></li>"
                for f in report.files
            )
            + "</ul>"
        )
    for note in report.notes:
        parts.append(f"<p class='note'>{html.escape(note)}</p>")
    parts.append(
        "<p class='note'>Made with assignopt. Map drawn with Leaflet "
        "(BSD-2-Clause).</p></main></body></html>"
    )
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
