// One written consultation: its matter and deadline; for a member asked, their reply; for
// the office and its chair, who has replied (updated live as replies come in) and the
// steps they may take; once closed, the result. Its drafts open in the reader. A change elsewhere arrives as a notice
// and is fetched again; the reply being typed survives it.
import { api, get, post } from "../api.js";
import { formatDayTime, formatNumber } from "../format.js";
import { t } from "../i18n.js";
import { onConnectionChange, onNotice } from "../live.js";
import { onReplyOutcome, resendReplies } from "../reply_outbox.js";
import { navigate } from "../router.js";
import { session } from "../session.js";
import { askDialog, attempt, fill, h, mount, toast } from "../ui.js";
import { Drafts } from "./consultation_drafts.js";
import { repliesSoFar, reportSection, resultSection } from "./consultation_result.js";
import { replySection } from "./consultation_reply.js";
import { consultationBadge, deadlineLine, lastDay } from "./consultations.js";
import "./consultations_i18n.js";

/** Take one of the steps in `actions`, asking first where it cannot be taken back. */
async function takeStep(c, name) {
  const go = (body) => async (value) => {
    Object.assign(c, await post(`/api/consultations/${c.id}/${name}`, body ? body(value) : {}));
  };
  switch (name) {
    case "submit":
      await go()();
      return t("cs_submitted");
    case "withdraw":
      await go()();
      return t("cs_withdrawn");
    case "delete":
      return await askDialog({ id: "cs-step-dialog", title: t("cs_ask_delete_title"), confirmLabel: t("cs_a_delete"), danger: true,
        message: t("cs_ask_delete", { title: c.title }),
        action: async () => { await api("DELETE", `/api/consultations/${c.id}`); c.deleted = true; } })
        !== null ? t("cs_deleted") : null;
    case "approve":
      return await askDialog({ id: "cs-step-dialog", title: t("cs_ask_approve_title"), confirmLabel: t("cs_a_approve"),
        message: t("cs_ask_approve", { n: formatNumber(c.asked), days: c.working_days }), action: go() })
        !== null ? t("cs_approved") : null;
    case "return":
      return await askDialog({ id: "cs-step-dialog", title: t("cs_ask_return_title"), confirmLabel: t("cs_a_return"),
        input: { label: t("cs_return_comment"), maxlength: 2000 }, action: go((comment) => ({ comment })) })
        !== null ? t("cs_returned") : null;
    case "close":
      return await askDialog({ id: "cs-step-dialog", title: t("cs_ask_close_title"), confirmLabel: t("cs_a_close"), danger: true,
        message: t("cs_ask_close", { replied: formatNumber(c.replied), asked: formatNumber(c.asked) }), action: go() })
        !== null ? t("cs_closed") : null;
    default:
      return null;
  }
}

// The steps shown in the page's head; the report's own steps live in its section.
const HEAD_STEPS = ["edit", "submit", "withdraw", "delete", "approve", "return", "close"];

function stepButtons(c, redraw) {
  return (c.actions || []).filter((name) => HEAD_STEPS.includes(name)).map((name) => {
    if (name === "edit") {
      return h("a", { class: "button ghost", href: `/consultations/${c.id}/edit`, "data-link": true, dataset: { action: name } },
        t("cs_a_edit"));
    }
    const button = h("button", { type: "button", class: ["return", "withdraw"].includes(name) ? "ghost" : ["close", "delete"].includes(name) ? "danger" : "",
                                 dataset: { action: name } }, t(`cs_a_${name}`));
    button.addEventListener("click", () => attempt(async () => {
      const done = await takeStep(c, name);
      if (!done) return;
      toast(done);
      if (c.deleted) navigate("/consultations");
      else redraw();
    }, button));
    return button;
  });
}

function headCard(c, redraw) {
  const facts = [
    c.deadline ? [t("cs_deadline"), h("span", { id: "cs-deadline" }, formatDayTime(c.deadline),
      lastDay(c.deadline) && c.status === "sent" ? h("span", { class: "badge urgent cs-last-day" }, t("cs_last_day")) : null)]
      : [t("cs_f_days"), String(c.working_days)],
    c.unit.name ? [t("cs_f_unit"), c.unit.name] : null,
    c.chair.name ? [t("cs_chair"), c.chair.name] : null,
    [t("cs_rule"), t(`cs_rule_${c.rule}`)],
    c.signed_replies ? [t("cs_signed_fact"), h("span", { id: "cs-signed-fact" }, "✍ ", t("cs_signed_fact_value"))] : null,
  ].filter(Boolean);
  return h("div", { class: "card cs-head" },
    h("div", { class: "row" }, consultationBadge(c.status), h("span", { class: "spacer" }),
      h("div", { class: "row cs-steps", id: "cs-steps" }, stepButtons(c, redraw))),
    // The report waits for the chair at the foot of a long page: say so at its head.
    (c.actions || []).includes("sign_report")
      ? h("div", { class: "notice cs-report-waiting", id: "cs-report-waiting", role: "note" },
        h("strong", {}, t("cs_report_your_turn")), " ",
        h("button", { type: "button", class: "ghost", onclick: () => {
          const report = document.getElementById("cs-report");
          report?.scrollIntoView({ behavior: "smooth", block: "start" });
          // The keyboard follows the eye: the next Tab lands in the report, not at the top.
          report?.focus({ preventScroll: true });
        } }, t("cs_report_go"))) : null,
    c.status === "draft" && c.return_comment
      ? h("div", { class: "notice cs-returned", id: "cs-return-comment", role: "note" },
        h("strong", {}, t("cs_returned_with")), " ", h("em", {}, c.return_comment)) : null,
    h("dl", { class: "cs-facts" }, facts.map(([label, value]) => [h("dt", {}, label), h("dd", {}, value)])),
    c.matter ? [h("h2", {}, t("cs_matter")), h("div", { class: "cs-matter", id: "cs-matter" }, c.matter)] : null);
}

/** The questions and their answers as the members will see them: what the chair approves
 * and the office follows (a member answering sees them in the reply; the result has them). */
function questionsCard(c, replying) {
  if (replying || c.status === "closed") return null;
  return h("section", { class: "card cs-questions-view", id: "cs-questions-view" },
    h("h2", {}, t("cs_f_questions")),
    h("ol", {}, c.questions.map((q) => h("li", { dataset: { questionId: q.id } },
      h("div", { class: "cs-q-text" }, q.text),
      h("ul", { class: "cs-option-chips" }, q.options.map((option, i) => h("li", { class: i === 0 ? "agree" : "" }, option)))))),
    h("p", { class: "muted small-text" }, t("cs_f_options_hint")));
}

/** Where replies are signed: the member's signed paper, or that they cannot sign yet. The
 * papers are the office's, the chair's and each member's own (the office is told has_key). */
function paperMarks(c, m) {
  if (!c.signed_replies) return null;
  const mayRead = (m.has_key !== null && m.has_key !== undefined) || Boolean(session.user && session.user.id === m.user_id);
  return [
    m.paper && mayRead ? h("a", { class: "cs-paper-link", href: `/api/consultations/${c.id}/papers/${m.user_id}`, target: "_blank",
                       rel: "noopener", dataset: { role: "paper" }, "aria-label": t("cs_paper_of", { name: m.name }) },
      "✍ ", t("cs_paper")) : null,
    m.has_key === false && !m.paper
      ? h("span", { class: "badge cs-no-key", dataset: { role: "no-key" } }, "⚠ ", t("cs_no_key")) : null,
  ];
}

/** Who is asked and, once sent, who has replied: the office follows it live. */
function membersCard(c) {
  if (!c.members) return null;
  const open = ["sent", "closed"].includes(c.status);
  const share = c.asked ? Math.round((100 * c.replied) / c.asked) : 0;
  const keyless = c.signed_replies && c.status !== "closed"
    ? c.members.filter((m) => m.has_key === false && !m.replied_at) : [];
  return h("section", { class: "card cs-members", id: "cs-members" },
    h("div", { class: "row" }, h("h2", {}, t("cs_members"), h("span", { class: "muted" }, ` (${formatNumber(c.asked)})`)),
      h("span", { class: "spacer" }),
      open ? h("strong", { class: "cs-progress-text", id: "cs-replied", dataset: { replied: c.replied, asked: c.asked } },
        t("cs_progress", { replied: formatNumber(c.replied), asked: formatNumber(c.asked) })) : null),
    open ? h("div", { class: "lv-progress-track" }, h("div", { class: "lv-progress-fill", style: `width:${share}%` })) : null,
    keyless.length ? h("p", { class: "notice cs-no-key-warning", id: "cs-no-key-warning", role: "note" },
      "⚠ ", t("cs_no_key_warning", { n: formatNumber(keyless.length), names: keyless.map((m) => m.name).join(", ") })) : null,
    h("table", { class: "cs-member-table" },
      h("tr", {}, h("th", {}, t("cs_member")), h("th", { class: "cs-unit-col" }, t("cs_member_unit")),
        open ? h("th", {}, t("cs_replied_at")) : null),
      c.members.map((m) => h("tr", { dataset: { userId: m.user_id, replied: String(Boolean(m.replied_at)),
                                                 paper: String(Boolean(m.paper)) } },
        h("td", {}, h("strong", {}, m.name), m.title ? h("div", { class: "muted small-text" }, m.title) : null,
          m.unit ? h("div", { class: "muted small-text cs-unit-inline" }, m.unit) : null,
          open ? null : paperMarks(c, m)),
        h("td", { class: "cs-unit-col" }, m.unit),
        open ? h("td", {}, h("div", { class: "cs-reply-cell" },
          h("span", { class: m.replied_at ? "cs-replied-at" : "muted" },
            m.replied_at ? `✔ ${formatDayTime(m.replied_at)}` : t("cs_not_yet")),
          paperMarks(c, m))) : null))));
}

export async function consultationView(params) {
  const id = Number(params.id);
  let c = await get(`/api/consultations/${id}`);
  const drafts = new Drafts(id, () => draw());
  await drafts.load();
  const ui = { editing: false, draft: null, form: null, formKey: null, rerender: null, report: null };
  const title = h("h1", { id: "cs-title" });
  const page = h("div", { class: "cs-page", id: "cs-page", dataset: { consultationId: id } });
  mount(h("a", { class: "cs-back", href: "/consultations", "data-link": true }, "← ", t("cs_back_to_list")), title, page);

  const draw = () => {
    title.textContent = c.title;
    page.dataset.status = c.status;
    // A field being typed into (a reply, the report's proposal) is kept across a redraw;
    // so is its focus and caret.
    const active = page.contains(document.activeElement) ? document.activeElement : null;
    const caret = active && typeof active.selectionStart === "number" ? [active.selectionStart, active.selectionEnd] : null;
    const reply = replySection(c, ui);
    fill(page, headCard(c, draw), drafts.card(c), reply, questionsCard(c, Boolean(reply)), resultSection(c), reportSection(c, ui),
      repliesSoFar(c), membersCard(c));
    if (active && active.isConnected && document.activeElement !== active) {
      active.focus({ preventScroll: true });
      if (caret) try { active.setSelectionRange(...caret); } catch { /* not a text field */ }
    }
  };
  ui.rerender = draw;
  // What a step answered with (the detail): shown at once.
  ui.apply = (detail) => { c = detail; draw(); };

  let loading = null;
  const refetch = async () => {
    // One fetch at a time; a notice arriving meanwhile asks for one more after it.
    if (loading) { loading.again = true; return; }
    loading = { again: false };
    try {
      [c] = await Promise.all([get(`/api/consultations/${id}`), drafts.load()]);
      draw();
    } catch (err) {
      toast(err.message, "error");
      if (err.code === "consultation_not_found") navigate("/consultations", { replace: true });
    } finally {
      const again = loading.again;
      loading = null;
      if (again) refetch();
    }
  };

  ui.refetch = refetch;
  // A signed reply, stored: shown at once, then fetched again for its paper.
  ui.signed = (outcome, answers) => {
    c.mine = { ...c.mine, replied_at: outcome.replied_at, answers, paper: true };
    document.dispatchEvent(new CustomEvent("reminders:stale"));
    toast(t("cs_signed_sent"));
    draw();
    refetch();
  };

  draw();
  // A task's "open the report" lands on the report, not where the last page was scrolled.
  if (window.location.hash === "#cs-report") document.getElementById("cs-report")?.scrollIntoView({ block: "start" });
  resendReplies(); // a reply left unsent on this device (a reload, a drop) goes now
  const offs = [
    ...drafts.follow(),
    onNotice("consultations.changed", (d) => { if (d.consultation_id === id) refetch(); }),
    // The office sees each reply arrive; what was answered stays hidden until the close
    // unless replies are open to all, when the answers are fetched.
    onNotice("consultation.replied", (d) => {
      if (d.consultation_id !== id) return;
      c.replied = d.replied;
      c.asked = d.asked;
      const member = (c.members || []).find((m) => m.user_id === d.user_id);
      if (member) member.replied_at = d.replied_at;
      // A signed reply brings its paper: fetched, like the answers of open replies.
      if (c.open_replies || c.signed_replies) refetch(); else draw();
    }),
    onReplyOutcome((cid, outcome) => {
      if (cid !== id) return;
      if (outcome.state === "sent") {
        c.mine = { replied_at: outcome.outcome.replied_at, answers: outcome.answers };
        // The top bar's count of consultations waiting drops at once.
        document.dispatchEvent(new CustomEvent("reminders:stale"));
      } else if (outcome.state === "refused") {
        // Back to the form with what was chosen, and the server's reason.
        ui.draft = outcome.answers;
        ui.formKey = null;
        toast(outcome.error.message || outcome.error.code, "error");
        refetch();
      }
      draw();
    }),
  ];
  let first = true;
  offs.push(onConnectionChange((up) => { if (up && !first) refetch(); else if (!up) draw(); first = false; }));
  return () => offs.forEach((off) => off());
}
