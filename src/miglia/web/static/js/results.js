// Live results: when /live/stream says the results changed (event "results"), fetch the tables again
// (/results?partial=1) and swap them in place: no reload, the reader's scroll position is kept.
(function () {
  const box = document.getElementById("results-live");
  if (!box || !window.EventSource) return;
  const status = document.getElementById("results-status");
  const clock = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  let timer = null;
  let busy = false;
  let again = false;
  let connectedBefore = false;
  box.dataset.version = "0";

  function reload() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    fetch(box.dataset.partial, { headers: { "HX-Request": "true" }, cache: "no-store" })
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then((html) => {
        box.innerHTML = html;
        box.dataset.version = String(Number(box.dataset.version) + 1);
        if (status) status.textContent = `Updated ${clock.format(new Date())}`;
      })
      .catch(() => {
        if (status) status.textContent = "Could not update; retrying";
      })
      .finally(() => {
        busy = false;
        if (again) {
          again = false;
          soon();
        }
      });
  }

  // A burst of passages (a control clocking in a queue of cars) gives one reload, not one per passage.
  function soon() {
    clearTimeout(timer);
    timer = setTimeout(reload, 400);
  }

  const source = new EventSource("/live/stream");
  source.addEventListener("results", soon);
  source.addEventListener("open", () => {
    box.dataset.live = "connected";
    if (status && !connectedBefore) status.textContent = "Live";
    if (connectedBefore) soon(); // back after a break: catch up on what was missed
    connectedBefore = true;
  });
  source.addEventListener("error", () => {
    if (status) status.textContent = "Reconnecting…";
  });
  window.migliaResults = { reload, source };
})();
