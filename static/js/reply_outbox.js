// A member's reply to a written consultation, kept on this device until the server
// acknowledges it. Each reply gets a random id made here; the id and the answers are stored
// (localStorage) before the first send, so a drop, a reload or a restarted tablet loses
// nothing: the same id is sent again until acknowledged, and the server answers a resend
// with the reply it stored (never stored twice). A changed reply is a new id.
// Sent over the live channel, or as a plain request while the socket is down.
import { post } from "./api.js";
import { call, connected, onConnectionChange } from "./live.js";
import { session } from "./session.js";

const store = (() => {
  try { return window.localStorage; } catch { return null; }
})();
// Kept in memory too, for a browser that refuses localStorage (private mode).
const memory = new Map();
const inFlight = new Set();
const listeners = new Set();
// Not the reply's fault: sent again later, the same id and answers.
const TRANSIENT = new Set(["timeout", "network_error", "database_busy", "database_unavailable"]);
const RETRY_MS = 3000;
let retryTimer = null;

// Keys are `ecabinet.reply.<user>.<consultation>`; session.js drops them at logout, as it
// drops ballots: a shared hall tablet keeps nothing of its previous user.
const prefix = () => `ecabinet.reply.${session.user ? session.user.id : 0}.`;

function randomId() {
  const bytes = new Uint8Array(18);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The reply not acknowledged yet for this consultation: {client_reply_id, answers}, or null. */
export function unsentReply(consultationId) {
  const key = prefix() + consultationId;
  if (!store) return memory.get(key) || null;
  try { return JSON.parse(store.getItem(key) || "null"); } catch { return null; }
}

function keep(consultationId, reply) {
  const key = prefix() + consultationId;
  memory.set(key, reply);
  if (store) store.setItem(key, JSON.stringify(reply));
}

function forget(consultationId, clientReplyId) {
  const held = unsentReply(consultationId);
  if (!held || held.client_reply_id !== clientReplyId) return;
  const key = prefix() + consultationId;
  memory.delete(key);
  if (store) store.removeItem(key);
}

/** Be told when a reply lands, is refused, or waits for the network:
 * fn(consultationId, {state: "sent", outcome, answers} | {state: "refused", error, answers} | {state: "waiting"}). */
export function onReplyOutcome(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function tell(consultationId, outcome) {
  listeners.forEach((fn) => fn(consultationId, outcome));
}

async function transmit(consultationId, reply) {
  if (connected()) return call("consultation:reply", { consultation_id: consultationId, ...reply });
  try {
    return { ok: true, ...(await post(`/api/consultations/${consultationId}/reply`, reply)) };
  } catch (err) {
    const code = err.status >= 502 ? "network_error" : err.code || "network_error";
    return { ok: false, error: { code, message: err.message } };
  }
}

async function deliver(consultationId) {
  const reply = unsentReply(consultationId);
  if (!reply || inFlight.has(consultationId)) return;
  inFlight.add(consultationId);
  let ack;
  try {
    ack = await transmit(consultationId, reply);
  } finally {
    inFlight.delete(consultationId);
  }
  if (!ack.ok && TRANSIENT.has(ack.error.code)) {
    tell(consultationId, { state: "waiting" });
    // A socket that is up but slow is tried again soon; a socket that is down brings the
    // reply back when it reconnects (resendReplies).
    if (connected()) {
      clearTimeout(retryTimer);
      retryTimer = setTimeout(resendReplies, RETRY_MS);
    }
    return;
  }
  forget(consultationId, reply.client_reply_id);
  tell(consultationId, ack.ok ? { state: "sent", outcome: ack, answers: reply.answers }
    : { state: "refused", error: ack.error, answers: reply.answers });
}

/** Send the member's answers [{question_id, choice, opinion}] under a new id. */
export function sendReply(consultationId, answers) {
  keep(consultationId, { client_reply_id: randomId(), answers });
  return deliver(consultationId);
}

/** Send again every reply of this user still waiting: at start, and whenever the live
 * channel comes back (on any screen, so a reply made before a reload still goes). */
export function resendReplies() {
  const held = store ? Object.keys(store) : [...memory.keys()];
  for (const key of held) {
    if (key.startsWith(prefix())) deliver(Number(key.slice(prefix().length)));
  }
}

let hooked = false;

/** Resend on every reconnect, and when the browser is back online (the plain request
 * may get through before the socket does); called once the app has started. */
export function watchReplies() {
  if (hooked) return;
  hooked = true;
  onConnectionChange((up) => { if (up) resendReplies(); });
  window.addEventListener("online", resendReplies);
}
