// The written consultations a user may see: first what waits for them (their reply, or a
// chair's approval), soonest deadline first, then every one, newest first. Refreshed live.
import { get } from "../api.js";
import { formatDayTime, vietnamParts } from "../format.js";
import { t } from "../i18n.js";
import { onConnectionChange, onNotice } from "../live.js";
import { hasRole } from "../session.js";
import { h, mount, toast } from "../ui.js";
import "./consultations_i18n.js";

export function consultationBadge(status) {
  return h("span", { class: `badge cs-${status}`, dataset: { status } }, t(`cs_status_${status}`));
}

/** Whether the deadline falls today in Vietnam (the day it closes at 17:00). */
export function lastDay(deadline, now = new Date()) {
  const due = vietnamParts(deadline);
  return Boolean(due) && due.iso === vietnamParts(now).iso && new Date(deadline) > now;
}

/** "Hạn trả lời: 10/12/2026 17:00", marked when today is the last day. */
export function deadlineLine(deadline) {
  if (!deadline) return null;
  const today = lastDay(deadline);
  return h("div", { class: `cs-deadline${today ? " today" : ""}`, dataset: { role: "deadline" } },
    t("cs_deadline_at", { at: formatDayTime(deadline) }),
    today ? h("span", { class: "badge urgent cs-last-day", dataset: { role: "last-day" } }, t("cs_last_day")) : null);
}

/** Whether the line waits for this user's reply: the server says so, and the deadline has
 * not passed since the list was fetched. */
function waitsForReply(line, now = new Date()) {
  return line.awaits_me === "reply" && (!line.deadline || new Date(line.deadline) > now);
}

function waitsForApproval(line) {
  return line.awaits_me === "approval";
}

function waitsForSignature(line) {
  return line.awaits_me === "report";
}

function line(item, { waiting = false } = {}) {
  const approval = waitsForApproval(item);
  const mine = item.asked_me && ["sent", "closed"].includes(item.status)
    ? h("span", { class: `badge ${item.replied_at ? "cs-replied" : "cs-not-replied"}`, dataset: { role: "my-reply" } },
      item.replied_at ? `✔ ${t("cs_my_reply_done")}` : t("cs_my_reply_missing"))
    : null;
  return h("a", {
    class: `card cs-line${waiting ? " waiting" : ""}${waiting && lastDay(item.deadline) ? " today" : ""}`,
    href: `/consultations/${item.id}`, "data-link": true, dataset: { consultationId: item.id, status: item.status },
  },
  h("div", { class: "row" },
    approval ? h("span", { class: "badge awaiting" }, t("cs_awaiting_approval"))
      : waitsForSignature(item) ? h("span", { class: "badge awaiting", dataset: { role: "report-to-sign" } }, t("cs_awaiting_report"))
        : consultationBadge(item.status),
    item.returned ? h("span", { class: "badge urgent", dataset: { role: "returned" } }, t("cs_returned_badge")) : null,
    waiting ? null : mine),
  h("h3", {}, item.title),
  item.status === "sent" ? deadlineLine(item.deadline) : null,
  item.status === "closed" && item.closed_at
    ? h("div", { class: "muted" }, t("cs_closed_at", { at: formatDayTime(item.closed_at) })) : null);
}

export async function consultationsView() {
  const waiting = h("div", { class: "cs-lines", id: "cs-waiting" });
  const all = h("div", { class: "cs-lines", id: "cs-list" });
  mount(
    h("div", { class: "row" }, h("h1", {}, t("cs_title")), h("span", { class: "spacer" }),
      hasRole("secretary") ? h("a", { class: "button", href: "/consultations/new", "data-link": true, id: "cs-new" },
        "+ ", t("cs_new")) : null),
    h("section", { class: "cs-section" }, h("h2", {}, t("cs_waiting_me")), waiting),
    h("section", { class: "cs-section" }, h("h2", {}, t("cs_all")), all));

  const refresh = async () => {
    let lines;
    try {
      ({ consultations: lines } = await get("/api/consultations"));
    } catch (err) {
      toast(err.message, "error");
      return;
    }
    const soonest = (a, b) => Date.parse(a.deadline || 0) - Date.parse(b.deadline || 0);
    const mine = [...lines.filter((l) => waitsForApproval(l) || waitsForSignature(l)),
      ...lines.filter((l) => waitsForReply(l)).sort(soonest)];
    waiting.replaceChildren(...(mine.length ? mine.map((l) => line(l, { waiting: true }))
      : [h("p", { class: "muted", id: "cs-none-waiting" }, t("cs_none_waiting"))]));
    all.replaceChildren(...(lines.length ? lines.map((l) => line(l))
      : [h("p", { class: "muted", id: "cs-none" }, t("cs_none"))]));
  };
  await refresh();
  const offChanged = onNotice("consultations.changed", refresh);
  // After a drop, whatever changed meanwhile is fetched again.
  let first = true;
  const offConn = onConnectionChange((up) => { if (up && !first) refresh(); first = false; });
  return () => { offChanged(); offConn(); };
}
