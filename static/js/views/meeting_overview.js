// The overview tab: what the invitation says, who takes part, and the life-cycle buttons.
import { get, post } from "../api.js";
import { dayField, parseDay, parseTime, timeField, vietnamMoment } from "../dates.js";
import { formatDateTime, t } from "../i18n.js";
import { vietnamParts } from "../format.js";
import { participantsOf } from "../meeting_state.js";
import { hasRole, session } from "../session.js";
import { askDialog, attempt, fill, h, statusBadge } from "../ui.js";
import "./meetings_i18n.js";

/**
 * What to ask before a step that cannot be taken back: {title, message, confirmLabel,
 * danger}, or null for a step taken at once ("submit": the chair can return it). Starting
 * says when the meeting is scheduled, and says so plainly when that is not today.
 */
export function transitionQuestion(meeting, name, now = new Date()) {
  const planned = vietnamParts(meeting.starts_at);
  const today = vietnamParts(now);
  switch (name) {
    case "approve":
      return { title: t("ask_approve_title"), message: t("ask_approve") };
    case "publish":
      return { title: t("ask_publish_title"),
               message: t("ask_publish", { n: meeting.participant_count, units: meeting.invited_units.length }) };
    case "start": {
      const sameDay = planned && planned.iso === today.iso;
      return {
        title: t("ask_start_title"),
        message: [
          sameDay ? t("ask_start_today", { time: planned.time, day: planned.day })
            : h("p", { class: "notice", id: "start-day-warning" },
              t("ask_start_other_day", { day: planned ? planned.day : "", today: today.day })),
          t("ask_start_after"),
        ],
        confirmLabel: sameDay ? t("t_start") : t("t_start_anyway"),
      };
    }
    case "adjourn":
      return { title: t("ask_adjourn_title"), message: t("ask_adjourn"), danger: true };
    case "close":
      return { title: t("ask_close_title"), message: t("ask_close"), danger: true };
    default:
      return null;
  }
}

/**
 * Take a step of the meeting's life, asking first when it cannot be undone (and asking the
 * chair's comment for "return"). The request runs with the dialog open, so a refusal shows
 * in it. Resolves to the new snapshot, or null when the user cancelled.
 */
export async function takeTransition(meetingId, meeting, name) {
  let snapshot = null;
  // Starting is always asked first (naming both days when they differ): once confirmed,
  // the server may start it on another day than scheduled.
  const go = async (comment = "") => {
    const body = name === "start" ? { comment, confirm_day: true } : { comment };
    snapshot = await post(`/api/meetings/${meetingId}/transitions/${name}`, body);
  };
  if (name === "return") {
    await askDialog({ id: "transition-dialog", title: t("ask_return_title"), confirmLabel: t("t_return"),
                      input: { label: t("return_comment"), maxlength: 2000 }, action: go });
    return snapshot;
  }
  if (name === "cancel") {
    await askDialog({ id: "transition-dialog", title: t("ask_cancel_title"), message: t("ask_cancel"), danger: true,
                      confirmLabel: t("t_cancel"), cancelLabel: t("keep_meeting"),
                      input: { label: t("cancel_reason"), maxlength: 2000 }, action: go });
    return snapshot;
  }
  const question = transitionQuestion(meeting, name);
  if (!question) {
    await go();
    return snapshot;
  }
  await askDialog({ id: "transition-dialog", confirmLabel: t(`t_${name}`), ...question, action: () => go() });
  return snapshot;
}

/**
 * Postpone: the new day and time (the meeting keeps its length) and the reason, asked in
 * one dialog. Resolves to the new snapshot, or null when the user cancelled.
 */
export async function postponeMeeting(meetingId, meeting) {
  let snapshot = null;
  const day = dayField({ id: "postpone-day" });
  const time = timeField({ id: "postpone-time" }, { value: (vietnamParts(meeting.starts_at) || {}).time || "" });
  await askDialog({
    id: "postpone-dialog", title: t("ask_postpone_title"), confirmLabel: t("postpone"), cancelLabel: t("close_dialog"),
    message: [t("ask_postpone"), h("div", { class: "row postpone-when" },
      h("label", { for: "postpone-day" }, t("postpone_day"), day),
      h("label", { for: "postpone-time" }, t("postpone_time"), time))],
    input: { label: t("postpone_reason"), maxlength: 2000 },
    action: async (reason) => {
      const newDay = parseDay(day.value);
      const newTime = parseTime(time.value);
      if (!newDay || !newTime) throw new Error(t("postpone_bad_time"));
      const startsAt = vietnamMoment(newDay, newTime);
      const length = meeting.ends_at ? Date.parse(meeting.ends_at) - Date.parse(meeting.starts_at) : null;
      snapshot = await post(`/api/meetings/${meetingId}/postpone`, {
        starts_at: startsAt, reason,
        ends_at: length ? new Date(Date.parse(startsAt) + length).toISOString() : null,
      });
    },
  });
  return snapshot;
}

/** Why the meeting was postponed or cancelled, at the head of its overview. */
function changeNotice(m) {
  if (m.status === "cancelled") {
    return h("div", { class: "notice bad", id: "change-notice", dataset: { change: "cancelled" } },
      h("strong", {}, t("cancelled_notice")), " ", m.change_reason ? [t("change_reason"), " ", h("em", {}, m.change_reason)] : null);
  }
  if (!m.postponed_from || !["submitted", "approved", "published"].includes(m.status)) return null;
  return h("div", { class: "notice", id: "change-notice", dataset: { change: "postponed" } },
    h("strong", {}, t("postponed_notice", { from: formatDateTime(m.postponed_from), to: formatDateTime(m.starts_at) })),
    " ", m.change_reason ? [t("change_reason"), " ", h("em", {}, m.change_reason)] : null);
}

function postponeButton(ctx) {
  const button = h("button", { type: "button", class: "ghost", id: "postpone" }, t("postpone"));
  button.addEventListener("click", () => attempt(async () => {
    const snapshot = await postponeMeeting(ctx.meetingId, ctx.state.meeting);
    if (!snapshot) return;
    ctx.state.meeting = snapshot.meeting;
    ctx.state.transitions = snapshot.transitions;
    ctx.rerender();
  }, button));
  return button;
}

function transitionButton(ctx, name) {
  // Cancelling is for good: it looks it, beside "Hoãn cuộc họp".
  const look = { return: "ghost", cancel: "ghost danger" }[name] || "";
  const button = h("button", { type: "button", class: look,
                               dataset: { transition: name } }, t(`t_${name}`));
  button.addEventListener("click", () => attempt(async () => {
    const snapshot = await takeTransition(ctx.meetingId, ctx.state.meeting, name);
    if (!snapshot) return;
    ctx.state.transitions = snapshot.transitions;
    ctx.rerender();
  }, button));
  return button;
}

function overview(container, ctx) {
  const m = ctx.state.meeting;
  const listed = participantsOf(ctx);
  const people = listed ? listed.map((p) => h("li", {}, h("strong", {}, p.name),
    p.title ? ` — ${p.title}` : "", " ", h("span", { class: "badge" }, t(`role_${p.role}`))))
    : [h("li", { class: "muted" }, t("loading"))];
  fill(container,
    h("div", { class: "card" },
      h("div", { class: "row" }, statusBadge(m.status), m.urgent ? h("span", { class: "badge urgent" }, t("urgent")) : null,
        h("span", { class: "spacer" }),
        hasRole("secretary") && ["draft", "submitted", "approved", "published"].includes(m.status)
          ? h("a", { class: "button ghost small", href: `/meetings/${m.id}/edit`, "data-link": true }, t("edit")) : null),
      changeNotice(m),
      m.return_comment && m.status === "draft"
        ? h("div", { class: "notice", id: "return-comment" }, t("returned_with"), " ", h("em", {}, m.return_comment)) : null,
      h("table", {},
        h("tr", {}, h("th", {}, t("starts_at")), h("td", { id: "starts-at" }, formatDateTime(m.starts_at))),
        m.ends_at ? h("tr", {}, h("th", {}, t("ends_at")), h("td", {}, formatDateTime(m.ends_at))) : null,
        h("tr", {}, h("th", {}, t("place")), h("td", { id: "place" }, m.place)),
        h("tr", {}, h("th", {}, t("unit")), h("td", {}, m.unit.name)),
        h("tr", {}, h("th", {}, t("chair")), h("td", {}, m.chair.name)),
        m.description ? h("tr", {}, h("th", {}, t("description")), h("td", {}, m.description)) : null),
      h("div", { class: "row", id: "transitions", style: "margin-top:14px" },
        ...(ctx.state.transitions || []).map((name) => transitionButton(ctx, name)),
        // Whoever may cancel a meeting not yet started may postpone it instead.
        (ctx.state.transitions || []).includes("cancel") ? postponeButton(ctx) : null)),
    h("div", { class: "card" }, h("h2", {}, t("participants"), h("span", { class: "muted" }, ` (${m.participant_count})`)),
      h("ul", { id: "participants", "aria-busy": String(!listed) }, people)),
    m.invited_units.length ? h("div", { class: "card" }, h("h2", {}, t("invited_units")),
      h("ul", {}, m.invited_units.map((u) => h("li", {}, u.name, u.remote ? ` (${t("remote")})` : "")))) : null,
    recordings(m, listed),
  );
}

/** The meeting's video recordings, kept with it once the session is over (the video tab
 * is gone by then). Each download is audited. */
function recordings(m, listed) {
  const box = h("div", { id: "overview-recordings" });
  if (!["adjourned", "closed"].includes(m.status)) return box;
  // Members and managing secretaries have them; an administrator who is neither does not
  // (the server answers 404), so it is not asked.
  const me = session.user ? session.user.id : null;
  if (hasRole("admin") && m.chair.id !== me && !(listed && listed.some((p) => p.user_id === me))) return box;
  get(`/api/meetings/${m.id}/recordings`).then((list) => {
    if (!list.length) return;
    box.replaceChildren(h("div", { class: "card" }, h("h2", {}, t("video_recordings")),
      h("ul", {}, list.map((r) => h("li", {},
        h("a", { href: `/api/meetings/${m.id}/recordings/${r.name}`, download: r.name }, formatDateTime(r.started_at)),
        h("span", { class: "muted" }, ` (${(r.size / 1048576).toFixed(1)} MB)`))))));
  }).catch(() => { /* offline: the list comes back with the page */ });
  return box;
}

export const overviewTab = { id: "overview", label: () => t("overview"), visible: () => true, render: overview };
