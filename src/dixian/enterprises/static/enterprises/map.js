/* Enterprise map: county boundary, enterprises as circles coloured by industry or grade.
   Data comes from a JSON island (CSP: no inline script). */
(function () {
  "use strict";

  function readJSON(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function colourDots(root) {
    root.querySelectorAll("[data-colour]").forEach(function (el) {
      el.style.backgroundColor = el.dataset.colour;
    });
  }

  function initMap(el) {
    if (!window.L || el.dataset.ready) return;
    el.dataset.ready = "1";
    var map = window.L.map(el, { attributionControl: false, zoomSnap: 0.25 });
    var points = readJSON(el.dataset.points) || [];
    fetch(el.dataset.enterpriseMap, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (geo) {
      var layer = window.L.geoJSON(geo, {
        style: function (f) {
          var own = f.properties.role === "county";
          return { color: own ? "#0b5394" : "#9aa7b5", weight: own ? 2.5 : 1, fillColor: own ? "#e7f0f9" : "#f1f3f5", fillOpacity: own ? 0.5 : 0.3 };
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
        var m = window.L.circleMarker([p.lat, p.lng], {
          radius: 8, color: "#ffffff", weight: 2, fillColor: p.colour, fillOpacity: 0.95, className: "ent-marker"
        }).addTo(map);
        var div = document.createElement("div");
        var a = document.createElement("a");
        a.href = p.url; a.textContent = p.name;
        div.appendChild(a);
        var s = document.createElement("div");
        s.className = "small text-secondary";
        s.textContent = p.industry + (p.grade ? " · " + p.grade : "");
        div.appendChild(s);
        m.bindPopup(div);
        m.bindTooltip(p.name);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    colourDots(document);
    document.querySelectorAll("[data-enterprise-map]").forEach(initMap);
  });
})();
