// The conclusion tab (thông báo kết luận): per agenda item the conclusions and the tasks
// (who, by when, what they deliver); the secretary sends it for signature, the chair signs
// and it is issued with its number; the due date (5 working days) is watched throughout.
import { post, put } from "../api.js";
import { extend, t } from "../i18n.js";
import { askDialog, attempt, h, toast } from "../ui.js";
import { unitGroups } from "../units.js";
import { docBadge, formatDay, signDialog, signaturesBlock } from "./minutes.js";
import { readTaskRows, taskReferences, taskRow, taskRows, tasksTable } from "./task_rows.js";

extend({
  vi: {
    conclusion_tab: "Kết luận", conclusion_title: "Thông báo kết luận",
    conclusion_status_draft: "Dự thảo", conclusion_status_signing: "Chờ chủ trì ký",
    conclusion_status_issued: "Đã ban hành",
    conclusion_create: "Soạn thông báo kết luận", conclusion_none: "Chưa có thông báo kết luận.",
    conclusion_summary: "Trích yếu", conclusion_opening: "Phần mở đầu",
    conclusion_closing: "Phần kết thúc", conclusion_item_title: "Nội dung",
    conclusion_item_text: "Kết luận (mỗi dòng một đoạn)", conclusion_add_item: "+ Thêm nội dung kết luận",
    conclusion_remove_item: "Xóa nội dung", conclusion_recipients: "Nơi nhận",
    conclusion_save: "Lưu dự thảo", conclusion_submit: "Trình chủ trì ký",
    conclusion_sign: "Ký số và ban hành", conclusion_return: "Trả lại",
    conclusion_return_prompt: "Ý kiến khi trả lại thông báo", conclusion_returned: "Chủ trì trả lại với ý kiến:",
    conclusion_pdf: "Xem dự thảo (PDF)", conclusion_issued_pdf: "Thông báo đã ban hành (PDF)",
    conclusion_saved: "Đã lưu thông báo kết luận.", conclusion_number: "Số",
    conclusion_submitted: "Đã trình chủ trì ký thông báo kết luận.",
    conclusion_return_title: "Trả lại thông báo kết luận", conclusion_returned_ok: "Đã trả lại thông báo kết luận cho thư ký.",
    conclusion_issue_date: "Ngày ban hành",
    deadline_on_track: "Hạn ban hành thông báo kết luận: {date} (còn {n} ngày làm việc).",
    deadline_due_soon: "Sắp đến hạn ban hành thông báo kết luận: {date} (còn {n} ngày làm việc).",
    deadline_overdue: "Đã quá hạn ban hành thông báo kết luận ({date}, quá {n} ngày làm việc).",
    deadline_issued_on_time: "Đã ban hành đúng hạn (hạn {date}).",
    deadline_issued_late: "Đã ban hành sau hạn {date}.",
  },
  en: {
    conclusion_tab: "Conclusions", conclusion_title: "Conclusion notice",
    conclusion_status_draft: "Draft", conclusion_status_signing: "Awaiting the chair's signature",
    conclusion_status_issued: "Issued",
    conclusion_create: "Write the conclusion notice", conclusion_none: "No conclusion notice yet.",
    conclusion_summary: "Summary line", conclusion_opening: "Opening",
    conclusion_closing: "Closing", conclusion_item_title: "Topic",
    conclusion_item_text: "Conclusions (one paragraph per line)", conclusion_add_item: "+ Add a topic",
    conclusion_remove_item: "Remove topic", conclusion_recipients: "Recipients",
    conclusion_save: "Save draft", conclusion_submit: "Send to the chair for signature",
    conclusion_sign: "Sign and issue", conclusion_return: "Return",
    conclusion_return_prompt: "Why is the notice returned?", conclusion_returned: "The chair returned it with this comment:",
    conclusion_pdf: "View draft (PDF)", conclusion_issued_pdf: "Issued notice (PDF)",
    conclusion_saved: "Conclusion notice saved.", conclusion_number: "No.",
    conclusion_submitted: "The conclusion notice was sent to the chair for signature.",
    conclusion_return_title: "Return the conclusion notice", conclusion_returned_ok: "The notice was returned to the secretary.",
    conclusion_issue_date: "Issued on",
    deadline_on_track: "The conclusion notice is due on {date} ({n} working days left).",
    deadline_due_soon: "The conclusion notice is due soon: {date} ({n} working days left).",
    deadline_overdue: "The conclusion notice is overdue ({date}, {n} working days late).",
    deadline_issued_on_time: "Issued on time (due {date}).",
    deadline_issued_late: "Issued after its due date {date}.",
  },
});

const OPEN = ["in_session", "adjourned", "closed"];

export const conclusionReducers = {
  "conclusion.updated": (state, event) => {
    state.conclusion = state.conclusion || { access: {} };
    state.conclusion.conclusion = event.data.conclusion;
    state.conclusion.deadline = event.data.conclusion.deadline;
  },
  "task.updated": (state, event) => {
    const notice = state.conclusion && state.conclusion.conclusion;
    if (!notice) return;
    for (const item of notice.items) {
      item.tasks = item.tasks.map((task) => (task.id === event.data.task.id ? event.data.task : task));
    }
  },
};

export function deadlineBanner(info) {
  if (!info) return null;
  const n = Math.abs(info.working_days_left);
  const kind = { overdue: "bad", due_soon: "warn", issued_late: "warn" }[info.state] || "ok";
  return h("div", { class: `deadline ${kind}`, id: "conclusion-deadline", dataset: { state: info.state } },
    t(`deadline_${info.state}`, { date: formatDay(info.due_date), n }));
}

function itemEditor(refs, item) {
  const tasks = taskRows(refs, item.tasks);
  return h("fieldset", { class: "conclusion-item", dataset: { itemId: item.id || "", agendaItemId: item.agenda_item_id || "" } },
    h("label", {}, t("conclusion_item_title"), h("input", { class: "c-title", value: item.title, maxlength: 500 })),
    h("label", {}, t("conclusion_item_text"), h("textarea", { class: "c-text", rows: 4 }, item.text || "")),
    h("h4", {}, t("tasks_of_item")), tasks,
    h("div", { class: "row" },
      h("button", { type: "button", class: "ghost small add-task", onclick: () => tasks.append(taskRow(refs)) }, t("task_add")),
      h("span", { class: "spacer" }),
      h("button", { type: "button", class: "ghost small", onclick: (e) => e.target.closest(".conclusion-item").remove() },
        t("conclusion_remove_item"))));
}

function collect(form, notice) {
  const number = (v) => (v ? Number(v) : null);
  return {
    summary: form.querySelector("#c-summary").value,
    opening: form.querySelector("#c-opening").value,
    closing: form.querySelector("#c-closing").value,
    version: notice.version,
    recipient_unit_ids: [...form.querySelectorAll(".c-recipient:checked")].map((box) => Number(box.value)),
    items: [...form.querySelectorAll(".conclusion-item")].map((el) => ({
      id: number(el.dataset.itemId),
      agenda_item_id: number(el.dataset.agendaItemId),
      title: el.querySelector(".c-title").value,
      text: el.querySelector(".c-text").value,
      tasks: readTaskRows(el),
    })),
  };
}

function editorFor(ctx, notice, refs) {
  const chosen = new Set(notice.recipients.map((r) => r.id));
  const items = h("div", { id: "conclusion-items" }, notice.items.map((item) => itemEditor(refs, item)));
  const form = h("form", { id: "conclusion-form", onsubmit: (e) => e.preventDefault() },
    h("label", {}, t("conclusion_summary"), h("input", { id: "c-summary", value: notice.summary, maxlength: 500 })),
    h("label", {}, t("conclusion_opening"), h("textarea", { id: "c-opening", rows: 4 }, notice.opening)),
    items,
    h("button", { type: "button", class: "ghost small", id: "conclusion-add-item",
                  onclick: () => items.append(itemEditor(refs, { title: "", text: "", tasks: [] })) },
      t("conclusion_add_item")),
    h("label", {}, t("conclusion_closing"), h("textarea", { id: "c-closing", rows: 2 }, notice.closing)),
    h("fieldset", { class: "recipients" }, h("legend", {}, t("conclusion_recipients")),
      unitGroups(refs.units).map((group) => h("div", { class: "recipient-group", dataset: { kind: group.kind } },
        h("div", { class: "muted recipient-group-label" }, group.label),
        group.units.map((u) => h("label", { class: "inline" },
          h("input", { type: "checkbox", class: "c-recipient", value: u.id, checked: chosen.has(u.id) }), u.name))))));
  const store = async () => {
    ctx.state.conclusion = await put(`/api/meetings/${ctx.meetingId}/conclusion`, collect(form, notice));
    ctx.conclusionEditor = null;
  };
  const save = h("button", { type: "button", id: "conclusion-save" }, t("conclusion_save"));
  save.addEventListener("click", () => attempt(async () => { await store(); toast(t("conclusion_saved")); ctx.rerender(); }, save));
  const submit = h("button", { type: "button", id: "conclusion-submit" }, t("conclusion_submit"));
  submit.addEventListener("click", () => attempt(async () => {
    await store();
    ctx.state.conclusion = await post(`/api/meetings/${ctx.meetingId}/conclusion/submit`);
    toast(t("conclusion_submitted"));
    ctx.rerender();
  }, submit));
  return h("div", {}, form, h("div", { class: "row sticky-actions" }, h("span", { class: "spacer" }), save, submit));
}

function readOnly(notice) {
  return h("div", { class: "paper", id: "conclusion-paper" },
    h("p", { class: "centre strong" }, notice.summary),
    notice.opening.split("\n").filter(Boolean).map((p) => h("p", {}, p)),
    notice.items.map((item, index) => h("section", { dataset: { itemId: item.id } },
      h("h3", {}, `${index + 1}. ${item.title}`),
      item.text.split("\n").filter(Boolean).map((p) => h("p", {}, p)),
      item.tasks.length ? tasksTable(item.tasks) : null)),
    notice.closing ? h("p", {}, notice.closing) : null);
}

async function render(container, ctx) {
  const state = ctx.state.conclusion || { access: {} };
  const access = state.access || {};
  const notice = state.conclusion;
  const head = h("div", { class: "row" }, h("h2", {}, t("conclusion_title")), h("span", { class: "spacer" }),
    notice ? docBadge("conclusion", notice.status) : null);
  const banner = deadlineBanner(notice ? notice.deadline : state.deadline);
  if (!notice) {
    const create = h("button", { type: "button", id: "conclusion-create" }, t("conclusion_create"));
    create.addEventListener("click", () => attempt(async () => {
      ctx.state.conclusion = await post(`/api/meetings/${ctx.meetingId}/conclusion`);
      ctx.rerender();
    }, create));
    container.replaceChildren(h("div", { class: "card" }, head, banner, h("p", { class: "muted" }, t("conclusion_none")),
      access.manage && ["in_session", "adjourned"].includes(ctx.state.meeting.status) ? create : null));
    return;
  }
  const parts = [head, banner];
  if (notice.number) {
    parts.push(h("p", {}, `${t("conclusion_number")}: `, h("strong", { id: "conclusion-number" }, notice.number),
      notice.issue_date ? ` · ${t("conclusion_issue_date")}: ${formatDay(notice.issue_date)}` : ""));
  }
  if (notice.status === "draft" && notice.return_comment) {
    parts.push(h("div", { class: "notice" }, t("conclusion_returned"), " ", h("em", {}, notice.return_comment)));
  }
  const actions = h("div", { class: "row", id: "conclusion-actions" });
  if (notice.pdf) {
    actions.append(h("a", { class: "button ghost", id: "conclusion-pdf", target: "_blank", rel: "noopener",
                            href: `/api/meetings/${ctx.meetingId}/conclusion/pdf` },
      notice.status === "issued" ? t("conclusion_issued_pdf") : t("conclusion_pdf")));
  }
  if (notice.status === "signing" && access.chair) {
    const sign = h("button", { type: "button", id: "conclusion-sign" }, "✍ ", t("conclusion_sign"));
    sign.addEventListener("click", () => attempt(() => signDialog(async (passphrase) => {
      ctx.state.conclusion = await post(`/api/meetings/${ctx.meetingId}/conclusion/sign`, { passphrase });
      ctx.rerender();
    }), sign));
    const back = h("button", { type: "button", class: "ghost", id: "conclusion-return" }, t("conclusion_return"));
    back.addEventListener("click", () => attempt(async () => {
      const comment = await askDialog({
        id: "conclusion-return-dialog", title: t("conclusion_return_title"), confirmLabel: t("conclusion_return"),
        input: { label: t("conclusion_return_prompt"), maxlength: 2000 },
        action: async (text) => {
          ctx.state.conclusion = await post(`/api/meetings/${ctx.meetingId}/conclusion/return`, { comment: text });
        },
      });
      if (comment === null) return;
      toast(t("conclusion_returned_ok"));
      ctx.rerender();
    }, back));
    actions.append(sign, back);
  }
  parts.push(actions, notice.status !== "draft" ? signaturesBlock(notice.pdf) : null);
  const card = h("div", { class: "card" }, ...parts);
  if (notice.status === "draft" && access.manage) {
    const version = notice.version;
    if (!ctx.conclusionEditor || ctx.conclusionEditor.version !== version) {
      const refs = await taskReferences(ctx);
      if (ctx.tab !== "conclusion") return; // the user moved on while the lists loaded
      ctx.conclusionEditor = { version, element: editorFor(ctx, notice, refs) };
    }
    container.replaceChildren(card, h("div", { class: "card" }, ctx.conclusionEditor.element));
  } else {
    ctx.conclusionEditor = null;
    container.replaceChildren(card, h("div", { class: "card" }, readOnly(notice)));
  }
}

export const conclusionTab = {
  id: "conclusion",
  label: () => t("conclusion_tab"),
  visible: (state) => OPEN.includes(state.meeting.status) && Boolean(
    state.conclusion && (state.conclusion.access.manage || state.conclusion.access.chair || state.conclusion.conclusion)),
  render,
};
