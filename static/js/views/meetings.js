// The meeting list; refreshed live when a meeting the user belongs to changes.
import { get } from "../api.js";
import { extend, formatDateTime, t } from "../i18n.js";
import { onNotice, onConnectionChange } from "../live.js";
import { hasRole } from "../session.js";
import { h, mount, statusBadge, toast } from "../ui.js";
import { calendarButton } from "./calendar_feed.js";
import { mailButton } from "./mail_prefs.js";
import "./meetings_i18n.js";

extend({
  vi: { open_hall_display: "Mở màn hình hội trường", open_meeting: "Xem cuộc họp" },
  en: { open_hall_display: "Open the hall display", open_meeting: "View the meeting" },
});

// The hall screen's account (observer) is there to put a meeting on the projector.
const HALL_STATES = ["published", "in_session"];

/** For the hall screen: the meeting, with the button that opens its hall display. */
function hallCard(meeting) {
  return h("div", { class: "card meeting-card hall-card", dataset: { meetingId: meeting.id } },
    h("div", { class: "row" }, statusBadge(meeting.status), meeting.urgent ? h("span", { class: "badge urgent" }, t("urgent")) : null),
    h("h3", {}, h("a", { href: `/meetings/${meeting.id}`, "data-link": true, title: t("open_meeting") }, meeting.title)),
    h("div", { class: "muted" }, formatDateTime(meeting.starts_at)),
    h("div", { class: "muted" }, meeting.place),
    h("div", { class: "row", style: "margin-top:12px" },
      h("a", { class: "button", href: `/hall/${meeting.id}`, "data-link": true, dataset: { role: "open-hall" } }, t("open_hall_display"))));
}

function card(meeting, awaitingMe = false) {
  if (hasRole("observer") && HALL_STATES.includes(meeting.status)) return hallCard(meeting);
  const preparing = !hasRole("secretary", "chair", "admin") &&
    ["draft", "submitted", "approved"].includes(meeting.status);
  return h("a", { class: `card meeting-card${awaitingMe ? " awaiting-me" : ""}`, href: `/meetings/${meeting.id}`,
                  "data-link": true, dataset: awaitingMe ? { meetingId: meeting.id, awaiting: "approval" } : { meetingId: meeting.id } },
    h("div", { class: "row" },
      awaitingMe ? h("span", { class: "badge awaiting", dataset: { status: meeting.status } }, t("awaiting_my_approval"))
        : preparing ? h("span", { class: "badge draft" }, t("in_preparation")) : statusBadge(meeting.status),
      meeting.postponed && meeting.status !== "cancelled" ? h("span", { class: "badge postponed", dataset: { role: "postponed" } }, t("postponed")) : null,
      meeting.urgent ? h("span", { class: "badge urgent" }, t("urgent")) : null),
    h("h3", {}, meeting.title),
    h("div", { class: "muted" }, formatDateTime(meeting.starts_at)),
    h("div", { class: "muted" }, meeting.place),
  );
}

/** The ids of the submitted meetings this chair may approve (they chair them): the list
 * does not say who chairs, each meeting's own answer says what this user may do with it. */
async function awaitingMyApproval(meetings) {
  if (!hasRole("chair")) return new Set();
  const submitted = meetings.filter((m) => m.status === "submitted");
  const answers = await Promise.all(submitted.map((m) => get(`/api/meetings/${m.id}`)
    .then((snapshot) => ((snapshot.transitions || []).includes("approve") ? m.id : null))
    .catch(() => null)));
  return new Set(answers.filter((id) => id !== null));
}

export async function meetingsView() {
  const list = h("div", { class: "grid", id: "meeting-list" });
  const header = h("div", { class: "row" }, h("h1", {}, t("meetings")), h("span", { class: "spacer" }),
    hasRole("observer", "remote_room") ? null : calendarButton(),
    hasRole("observer", "remote_room") ? null : mailButton(),
    hasRole("secretary") ? h("a", { class: "button", href: "/meetings/new", "data-link": true }, "+ ", t("nav_new_meeting")) : null);
  mount(header, list);
  const refresh = async () => {
    try {
      const meetings = await get("/api/meetings");
      // A meeting in session comes first (it is where everyone is going), then what waits
      // for this chair's decision, then the rest as the server orders it.
      const mine = await awaitingMyApproval(meetings);
      const rank = (m) => (m.status === "in_session" ? 0 : mine.has(m.id) ? 1 : 2);
      const ordered = meetings.map((m, i) => [rank(m), i, m]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, , m]) => m);
      list.replaceChildren(...(ordered.length ? ordered.map((m) => card(m, mine.has(m.id)))
        : [h("p", { class: "muted" }, t("no_meetings"))]));
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
