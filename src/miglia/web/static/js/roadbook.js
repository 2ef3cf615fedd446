// The roadbook editor's map: the day's route and a numbered marker per roadbook line. Selecting a marker
// brings its line into view; selecting a line's number shows it on the map. The data comes with the lines
// (#roadbook-data), so the map follows each edit the lines are redrawn for.
(function () {
  const element = document.getElementById("map");
  if (!element || !window.L) return;
  const map = L.map(element, { zoomSnap: 0.25 }); // SVG: a few hundred markers, each one selectable
  if (element.dataset.tiles) {
    L.tileLayer(element.dataset.tiles, { maxZoom: 18, attribution: "Map tiles: configured server" }).addTo(map);
  } else {
    element.classList.add("no-tiles");
  }
  let layer = null;
  const markers = new Map();

  function draw(fit) {
    const source = document.getElementById("roadbook-data");
    if (!source) return;
    const data = JSON.parse(source.textContent);
    if (layer) layer.remove();
    markers.clear();
    layer = L.layerGroup().addTo(map);
    const route = L.polyline(data.route, { color: "#a4161a", weight: 4, opacity: 0.85 }).addTo(layer);
    for (const p of data.points) {
      const marker = L.circleMarker([p.lat, p.lon], {
        radius: 6, color: "#1d1d1b", weight: 2, fillColor: "#ffffff", fillOpacity: 1,
      }).addTo(layer);
      marker.bindTooltip(`${p.n} · km ${p.km} · ${p.words}`);
      marker.on("click", () => show(p.n));
      markers.set(p.n, marker);
    }
    if (fit) map.fitBounds(route.getBounds(), { padding: [12, 12] });
  }

  function show(n) {
    const line = document.getElementById(`line-${n}`);
    if (!line) return;
    document.querySelectorAll(".roadbook-line.selected").forEach((l) => l.classList.remove("selected"));
    line.classList.add("selected");
    line.scrollIntoView({ behavior: "smooth", block: "center" });
  }

  document.addEventListener("click", (event) => {
    const number = event.target.closest(".roadbook-line .n");
    if (!number) return;
    const n = Number(number.closest(".roadbook-line").dataset.n);
    const marker = markers.get(n);
    if (marker) {
      map.setView(marker.getLatLng(), Math.max(map.getZoom(), 15));
      marker.openTooltip();
    }
  });
  document.body.addEventListener("htmx:afterSwap", () => draw(false));
  draw(true);
})();
