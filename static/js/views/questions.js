// Questions and opinions per agenda item: send, +1, and for the secretary merge, file,
// mark answered, export (CSV) and print. The chair sees each item's list by support.
import { post, put } from "../api.js";
import { extend, t } from "../i18n.js";
import { call } from "../live.js";
import { itemsOf } from "../meeting_state.js";
import { session } from "../session.js";
import { attempt, h, keepView, toast } from "../ui.js";

extend({
  vi: {
    q_tab: "Câu hỏi, ý kiến", q_new: "Gửi câu hỏi, ý kiến", q_text: "Nội dung", q_item: "Về nội dung",
    q_kind_question: "Câu hỏi", q_kind_opinion: "Ý kiến", q_send: "Gửi", q_sent: "Đã gửi.",
    q_general: "Vấn đề chung", q_none: "Chưa có câu hỏi, ý kiến.", q_support: "Ủng hộ",
    q_supported: "Đã ủng hộ", q_answered: "Đã trả lời", q_mark_answered: "Đánh dấu đã trả lời", q_reopen: "Mở lại",
    q_merge_into: "Gộp vào câu hỏi…", q_move_to: "Chuyển sang nội dung…", q_merged_n: "Gộp {n} câu hỏi trùng",
    q_export: "Tải CSV", q_print: "In danh sách", q_all_items: "Tất cả nội dung", q_by: "{name}",
    q_answer_note: "Ghi chú trả lời (không bắt buộc)", q_placeholder: "Đề nghị làm rõ…", q_count: "{n} câu hỏi, ý kiến",
    q_more: "Xem tất cả câu hỏi, ý kiến",
  },
  en: {
    q_tab: "Questions", q_new: "Send a question or opinion", q_text: "Text", q_item: "On item",
    q_kind_question: "Question", q_kind_opinion: "Opinion", q_send: "Send", q_sent: "Sent.",
    q_general: "General", q_none: "No questions yet.", q_support: "Support",
    q_supported: "Supported", q_answered: "Answered", q_mark_answered: "Mark answered", q_reopen: "Reopen",
    q_merge_into: "Merge into…", q_move_to: "Move to item…", q_merged_n: "{n} duplicates merged",
    q_export: "Download CSV", q_print: "Print list", q_all_items: "All items", q_by: "{name}",
    q_answer_note: "Answer note (optional)", q_placeholder: "Please clarify…", q_count: "{n} questions",
    q_more: "All questions and opinions",
  },
});

export const questionReducers = {
  "question.updated": (state, event) => {
    const list = state.questions.questions;
    const q = event.data.question;
    const index = list.findIndex((x) => x.id === q.id);
    if (index < 0) list.push(q); else list[index] = q;
  },
};

/** Open before answered, most supported first, then oldest first (as the server orders). */
export function ordered(questions) {
  return [...questions].sort((a, b) => (a.status === "open" ? 0 : 1) - (b.status === "open" ? 0 : 1)
    || b.support_count - a.support_count || a.created_at.localeCompare(b.created_at) || a.id - b.id);
}

export function forItem(state, itemId) {
  return ordered(state.questions.questions.filter((q) => q.item_id === itemId && !q.merged_into));
}

function supportButton(q) {
  const me = session.user && session.user.id;
  const mine = q.supporters.includes(me);
  const own = q.author.id === me;
  const b = h("button", { type: "button", class: `lv-support${mine ? " on" : ""}`, disabled: own,
    dataset: { support: q.id }, "aria-pressed": String(mine) }, `+1 · ${q.support_count}`);
  b.addEventListener("click", () => attempt(async () => {
    const ack = await call("question:support", { question_id: q.id, on: !mine });
    if (!ack.ok) throw new Error(ack.error.message || ack.error.code);
  }, b));
  return b;
}

function manageTools(ctx, q, siblings) {
  const tools = [];
  const { manages, answers } = ctx.state.questions;
  if (answers) {
    const b = h("button", { type: "button", class: "small ghost", dataset: { answer: q.id } },
      q.status === "open" ? `✔ ${t("q_mark_answered")}` : t("q_reopen"));
    b.addEventListener("click", () => attempt(() => post(`/api/questions/${q.id}/answer`, { answered: q.status === "open" }), b));
    tools.push(b);
  }
  if (manages) {
    const others = siblings.filter((x) => x.id !== q.id);
    if (others.length) {
      const merge = h("select", { class: "small-select", dataset: { merge: q.id } }, h("option", { value: "" }, t("q_merge_into")),
        others.map((x) => h("option", { value: x.id }, `#${x.id} ${x.text.slice(0, 60)}`)));
      merge.addEventListener("change", () => merge.value && attempt(() => post(`/api/questions/${q.id}/merge`, { into: Number(merge.value) })));
      tools.push(merge);
    }
    const move = h("select", { class: "small-select" }, h("option", { value: "-" }, t("q_move_to")),
      h("option", { value: "" }, t("q_general")),
      itemsOf(ctx.state).filter((i) => i.id !== q.item_id).map((i) => h("option", { value: i.id }, i.title.slice(0, 60))));
    move.addEventListener("change", () => move.value !== "-" && attempt(() => put(`/api/questions/${q.id}/item`, { item_id: move.value ? Number(move.value) : null })));
    tools.push(move);
  }
  return tools.length ? h("div", { class: "q-tools no-print" }, tools) : null;
}

export function questionCard(ctx, q, siblings = []) {
  return h("li", { class: `lv-question ${q.status}`, dataset: { questionId: q.id } },
    h("div", { class: "q-head" },
      h("span", { class: `badge kind-${q.kind}` }, t(`q_kind_${q.kind}`)),
      q.status === "answered" ? h("span", { class: "badge answered" }, `✔ ${t("q_answered")}`) : null,
      q.merged.length ? h("span", { class: "badge" }, t("q_merged_n", { n: q.merged.length })) : null,
      h("span", { class: "spacer" }), supportButton(q)),
    h("p", { class: "q-text" }, q.text),
    h("div", { class: "muted small-text" }, q.author.name, q.author.title ? ` — ${q.author.title}` : "",
      q.author.unit ? ` (${q.author.unit})` : ""),
    q.answer_note ? h("div", { class: "q-note" }, q.answer_note) : null,
    manageTools(ctx, q, siblings));
}

/** The compose box: kept across live updates, so typing is never lost. */
export function composer(ctx, { itemId = undefined, compact = false } = {}) {
  const items = itemsOf(ctx.state);
  const item = h("select", { class: "q-item", hidden: itemId !== undefined },
    items.map((i, n) => h("option", { value: i.id }, `${n + 1}. ${i.title}`)), h("option", { value: "" }, t("q_general")));
  const current = ctx.state.live && ctx.state.live.current_item;
  if (current) item.value = String(current.id);
  const kind = h("select", { class: "q-kind" }, h("option", { value: "question" }, t("q_kind_question")),
    h("option", { value: "opinion" }, t("q_kind_opinion")));
  const text = h("textarea", { class: "q-text-input", rows: compact ? 2 : 3, placeholder: t("q_placeholder"), maxlength: 4000 });
  const send = h("button", { type: "button", class: "q-send" }, t("q_send"));
  send.addEventListener("click", () => attempt(async () => {
    if (!text.value.trim()) return;
    const target = itemId !== undefined ? (ctx.state.live.current_item ? ctx.state.live.current_item.id : null)
      : (item.value ? Number(item.value) : null);
    await post(`/api/meetings/${ctx.meetingId}/questions`, { text: text.value, item_id: target, kind: kind.value });
    text.value = "";
    toast(t("q_sent"));
  }, send));
  return h("div", { class: `composer${compact ? " compact" : ""}` },
    compact ? null : h("h2", {}, t("q_new")),
    h("div", { class: "row" }, kind, item), text, h("div", { class: "row" }, h("span", { class: "spacer" }), send));
}

function groupBlock(ctx, itemId, title, questions) {
  const export_ = ctx.state.questions.answers
    ? h("span", { class: "row no-print" },
      h("a", { class: "button ghost small", href: `/api/meetings/${ctx.meetingId}/questions/export.csv?item=${itemId ?? "general"}`, download: "" }, t("q_export")),
      (() => {
        const b = h("button", { type: "button", class: "ghost small" }, t("q_print"));
        b.addEventListener("click", () => {
          document.querySelectorAll(".q-group").forEach((g) => g.classList.toggle("print-this", g.dataset.item === String(itemId)));
          document.body.classList.add("printing-questions");
          window.print();
          document.body.classList.remove("printing-questions");
        });
        return b;
      })()) : null;
  return h("section", { class: "card q-group", dataset: { item: String(itemId) } },
    h("div", { class: "row" }, h("h2", {}, title), h("span", { class: "muted" }, t("q_count", { n: questions.length })), h("span", { class: "spacer" }), export_),
    questions.length ? h("ol", { class: "lv-questions" }, questions.map((q) => questionCard(ctx, q, questions)))
      : h("p", { class: "muted" }, t("q_none")));
}

function questionsView(container, ctx) {
  const view = keepView(container, "questions", () => {
    const list = h("div", {});
    const compose = ctx.state.questions.may_ask ? h("div", { class: "card" }, composer(ctx)) : null;
    return { root: h("div", { class: "questions-tab" }, compose, list), list };
  });
  const items = itemsOf(ctx.state);
  const groups = items.map((item, n) => groupBlock(ctx, item.id, `${n + 1}. ${item.title}`, forItem(ctx.state, item.id)));
  groups.push(groupBlock(ctx, null, t("q_general"), forItem(ctx.state, null)));
  view.list.replaceChildren(...groups);
}

export const questionsTab = {
  id: "questions", label: () => t("q_tab"),
  visible: (state) => Boolean(state.questions) && ["published", "in_session", "adjourned", "closed"].includes(state.meeting.status),
  render: questionsView,
};
