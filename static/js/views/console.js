// The chair's console: which item is before the hall, attendance and quorum, the floor,
// the polls, and the gathered questions of the current item in order of support.
import { put } from "../api.js";
import { clockText, observeServerTime } from "../clock.js";
import { extend, t } from "../i18n.js";
import { call } from "../live.js";
import { itemsOf } from "../meeting_state.js";
import { attempt, fill, h, keepView } from "../ui.js";
import { countsBlock } from "./attendance.js";
import { roomsPanel } from "./conference.js";
import { forItem, questionCard } from "./questions.js";
import { floorConsole } from "./speakers.js";
import { openPoll, ownBallot, pollConsole, pollEditor } from "./voting.js";

extend({
  vi: {
    cs_tab: "Điều hành", cs_agenda: "Chương trình họp", cs_set_item: "Đưa ra thảo luận", cs_on_now: "Đang thảo luận",
    cs_clear_item: "Tạm dừng", cs_attendance: "Điểm danh", cs_floor: "Phát biểu", cs_polls: "Biểu quyết",
    cs_questions: "Câu hỏi, ý kiến về nội dung đang thảo luận", cs_hall: "Màn hình hội trường", cs_entrance: "Mã QR điểm danh",
    cs_not_in_session: "Bắt đầu phiên họp (thẻ Thông tin chung) để điều hành.", cs_video: "Điểm cầu truyền hình",
  },
  en: {
    cs_tab: "Console", cs_agenda: "Agenda", cs_set_item: "Put before the hall", cs_on_now: "Under discussion",
    cs_clear_item: "Pause", cs_attendance: "Attendance", cs_floor: "Floor", cs_polls: "Voting",
    cs_questions: "Questions on the current item", cs_hall: "Hall display", cs_entrance: "Check-in QR code",
    cs_not_in_session: "Start the session (Overview tab) to run it.", cs_video: "Video rooms",
  },
});

function agendaControl(ctx) {
  const current = ctx.state.live.current_item;
  const inSession = ctx.state.meeting.status === "in_session";
  const setItem = (itemId, button) => attempt(async () => {
    const ack = await call("live:item", { meeting_id: ctx.meetingId, item_id: itemId });
    if (!ack.ok) throw new Error(ack.error.message);
  }, button);
  return h("ol", { class: "agenda-control", id: "agenda-control" }, itemsOf(ctx.state).map((item, n) => {
    const on = current && current.id === item.id;
    const b = h("button", { type: "button", class: `small${on ? " ghost" : ""}`, disabled: !inSession,
      dataset: { setItem: item.id } }, on ? t("cs_clear_item") : t("cs_set_item"));
    b.addEventListener("click", () => setItem(on ? null : item.id, b));
    return h("li", { class: on ? "on" : "", dataset: { itemId: item.id } },
      h("span", { class: "agenda-n" }, n + 1),
      h("span", { class: "agenda-title" }, item.title, on ? h("span", { class: "badge live-badge" }, "● ", t("cs_on_now")) : null),
      b);
  }));
}

function speakingLimit(ctx) {
  const select = h("select", { id: "speaking-limit" }, [60, 120, 180, 300, 420, 600].map((s) =>
    h("option", { value: s, selected: ctx.state.live.speaking_limit_seconds === s }, clockText(s))));
  select.addEventListener("change", () => attempt(() => put(`/api/meetings/${ctx.meetingId}/live/settings`,
    { speaking_limit_seconds: Number(select.value) })));
  return h("label", { class: "inline" }, "⏱ ", select);
}

function consoleView(container, ctx) {
  const view = keepView(container, "console", () => {
    const parts = {
      notice: h("div", {}), agenda: h("div", {}), attendance: h("div", {}), floor: h("div", {}),
      polls: h("div", {}), questions: h("div", {}), limit: h("span", {}),
      editor: h("details", { class: "poll-new", open: true }, h("summary", {}, t("v_new")), pollEditor(ctx)),
      openPoll: null,
      // The rooms panel follows the video by itself; the view keeps it across renders.
      rooms: roomsPanel(ctx.meetingId, true, "console-rooms").el,
    };
    const links = h("div", { class: "row console-links" },
      h("a", { class: "button ghost small", href: `/hall/${ctx.meetingId}`, target: "_blank", id: "open-hall" }, t("cs_hall")),
      h("a", { class: "button ghost small", href: `/entrance/${ctx.meetingId}`, target: "_blank" }, t("cs_entrance")));
    // Three columns, each panel scrolling inside itself, so that at 1366×768 the whole
    // meeting is on one screen: what is before the hall and who is here; who speaks and
    // which rooms are live; what is being voted and asked.
    const card = (id, head, ...content) => h("section", { class: "card console-panel", id },
      head, h("div", { class: "console-panel-body" }, ...content));
    const root = h("div", { class: "console" },
      parts.notice,
      h("div", { class: "console-grid" },
        h("div", { class: "console-col" },
          card("console-agenda", h("div", { class: "row console-head" }, h("h2", {}, t("cs_agenda")), h("span", { class: "spacer" }), links), parts.agenda),
          card("console-attendance", h("h2", {}, t("cs_attendance")), parts.attendance)),
        h("div", { class: "console-col" },
          card("console-floor", h("div", { class: "row console-head" }, h("h2", {}, t("cs_floor")), h("span", { class: "spacer" }), parts.limit), parts.floor),
          card("console-video", h("h2", {}, t("cs_video")), parts.rooms)),
        h("div", { class: "console-col" },
          card("console-polls", h("h2", {}, t("cs_polls")), parts.polls, parts.editor),
          card("console-questions", h("h2", {}, t("cs_questions")), parts.questions))));
    return { root, ...parts };
  });
  const state = ctx.state;
  observeServerTime(state.live.server_time);
  fill(view.notice, state.meeting.status !== "in_session" ? h("p", { class: "notice" }, t("cs_not_in_session")) : null);
  view.agenda.replaceChildren(agendaControl(ctx));
  view.attendance.replaceChildren(countsBlock(state));
  view.limit.replaceChildren(speakingLimit(ctx));
  view.floor.replaceChildren(floorConsole(ctx));
  // The vote under way, then the chair's own ballot for it (so no prompt covers the panel).
  const open = openPoll(state);
  fill(view.polls, pollConsole(ctx), open ? ownBallot(ctx, open) : null);
  // A vote just opened, or just closed with its result, comes into view with the form that
  // makes votes folded away: the chair unfolds it for the next one.
  const openId = open ? open.id : null;
  if (openId !== view.openPoll) {
    view.openPoll = openId;
    view.editor.open = false;
    view.polls.parentElement.scrollTop = 0;
  }
  const item = state.live.current_item;
  const list = forItem(state, item ? item.id : null);
  fill(view.questions, list.length
    ? h("ol", { class: "lv-questions", id: "console-questions" }, list.map((q) => questionCard(ctx, q, list)))
    : h("p", { class: "muted" }, "—"));
}

export const consoleTab = {
  id: "console", label: () => t("cs_tab"),
  visible: (state) => Boolean(state.live && state.live.presides) && ["published", "in_session", "adjourned"].includes(state.meeting.status),
  render: consoleView,
  screen: true,
};
