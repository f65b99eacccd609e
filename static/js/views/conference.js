// The video tab: the floor on a large stage (the hall, or the room that speaks), the
// user's own camera as a small picture-in-picture, the other rooms as a strip; the hall
// publisher, the chair's video controls (floor, mute, recording). Media goes through
// static/js/video.js.
import { get } from "../api.js";
import { extend, t } from "../i18n.js";
import { call, onNotice } from "../live.js";
import { session } from "../session.js";
import { attempt, fill, h, toast } from "../ui.js";
import { joinVideo, listDevices } from "../video.js";
import { mySpeakerRequest, speakingTimer } from "./speakers.js";

extend({
  vi: {
    video_tab: "Truyền hình", video_join: "Vào phòng truyền hình", video_leave: "Rời phòng",
    video_as_hall: "Phát hình hội trường", video_as_viewer: "Chỉ xem",
    video_hall: "Hội trường", video_floor: "Người đang phát biểu",
    video_camera: "Camera", video_microphone: "Micrô", video_ask_floor: "Xin phát biểu",
    video_quality: "Chất lượng kết nối", video_quality_good: "Tốt", video_quality_fair: "Trung bình",
    video_quality_poor: "Kém", video_status_connecting: "Đang kết nối…",
    video_status_connected: "Đã kết nối", video_status_reconnecting: "Mất kết nối, đang kết nối lại…",
    video_status_failed: "Không kết nối được", video_status_closed: "Đã rời phòng",
    video_rooms: "Các điểm cầu đang kết nối", video_mute: "Tắt tiếng", video_unmute: "Bật tiếng",
    video_give_floor: "Cho phát hình", video_take_floor: "Về hội trường",
    video_record_start: "Ghi hình", video_record_stop: "Dừng ghi hình", video_recordings: "Bản ghi hình",
    video_recording_now: "Đang ghi hình", video_not_open: "Truyền hình mở khi cuộc họp đã phát hành.",
    video_mic_on: "Bật micrô", video_mic_off: "Tắt micrô", video_requested: "Đã gửi yêu cầu phát biểu.",
    video_via_node: "(qua điểm cầu cấp huyện)", video_camera_on: "Bật camera", video_camera_off: "Tắt camera",
    video_no_rooms: "Chưa có điểm cầu nào kết nối truyền hình.",
    video_self_room: "Điểm cầu của bạn: {name}", video_self_hall: "Hội trường (hình của bạn)",
    video_on_air: "ĐANG PHÁT BIỂU · ON AIR",
    video_on_air_hint: "Hội trường và các điểm cầu đang xem và nghe điểm cầu của bạn.",
    video_speaking: "Đang phát biểu", video_end_turn: "Kết thúc phát biểu",
    video_waiting: "Đang chờ phát biểu (thứ {n})", video_withdraw: "Rút đăng ký",
    video_room_speaks: "{name} · đang phát biểu", video_hall_speaker: "Hội trường · đang phát biểu: {name}",
    video_hall_to_rooms: "Hội trường (hình của bạn) · đang phát tới các điểm cầu",
    video_before_join: "Bấm “{join}” để xem hội trường và các điểm cầu.",
    video_waiting_picture: "Đang chờ hình: {name}…", video_no_picture: "Chưa có hình: {name}",
    video_closed: "Phòng truyền hình đã đóng.",
    video_devices: "Thiết bị", video_no_devices: "Chưa có thiết bị", video_apply_devices: "Đổi thiết bị",
    video_tile_connected: "Đã kết nối", video_tile_muted: "Đã tắt tiếng",
  },
  en: {
    video_tab: "Video", video_join: "Join the video", video_leave: "Leave",
    video_as_hall: "Broadcast the hall", video_as_viewer: "Watch only",
    video_hall: "Hall", video_floor: "Current speaker",
    video_camera: "Camera", video_microphone: "Microphone", video_ask_floor: "Ask to speak",
    video_quality: "Connection quality", video_quality_good: "Good", video_quality_fair: "Fair",
    video_quality_poor: "Poor", video_status_connecting: "Connecting…",
    video_status_connected: "Connected", video_status_reconnecting: "Connection lost, reconnecting…",
    video_status_failed: "Could not connect", video_status_closed: "Left",
    video_rooms: "Connected rooms", video_mute: "Mute", video_unmute: "Unmute",
    video_give_floor: "Put on screen", video_take_floor: "Back to the hall",
    video_record_start: "Record", video_record_stop: "Stop recording", video_recordings: "Recordings",
    video_recording_now: "Recording", video_not_open: "Video opens once the meeting is published.",
    video_mic_on: "Microphone on", video_mic_off: "Microphone off", video_requested: "Your request to speak was sent.",
    video_via_node: "(through the district's node)", video_camera_on: "Camera on", video_camera_off: "Camera off",
    video_no_rooms: "No room is connected to the video yet.",
    video_self_room: "Your room: {name}", video_self_hall: "Hall (your picture)",
    video_on_air: "ON AIR",
    video_on_air_hint: "The hall and every room see and hear your room.",
    video_speaking: "Speaking", video_end_turn: "Finish speaking",
    video_waiting: "Waiting to speak (no. {n})", video_withdraw: "Withdraw",
    video_room_speaks: "{name} · speaking", video_hall_speaker: "Hall · speaking: {name}",
    video_hall_to_rooms: "Hall (your picture) · sent to every room",
    video_before_join: "Press “{join}” to watch the hall and the rooms.",
    video_waiting_picture: "Waiting for the picture: {name}…", video_no_picture: "No picture yet: {name}",
    video_closed: "The video room is closed.",
    video_devices: "Devices", video_no_devices: "No device found", video_apply_devices: "Switch devices",
    video_tile_connected: "Connected", video_tile_muted: "Muted",
  },
});

const OPEN = ["published", "in_session"];
// One video session per browser tab; it and its <video> elements survive switching
// between the meeting's tabs, and end when the user leaves the meeting.
let active = null;
// Every live event re-renders the tab; the session's elements and the last room list
// persist here so a re-render neither blanks the status nor orphans the <video>s.
const elements = {};
let lastVideoState = null;
// What follows the room list besides the rooms panels: the video tab's stage.
const stateListeners = new Set();

export const videoReducers = {
  "video.recordings": (state, event) => { state.recordings = event.data; },
};

function canControl(state) {
  const user = session.user;
  return user && (state.meeting.chair.id === user.id || user.role === "secretary");
}

function defaultRole(state) {
  if (session.user.role === "remote_room") return "remote_room";
  return "viewer";
}

function kept(id, make) {
  elements[id] ||= make();
  return elements[id];
}

function videoEl(id, muted = false) {
  return kept(id, () => {
    const el = h("video", { id, autoplay: true, playsinline: true, muted, class: "video-slot" });
    // a first frame (or none any more) changes what the stage shows
    const changed = () => stateListeners.forEach((fn) => fn());
    for (const type of ["resize", "loadeddata", "emptied"]) el.addEventListener(type, changed);
    return el;
  });
}

// <video>s not on screen stay in the document (a detached one stops playing, and the
// hall's sound must go on while the user reads a document on another tab).
function parking() {
  elements.parking ||= h("div", { class: "video-parked", "aria-hidden": "true" });
  if (!elements.parking.isConnected) document.body.append(elements.parking);
  return elements.parking;
}

function joinedTo(meetingId) {
  return Boolean(active && active.meetingId === meetingId);
}

/** This user's own room: the unit's name for a remote room's account. */
function ownRoomName(state) {
  const unit = (state.meeting.invited_units || []).find((u) => u.unit_id === session.user.unit_id);
  return unit ? unit.name : session.user.full_name;
}

/**
 * The user's room holds the floor: a remote room given the floor from the speaker queue,
 * or put on every screen by the chair.
 */
function ownRoomOnAir(state, vs) {
  const user = session.user;
  if (!user || user.role !== "remote_room") return false;
  const current = state.speakers && state.speakers.current;
  if (current && current.user_id === user.id) return true;
  return Boolean(vs && !vs.closed && vs.floor === `user:${user.id}`);
}

/**
 * What the large stage shows: the room that holds the floor when another room speaks
 * (the SFU's floor slot), else the hall (the hall slot, or the hall PC's own camera).
 */
function stageChoice(state, vs, joined, role, els) {
  const current = state.speakers && state.speakers.current;
  if (vs && vs.closed) return { el: null, text: t("video_closed") };
  if (!joined) {
    const join = role === "remote_room" ? "video_join" : canControl(state) ? "video_as_hall" : "video_as_viewer";
    return { el: null, text: t("video_before_join", { join: t(join) }) };
  }
  const me = `user:${session.user.id}`;
  const floor = vs ? vs.floor : null;
  if (floor && floor !== me && vs.floor_live) {
    const name = (vs.names && vs.names[floor]) || (current && current.remote && current.name) || floor;
    return { el: els.floor, kind: "floor", name, live: true, caption: t("video_room_speaks", { name }) };
  }
  if (role === "hall") {
    return { el: els.self, kind: "self", name: t("video_hall"), live: true, caption: t("video_hall_to_rooms") };
  }
  const hallLive = Boolean(vs && (Object.values(vs.participants || {}).includes("hall") || vs.upstream));
  const caption = current && !current.remote ? t("video_hall_speaker", { name: current.name }) : t("video_hall");
  return { el: els.hall, kind: "hall", name: t("video_hall"), live: hallLive, caption };
}

function render(container, ctx) {
  const state = ctx.state;
  if (!OPEN.includes(state.meeting.status)) {
    container.replaceChildren(h("p", { class: "muted" }, t("video_not_open")));
    return null;
  }
  const meetingId = ctx.meetingId;
  const hallEl = videoEl("video-hall");
  const floorEl = videoEl("video-floor");
  const selfEl = videoEl("video-self", true);
  const status = kept("video-status", () => h("span", { class: "badge", id: "video-status", hidden: true }, ""));
  const quality = kept("video-quality", () => h("span", { class: "muted", id: "video-quality", hidden: true }, ""));
  const cameras = kept("video-camera", () => h("select", { id: "video-camera" }));
  const microphones = kept("video-microphone", () => h("select", { id: "video-microphone" }));
  const recordings = h("ul", { id: "video-recordings" });
  const role = defaultRole(state);
  const control = canControl(state);
  const rooms = roomsPanel(meetingId, control, "video-rooms");
  const joined = joinedTo(meetingId);
  const joinedRole = joined ? active.role : role;

  const setStatus = (value) => {
    status.textContent = t(`video_status_${value}`);
    status.dataset.state = value;
    status.hidden = false;
  };
  const start = async (asRole) => {
    if (active) await active.close();
    active = null;
    setStatus("connecting");
    const config = await call("video:config", { meeting_id: meetingId });
    if (!config.ok) { setStatus("failed"); throw new Error(config.error.message); }
    active = await joinVideo({
      signal: { request: (event, data) => call(event, data, 30000) },
      iceServers: config.ice_servers,
      meetingId, role: asRole, hallEl, floorEl, localEl: asRole === "viewer" ? null : selfEl,
      deviceIds: { video: cameras.value || undefined, audio: microphones.value || undefined },
      onStatus: setStatus,
      onQuality: (q) => {
        // A word for the room; the figures for the technician who hovers over it.
        quality.textContent = `${t("video_quality")}: ${t(`video_quality_${q.level}`)}`;
        quality.title = `${Math.round(q.inKbps)} kbps · ${q.lossPercent.toFixed(1)}% · ${Math.round(q.rttMs || 0)} ms`;
        quality.dataset.framesDecoded = q.framesDecoded;
        quality.hidden = false;
      },
    });
    active.meetingId = meetingId;
    active.role = asRole;
    if (active.localStream) {
      const devices = await listDevices();
      const options = (list) => list.map((d, n) => h("option", { value: d.deviceId }, d.label || `${n + 1}`));
      cameras.replaceChildren(...options(devices.cameras));
      microphones.replaceChildren(...options(devices.microphones));
      const inUse = (kind) => active.localStream.getTracks().find((tr) => tr.kind === kind)?.getSettings?.().deviceId;
      if (inUse("video")) cameras.value = inUse("video");
      if (inUse("audio")) microphones.value = inUse("audio");
    }
    ctx.rerender(); // now joined: the stage, the switches and "Leave" appear
  };
  const leave = async () => {
    const session_ = active;
    active = null;
    await session_?.close();
    for (const el of [hallEl, floorEl, selfEl]) el.srcObject = null;
    quality.hidden = true;
    ctx.rerender();
  };

  const joinButtons = joined
    ? [h("button", { class: "ghost", id: "video-leave", onclick: (e) => attempt(leave, e.target) }, t("video_leave"))]
    : role === "remote_room"
      ? [h("button", { id: "video-join", onclick: (e) => attempt(() => start("remote_room"), e.target) }, t("video_join"))]
      : [
        control ? h("button", { id: "video-join-hall", onclick: (e) => attempt(() => start("hall"), e.target) }, t("video_as_hall")) : null,
        h("button", { id: "video-join", class: control ? "ghost" : "", onclick: (e) => attempt(() => start("viewer"), e.target) }, t("video_as_viewer")),
      ];
  if (!joined && !["connecting", "failed"].includes(status.dataset.state)) status.hidden = true;

  // A room's own microphone and camera: off without leaving (noise in a commune hall,
  // a camera that must not show the room), kept across re-renders like the session.
  const publishing = Boolean(joined && active.localStream);
  const toggle = (kind, id, onKey, offKey) => {
    const on = active?.[`${kind}On`] ?? true;
    return h("button", { class: `ghost small${on ? "" : " off"}`, id, dataset: { on: String(on) },
      onclick: () => attempt(async () => {
        if (!active) return;
        const next = !(active[`${kind}On`] ?? true);
        active[`${kind}On`] = next;
        if (kind === "mic") active.setMicrophone(next); else active.setCamera(next);
        ctx.rerender();
      }) }, t(on ? offKey : onKey));
  };

  // The room's own turn: ask, wait (and withdraw), or speak (and finish).
  const onAir = ownRoomOnAir(state, lastVideoState);
  const floorAction = () => {
    if (role !== "remote_room") return null;
    if (onAir) {
      const mine = state.speakers && state.speakers.current && state.speakers.current.user_id === session.user.id;
      return [
        h("span", { class: "video-speaking", id: "video-speaking" }, "● ", t("video_speaking")),
        mine ? h("button", { class: "ghost small", id: "video-end-turn", onclick: (e) => attempt(async () => {
          const ack = await call("speaker:end", { meeting_id: meetingId });
          if (!ack.ok) throw new Error(ack.error.message);
        }, e.target) }, t("video_end_turn")) : null,
      ];
    }
    const waiting = mySpeakerRequest(state);
    if (waiting && waiting.place > 0) {
      return [
        h("span", { class: "badge", id: "video-waiting" }, "✋ ", t("video_waiting", { n: waiting.place })),
        h("button", { class: "ghost small", onclick: (e) => attempt(async () => {
          const ack = await call("speaker:withdraw", { meeting_id: meetingId, request_id: waiting.request.id });
          if (!ack.ok) throw new Error(ack.error.message);
        }, e.target) }, t("video_withdraw")),
      ];
    }
    return h("button", { id: "video-ask-floor", onclick: (e) => attempt(async () => {
      const ack = await call("speaker:request", { meeting_id: meetingId });
      if (!ack.ok) throw new Error(ack.error.message);
      toast(t("video_requested"));
    }, e.target) }, "✋ ", t("video_ask_floor"));
  };

  const bar = h("div", { class: "card video-bar" },
    h("div", { class: "row" }, joinButtons, status, quality, h("span", { class: "spacer" }),
      floorAction(),
      publishing ? toggle("mic", "video-mic", "video_mic_on", "video_mic_off") : null,
      publishing ? toggle("camera", "video-camera-toggle", "video_camera_on", "video_camera_off") : null));

  // Cameras and microphones once they are known: after joining, with the page's
  // permission (before it the browser names none).
  const devices = publishing ? h("details", { class: "video-devices", id: "video-devices" },
    h("summary", {}, t("video_devices")),
    cameras.options.length || microphones.options.length
      ? h("div", { class: "row" },
        cameras.options.length ? h("label", {}, t("video_camera"), " ", cameras) : null,
        microphones.options.length ? h("label", {}, t("video_microphone"), " ", microphones) : null,
        h("button", { class: "ghost small", onclick: (e) => attempt(
          () => active?.switchDevices({ video: cameras.value, audio: microphones.value }), e.target) },
        "↻ ", t("video_apply_devices")))
      : h("p", { class: "muted", id: "video-no-devices" }, t("video_no_devices"))) : null;

  // The stage: one large picture of the floor, the room's own camera in a corner, the
  // on-air banner over it; the other rooms in a strip under it.
  const placeholder = h("div", { class: "video-placeholder", id: "video-placeholder" });
  const caption = h("figcaption", { class: "video-stage-caption", id: "video-stage-caption" });
  const banner = h("div", { class: "video-on-air", id: "video-on-air", role: "status", hidden: true },
    h("strong", {}, h("span", { class: "video-on-air-dot" }, "●"), " ", t("video_on_air")),
    h("span", { class: "video-on-air-hint" }, t("video_on_air_hint")));
  const selfCaption = h("figcaption", {});
  const pip = h("figure", { class: "video-pip", id: "video-pip", hidden: true }, selfCaption);
  const media = h("div", { class: "video-stage-media" });
  const stage = h("figure", { class: "video-stage", id: "video-stage" }, media, placeholder, caption, banner, pip);
  const strip = h("div", { class: "video-strip", id: "video-strip" });
  let timer = null;

  const arrange = () => {
    const vs = lastVideoState && lastVideoState.meeting_id === meetingId ? lastVideoState : null;
    const live = joinedTo(meetingId);
    const asRole = live ? active.role : role;
    const choice = stageChoice(state, vs, live, asRole, { hall: hallEl, floor: floorEl, self: selfEl });
    const air = ownRoomOnAir(state, vs);
    stage.dataset.kind = choice.kind || "none";
    stage.classList.toggle("on-air", air);
    banner.hidden = !air;
    if (air && !banner.querySelector("[data-role=speaking-timer]")) {
      const current = state.speakers && state.speakers.current;
      if (current && current.user_id === session.user.id) banner.firstChild.after(speakingTimer(current));
    }
    caption.textContent = choice.caption || "";
    caption.hidden = !choice.caption;
    if (choice.el && media.firstChild !== choice.el) media.replaceChildren(choice.el);
    if (!choice.el) media.replaceChildren();
    const picture = choice.el && choice.live && choice.el.videoWidth > 0;
    media.classList.toggle("blank", !picture);
    placeholder.hidden = Boolean(picture);
    placeholder.textContent = choice.el
      ? t(choice.live ? "video_waiting_picture" : "video_no_picture", { name: choice.name })
      : choice.text;

    // the user's own camera, small, labelled for what it is
    const showSelf = live && active.localStream && choice.el !== selfEl;
    pip.hidden = !showSelf;
    pip.classList.toggle("on-air", air);
    selfCaption.textContent = asRole === "hall" ? t("video_self_hall") : t("video_self_room", { name: ownRoomName(state) });
    if (showSelf && pip.firstChild !== selfEl) pip.prepend(selfEl);

    // the strip: the hall when a room holds the stage, then the other rooms
    const tiles = [];
    if (live && choice.el === floorEl && asRole !== "hall") {
      tiles.push(h("figure", { class: "video-tile", dataset: { tile: "hall" } }, hallEl,
        h("figcaption", {}, t("video_hall"))));
    }
    if (vs && !vs.closed) {
      const me = `user:${session.user.id}`;
      const others = [
        ...Object.entries(vs.participants || {}).filter(([, r]) => r === "remote_room").map(([pid]) => pid),
        ...(vs.below || []),
      ].filter((pid) => pid !== me && !(choice.kind === "floor" && pid === vs.floor));
      for (const pid of others) {
        const muted = (vs.muted || []).includes(pid);
        tiles.push(h("div", { class: "video-tile room", dataset: { tile: "room", participant: pid } },
          h("strong", {}, (vs.names && vs.names[pid]) || pid),
          h("span", { class: "muted" }, muted ? `🔇 ${t("video_tile_muted")}` : t("video_tile_connected"))));
      }
    }
    const hallInStrip = Boolean(tiles.length && tiles[0].contains(hallEl));
    const placed = new Set([choice.el, showSelf ? selfEl : null, hallInStrip ? hallEl : null]);
    for (const el of [hallEl, floorEl, selfEl]) if (!placed.has(el) && el.parentNode !== parking()) parking().append(el);
    strip.replaceChildren(...tiles);
    strip.hidden = !tiles.length;
    stage.classList.toggle("with-strip", hallInStrip);
    // a <video> taken out of the page for a moment was paused: play it again
    for (const el of [hallEl, floorEl, selfEl]) if (el.srcObject && el.paused) el.play?.().catch(() => {});
  };
  // The stage as large as the window allows under the bar, whatever is above it.
  const fit = () => {
    if (!stage.isConnected) return;
    const top = stage.getBoundingClientRect().top + window.scrollY;
    stage.style.setProperty("--video-stage-top", `${Math.round(top)}px`);
  };
  const rearrange = () => {
    // many events in a row (a floor change moves several things) give one redraw
    if (timer) return;
    timer = setTimeout(() => { timer = null; if (stage.isConnected) arrange(); }, 0);
  };
  stateListeners.add(rearrange);

  const showRecordings = (list) => recordings.replaceChildren(...list.map((r) => h("li", {},
    h("a", { href: `/api/meetings/${meetingId}/recordings/${r.name}` }, r.started_at), ` (${Math.round(r.size / 1024)} KB)`)));

  const recordButtons = control ? h("div", { class: "row" },
    h("button", { class: "ghost", id: "video-record-start", onclick: (e) => attempt(async () => {
      const ack = await call("video:record", { meeting_id: meetingId, action: "start" });
      if (!ack.ok) throw new Error(ack.error.message);
    }, e.target) }, "● ", t("video_record_start")),
    h("button", { class: "ghost", id: "video-record-stop", onclick: (e) => attempt(async () => {
      const ack = await call("video:record", { meeting_id: meetingId, action: "stop" });
      if (!ack.ok) throw new Error(ack.error.message);
    }, e.target) }, "■ ", t("video_record_stop"))) : null;

  arrange();
  fill(container,
    bar, stage, strip, devices,
    h("div", { class: "card" }, rooms.el, recordButtons, h("h3", {}, t("video_recordings")), recordings),
  );
  fit();
  window.addEventListener("resize", fit);
  // the bar grows (a status, the quality figures) without a re-render
  const watchBar = typeof ResizeObserver === "function" ? new ResizeObserver(fit) : null;
  watchBar?.observe(bar);
  get(`/api/meetings/${meetingId}/recordings`).then(showRecordings).catch(() => {});
  if (state.recordings) showRecordings(state.recordings.recordings || []);
  return () => {
    rooms.stop();
    stateListeners.delete(rearrange);
    clearTimeout(timer);
    window.removeEventListener("resize", fit);
    watchBar?.disconnect();
    // leaving the tab, not the meeting: the session's pictures and sound go on
    parking().append(hallEl, floorEl, selfEl);
  };
}

/**
 * The remote rooms connected to a meeting's video, with the chair's and the office's
 * controls (on screen, mute): on the video tab and on the chair's console. Follows
 * `video:state`; asks `video:status` at once so a panel opened late is right.
 */
export function roomsPanel(meetingId, control, id = undefined) {
  const el = h("div", { id, class: "video-rooms" }, h("p", { class: "muted" }, t("video_no_rooms")));
  let stop = () => {};
  const show = (vs) => {
    // A panel taken off the page (its tab left) lets go of the notices.
    if (el.dataset.shown && !el.isConnected) { stop(); return; }
    if (!vs || vs.meeting_id !== meetingId) return;
    lastVideoState = vs;
    stateListeners.forEach((fn) => fn());
    el.dataset.shown = "1";
    if (vs.closed) { el.replaceChildren(); return; }
    const entries = [
      ...Object.entries(vs.participants || {}).filter(([, r]) => r === "remote_room").map(([pid]) => [pid, false]),
      // joined at a district's SFU node: their picture reaches the hall through it
      ...(vs.below || []).map((pid) => [pid, true]),
    ];
    if (!entries.length) { el.replaceChildren(h("p", { class: "muted" }, t("video_no_rooms"))); return; }
    el.replaceChildren(h("h3", {}, t("video_rooms")), ...entries.map(([pid, below]) => {
      const muted = (vs.muted || []).includes(pid);
      const onFloor = vs.floor === pid;
      return h("div", { class: "row video-room", dataset: { participant: pid, below: String(below) } },
        h("strong", {}, vs.names?.[pid] || pid), below ? h("span", { class: "muted" }, t("video_via_node")) : null,
        onFloor ? h("span", { class: "badge in_session" }, t("video_floor")) : null,
        control && !below ? h("button", { class: "small ghost", onclick: () => attempt(async () => {
          const ack = await call("video:mute", { meeting_id: meetingId, participant_id: pid, muted: !muted });
          if (!ack.ok) throw new Error(ack.error.message);
        }) }, muted ? t("video_unmute") : t("video_mute")) : null,
        control ? h("button", { class: "small ghost", onclick: () => attempt(async () => {
          const ack = await call("video:floor", { meeting_id: meetingId, participant_id: onFloor ? null : pid });
          if (!ack.ok) throw new Error(ack.error.message);
        }) }, onFloor ? t("video_take_floor") : t("video_give_floor")) : null);
    }));
  };
  stop = onNotice("video:state", show);
  show(lastVideoState);
  call("video:status", { meeting_id: meetingId }).then((ack) => { if (ack.ok) show(ack.state); });
  return { el, stop };
}

export const videoTab = {
  id: "video", label: () => t("video_tab"),
  visible: (state) => OPEN.includes(state.meeting.status),
  render,
};

document.addEventListener("routechange", (event) => {
  if (active && !event.detail.startsWith(`/meetings/${active.meetingId}`)) {
    active.close();
    active = null;
    lastVideoState = null;
    for (const id of ["video-hall", "video-floor", "video-self"]) if (elements[id]) elements[id].srcObject = null;
  }
});
