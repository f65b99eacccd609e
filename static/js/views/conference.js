// The video tab: a remote room's camera and the hall, the hall publisher, the chair's
// video controls (floor, mute, recording). Media goes through static/js/video.js.
import { get } from "../api.js";
import { extend, t } from "../i18n.js";
import { call, onNotice } from "../live.js";
import { session } from "../session.js";
import { attempt, h, toast } from "../ui.js";
import { joinVideo, listDevices } from "../video.js";

extend({
  vi: {
    video_tab: "Truyền hình", video_join: "Vào phòng truyền hình", video_leave: "Rời phòng",
    video_as_hall: "Phát hình hội trường", video_as_viewer: "Chỉ xem",
    video_hall: "Hội trường", video_floor: "Người đang phát biểu", video_self: "Hình của điểm cầu",
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
  },
  en: {
    video_tab: "Video", video_join: "Join the video", video_leave: "Leave",
    video_as_hall: "Broadcast the hall", video_as_viewer: "Watch only",
    video_hall: "Hall", video_floor: "Current speaker", video_self: "This room",
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
  return kept(id, () => h("video", { id, autoplay: true, playsinline: true, muted, class: "video-slot" }));
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
  const status = kept("video-status", () => h("span", { class: "badge", id: "video-status" }, ""));
  const quality = kept("video-quality", () => h("span", { class: "muted", id: "video-quality" }, ""));
  const cameras = kept("video-camera", () => h("select", { id: "video-camera" }));
  const microphones = kept("video-microphone", () => h("select", { id: "video-microphone" }));
  const recordings = h("ul", { id: "video-recordings" });
  const role = defaultRole(state);
  const control = canControl(state);
  const rooms = roomsPanel(meetingId, control, "video-rooms");

  const setStatus = (value) => {
    status.textContent = t(`video_status_${value}`);
    status.dataset.state = value;
  };
  const start = async (asRole) => {
    if (active) await active.close();
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
        quality.textContent = `${t("video_quality")}: ${t(`video_quality_${q.level}`)} · `
          + `${Math.round(q.inKbps)} kbps · ${q.lossPercent.toFixed(1)}% · ${Math.round(q.rttMs || 0)} ms`;
        quality.dataset.framesDecoded = q.framesDecoded;
      },
    });
    active.meetingId = meetingId;
    active.role = asRole;
    const devices = await listDevices();
    cameras.replaceChildren(...devices.cameras.map((d) => h("option", { value: d.deviceId }, d.label || d.deviceId)));
    microphones.replaceChildren(...devices.microphones.map((d) => h("option", { value: d.deviceId }, d.label || d.deviceId)));
    ctx.rerender(); // now publishing: the microphone and camera switches appear
  };

  const joinButtons = h("div", { class: "row" },
    role === "remote_room"
      ? h("button", { id: "video-join", onclick: (e) => attempt(() => start("remote_room"), e.target) }, t("video_join"))
      : [
        control ? h("button", { id: "video-join-hall", onclick: (e) => attempt(() => start("hall"), e.target) }, t("video_as_hall")) : null,
        h("button", { id: "video-join", class: control ? "ghost" : "", onclick: (e) => attempt(() => start("viewer"), e.target) }, t("video_as_viewer")),
      ],
    h("button", { class: "ghost", id: "video-leave", onclick: (e) => attempt(async () => { await active?.close(); active = null; }, e.target) }, t("video_leave")),
    status, quality);

  // A room's own microphone and camera: off without leaving (noise in a commune hall,
  // a camera that must not show the room), kept across re-renders like the session.
  const publishing = Boolean(active && active.meetingId === meetingId && active.localStream);
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
  const roomControls = h("div", { class: "row" },
    h("label", {}, t("video_camera"), cameras), h("label", {}, t("video_microphone"), microphones),
    publishing ? toggle("mic", "video-mic", "video_mic_on", "video_mic_off") : null,
    publishing ? toggle("camera", "video-camera-toggle", "video_camera_on", "video_camera_off") : null,
    h("button", { class: "ghost small", onclick: () => attempt(() => active?.switchDevices({ video: cameras.value, audio: microphones.value })) }, "↻"),
    role === "remote_room" ? h("button", { id: "video-ask-floor", onclick: (e) => attempt(async () => {
      const ack = await call("speaker:request", { meeting_id: meetingId });
      if (!ack.ok) throw new Error(ack.error.message);
      toast(t("video_requested"));
    }, e.target) }, "✋ ", t("video_ask_floor")) : null);

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

  container.replaceChildren(
    h("div", { class: "card" }, joinButtons, role !== "viewer" || control ? roomControls : null),
    h("div", { class: "video-grid" },
      h("figure", {}, floorEl, h("figcaption", {}, t("video_floor"))),
      h("figure", {}, hallEl, h("figcaption", {}, t("video_hall"))),
      h("figure", { class: "self" }, selfEl, h("figcaption", {}, t("video_self")))),
    h("div", { class: "card" }, rooms.el, recordButtons, h("h3", {}, t("video_recordings")), recordings),
  );
  get(`/api/meetings/${meetingId}/recordings`).then(showRecordings).catch(() => {});
  if (state.recordings) showRecordings(state.recordings.recordings || []);
  return () => { rooms.stop(); };
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
  }
});
