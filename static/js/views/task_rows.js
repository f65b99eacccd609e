// Tasks as the office writes them (what, who, by when, what they deliver) in a conclusion
// notice or in a consultation's synthesis report, and as both show them once written.
import { get } from "../api.js";
import { dayField, parseDay } from "../dates.js";
import { extend, t } from "../i18n.js";
import { h } from "../ui.js";
import { unitGroups } from "../units.js";
import { formatDay } from "./minutes.js";

extend({
  vi: {
    tasks_of_item: "Nhiệm vụ", task_content: "Nội dung nhiệm vụ", task_responsible: "Đơn vị, cá nhân chủ trì",
    task_deadline: "Thời hạn", task_deliverable: "Sản phẩm", task_add: "+ Thêm nhiệm vụ",
    task_remove: "Xóa", task_choose: "— Chọn —", task_units: "Đơn vị", task_people: "Cá nhân",
    task_state: "Tình trạng",
    state_planned: "Chưa ban hành", state_on_track: "Đang thực hiện", state_due_soon: "Sắp đến hạn",
    state_overdue: "Quá hạn", state_done: "Hoàn thành", state_done_late: "Hoàn thành (quá hạn)",
  },
  en: {
    tasks_of_item: "Tasks", task_content: "Task", task_responsible: "Responsible unit or person",
    task_deadline: "Deadline", task_deliverable: "Deliverable", task_add: "+ Add task",
    task_remove: "Remove", task_choose: "— Choose —", task_units: "Units", task_people: "People",
    task_state: "State",
    state_planned: "Not issued", state_on_track: "In progress", state_due_soon: "Due soon",
    state_overdue: "Overdue", state_done: "Done", state_done_late: "Done late",
  },
});

export function stateBadge(task) {
  return h("span", { class: `badge task-${task.state}`, dataset: { state: task.state } }, t(`state_${task.state}`));
}

/** The units and people a task may be given to, loaded once per `cache` object. */
export function taskReferences(cache) {
  if (!cache.taskRefs) {
    cache.taskRefs = Promise.all([
      get("/api/units").then((u) => u.units || []).catch(() => []),
      get("/api/users").catch(() => []),
    ]).then(([units, users]) => ({
      units, users: users.filter((u) => u.active && !["remote_room", "observer", "admin"].includes(u.role)),
    }));
  }
  return cache.taskRefs;
}

function responsibleSelect(refs, task) {
  const value = task.responsible_unit ? `u:${task.responsible_unit.id}`
    : task.responsible_user ? `p:${task.responsible_user.id}` : "";
  return h("select", { class: "t-responsible" },
    h("option", { value: "" }, t("task_choose")),
    // Tasks go to units first (a department, a district), people last.
    unitGroups(refs.units).map((group) => h("optgroup", { label: group.label, dataset: { kind: group.kind } },
      group.units.map((u) => h("option", { value: `u:${u.id}`, selected: value === `u:${u.id}` }, u.name)))),
    h("optgroup", { label: t("task_people") },
      refs.users.map((u) => h("option", { value: `p:${u.id}`, selected: value === `p:${u.id}` },
        u.title ? `${u.full_name} — ${u.title}` : u.full_name))));
}

/** One task's fields, with a button that removes it. */
export function taskRow(refs, task = {}) {
  const remove = h("button", { type: "button", class: "ghost small", onclick: (e) => e.target.closest(".task-row").remove() },
    t("task_remove"));
  return h("div", { class: "task-row", dataset: { taskId: task.id || "" } },
    h("label", { class: "wide" }, t("task_content"),
      h("textarea", { class: "t-content", rows: 2, maxlength: 5000 }, task.content || "")),
    h("label", {}, t("task_responsible"), responsibleSelect(refs, task)),
    // dd/mm/yyyy whatever the browser's locale (an <input type=date> would follow it).
    h("label", {}, t("task_deadline"), dayField({ class: "t-deadline" }, { value: task.deadline || "" })),
    h("label", {}, t("task_deliverable"),
      h("input", { class: "t-deliverable", maxlength: 500, value: task.deliverable || "" })),
    h("div", { class: "task-row-actions" }, remove));
}

/** The rows of the given tasks, in one container. */
export function taskRows(refs, tasks) {
  return h("div", { class: "task-rows" }, tasks.map((task) => taskRow(refs, task)));
}

/** The tasks written in the rows under `root`, as the API takes them. */
export function readTaskRows(root) {
  return [...root.querySelectorAll(".task-row")].map((row) => {
    const who = row.querySelector(".t-responsible").value;
    const deadline = row.querySelector(".t-deadline").value;
    return {
      id: row.dataset.taskId ? Number(row.dataset.taskId) : null,
      content: row.querySelector(".t-content").value,
      deadline: parseDay(deadline) || deadline.trim(),
      deliverable: row.querySelector(".t-deliverable").value,
      responsible_unit_id: who.startsWith("u:") ? Number(who.slice(2)) : null,
      responsible_user_id: who.startsWith("p:") ? Number(who.slice(2)) : null,
    };
  });
}

/** Written tasks as a table; once issued, where each stands. */
export function tasksTable(tasks) {
  return h("div", { class: "table-scroll" }, h("table", { class: "tasks-table" },
    h("tr", {}, ["#", t("task_content"), t("task_responsible"), t("task_deadline"), t("task_deliverable"), t("task_state")]
      .map((x) => h("th", {}, x))),
    // Each cell carries its heading, which a phone shows beside it (the rows stack there).
    tasks.map((task, i) => h("tr", { dataset: { taskId: task.id } },
      h("td", { dataset: { label: "#" } }, String(i + 1)),
      h("td", { dataset: { label: t("task_content") } }, task.content),
      h("td", { dataset: { label: t("task_responsible") } }, task.responsible),
      h("td", { dataset: { label: t("task_deadline") } }, formatDay(task.deadline)),
      h("td", { dataset: { label: t("task_deliverable") } }, task.deliverable),
      h("td", { dataset: { label: t("task_state") } }, task.status === "planned" ? "—" : stateBadge(task))))));
}
