// Numbers, dates and times as Vietnamese offices write them, whatever the UI language:
// a decimal comma and a space before the percent sign ("66,7 %"), the day first
// ("16/11/2026"), the 24-hour clock ("14:05"), all in Vietnam's time zone.
const LOCALE = "vi-VN";
const ZONE = "Asia/Ho_Chi_Minh";
const NBSP = "\u00a0"; // keeps "66,7" and "%" on one line

const integers = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 1 });
const dates = new Intl.DateTimeFormat(LOCALE, { day: "2-digit", month: "2-digit", year: "numeric", timeZone: ZONE });
const times = new Intl.DateTimeFormat(LOCALE, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: ZONE });

function asDate(value) {
  if (value === null || value === undefined || value === "") return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A number with at most one decimal, Vietnamese style: 1.234,5. */
export function formatDecimal(n) { return oneDecimal.format(n || 0); }

/** "11/2026" from "2026-11", as offices write a month. */
export function formatMonth(isoMonth) { return isoMonth.split("-").reverse().join("/"); }

/** A whole number with Vietnamese grouping: 1.234. */
export function formatNumber(n) { return integers.format(n || 0); }

/** part of whole as a percentage with at most one decimal: "66,7 %"; "0 %" when whole is 0. */
export function formatPercent(part, whole) {
  const value = whole ? (100 * part) / whole : 0;
  return `${oneDecimal.format(Math.round(value * 10) / 10)}${NBSP}%`;
}

/** A size in bytes as people read it: "850 KB", "3,2 MB". */
export function formatBytes(n) {
  if (n < 1000 * 1000) return `${integers.format(Math.max(1, Math.round((n || 0) / 1000)))}${NBSP}KB`;
  return `${oneDecimal.format(Math.round(n / 100000) / 10)}${NBSP}MB`;
}

/** dd/mm/yyyy. */
export function formatDate(value) {
  const date = asDate(value);
  return date ? dates.format(date) : "";
}

/** HH:mm on the 24-hour clock. */
export function formatTime(value) {
  const date = asDate(value);
  return date ? times.format(date) : "";
}

/** "14:05 16/11/2026". */
export function formatDateTimeShort(value) {
  const date = asDate(value);
  return date ? `${times.format(date)} ${dates.format(date)}` : "";
}

/** "16/11/2026 14:05": the day first, as a deadline is written. */
export function formatDayTime(value) {
  const date = asDate(value);
  return date ? `${dates.format(date)} ${times.format(date)}` : "";
}

/** The day and the 24-hour time a moment falls on in Vietnam: {day: "09/12/2026", time: "14:30",
 * iso: "2026-12-09"}, whatever the browser's own locale and time zone. */
export function vietnamParts(moment) {
  if (moment === null || moment === undefined || moment === "") return null;
  const date = moment instanceof Date ? moment : new Date(moment);
  if (Number.isNaN(date.getTime())) return null;
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Ho_Chi_Minh", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(date).map((p) => [p.type, p.value]));
  return {
    day: `${parts.day}/${parts.month}/${parts.year}`,
    time: `${parts.hour}:${parts.minute}`,
    iso: `${parts.year}-${parts.month}-${parts.day}`,
  };
}
