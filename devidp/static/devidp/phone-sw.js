// The demo phone app's service worker: it keeps the app's shell (page, script, styles,
// icon) so the app opens offline and installs; requests and answers always go to the
// network, never through the cache. The list below is filled in by the IdP when it serves
// this file (devidp/views/device.py), so hashed static names work.
"use strict";

const SHELL = ["SHELL"];
const CACHE = "fabrikam-phone-" + SHELL_VERSION + "-v1";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((names) =>
    Promise.all(names.filter((n) => n.startsWith("fabrikam-phone-") && n !== CACHE)
      .map((n) => caches.delete(n)))));
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || !SHELL.includes(url.pathname)) {
    return; // not the shell: straight to the network
  }
  // Network first, so a new shell is picked up at once; the cache when offline.
  event.respondWith(fetch(event.request).then((response) => {
    const copy = response.clone();
    caches.open(CACHE).then((cache) => cache.put(event.request, copy));
    return response;
  }).catch(() => caches.match(event.request)));
});
