// The photographer's upload page: files sent one at a time (a progress bar over the whole upload, a line
// per file with what Miglia made of it), then the session matched once; and the spot for photos without
// GPS, a click on the route snapped to it by the server. Without JavaScript the plain form does both.
(function () {
  const form = document.getElementById("upload-form");
  if (form) {
    const files = document.getElementById("files");
    const folder = document.getElementById("folder");
    const box = document.getElementById("progress");
    const bar = document.getElementById("progress-bar");
    const text = document.getElementById("progress-text");
    const log = document.getElementById("progress-files");
    const isPhoto = (f) => /\.(jpe?g|heic|heif|png)$/i.test(f.name) || f.type.startsWith("image/");
    files.required = false;

    const send = (file, done, total, sentBefore) =>
      new Promise((resolve) => {
        const body = new FormData();
        body.append("files", file, file.name);
        const xhr = new XMLHttpRequest();
        xhr.open("POST", form.action);
        xhr.setRequestHeader("X-CSRF-Token", form.dataset.csrf);
        xhr.setRequestHeader("Accept", "application/json");
        xhr.upload.onprogress = (e) => {
          if (e.lengthComputable) bar.value = (100 * (sentBefore + e.loaded)) / total;
        };
        xhr.onload = () => {
          let result = { ok: false, message: `${file.name}: the server answered ${xhr.status}` };
          try {
            if (xhr.status === 200) result = JSON.parse(xhr.responseText).files[0];
          } catch (_) { /* keep the message above */ }
          resolve(result);
        };
        xhr.onerror = () => resolve({ ok: false, message: `${file.name}: not sent (network)` });
        xhr.send(body);
      });

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const chosen = [...files.files, ...folder.files].filter(isPhoto);
      if (!chosen.length) {
        text.textContent = "Choose photos or a folder first.";
        box.hidden = false;
        return;
      }
      const total = chosen.reduce((sum, f) => sum + f.size, 0) || 1;
      box.hidden = false;
      log.replaceChildren();
      form.querySelector("button").disabled = true;
      let sent = 0, stored = 0;
      for (const [i, file] of chosen.entries()) {
        text.textContent = `Sending ${i + 1} of ${chosen.length}: ${file.name}`;
        const result = await send(file, i, total, sent);
        sent += file.size;
        stored += result.ok ? 1 : 0;
        const line = document.createElement("li");
        line.className = result.ok ? "ok" : "bad";
        line.textContent = result.message;
        log.append(line);
      }
      bar.value = 100;
      text.textContent = `${stored} of ${chosen.length} stored. Matching them to the cars…`;
      const matched = await fetch(form.dataset.match, {
        method: "POST",
        headers: { "X-CSRF-Token": form.dataset.csrf, Accept: "application/json" },
      }).then((r) => r.json()).catch(() => ({ text: "Matching failed: reload the page." }));
      text.textContent = `${stored} of ${chosen.length} stored. ${matched.text}`;
      const reload = document.createElement("a");
      reload.href = window.location.pathname;
      reload.className = "button";
      reload.textContent = "See the photos";
      box.append(reload);
      form.querySelector("button").disabled = false;
    });
  }

  const spotForm = document.getElementById("spot-form");
  if (!spotForm) return;
  document.addEventListener("miglia:map-ready", (event) => {
    const map = event.detail;
    let marker = null;
    const place = (lat, lon) => {
      if (marker) marker.setLatLng([lat, lon]);
      else marker = L.marker([lat, lon], { title: "Your spot" }).addTo(map);
    };
    if (spotForm.dataset.lat) place(Number(spotForm.dataset.lat), Number(spotForm.dataset.lon));
    map.on("click", async (e) => {
      const body = new FormData(spotForm);
      body.set("lat", e.latlng.lat.toFixed(6));
      body.set("lon", e.latlng.lng.toFixed(6));
      const answer = await fetch(spotForm.action, {
        method: "POST",
        body,
        headers: { "X-CSRF-Token": document.getElementById("upload-form").dataset.csrf, Accept: "application/json" },
      }).then((r) => r.json());
      const km = document.getElementById("spot-km");
      if (answer.error) {
        km.textContent = answer.error;
        return;
      }
      place(answer.lat, answer.lon);
      km.textContent = `day ${answer.day}, km ${answer.km.toFixed(2)} (snapped to the route; photos matched again)`;
      spotForm.dataset.set = "true";
    });
  });
})();
