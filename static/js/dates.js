// Day and time fields that always read as Vietnamese offices write them: dd/mm/yyyy and
// 24-hour HH:MM, whatever the browser's locale (an <input type=date> or type=time follows
// the browser: mm/dd/yyyy and AM/PM on an English one). Plain text inputs with a mask:
// "9" "/" "12" types 09/12, "830" types 08:30; a pasted 2026-12-09 or 2026-12-09T08:30 is
// understood too. Meetings are held in Vietnam: moments are sent as ISO 8601 with +07:00.
import { language, t } from "./i18n.js";

const pad = (n) => String(n).padStart(2, "0");

function realDay(y, m, d) {
  if (!(y >= 1900 && y <= 2200 && m >= 1 && m <= 12 && d >= 1)) return null;
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= last ? `${y}-${pad(m)}-${pad(d)}` : null;
}

/** "2026-12-09" from "09/12/2026", "9/12/2026", "9-12-2026", "09.12.26" or "2026-12-09"; else null. */
export function parseDay(text) {
  const value = String(text || "").trim();
  let match = value.match(/^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$/);
  if (match) return realDay(Number(match[1]), Number(match[2]), Number(match[3]));
  match = value.match(/^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})$/);
  if (!match) return null;
  const year = match[3].length === 2 ? 2000 + Number(match[3]) : Number(match[3]);
  return realDay(year, Number(match[2]), Number(match[1]));
}

/** "08:30" from "8:30", "08h30", "8.30", "830", "0830" or "8"; else null. */
export function parseTime(text) {
  const value = String(text || "").trim().toLowerCase();
  let match = value.match(/^(\d{1,2})\s*(?:[:h.]\s*(\d{1,2})?)?$/);
  if (!match) {
    match = value.match(/^(\d{1,2})(\d{2})$/);
    if (!match) return null;
  }
  const hour = Number(match[1]);
  const minute = Number(match[2] || 0);
  return hour <= 23 && minute <= 59 ? `${pad(hour)}:${pad(minute)}` : null;
}

/** "09/12/2026" from "2026-12-09". */
export function dayText(isoDay) {
  if (!isoDay) return "";
  const [y, m, d] = isoDay.slice(0, 10).split("-");
  return `${d}/${m}/${y}`;
}

/** "Thứ Tư" or "Wednesday" for "2026-12-09". */
export function weekday(isoDay) {
  return new Intl.DateTimeFormat(language() === "vi" ? "vi-VN" : "en-GB", { weekday: "long", timeZone: "UTC" })
    .format(new Date(`${isoDay}T00:00:00Z`));
}

/** The moment the API expects: "2026-12-09T08:30:00+07:00". */
export function vietnamMoment(isoDay, time) {
  return `${isoDay}T${time}:00+07:00`;
}

// Typing forward builds the mask; deleting or editing in the middle is left alone.
function masked(value, sizes, separator, firstMax) {
  const parts = [];
  let current = "";
  let moved = false;
  for (const ch of value) {
    if (parts.length === sizes.length) break;
    const last = parts.length === sizes.length - 1;
    if (/\d/.test(ch)) {
      moved = false;
      current += ch;
      // A first digit that cannot start a two-digit field stands alone: "4" is day 04.
      if (!last && current.length === 1 && Number(ch) > firstMax[parts.length]) current = `0${ch}`;
      if (!last && current.length === sizes[parts.length]) { parts.push(current); current = ""; moved = true; }
      else if (last && current.length === sizes[parts.length]) { parts.push(current); current = ""; break; }
    } else if (current && !last) {
      parts.push(current.padStart(sizes[parts.length], "0"));
      current = "";
      moved = true;
    }
  }
  const text = parts.join(separator);
  if (parts.length === sizes.length) return text;
  return text + (moved && parts.length ? separator : parts.length && current ? separator : "") + current;
}

function attachMask(input, { sizes, separator, firstMax, iso }) {
  input.addEventListener("input", (event) => {
    const value = input.value;
    if (iso && iso(value)) return;
    if (event.inputType && event.inputType.startsWith("delete")) return;
    if (input.selectionStart !== value.length) return;
    const next = masked(value, sizes, separator, firstMax);
    if (next !== value) input.value = next;
  });
}

/**
 * A day field, dd/mm/yyyy. `value` is an ISO day; `time` (a timeField) receives the time of a
 * pasted ISO moment. read() gives the ISO day, or null when empty or wrong.
 */
export function dayField(attrs = {}, { value = "", time = null } = {}) {
  const input = document.createElement("input");
  Object.assign(input, { type: "text", inputMode: "numeric", autocomplete: "off", spellcheck: false,
                         placeholder: t("day_placeholder"), value: dayText(value) });
  for (const [key, v] of Object.entries(attrs)) if (v !== undefined && v !== null) input.setAttribute(key, v);
  input.classList.add("day-input");
  attachMask(input, {
    sizes: [2, 2, 4], separator: "/", firstMax: [3, 1],
    iso: (text) => {
      // A pasted ISO day or moment ("2026-12-09" or "2026-12-09T08:30") fills the fields.
      const found = text.trim().match(/^(\d{4}-\d{2}-\d{2})(?:[T ](\d{1,2}:\d{2}))?/);
      if (!found || !parseDay(found[1])) return false;
      input.value = dayText(found[1]);
      if (found[2] && time) {
        time.value = parseTime(found[2]) || found[2];
        time.dispatchEvent(new Event("change", { bubbles: true }));
      }
      return true;
    },
  });
  input.addEventListener("blur", () => {
    const day = parseDay(input.value);
    if (day) input.value = dayText(day);
  });
  input.read = () => parseDay(input.value);
  return input;
}

/** A 24-hour time field, HH:MM. read() gives "HH:MM", or null when empty or wrong. */
export function timeField(attrs = {}, { value = "" } = {}) {
  const input = document.createElement("input");
  Object.assign(input, { type: "text", inputMode: "numeric", autocomplete: "off", spellcheck: false,
                         placeholder: t("time_placeholder"), value });
  for (const [key, v] of Object.entries(attrs)) if (v !== undefined && v !== null) input.setAttribute(key, v);
  input.classList.add("time-input");
  attachMask(input, { sizes: [2, 2], separator: ":", firstMax: [2] });
  input.addEventListener("blur", () => {
    const time = parseTime(input.value);
    if (time) input.value = time;
  });
  input.read = () => parseTime(input.value);
  return input;
}
