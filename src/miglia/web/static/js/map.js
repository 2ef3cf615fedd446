// The route map. Its tiles: the online tile server when one is configured (data-tiles: `miglia serve
// --tiles` or the event's tile_url); else Miglia's own /tiles (the event's tile archive over the world base
// map that ships with Miglia, docs/maps.md), which need no internet; the routes on a plain background if
// neither answers. The attribution the tiles' licence asks for is shown on the map.
// data-routes: the event's routes, controls and stops (GeoJSON); data-track (a car's page): its GPS track.
// When drawn, dispatches "miglia:map-ready" on document with the Leaflet map (live.js adds the cars).
(function () {
  const element = document.getElementById("map");
  if (!element || !window.L) return;
  // maxZoom on the map itself: it may zoom in past what its tiles hold (a small loop, the shipped base map)
  const map = L.map(element, { preferCanvas: true, zoomSnap: 0.25, maxZoom: 18 });
  const tiles = element.dataset.tiles;
  element.classList.add("no-tiles");
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 18, attribution: "Map tiles: configured server" }).addTo(map);
    element.classList.remove("no-tiles");
  } else {
    // /tiles/tiles.json (TileJSON) gives the zooms the archives hold and their attribution (safe HTML).
    // Past the deepest zoom Leaflet enlarges that zoom's tiles, up to 8 times (3 zooms): further in they
    // are a blur, and the routes show on the plain background instead.
    fetch("/tiles/tiles.json")
      .then((r) => (r.ok ? r.json() : null))
      .then((info) => {
        if (!info || !info.available) return;
        L.tileLayer(info.tiles[0], {
          minZoom: 0,
          maxZoom: Math.min(18, info.maxzoom + 3),
          maxNativeZoom: info.maxzoom,
          attribution: info.attribution,
        }).addTo(map);
        element.dataset.tilesSource = "miglia"; // the plain background stays where no tile is drawn
      })
      .catch(() => {});
  }
  const dayColours = ["#a4161a", "#1f5fa8", "#1b6e3a", "#7a3e9d", "#9a5b00", "#0b7a75"];
  const colour = (day) => dayColours[(day - 1) % dayColours.length];
  const hasTrack = Boolean(element.dataset.track);
  window.migliaMap = map;

  const routes = fetch(element.dataset.routes)
    .then((r) => r.json())
    .then((data) => {
      map.migliaFeatures = data.features;
      return L.geoJSON(data, {
        style: (f) => ({ color: colour(f.properties.day), weight: hasTrack ? 3 : 4, opacity: hasTrack ? 0.45 : 0.85 }),
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
    });

  const track = hasTrack
    ? fetch(element.dataset.track)
        .then((r) => r.json())
        .then((data) => {
          element.dataset.trackDays = String(data.features.length);
          if (!data.features.length) return null;
          return L.geoJSON(data, {
            style: () => ({ color: "#1d1d1b", weight: 2.5, opacity: 0.95, dashArray: "6 4" }),
            onEachFeature: (f, l) => l.bindTooltip(f.properties.label),
          }).addTo(map);
        })
    : Promise.resolve(null);

  Promise.all([routes, track])
    .then(([routeLayer, trackLayer]) => {
      const bounds = (trackLayer || routeLayer).getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20] });
      else map.setView([0, 0], 2);
      element.dataset.loaded = "true";
      document.dispatchEvent(new CustomEvent("miglia:map-ready", { detail: map }));
    })
    .catch((error) => {
      element.dataset.loaded = "error";
      const note = document.createElement("p");
      note.className = "notice bad";
      note.textContent = "The map could not be loaded: " + error;
      element.after(note);
    });
})();
