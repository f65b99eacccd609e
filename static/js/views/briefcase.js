// The offline briefcase, page side: asks the service worker (/sw.js) to keep a published
// meeting's pages for reading without Wi-Fi, and to drop them when the meeting closes,
// access is withdrawn, or someone else logs in on this tablet.
import { session } from "../session.js";

const supported = "serviceWorker" in navigator && window.isSecureContext;
let registration = null;
const listeners = new Set();
const synced = new Map(); // meetingId -> time of last sync request
const progress = new Map(); // meetingId -> last progress report

/** Image width the reader asks for on this screen; the briefcase caches the same one. */
export function pickWidth(widths, cssWidth = Math.min(window.innerWidth, 1100)) {
  const want = cssWidth * Math.min(window.devicePixelRatio || 1, 2);
  const sorted = [...widths].sort((a, b) => a - b);
  return sorted.find((w) => w >= want * 0.9) || sorted[sorted.length - 1];
}

async function worker() {
  if (!supported) return null;
  if (!registration) {
    registration = navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(
      () => navigator.serviceWorker.ready, () => null);
  }
  const ready = await registration;
  return ready ? ready.active : null;
}

async function post(message) {
  const sw = await worker();
  if (sw) sw.postMessage({ ...message, userId: session.user ? session.user.id : null });
}

if (supported) {
  navigator.serviceWorker.addEventListener("message", (event) => {
    const data = event.data || {};
    if (data.type === "briefcase.progress") progress.set(data.meetingId, data);
    if (data.type === "briefcase.dropped") progress.delete(data.meetingId);
    listeners.forEach((fn) => fn(data));
  });
}

/** The last progress report for a meeting, if any. */
export function briefcaseProgress(meetingId) {
  return progress.get(meetingId) || null;
}

/** Progress reports {type: "briefcase.progress", meetingId, done, total}. */
export function onBriefcase(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Keep (or refresh) a published meeting's pages on this device; at most once a minute. */
export function syncBriefcase(meetingId, widths) {
  if (!supported || !session.user) return;
  const last = synced.get(meetingId) || 0;
  if (Date.now() - last < 60000) return;
  synced.set(meetingId, Date.now());
  post({ type: "briefcase.sync", meetingId, width: pickWidth(widths) });
}

/** Forget a meeting's pages (closed, withdrawn). */
export function dropBriefcase(meetingId) {
  synced.delete(meetingId);
  progress.delete(meetingId);
  post({ type: "briefcase.drop", meetingId });
}

/** Ask the server again about every briefcase on this device (app start, reconnect,
 * a change to the user's meetings): what the user may no longer read is dropped. */
export function revalidateBriefcases() {
  if (!supported || !session.user) return;
  synced.clear();
  post({ type: "briefcase.revalidate" });
}

/** Forget one document's pages in every briefcase (it was removed or restricted). */
export function dropDocument(documentId) {
  post({ type: "briefcase.drop_document", documentId });
}

// Logging out empties every briefcase; a different account on the same tablet never
// reads the previous one's pages from the cache.
document.addEventListener("routechange", () => {
  if (!supported || !navigator.serviceWorker.controller) return;
  if (!session.user) {
    synced.clear();
    navigator.serviceWorker.controller.postMessage({ type: "briefcase.clear" });
  } else {
    navigator.serviceWorker.controller.postMessage({ type: "briefcase.user", userId: session.user.id });
  }
});
