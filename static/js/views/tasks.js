// Task follow-up: a unit sees its tasks, reports progress and hands in its deliverable;
// the office sees every task it follows, overdue first, by unit, by meeting and by written
// consultation (whose synthesis report gave it), with CSV.
import { get, post } from "../api.js";
import { extend, formatDateTime, t } from "../i18n.js";
import { onConnectionChange, onNotice } from "../live.js";
import { hasRole } from "../session.js";
import { attempt, fill, h, mount, toast } from "../ui.js";
import { deadlineBanner } from "./conclusions.js";
import { stateBadge } from "./task_rows.js";
import { formatDay } from "./minutes.js";

extend({
  vi: {
    nav_tasks: "Nhiệm vụ", tasks_title: "Theo dõi nhiệm vụ",
    tasks_scope_all: "Tất cả", tasks_scope_mine: "Của đơn vị tôi", tasks_scope_office: "Theo dõi chung",
    tasks_none: "Không có nhiệm vụ nào.", tasks_export: "Xuất CSV (Excel)",
    tasks_filter_unit: "Đơn vị", tasks_filter_meeting: "Cuộc họp, lấy ý kiến", tasks_filter_state: "Tình trạng",
    tasks_meetings: "Cuộc họp", tasks_consultations: "Lấy ý kiến thành viên",
    tasks_by_consultation: "Theo phiếu lấy ý kiến", task_report_no: "Báo cáo số {number}",
    task_open_report: "Xem báo cáo tổng hợp ý kiến",
    tasks_any: "Tất cả", tasks_open: "Chưa hoàn thành", tasks_by_unit: "Theo đơn vị",
    tasks_by_meeting: "Theo cuộc họp", tasks_total: "Tổng", tasks_overdue: "Quá hạn",
    tasks_due_soon: "Sắp đến hạn", tasks_done: "Hoàn thành",
    task_notice: "Thông báo số {number}", task_days_left: "còn {n} ngày làm việc",
    task_days_late: "quá {n} ngày làm việc", task_progress: "Tiến độ",
    task_history: "Quá trình thực hiện", task_report: "Báo cáo tiến độ", task_report_note: "Nội dung báo cáo",
    task_report_send: "Gửi báo cáo tiến độ", task_deliver: "Nộp sản phẩm",
    task_deliver_note: "Ghi chú kèm sản phẩm", task_deliver_file: "Tệp sản phẩm (PDF, Word, Excel, ảnh...)",
    task_deliver_send: "Nộp sản phẩm, hoàn thành nhiệm vụ", task_reopen: "Yêu cầu thực hiện lại",
    task_reopen_prompt: "Lý do yêu cầu thực hiện lại", task_delivered: "Đã nộp sản phẩm.",
    task_kind_progress: "Báo cáo tiến độ", task_kind_deliverable: "Nộp sản phẩm",
    task_kind_reopen: "Yêu cầu thực hiện lại", task_open_notice: "Xem thông báo kết luận",
    task_expected: "Sản phẩm cần nộp", task_reported: "Đã gửi báo cáo.", task_file: "Tệp đính kèm",
    notices_due: "Thông báo kết luận chưa ban hành",
  },
  en: {
    nav_tasks: "Tasks", tasks_title: "Task follow-up",
    tasks_scope_all: "All", tasks_scope_mine: "My unit's", tasks_scope_office: "Followed by the office",
    tasks_none: "No tasks.", tasks_export: "Export CSV (Excel)",
    tasks_filter_unit: "Unit", tasks_filter_meeting: "Meeting or consultation", tasks_filter_state: "State",
    tasks_meetings: "Meetings", tasks_consultations: "Written consultations",
    tasks_by_consultation: "By consultation", task_report_no: "Report no. {number}",
    task_open_report: "Open the synthesis report",
    tasks_any: "All", tasks_open: "Not done", tasks_by_unit: "By unit",
    tasks_by_meeting: "By meeting", tasks_total: "Total", tasks_overdue: "Overdue",
    tasks_due_soon: "Due soon", tasks_done: "Done",
    task_notice: "Notice no. {number}", task_days_left: "{n} working days left",
    task_days_late: "{n} working days late", task_progress: "Progress",
    task_history: "History", task_report: "Report progress", task_report_note: "Report",
    task_report_send: "Send progress report", task_deliver: "Hand in the deliverable",
    task_deliver_note: "Note with the deliverable", task_deliver_file: "Deliverable file (PDF, Word, Excel, image...)",
    task_deliver_send: "Hand in and complete the task", task_reopen: "Send back",
    task_reopen_prompt: "Why is the task sent back?", task_delivered: "Deliverable handed in.",
    task_kind_progress: "Progress report", task_kind_deliverable: "Deliverable",
    task_kind_reopen: "Sent back", task_open_notice: "Open the conclusion notice",
    task_expected: "Expected deliverable", task_reported: "Report sent.", task_file: "Attachment",
    notices_due: "Conclusion notices not issued yet",
  },
});

const STATES = ["open", "overdue", "due_soon", "on_track", "done", "done_late"];

async function csrfToken() {
  const data = await get("/api/session");
  return data.csrf_token || "";
}

function daysText(task) {
  if (task.state === "done" || task.state === "done_late") return "";
  const n = task.working_days_left;
  return n < 0 ? t("task_days_late", { n: -n }) : t("task_days_left", { n });
}

function reportItem(taskId, report) {
  return h("li", {},
    h("strong", {}, t(`task_kind_${report.kind}`)), " · ", report.author, " · ",
    h("span", { class: "muted" }, formatDateTime(report.created_at)),
    report.progress !== null && report.kind === "progress" ? ` · ${report.progress}%` : "",
    report.note ? h("div", {}, report.note) : null,
    report.file ? h("div", {}, h("a", { href: `/api/tasks/${taskId}/reports/${report.id}/file` },
      t("task_file"), ": ", report.file.name)) : null);
}

function detailPanel(task, refresh) {
  const parts = [h("h4", {}, t("task_history")),
    task.reports.length ? h("ul", { class: "history" }, task.reports.map((r) => reportItem(task.id, r)))
      : h("p", { class: "muted" }, "—")];
  if (task.can_report) {
    const percent = h("input", { type: "number", min: 0, max: 99, value: task.progress, class: "t-progress" });
    const note = h("textarea", { rows: 2, class: "t-report-note" });
    const send = h("button", { type: "button", class: "ghost" }, t("task_report_send"));
    send.addEventListener("click", () => attempt(async () => {
      await post(`/api/tasks/${task.id}/progress`, { progress: Number(percent.value), note: note.value });
      toast(t("task_reported"));
      refresh();
    }, send));
    const deliverNote = h("textarea", { rows: 3, id: `deliver-note-${task.id}`, class: "deliver-note" });
    const file = h("input", { type: "file", id: `deliver-file-${task.id}`, class: "deliver-file" });
    const deliver = h("button", { type: "button", class: "deliver-send" }, "✔ ", t("task_deliver_send"));
    deliver.addEventListener("click", () => attempt(async () => {
      const form = new FormData();
      form.append("note", deliverNote.value);
      if (file.files[0]) form.append("file", file.files[0]);
      const response = await fetch(`/api/tasks/${task.id}/deliverable`, {
        method: "POST", body: form, credentials: "same-origin",
        headers: { "x-csrf-token": await csrfToken(), accept: "application/json" },
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error((data.error && data.error.message) || response.statusText);
      toast(t("task_delivered"));
      refresh();
    }, deliver));
    parts.push(
      h("div", { class: "task-forms" },
        h("fieldset", {}, h("legend", {}, t("task_report")),
          h("label", {}, `${t("task_progress")} (%)`, percent), h("label", {}, t("task_report_note"), note), send),
        h("fieldset", {}, h("legend", {}, t("task_deliver")),
          h("p", { class: "muted" }, `${t("task_expected")}: ${task.deliverable}`),
          h("label", {}, t("task_deliver_note"), deliverNote), h("label", {}, t("task_deliver_file"), file), deliver)));
  }
  if (task.can_reopen) {
    const reopen = h("button", { type: "button", class: "ghost task-reopen" }, t("task_reopen"));
    reopen.addEventListener("click", () => attempt(async () => {
      const comment = window.prompt(t("task_reopen_prompt")) || "";
      if (!comment.trim()) return;
      await post(`/api/tasks/${task.id}/reopen`, { comment });
      refresh();
    }, reopen));
    parts.push(reopen);
  }
  parts.push(task.consultation
    ? h("a", { href: `/consultations/${task.consultation.id}#cs-report`, "data-link": true, class: "task-origin-link" }, t("task_open_report"))
    : h("a", { href: `/meetings/${task.meeting.id}/conclusion`, "data-link": true, class: "task-origin-link" }, t("task_open_notice")));
  return h("div", { class: "task-detail" }, parts);
}

function taskCard(task, open, toggle) {
  return h("article", { class: `card task-card ${task.state}`, dataset: { taskId: task.id, state: task.state } },
    h("button", { type: "button", class: "task-head", "aria-expanded": String(open), onclick: toggle },
      h("div", { class: "row" }, stateBadge(task),
        h("span", { class: "muted task-origin" }, task.consultation
          ? [t("task_report_no", { number: task.number }), " · ", task.consultation.title]
          : [t("task_notice", { number: task.number }), " · ", task.meeting.title])),
      h("div", { class: "task-content" }, task.content),
      h("div", { class: "task-meta" },
        h("span", {}, h("b", {}, t("task_responsible"), ": "), task.responsible),
        h("span", {}, h("b", {}, t("task_deadline"), ": "), formatDay(task.deadline), " ",
          h("em", { class: task.state === "overdue" ? "late" : "" }, daysText(task))),
        h("span", {}, h("b", {}, t("task_deliverable"), ": "), task.deliverable)),
      h("div", { class: "progress", title: `${task.progress}%` },
        h("span", { style: `width:${task.progress}%` }))));
}

function summaryTable(title, groups, onPick) {
  if (groups.length < 1) return null;
  return h("div", { class: "card" }, h("h3", {}, title),
    h("div", { class: "table-scroll" }, h("table", { class: "summary-table" },
      h("tr", {}, ["", t("tasks_total"), t("tasks_overdue"), t("tasks_due_soon"), t("tasks_done")].map((x) => h("th", {}, x))),
      groups.map((g) => h("tr", {},
        h("td", {}, onPick && g.id ? h("a", { href: "#", onclick: (e) => { e.preventDefault(); onPick(g.id); } }, g.name) : g.name),
        h("td", {}, String(g.total)), h("td", { class: g.overdue ? "bad" : "" }, String(g.overdue)),
        h("td", {}, String(g.due_soon)), h("td", {}, String(g.done)))))));
}

export async function tasksView(params, query) {
  const office = hasRole("secretary", "chair", "admin");
  const filter = {
    scope: query.get("scope") || "all", unit_id: query.get("unit_id") || "",
    meeting_id: query.get("meeting_id") || "", consultation_id: query.get("consultation_id") || "",
    state: query.get("state") || "",
  };
  const opened = new Set();
  const details = new Map();
  const list = h("div", { id: "task-list" });
  const notices = h("div", { id: "notices-due" });
  const side = h("div", { class: "task-summaries" });
  const controls = h("div", { class: "row task-filters" });
  const exportLink = h("a", { class: "button ghost", id: "tasks-export" }, "⬇ ", t("tasks_export"));
  mount(h("div", { class: "row" }, h("h1", {}, t("tasks_title")), h("span", { class: "spacer" }), exportLink),
    notices, controls, h("div", { class: "tasks-layout" }, list, side));

  const queryString = () => new URLSearchParams(Object.entries(filter).filter(([, v]) => v)).toString();
  let data = { tasks: [], by_unit: [], by_meeting: [], by_consultation: [] };

  const draw = () => {
    exportLink.href = `/api/tasks.csv?${queryString()}`;
    // One list of where tasks come from: meetings, then written consultations.
    const originSelect = () => {
      const chosen = filter.meeting_id ? `m:${filter.meeting_id}` : filter.consultation_id ? `c:${filter.consultation_id}` : "";
      const group = (label, groups, prefix) => (groups.length ? h("optgroup", { label },
        groups.map((g) => h("option", { value: `${prefix}:${g.id}`, selected: chosen === `${prefix}:${g.id}` }, g.name))) : null);
      const el = h("select", { id: "filter-origin" },
        h("option", { value: "", selected: !chosen }, t("tasks_any")),
        group(t("tasks_meetings"), data.by_meeting, "m"),
        group(t("tasks_consultations"), data.by_consultation || [], "c"));
      el.addEventListener("change", () => {
        filter.meeting_id = el.value.startsWith("m:") ? el.value.slice(2) : "";
        filter.consultation_id = el.value.startsWith("c:") ? el.value.slice(2) : "";
        refresh();
      });
      return el;
    };
    const select = (name, options) => {
      const el = h("select", { id: `filter-${name}` }, options.map(([value, label]) =>
        h("option", { value, selected: String(filter[name]) === String(value) }, label)));
      el.addEventListener("change", () => { filter[name] = el.value; refresh(); });
      return el;
    };
    fill(controls,
      office ? h("div", { class: "segmented" }, ["all", "mine", "office"].map((scope) => h("button", {
        type: "button", class: filter.scope === scope ? "active" : "ghost", dataset: { scope },
        onclick: () => { filter.scope = scope; refresh(); },
      }, t(`tasks_scope_${scope}`)))) : null,
      h("label", {}, t("tasks_filter_state"),
        select("state", [["", t("tasks_any")], ...STATES.map((s) => [s, s === "open" ? t("tasks_open") : t(`state_${s}`)])])),
      h("label", {}, t("tasks_filter_unit"),
        select("unit_id", [["", t("tasks_any")], ...data.by_unit.filter((g) => g.id).map((g) => [g.id, g.name])])),
      h("label", {}, t("tasks_filter_meeting"), originSelect()));
    notices.replaceChildren(...(data.notices_due || []).length ? [h("div", { class: "card" },
      h("h3", {}, t("notices_due")),
      data.notices_due.map((n) => h("a", { class: "notice-due", href: `/meetings/${n.meeting.id}/conclusion`, "data-link": true },
        h("strong", {}, n.meeting.title), deadlineBanner(n.deadline))))] : []);
    list.replaceChildren(...(data.tasks.length ? data.tasks.map((task) => {
      const open = opened.has(task.id);
      const card = taskCard(task, open, async () => {
        if (opened.has(task.id)) opened.delete(task.id); else opened.add(task.id);
        if (opened.has(task.id)) details.set(task.id, await get(`/api/tasks/${task.id}`));
        draw();
      });
      if (open && details.has(task.id)) card.append(detailPanel(details.get(task.id), refresh));
      return card;
    }) : [h("p", { class: "muted", id: "tasks-none" }, t("tasks_none"))]));
    fill(side,
      summaryTable(t("tasks_by_unit"), data.by_unit, office ? (id) => { filter.unit_id = String(id); refresh(); } : null),
      office ? summaryTable(t("tasks_by_meeting"), data.by_meeting, (id) => {
        filter.meeting_id = String(id); filter.consultation_id = ""; refresh();
      }) : null,
      office ? summaryTable(t("tasks_by_consultation"), data.by_consultation || [], (id) => {
        filter.consultation_id = String(id); filter.meeting_id = ""; refresh();
      }) : null);
  };

  async function refresh() {
    try {
      history.replaceState({}, "", `/tasks${queryString() ? `?${queryString()}` : ""}`);
      data = await get(`/api/tasks?${queryString()}`);
      await Promise.all([...opened].map(async (id) => {
        try { details.set(id, await get(`/api/tasks/${id}`)); } catch { opened.delete(id); }
      }));
      draw();
    } catch (err) {
      toast(err.message, "error");
    }
  }

  await refresh();
  const offNotice = onNotice("tasks.changed", refresh);
  const offIssued = onNotice("conclusion.issued", refresh);
  let first = true;
  const offConn = onConnectionChange((up) => { if (up && !first) refresh(); first = false; });
  return () => { offNotice(); offIssued(); offConn(); };
}
