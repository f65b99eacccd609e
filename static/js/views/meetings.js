// The meeting list; refreshed live when a meeting the user belongs to changes.
import { get } from "../api.js";
import { extend, formatDateTime, t } from "../i18n.js";
import { onNotice, onConnectionChange } from "../live.js";
import { hasRole } from "../session.js";
import { h, mount, statusBadge, toast } from "../ui.js";
import { dayField } from "../dates.js";
import { calendarButton } from "./calendar_feed.js";
import { calendarGrid, range, todayIso } from "./meeting_calendar.js";
import { mailButton } from "./mail_prefs.js";
import "./meetings_i18n.js";

extend({
  vi: {
    open_hall_display: "Mở màn hình hội trường", open_meeting: "Xem cuộc họp",
    search_meetings: "Tìm cuộc họp (tên, nội dung, tài liệu)", filter_status: "Trạng thái", all_statuses: "Mọi trạng thái",
    filter_role: "Vai trò của tôi", any_role: "Mọi vai trò của tôi", my_role_chair: "Tôi chủ trì", my_role_organiser: "Tôi chuẩn bị",
    my_role_member: "Tôi được mời", filter_unit: "Đơn vị chủ trì", any_unit: "Mọi đơn vị", filter_since: "Từ ngày", filter_until: "Đến ngày",
    todo_approval: "Chờ tôi duyệt", todo_prepare: "Cần chuẩn bị", view_mode: "Cách xem", view_list: "Danh sách", view_week: "Tuần",
    view_month: "Tháng", no_meetings_found: "Không có cuộc họp nào khớp.", page_prev: "Trang trước", page_next: "Trang sau",
    page_info: "{from}–{to} trong {total} cuộc họp", more_filters: "Lọc theo trạng thái, ngày, đơn vị, vai trò",
  },
  en: {
    open_hall_display: "Open the hall display", open_meeting: "View the meeting",
    search_meetings: "Find a meeting (title, agenda, documents)", filter_status: "Status", all_statuses: "Any status",
    filter_role: "My role", any_role: "Any role of mine", my_role_chair: "I chair", my_role_organiser: "I prepare",
    my_role_member: "I am invited", filter_unit: "Host unit", any_unit: "Any unit", filter_since: "From", filter_until: "To",
    todo_approval: "Awaiting my approval", todo_prepare: "To prepare", view_mode: "View", view_list: "List", view_week: "Week",
    view_month: "Month", no_meetings_found: "No meeting matches.", page_prev: "Previous page", page_next: "Next page",
    page_info: "{from}–{to} of {total} meetings", more_filters: "Filter by status, dates, unit, role",
  },
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

const PAGE = 20;
// The filters kept in the address, so a reload or the back button shows the same list.
const SAVED = ["q", "status", "role", "unit_id", "since", "until", "waiting"];
const STATUSES = ["draft", "submitted", "approved", "published", "in_session", "adjourned", "closed", "cancelled"];

/** The search and filters above the list; `onChange(filter)` when one changes. */
function filterBar(filter, units, onChange) {
  const search = h("input", { type: "search", id: "meeting-search", placeholder: t("search_meetings"),
    "aria-label": t("search_meetings"), value: filter.q || "", autocomplete: "off" });
  const status = h("select", { id: "meeting-status", "aria-label": t("filter_status") },
    h("option", { value: "" }, t("all_statuses")), STATUSES.map((s) => h("option", { value: s, selected: filter.status === s }, t(`status_${s}`))));
  const role = h("select", { id: "meeting-role", "aria-label": t("filter_role") },
    h("option", { value: "" }, t("any_role")), ["chair", "organiser", "member"].map((r) => h("option", { value: r, selected: filter.role === r }, t(`my_role_${r}`))));
  const unit = h("select", { id: "meeting-unit", "aria-label": t("filter_unit") },
    h("option", { value: "" }, t("any_unit")), units.map((u) => h("option", { value: u.id, selected: String(u.id) === filter.unit_id }, u.name)));
  const since = dayField({ id: "meeting-since", "aria-label": t("filter_since") }, { value: filter.since || "" });
  const until = dayField({ id: "meeting-until", "aria-label": t("filter_until") }, { value: filter.until || "" });
  let typing = null;
  const changed = () => {
    const from = since.value.trim() ? since.read() : "";
    const to = until.value.trim() ? until.read() : "";
    // A day that is not one (31/02) or a range backwards is marked, and nothing is asked.
    const mark = (field, bad) => (bad ? field.setAttribute("aria-invalid", "true") : field.removeAttribute("aria-invalid"));
    mark(since, from === null);
    mark(until, to === null || Boolean(from && to && to < from));
    if (from === null || to === null || (from && to && to < from)) return;
    Object.assign(filter, { q: search.value.trim(), status: status.value, role: role.value, unit_id: unit.value,
      since: from, until: to, offset: 0 });
    onChange();
  };
  search.addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(changed, 300); });
  for (const field of [status, role, unit]) field.addEventListener("change", changed);
  for (const field of [since, until]) field.addEventListener("change", changed);
  const chip = (id, waiting, label) => {
    const button = h("button", { type: "button", class: "chip", id, "aria-pressed": String(filter.waiting === waiting) }, label);
    button.addEventListener("click", () => {
      filter.waiting = filter.waiting === waiting ? "" : waiting;
      filter.offset = 0;
      for (const other of button.parentNode.querySelectorAll(".chip")) other.setAttribute("aria-pressed", "false");
      button.setAttribute("aria-pressed", String(filter.waiting === waiting));
      onChange();
    });
    return button;
  };
  // The filters fold away (a tablet's list starts near the top); the search stays in view.
  const more = h("details", { class: "more-filters", id: "meeting-more-filters",
    open: ["status", "role", "unit_id", "since", "until"].some((k) => filter[k]) },
    h("summary", {}, t("more_filters")),
    h("div", { class: "meeting-filters" },
      h("label", {}, t("filter_status"), status), h("label", {}, t("filter_since"), since),
      h("label", {}, t("filter_until"), until), h("label", {}, t("filter_unit"), unit),
      h("label", {}, t("filter_role"), role)));
  return h("div", { class: "meeting-search", id: "meeting-filters" }, search, more,
    h("div", { class: "row chips" },
      hasRole("chair") ? chip("todo-approval", "approval", t("todo_approval")) : null,
      hasRole("secretary") ? chip("todo-prepare", "prepare", t("todo_prepare")) : null));
}

export async function meetingsView() {
  const list = h("div", { class: "grid", id: "meeting-list" });
  const calendar = h("div", { id: "meeting-calendar-box", hidden: true });
  const pager = h("div", { class: "row pager", id: "meeting-pager", hidden: true });
  // What the address says (a reload, the back button, a shared link) is what is shown.
  const asked = new URLSearchParams(location.search);
  const filter = { offset: Math.max(0, Number(asked.get("offset")) || 0) };
  for (const key of SAVED) if (asked.get(key)) filter[key] = asked.get(key);
  const view = { mode: ["week", "month"].includes(asked.get("view")) ? asked.get("view") : "list",
    anchor: /^\d{4}-\d{2}-\d{2}$/.test(asked.get("anchor") || "") ? asked.get("anchor") : todayIso() };
  const header = h("div", { class: "row" }, h("h1", {}, t("meetings")), h("span", { class: "spacer" }),
    hasRole("observer", "remote_room") ? null : calendarButton(),
    hasRole("observer", "remote_room") ? null : mailButton(),
    hasRole("secretary") ? h("a", { class: "button", href: "/meetings/new", "data-link": true }, "+ ", t("nav_new_meeting")) : null);
  const modes = h("div", { class: "row view-modes", role: "group", "aria-label": t("view_mode") },
    ["list", "week", "month"].map((mode) => h("button", {
      type: "button", class: "ghost small", id: `view-${mode}`, "aria-pressed": String(mode === view.mode),
      onclick: () => {
        view.mode = mode;
        for (const b of modes.children) b.setAttribute("aria-pressed", String(b.id === `view-${mode}`));
        refresh();
      },
    }, t(`view_${mode}`))));
  const units = await get("/api/units").then((u) => u.units).catch(() => []);
  const bar = filterBar(filter, units, () => refresh());
  // The hall screen's account puts a meeting on the projector: it has nothing to search.
  const tools = hasRole("observer") ? [] : [h("div", { class: "meeting-tools" }, bar, modes)];
  mount(header, ...tools, list, calendar, pager);
  const query = (extra) => new URLSearchParams(Object.entries({ ...filter, ...extra })
    .filter(([, v]) => v !== "" && v !== null && v !== undefined && v !== 0)).toString();
  const showList = async () => {
    const response = await fetch(`/api/meetings?${query({ limit: PAGE })}`, { credentials: "same-origin" });
    if (!response.ok) throw new Error((await response.json().catch(() => ({}))).error?.message || response.statusText);
    const meetings = await response.json();
    const total = Number(response.headers.get("x-total-count") || meetings.length);
    // A meeting in session comes first (it is where everyone is going), then what waits
    // for this chair's decision, then the rest as the server orders it.
    const mine = await awaitingMyApproval(meetings);
    const rank = (m) => (m.status === "in_session" ? 0 : mine.has(m.id) ? 1 : 2);
    const ordered = meetings.map((m, i) => [rank(m), i, m]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, , m]) => m);
    const filtered = Object.entries(filter).some(([k, v]) => k !== "offset" && v);
    list.replaceChildren(...(ordered.length ? ordered.map((m) => card(m, mine.has(m.id)))
      : [h("p", { class: "muted", id: "no-meetings" }, filtered ? t("no_meetings_found") : t("no_meetings"))]));
    const from = filter.offset || 0;
    pager.hidden = total <= PAGE;
    const move = (by) => { filter.offset = Math.max(0, from + by); refresh(); };
    pager.replaceChildren(
      h("button", { type: "button", class: "ghost small", id: "page-prev", disabled: from === 0, onclick: () => move(-PAGE) }, `‹ ${t("page_prev")}`),
      h("span", { class: "muted", id: "page-info" }, t("page_info", { from: total ? from + 1 : 0, to: Math.min(from + PAGE, total), total })),
      h("button", { type: "button", class: "ghost small", id: "page-next", disabled: from + PAGE >= total, onclick: () => move(PAGE) }, `${t("page_next")} ›`));
  };
  const showCalendar = async () => {
    const span = range(view.mode, view.anchor);
    const meetings = await get(`/api/meetings?${query({ since: span.first, until: span.last, offset: 0, limit: 500 })}`);
    calendar.replaceChildren(calendarGrid({ mode: view.mode, anchor: view.anchor, meetings,
      onMove: (anchor) => { view.anchor = anchor; refresh(); } }));
  };
  const remember = () => {
    if (location.pathname !== "/") return; // the list was left while it loaded
    const shown = new URLSearchParams(query({}));
    if (view.mode !== "list") {
      shown.set("view", view.mode);
      if (view.anchor !== todayIso()) shown.set("anchor", view.anchor);
    }
    const address = shown.toString() ? `/?${shown}` : "/";
    if (`${location.pathname}${location.search}` !== address) history.replaceState(history.state, "", address);
  };
  const refresh = async () => {
    remember();
    try {
      const listing = view.mode === "list";
      list.hidden = !listing;
      calendar.hidden = listing;
      if (!listing) pager.hidden = true;
      await (listing ? showList() : showCalendar());
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
