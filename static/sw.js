// eCabinet's service worker: the offline briefcase.
//
// When a delegate opens a published meeting, the page asks this worker to keep the
// meeting's page images, text layers and thumbnails (the server's /briefcase manifest
// lists them for that user), so reading goes on when the Wi-Fi drops. Page URLs name a
// document version, whose pages never change, so they are served from the cache first.
// A briefcase is dropped when the meeting closes, when the server stops listing it or a
// document (access withdrawn: 403/404), on logout, and when another account logs in.
// Every briefcase on the tablet is checked again whenever the app starts or its live
// channel (re)connects, so one the tablet missed the news of while away goes too.
// The app shell is cached too (network first) so a reload works without a network.
"use strict";

const SHELL = "ecabinet-shell-v1";
const META = "ecabinet-briefcase-meta";
const PREFIX = "ecabinet-briefcase";
const OWNER_KEY = "/__briefcase__/owner";
const PARALLEL = 4;
const PAGE_RE = /^\/api\/documents\/(\d+)\/versions\/\d+\/pages\/\d+\/(image|words|thumbnail)$/;
const DOC_RE = /^\/api\/documents\/(\d+)$/;
const AGENDA_RE = /^\/api\/meetings\/(\d+)\/agenda$/;

const cacheName = (userId, meetingId) => `${PREFIX}:u${userId}:m${meetingId}`;
const widthKey = (meetingId) => `/__briefcase__/width/${meetingId}`;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

async function owner() {
  const meta = await caches.open(META);
  const response = await meta.match(OWNER_KEY);
  return response ? Number(await response.text()) : null;
}

async function setOwner(userId) {
  const previous = await owner();
  if (previous !== userId) {
    // Someone else on this tablet: the previous account's pages go.
    await dropWhere((name) => !name.startsWith(`${PREFIX}:u${userId}:`));
    const meta = await caches.open(META);
    await meta.put(OWNER_KEY, new Response(String(userId)));
  }
}

async function briefcaseNames(filter = () => true) {
  return (await caches.keys()).filter((name) => name.startsWith(`${PREFIX}:`) && filter(name));
}

async function dropWhere(filter) {
  for (const name of await briefcaseNames(filter)) await caches.delete(name);
}

async function notify(message) {
  for (const client of await self.clients.matchAll({ includeUncontrolled: true })) {
    client.postMessage(message);
  }
}

async function sync({ meetingId, userId, width }) {
  if (!userId) return;
  await setOwner(userId);
  const name = cacheName(userId, meetingId);
  await (await caches.open(META)).put(widthKey(meetingId), new Response(String(width)));
  let manifest;
  try {
    const response = await fetch(`/api/meetings/${meetingId}/briefcase?w=${width}`,
                                 { credentials: "same-origin", cache: "no-store" });
    if (response.status === 403 || response.status === 404 || response.status === 401) {
      await caches.delete(name);
      await notify({ type: "briefcase.dropped", meetingId });
      return;
    }
    if (!response.ok) return;
    manifest = await response.json();
  } catch {
    return; // offline: keep what we have
  }
  if (!manifest.keep) {
    await caches.delete(name);
    await notify({ type: "briefcase.dropped", meetingId });
    return;
  }
  const cache = await caches.open(name);
  const wanted = new Set(manifest.urls);
  for (const request of await cache.keys()) {
    const url = new URL(request.url);
    if (!wanted.has(url.pathname + url.search)) await cache.delete(request);
  }
  const missing = [];
  for (const url of manifest.urls) {
    // The agenda and document descriptions change: always refresh them.
    if (AGENDA_RE.test(url) || DOC_RE.test(url) || !(await cache.match(url))) missing.push(url);
  }
  let done = manifest.urls.length - missing.length;
  const total = manifest.urls.length;
  const queue = [...missing];
  async function run() {
    while (queue.length) {
      const url = queue.shift();
      try {
        const response = await fetch(url, { credentials: "same-origin" });
        if (response.ok) await cache.put(url, response);
        else if (response.status === 403 || response.status === 404) await cache.delete(url);
      } catch {
        return; // the network went away; the next sync continues
      }
      done += 1;
      if (done % 10 === 0 || done === total) notify({ type: "briefcase.progress", meetingId, done, total });
    }
  }
  await Promise.all(Array.from({ length: PARALLEL }, run));
  notify({ type: "briefcase.progress", meetingId, done, total, pages: manifest.urls.filter((u) => u.includes("/image")).length });
}

// Each of this user's briefcases asks the server again: a closed meeting, a withdrawn
// reader or document, is dropped; the rest is brought up to date. Offline, nothing moves.
async function revalidate({ userId }) {
  if (!userId) return;
  await setOwner(userId);
  const meta = await caches.open(META);
  const prefix = `${PREFIX}:u${userId}:m`;
  for (const name of await briefcaseNames((n) => n.startsWith(prefix))) {
    const meetingId = Number(name.slice(prefix.length));
    const stored = await meta.match(widthKey(meetingId));
    await sync({ meetingId, userId, width: stored ? Number(await stored.text()) : 1024 });
  }
}

async function dropDocument(documentId) {
  for (const name of await briefcaseNames()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const path = new URL(request.url).pathname;
      if (path.startsWith(`/api/documents/${documentId}/`) || path === `/api/documents/${documentId}`) {
        await cache.delete(request);
      }
    }
  }
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  let work = null;
  if (data.type === "briefcase.sync") work = sync(data);
  else if (data.type === "briefcase.revalidate") work = revalidate(data);
  else if (data.type === "briefcase.drop") work = dropWhere((name) => name.endsWith(`:m${data.meetingId}`));
  else if (data.type === "briefcase.drop_document") work = dropDocument(data.documentId);
  else if (data.type === "briefcase.clear") {
    work = Promise.all([dropWhere(() => true), caches.delete(META), caches.delete(SHELL)]);
  } else if (data.type === "briefcase.user" && data.userId) work = setOwner(data.userId);
  if (work) event.waitUntil(work);
});

async function fromBriefcase(request) {
  const user = await owner();
  if (!user) return null;
  for (const name of await briefcaseNames((n) => n.startsWith(`${PREFIX}:u${user}:`))) {
    const cache = await caches.open(name);
    const hit = await cache.match(request);
    if (hit) return hit;
  }
  return null;
}

async function anyWidth(request) {
  // Zoomed in offline: a cached page at another width is better than none.
  const user = await owner();
  if (!user) return null;
  for (const name of await briefcaseNames((n) => n.startsWith(`${PREFIX}:u${user}:`))) {
    const hit = await (await caches.open(name)).match(request, { ignoreSearch: true });
    if (hit) return hit;
  }
  return null;
}

async function forget(request) {
  for (const name of await briefcaseNames()) await (await caches.open(name)).delete(request);
}

async function pageRequest(request) {
  const cached = await fromBriefcase(request);
  if (cached) {
    return cached;
  }
  try {
    const response = await fetch(request);
    if (response.status === 403 || response.status === 404) await forget(request);
    return response;
  } catch (err) {
    const fallback = await anyWidth(request);
    if (fallback) return fallback;
    throw err;
  }
}

async function jsonRequest(request) {
  try {
    const response = await fetch(request);
    if (response.status === 403 || response.status === 404) await forget(request);
    else if (response.ok && await fromBriefcase(request)) {
      // Keep the briefcase's copy current.
      const user = await owner();
      for (const name of await briefcaseNames((n) => n.startsWith(`${PREFIX}:u${user}:`))) {
        const cache = await caches.open(name);
        if (await cache.match(request)) await cache.put(request, response.clone());
      }
    }
    return response;
  } catch (err) {
    const cached = await fromBriefcase(request);
    if (cached) return cached;
    throw err;
  }
}

async function shellRequest(request, fallbackToIndex) {
  const cache = await caches.open(SHELL);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic") await cache.put(fallbackToIndex ? "/" : request, response.clone());
    return response;
  } catch (err) {
    const cached = await cache.match(fallbackToIndex ? "/" : request);
    if (cached) return cached;
    throw err;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/socket.io")) return;
  if (PAGE_RE.test(url.pathname)) {
    event.respondWith(pageRequest(request));
  } else if (DOC_RE.test(url.pathname) || AGENDA_RE.test(url.pathname)) {
    event.respondWith(jsonRequest(request));
  } else if (url.pathname === "/api/session") {
    event.respondWith(shellRequest(request, false));
  } else if (request.mode === "navigate") {
    event.respondWith(shellRequest(request, true));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(shellRequest(request, false));
  }
});
