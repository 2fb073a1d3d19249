/* Dixian front-end glue: maps and charts drawn from JSON islands (no inline script; CSP). */
(function () {
  "use strict";

  function readJSON(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  var palette = ["#0b5394", "#f6b26b", "#6aa84f", "#cc0000", "#674ea7", "#45818e", "#e69138", "#3d85c6", "#a64d79", "#999999"];

  function initCharts(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.ready) return;
      var data = readJSON(el.dataset.source);
      if (!data) return;
      el.dataset.ready = "1";
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      var font = { fontFamily: "Noto Sans CJK SC, sans-serif" };
      var option;
      if (el.dataset.chart === "bar") {
        option = {
          color: palette, textStyle: font, grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
          tooltip: { trigger: "axis", renderMode: "richText" },
          xAxis: { type: "value", minInterval: 1 },
          yAxis: { type: "category", data: data.labels.slice().reverse() },
          series: [{ type: "bar", data: data.values.slice().reverse(), label: { show: true, position: "right" } }]
        };
      } else {
        option = {
          color: palette, textStyle: font, tooltip: { trigger: "item", renderMode: "richText" },
          legend: { bottom: 0, type: "scroll" },
          series: [{ type: "pie", radius: ["35%", "65%"], center: ["50%", "42%"], data: data, label: { formatter: "{b} {c}" } }]
        };
      }
      chart.setOption(option);
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function initMaps(root) {
    if (!window.L) return;
    root.querySelectorAll("[data-geojson]").forEach(function (el) {
      if (el.dataset.ready) return;
      el.dataset.ready = "1";
      var map = window.L.map(el, { attributionControl: false, zoomSnap: 0.25 });
      var points = readJSON(el.dataset.points) || [];
      fetch(el.dataset.geojson, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (geo) {
        var layer = window.L.geoJSON(geo, {
          style: function (f) {
            var own = f.properties.role === "county";
            return { color: own ? "#0b5394" : "#9aa7b5", weight: own ? 2.5 : 1, fillColor: own ? "#cfe2f3" : "#f1f3f5", fillOpacity: own ? 0.55 : 0.35 };
          },
          onEachFeature: function (f, l) {
            l.bindTooltip(f.properties.name, { permanent: f.properties.role === "county", direction: "center", className: "map-label" });
          }
        }).addTo(map);
        var county = geo.features.filter(function (f) { return f.properties.role === "county"; })[0];
        if (county && county.bbox) {
          map.fitBounds([[county.bbox[1], county.bbox[0]], [county.bbox[3], county.bbox[2]]]);
        } else {
          map.fitBounds(layer.getBounds());
        }
        points.forEach(function (p) {
          var icon = window.L.divIcon({ className: "", html: '<div class="dx-marker"></div>', iconSize: [14, 14] });
          var m = window.L.marker([p.lat, p.lng], { icon: icon, title: p.name }).addTo(map);
          var a = document.createElement("a");
          a.href = p.url; a.textContent = p.name;
          var div = document.createElement("div");
          div.appendChild(a);
          if (p.industry) { var s = document.createElement("div"); s.className = "small text-secondary"; s.textContent = p.industry; div.appendChild(s); }
          m.bindPopup(div);
        });
      });
    });
  }

  // Alpine (CSP build): components are registered here, never written inline.
  document.addEventListener("alpine:init", function () {
    window.Alpine.data("filterPanel", function () {
      return {
        open: false,
        init: function () { this.open = this.$el.dataset.active === "1"; },
        toggle: function () { this.open = !this.open; },
        get expanded() { return this.open ? "true" : "false"; },
        get formClass() { return this.open ? "is-open" : ""; }
      };
    });
  });

  function init(root) { initCharts(root || document); initMaps(root || document); }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSwap", function (e) { init(e.target); });
})();
