// The live map: every car as a numbered marker coloured by its status, from the /live/cars snapshot and
// then the /live/stream server-sent events (snapshot, position, alert). Needs map.js on the page.
(function () {
  const element = document.getElementById("map");
  if (!element || !element.dataset.live || !window.L) return;
  const STOPPED_S = 120; // shown as stopped after two minutes without moving
  const OFF_ROUTE_M = 500;
  const LABELS = { "on-route": "On route", stopped: "Stopped", "off-route": "Off route", alert: "Alert", finished: "Finished" };
  const timezone = element.dataset.timezone || "UTC";
  const clock = new Intl.DateTimeFormat("en-GB", { timeZone: timezone, hour: "2-digit", minute: "2-digit", second: "2-digit" });
  const cars = new Map(); // start number -> {state, marker, status}
  const alerts = new Map(); // alert id -> alert (open ones)
  const titles = new Map(); // start number -> "1929 Bentley 4½ Litre"
  let map = null;
  const pending = [];
  window.migliaCars = cars;

  fetch("/api/entries")
    .then((r) => r.json())
    .then((entries) => {
      for (const e of entries) titles.set(e.start_no, `${e.car.year} ${e.car.make} ${e.car.model}`);
      for (const car of cars.values()) refresh(car, true);
    })
    .catch(() => {});

  const finishes = new Map(); // finish control name -> L.LatLng
  const FINISHED_M = 400;

  function finished(state) {
    if (state.day == null || state.chainage_m == null) return false;
    if (state.next_control == null) return true; // past the last control of the day
    const at = finishes.get(state.next_control);
    return Boolean(at && map && map.distance(at, [state.lat, state.lon]) <= FINISHED_M);
  }

  // The public map shows as "alert" a crew that may need help; being late or speeding is for officials.
  const PUBLIC_ALERTS = new Set(["stopped", "no_signal", "off_route"]);

  // An open alert marks the car while what raised it still holds: a car that drove on after being
  // stopped is not shown in trouble (the alert itself stays open for the organiser to resolve).
  function inTrouble(state, alert) {
    if (alert.start_no !== state.start_no) return false;
    if (alert.kind === "stopped") return state.stopped_s >= STOPPED_S;
    if (alert.kind === "off_route") return state.offset_m != null && state.offset_m > OFF_ROUTE_M;
    return state.instant_us <= alert.raised_us; // no signal: until the car is heard again
  }

  function statusOf(state) {
    for (const a of alerts.values()) if (inTrouble(state, a)) return "alert";
    if (finished(state)) return "finished";
    if (state.offset_m != null && state.offset_m > OFF_ROUTE_M) return "off-route";
    if (state.stopped_s >= STOPPED_S) return "stopped";
    return "on-route";
  }

  function speedText(state) {
    if (state.speed_kmh == null) return "speed unknown";
    return `${Math.round(state.speed_kmh)} km/h`;
  }

  function describe(car) {
    const s = car.state;
    const title = titles.get(s.start_no) || "";
    const parts = [`#${s.start_no} ${title}`.trim(), `${LABELS[car.status]} · ${speedText(s)}`];
    if (car.status === "stopped" || (car.status === "alert" && s.stopped_s >= STOPPED_S)) {
      parts.push(`not moved for ${Math.floor(s.stopped_s / 60)} min`);
    }
    for (const a of alerts.values()) if (inTrouble(s, a)) parts.push(a.message);
    parts.push(`last position ${clock.format(new Date(s.instant_us / 1000))}`);
    return parts;
  }

  function icon(startNo, status) {
    return L.divIcon({
      className: `car-marker status-${status}`,
      html: `<span>${startNo}</span>`,
      iconSize: [30, 30],
      iconAnchor: [15, 15],
      tooltipAnchor: [14, 0],
    });
  }

  function tooltipHtml(car) {
    const [head, ...rest] = describe(car);
    const esc = (t) => t.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
    return `<strong>${esc(head)}</strong><br>${rest.map(esc).join("<br>")}`;
  }

  function refresh(car, force) {
    const status = statusOf(car.state);
    if (status !== car.status || force) {
      car.status = status;
      car.marker.setIcon(icon(car.state.start_no, status));
      const el = car.marker.getElement();
      if (el) el.setAttribute("data-status", status);
    }
    car.marker.setLatLng([car.state.lat, car.state.lon]);
    car.marker.setTooltipContent(tooltipHtml(car));
    const el = car.marker.getElement();
    if (el) el.setAttribute("aria-label", describe(car).join(", "));
  }

  function place(state) {
    if (state.start_no == null) return; // a device no car carries: the organiser's quarantine list
    if (!map) {
      pending.push(state);
      return;
    }
    let car = cars.get(state.start_no);
    if (car && state.instant_us < car.state.instant_us) return; // another, older device of the car
    if (!car) {
      const marker = L.marker([state.lat, state.lon], {
        icon: icon(state.start_no, "on-route"),
        keyboard: true,
        title: `Car ${state.start_no}`,
        riseOnHover: true,
      });
      marker.bindTooltip("", { direction: "right" });
      marker.bindPopup(() => `${tooltipHtml(car)}<br><a href="/cars/${state.start_no}">Car page</a>`);
      car = { state, marker, status: null };
      cars.set(state.start_no, car);
      marker.addTo(map);
    }
    car.state = state;
    refresh(car, car.status === null);
    scheduleSummary();
  }

  function noteAlert(alert) {
    if (!PUBLIC_ALERTS.has(alert.kind)) return;
    if (alert.resolved_us == null) alerts.set(alert.id, alert);
    else alerts.delete(alert.id);
    const car = cars.get(alert.start_no);
    if (car) refresh(car, false);
    scheduleSummary();
  }

  // The counts in the legend and the list of cars, at most twice a second.
  let summaryTimer = null;
  function scheduleSummary() {
    if (summaryTimer) return;
    summaryTimer = setTimeout(() => {
      summaryTimer = null;
      summary();
    }, 500);
  }

  function summary() {
    const counts = { "on-route": 0, stopped: 0, "off-route": 0, alert: 0, finished: 0 };
    for (const car of cars.values()) counts[car.status] = (counts[car.status] || 0) + 1;
    for (const [status, n] of Object.entries(counts)) {
      const target = document.querySelector(`[data-count="${status}"]`);
      if (target) target.textContent = String(n);
    }
    const total = document.getElementById("cars-total");
    if (total) total.textContent = String(cars.size);
    const list = document.getElementById("car-table-body");
    const details = document.getElementById("car-list-details");
    if (list && details && details.open) {
      const rows = [...cars.values()].sort((a, b) => a.state.start_no - b.state.start_no);
      list.replaceChildren(
        ...rows.map((car) => {
          const tr = document.createElement("tr");
          const s = car.state;
          const cells = [
            String(s.start_no),
            titles.get(s.start_no) || "",
            LABELS[car.status],
            speedText(s),
            clock.format(new Date(s.instant_us / 1000)),
          ];
          cells.forEach((text, i) => {
            const td = document.createElement("td");
            if (i === 1) {
              const a = document.createElement("a");
              a.href = `/cars/${s.start_no}`;
              a.textContent = text || `Car ${s.start_no}`;
              td.append(a);
            } else {
              td.textContent = text;
            }
            if (i === 2) td.className = `status-cell status-${car.status}`;
            tr.append(td);
          });
          return tr;
        })
      );
    }
    const alertList = document.getElementById("alert-list");
    if (alertList) {
      const open = [...alerts.values()]
        .filter((a) => cars.has(a.start_no) && inTrouble(cars.get(a.start_no).state, a))
        .sort((a, b) => b.raised_us - a.raised_us);
      alertList.replaceChildren(
        ...open.map((a) => {
          const li = document.createElement("li");
          const link = document.createElement("a");
          link.href = `/cars/${a.start_no}`;
          link.textContent = `${clock.format(new Date(a.raised_us / 1000))} ${a.message}`;
          li.append(link);
          return li;
        })
      );
      alertList.closest("section").hidden = open.length === 0;
    }
    element.dataset.cars = String(cars.size);
  }
  const details = document.getElementById("car-list-details");
  if (details) details.addEventListener("toggle", summary);

  function connect() {
    if (!window.EventSource) return;
    const source = new EventSource("/live/stream");
    const status = document.getElementById("live-status");
    source.addEventListener("open", () => {
      if (status) status.textContent = "Live";
      element.dataset.live = "connected";
    });
    source.addEventListener("error", () => {
      if (status) status.textContent = "Reconnecting…";
    });
    source.addEventListener("snapshot", (e) => JSON.parse(e.data).forEach(place));
    source.addEventListener("position", (e) => place(JSON.parse(e.data)));
    source.addEventListener("alert", (e) => noteAlert(JSON.parse(e.data)));
    window.migliaStream = source;
  }

  document.addEventListener("miglia:map-ready", (e) => {
    map = e.detail;
    for (const f of map.migliaFeatures || []) {
      if (f.properties.kind === "finish") {
        const [lon, lat] = f.geometry.coordinates;
        finishes.set(f.properties.name, L.latLng(lat, lon));
      }
    }
    pending.splice(0).forEach(place);
    summary();
  });
  Promise.all([fetch("/live/cars").then((r) => r.json()), fetch("/live/alerts?open=true").then((r) => r.json())])
    .then(([states, open]) => {
      open.filter((a) => PUBLIC_ALERTS.has(a.kind)).forEach((a) => alerts.set(a.id, a));
      states.forEach(place);
      scheduleSummary();
    })
    .catch(() => {})
    .finally(connect);
})();
