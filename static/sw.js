// The service worker: notifications where a page cannot raise them itself (Chrome on
// Android refuses `new Notification`), and the page opening without a network (the
// installed app, "is it me?"). tools/build.py writes it to dist/sw.js with the build's
// facts above this text, as `const BUILD = {version, pages, immutable}`:
//   version    names this build's cache (it changes with any file of the build);
//   pages      the locale pages, kept for opening offline (network first);
//   immutable  the content-hashed trees (/_r/ runtime, /_a/ assets), kept as fetched.
// Nothing else is ever intercepted or kept: not the token endpoint, not the bot's
// Socket.IO server (other origins), not the preview data. Registered by static/apply.js
// once the page shows data, so it never competes with a first visit's downloads.
"use strict";

const CACHE_PREFIX = "statuspage-";
const CACHE = CACHE_PREFIX + BUILD.version;
const PAGES = new Set(BUILD.pages);

self.addEventListener("install", event => {
  // The locale pages now; the runtime and assets arrive from the page that registered
  // this worker (it says what it loaded: "keep") and as they are fetched.
  event.waitUntil(caches.open(CACHE).then(cache => cache.addAll(BUILD.pages)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", event => {
  event.waitUntil((async () => {
    // One version at a time: a new build replaces what the previous one kept.
    for (const name of await caches.keys()) {
      if (name.startsWith(CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
    }
    if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
    await self.clients.claim();
  })());
});

const kept = pathname => BUILD.immutable.some(tree => pathname.startsWith(tree));
// A worker that a newer build has replaced writes nothing: it would bring back the cache
// the new worker has just deleted. (Where `self.serviceWorker` is missing, it is current.)
const current = () => ["activating", "activated", undefined].includes(self.serviceWorker?.state);

self.addEventListener("fetch", event => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && PAGES.has(url.pathname)) {
    event.respondWith(page(event, url.pathname));
  } else if (kept(url.pathname) && !request.headers.has("range")) {
    event.respondWith(immutable(request));
  } else if (request.mode === "navigate") {
    // Not ours to keep: answer with the network, as if there were no worker, but
    // settle the navigation preload so that the browser does not wait for it.
    event.respondWith(event.preloadResponse.then(preloaded => preloaded || fetch(request)));
  }
});

// Network first (a page is revalidated on every visit), the kept copy when offline.
async function page(event, pathname) {
  const cache = await caches.open(CACHE);
  try {
    const response = (await event.preloadResponse) || (await fetch(event.request));
    if (response.status === 200 && current()) await cache.put(pathname, response.clone());
    return response;
  } catch (error) {
    const stored = await cache.match(pathname);
    if (stored) return stored;
    throw error;
  }
}

// Content-hashed files never change: the kept copy, else the network (then kept).
async function immutable(request) {
  const cache = await caches.open(CACHE);
  const stored = await cache.match(request.url);
  if (stored) return stored;
  const response = await fetch(request);
  if (response.status === 200 && current()) await cache.put(request.url, response.clone());
  return response;
}

// The page that registered this worker loaded its runtime before the worker existed:
// it sends those URLs once, and they are kept like any other fetch.
self.addEventListener("message", event => {
  const message = event.data;
  if (!message || message.kind !== "keep" || !Array.isArray(message.urls)) return;
  event.waitUntil(keep(message.urls));
});

async function keep(urls) {
  const cache = await caches.open(CACHE);
  for (const href of urls) {
    if (!current()) return;
    let url;
    try { url = new URL(String(href), self.location.origin); } catch (_) { continue; }
    if (url.origin !== self.location.origin || !kept(url.pathname) || url.search) continue;
    if (await cache.match(url.href)) continue;
    try {
      const response = await fetch(url.href);  // from the HTTP cache: these are immutable
      if (response.status === 200) await cache.put(url.href, response);
    } catch (_) { /* kept when next fetched */ }
  }
}

// A click on a notification: the page's tab if one is open (focused, and told, since a
// focus needs the click's user activation), else the page opens, in the visitor's locale.
self.addEventListener("notificationclick", event => {
  event.notification.close();
  event.waitUntil(openPage(event.notification.data));
});

async function openPage(data) {
  let target = new URL("/", self.location.origin);
  try {
    const wanted = new URL(String(data?.url ?? "/"), self.location.origin);
    if (wanted.origin === self.location.origin) target = wanted;
  } catch (_) { /* the root page */ }
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const tab = windows.find(client => new URL(client.url).pathname === target.pathname) ?? windows[0];
  if (tab) {
    tab.postMessage({ kind: "notification-click" });
    try { await tab.focus(); } catch (_) { /* no user activation: the page focuses itself */ }
    return;
  }
  try { await self.clients.openWindow(target.href); } catch (_) { /* no user activation */ }
}
