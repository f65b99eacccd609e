// The hall display for the projector: the current item, who speaks and for how long, the
// live vote count, the result, and the attendance with the quorum. Read-only; it follows
// the meeting channel like every other screen, and catches up by itself after a drop.
import { resetServerTime, serverNow, tick } from "../clock.js";
import { extend, t } from "../i18n.js";
import { call, onNotice } from "../live.js";
import { followMeeting, itemsOf, meetingReducers, reducerTable } from "../meeting_state.js";
import { fill, h, mount, toast } from "../ui.js";
import { joinVideo } from "../video.js";
import { agendaItemReducers } from "./agenda.js";
import { attendanceReducers, countsBlock } from "./attendance.js";
import { currentSpeakerBlock, floorReducers, nextSpeakers } from "./speakers.js";
import { countdown, lastClosedPoll, openPoll, pollMeta, pollReducers, progressBar, resultBlock } from "./voting.js";

extend({
  vi: { hall_waiting: "Phiên họp chưa bắt đầu", hall_ended: "Phiên họp đã kết thúc", hall_agenda: "Chương trình họp",
        hall_vote_now: "ĐANG BIỂU QUYẾT", hall_result: "KẾT QUẢ BIỂU QUYẾT", hall_remote: "Điểm cầu đang phát biểu",
        hall_rooms_live: "Điểm cầu kết nối", hall_rooms_checked: "Điểm cầu đã điểm danh", hall_last_item: "Nội dung cuối cùng · Nội dung {n}",
        hall_more_items: "… và {n} nội dung khác", hall_voted: "Đã bỏ phiếu", hall_voted_title: "Số đại biểu đã bỏ phiếu / số đại biểu có mặt" },
  en: { hall_waiting: "The session has not started", hall_ended: "The session is over", hall_agenda: "Agenda",
        hall_vote_now: "VOTING NOW", hall_result: "RESULT", hall_remote: "Remote room speaking",
        hall_rooms_live: "Remote rooms connected", hall_rooms_checked: "Remote rooms checked in", hall_last_item: "Last item · Item {n}",
        hall_more_items: "… and {n} more items", hall_voted: "Ballots cast", hall_voted_title: "Members who voted / members present" },
});

// What the display follows: the meeting, its agenda items, the attendance, the floor and
// the polls. Nothing else, and no watchers: no toasts, no briefcase on the projector.
const reducers = reducerTable(meetingReducers, agendaItemReducers, attendanceReducers, floorReducers, pollReducers);

// The projector shows the remote room that holds the floor. Its sound comes from the hall
// publisher's PC, which feeds the hall's loudspeakers; the display stays muted so the
// hall does not hear the speaker twice (nor feed it back to them).
const VIDEO_STATES = ["published", "in_session"];
const screen = { session: null, meetingId: null, state: null, el: null };

function floorVideo() {
  screen.el ||= h("video", { id: "hall-floor-video", autoplay: true, playsinline: true, muted: true });
  return screen.el;
}

async function watchFloor(meetingId, onChange) {
  const status = await call("video:status", { meeting_id: meetingId });
  if (status.ok && status.state) { screen.state = status.state; onChange(); }
  const config = await call("video:config", { meeting_id: meetingId });
  if (!config.ok || screen.meetingId !== meetingId) return;
  screen.session = await joinVideo({
    signal: { request: (event, data) => call(event, data, 30000) },
    meetingId, role: "viewer", floorEl: floorVideo(), iceServers: config.ice_servers,
  });
}

function remoteOnFloor() {
  const vs = screen.state;
  return Boolean(vs && vs.floor && vs.floor_live);
}

function remoteFloor() {
  if (!remoteOnFloor()) return null;
  const vs = screen.state;
  return h("figure", { class: "hall-remote", id: "hall-remote" }, floorVideo(),
    h("figcaption", {}, t("hall_remote"), ": ", (vs.names && vs.names[vs.floor]) || ""));
}

/** What the big panel shows: an open vote, else the newest of a result and a speech. */
function focus(state) {
  const open = openPoll(state);
  if (open) return { kind: "poll", poll: open };
  if (remoteOnFloor()) return { kind: "speaker" }; // a remote room speaking comes first
  const closed = lastClosedPoll(state);
  const speaker = state.speakers && state.speakers.current;
  const since = speaker && speaker.started_at ? Date.parse(speaker.started_at) : 0;
  if (closed && Date.parse(closed.closed_at) >= since) return { kind: "result", poll: closed };
  return { kind: "speaker" };
}

function panel(state) {
  const f = focus(state);
  if (f.kind === "poll") {
    return h("section", { class: "hall-panel vote", id: "hall-vote", dataset: { pollId: f.poll.id } },
      h("div", { class: "hall-eyebrow live" }, "● ", t("hall_vote_now"), f.poll.closes_at ? h("span", { class: "hall-countdown" }, countdown(f.poll)) : null),
      h("div", { class: "hall-question" }, f.poll.question), pollMeta(f.poll),
      // The big count says what it counts: ballots cast out of the members present.
      h("div", { class: "hall-count", dataset: { role: "voted" }, title: t("hall_voted_title") },
        h("span", { class: "hall-count-label" }, t("hall_voted")), " ", h("span", { class: "hall-count-n" }, String(f.poll.voted)),
        h("span", { class: "hall-count-of" }, ` / ${state.attendance.counts.present}`)),
      progressBar(f.poll, state.attendance.counts.present));
  }
  if (f.kind === "result") {
    return h("section", { class: "hall-panel result-panel", id: "hall-result", dataset: { pollId: f.poll.id } },
      h("div", { class: "hall-eyebrow" }, t("hall_result")),
      h("div", { class: "hall-question" }, f.poll.question), resultBlock(f.poll, { big: true }));
  }
  const remote = remoteFloor();
  if (state.meeting.status !== "in_session" && !remote) return null; // no one speaks before or after the session
  return h("section", { class: `hall-panel speaker-panel${remote ? " with-video" : ""}`, id: "hall-speaker" }, remote,
    h("div", { class: "hall-speaker-text" }, currentSpeakerBlock(state, { big: true }), nextSpeakers(state, remote ? 2 : 3)));
}

// A projector cannot scroll: a long agenda shows the items around the current one and
// says how many more there are, instead of running off the screen. Titles take two lines
// (the current one more), so a low screen (1280×720) shows fewer rows.
function agendaRows() { return window.innerHeight < 900 ? 5 : 7; }

function agendaOutline(state) {
  const rows = agendaRows();
  const current = state.live.current_item;
  const items = itemsOf(state);
  const at = current ? Math.max(0, items.findIndex((i) => i.id === current.id)) : 0;
  let from = 0;
  if (items.length > rows) from = Math.min(Math.max(0, at - 2), items.length - (rows - 1));
  const shown = items.length > rows ? items.slice(from, from + rows - 1) : items;
  const rest = items.length - shown.length;
  return h("ol", { class: "hall-agenda", id: "hall-agenda" },
    shown.map((item, i) => h("li", { class: current && current.id === item.id ? "on" : "", title: item.title },
      h("span", { class: "hall-agenda-n" }, `${from + i + 1}.`), h("span", { class: "hall-agenda-t" }, item.title))),
    rest > 0 ? h("li", { class: "more", dataset: { role: "more" } }, t("hall_more_items", { n: rest })) : null);
}

/** Remote rooms with a live video link now, or null when no video state is known. */
function liveRooms() {
  const vs = screen.state;
  if (!vs) return null;
  if (vs.closed) return 0;
  return Object.values(vs.participants || {}).filter((role) => role === "remote_room").length + (vs.below || []).length;
}

/** The attendance block, with the rooms counted by their video links (check-ins only as a fallback). */
function hallCounts(state) {
  const block = countsBlock(state, { big: true });
  const c = state.attendance.counts;
  const live = liveRooms();
  const stat = block.querySelector("[data-role=rooms]");
  const invited = c.rooms || 0;
  if (!invited && !live) { stat?.remove(); return block; }
  const text = live === null ? `${c.rooms_connected}/${invited}` : `${live}/${Math.max(invited, live)}`;
  const label = live === null ? t("hall_rooms_checked") : t("hall_rooms_live");
  const fresh = h("div", { class: "lv-stat", dataset: { role: "rooms", source: live === null ? "checkins" : "video" } },
    h("div", { class: "lv-stat-n" }, text), h("div", { class: "lv-stat-label" }, label));
  if (stat) stat.replaceWith(fresh); else block.querySelector(".lv-stats")?.append(fresh);
  return block;
}

function itemBlock(state) {
  const current = state.live.current_item;
  const status = state.meeting.status;
  const items = itemsOf(state);
  const index = current ? items.findIndex((i) => i.id === current.id) : -1;
  if (status !== "in_session") {
    // Before or after the session nothing is under discussion; after it, the last item is named as such.
    if (!current || status === "published") return null;
    return h("div", { class: "hall-item ended", id: "hall-item" },
      h("div", { class: "hall-eyebrow" }, t("hall_last_item", { n: index + 1 })),
      h("div", { class: "hall-item-title" }, current.title));
  }
  return h("div", { class: "hall-item", id: "hall-item" },
    current ? [h("div", { class: "hall-eyebrow" }, t("live_current_item"), " · ", t("live_item_n", { n: index + 1 })),
      h("div", { class: "hall-item-title" }, current.title),
      current.presenter ? h("div", { class: "hall-muted" }, t("live_presenter", { name: current.presenter })) : null]
      : h("div", { class: "hall-muted" }, t("live_no_item")));
}

function draw(root, state) {
  const status = state.meeting.status;
  const clock = h("span", { class: "hall-clock" });
  tick(clock, () => {
    clock.textContent = new Date(serverNow()).toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh" });
  }, 1000);
  root.dataset.status = status;
  fill(root,
    h("header", { class: "hall-head" },
      h("div", { class: "hall-head-text" }, h("div", { class: "hall-unit" }, state.meeting.unit.name.toUpperCase()),
        h("div", { class: "hall-title", id: "hall-title" }, state.meeting.title)),
      h("span", { class: "spacer" }), clock),
    h("div", { class: "hall-body" },
      h("main", { class: "hall-main" },
        status !== "in_session" ? h("div", { class: "hall-banner", id: "hall-banner" }, status === "published" ? t("hall_waiting") : t("hall_ended")) : null,
        itemBlock(state),
        panel(state)),
      h("aside", { class: "hall-side" }, hallCounts(state),
        h("div", { class: "hall-eyebrow" }, t("hall_agenda")), agendaOutline(state))));
}

export async function hallView(params) {
  const meetingId = Number(params.id);
  document.body.classList.add("hall-mode");
  const root = h("div", { class: "hall", id: "hall" }, h("p", {}, t("loading")));
  mount(root);
  let state = null;
  let queued = false;
  // A burst of events (a vote's progress) redraws once per frame, not once per event.
  const redraw = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; if (state) draw(root, state); });
  };
  screen.meetingId = meetingId;
  screen.state = null;
  const offVideo = onNotice("video:state", (vs) => {
    if (vs.meeting_id !== meetingId) return;
    screen.state = vs;
    redraw();
  });
  const meeting = followMeeting(meetingId, {
    reducers,
    onSnapshot: (snapshot) => {
      state = snapshot;
      resetServerTime(snapshot.live && snapshot.live.server_time);
      draw(root, state);
      if (!screen.session && VIDEO_STATES.includes(state.meeting.status)) {
        watchFloor(meetingId, redraw).catch(() => { /* no video here: the display goes on */ });
      }
    },
    onEvent: (_, event) => {
      // The result must reach the screen at once, even in a background tab.
      if (event.type === "poll.updated") draw(root, state); else redraw();
    },
    onError: (error) => toast(error ? error.message : t("network_error"), "error"),
  });
  return () => {
    meeting.close();
    offVideo();
    screen.session?.close();
    Object.assign(screen, { session: null, meetingId: null, state: null });
    document.body.classList.remove("hall-mode");
  };
}
