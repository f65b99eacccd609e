// eCabinet's service worker: the app shell and the offline briefcase.
//
// The shell (the page, every script and style, PDF.js) is cached when the worker installs,
// so a tablet that opened eCabinet once starts again with no network or no server. The
// server writes the shell's URLs and version into this file (ecabinet/shell.py).
//
// When a delegate opens a published meeting, the page asks this worker to keep the
// meeting's documents for reading without Wi-Fi. The server's /briefcase manifest lists
// the files for that user with their sizes: the agenda, each document's description and
// the user's annotations, and its PDF (drawn on the tablet by PDF.js) or, on a device that
// cannot draw PDFs, its page images. The document being read is fetched first; a PDF
// comes in ranges kept as they arrive, so a dropped connection resumes where it stopped.
// URLs name a document version, whose bytes never change, so they are served from the
// cache first. A briefcase is dropped when the meeting closes, when the server stops
// listing it or a document (access withdrawn: 403/404), on logout, and when another
// account logs in. Every briefcase on the tablet is checked again whenever the app starts
// or its live channel (re)connects, so one the tablet missed the news of while away goes.
"use strict";

const SHELL_DATA = [/*SHELL*/][0] || { version: "dev", urls: [] };
const SHELL_PREFIX = "ecabinet-shell-";
const SHELL = SHELL_PREFIX + SHELL_DATA.version;
const META = "ecabinet-briefcase-meta";
const PREFIX = "ecabinet-briefcase";
const OWNER_KEY = "/__briefcase__/owner";
const PRIVATE = "/__briefcase__/"; // the briefcase's own keys: parts, the meeting's snapshot
const PARALLEL = 3;
const CHUNK = 256 * 1024; // one range request of a PDF: what a drop can cost
const PAGE_RE = /^\/api\/documents\/(\d+)\/versions\/\d+\/pages\/\d+\/(image|words|thumbnail)$/;
const PDF_RE = /^\/api\/documents\/(\d+)\/versions\/\d+\/pdf$/;
const JSON_RE = /^\/api\/(documents\/\d+(\/annotations)?|meetings\/\d+\/agenda)$/;
const ANNOTATIONS_RE = /^\/api\/documents\/\d+\/annotations$/;
const ANNOTATING_RE = /^\/api\/(documents\/\d+\/annotations|annotations\/\d+)$/;

const cacheName = (userId, meetingId) => `${PREFIX}:u${userId}:m${meetingId}`;
const settingsKey = (meetingId) => `/__briefcase__/settings/${meetingId}`;
const stateKey = (meetingId) => `/__briefcase__/state/${meetingId}`;
const partKey = (url, index) => `${PRIVATE}parts${url}/${index}`;
// Marks the briefcase's downloads in the server's logs, apart from what a reader is showing.
const BRIEFCASE_HEADER = { "x-ecabinet-briefcase": "1" };
const jobs = new Map(); // meetingId -> the sync under way: {queue, first}

self.addEventListener("install", (event) => {
  event.waitUntil(precacheShell().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => event.waitUntil((async () => {
  for (const name of await caches.keys()) {
    if (name.startsWith(SHELL_PREFIX) && name !== SHELL) await caches.delete(name);
  }
  await self.clients.claim();
})()));

/** Every shell file not cached yet (one that fails is fetched again when next used). */
async function precacheShell() {
  const cache = await caches.open(SHELL);
  await Promise.all(SHELL_DATA.urls.map(async (url) => {
    if (await cache.match(url)) return;
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-cache" });
      if (response.ok) await cache.put(url, response);
    } catch {
      // offline while installing: the network-first fetches below fill the gap later
    }
  }));
}

async function owner() {
  const meta = await caches.open(META);
  const response = await meta.match(OWNER_KEY);
  return response ? Number(await response.text()) : null;
}

async function setOwner(userId) {
  const previous = await owner();
  if (previous !== userId) {
    // Someone else on this tablet: the previous account's documents go.
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

/** Forget what the worker noted about a meeting's briefcase (its form, its progress). */
async function forgetMeeting(meetingId) {
  const meta = await caches.open(META);
  await Promise.all([meta.delete(settingsKey(meetingId)), meta.delete(stateKey(meetingId))]);
}

async function dropped(meetingId, name) {
  await caches.delete(name);
  await forgetMeeting(meetingId);
  jobs.delete(meetingId);
  await notify({ type: "briefcase.dropped", meetingId });
}

/** Files in manifest order, the document being read (and the agenda) first. */
function ordered(files, first) {
  if (!first) return files;
  const isFirst = (f) => f.document_id === null || f.document_id === first;
  return [...files.filter(isFirst), ...files.filter((f) => !isFirst(f))];
}

/**
 * Bring a meeting's briefcase up to date: drop it if the server no longer lists it, else
 * fetch what is missing (unless `checkOnly`: a briefcase holding only the meeting's
 * snapshot is checked, not filled, until a page asks for its documents).
 */
async function sync(request) {
  const { meetingId, userId, first = null } = request;
  if (!userId) return;
  const running = jobs.get(meetingId);
  if (running) {
    // Already under way (the page and the reader both asked): only what comes next
    // changes; a mere check goes on to fetching once it is done.
    if (first) running.first = first;
    if (running.checkOnly && !request.checkOnly) running.then = request;
    running.queue.splice(0, running.queue.length, ...ordered(running.queue, running.first));
    return;
  }
  // Taken at once, before the first await: a second request meanwhile joins this one.
  const job = { queue: [], first, counted: new Set(), checkOnly: Boolean(request.checkOnly), then: null };
  jobs.set(meetingId, job);
  try {
    await fill(request, job);
  } finally {
    if (jobs.get(meetingId) === job) jobs.delete(meetingId);
  }
  if (job.then) await sync({ ...job.then, first: job.first });
}

async function fill({ meetingId, userId, width, form = "pdf", checkOnly = false }, job) {
  await setOwner(userId);
  const name = cacheName(userId, meetingId);
  if (!checkOnly) {
    await (await caches.open(META)).put(settingsKey(meetingId), new Response(JSON.stringify({ width, form })));
  }
  let manifest;
  try {
    const response = await fetch(`/api/meetings/${meetingId}/briefcase?w=${width}&form=${form}`,
                                 { credentials: "same-origin", cache: "no-store" });
    if (response.status === 403 || response.status === 404 || response.status === 401) {
      await dropped(meetingId, name);
      return;
    }
    if (!response.ok) return;
    manifest = await response.json();
  } catch {
    return; // offline: keep what we have
  }
  if (!manifest.keep) {
    await dropped(meetingId, name);
    return;
  }
  if (checkOnly) return;
  const cache = await caches.open(name);
  const wanted = new Set(manifest.files.map((f) => f.url));
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname + new URL(request.url).search;
    const part = path.startsWith(`${PRIVATE}parts`) ? path.slice(`${PRIVATE}parts`.length).replace(/\/\d+$/, "") : null;
    if (part !== null ? !wanted.has(part) : !path.startsWith(PRIVATE) && !wanted.has(path)) {
      await cache.delete(request);
    }
  }
  const total = manifest.bytes;
  let done = 0;
  for (const file of manifest.files) {
    // Descriptions, agenda and annotations change: always refresh them.
    if (!JSON_RE.test(file.url.split("?")[0]) && await cache.match(file.url)) done += file.bytes;
    else job.queue.push(file);
  }
  job.queue = ordered(job.queue, job.first);
  const state = { meetingId, total, done, files: manifest.files.length, complete: false };
  await notify({ type: "briefcase.planned", ...state });
  let lastReport = 0;
  const report = (bytes) => {
    state.done = Math.min(total, state.done + bytes);
    if (Date.now() - lastReport > 250) {
      lastReport = Date.now();
      notify({ type: "briefcase.progress", ...state });
    }
  };
  let failed = false;
  async function run() {
    while (job.queue.length && !failed && jobs.get(meetingId) === job) {
      const file = job.queue.shift();
      try {
        if (PDF_RE.test(file.url)) await fetchInParts(cache, file, job, report);
        else await fetchWhole(cache, file, report);
      } catch {
        failed = true; // the network went away; the next sync resumes from here
      }
    }
  }
  await Promise.all(Array.from({ length: PARALLEL }, run));
  state.complete = !failed && !job.queue.length;
  if (state.complete) state.done = total;
  // Kept for the page to show with no network: what this tablet holds of the meeting.
  await (await caches.open(META)).put(stateKey(meetingId), new Response(JSON.stringify(state)));
  notify({ type: "briefcase.progress", ...state });
}

async function fetchWhole(cache, file, report) {
  const response = await fetch(file.url, { credentials: "same-origin", headers: BRIEFCASE_HEADER });
  if (response.ok) await cache.put(file.url, response);
  else if (response.status === 403 || response.status === 404) await cache.delete(file.url);
  report(file.bytes);
}

/**
 * A PDF in CHUNK-sized ranges, each kept as it arrives, then put together as one file.
 * When the delegate opens another document meanwhile, this one steps back after the
 * range under way and goes on, from there, once that one is kept.
 */
async function fetchInParts(cache, file, job, report) {
  const count = Math.max(1, Math.ceil(file.bytes / CHUNK));
  const parts = [];
  for (let index = 0; index < count; index += 1) {
    const overtaken = job.first !== null && file.document_id !== job.first
      && job.queue.some((f) => f.document_id === job.first);
    if (overtaken) {
      job.queue.splice(job.queue.filter((f) => f.document_id === job.first).length, 0, file);
      return;
    }
    const key = partKey(file.url, index);
    let part = await cache.match(key);
    if (!part) {
      const start = index * CHUNK;
      const end = Math.min(file.bytes, start + CHUNK) - 1;
      const response = await fetch(file.url, { credentials: "same-origin", headers: { range: `bytes=${start}-${end}`, ...BRIEFCASE_HEADER } });
      if (response.status === 403 || response.status === 404) {
        await cache.delete(file.url);
        return;
      }
      if (response.status === 200) {
        // No ranges on the way (a proxy): the whole file came; keep it as it is.
        await cache.put(file.url, response);
        report(file.bytes - start);
        return;
      }
      if (response.status !== 206) throw new Error(`HTTP ${response.status}`);
      // The Cache API keeps no partial responses: each part is kept as a whole one.
      part = new Response(await response.blob(), { headers: { "content-type": "application/octet-stream" } });
      await cache.put(key, part.clone());
    }
    parts.push(await part.blob());
    if (!job.counted.has(key)) {
      job.counted.add(key);
      report(parts[parts.length - 1].size);
    }
  }
  const whole = new Blob(parts, { type: "application/pdf" });
  if (whole.size !== file.bytes) throw new Error("incomplete");
  await cache.put(file.url, new Response(whole, {
    headers: { "content-type": "application/pdf", "content-length": String(whole.size) },
  }));
  for (let index = 0; index < count; index += 1) await cache.delete(partKey(file.url, index));
}

/** Who is logged in, kept with the shell: a reload without network starts logged in. */
async function keepSession() {
  try {
    const response = await fetch("/api/session", { credentials: "same-origin", cache: "no-store" });
    if (response.ok) await (await caches.open(SHELL)).put("/api/session", response);
  } catch {
    // offline: the copy kept last time stays
  }
}

// Each of this user's briefcases asks the server again: a closed meeting, a withdrawn
// reader or document, is dropped; the rest is brought up to date. Offline, nothing moves.
// The shell and the session are brought up to date too: the page that first registered
// this worker fetched them before the worker could keep them.
async function revalidate({ userId }) {
  if (!userId) return;
  await setOwner(userId);
  await Promise.all([precacheShell(), keepSession()]);
  const meta = await caches.open(META);
  const prefix = `${PREFIX}:u${userId}:m`;
  for (const name of await briefcaseNames((n) => n.startsWith(prefix))) {
    const meetingId = Number(name.slice(prefix.length));
    const stored = await meta.match(settingsKey(meetingId));
    const settings = stored ? await stored.json() : { width: 1024, form: "pdf", checkOnly: true };
    await sync({ meetingId, userId, ...settings });
  }
}

async function dropDocument(documentId) {
  for (const name of await briefcaseNames()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const path = new URL(request.url).pathname;
      if (path.includes(`/api/documents/${documentId}/`) || path === `/api/documents/${documentId}`) {
        await cache.delete(request);
      }
    }
  }
}

async function clearAll() {
  jobs.clear();
  await Promise.all([dropWhere(() => true), caches.delete(META)]);
  // The shell stays (it is the same for everyone), but not who was logged in.
  await (await caches.open(SHELL)).delete("/api/session");
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  let work = null;
  if (data.type === "briefcase.sync") work = sync(data);
  else if (data.type === "briefcase.revalidate") work = revalidate(data);
  else if (data.type === "briefcase.drop") {
    jobs.delete(data.meetingId);
    work = Promise.all([dropWhere((name) => name.endsWith(`:m${data.meetingId}`)), forgetMeeting(data.meetingId)]);
  } else if (data.type === "briefcase.drop_document") work = dropDocument(data.documentId);
  else if (data.type === "briefcase.clear") work = clearAll();
  else if (data.type === "briefcase.user" && data.userId) work = setOwner(data.userId);
  if (work) event.waitUntil(work);
});

async function fromBriefcase(request) {
  const user = await owner();
  if (!user) return null;
  for (const name of await briefcaseNames((n) => n.startsWith(`${PREFIX}:u${user}:`))) {
    const cache = await caches.open(name);
    const hit = await cache.match(request, { ignoreVary: true });
    if (hit) return hit;
  }
  return null;
}

async function anyWidth(request) {
  // Zoomed in offline: a cached page at another width is better than none.
  const user = await owner();
  if (!user) return null;
  for (const name of await briefcaseNames((n) => n.startsWith(`${PREFIX}:u${user}:`))) {
    const hit = await (await caches.open(name)).match(request, { ignoreSearch: true, ignoreVary: true });
    if (hit) return hit;
  }
  return null;
}

async function forget(request) {
  for (const name of await briefcaseNames()) await (await caches.open(name)).delete(request);
}

async function pageRequest(request) {
  const cached = await fromBriefcase(request);
  if (cached) return cached;
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

/** A byte range of a cached PDF, as the server would have answered it. */
async function slice(cached, range) {
  const blob = await cached.blob();
  const match = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  if (!match) return cached;
  let start = match[1] === "" ? blob.size - Number(match[2]) : Number(match[1]);
  let end = match[1] === "" || match[2] === "" ? blob.size - 1 : Number(match[2]);
  start = Math.max(0, start);
  end = Math.min(end, blob.size - 1);
  if (start > end) return new Response(null, { status: 416, headers: { "content-range": `bytes */${blob.size}` } });
  return new Response(blob.slice(start, end + 1), {
    status: 206,
    headers: {
      "content-type": "application/pdf", "content-length": String(end - start + 1),
      "content-range": `bytes ${start}-${end}/${blob.size}`, "accept-ranges": "bytes",
    },
  });
}

async function pdfRequest(request) {
  const cached = await fromBriefcase(request.url);
  const range = request.headers.get("range");
  if (cached) return range ? slice(cached, range) : cached;
  const response = await fetch(request);
  if (response.status === 403 || response.status === 404) await forget(request.url);
  return response;
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
        if (await cache.match(request, { ignoreVary: true })) await cache.put(request, response.clone());
      }
    }
    return response;
  } catch (err) {
    const cached = await fromBriefcase(request);
    if (cached) return cached;
    throw err;
  }
}

/** Network first, the cached copy when the network or the server is away. */
async function shellRequest(request, key) {
  const cache = await caches.open(SHELL);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic") await cache.put(key, response.clone());
    return response;
  } catch (err) {
    const cached = await cache.match(key, { ignoreVary: true });
    if (cached) return cached;
    throw err;
  }
}

/** Cache first: third-party code changes only with the worker's version. */
async function vendorRequest(request) {
  const cache = await caches.open(SHELL);
  const cached = await cache.match(request, { ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") await cache.put(request, response.clone());
  return response;
}

/** The briefcase's copies of the annotation lists, fetched again after the user adds,
 * changes or removes an annotation: offline, the reader shows the note just made. */
async function refreshAnnotations() {
  const user = await owner();
  for (const name of await briefcaseNames((n) => n.startsWith(`${PREFIX}:u${user}:`))) {
    const cache = await caches.open(name);
    for (const kept of await cache.keys()) {
      if (!ANNOTATIONS_RE.test(new URL(kept.url).pathname)) continue;
      try {
        const fresh = await fetch(kept.url, { credentials: "same-origin", cache: "no-store" });
        if (fresh.ok) await cache.put(kept, fresh);
      } catch {
        // offline again: the next sync brings them
      }
    }
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET") {
    if (url.origin === self.location.origin && ANNOTATING_RE.test(url.pathname)) {
      event.respondWith(fetch(request).then((response) => {
        if (response.ok) event.waitUntil(refreshAnnotations());
        return response;
      }));
    }
    return;
  }
  const path = url.pathname;
  if (url.origin !== self.location.origin || path.startsWith("/socket.io")) return;
  if (PAGE_RE.test(path)) event.respondWith(pageRequest(request));
  else if (PDF_RE.test(path)) event.respondWith(pdfRequest(request));
  else if (JSON_RE.test(path)) event.respondWith(jsonRequest(request));
  else if (path === "/api/session") event.respondWith(shellRequest(request, request));
  else if (request.mode === "navigate") event.respondWith(shellRequest(request, "/"));
  else if (path.startsWith("/static/node_modules/")) event.respondWith(vendorRequest(request));
  else if (path.startsWith("/static/")) event.respondWith(shellRequest(request, request));
});
