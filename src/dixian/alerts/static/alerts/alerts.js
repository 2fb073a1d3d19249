/* Alerts: draw a warning area on the map, show an area, no inline script (CSP). */
(function () {
  "use strict";
  function boundary(map, url, fit) {
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (geo) {
      var layer = window.L.geoJSON(geo, { style: function (f) {
        var own = f.properties.role === "county";
        return { color: own ? "#0b5394" : "#9aa7b5", weight: own ? 2 : 1, fillOpacity: own ? 0.15 : 0.05 };
      } }).addTo(map);
      if (fit) map.fitBounds(layer.getBounds());
    });
  }
  function drawMap(el) {
    var input = document.querySelector("[data-polygon-input]");
    var map = window.L.map(el, { attributionControl: false });
    map.setView([34.88, 111.24], 10);
    boundary(map, el.dataset.boundary, true);
    var pts = [];
    try { pts = JSON.parse(input.value || "[]") || []; } catch (e) { pts = []; }
    var shape = null;
    function redraw() {
      if (shape) { map.removeLayer(shape); shape = null; }
      if (pts.length) { shape = window.L.polygon(pts, { color: "#cc0000" }).addTo(map); }
      input.value = pts.length >= 3 ? JSON.stringify(pts.concat([pts[0]])) : "";
    }
    if (pts.length && pts[0][0] === pts[pts.length - 1][0] && pts[0][1] === pts[pts.length - 1][1]) { pts.pop(); }
    redraw();
    map.on("click", function (e) { pts.push([+e.latlng.lat.toFixed(5), +e.latlng.lng.toFixed(5)]); redraw(); });
    var clear = document.querySelector("[data-draw-clear]");
    if (clear) clear.addEventListener("click", function () { pts = []; redraw(); });
  }
  function areaMap(el) {
    var data = JSON.parse(document.getElementById(el.dataset.area).textContent);
    var map = window.L.map(el, { attributionControl: false });
    map.setView([34.88, 111.24], 10);
    boundary(map, el.dataset.boundary, !data.polygon.length && !data.points.length);
    if (data.polygon.length) {
      var poly = window.L.polygon(data.polygon, { color: "#cc0000" }).addTo(map);
      map.fitBounds(poly.getBounds());
    }
    data.points.forEach(function (p) {
      window.L.circleMarker([p.lat, p.lng], { radius: 8, color: "#cc0000" }).addTo(map).bindTooltip(p.name);
    });
    if (!data.polygon.length && data.points.length) { map.setView([data.points[0].lat, data.points[0].lng], 11); }
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.L) return;
    document.querySelectorAll("[data-draw-map]").forEach(drawMap);
    document.querySelectorAll("[data-area-map]").forEach(areaMap);
  });
})();
