/* Resources map: teams, warehouses and experts; a click asks for the nearest ones (no inline JS). */
(function () {
  "use strict";
  var colours = { team: "#cc0000", warehouse: "#0b5394", expert: "#6aa84f" };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function init() {
    var box = document.getElementById("resource-map");
    if (!box || !window.L) return;
    var map = window.L.map(box, { attributionControl: false, zoomSnap: 0.25 });
    var points = JSON.parse(document.getElementById(box.dataset.points).textContent || "[]");
    var out = document.getElementById("nearest-result");
    fetch(box.dataset.geo, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (geo) {
      var layer = window.L.geoJSON(geo, {
        style: function (f) {
          var own = f.properties.role === "county";
          return { color: own ? "#0b5394" : "#9aa7b5", weight: own ? 2.5 : 1, fillColor: own ? "#cfe2f3" : "#f1f3f5", fillOpacity: own ? 0.45 : 0.3 };
        }
      }).addTo(map);
      var county = geo.features.filter(function (f) { return f.properties.role === "county"; })[0];
      if (county && county.bbox) {
        map.fitBounds([[county.bbox[1], county.bbox[0]], [county.bbox[3], county.bbox[2]]]);
      } else {
        map.fitBounds(layer.getBounds());
      }
      points.forEach(function (p) {
        var m = window.L.circleMarker([p.lat, p.lng], { radius: 7, color: "#fff", weight: 2, fillColor: colours[p.kind] || "#333", fillOpacity: 0.95 }).addTo(map);
        var a = el("a", "", p.name); a.href = p.url;
        var div = el("div"); div.appendChild(a); div.appendChild(el("div", "small text-secondary", p.industry));
        m.bindPopup(div);
      });
    });
    var pin = null;
    map.on("click", function (e) {
      if (pin) map.removeLayer(pin);
      pin = window.L.circleMarker(e.latlng, { radius: 10, color: "#f59f00", weight: 3, fillOpacity: 0.2 }).addTo(map);
      var url = box.dataset.nearest + "?lat=" + e.latlng.lat.toFixed(6) + "&lng=" + e.latlng.lng.toFixed(6);
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
        out.textContent = "";
        ["teams", "warehouses", "experts"].forEach(function (key) {
          out.appendChild(el("h4", "mt-2 mb-1", out.dataset["label" + key.charAt(0).toUpperCase() + key.slice(1)]));
          var ul = el("ul", "list-unstyled mb-2");
          (data[key] || []).forEach(function (row) {
            var li = el("li");
            var a = el("a", "", row.name); a.href = row.url;
            li.appendChild(a);
            li.appendChild(el("span", "text-secondary small ms-1", row.km + " " + out.dataset.labelKm + (row.phone ? " · " + row.phone : "")));
            ul.appendChild(li);
          });
          out.appendChild(ul);
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", init);
})();
