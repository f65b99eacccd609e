// The delegate's tablet during the meeting: check in, the current item and its documents,
// the open vote, asking to speak, and the questions on this item. Everything follows the
// meeting channel; after a drop the channel catches up and this screen is redrawn.
import { observeServerTime } from "../clock.js";
import { extend, t } from "../i18n.js";
import { fill, h, keepView } from "../ui.js";
import { checkInStrip } from "./attendance.js";
import { composer, forItem, questionCard } from "./questions.js";
import { askToSpeak, currentItemCard, currentSpeakerBlock } from "./speakers.js";
import { ballotCard, lastClosedPoll, openPoll, pollMeta, resultBlock } from "./voting.js";
import "./meetings_i18n.js";

extend({
  vi: { tb_tab: "Phiên họp", tb_not_started: "Phiên họp chưa bắt đầu. Bạn có thể điểm danh khi đến hội trường.",
        tb_questions: "Câu hỏi, ý kiến về nội dung này", tb_ended: "Phiên họp đã kết thúc.", tb_last_result: "Kết quả biểu quyết gần nhất" },
  en: { tb_tab: "Session", tb_not_started: "The session has not started. You can check in when you arrive.",
        tb_questions: "Questions and opinions on this item", tb_ended: "The session is over.", tb_last_result: "Latest result" },
});

function tabletView(container, ctx) {
  const view = keepView(container, "tablet", () => {
    const top = h("div", {});
    const poll = h("div", {});
    const floor = h("div", {});
    const questions = h("div", {});
    const compose = h("div", {});
    const root = h("div", { class: "tablet" }, top, poll, floor,
      h("div", { class: "card" }, h("h2", {}, t("tb_questions")), compose, questions));
    return { root, top, poll, floor, questions, compose, composed: false };
  });
  const state = ctx.state;
  observeServerTime(state.live.server_time);
  const status = state.meeting.status;
  const inSession = status === "in_session";
  fill(view.top, 
    status === "published" ? h("p", { class: "notice" }, t("tb_not_started")) : null,
    ["adjourned", "closed"].includes(status) ? h("p", { class: "notice" }, t("tb_ended")) : null,
    status === "cancelled" ? h("p", { class: "notice bad" }, t("cancelled_notice"), " ", state.meeting.change_reason || "") : null,
    ["published", "in_session"].includes(status) ? checkInStrip(ctx) : null,
    currentItemCard(state, ctx.meetingId));

  const open = openPoll(state);
  const closed = lastClosedPoll(state);
  fill(view.poll, 
    open ? ballotCard(ctx, open) : null,
    !open && closed ? h("div", { class: "card", id: "last-result" }, h("div", { class: "eyebrow" }, t("tb_last_result")),
      h("h3", {}, closed.question), pollMeta(closed), resultBlock(closed)) : null);

  fill(view.floor, inSession ? h("div", { class: "card floor-card" },
    currentSpeakerBlock(state), state.live.takes_part ? h("div", { class: "row" }, askToSpeak(ctx)) : null) : null);

  const item = state.live.current_item;
  const list = forItem(state, item ? item.id : null);
  if (!view.composed && state.questions.may_ask) {
    fill(view.compose, composer(ctx, { itemId: null, compact: true }));
    view.composed = true;
  }
  fill(view.questions, list.length
    ? h("ol", { class: "lv-questions" }, list.slice(0, 8).map((q) => questionCard(ctx, q, [])))
    : h("p", { class: "muted" }, "—"),
  h("a", { href: `/meetings/${ctx.meetingId}/questions`, "data-link": true }, t("q_more")));
}

export const tabletTab = {
  id: "live", label: () => t("tb_tab"),
  visible: (state) => Boolean(state.live) && ["published", "in_session", "adjourned"].includes(state.meeting.status),
  render: tabletView,
};
