// Voting: the tablet's ballot, the chair's poll editor, live counts, results, published ballots.
// A ballot carries a random id kept on the tablet: resending it after a drop is answered with
// the stored ballot, never counted twice. Secret ballots' receipts live only on the tablet.
import { get, post } from "../api.js";
import { clockText, observeServerTime, serverNow, tick } from "../clock.js";
import { formatDateTimeShort, formatNumber, formatPercent } from "../format.js";
import { extend, t } from "../i18n.js";
import { call, onConnectionChange } from "../live.js";
import { itemLabel, itemsOf } from "../meeting_state.js";
import { session } from "../session.js";
import { attempt, confirmDialog, h, keepView, toast } from "../ui.js";
import { myEntry } from "./attendance.js";

extend({
  vi: {
    v_tab: "Biểu quyết", v_vote: "Biểu quyết", v_open_now: "Đang biểu quyết", v_voted_n: "Đã biểu quyết: {n}/{of}",
    v_your_ballot: "Phiếu của bạn", v_you_voted: "Bạn đã biểu quyết", v_receipt: "Mã phiếu", v_change: "Bạn có thể đổi ý trước khi kết thúc",
    v_sending: "Đang gửi phiếu…", v_resending: "Mất kết nối — phiếu sẽ được gửi lại tự động",
    v_check_in_first: "Bạn cần điểm danh trước khi biểu quyết.", v_not_voter: "Bạn theo dõi biểu quyết (không có quyền biểu quyết).",
    v_time_left: "Còn lại", v_secret: "Bỏ phiếu kín", v_named: "Biểu quyết công khai",
    v_rule_present: "Quá nửa số thành viên có mặt", v_rule_members: "Quá nửa tổng số thành viên",
    v_rule_two_thirds: "Ít nhất 2/3 tổng số thành viên", v_passed: "THÔNG QUA", v_failed: "KHÔNG THÔNG QUA",
    v_decided: "Phương án được chọn: {option}", v_undecided: "Chưa có phương án đạt đa số",
    v_tie: "Số phiếu ngang nhau", v_no_quorum: "Không đủ số thành viên dự họp theo quy định: kết quả không có giá trị quyết định.", v_chair_decided: "Thông qua theo ý kiến Chủ tọa (số phiếu ngang nhau)",
    v_result: "Kết quả biểu quyết", v_new: "Tạo nội dung biểu quyết",
    v_question: "Nội dung biểu quyết", v_item: "Thuộc nội dung", v_general: "(Chung)", v_options: "Phương án",
    v_default_options: "Tán thành / Không tán thành / Không biểu quyết", v_custom_options: "Phương án khác (mỗi dòng một phương án)",
    v_visibility: "Hình thức", v_rule: "Cách tính kết quả", v_time_limit: "Thời gian biểu quyết",
    v_no_limit: "Không giới hạn", v_allow_change: "Cho phép đổi ý trước khi kết thúc",
    v_tie_break: "Số phiếu ngang nhau: theo ý kiến Chủ tọa", v_save_draft: "Lưu nháp", v_open: "Mở biểu quyết",
    v_close: "Kết thúc biểu quyết", v_cancel: "Hủy", v_drafts: "Đã chuẩn bị", v_closed_list: "Đã biểu quyết",
    v_status_draft: "Nháp", v_status_open: "Đang biểu quyết", v_status_closed: "Đã kết thúc", v_status_cancelled: "Đã hủy",
    v_ballots: "Danh sách phiếu", v_show_ballots: "Xem danh sách phiếu", v_none: "Chưa có nội dung biểu quyết.",
    v_confirm_close: "Kết thúc biểu quyết và công bố kết quả?", v_present_short: "có mặt",
    v_receipt_hint: "Tìm mã phiếu của bạn trong danh sách phiếu sau khi công bố kết quả.",
    v_voters: "Người biểu quyết", v_choice: "Lựa chọn", v_seconds: "{n} giây",
    v_not_voted: "Có mặt, không tham gia biểu quyết", v_absent: "Vắng mặt",
    v_says_approval_present: "Thông qua khi quá nửa số thành viên có mặt biểu quyết tán thành: cần ít nhất {n} trong số {of} thành viên có mặt.",
    v_says_approval_members: "Thông qua khi quá nửa tổng số thành viên biểu quyết tán thành: cần ít nhất {n} trong tổng số {of} thành viên.",
    v_says_approval_two_thirds: "Thông qua khi ít nhất hai phần ba tổng số thành viên biểu quyết tán thành: cần ít nhất {n} trong tổng số {of} thành viên.",
    v_says_choice_present: "Phương án được chọn phải nhiều phiếu nhất và được quá nửa số thành viên có mặt lựa chọn: cần ít nhất {n} trong số {of} thành viên có mặt.",
    v_says_choice_members: "Phương án được chọn phải nhiều phiếu nhất và được quá nửa tổng số thành viên lựa chọn: cần ít nhất {n} trong tổng số {of} thành viên.",
    v_says_choice_two_thirds: "Phương án được chọn phải nhiều phiếu nhất và được ít nhất hai phần ba tổng số thành viên lựa chọn: cần ít nhất {n} trong tổng số {of} thành viên.",
    v_says_tie_break: "Nếu số phiếu tán thành bằng đúng một nửa thì thông qua khi Chủ tọa tán thành.",
    v_base_present: "Tỷ lệ tính trên {of} thành viên có mặt", v_base_members: "Tỷ lệ tính trên tổng số {of} thành viên",
    v_attendance_line: "{present} có mặt / {members} thành viên", v_closed_at: "Kết thúc lúc {at}",
    v_threshold_mark: "Ngưỡng thông qua: {n} phiếu",
  },
  en: {
    v_tab: "Voting", v_vote: "Vote", v_open_now: "Voting now", v_voted_n: "Voted: {n}/{of}",
    v_your_ballot: "Your ballot", v_you_voted: "You voted", v_receipt: "Receipt", v_change: "You may change your vote until voting closes",
    v_sending: "Sending your ballot…", v_resending: "Connection lost — your ballot will be resent automatically",
    v_check_in_first: "Please check in before voting.", v_not_voter: "You follow this vote (you have no vote).",
    v_time_left: "Time left", v_secret: "Secret ballot", v_named: "Named vote",
    v_rule_present: "More than half of the members present", v_rule_members: "More than half of all members",
    v_rule_two_thirds: "At least two thirds of all members", v_passed: "ADOPTED", v_failed: "NOT ADOPTED",
    v_decided: "Chosen option: {option}", v_undecided: "No option reached a majority",
    v_tie: "Tied vote", v_no_quorum: "The quorum was not present: the vote decides nothing.", v_chair_decided: "Adopted on the chair's side (tied vote)",
    v_result: "Result", v_new: "New poll",
    v_question: "Question", v_item: "Agenda item", v_general: "(General)", v_options: "Options",
    v_default_options: "For / Against / Abstain", v_custom_options: "Other options (one per line)",
    v_visibility: "Kind", v_rule: "Majority rule", v_time_limit: "Voting time",
    v_no_limit: "No limit", v_allow_change: "Allow changing the vote until closing",
    v_tie_break: "Tied vote: the chair's side prevails", v_save_draft: "Save draft", v_open: "Open voting",
    v_close: "Close voting", v_cancel: "Cancel", v_drafts: "Prepared", v_closed_list: "Voted",
    v_status_draft: "Draft", v_status_open: "Voting", v_status_closed: "Closed", v_status_cancelled: "Cancelled",
    v_ballots: "Ballots", v_show_ballots: "Show the ballots", v_none: "No polls yet.",
    v_confirm_close: "Close voting and publish the result?", v_present_short: "present",
    v_receipt_hint: "Find your receipt in the list of ballots once the result is published.",
    v_voters: "Voter", v_choice: "Choice", v_seconds: "{n} s",
    v_not_voted: "Present, did not vote", v_absent: "Absent",
    v_says_approval_present: "Adopted when more than half of the members present vote for it: at least {n} of the {of} members present.",
    v_says_approval_members: "Adopted when more than half of all members vote for it: at least {n} of all {of} members.",
    v_says_approval_two_thirds: "Adopted when at least two thirds of all members vote for it: at least {n} of all {of} members.",
    v_says_choice_present: "The chosen option must have the most votes and more than half of the members present: at least {n} of the {of} members present.",
    v_says_choice_members: "The chosen option must have the most votes and more than half of all members: at least {n} of all {of} members.",
    v_says_choice_two_thirds: "The chosen option must have the most votes and at least two thirds of all members: at least {n} of all {of} members.",
    v_says_tie_break: "If exactly half vote for it, it is adopted when the chair is among them.",
    v_base_present: "Percentages of the {of} members present", v_base_members: "Percentages of all {of} members",
    v_attendance_line: "{present} present / {members} members", v_closed_at: "Closed at {at}",
    v_threshold_mark: "Threshold: {n} votes",
  },
});

// -- state ----------------------------------------------------------------------------

function upsert(list, poll) {
  const index = list.findIndex((p) => p.id === poll.id);
  if (index < 0) list.push(poll); else list[index] = { ...list[index], ...poll };
}

export const pollReducers = {
  "poll.updated": (state, event) => {
    upsert(state.polls.polls, event.data.poll);
    observeServerTime(event.at);
  },
  "poll.progress": (state, event) => {
    const poll = state.polls.polls.find((p) => p.id === event.data.poll_id);
    if (poll && poll.voted < event.data.voted) poll.voted = event.data.voted;
    state.polls.present = event.data.present;
  },
};

export function openPoll(state) {
  return (state.polls ? state.polls.polls : []).find((p) => p.status === "open") || null;
}

export function lastClosedPoll(state) {
  const closed = (state.polls ? state.polls.polls : []).filter((p) => p.status === "closed" && p.closed_at);
  closed.sort((a, b) => Date.parse(b.closed_at) - Date.parse(a.closed_at));
  return closed[0] || null;
}

function presentCount(state) {
  return state.attendance ? state.attendance.counts.present : (state.polls.present || 0);
}

// -- the ballot's identity on this tablet ---------------------------------------------

const store = (() => {
  try { return window.localStorage; } catch { return null; }
})();

function storeKey(kind, pollId) { return `ecabinet.${kind}.${session.user ? session.user.id : 0}.${pollId}`; }

function randomId() {
  const bytes = new Uint8Array(18);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** This tablet's ballot id for a poll: made once, kept, and sent again with every resend. */
function ballotId(pollId) {
  const key = storeKey("ballot", pollId);
  let id = store && store.getItem(key);
  if (!id) {
    id = randomId();
    if (store) store.setItem(key, id);
  }
  return id;
}

/** What this user voted: the server's word for named polls, the tablet's for secret ones. */
export function myVote(state, poll) {
  const server = (state.polls && state.polls.mine && state.polls.mine[String(poll.id)]) || null;
  let local = null;
  try { local = JSON.parse((store && store.getItem(storeKey("vote", poll.id))) || "null"); } catch { local = null; }
  if (!server && !local) return null;
  return {
    voted: true,
    choice: server && server.choice !== null && server.choice !== undefined ? server.choice : local ? local.choice : null,
    receipt: (server && server.receipt) || (local && local.receipt) || null,
  };
}

const pending = new Map(); // poll id -> {choice, ctx}
let retryHooked = false;

async function send(pollId) {
  const job = pending.get(pollId);
  if (!job) return;
  const ack = await call("vote:cast", { poll_id: pollId, choice: job.choice, client_ballot_id: ballotId(pollId) });
  if (ack.ok) {
    pending.delete(pollId);
    const mine = { voted: true, choice: ack.choice, receipt: ack.receipt };
    if (store) store.setItem(storeKey("vote", pollId), JSON.stringify(mine));
    job.ctx.state.polls.mine[String(pollId)] = mine;
    job.ctx.rerender();
    return;
  }
  if (ack.error && ack.error.code === "timeout") {
    job.ctx.rerender(); // shows "will be resent"; retried on reconnect
    setTimeout(() => send(pollId), 3000);
    return;
  }
  pending.delete(pollId);
  job.ctx.rerender();
  toast(ack.error.message || ack.error.code, "error");
}

/** Whether this tablet is still sending (or will resend) its ballot for the poll. */
export function sendingBallot(pollId) { return pending.has(pollId); }

/** Cast a ballot; ctx is {state, rerender}: the screen redrawn as the ballot goes and lands. */
export function castVote(ctx, poll, choice) {
  if (!retryHooked) {
    retryHooked = true;
    onConnectionChange((up) => { if (up) for (const id of pending.keys()) send(id); });
  }
  pending.set(poll.id, { choice, ctx });
  ctx.rerender();
  return send(poll.id);
}

// -- pieces of screens ------------------------------------------------------------------

export function optionClass(poll, index) {
  if (poll.kind !== "approval") return `opt opt-choice opt-${index}`;
  return ["opt opt-yes", "opt opt-no", "opt opt-abstain"][index] || "opt";
}

/** The remaining time of a timed poll; asks the server to close it when time is up. */
export function countdown(poll) {
  const el = h("span", { class: "lv-countdown", dataset: { role: "countdown" } });
  if (!poll.closes_at) return el;
  const ends = Date.parse(poll.closes_at);
  let asked = false;
  tick(el, () => {
    const left = (ends - serverNow()) / 1000;
    el.textContent = clockText(Math.max(0, left));
    el.classList.toggle("near", left < 15);
    if (left <= 0 && !asked && poll.status === "open") {
      asked = true;
      setTimeout(() => call("vote:close_due", { poll_id: poll.id }), 500);
    }
  }, 500);
  return el;
}

export function progressBar(poll, present) {
  const of = Math.max(present, poll.voted, 1);
  return h("div", { class: "lv-progress", dataset: { role: "progress" } },
    h("div", { class: "lv-progress-label" }, t("v_voted_n", { n: formatNumber(poll.voted), of: formatNumber(present) })),
    h("div", { class: "lv-progress-track" }, h("div", { class: "lv-progress-fill", style: `width:${Math.round((100 * poll.voted) / of)}%` })));
}

function ruleText(rule) { return t(`v_rule_${rule}`); }

export function pollMeta(poll) {
  return h("div", { class: "poll-meta muted" },
    poll.visibility === "secret" ? `🔒 ${t("v_secret")}` : t("v_named"), " · ", ruleText(poll.rule));
}

/** The rule and its threshold in words: which majority of which body, and how many votes. */
export function ruleSentence(poll) {
  const r = poll.result;
  const says = t(`v_says_${r.kind}_${r.rule}`, { n: formatNumber(r.needed), of: formatNumber(r.body) });
  return poll.tie_break_chair && r.kind === "approval" && r.rule !== "two_thirds" ? `${says} ${t("v_says_tie_break")}` : says;
}

/**
 * The rows of a result, each scaled to the body the rule counts (the members present
 * under "present", all members under "members" and "two_thirds"): one per option, then
 * the members present who did not vote and, when the body is all members, the absent.
 * The rows add up to the body, so a bar's length is its share of the decision.
 */
export function resultRows(poll) {
  const r = poll.result;
  const rows = poll.options.map((label, i) => ({ label, count: r.counts[i] || 0, option: i, cls: optionClass(poll, i) }));
  rows.push({ label: t("v_not_voted"), count: Math.max(0, r.present - r.voted), role: "not-voted", cls: "opt-none" });
  if (r.rule !== "present") {
    rows.push({ label: t("v_absent"), count: Math.max(0, r.members - Math.max(r.present, r.voted)), role: "absent", cls: "opt-absent" });
  }
  return rows;
}

/** The result: the verdict, a bar per option and for those who did not vote, the rule in words. */
export function resultBlock(poll, { big = false } = {}) {
  const r = poll.result;
  if (!r) return null;
  const base = r.body;
  const share = (n) => (base ? Math.min(100, (100 * n) / base) : 0);
  const verdict = r.kind === "approval"
    ? (r.passed ? t("v_passed") : t("v_failed"))
    : (r.passed ? t("v_decided", { option: poll.options[r.decided_option] }) : t("v_undecided"));
  // Where the threshold falls on an option's bar: an option reaching it carries the vote.
  const mark = base ? share(r.needed) : null;
  const bar = (row) => {
    const track = h("span", { class: "lv-bar-track" }, h("span", { class: "lv-bar-fill", style: `width:${share(row.count)}%` }));
    if (row.option !== undefined && mark !== null && (r.kind === "choice" || row.option === 0)) {
      track.append(h("span", { class: "lv-bar-mark", title: t("v_threshold_mark", { n: r.needed }), style: `left:${mark}%` }));
    }
    return h("div", {
      class: `lv-bar-row ${row.cls}${row.option === undefined ? " lv-bar-extra" : ""}`,
      dataset: row.option === undefined ? { role: row.role } : { option: row.option },
    },
    h("span", { class: "lv-bar-label" }, row.label), track,
    h("span", { class: "lv-bar-count", dataset: { count: row.count } }, formatNumber(row.count)),
    h("span", { class: "lv-bar-pct muted" }, formatPercent(row.count, base)));
  };
  return h("div", { class: `lv-result${big ? " big" : ""}`, id: `result-${poll.id}`, dataset: { passed: String(r.passed) } },
    h("div", { class: `lv-verdict ${r.passed ? "passed" : "failed"}`, dataset: { role: "verdict" } }, verdict),
    r.quorum === false ? h("div", { class: "muted lv-no-quorum", dataset: { role: "no-quorum" } }, t("v_no_quorum")) : null,
    r.chair_decided ? h("div", { class: "muted" }, t("v_chair_decided")) : (r.tie ? h("div", { class: "muted" }, t("v_tie")) : null),
    h("div", { class: "lv-bars" }, resultRows(poll).map(bar)),
    h("p", { class: "lv-rule", dataset: { role: "rule" } }, ruleSentence(poll)),
    h("div", { class: "muted lv-result-foot" },
      t(r.rule === "present" ? "v_base_present" : "v_base_members", { of: formatNumber(base) }),
      " · ", t("v_attendance_line", { present: formatNumber(r.present), members: formatNumber(r.members) }),
      poll.closed_at ? [" · ", t("v_closed_at", { at: formatDateTimeShort(poll.closed_at) })] : null));
}

/** The choices as buttons, then what was sent and its receipt. */
function ballotBody(ctx, poll, mine, waiting) {
  const locked = Boolean(mine) && !poll.allow_change;
  const buttons = poll.options.map((option, i) => {
    const chosen = mine && mine.choice === i;
    const b = h("button", { type: "button", class: `${optionClass(poll, i)} ballot-option${chosen ? " chosen" : ""}`,
      dataset: { choice: i }, disabled: locked || Boolean(waiting) }, chosen ? `✔ ${option}` : option);
    b.addEventListener("click", () => castVote(ctx, poll, i));
    return b;
  });
  return h("div", {},
    h("div", { class: "ballot-options" }, buttons),
    waiting ? h("p", { class: "notice sending" }, t("v_sending")) : null,
    mine ? h("div", { class: "my-ballot", id: "my-ballot" },
      h("strong", {}, "✔ ", t("v_you_voted"), mine.choice !== null ? `: ${poll.options[mine.choice]}` : ""),
      mine.receipt ? h("div", {}, t("v_receipt"), ": ", h("code", { class: "lv-receipt" }, mine.receipt)) : null,
      poll.allow_change ? h("div", { class: "muted" }, t("v_change")) : null) : null);
}

/**
 * The chair's own ballot on the console, under the open poll it runs: only the choices,
 * since the poll's question and progress are right above it. None for who may not vote
 * now (not a voter, or not checked in).
 */
export function ownBallot(ctx, poll) {
  const state = ctx.state;
  const me = myEntry(state);
  if (!state.polls.voter || !me || !me.present) return null;
  return h("div", { class: "console-ballot", id: "ballot", dataset: { pollId: poll.id } },
    h("div", { class: "muted small-text" }, t("v_your_ballot")),
    ballotBody(ctx, poll, myVote(state, poll), pending.get(poll.id)));
}

/** The tablet's ballot for the open poll. */
export function ballotCard(ctx, poll) {
  const state = ctx.state;
  const mine = myVote(state, poll);
  const waiting = pending.get(poll.id);
  const me = myEntry(state);
  const voter = state.polls.voter;
  let body;
  if (!voter) {
    body = h("p", { class: "muted" }, t("v_not_voter"));
  } else if (!me || !me.present) {
    body = h("p", { class: "notice" }, t("v_check_in_first"));
  } else {
    body = ballotBody(ctx, poll, mine, waiting);
  }
  return h("div", { class: "card ballot", id: "ballot", dataset: { pollId: poll.id } },
    h("div", { class: "row" }, h("span", { class: "badge live-badge" }, "● ", t("v_open_now")), h("span", { class: "spacer" }),
      poll.closes_at ? h("span", {}, t("v_time_left"), " ", countdown(poll)) : null),
    h("h2", { class: "poll-question" }, poll.question),
    pollMeta(poll), body, progressBar(poll, presentCount(state)));
}

// -- the chair's console ----------------------------------------------------------------

export function pollEditor(ctx) {
  const items = itemsOf(ctx.state);
  const current = ctx.state.live && ctx.state.live.current_item;
  const question = h("textarea", { id: "poll-question", rows: 2, placeholder: "Thông qua Tờ trình số …/TTr-UBND về …" });
  const item = h("select", { id: "poll-item" }, h("option", { value: "" }, t("v_general")),
    items.map((i, n) => h("option", { value: i.id, selected: current && current.id === i.id }, `${n + 1}. ${i.title}`)));
  const custom = h("input", { type: "checkbox", id: "poll-custom" });
  const options = h("textarea", { id: "poll-options", rows: 3, hidden: true });
  custom.addEventListener("change", () => { options.hidden = !custom.checked; });
  const visibility = h("select", { id: "poll-visibility" },
    h("option", { value: "named" }, t("v_named")), h("option", { value: "secret" }, t("v_secret")));
  const rule = h("select", { id: "poll-rule" }, ["present", "members", "two_thirds"].map((r) => h("option", { value: r }, ruleText(r))));
  const limit = h("select", { id: "poll-limit" }, h("option", { value: "" }, t("v_no_limit")),
    [30, 60, 120, 300].map((s) => h("option", { value: s }, s < 60 ? t("v_seconds", { n: s }) : t("sp_minutes", { n: s / 60 }))));
  const allowChange = h("input", { type: "checkbox", id: "poll-allow-change" });
  const tieBreak = h("input", { type: "checkbox", id: "poll-tie-break" });
  const body = () => ({
    question: question.value, item_id: item.value ? Number(item.value) : null,
    options: custom.checked ? options.value.split("\n").map((o) => o.trim()).filter(Boolean) : null,
    visibility: visibility.value, rule: rule.value, allow_change: allowChange.checked,
    tie_break_chair: tieBreak.checked, time_limit_seconds: limit.value ? Number(limit.value) : null,
  });
  const submit = (open, button) => attempt(async () => {
    const poll = await post(`/api/meetings/${ctx.meetingId}/polls`, { ...body(), open });
    upsert(ctx.state.polls.polls, poll);
    question.value = "";
    ctx.rerender();
  }, button);
  const draft = h("button", { type: "button", class: "ghost", id: "poll-save" }, t("v_save_draft"));
  const open = h("button", { type: "button", id: "poll-open" }, t("v_open"));
  draft.addEventListener("click", () => submit(false, draft));
  open.addEventListener("click", () => submit(true, open));
  const form = h("div", { class: "poll-editor" },
    h("label", { for: "poll-question" }, t("v_question")), question,
    h("label", { for: "poll-item" }, t("v_item")), item,
    h("label", {}, t("v_options")), h("div", { class: "muted" }, t("v_default_options")),
    h("label", { class: "inline" }, custom, t("v_custom_options")), options,
    h("div", { class: "two-col" },
      h("div", {}, h("label", { for: "poll-visibility" }, t("v_visibility")), visibility),
      h("div", {}, h("label", { for: "poll-limit" }, t("v_time_limit")), limit)),
    h("label", { for: "poll-rule" }, t("v_rule")), rule,
    h("label", { class: "inline" }, allowChange, t("v_allow_change")),
    h("label", { class: "inline" }, tieBreak, t("v_tie_break")),
    h("div", { class: "row", style: "margin-top:12px" }, draft, open));
  return form;
}

function pollRow(ctx, poll) {
  const actions = [];
  const button = (label, cls, fn, id) => {
    const b = h("button", { type: "button", class: cls, dataset: { action: id } }, label);
    b.addEventListener("click", () => attempt(fn, b));
    actions.push(b);
  };
  if (poll.status === "draft") {
    button(t("v_open"), "small", async () => {
      const ack = await call("poll:open", { poll_id: poll.id });
      if (!ack.ok) throw new Error(ack.error.message);
    }, "open");
  }
  if (poll.status === "open") {
    button(t("v_close"), "small", async () => {
      if (!await confirmDialog({ id: "close-poll-dialog", title: t("v_confirm_close"), message: poll.question,
        confirmLabel: t("v_close"), danger: true })) return;
      const ack = await call("vote:close", { poll_id: poll.id });
      if (!ack.ok) throw new Error(ack.error.message);
    }, "close");
  }
  if (poll.status === "draft" || poll.status === "open") {
    button(t("v_cancel"), "small ghost", async () => { await post(`/api/polls/${poll.id}/cancel`); }, "cancel");
  }
  return h("li", { class: `poll-row ${poll.status}`, dataset: { pollId: poll.id, status: poll.status } },
    h("div", { class: "row" }, h("span", { class: `badge poll-${poll.status}` }, t(`v_status_${poll.status}`)),
      h("strong", { class: "poll-q" }, poll.question)),
    h("div", { class: "muted" }, itemLabel(ctx.state, poll.item_id) || t("v_general"), " · ", pollMeta(poll)),
    poll.status === "open" ? h("div", { class: "row" }, progressBar(poll, presentCount(ctx.state)),
      poll.closes_at ? countdown(poll) : null) : null,
    poll.status === "closed" ? resultBlock(poll) : null,
    actions.length ? h("div", { class: "row" }, actions) : null);
}

export function pollConsole(ctx) {
  const polls = [...ctx.state.polls.polls].reverse();
  return h("div", { class: "poll-console" },
    polls.length ? h("ul", { class: "poll-list", id: "poll-list" }, polls.map((p) => pollRow(ctx, p)))
      : h("p", { class: "muted" }, t("v_none")));
}

// -- the voting tab: every poll, results and the published ballots ----------------------

async function showBallots(poll, box, button) {
  await attempt(async () => {
    const data = await get(`/api/polls/${poll.id}/ballots`);
    const secret = poll.visibility === "secret";
    box.replaceChildren(h("table", { class: "ballot-list" },
      h("tr", {}, h("th", {}, secret ? t("v_receipt") : t("v_voters")), h("th", {}, t("v_choice"))),
      data.ballots.map((b) => h("tr", {}, h("td", {}, secret ? h("code", {}, b.receipt) : b.name),
        h("td", {}, poll.options[b.choice])))));
  }, button);
}

function pollsView(container, ctx) {
  const view = keepView(container, "polls", () => ({ root: h("div", { class: "polls-tab" }) }));
  const polls = ctx.state.polls.polls.filter((p) => p.status !== "draft").slice().reverse();
  view.root.replaceChildren(...(polls.length ? polls.map((poll) => {
    const mine = myVote(ctx.state, poll);
    const box = h("div", {});
    const list = h("button", { type: "button", class: "ghost small" }, t("v_show_ballots"));
    list.addEventListener("click", () => showBallots(poll, box, list));
    return h("div", { class: "card", dataset: { pollId: poll.id } },
      h("div", { class: "row" }, h("span", { class: `badge poll-${poll.status}` }, t(`v_status_${poll.status}`)),
        h("span", { class: "muted" }, itemLabel(ctx.state, poll.item_id))),
      h("h3", {}, poll.question), pollMeta(poll),
      poll.status === "open" ? ballotCard(ctx, poll) : null,
      poll.status === "closed" ? resultBlock(poll) : null,
      mine && mine.receipt ? h("p", { class: "muted" }, t("v_receipt"), ": ", h("code", {}, mine.receipt), " — ", t("v_receipt_hint")) : null,
      poll.status === "closed" ? h("div", {}, list, box) : null);
  }) : [h("p", { class: "muted" }, t("v_none"))]));
}

export const pollsTab = {
  id: "polls", label: () => t("v_tab"),
  visible: (state) => Boolean(state.polls) && ["in_session", "adjourned", "closed"].includes(state.meeting.status),
  render: pollsView,
};
