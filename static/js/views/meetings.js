// The meeting list; refreshed live when a meeting the user belongs to changes.
import { get } from "../api.js";
import { formatDateTime, t } from "../i18n.js";
import { onNotice, onConnectionChange } from "../live.js";
import { hasRole } from "../session.js";
import { h, mount, statusBadge, toast } from "../ui.js";

function card(meeting) {
  const preparing = !hasRole("secretary", "chair", "admin") &&
    ["draft", "submitted", "approved"].includes(meeting.status);
  return h("a", { class: "card meeting-card", href: `/meetings/${meeting.id}`, "data-link": true,
                  dataset: { meetingId: meeting.id } },
    h("div", { class: "row" },
      preparing ? h("span", { class: "badge draft" }, t("in_preparation")) : statusBadge(meeting.status),
      meeting.urgent ? h("span", { class: "badge urgent" }, t("urgent")) : null),
    h("h3", {}, meeting.title),
    h("div", { class: "muted" }, formatDateTime(meeting.starts_at)),
    h("div", { class: "muted" }, meeting.place),
  );
}

export async function meetingsView() {
  const list = h("div", { class: "grid", id: "meeting-list" });
  const header = h("div", { class: "row" }, h("h1", {}, t("meetings")), h("span", { class: "spacer" }),
    hasRole("secretary") ? h("a", { class: "button", href: "/meetings/new", "data-link": true }, "+ ", t("nav_new_meeting")) : null);
  mount(header, list);
  const refresh = async () => {
    try {
      const meetings = await get("/api/meetings");
      list.replaceChildren(...(meetings.length ? meetings.map(card) : [h("p", { class: "muted" }, t("no_meetings"))]));
    } catch (err) {
      toast(err.message, "error");
    }
  };
  await refresh();
  const offNotice = onNotice("meetings.changed", refresh);
  // After a drop, whatever changed meanwhile is fetched again.
  let first = true;
  const offConn = onConnectionChange((up) => { if (up && !first) refresh(); first = false; });
  return () => { offNotice(); offConn(); };
}
