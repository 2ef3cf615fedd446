// The marshal's phone page. Every record is kept on the phone first (localStorage), then sent when there
// is signal. Each record has a UUID made here; the server stores a UUID once, so sending again is harmless.
(function () {
  "use strict";
  const root = document.getElementById("marshal");
  if (!root) return;

  const STORE = "miglia.marshal.v1";
  const BATCH = 100;
  const mode = root.dataset.mode;
  const control = root.dataset.control || "";
  const apiUrl = root.dataset.api;
  const sessionUrl = root.dataset.session;
  const cars = new Set((root.dataset.cars || "").split(",").filter(Boolean).map(Number));
  const $ = (id) => document.getElementById(id);
  let csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  let syncing = false;
  let lastProblem = "";

  // ------------------------------------------------------------------------------------------- storage
  function load() {
    try {
      const data = JSON.parse(localStorage.getItem(STORE) || "{}");
      return { records: data.records || [], unnumbered: data.unnumbered || [] };
    } catch (err) {
      return { records: [], unnumbered: [] };
    }
  }
  function save(state) {
    localStorage.setItem(STORE, JSON.stringify(state));
  }
  function update(change) {
    // Read, change, write at once: another tab of the page may have written in between.
    const state = load();
    change(state);
    save(state);
    return state;
  }

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // crypto.randomUUID needs https; getRandomValues works on a plain-http LAN server too.
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // ------------------------------------------------------------------------------------------- clock
  let format;
  try {
    format = new Intl.DateTimeFormat("en-GB", {
      timeZone: root.dataset.timezone || undefined, hour: "2-digit", minute: "2-digit", second: "2-digit",
      hourCycle: "h23",
    });
  } catch (err) {
    format = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  }
  function clock(ms) {
    return format.format(new Date(ms)) + "." + String(Math.floor((ms % 1000) / 10)).padStart(2, "0");
  }
  const lineName = (line) => (line === "finish" ? "finish line" : "");
  const where = (r) => r.control + (r.line ? " " + lineName(r.line) : "");

  // ------------------------------------------------------------------------------------------- taking times
  function currentLine() {
    const checked = root.querySelector('input[name="line"]:checked');
    return checked ? checked.value : "";
  }

  function take(ms, numberText) {
    const line = currentLine();
    const text = (numberText || "").trim();
    const number = /^\d{1,5}$/.test(text) ? Number(text) : null;
    let message;
    if (number !== null && (cars.size === 0 || cars.has(number))) {
      const record = {
        uuid: uuid4(), start_no: number, control: control, line: line, instant_us: ms * 1000, ms: ms,
        state: "waiting", error: "",
      };
      update((s) => s.records.push(record));
      message = `Car ${number} · ${clock(ms)} · waiting to send`;
    } else {
      const problem = text === "" ? "" : `No car ${text} in the entry list: check the number.`;
      update((s) => s.unnumbered.push({ id: uuid4(), control: control, line: line, ms: ms, problem: problem }));
      message = problem ? `${clock(ms)} kept. ${problem}` : `${clock(ms)} kept: add the car number below`;
    }
    $("taken").textContent = message;
    $("taken").dataset.ms = String(ms);
    if (navigator.vibrate) navigator.vibrate(40);
    render();
    sync();
  }

  function number(id, text) {
    const n = /^\d{1,5}$/.test(text.trim()) ? Number(text.trim()) : null;
    if (n === null || (cars.size && !cars.has(n))) return `No car ${text.trim() || "?"} in the entry list.`;
    update((s) => {
      const item = s.unnumbered.find((u) => u.id === id);
      if (!item) return;
      s.unnumbered = s.unnumbered.filter((u) => u.id !== id);
      s.records.push({
        uuid: uuid4(), start_no: n, control: item.control, line: item.line, instant_us: item.ms * 1000,
        ms: item.ms, state: "waiting", error: "",
      });
    });
    render();
    sync();
    return "";
  }

  function renumber(uuid) {
    // A record the server refused was not stored: take it back out of the queue and ask for the number.
    update((s) => {
      const r = s.records.find((x) => x.uuid === uuid && x.state === "error");
      if (!r) return;
      s.records = s.records.filter((x) => x !== r);
      s.unnumbered.push({ id: uuid4(), control: r.control, line: r.line, ms: r.ms, problem: r.error });
    });
    render();
  }

  // ------------------------------------------------------------------------------------------- sending
  function post(items) {
    const body = items.map((r) => ({
      uuid: r.uuid, start_no: r.start_no, control: r.control, line: r.line, instant_us: r.instant_us,
      taken_at: new Date(r.ms).toISOString(), sent_at: new Date().toISOString(),
    }));
    return fetch(apiUrl, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
  }

  async function refreshSession() {
    const t0 = Date.now();
    const res = await fetch(sessionUrl, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } });
    const t1 = Date.now();
    if (res.status === 401 || res.status === 403) {
      showLogin(true);
      return false;
    }
    if (!res.ok) return false;
    const data = await res.json();
    csrf = data.csrf;
    showLogin(false);
    const offsetMs = data.server_us / 1000 - (t0 + t1) / 2;
    const warning = $("clock-warning");
    if (warning) {
      warning.hidden = Math.abs(offsetMs) < 2000 || t1 - t0 > 4000;
      const way = offsetMs > 0 ? "behind" : "ahead of";
      warning.textContent = `This phone's clock is ${(Math.abs(offsetMs) / 1000).toFixed(1)} s ${way} the official ` +
        "clock. Times are taken by the phone: set it to automatic date and time.";
    }
    return true;
  }

  async function sync() {
    if (syncing) return;
    const waiting = load().records.filter((r) => r.state === "waiting").slice(0, BATCH);
    if (!waiting.length) {
      render();
      return;
    }
    syncing = true;
    render();
    let more = false;
    try {
      let res = await post(waiting);
      if (res.status === 403 && (await refreshSession())) res = await post(waiting);
      if (res.status === 401 || res.status === 403) {
        showLogin(true);
        lastProblem = "not signed in";
        return;
      }
      if (!res.ok) {
        lastProblem = `the server answered ${res.status}; trying again soon`;
        return;
      }
      const answer = await res.json();
      const outcomes = new Map(answer.results.map((o) => [o.uuid, o]));
      update((s) => {
        for (const r of s.records) {
          const o = outcomes.get(r.uuid);
          if (!o || r.state !== "waiting") continue;
          if (o.status === "stored" || o.status === "duplicate") {
            r.state = "synced";
            r.passage_id = o.passage_id;
            r.answer = o.status;
            r.synced_ms = Date.now();
            r.error = "";
          } else {
            r.state = "error";
            r.error = o.error || "refused";
          }
        }
      });
      lastProblem = "";
      showLogin(false);
      more = waiting.length === BATCH;
    } catch (err) {
      lastProblem = "no signal";
    } finally {
      syncing = false;
      render();
    }
    if (more) sync();
  }

  function resendAll() {
    // For a check: send every record again; the server recognises them ("duplicate").
    update((s) => s.records.forEach((r) => { if (r.state === "synced") r.state = "waiting"; }));
    return sync();
  }

  function showLogin(show) {
    const box = $("login-warning");
    if (box) box.hidden = !show;
  }

  // ------------------------------------------------------------------------------------------- drawing
  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function render() {
    const state = load();
    const waiting = state.records.filter((r) => r.state === "waiting").length;
    const synced = state.records.filter((r) => r.state === "synced").length;
    const refused = state.records.filter((r) => r.state === "error").length;
    const net = $("net");
    if (net) {
      const online = navigator.onLine && !lastProblem;
      net.className = "net " + (syncing ? "busy" : online ? "on" : "off");
      net.textContent = syncing ? "Sending…" : !navigator.onLine ? "Offline" : lastProblem ? "No connection" : "Online";
    }
    const summary = $("summary");
    if (summary) {
      const parts = [`${waiting} waiting to send`, `${synced} sent`];
      if (refused) parts.push(`${refused} refused`);
      if (state.unnumbered.length) parts.push(`${state.unnumbered.length} without a number`);
      summary.textContent = parts.join(" · ");
      summary.dataset.waiting = String(waiting);
      summary.dataset.synced = String(synced);
    }
    if (mode !== "control") return;

    const list = $("records");
    list.replaceChildren();
    const shown = state.records.slice().sort((a, b) => b.ms - a.ms).slice(0, 200);
    for (const r of shown) {
      const li = el("li", "record " + r.state);
      li.dataset.uuid = r.uuid;
      li.dataset.state = r.state;
      li.append(el("span", "car", `Car ${r.start_no}`), el("span", "time", clock(r.ms)), el("span", "where", where(r)));
      const status = r.state === "synced" ? (r.answer === "duplicate" ? "Sent ✓ (already there)" : "Sent ✓")
        : r.state === "waiting" ? "Waiting to send" : "Refused";
      li.append(el("span", "status", status));
      if (r.state === "error") {
        li.append(el("span", "problem", r.error));
        const fix = el("button", "button secondary small", "Change the number");
        fix.type = "button";
        fix.addEventListener("click", () => renumber(r.uuid));
        li.append(fix);
      }
      list.append(li);
    }
    if (!shown.length) list.append(el("li", "empty", "Nothing recorded on this phone yet."));

    const section = $("unnumbered-section");
    const pending = $("unnumbered");
    section.hidden = state.unnumbered.length === 0;
    pending.replaceChildren();
    for (const u of state.unnumbered.slice().sort((a, b) => b.ms - a.ms)) {
      const li = el("li", "record unnumbered");
      const form = el("form", "fix");
      const id = "n-" + u.id;
      const label = el("label", "", `Car number for ${clock(u.ms)}${u.line ? " (" + lineName(u.line) + ")" : ""} at ${u.control}`);
      label.htmlFor = id;
      const input = el("input");
      input.id = id;
      input.inputMode = "numeric";
      input.maxLength = 5;
      input.autocomplete = "off";
      const saveButton = el("button", "button small", "Save");
      saveButton.type = "submit";
      const drop = el("button", "button secondary small", "Discard");
      drop.type = "button";
      const problem = el("span", "problem", u.problem || "");
      problem.id = id + "-problem";
      input.setAttribute("aria-describedby", problem.id);
      form.append(label, input, saveButton, drop, problem);
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        const error = number(u.id, input.value);
        if (error) {
          problem.textContent = error;
          input.focus();
        }
      });
      drop.addEventListener("click", () => {
        if (window.confirm(`Discard the time ${clock(u.ms)}? It will not be sent.`)) {
          update((s) => { s.unnumbered = s.unnumbered.filter((x) => x.id !== u.id); });
          render();
        }
      });
      li.append(form);
      pending.append(li);
    }
  }

  // ------------------------------------------------------------------------------------------- wiring
  if (mode === "control") {
    const input = $("start-no");
    const passing = $("passing");
    let tapMs = null;
    // The time is taken when the finger touches the button (or the key goes down), not when it lifts.
    passing.addEventListener("pointerdown", () => { tapMs = Date.now(); });
    const keyTime = (e) => { if (e.key === "Enter" || e.key === " ") tapMs = Date.now(); };
    passing.addEventListener("keydown", keyTime);
    input.addEventListener("keydown", keyTime);
    $("take").addEventListener("submit", (e) => {
      e.preventDefault();
      const now = Date.now();
      const ms = tapMs !== null && now - tapMs < 3000 ? tapMs : now;
      tapMs = null;
      const text = input.value;
      input.value = "";
      take(ms, text);
    });
    root.querySelectorAll(".keypad button").forEach((button) => {
      button.addEventListener("click", () => {
        const key = button.dataset.key;
        if (key === "clear") input.value = "";
        else if (key === "back") input.value = input.value.slice(0, -1);
        else if (input.value.length < 5) input.value += key;
      });
    });
    $("send-now").addEventListener("click", () => { lastProblem = ""; sync(); });
    // The line a marshal stands at is remembered for the control (the page may be reopened).
    const lineKey = "miglia.marshal.line." + control;
    const saved = root.querySelector(`input[name="line"][value="${localStorage.getItem(lineKey) || ""}"]`);
    if (saved) saved.checked = true;
    root.querySelectorAll('input[name="line"]').forEach((radio) => {
      radio.addEventListener("change", () => localStorage.setItem(lineKey, radio.value));
    });
  }

  window.addEventListener("online", () => { lastProblem = ""; refreshSession().catch(() => {}); sync(); });
  window.addEventListener("offline", render);
  window.addEventListener("storage", (e) => { if (e.key === STORE) render(); });
  document.addEventListener("visibilitychange", () => { if (!document.hidden) sync(); });
  setInterval(sync, 15000);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/marshal/sw.js", { scope: "/marshal" }).catch(() => {});
    // Keep this very page for reopening with no signal (the first visit may come before the worker runs).
    navigator.serviceWorker.ready
      .then(() => window.caches && navigator.onLine && caches.open("miglia-marshal-v1"))
      .then((cache) => cache && cache.add(location.pathname))
      .catch(() => {});
  }

  window.migliaMarshal = { sync: sync, resendAll: resendAll, state: load, take: take };
  render();
  refreshSession().catch(() => { lastProblem = navigator.onLine ? "" : "no signal"; render(); }).finally(sync);
})();
