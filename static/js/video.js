// Video for a meeting room: publish this room's camera and microphone (hall, remote
// room) and show the two slots every participant receives from the SFU: the hall and
// whoever holds the floor. Signalling goes through the caller's `signal.request`
// (socket.io events video:join / video:leave, docs/video.md). ICE is not trickled:
// the offer is sent once every local candidate is in it.

export const LAYOUTS = {
  hall: [["uplink", "audio"], ["uplink", "video"], ["floor", "audio"], ["floor", "video"]],
  remote_room: [
    ["uplink", "audio"], ["uplink", "video"],
    ["hall", "audio"], ["hall", "video"],
    ["floor", "audio"], ["floor", "video"],
  ],
  viewer: [["hall", "audio"], ["hall", "video"], ["floor", "audio"], ["floor", "video"]],
};

const GATHER_TIMEOUT_MS = 5000;
const DISCONNECTED_GRACE_MS = 3000;
const FIRST_BACKOFF_MS = 500;

/** Cameras and microphones, labelled once the page has media permission. */
export async function listDevices() {
  const devices = await navigator.mediaDevices.enumerateDevices();
  return {
    cameras: devices.filter((d) => d.kind === "videoinput"),
    microphones: devices.filter((d) => d.kind === "audioinput"),
  };
}

function constraints(deviceIds, kind) {
  const id = kind === "audio" ? deviceIds.audio : deviceIds.video;
  if (kind === "video") {
    const video = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 25 } };
    return id ? { ...video, deviceId: { exact: id } } : video;
  }
  const audio = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
  return id ? { ...audio, deviceId: { exact: id } } : audio;
}

async function openMedia(deviceIds) {
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: constraints(deviceIds, "audio"),
      video: constraints(deviceIds, "video"),
    });
  } catch (error) {
    // a room without a camera still joins with its microphone, and vice versa
    for (const kind of ["audio", "video"]) {
      try {
        return await navigator.mediaDevices.getUserMedia({ [kind]: constraints(deviceIds, kind) });
      } catch { /* try the other kind */ }
    }
    throw error;
  }
}

function waitForGathering(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (pc.iceGatheringState !== "complete") return;
      pc.removeEventListener("icegatheringstatechange", done);
      clearTimeout(timer);
      resolve();
    };
    // without STUN/TURN host candidates come at once; never wait forever
    const timer = setTimeout(() => {
      pc.removeEventListener("icegatheringstatechange", done);
      resolve();
    }, GATHER_TIMEOUT_MS);
    pc.addEventListener("icegatheringstatechange", done);
  });
}

class VideoError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

// codes after which trying again cannot help
const FINAL_ERRORS = new Set(["forbidden", "bad_role", "bad_offer", "hall_taken", "room_closed"]);

function qualityLevel(lossPercent, rttMs) {
  if (lossPercent > 8 || rttMs > 600) return "poor";
  if (lossPercent > 2 || rttMs > 250) return "fair";
  return "good";
}

/**
 * Join a meeting's video. Returns a session: { close(), switchDevices(ids),
 * setMicrophone(on), setCamera(on), localStream, pc, state }.
 */
export async function joinVideo({
  signal,
  meetingId,
  role,
  hallEl = null,
  floorEl = null,
  localEl = null,
  deviceIds = {},
  iceServers = [],
  onQuality = null,
  onStatus = null,
  statsIntervalMs = 2000,
  maxBackoffMs = 15000,
}) {
  const layout = LAYOUTS[role];
  if (!layout) throw new VideoError("bad_role", `unknown video role ${role}`);
  if (!signal || typeof signal.request !== "function") {
    throw new TypeError("joinVideo needs signal.request(eventName, data)");
  }
  const publishes = layout.some(([slot]) => slot === "uplink");
  const session = {
    pc: null,
    senders: {},
    localStream: publishes ? await openMedia(deviceIds) : null,
    state: "connecting",
    closed: false,
    attempts: 0,
  };
  if (localEl && session.localStream) {
    localEl.muted = true;
    localEl.srcObject = session.localStream;
  }
  let statsTimer = null;
  let retryTimer = null;
  let graceTimer = null;
  let previous = null;

  const status = (state, detail) => {
    session.state = state;
    if (onStatus) onStatus(state, detail);
  };

  const show = (el, tracks) => {
    const present = tracks.filter(Boolean);
    if (!el || !present.length) return;
    el.srcObject = new MediaStream(present);
    el.play?.().catch(() => { /* autoplay policy: the page shows a play button */ });
  };

  async function connect() {
    const pc = new RTCPeerConnection({ iceServers, bundlePolicy: "max-bundle", rtcpMuxPolicy: "require" });
    session.pc = pc;
    const received = {};
    const senders = {};
    session.senders = senders;
    for (const [slot, kind] of layout) {
      if (slot === "uplink") {
        const track = session.localStream?.getTracks().find((t) => t.kind === kind);
        senders[kind] = pc.addTransceiver(track || kind, {
          direction: "sendonly",
          streams: session.localStream ? [session.localStream] : [],
        }).sender;
      } else {
        received[`${slot}/${kind}`] = pc.addTransceiver(kind, { direction: "recvonly" }).receiver.track;
      }
    }
    pc.addEventListener("connectionstatechange", () => onConnectionState(pc));
    await pc.setLocalDescription(await pc.createOffer());
    await waitForGathering(pc);
    const ack = await signal.request("video:join", {
      meeting_id: meetingId,
      role,
      offer: pc.localDescription.sdp,
    });
    if (!ack || !ack.ok) {
      const error = ack?.error || {};
      throw new VideoError(error.code || "join_failed", error.message);
    }
    if (session.closed || session.pc !== pc) {
      pc.close();
      return;
    }
    await pc.setRemoteDescription({ type: "answer", sdp: ack.answer });
    show(hallEl, [received["hall/audio"], received["hall/video"]]);
    show(floorEl, [received["floor/audio"], received["floor/video"]]);
  }

  function onConnectionState(pc) {
    if (pc !== session.pc || session.closed) return;
    const state = pc.connectionState;
    if (state === "connected") {
      clearTimeout(graceTimer);
      session.attempts = 0;
      status("connected");
    } else if (state === "failed") {
      rejoin("ice_failed");
    } else if (state === "disconnected") {
      // ICE often recovers by itself within a few seconds (Wi-Fi roaming)
      status("reconnecting", "disconnected");
      clearTimeout(graceTimer);
      graceTimer = setTimeout(() => {
        if (session.pc === pc && pc.connectionState !== "connected") rejoin("ice_disconnected");
      }, DISCONNECTED_GRACE_MS);
    }
  }

  function rejoin(reason) {
    if (session.closed || retryTimer) return;
    const delay = Math.min(maxBackoffMs, FIRST_BACKOFF_MS * 2 ** session.attempts);
    session.attempts += 1;
    status("reconnecting", reason);
    const old = session.pc;
    session.pc = null;
    old?.close();
    retryTimer = setTimeout(async () => {
      retryTimer = null;
      if (session.closed) return;
      try {
        await connect();
      } catch (error) {
        if (FINAL_ERRORS.has(error.code)) {
          status("failed", error.code);
          return;
        }
        rejoin(error.code || "signal_failed");
      }
    }, delay);
  }

  async function measure() {
    const pc = session.pc;
    if (!pc || !onQuality) return;
    const report = await pc.getStats();
    const now = { lost: 0, received: 0, bytesIn: 0, bytesOut: 0, framesDecoded: 0, rtt: null, at: performance.now() };
    report.forEach((s) => {
      if (s.type === "inbound-rtp") {
        now.lost += s.packetsLost || 0;
        now.received += s.packetsReceived || 0;
        now.bytesIn += s.bytesReceived || 0;
        if (s.kind === "video") now.framesDecoded += s.framesDecoded || 0;
      } else if (s.type === "outbound-rtp") {
        now.bytesOut += s.bytesSent || 0;
      } else if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded") {
        if (typeof s.currentRoundTripTime === "number") now.rtt = s.currentRoundTripTime * 1000;
      }
    });
    if (previous) {
      const seconds = Math.max(0.001, (now.at - previous.at) / 1000);
      const lost = Math.max(0, now.lost - previous.lost);
      const got = Math.max(0, now.received - previous.received);
      const lossPercent = lost + got ? (100 * lost) / (lost + got) : 0;
      const rttMs = now.rtt ?? 0;
      onQuality({
        lossPercent,
        rttMs: now.rtt,
        inKbps: (8 * (now.bytesIn - previous.bytesIn)) / seconds / 1000,
        outKbps: (8 * (now.bytesOut - previous.bytesOut)) / seconds / 1000,
        framesDecoded: now.framesDecoded,
        level: qualityLevel(lossPercent, rttMs),
        state: session.state,
      });
    }
    previous = now;
  }

  session.close = async () => {
    if (session.closed) return;
    session.closed = true;
    clearInterval(statsTimer);
    clearTimeout(retryTimer);
    clearTimeout(graceTimer);
    session.pc?.close();
    session.pc = null;
    session.localStream?.getTracks().forEach((t) => t.stop());
    status("closed");
    try {
      await signal.request("video:leave", { meeting_id: meetingId });
    } catch { /* leaving is best effort */ }
  };

  /** Switch camera and/or microphone without rejoining. */
  session.switchDevices = async (ids) => {
    if (!publishes) return;
    Object.assign(deviceIds, ids);
    for (const kind of ["audio", "video"]) {
      if (!(kind in ids)) continue;
      const stream = await navigator.mediaDevices.getUserMedia({ [kind]: constraints(deviceIds, kind) });
      const track = stream.getTracks()[0];
      const old = session.localStream.getTracks().find((t) => t.kind === kind);
      const sender = session.senders?.[kind];
      if (sender) await sender.replaceTrack(track);
      if (old) {
        session.localStream.removeTrack(old);
        old.stop();
      }
      session.localStream.addTrack(track);
    }
  };

  const enable = (kind, on) => session.localStream?.getTracks()
    .filter((t) => t.kind === kind)
    .forEach((t) => { t.enabled = on; });
  session.setMicrophone = (on) => enable("audio", on);
  session.setCamera = (on) => enable("video", on);

  try {
    await connect();
  } catch (error) {
    if (FINAL_ERRORS.has(error.code)) {
      session.localStream?.getTracks().forEach((t) => t.stop());
      throw error;
    }
    rejoin(error.code || "signal_failed");
  }
  statsTimer = setInterval(() => { measure().catch(() => {}); }, statsIntervalMs);
  return session;
}
