/* The grid app's service worker: the shell and its assets come from the cache (so the app opens
   with no network) and are refreshed in the background when the network is there.  API calls are
   never intercepted: reads fall back to the page's own copy (localStorage), writes are queued by
   the page (IndexedDB) and replayed with their Idempotency-Key. */
const CACHE = "grid-v1";
const SHELL = ["/grid/", "/grid/app.js", "/grid/manifest.webmanifest", "/grid/icon.svg"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || !SHELL.includes(url.pathname)) {
    return; // the network, as without a worker
  }
  event.respondWith(caches.open(CACHE).then(async (cache) => {
    const cached = await cache.match(url.pathname);
    const fresh = fetch(event.request).then((res) => {
      if (res.ok && !res.redirected) { cache.put(url.pathname, res.clone()); }
      return res;
    }).catch(() => undefined);
    if (cached) { event.waitUntil(fresh); return cached; }
    return (await fresh) || new Response("offline", { status: 503 });
  }));
});
