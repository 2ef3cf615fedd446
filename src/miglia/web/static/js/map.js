// The route map: works with no tile server (the routes on a plain background); tiles when configured.
(function () {
  const element = document.getElementById("map");
  if (!element) return;
  const map = L.map(element, { preferCanvas: true });
  const tiles = element.dataset.tiles;
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 18, attribution: "Map tiles: configured server" }).addTo(map);
  }
  const dayColours = ["#a4161a", "#1f5fa8", "#1b6e3a", "#7a3e9d", "#9a5b00", "#0b7a75"];
  const colour = (day) => dayColours[(day - 1) % dayColours.length];
  window.migliaMap = map;
  fetch(element.dataset.routes)
    .then((r) => r.json())
    .then((data) => {
      const layer = L.geoJSON(data, {
        style: (f) => ({ color: colour(f.properties.day), weight: 4, opacity: 0.85 }),
        pointToLayer: (f, latlng) =>
          L.circleMarker(latlng, {
            radius: f.properties.role === "stop" ? 7 : 5,
            color: "#1d1d1b",
            weight: 2,
            fillColor: f.properties.role === "stop" ? "#ffffff" : colour(f.properties.day),
            fillOpacity: 1,
          }),
        onEachFeature: (f, l) => {
          if (f.properties.label) l.bindTooltip(f.properties.label);
        },
      }).addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [20, 20] });
      element.dataset.loaded = "true";
      document.dispatchEvent(new CustomEvent("miglia:map-ready", { detail: map }));
    });
})();
