// Attendance: answering the invitation, checking in (tablet, entrance QR code, secretary),
// the present / absent / remote counts and the quorum, live.
import qrcode from "/static/node_modules/qrcode-generator/dist/qrcode.mjs";
import { get, post, put } from "../api.js";
import { extend, formatDateTime, t } from "../i18n.js";
import { call } from "../live.js";
import { followMeeting, meetingReducers, reducerTable } from "../meeting_state.js";
import { navigate } from "../router.js";
import { session } from "../session.js";
import { attempt, fill, h, keepView, mount, toast } from "../ui.js";

extend({
  vi: {
    at_tab: "Điểm danh", at_check_in: "Điểm danh", at_checked_in: "Đã điểm danh lúc {time}",
    at_remote_site: "Tôi dự họp tại điểm cầu", at_present: "Có mặt", at_absent: "Vắng mặt",
    at_remote: "Trực tuyến", at_in_hall: "Tại hội trường", at_members: "Thành viên", at_excused: "Vắng có lý do",
    at_substitutes: "Dự thay", at_rooms: "Điểm cầu đã điểm danh", at_quorum_ok: "Đủ số thành viên để tiến hành",
    at_quorum_no: "Chưa đủ số thành viên (cần {n})", at_rule: "Điều kiện tiến hành",
    at_rule_majority: "Quá nửa số thành viên", at_rule_two_thirds: "Ít nhất 2/3 số thành viên",
    at_my_answer: "Xác nhận tham dự", at_attend: "Tham dự", at_decline: "Vắng mặt (nêu lý do)",
    at_substitute: "Cử người dự thay", at_reason: "Lý do", at_sub_name: "Họ tên người dự thay",
    at_sub_title: "Chức vụ", at_send: "Gửi xác nhận", at_sent: "Đã gửi xác nhận.", at_list: "Danh sách thành phần",
    at_response_pending: "Chưa xác nhận", at_response_attend: "Tham dự", at_response_absent: "Vắng",
    at_response_substitute: "Cử người dự thay", at_check_in_for: "Điểm danh", at_check_out: "Rời họp",
    at_by: "qua {method}", at_method_tablet: "máy tính bảng", at_method_qr: "mã QR", at_method_secretary: "thư ký",
    at_entrance: "Mã điểm danh tại cửa hội trường", at_scan: "Quét mã bằng máy tính bảng hoặc điện thoại để điểm danh",
    at_code_refresh: "Mã tự động đổi sau mỗi {n} giây", at_checkin_done: "Điểm danh thành công",
    at_checkin_go: "Vào phiên họp", at_checkin_wait: "Đang điểm danh…", at_open_entrance: "Mã QR điểm danh",
    at_sub_present: "Người dự thay đã có mặt", at_vote: "biểu quyết",
    at_col_who: "Thành phần", at_col_role: "Vai trò", at_col_answer: "Xác nhận tham dự", at_col_presence: "Điểm danh",
    at_col_actions: "Thao tác", at_not_here: "Chưa điểm danh", at_retry: "Thử lại",
    at_you: "Bạn", at_reason_hint: "Đi công tác…",
  },
  en: {
    at_tab: "Attendance", at_check_in: "Check in", at_checked_in: "Checked in at {time}",
    at_remote_site: "I am attending from a remote site", at_present: "Present", at_absent: "Absent",
    at_remote: "Remote", at_in_hall: "In the hall", at_members: "Members", at_excused: "Excused",
    at_substitutes: "Substitutes", at_rooms: "Remote rooms checked in", at_quorum_ok: "Quorum reached",
    at_quorum_no: "No quorum yet ({n} needed)", at_rule: "Quorum rule",
    at_rule_majority: "More than half of the members", at_rule_two_thirds: "At least two thirds of the members",
    at_my_answer: "Your answer to the invitation", at_attend: "Attend", at_decline: "Absent (give a reason)",
    at_substitute: "Send a substitute", at_reason: "Reason", at_sub_name: "Substitute's full name",
    at_sub_title: "Position", at_send: "Send answer", at_sent: "Answer sent.", at_list: "Invitees",
    at_response_pending: "No answer", at_response_attend: "Attending", at_response_absent: "Absent",
    at_response_substitute: "Substitute", at_check_in_for: "Check in", at_check_out: "Left",
    at_by: "by {method}", at_method_tablet: "tablet", at_method_qr: "QR code", at_method_secretary: "secretary",
    at_entrance: "Check-in code at the hall entrance", at_scan: "Scan with your tablet or phone to check in",
    at_code_refresh: "The code changes every {n} seconds", at_checkin_done: "You are checked in",
    at_checkin_go: "Go to the meeting", at_checkin_wait: "Checking in…", at_open_entrance: "Check-in QR code",
    at_sub_present: "Substitute present", at_vote: "votes",
    at_col_who: "Invitee", at_col_role: "Role", at_col_answer: "Answer", at_col_presence: "Check-in",
    at_col_actions: "Actions", at_not_here: "Not checked in", at_retry: "Try again",
    at_you: "You", at_reason_hint: "On a work trip…",
  },
});

function setEntry(list, entry) {
  const index = list.findIndex((e) => e.user_id === entry.user_id);
  if (index < 0) list.push(entry); else list[index] = entry;
}

export const attendanceReducers = {
  "attendance.updated": (state, event) => {
    const part = state.attendance;
    const entry = event.data.entry;
    if (session.user && entry.user_id === session.user.id) part.mine = entry;
    if (part.entries) setEntry(part.entries, entry);
    else if (part.waiting) part.waiting.push(event); // the list is on its way: applied on top
    part.counts = event.data.counts;
  },
  "attendance.counts": (state, event) => { state.attendance.counts = event.data.counts; },
  // Someone added or taken off: the list is fetched again when next shown.
  "meeting.updated": (state) => {
    const { counts, manages, mine } = state.attendance;
    state.attendance = { counts, manages, mine };
  },
};

/** The user's own line of the attendance list, or null if not an invitee. */
export function myEntry(state) {
  return state.attendance ? state.attendance.mine || null : null;
}

/**
 * The whole attendance list. It is not in the snapshot, which every screen gets on every
 * join: a screen that shows the list fetches it, current to a seq, and the
 * `attendance.updated` events after that seq apply on top. Null until it arrives; the
 * screen is redrawn then.
 */
export function attendanceList(ctx) {
  const part = ctx.state.attendance;
  if (part.entries) return part.entries;
  if (part.waiting) return null;
  part.waiting = [];
  part.failed = false;
  get(`/api/meetings/${ctx.meetingId}/attendance`).then((list) => {
    if (!ctx.state || ctx.state.attendance !== part) return; // a fresh snapshot replaced it
    part.entries = list.entries;
    for (const event of part.waiting) if (event.seq > list.seq) setEntry(part.entries, event.data.entry);
    part.waiting = null;
    ctx.rerender();
  }).catch(() => {
    part.waiting = null;
    part.failed = true;
    if (ctx.state && ctx.state.attendance === part) ctx.rerender();
  });
  return null;
}

function timeOf(iso) {
  return iso ? new Date(iso).toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh" }) : "";
}

/** Present / remote / absent and the quorum, for the console, the tablet and the hall. */
export function countsBlock(state, { big = false } = {}) {
  const c = state.attendance.counts;
  const stat = (n, label, role) => h("div", { class: "lv-stat", dataset: { role } }, h("div", { class: "lv-stat-n" }, String(n)), h("div", { class: "lv-stat-label" }, label));
  return h("div", { class: `attendance-counts${big ? " big" : ""}`, id: "attendance-counts" },
    h("div", { class: `lv-quorum ${c.quorum ? "ok" : "no"}`, dataset: { quorum: String(c.quorum) } },
      c.quorum ? `✔ ${t("at_quorum_ok")}` : `⚠ ${t("at_quorum_no", { n: c.needed })}`),
    h("div", { class: "lv-stats" },
      stat(`${c.present}/${c.members}`, t("at_present"), "present"),
      stat(c.in_hall, t("at_in_hall"), "in-hall"),
      stat(c.remote, t("at_remote"), "remote"),
      stat(c.absent, t("at_absent"), "absent"),
      c.rooms ? stat(`${c.rooms_connected}/${c.rooms}`, t("at_rooms"), "rooms") : null));
}

/** The tablet's check-in strip: a big button until checked in, then the time. */
export function checkInStrip(ctx) {
  const entry = myEntry(ctx.state);
  if (!entry) return null;
  if (entry.present) {
    return h("div", { class: "checkin-strip done", id: "checkin" }, "✔ ", t("at_checked_in", { time: timeOf(entry.checked_in_at) }),
      entry.remote ? h("span", { class: "badge remote" }, t("at_remote")) : null);
  }
  const remote = h("input", { type: "checkbox" });
  const button = h("button", { type: "button", class: "big-action", id: "check-in" }, "☑ ", t("at_check_in"));
  button.addEventListener("click", () => attempt(async () => {
    const ack = await call("attendance:checkin", { meeting_id: ctx.meetingId, remote: remote.checked });
    if (!ack.ok) throw new Error(ack.error.message || ack.error.code);
  }, button));
  return h("div", { class: "checkin-strip", id: "checkin" }, button,
    entry.role !== "remote_room" ? h("label", { class: "inline" }, remote, t("at_remote_site")) : null);
}

function answerForm(ctx, entry) {
  const choice = (value, label) => h("label", { class: "inline lv-choice" },
    h("input", { type: "radio", name: "at-response", value, checked: entry.response === value }), label);
  const reason = h("input", { id: "at-reason", value: entry.reason || "", placeholder: t("at_reason_hint") });
  const subName = h("input", { id: "at-sub-name", value: entry.substitute_name || "" });
  const subTitle = h("input", { id: "at-sub-title", value: entry.substitute_title || "" });
  const send = h("button", { type: "button", id: "at-send" }, t("at_send"));
  const form = h("div", { class: "card", id: "my-answer" }, h("h2", {}, t("at_my_answer")),
    h("div", { class: "row" }, choice("attend", t("at_attend")), choice("absent", t("at_decline")), choice("substitute", t("at_substitute"))),
    h("label", { for: "at-reason" }, t("at_reason")), reason,
    h("div", { class: "two-col" }, h("div", {}, h("label", { for: "at-sub-name" }, t("at_sub_name")), subName),
      h("div", {}, h("label", { for: "at-sub-title" }, t("at_sub_title")), subTitle)),
    h("div", { class: "row", style: "margin-top:12px" }, send));
  send.addEventListener("click", () => attempt(async () => {
    const picked = form.querySelector("input[name=at-response]:checked");
    await put(`/api/meetings/${ctx.meetingId}/attendance/response`, {
      response: picked ? picked.value : "attend", reason: reason.value,
      substitute_name: subName.value, substitute_title: subTitle.value });
    toast(t("at_sent"));
  }, send));
  return form;
}

function entryRow(ctx, entry) {
  const manages = ctx.state.attendance.manages;
  const actions = [];
  if (manages && ["published", "in_session"].includes(ctx.state.meeting.status)) {
    const label = entry.present ? t("at_check_out") : t("at_check_in_for");
    const b = h("button", { type: "button", class: `small${entry.present ? " ghost" : ""}`, dataset: { checkIn: entry.user_id } }, label);
    b.addEventListener("click", () => attempt(() => post(
      `/api/meetings/${ctx.meetingId}/attendance/${entry.present ? "checkout" : "checkin"}`, { user_id: entry.user_id }), b));
    actions.push(b);
  }
  const answer = entry.response === "substitute"
    ? `${t("at_response_substitute")}: ${entry.substitute_name}${entry.substitute_title ? ` (${entry.substitute_title})` : ""}`
    : t(`at_response_${entry.response}`);
  // The user's own line stands out: a delegate looks for it first in a list of a hundred.
  const mine = Boolean(session.user && entry.user_id === session.user.id);
  return h("tr", { class: mine ? "mine" : "", dataset: { userId: entry.user_id, present: String(entry.present) } },
    h("td", {}, h("strong", {}, entry.name), mine ? h("span", { class: "badge you" }, t("at_you")) : null,
      entry.title ? h("div", { class: "muted" }, entry.title) : null),
    h("td", {}, t(`role_${entry.role}`), entry.voting ? h("span", { class: "badge" }, t("at_vote")) : null),
    h("td", {}, answer, entry.reason ? h("div", { class: "muted" }, entry.reason) : null),
    h("td", {}, entry.present
      ? h("span", { class: "badge present" }, entry.response === "substitute" ? t("at_sub_present") : t("at_present"),
        entry.remote ? ` · ${t("at_remote")}` : "", ` ${timeOf(entry.checked_in_at)}`)
      : h("span", { class: "muted", dataset: { role: "not-here" } }, t("at_not_here")),
      entry.method && entry.present ? h("div", { class: "muted small-text" }, t("at_by", { method: t(`at_method_${entry.method}`) })) : null),
    h("td", { class: "at-actions" }, actions));
}

/** The list's column heads: every column says what it holds. */
function entryHead(ctx) {
  const manages = ctx.state.attendance.manages && ["published", "in_session"].includes(ctx.state.meeting.status);
  return h("thead", {}, h("tr", {},
    h("th", { scope: "col" }, t("at_col_who")), h("th", { scope: "col" }, t("at_col_role")),
    h("th", { scope: "col" }, t("at_col_answer")), h("th", { scope: "col" }, t("at_col_presence")),
    h("th", { scope: "col", class: manages ? "at-actions" : "at-actions visually-hidden" }, t("at_col_actions"))));
}

function attendanceView(container, ctx) {
  const view = keepView(container, "attendance", () => {
    const mine = myEntry(ctx.state);
    const answer = mine && ["published", "in_session"].includes(ctx.state.meeting.status) ? answerForm(ctx, mine) : null;
    const live = h("div", {});
    return { root: h("div", { class: "attendance-tab" }, live, answer), live };
  });
  const state = ctx.state;
  const rule = h("select", { id: "quorum-rule", disabled: !state.live.presides },
    ["majority", "two_thirds"].map((r) => h("option", { value: r, selected: state.attendance.counts.rule === r }, t(`at_rule_${r}`))));
  rule.addEventListener("change", () => attempt(() => put(`/api/meetings/${ctx.meetingId}/attendance/quorum`, { rule: rule.value })));
  fill(view.live, 
    h("div", { class: "card" }, countsBlock(state),
      h("div", { class: "row", style: "margin-top:10px" }, h("label", { for: "quorum-rule", class: "inline" }, t("at_rule")), rule,
        h("span", { class: "spacer" }),
        state.live.presides || state.attendance.manages
          ? h("a", { class: "button ghost small", href: `/entrance/${ctx.meetingId}`, target: "_blank" }, t("at_open_entrance")) : null),
      myEntry(state) ? checkInStrip(ctx) : null),
    h("div", { class: "card" }, h("h2", {}, t("at_list")), listBlock(ctx)));
}

function listBlock(ctx) {
  const entries = attendanceList(ctx);
  if (!entries) {
    if (!ctx.state.attendance.failed) return h("p", { class: "muted", id: "attendance-list-loading" }, t("loading"));
    const retry = h("button", { type: "button", class: "small ghost" }, t("at_retry"));
    retry.addEventListener("click", () => ctx.rerender());
    return h("p", { class: "notice", id: "attendance-list-failed" }, t("network_error"), " ", retry);
  }
  return h("div", { class: "table-wrap" }, h("table", { id: "attendance-list" }, entryHead(ctx),
    h("tbody", {}, entries.map((e) => entryRow(ctx, e)))));
}

export const attendanceTab = {
  id: "attendance", label: () => t("at_tab"),
  visible: (state) => Boolean(state.attendance) && ["published", "in_session", "adjourned", "closed"].includes(state.meeting.status),
  render: attendanceView,
};

// -- the entrance screen: a QR code that changes every half minute ----------------------

// The entrance shows the meeting's title and its attendance: it follows nothing else.
const entranceReducers = reducerTable(meetingReducers, attendanceReducers);

function qrSvg(text) {
  const qr = qrcode(0, "M");
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  const cells = [];
  for (let r = 0; r < n; r += 1) for (let c = 0; c < n; c += 1) if (qr.isDark(r, c)) cells.push(`M${c + 4} ${r + 4}h1v1h-1z`);
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${n + 8} ${n + 8}`);
  svg.setAttribute("class", "qr");
  svg.setAttribute("shape-rendering", "crispEdges");
  svg.innerHTML = `<rect width="100%" height="100%" fill="#fff"/><path fill="#000" d="${cells.join("")}"/>`;
  svg.dataset.url = text;
  return svg;
}

export async function entranceView(params) {
  const meetingId = Number(params.id);
  document.body.classList.add("hall-mode");
  const title = h("h1", { class: "entrance-title" }, t("loading"));
  const code = h("div", { class: "qr-box", id: "entrance-qr" });
  const counts = h("div", {});
  const hint = h("p", { class: "muted" });
  mount(h("div", { class: "entrance" }, title, h("h2", {}, t("at_entrance")), code, h("p", { class: "scan-hint" }, t("at_scan")), hint, counts));
  const show = (state) => {
    title.textContent = state.meeting.title;
    counts.replaceChildren(countsBlock(state, { big: true }));
  };
  const meeting = followMeeting(meetingId, {
    reducers: entranceReducers,
    onSnapshot: show,
    onEvent: show,
    onError: (error) => toast(error ? error.message : t("network_error"), "error"),
  });
  let timer = null;
  const refresh = async () => {
    try {
      const data = await get(`/api/meetings/${meetingId}/attendance/entrance-code`);
      code.replaceChildren(qrSvg(`${location.origin}${data.path}`));
      hint.textContent = t("at_code_refresh", { n: data.rotate_seconds });
      clearTimeout(timer);
      timer = setTimeout(refresh, data.rotate_seconds * 1000);
    } catch (err) {
      toast(err.message, "error");
      timer = setTimeout(refresh, 5000);
    }
  };
  await refresh();
  return () => { clearTimeout(timer); meeting.close(); document.body.classList.remove("hall-mode"); };
}

/** /checkin/<code>: the phone or tablet that scanned the entrance code. */
export async function checkinView(params) {
  const status = h("p", { class: "big-status" }, t("at_checkin_wait"));
  const card = h("div", { class: "card checkin-card", id: "checkin-result" }, status);
  mount(card);
  try {
    const data = await post("/api/checkin", { token: params.token });
    status.textContent = `✔ ${t("at_checkin_done")}`;
    card.classList.add("ok");
    const go = h("a", { class: "button big-action", href: `/meetings/${data.meeting_id}/live`, "data-link": true }, t("at_checkin_go"));
    card.append(h("p", { class: "muted" }, formatDateTime(new Date().toISOString())), go);
    setTimeout(() => { if (go.isConnected) navigate(`/meetings/${data.meeting_id}/live`, { replace: true }); }, 2500);
  } catch (err) {
    status.textContent = err.message;
    card.classList.add("failed");
  }
}
