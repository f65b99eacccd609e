// The offline briefcase, page side: learns what a published meeting's documents weigh,
// shows it, and asks the service worker (/sw.js) to keep them for reading without Wi-Fi
// (at once when they are light, after the delegate agrees when they weigh more than the
// server's `ask_above`: a scanned archive over a hall's shared Wi-Fi), the
// document being read first; drops them when the meeting closes, access is withdrawn, or
// someone else logs in on this tablet.
import { get } from "../api.js";
import { session } from "../session.js";

const supported = "serviceWorker" in navigator && window.isSecureContext;
const AGREED_KEY = "ecabinet.briefcase.agreed";
const FORM_KEY = "ecabinet.pdf";
let registration = null;
const listeners = new Set();
const synced = new Map(); // meetingId -> {at, first} of the last sync request
const progress = new Map(); // meetingId -> last report

/** Image width the reader asks for on this screen; the briefcase caches the same one. */
export function pickWidth(widths, cssWidth = Math.min(window.innerWidth, 1100)) {
  const want = cssWidth * Math.min(window.devicePixelRatio || 1, 2);
  const sorted = [...widths].sort((a, b) => a - b);
  return sorted.find((w) => w >= want * 0.9) || sorted[sorted.length - 1];
}

/** Whether this device draws PDFs itself (the reader finds out and remembers). */
export function drawsPdfs() { return localStorage.getItem(FORM_KEY) !== "no"; }

/** The reader's finding: PDF.js works here (true) or does not (false). */
export function rememberPdfSupport(works) {
  const before = drawsPdfs();
  localStorage.setItem(FORM_KEY, works ? "yes" : "no");
  if (before !== works) synced.clear(); // the briefcase should hold the other form
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

function tell(data) {
  if (data.meetingId === undefined) return;
  if (data.type === "briefcase.dropped") progress.delete(data.meetingId);
  else progress.set(data.meetingId, data);
  listeners.forEach((fn) => fn(data));
}

if (supported) {
  navigator.serviceWorker.addEventListener("message", (event) => {
    const data = event.data || {};
    // The worker's own count of what is already kept beats the page's estimate.
    if (data.type === "briefcase.planned" || data.type === "briefcase.progress") tell(data);
    else if (data.type === "briefcase.dropped") tell(data);
  });
  // Back on the network: what a drop interrupted resumes.
  window.addEventListener("online", () => revalidateBriefcases());
}

/** The last report for a meeting, if any: {type, total, done, complete} in bytes, or
 * {type: "briefcase.ask", total} while a heavy briefcase waits for the delegate. */
export function briefcaseProgress(meetingId) {
  return progress.get(meetingId) || null;
}

/** Reports as they come ("briefcase.ask", "briefcase.planned", "briefcase.progress"). */
export function onBriefcase(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** What the worker last reported having kept of a meeting, or null. */
async function keptState(meetingId) {
  try {
    const hit = await (await caches.open("ecabinet-briefcase-meta")).match(`/__briefcase__/state/${meetingId}`);
    return hit ? { type: "briefcase.progress", ...(await hit.json()) } : null;
  } catch {
    return null;
  }
}

function agreed() {
  try { return new Set(JSON.parse(localStorage.getItem(AGREED_KEY) || "[]")); } catch { return new Set(); }
}

/**
 * Keep (or refresh) a published meeting's documents on this device, `first` (a document
 * id) before the rest; at most once a minute unless the document being read changes.
 */
export async function syncBriefcase(meetingId, widths, { first = null } = {}) {
  if (!supported || !session.user) return;
  const last = synced.get(meetingId);
  if (last && Date.now() - last.at < 60000 && (first === null || first === last.first)) return;
  synced.set(meetingId, { at: Date.now(), first });
  const width = pickWidth(widths);
  const form = drawsPdfs() ? "pdf" : "pages";
  let manifest = null;
  try {
    manifest = await get(`/api/meetings/${meetingId}/briefcase?w=${width}&form=${form}`);
  } catch {
    // Offline or refused: the worker keeps or drops what it has on its next check; the
    // page says what this tablet holds.
    synced.delete(meetingId);
    const kept = await keptState(meetingId);
    if (kept) tell(kept);
    return undefined;
  }
  if (!manifest.keep) return dropBriefcase(meetingId);
  const message = { type: "briefcase.sync", meetingId, width, form, first };
  if (manifest.bytes > manifest.ask_above && !agreed().has(meetingId)) {
    tell({ type: "briefcase.ask", meetingId, total: manifest.bytes, files: manifest.files.length, message });
    return undefined;
  }
  return post(message);
}

/** The delegate agrees to keep a heavy meeting's documents on this tablet. */
export function keepBriefcase(meetingId) {
  const report = progress.get(meetingId);
  const ids = agreed();
  ids.add(meetingId);
  localStorage.setItem(AGREED_KEY, JSON.stringify([...ids]));
  if (report && report.message) post(report.message);
}

/** Forget a meeting's documents (closed, withdrawn). */
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

/** Forget one document's files in every briefcase (it was removed or restricted). */
export function dropDocument(documentId) {
  post({ type: "briefcase.drop_document", documentId });
}

// Logging out empties every briefcase; a different account on the same tablet never
// reads the previous one's documents from the cache.
document.addEventListener("routechange", () => {
  if (!supported || !navigator.serviceWorker.controller) return;
  if (!session.user) {
    synced.clear();
    localStorage.removeItem(AGREED_KEY);
    navigator.serviceWorker.controller.postMessage({ type: "briefcase.clear" });
  } else {
    navigator.serviceWorker.controller.postMessage({ type: "briefcase.user", userId: session.user.id });
  }
});
