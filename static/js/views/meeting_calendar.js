// The meetings as a week or a month calendar, days in Vietnam's time zone, Monday first.
import { vietnamParts } from "../format.js";
import { extend, language, t } from "../i18n.js";
import { h } from "../ui.js";

extend({
  vi: { cal_prev: "Trước", cal_next: "Sau", cal_today: "Hôm nay", cal_week_of: "Tuần {from} – {to}",
        cal_none: "Không có cuộc họp nào trong khoảng này." },
  en: { cal_prev: "Previous", cal_next: "Next", cal_today: "Today", cal_week_of: "Week {from} – {to}",
        cal_none: "No meetings in this period." },
});

const DAY = 86400000;

/** "2026-12-09" of a Date taken as a calendar day (UTC midnight). */
const iso = (date) => date.toISOString().slice(0, 10);
const dayOf = (isoDay) => new Date(`${isoDay}T00:00:00Z`);

/** Today in Vietnam, as "2026-12-09". */
export function todayIso() {
  return vietnamParts(new Date()).iso;
}

/** The days a view shows around `anchor`: a week from Monday, or whole weeks covering the
 * month. {first, last (inclusive), days: ["2026-12-07", ...]} */
export function range(mode, anchor) {
  const at = dayOf(anchor);
  let start;
  let end;
  if (mode === "week") {
    start = new Date(at.getTime() - ((at.getUTCDay() + 6) % 7) * DAY);
    end = new Date(start.getTime() + 6 * DAY);
  } else {
    const first = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
    const last = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 0));
    start = new Date(first.getTime() - ((first.getUTCDay() + 6) % 7) * DAY);
    end = new Date(last.getTime() + ((7 - last.getUTCDay()) % 7) * DAY);
  }
  const days = [];
  for (let d = start; d <= end; d = new Date(d.getTime() + DAY)) days.push(iso(d));
  return { first: days[0], last: days[days.length - 1], days };
}

/** The anchor one step earlier or later. */
export function step(mode, anchor, by) {
  const at = dayOf(anchor);
  if (mode === "week") return iso(new Date(at.getTime() + by * 7 * DAY));
  return iso(new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + by, 1)));
}

function title(mode, anchor, span) {
  const locale = language() === "vi" ? "vi-VN" : "en-GB";
  if (mode === "month") {
    const text = new Intl.DateTimeFormat(locale, { month: "long", year: "numeric", timeZone: "UTC" }).format(dayOf(anchor));
    return text.charAt(0).toUpperCase() + text.slice(1);
  }
  const short = (d) => d.split("-").reverse().join("/");
  return t("cal_week_of", { from: short(span.first), to: short(span.last) });
}

/** The calendar: navigation, weekday heads, and each day's meetings as links. */
export function calendarGrid({ mode, anchor, meetings, onMove }) {
  const span = range(mode, anchor);
  const byDay = new Map();
  for (const m of meetings) {
    const when = vietnamParts(m.starts_at);
    if (!byDay.has(when.iso)) byDay.set(when.iso, []);
    byDay.get(when.iso).push([when.time, m]);
  }
  const month = anchor.slice(0, 7);
  const today = todayIso();
  const heads = span.days.slice(0, 7).map((d) =>
    h("div", { class: "cal-head" }, new Intl.DateTimeFormat(language() === "vi" ? "vi-VN" : "en-GB",
      { weekday: "short", timeZone: "UTC" }).format(dayOf(d))));
  const weekdayName = (d) => new Intl.DateTimeFormat(language() === "vi" ? "vi-VN" : "en-GB",
    { weekday: "short", timeZone: "UTC" }).format(dayOf(d));
  const cells = span.days.map((d) => h("div", {
    class: `cal-day${d.slice(0, 7) !== month && mode === "month" ? " other-month" : ""}${d === today ? " today" : ""}`,
    dataset: { day: d },
  }, h("div", { class: "cal-date" }, h("span", { class: "cal-weekday" }, `${weekdayName(d)} `), String(Number(d.slice(8)))),
  (byDay.get(d) || []).sort((a, b) => a[0].localeCompare(b[0])).map(([time, m]) =>
    h("a", { class: `cal-meeting status-${m.status}`, href: `/meetings/${m.id}`, "data-link": true, dataset: { meetingId: m.id } },
      h("span", { class: "cal-time" }, time), " ", m.title))));
  const nav = (label, by, id) => h("button", { type: "button", class: "ghost small", id, onclick: () => onMove(by === 0 ? todayIso() : step(mode, anchor, by)) }, label);
  return h("div", { class: `meeting-calendar cal-${mode}`, id: "meeting-calendar", dataset: { mode, first: span.first } },
    h("div", { class: "row cal-nav" }, nav(`‹ ${t("cal_prev")}`, -1, "cal-prev"), nav(t("cal_today"), 0, "cal-today"),
      nav(`${t("cal_next")} ›`, 1, "cal-next"), h("strong", { id: "calview-title" }, title(mode, anchor, span))),
    meetings.length ? null : h("p", { class: "muted", id: "cal-none" }, t("cal_none")),
    h("div", { class: "cal-grid" }, ...heads, ...cells));
}
