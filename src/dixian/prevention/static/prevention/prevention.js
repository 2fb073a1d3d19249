/* Double prevention: trend line charts, the four-colour site plan (Leaflet CRS.Simple over the
   plan image, click to place a point) and the county map by highest colour. No inline script. */
(function () {
  "use strict";

  function readJSON(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  var COLOURS = { red: "#d63939", orange: "#f76707", yellow: "#f59f00", blue: "#206bc4" };

  function lines(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-dx-line]").forEach(function (el) {
      var data = readJSON(el.dataset.dxLine);
      if (!data || el.dataset.ready) return;
      el.dataset.ready = "1";
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption({
        color: ["#d63939", "#2fb344", "#206bc4"],
        textStyle: { fontFamily: "Noto Sans CJK SC, sans-serif" },
        tooltip: { trigger: "axis", renderMode: "richText" },
        legend: { bottom: 0 },
        grid: { left: 8, right: 16, top: 16, bottom: 32, containLabel: true },
        xAxis: { type: "category", data: data.labels },
        yAxis: { type: "value", minInterval: 1 },
        series: data.series.map(function (s, i) {
          return { name: s.name, type: i === 2 ? "line" : "bar", data: s.values, smooth: false };
        })
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function dot(colour) {
    return window.L.divIcon({ className: "", html: '<div class="dx-risk-dot dx-risk-' + colour + '"></div>', iconSize: [18, 18], iconAnchor: [9, 9] });
  }

  function sitePlan(root) {
    if (!window.L) return;
    root.querySelectorAll("[data-siteplan]").forEach(function (el) {
      var cfg = readJSON(el.dataset.siteplan);
      if (!cfg || el.dataset.ready) return;
      el.dataset.ready = "1";
      var map = window.L.map(el, { crs: window.L.CRS.Simple, minZoom: -4, maxZoom: 3, attributionControl: false, zoomSnap: 0.25 });
      // Image pixels: x to the right, y down; Leaflet's CRS.Simple has y up, so lat = -y.
      var bounds = [[-cfg.height, 0], [0, cfg.width]];
      window.L.imageOverlay(cfg.image, bounds).addTo(map);
      map.fitBounds(bounds);
      cfg.points.forEach(function (p) {
        var m = window.L.marker([-p.y, p.x], { icon: dot(p.colour), title: p.name }).addTo(map);
        var a = document.createElement("a");
        a.href = p.url; a.textContent = p.name + " · " + p.level;
        m.bindPopup(a);
      });
      var form = document.getElementById("place-form");
      if (cfg.place_url && form) {
        map.on("click", function (e) {
          var x = Math.round(e.latlng.lng), y = Math.round(-e.latlng.lat);
          if (x < 0 || y < 0 || x > cfg.width || y > cfg.height) return;
          form.querySelector("[name=x]").value = x;
          form.querySelector("[name=y]").value = y;
          var shown = document.getElementById("place-xy");
          if (shown) shown.textContent = x + ", " + y;
          form.querySelector("button[type=submit]").disabled = false;
        });
      }
    });
  }

  function countyMap(root) {
    if (!window.L) return;
    root.querySelectorAll("[data-riskmap]").forEach(function (el) {
      if (el.dataset.ready) return;
      el.dataset.ready = "1";
      var points = readJSON(el.dataset.riskmap) || [];
      var map = window.L.map(el, { attributionControl: false, zoomSnap: 0.25 });
      fetch(el.dataset.geojson, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (geo) {
        var layer = window.L.geoJSON(geo, {
          style: function (f) {
            var own = f.properties.role === "county";
            return { color: own ? "#0b5394" : "#9aa7b5", weight: own ? 2.5 : 1, fillColor: own ? "#eef3f8" : "#f1f3f5", fillOpacity: 0.4 };
          }
        }).addTo(map);
        var county = geo.features.filter(function (f) { return f.properties.role === "county"; })[0];
        if (county && county.bbox) map.fitBounds([[county.bbox[1], county.bbox[0]], [county.bbox[3], county.bbox[2]]]);
        else map.fitBounds(layer.getBounds());
        points.forEach(function (p) {
          var m = window.L.circleMarker([p.lat, p.lng], { radius: 8, color: "#fff", weight: 2, fillColor: p.colour, fillOpacity: 0.95 }).addTo(map);
          var div = document.createElement("div");
          var a = document.createElement("a"); a.href = p.url; a.textContent = p.name; div.appendChild(a);
          var s = document.createElement("div"); s.className = "small"; s.textContent = p.level; div.appendChild(s);
          m.bindPopup(div);
        });
      });
    });
  }

  function init(root) { lines(root); sitePlan(root); countyMap(root); }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
})();
