// A meeting's last snapshot, kept beside its offline briefcase (the same per-user cache,
// so it goes when the briefcase goes: meeting closed, access withdrawn, logout), so the
// meeting page and its agenda open on a tablet that has no network or no server.
import { session } from "./session.js";

const KEY = "/__briefcase__/snapshot";
const KEPT = new Set(["published", "in_session", "adjourned"]);
const supported = typeof caches !== "undefined" && window.isSecureContext;
const cacheName = (userId, meetingId) => `ecabinet-briefcase:u${userId}:m${meetingId}`;

/** Keep a meeting's snapshot for offline use while its documents are kept. */
export async function keepSnapshot(meetingId, snapshot) {
  const user = session.user;
  if (!supported || !user || !snapshot.meeting || !KEPT.has(snapshot.meeting.status)) return;
  const body = JSON.stringify(snapshot); // now: the screen changes the object as events come
  try {
    const cache = await caches.open(cacheName(user.id, meetingId));
    await cache.put(KEY, new Response(body, { headers: { "content-type": "application/json" } }));
  } catch {
    // storage full or denied: the meeting page then needs the network, as before
  }
}

/** The kept snapshot of a meeting for the logged-in user, or null. */
export async function storedSnapshot(meetingId) {
  const user = session.user;
  if (!supported || !user) return null;
  try {
    const name = cacheName(user.id, meetingId);
    if (!(await caches.has(name))) return null;
    const hit = await (await caches.open(name)).match(KEY);
    return hit ? await hit.json() : null;
  } catch {
    return null;
  }
}
