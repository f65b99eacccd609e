// The live channel: one socket per browser tab, one MeetingChannel per open meeting.
// Events are applied strictly in seq order; a gap, a reconnect or a restarted server
// triggers a catch-up from the server's event log (or a fresh snapshot), so a screen
// is never left wrong after a drop.
import { io } from "/static/node_modules/socket.io-client/dist/socket.io.esm.min.js";
import { keepSnapshot, storedSnapshot } from "./offline.js";

let socket = null;
const channels = new Map();
const noticeHandlers = new Map();
const statusHandlers = new Set();
const GAP_WAIT_MS = 400;
// A quiet meeting shows no gap: an event lost while the nodes' message bus was down would
// stay unseen until the next change, so every screen also catches up this often.
const RESYNC_MS = 30000;
// With no channel this long (at once when the browser knows it is offline), a meeting
// shows its kept snapshot: the agenda and documents stay readable in a hall without Wi-Fi.
const OFFLINE_WAIT_MS = 3000;

export function connected() { return Boolean(socket && socket.connected); }

export function onConnectionChange(handler) {
  statusHandlers.add(handler);
  handler(connected());
  return () => statusHandlers.delete(handler);
}

/** Subscribe to user-level notices such as "meetings.changed". */
export function onNotice(type, handler) {
  if (!noticeHandlers.has(type)) {
    noticeHandlers.set(type, new Set());
    if (socket) socket.on(type, (data) => noticeHandlers.get(type).forEach((fn) => fn(data)));
  }
  noticeHandlers.get(type).add(handler);
  return () => noticeHandlers.get(type).delete(handler);
}

export function connect() {
  if (socket) return socket;
  socket = io({ transports: ["websocket"], reconnectionDelay: 500, reconnectionDelayMax: 5000 });
  const report = () => statusHandlers.forEach((fn) => fn(socket.connected));
  socket.on("connect", () => {
    report();
    channels.forEach((channel) => channel.join());
  });
  socket.on("disconnect", report);
  socket.on("connect_error", report);
  socket.on("event", (event) => channels.get(event.meeting_id)?.receive(event));
  for (const [type, handlers] of noticeHandlers) {
    socket.on(type, (data) => handlers.forEach((fn) => fn(data)));
  }
  return socket;
}

export function disconnect() {
  if (socket) socket.disconnect();
  socket = null;
  channels.clear();
}

/** Emit a live action with acknowledgement; resolves to {ok, ...} or {ok:false, error}. */
export async function call(event, data, timeoutMs = 10000) {
  const s = connect();
  try {
    return await s.timeout(timeoutMs).emitWithAck(event, data);
  } catch {
    return { ok: false, error: { code: "timeout", message: "" } };
  }
}

export class MeetingChannel {
  /**
   * onSnapshot(snapshot) replaces the screen's state; onEvent(event) applies one change.
   */
  constructor(meetingId, { onSnapshot, onEvent, onError }) {
    this.meetingId = meetingId;
    this.onSnapshot = onSnapshot;
    this.onEvent = onEvent;
    this.onError = onError || (() => {});
    this.lastSeq = null;
    this.pending = new Map();
    this.hidden = new Set();
    this.gapTimer = null;
    this.pulse = null;
    this.joining = false;
  }

  open() {
    channels.set(this.meetingId, this);
    const s = connect();
    if (s.connected) this.join();
    else this.offlineTimer = setTimeout(() => this.fromBriefcase(), navigator.onLine ? OFFLINE_WAIT_MS : 0);
    this.pulse = setInterval(() => {
      if (socket && socket.connected && this.lastSeq !== null && !this.joining) this.resync();
    }, RESYNC_MS);
    return this;
  }

  close() {
    channels.delete(this.meetingId);
    clearTimeout(this.gapTimer);
    clearTimeout(this.offlineTimer);
    clearInterval(this.pulse);
    if (socket && socket.connected) socket.emit("meeting:leave", { meeting_id: this.meetingId });
  }

  async join() {
    if (this.joining) return;
    this.joining = true;
    try {
      const ack = await call("meeting:join", { meeting_id: this.meetingId, last_seq: this.lastSeq });
      this.handleCatchUp(ack);
    } finally {
      this.joining = false;
    }
  }

  async resync() {
    const ack = await call("meeting:sync", { meeting_id: this.meetingId, last_seq: this.lastSeq });
    this.handleCatchUp(ack);
  }

  handleCatchUp(ack) {
    if (!ack || !ack.ok) {
      this.onError(ack ? ack.error : null);
      return;
    }
    if (ack.snapshot) {
      keepSnapshot(this.meetingId, ack.snapshot);
      this.lastSeq = ack.snapshot.seq;
      this.hidden.clear();
      for (const seq of [...this.pending.keys()]) if (seq <= this.lastSeq) this.pending.delete(seq);
      this.onSnapshot(ack.snapshot);
    }
    for (const event of ack.events || []) this.receive(event);
    this.drain();
  }

  /** The kept snapshot, while the channel is down and nothing fresher came. It sets no
   * seq: the first join once back online brings a whole fresh snapshot. */
  async fromBriefcase() {
    const kept = await storedSnapshot(this.meetingId);
    if (kept && this.lastSeq === null && channels.get(this.meetingId) === this) {
      this.onSnapshot({ ...kept, offline: true });
    }
  }

  receive(event) {
    if (this.lastSeq === null) {
      this.pending.set(event.seq, event);
      return;
    }
    if (event.seq <= this.lastSeq) {
      // Content for a seq first seen as a placeholder (we are in its audience).
      if (this.hidden.has(event.seq) && event.type !== "hidden") {
        this.hidden.delete(event.seq);
        this.onEvent(event);
      }
      return;
    }
    this.pending.set(event.seq, event);
    this.drain();
  }

  drain() {
    while (this.pending.has(this.lastSeq + 1)) {
      const event = this.pending.get(this.lastSeq + 1);
      this.pending.delete(event.seq);
      this.lastSeq = event.seq;
      if (event.type === "hidden") {
        this.hidden.add(event.seq);
        if (this.hidden.size > 500) this.hidden.delete(this.hidden.values().next().value);
      } else {
        this.onEvent(event);
      }
    }
    clearTimeout(this.gapTimer);
    if (this.pending.size) {
      // Events may arrive slightly out of order; a gap that persists means one was lost.
      this.gapTimer = setTimeout(() => { if (this.pending.size) this.resync(); }, GAP_WAIT_MS);
    }
  }
}
