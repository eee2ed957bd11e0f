"""The report map's script: draws the page's map data with Leaflet, as text only.

The data arrive as JSON in ``<script type="application/json" id="assignopt-map-data">`` and are
read with ``JSON.parse``; every name and number from the data is put on the page with
``textContent`` (tooltips and legend are DOM nodes, never HTML strings). The one place where
Leaflet writes HTML itself, the layer control's names, gets names escaped first.
"""

MAP_SCRIPT = """
(function () {
  'use strict';
  var source = document.getElementById('assignopt-map-data');
  var data = JSON.parse(source.textContent);
  var map = L.map('map', {preferCanvas: true});
  var stops = [[247, 244, 249], [201, 148, 199], [122, 1, 119]];
  var ramp = function (t) {
    t = Math.max(0, Math.min(1, t));
    var k = t < 0.5 ? 0 : 1, u = t < 0.5 ? t / 0.5 : (t - 0.5) / 0.5, c = [];
    for (var i = 0; i < 3; i++) {
      c.push(Math.round(stops[k][i] + u * (stops[k + 1][i] - stops[k][i])));
    }
    return 'rgb(' + c.join(',') + ')';
  };
  var top = data.value_max > 0 ? data.value_max : 1;
  var color = function (v) { return (v === null || v === undefined) ? '#cccccc' : ramp(v / top); };
  // Leaflet writes layer-control names as HTML: hand it names with markup escaped.
  var escapeText = function (s) {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  };
  var tooltip = function (props) {
    return function () {
      var box = document.createElement('div');
      var title = document.createElement('b');
      title.textContent = props.id;
      box.appendChild(title);
      (props.lines || []).forEach(function (line) {
        var row = document.createElement('div');
        row.textContent = line;
        box.appendChild(row);
      });
      return box;
    };
  };
  var hoods = L.geoJSON(data.neighborhoods, {
    style: function (f) { return {color: '#888', weight: 0.4, fillOpacity: 0.8,
                                  fillColor: color(f.properties.value)}; },
    onEachFeature: function (f, layer) { layer.bindTooltip(tooltip(f.properties)); }
  }).addTo(map);
  var policies = {}, first = null;
  data.policies.forEach(function (policy) {
    var group = L.layerGroup();
    L.geoJSON(policy.flows, {
      style: function (f) { return {color: '#e07b00', weight: f.properties.weight, opacity: 0.55}; }
    }).addTo(group);
    L.geoJSON(policy.schools, {
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, {radius: f.properties.radius, color: '#222', weight: 1,
                                       fillColor: '#3b6fb6', fillOpacity: 0.85});
      },
      onEachFeature: function (f, layer) { layer.bindTooltip(tooltip(f.properties)); }
    }).addTo(group);
    policies[escapeText(policy.name)] = group;
    if (first === null) { first = group; group.addTo(map); }
  });
  var overlays = {};
  overlays[escapeText(data.neighborhoods_label)] = hoods;
  L.control.layers(policies, overlays, {collapsed: false}).addTo(map);
  map.fitBounds(hoods.getBounds());
  var legend = L.control({position: 'bottomleft'});
  legend.onAdd = function () {
    var div = L.DomUtil.create('div', 'legend');
    var title = document.createElement('b');
    title.textContent = data.value_label;
    div.appendChild(title);
    var bar = document.createElement('div');
    bar.className = 'legend-ramp';
    var colors = [];
    for (var i = 0; i <= 10; i++) { colors.push(ramp(i / 10)); }
    bar.style.background = 'linear-gradient(to right, ' + colors.join(', ') + ')';
    div.appendChild(bar);
    var ticks = document.createElement('div');
    ticks.className = 'legend-ticks';
    data.value_ticks.forEach(function (tick) {
      var span = document.createElement('span');
      span.textContent = tick;
      ticks.appendChild(span);
    });
    div.appendChild(ticks);
    return div;
  };
  legend.addTo(map);
  window.assignoptMap = {map: map, neighborhoods: hoods, policies: policies};
  window.assignoptMapReady = true;
})();
"""
