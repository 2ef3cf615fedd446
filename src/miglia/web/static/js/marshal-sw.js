// Service worker for the marshal pages (served as /marshal/sw.js, scope /marshal): keeps the page shell
// so a marshal's phone reopens the page with no signal. The records themselves live in localStorage.
"use strict";
const CACHE = "miglia-marshal-v1";
const SHELL = ["/marshal", "/static/css/miglia.css", "/static/css/marshal.css", "/static/js/marshal.js",
  "/static/vendor/htmx/htmx.min.js"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => Promise.all(SHELL.map((url) => cache.add(url).catch(() => undefined))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("miglia-marshal-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/marshal/api/")) return; // always the network: never a stale answer
  if (request.mode === "navigate" || url.pathname.startsWith("/marshal")) {
    // Pages: the network first (fresh CSRF token, fresh control list); the cached copy with no signal.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok && !response.redirected && url.pathname.startsWith("/marshal")) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(request, copy));
          }
          return response;
        })
        .catch(() => caches.match(request).then((hit) => hit || caches.match("/marshal")).then(
          (hit) => hit || new Response("Offline, and this page was never opened here with signal.", {
            status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" },
          }),
        )),
    );
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    // Scripts and styles: the cached copy at once, refreshed in the background.
    event.respondWith(
      caches.open(CACHE).then((cache) => cache.match(request).then((hit) => {
        const fresh = fetch(request).then((response) => {
          if (response.ok) cache.put(request, response.clone());
          return response;
        }).catch(() => hit || Response.error());
        return hit || fresh;
      })),
    );
  }
});
