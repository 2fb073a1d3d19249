/* Workforce charts: the fee ledger (accrued and spent as bars, balance as a line).
   Data comes from a JSON island (no inline script: CSP). */
(function () {
  "use strict";
  function draw() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-wf-chart=ledger]").forEach(function (el) {
      var island = document.getElementById(el.dataset.source);
      if (!island) return;
      var data = JSON.parse(island.textContent);
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      var colors = ["#206bc4", "#f59f00", "#2fb344"];
      chart.setOption({
        animation: false,
        color: colors,
        textStyle: { fontFamily: "Noto Sans CJK SC, sans-serif" },
        tooltip: { trigger: "axis", renderMode: "richText" },
        legend: { bottom: 0 },
        grid: { left: 8, right: 16, top: 16, bottom: 32, containLabel: true },
        xAxis: { type: "category", data: data.labels },
        yAxis: { type: "value" },
        series: data.series.map(function (s, i) {
          return i < 2
            ? { name: s.name, type: "bar", data: s.values }
            : { name: s.name, type: "line", data: s.values, smooth: true };
        })
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
