/* Monitoring pages: level chart, point history with zoom, alarm sound. No inline script (CSP). */
(function () {
  "use strict";
  var LEVEL_COLOURS = ["#206bc4", "#f59f00", "#f76707", "#d63939"];
  var font = { fontFamily: "Noto Sans CJK SC, sans-serif" };

  function readJSON(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function levelChart() {
    var el = document.querySelector("[data-mon-chart=levels]");
    if (!el || !window.echarts) return;
    var data = readJSON(el.dataset.source);
    if (!data) return;
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      textStyle: font, grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.labels }, yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: data.values.map(function (v, i) { return { value: v, itemStyle: { color: LEVEL_COLOURS[i] } }; }), label: { show: true, position: "top" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function history() {
    var el = document.getElementById("history");
    if (!el || !window.echarts) return;
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    window.addEventListener("resize", function () { chart.resize(); });
    function load(hours) {
      fetch(el.dataset.series + "?hours=" + hours, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (s) {
        var marks = [];
        var colours = { blue: LEVEL_COLOURS[0], yellow: LEVEL_COLOURS[1], orange: LEVEL_COLOURS[2], red: LEVEL_COLOURS[3] };
        Object.keys(s.limits || {}).forEach(function (k) { marks.push({ yAxis: s.limits[k], lineStyle: { color: colours[k], type: "dashed" }, label: { formatter: String(s.limits[k]) } }); });
        var series = [{ name: el.dataset.name, type: "line", showSymbol: false, data: s.data.map(function (d) { return [d[0], d[1]]; }), lineStyle: { width: 1.5, color: "#0b5394" }, markLine: { symbol: "none", data: marks } }];
        if (s.period !== "raw") {
          series.push({ name: "min", type: "line", showSymbol: false, data: s.data.map(function (d) { return [d[0], d[2]]; }), lineStyle: { width: 0.6, color: "#9aa0ac" } });
          series.push({ name: "max", type: "line", showSymbol: false, data: s.data.map(function (d) { return [d[0], d[3]]; }), lineStyle: { width: 0.6, color: "#9aa0ac" } });
        }
        chart.setOption({
          textStyle: font, animation: false,
          grid: { left: 8, right: 24, top: 24, bottom: 56, containLabel: true },
          tooltip: { trigger: "axis" },
          xAxis: { type: "time" }, yAxis: { type: "value", name: el.dataset.unit, scale: true },
          dataZoom: [{ type: "inside" }, { type: "slider", height: 20, bottom: 8 }],
          series: series
        }, true);
      });
    }
    document.querySelectorAll("[data-hours]").forEach(function (b) {
      b.addEventListener("click", function () {
        document.querySelectorAll("[data-hours]").forEach(function (x) { x.classList.remove("active"); });
        b.classList.add("active");
        load(b.dataset.hours);
      });
    });
    load(24);
  }

  // County map: each enterprise a circle coloured by its worst open alarm (green: none).
  function overviewMap() {
    var el = document.querySelector("[data-mon-geojson]");
    if (!el || !window.L) return;
    var points = readJSON(el.dataset.points) || [];
    var map = window.L.map(el, { attributionControl: false, zoomSnap: 0.25 });
    fetch(el.dataset.monGeojson, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (geo) {
      var layer = window.L.geoJSON(geo, {
        style: function (f) {
          var own = f.properties.role === "county";
          return { color: own ? "#0b5394" : "#9aa7b5", weight: own ? 2 : 1, fillColor: own ? "#eef3f8" : "#f1f3f5", fillOpacity: own ? 0.5 : 0.3 };
        }
      }).addTo(map);
      var county = geo.features.filter(function (f) { return f.properties.role === "county"; })[0];
      if (county && county.bbox) {
        map.fitBounds([[county.bbox[1], county.bbox[0]], [county.bbox[3], county.bbox[2]]]);
      } else {
        map.fitBounds(layer.getBounds());
      }
      // worst last, so a red enterprise is drawn on top of its neighbours
      points.slice().sort(function (a, b) { return a.level - b.level; }).forEach(function (p) {
        var colour = p.level ? LEVEL_COLOURS[p.level - 1] : "#2fb344";
        var m = window.L.circleMarker([p.lat, p.lng], {
          radius: p.level ? 9 : 6, color: "#ffffff", weight: 1.5, fillColor: colour, fillOpacity: 0.95,
          className: "mon-marker mon-level-" + p.level
        }).addTo(map);
        var div = document.createElement("div");
        var a = document.createElement("a");
        a.href = p.url; a.textContent = p.name;
        div.appendChild(a);
        var s = document.createElement("div");
        s.className = "small text-secondary";
        s.textContent = p.label + (p.open ? " · " + p.open : "");
        div.appendChild(s);
        m.bindPopup(div);
        m.bindTooltip(p.name);
      });
    });
  }

  // Alarm sound: a short beep when an orange or red alarm appears that was not there before.
  var seen = null;
  var audio = null;
  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var o = audio.createOscillator(), g = audio.createGain();
      o.frequency.value = 880; o.connect(g); g.connect(audio.destination);
      g.gain.setValueAtTime(0.2, audio.currentTime);
      o.start(); o.stop(audio.currentTime + 0.4);
    } catch (e) { /* no audio */ }
  }
  function checkAlarms(root) {
    var rows = root.querySelectorAll("[data-alarm-id]");
    var now = {};
    var fresh = false;
    rows.forEach(function (r) {
      now[r.dataset.alarmId] = true;
      if (seen && !seen[r.dataset.alarmId] && Number(r.dataset.alarmLevel) >= 3) fresh = true;
    });
    seen = now;
    var toggle = document.getElementById("alarm-sound");
    if (fresh && toggle && toggle.checked) beep();
  }
  var toggle = document.getElementById("alarm-sound");
  if (toggle) {
    toggle.checked = window.localStorage.getItem("dixian-alarm-sound") === "1";
    toggle.addEventListener("change", function () { window.localStorage.setItem("dixian-alarm-sound", toggle.checked ? "1" : "0"); if (toggle.checked) beep(); });
  }
  document.addEventListener("htmx:afterSwap", function (e) { checkAlarms(e.target); });
  document.addEventListener("DOMContentLoaded", function () { levelChart(); history(); overviewMap(); checkAlarms(document); });
})();
