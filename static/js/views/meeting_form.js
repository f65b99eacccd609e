// Create or edit a meeting: the invitation's chair, attendees, content, time and place.
// Days read dd/mm/yyyy and times 24-hour whatever the browser's locale (../dates.js);
// participants are picked all at once, by unit, or one by one.
import { get, post, put } from "../api.js";
import { dayField, dayText, parseDay, parseTime, timeField, vietnamMoment, weekday } from "../dates.js";
import { t } from "../i18n.js";
import { vietnamParts } from "../format.js";
import { navigate } from "../router.js";
import { hasRole, session } from "../session.js";
import { h, mount, toast } from "../ui.js";
import { inTreeOrder, unitGroups } from "../units.js";
import "./meetings_i18n.js";

function forbidden(editing) {
  mount(h("h1", {}, editing ? t("edit") : t("nav_new_meeting")),
    h("div", { class: "card", id: "form-forbidden", role: "alert" },
      h("p", {}, h("strong", {}, t("new_meeting_forbidden"))),
      h("p", { class: "muted" }, t("new_meeting_forbidden_hint")),
      h("a", { class: "button ghost", href: editing ? `/meetings/${editing}` : "/", "data-link": true },
        editing ? t("back") : t("back_to_meetings"))));
  return null;
}

/** A day and a time side by side, with a line that reads the moment back (or says what is wrong). */
function whenFields(prefix, moment, labels) {
  const parts = vietnamParts(moment);
  const time = timeField({ id: `f-${prefix}_time`, name: `${prefix}_time`, "aria-label": labels.time,
                           "aria-describedby": `${prefix}-hint` }, { value: parts ? parts.time : "" });
  const day = dayField({ id: `f-${prefix}_at`, name: `${prefix}_at`, "aria-label": labels.day,
                         "aria-describedby": `${prefix}-hint` }, { value: parts ? parts.iso : "", time });
  const hint = h("span", { class: "field-hint", id: `${prefix}-hint`, "aria-live": "polite" });
  return { day, time, hint, box: h("div", { class: "when" }, day, time) };
}

/** Checkboxes of people grouped by unit, each unit's box selecting all of it, and "select all". */
function participantPicker(people, units, chosen) {
  const unitName = new Map(units.map((u) => [u.id, u.name]));
  const order = new Map(inTreeOrder(units).map((u, i) => [u.id, i]));
  const groups = new Map();
  for (const u of people) {
    const key = unitName.has(u.unit_id) ? u.unit_id : 0;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(u);
  }
  const keys = [...groups.keys()].sort((a, b) => (order.get(a) ?? 1e9) - (order.get(b) ?? 1e9));
  const boxes = [];
  const unitBoxes = [];
  const fieldsets = keys.map((key) => {
    const members = groups.get(key).map((u) => {
      const box = h("input", {
        type: "checkbox", name: "participant", value: u.id, checked: chosen.has(u.id),
        dataset: { role: u.role === "secretary" ? "secretary" : "delegate", unit: key },
      });
      boxes.push(box);
      return h("label", { class: "inline person" }, box,
        h("span", {}, h("span", { class: "name" }, u.full_name), u.title ? h("small", { class: "muted" }, u.title) : null));
    });
    const toggle = h("input", { type: "checkbox", dataset: { unitToggle: key } });
    const count = h("span", { class: "muted unit-count" });
    unitBoxes.push({ key, toggle, count, total: members.length });
    return h("fieldset", { class: "people-group", dataset: { unit: key } },
      h("legend", {}, h("label", { class: "inline" }, toggle, key ? unitName.get(key) : t("other_people"), count)),
      h("div", { class: "people" }, members));
  });
  const all = h("input", { type: "checkbox", id: "participants-all" });
  const counter = h("span", { class: "count", id: "participants-count", "aria-live": "polite" });
  const update = () => {
    const picked = boxes.filter((b) => b.checked).length;
    all.checked = picked === boxes.length && boxes.length > 0;
    all.indeterminate = picked > 0 && picked < boxes.length;
    counter.textContent = t("selected_count", { n: picked, total: boxes.length });
    for (const group of unitBoxes) {
      const mine = boxes.filter((b) => b.dataset.unit === String(group.key));
      const on = mine.filter((b) => b.checked).length;
      group.toggle.checked = on === mine.length;
      group.toggle.indeterminate = on > 0 && on < mine.length;
      group.count.textContent = ` (${t("unit_count", { n: on, total: mine.length })})`;
    }
  };
  all.addEventListener("change", () => { boxes.forEach((b) => { b.checked = all.checked; }); update(); });
  for (const group of unitBoxes) {
    group.toggle.addEventListener("change", () => {
      boxes.filter((b) => b.dataset.unit === String(group.key)).forEach((b) => { b.checked = group.toggle.checked; });
      update();
    });
  }
  boxes.forEach((b) => b.addEventListener("change", update));
  update();
  return [
    h("div", { class: "picker-head" }, h("label", {}, t("participants")),
      h("label", { class: "inline" }, all, t("select_all", { n: boxes.length })), counter),
    keys.length > 1 || keys[0] ? h("p", { class: "muted field-hint" }, t("by_unit_hint")) : null,
    h("div", { class: "people-groups", id: "participants" }, fieldsets),
  ];
}

/**
 * The invited units, whose rooms join by video, grouped by level, with "select all".
 * The departments sit in the hall: they are offered only when already invited, last.
 */
function unitPicker(allUnits, invited) {
  const groups = unitGroups(allUnits.filter((u) => u.parent_id !== null && (u.kind !== "department" || invited.has(u.id))));
  const departments = groups.filter((g) => g.kind === "department");
  const ordered = [...groups.filter((g) => g.kind !== "department"), ...departments];
  const units = ordered.flatMap((g) => g.units);
  const boxes = units.map((u) => h("input", { type: "checkbox", name: "invited_unit", value: u.id, checked: invited.has(u.id) }));
  const boxOf = new Map(units.map((u, i) => [u.id, boxes[i]]));
  const all = h("input", { type: "checkbox", id: "invited-all" });
  const counter = h("span", { class: "count", id: "invited-count", "aria-live": "polite" });
  const update = () => {
    const picked = boxes.filter((b) => b.checked).length;
    all.checked = picked === boxes.length && boxes.length > 0;
    all.indeterminate = picked > 0 && picked < boxes.length;
    counter.textContent = t("selected_count", { n: picked, total: boxes.length });
  };
  all.addEventListener("change", () => { boxes.forEach((b) => { b.checked = all.checked; }); update(); });
  boxes.forEach((b) => b.addEventListener("change", update));
  update();
  return [
    h("div", { class: "picker-head" }, h("label", {}, t("invited_units")),
      h("label", { class: "inline" }, all, t("select_all", { n: boxes.length })), counter),
    // One box as before, each level's name across the whole row above its units.
    h("div", { class: "people", id: "invited-units" }, ordered.map((group) => [
      h("div", { class: "muted unit-group-label", dataset: { kind: group.kind }, style: "grid-column: 1 / -1" }, group.label),
      group.units.map((u) => h("label", { class: "inline" }, boxOf.get(u.id), u.name))])),
  ];
}

export async function meetingFormView(params) {
  const editing = params.id ? Number(params.id) : null;
  // Only the office's secretaries create and edit meetings; others are told so.
  if (!hasRole("secretary")) return forbidden(editing);
  const [units, users, snapshot, participants] = await Promise.all([
    get("/api/units"), get("/api/users"), editing ? get(`/api/meetings/${editing}`) : null,
    editing ? get(`/api/meetings/${editing}/participants`) : [],
  ]);
  const m = snapshot ? snapshot.meeting : null;
  const me = session.user;
  // A new meeting: its secretary takes part, and it belongs to the secretary's unit.
  const chosen = new Map(m ? participants.map((p) => [p.user_id, p.role]) : [[me.id, "secretary"]]);
  const invited = new Map((m ? m.invited_units : []).map((u) => [u.unit_id, u.remote]));
  const field = (name, attrs = {}) => h("input", { name, id: `f-${name}`, ...attrs });
  const title = field("title", { required: true, value: m ? m.title : "", maxlength: 300 });
  const place = field("place", { value: m ? m.place : "", maxlength: 300 });
  const starts = whenFields("starts", m ? m.starts_at : null, { day: t("starts_day"), time: t("starts_time") });
  const ends = whenFields("ends", m ? m.ends_at : null, { day: t("ends_day"), time: t("ends_time") });
  const urgent = h("input", { type: "checkbox", name: "urgent", id: "f-urgent", checked: m ? m.urgent : false });
  const description = h("textarea", { name: "description", id: "f-description" }, m ? m.description : "");
  const ownUnit = m ? m.unit.id : me.unit_id;
  const unit = h("select", { name: "unit_id", id: "f-unit" },
    unitGroups(units.units).map((group) => h("optgroup", { label: group.label },
      group.units.map((u) => h("option", { value: u.id, selected: u.id === ownUnit }, u.name)))));
  const chairs = users.filter((u) => u.role === "chair" && u.active);
  const chair = h("select", { name: "chair_id", id: "f-chair" },
    chairs.map((u) => h("option", { value: u.id, selected: m ? m.chair.id === u.id : false }, `${u.full_name} — ${u.title}`)));
  // Only people take part by name: the hall screen and the remote rooms are not offered
  // (rooms join through their invited unit). When editing, such an account already
  // taking part is kept as it is, so the hall screen does not lose the meeting.
  const people = users.filter((u) => ["delegate", "chair", "secretary"].includes(u.role) && u.active);
  const machines = new Set(users.filter((u) => ["observer", "remote_room"].includes(u.role)).map((u) => u.id));
  const kept = participants.filter((p) => machines.has(p.user_id))
    .map((p) => ({ user_id: p.user_id, role: p.role }));
  const error = h("p", { class: "error", role: "alert", id: "form-error" });
  const submit = h("button", { type: "submit" }, editing ? t("save") : t("create"));

  // What was typed, read back: "Thứ Tư, 09/12/2026 lúc 14:30", or what is wrong with it.
  const readBack = (fields, { quiet = false, sameDayAs = null } = {}) => {
    const typedDay = fields.day.value.trim();
    const timeText = fields.time.value.trim();
    const day = typedDay ? parseDay(typedDay) : sameDayAs;
    const time = timeText ? parseTime(timeText) : null;
    fields.day.setAttribute("aria-invalid", String(Boolean(typedDay) && !parseDay(typedDay)));
    fields.time.setAttribute("aria-invalid", String(Boolean(timeText) && !time));
    let message = "";
    let bad = false;
    if (typedDay && !parseDay(typedDay)) { message = t("day_invalid"); bad = true; }
    else if (timeText && !time) { message = t("time_invalid"); bad = true; }
    else if (day && time) message = t("when_reads", { weekday: weekday(day), day: dayText(day), time });
    message = message || fields.fallback;
    if (!quiet || !bad) {
      fields.hint.textContent = message;
      fields.hint.classList.toggle("bad", bad);
    }
    return { day, time };
  };
  const refreshEnds = () => {
    const start = parseDay(starts.day.value);
    ends.day.placeholder = start ? dayText(start) : t("day_placeholder");
    readBack(ends, { sameDayAs: start, quiet: true });
  };
  for (const input of [starts.day, starts.time]) {
    input.addEventListener("input", () => { readBack(starts, { quiet: true }); refreshEnds(); });
    input.addEventListener("change", () => { readBack(starts); refreshEnds(); });
  }
  for (const input of [ends.day, ends.time]) {
    input.addEventListener("input", () => readBack(ends, { quiet: true, sameDayAs: parseDay(starts.day.value) }));
    input.addEventListener("change", () => readBack(ends, { sameDayAs: parseDay(starts.day.value) }));
  }
  starts.fallback = t("when_hint");
  ends.fallback = t("ends_same_day");
  readBack(starts);
  readBack(ends, { sameDayAs: parseDay(starts.day.value) });
  refreshEnds();

  /** The body to send, or an error message and the field to fix. */
  const collect = () => {
    if (!title.value.trim()) return { problem: t("title_required"), at: title };
    const start = readBack(starts);
    if (starts.day.value.trim() && !start.day) return { problem: t("day_invalid"), at: starts.day };
    if (starts.time.value.trim() && !start.time) return { problem: t("time_invalid"), at: starts.time };
    if (!start.day) return { problem: t("starts_required"), at: starts.day };
    if (!start.time) return { problem: t("starts_required"), at: starts.time };
    const end = readBack(ends, { sameDayAs: start.day });
    if (ends.day.value.trim() && !parseDay(ends.day.value)) return { problem: t("day_invalid"), at: ends.day };
    if (ends.time.value.trim() && !end.time) return { problem: t("time_invalid"), at: ends.time };
    if (ends.day.value.trim() && !end.time) return { problem: t("time_invalid"), at: ends.time };
    const startsAt = vietnamMoment(start.day, start.time);
    const endsAt = end.time ? vietnamMoment(end.day, end.time) : null;
    if (endsAt && new Date(endsAt) <= new Date(startsAt)) return { problem: t("ends_before_starts"), at: ends.time };
    return {
      body: {
        title: title.value.trim(), place: place.value, description: description.value,
        starts_at: startsAt, ends_at: endsAt, urgent: urgent.checked,
        unit_id: Number(unit.value), chair_id: Number(chair.value),
        participants: [...form.querySelectorAll("input[name=participant]:checked")]
          .map((box) => ({ user_id: Number(box.value), role: box.dataset.role })).concat(kept),
        invited_units: [...form.querySelectorAll("input[name=invited_unit]:checked")]
          .map((box) => ({ unit_id: Number(box.value), remote: true })),
      },
    };
  };

  const form = h("form", {
    class: "card meeting-form", novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      error.textContent = "";
      const { body, problem, at } = collect();
      if (problem) {
        error.textContent = problem;
        at.focus();
        return;
      }
      submit.disabled = true;
      try {
        const result = editing ? await put(`/api/meetings/${editing}`, body) : await post("/api/meetings", body);
        toast(editing ? t("saved") : t("created"));
        navigate(`/meetings/${result.meeting.id}`);
      } catch (err) {
        error.textContent = err.message;
      } finally {
        submit.disabled = false;
      }
    },
  },
    h("label", { for: "f-title" }, t("title")), title,
    h("div", { class: "grid" },
      h("div", {}, h("label", { for: "f-starts_at" }, t("starts_at")), starts.box, starts.hint),
      h("div", {}, h("label", { for: "f-ends_at" }, t("ends_at")), ends.box, ends.hint)),
    h("label", { class: "inline" }, urgent, t("urgent_hint")),
    h("label", { for: "f-place" }, t("place")), place,
    h("div", { class: "grid" },
      h("div", {}, h("label", { for: "f-unit" }, t("unit")), unit),
      h("div", {}, h("label", { for: "f-chair" }, t("chair")), chair)),
    h("label", { for: "f-description" }, t("description")), description,
    participantPicker(people, units.units, chosen),
    unitPicker(units.units, invited),
    error,
    h("div", { class: "row" }, submit,
      h("a", { class: "button ghost", href: editing ? `/meetings/${editing}` : "/", "data-link": true }, t("cancel"))),
  );
  mount(h("h1", {}, editing ? t("edit") : t("nav_new_meeting")), form);
  return null;
}
