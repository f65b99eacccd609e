// A consultation's outcome: per question the count of each answer over all members asked
// (those who did not reply shown apart, never as agreeing), the verdict and the rule in
// words; then who answered what, with each opinion and the member's unit. Then the
// synthesis report (báo cáo tổng hợp ý kiến): the office drafts it with the tasks its
// conclusions give, its chair signs it, and the tasks go to the follow-up.
import { post } from "../api.js";
import { formatDayTime, formatNumber, formatPercent } from "../format.js";
import { t } from "../i18n.js";
import { session } from "../session.js";
import { attempt, h, toast } from "../ui.js";
import { signingDialog } from "./consultation_reply.js";
import { readTaskRows, taskReferences, taskRow, taskRows, tasksTable } from "./task_rows.js";
import "./consultations_i18n.js";

/** The bar of one row: its share of all members asked. */
function bar(label, count, asked, cls, data) {
  const share = asked ? Math.min(100, (100 * count) / asked) : 0;
  return h("div", { class: `cs-bar ${cls}`, dataset: data },
    h("span", { class: "cs-bar-label" }, label),
    h("span", { class: "cs-bar-track" }, h("span", { class: "cs-bar-fill", style: `width:${share}%` })),
    h("span", { class: "cs-bar-count", dataset: { count } }, formatNumber(count)),
    h("span", { class: "cs-bar-pct muted" }, formatPercent(count, asked)));
}

// The first answer agrees; the second is usually against; any further ones are the rest.
const optionClass = (i) => ["cs-opt-yes", "cs-opt-no"][i] || "cs-opt-other";

function tallyBlock(c, question, tally) {
  const r = c.result;
  return h("div", { class: "cs-tally" },
    h("div", { class: `lv-verdict ${tally.passed ? "passed" : "failed"}`, dataset: { role: "verdict" } },
      tally.passed ? t("cs_passed") : t("cs_failed")),
    h("div", { class: "cs-bars" },
      question.options.map((option, i) => bar(option, tally.counts[i] || 0, r.asked, optionClass(i), { option: i })),
      bar(t("cs_not_replied"), tally.not_replied, r.asked, "cs-opt-none", { role: "not-replied" })),
    h("p", { class: "cs-rule", dataset: { role: "rule" } },
      t(`cs_says_${r.rule}`, { option: question.options[0], needed: formatNumber(r.needed), asked: formatNumber(r.asked) })));
}

function person(member, opinion) {
  return h("li", { dataset: { userId: member.user_id } },
    h("strong", {}, member.name), member.unit ? h("span", { class: "muted" }, ` — ${member.unit}`) : null,
    opinion === undefined ? null
      : opinion ? h("blockquote", { class: "cs-opinion" }, opinion) : h("div", { class: "muted small-text" }, t("cs_no_opinion")));
}

/** Who chose each answer of a question, with their opinions; then who did not reply. */
function byChoice(c, question, { withMissing }) {
  const groups = question.options.map(() => []);
  const missing = [];
  for (const member of c.members || []) {
    const answer = (member.answers || []).find((a) => a.question_id === question.id);
    if (answer && groups[answer.choice]) groups[answer.choice].push([member, answer.opinion]);
    else if (!member.replied_at) missing.push(member);
  }
  return h("div", { class: "cs-by-choice" },
    groups.map((group, i) => (group.length ? h("div", { class: `cs-choice-group ${optionClass(i)}`, dataset: { option: i } },
      h("h4", {}, question.options[i], h("span", { class: "muted" }, ` (${group.length})`)),
      h("ul", {}, group.map(([member, opinion]) => person(member, opinion)))) : null)),
    withMissing && missing.length ? h("div", { class: "cs-choice-group cs-opt-none", dataset: { role: "not-replied" } },
      h("h4", {}, t("cs_not_replied"), h("span", { class: "muted" }, ` (${missing.length})`)),
      h("ul", {}, missing.map((member) => person(member)))) : null);
}

/** The closed consultation's result, question by question. */
export function resultSection(c) {
  if (c.status !== "closed" || !c.result) return null;
  const tallies = new Map(c.result.questions.map((q) => [q.question_id, q]));
  return h("section", { class: "cs-result", id: "cs-result" },
    h("div", { class: "row" }, h("h2", {}, t("cs_result")), h("span", { class: "spacer" }),
      c.closed_at ? h("span", { class: "muted", id: "cs-closed-why", dataset: { why: c.result.why || "" } },
        t("cs_closed_at", { at: formatDayTime(c.closed_at) }), c.result.why ? ` · ${t(`cs_why_${c.result.why}`)}` : "") : null),
    c.questions.map((q, i) => h("article", { class: "card cs-result-q", dataset: { questionId: q.id } },
      h("h3", {}, h("span", { class: "eyebrow" }, t("cs_question_n", { n: i + 1 })), h("span", { class: "cs-q-text" }, q.text)),
      tallies.has(q.id) ? tallyBlock(c, q, tallies.get(q.id)) : null,
      c.members ? [h("h4", { class: "cs-by-choice-title" }, t("cs_replies_by_choice")), byChoice(c, q, { withMissing: true })] : null)));
}

/** While it is open and replies are shown to all (open_replies): who answered what so far. */
export function repliesSoFar(c) {
  if (c.status !== "sent" || !c.open_replies || !c.members || !c.members.some((m) => m.answers)) return null;
  return h("section", { class: "cs-result", id: "cs-replies-so-far" },
    h("h2", {}, t("cs_replies_so_far")),
    c.questions.map((q, i) => h("article", { class: "card cs-result-q", dataset: { questionId: q.id } },
      h("h3", {}, h("span", { class: "eyebrow" }, t("cs_question_n", { n: i + 1 })), h("span", { class: "cs-q-text" }, q.text)),
      byChoice(c, q, { withMissing: false }))));
}

/** The report's state in words: waiting for its chair, or signed by whom and when. */
function reportStatus(c, report) {
  const mine = session.user && session.user.id === c.chair_id;
  const text = report.status === "signed"
    ? t("cs_report_signed", { name: report.signed_by || "", at: formatDayTime(report.signed_at) })
    : report.status !== "signing" ? t("cs_report_superseded")
      : mine ? t("cs_report_your_turn")
        : c.chair.name ? t("cs_report_waiting", { name: c.chair.name }) : t("cs_report_waiting_chair");
  return h("p", { class: `cs-report-status ${report.status}`, id: "cs-report-status", dataset: { status: report.status } },
    report.status === "signed" ? "✔ " : "⏳ ", text);
}

/**
 * The synthesis report, once closed. The office (`actions` has "report") writes its
 * proposal and drafts or redrafts it; its chair ("sign_report") signs it; everyone who sees
 * it has its number, its state and its PDF. `ui.report` keeps the proposal being typed
 * across live redraws.
 */
export function reportSection(c, ui) {
  if (c.status !== "closed") return null;
  const actions = c.actions || [];
  const report = c.report;
  const drafts = actions.includes("report");
  const chair = session.user && session.user.id === c.chair_id;
  if (!report && !drafts && !chair) return null;
  const parts = [h("h2", {}, t("cs_report"))];
  if (report) {
    parts.push(h("p", { class: "cs-report-number" }, `${t("cs_report_number")}: `,
      h("strong", { id: "cs-report-number" }, report.number)), reportStatus(c, report));
  } else if (!drafts) {
    parts.push(h("p", { class: "muted", id: "cs-report-none" }, t("cs_report_none_yet")));
  }
  const buttons = h("div", { class: "row cs-report-actions", id: "cs-report-actions" });
  if (report) {
    buttons.append(h("a", { class: "button ghost", id: "cs-report-pdf", href: `/api/consultations/${c.id}/report/pdf`,
                            target: "_blank", rel: "noopener" },
      report.status === "signed" ? t("cs_report_signed_pdf") : t("cs_report_pdf")));
  }
  if (actions.includes("sign_report") && report) {
    const sign = h("button", { type: "button", id: "cs-report-sign" }, "✍ ", t("cs_report_sign"));
    sign.addEventListener("click", () => attempt(async () => {
      let signed = null;
      const done = await signingDialog({
        title: t("cs_report_sign_title"), confirmLabel: t("cs_report_sign"), confirmId: "cs-report-sign-confirm",
        message: [t("cs_report_sign_message", { number: report.number }),
          report.tasks.length ? t("cs_report_sign_tasks", { n: report.tasks.length }) : null],
        action: async (passphrase) => { signed = await post(`/api/consultations/${c.id}/report/sign`, { passphrase }); },
      });
      if (!done) return;
      toast(t("cs_report_signed_ok"));
      ui.apply(signed);
    }, sign));
    buttons.append(sign);
  }
  if (buttons.children.length) parts.push(buttons);
  if (report && !drafts && report.conclusions) {
    // What the chair signs and the members read, on the page as in the PDF.
    parts.push(h("div", { class: "cs-report-proposal", id: "cs-report-proposal" },
      h("h3", {}, t("cs_report_text")),
      report.conclusions.split("\n").filter((line) => line.trim()).map((line) => h("p", {}, line))));
  }
  if (report && report.tasks.length && !drafts) parts.push(givenTasks(c, report));
  if (drafts) parts.push(reportEditor(c, ui));
  else ui.report = null;
  return h("section", { class: "card cs-report", id: "cs-report", tabindex: -1, dataset: { status: report ? report.status : "none" } }, parts);
}

/** The tasks the report gives: planned until signed, then where each stands. */
function givenTasks(c, report) {
  const signed = report.status === "signed";
  return h("div", { class: "cs-report-tasks", id: "cs-report-tasks" },
    h("h3", {}, t("cs_report_tasks")), tasksTable(report.tasks),
    signed ? h("a", { href: `/tasks?consultation_id=${c.id}`, "data-link": true, id: "cs-report-tasks-follow" }, t("cs_report_tasks_follow"))
      : h("p", { class: "muted" }, t("cs_report_tasks_planned")));
}

/** The rows of the tasks last drafted, filled once the units and people are loaded. */
function fillTaskRows(ui, tasks) {
  const kept = ui.report;
  kept.tasks.replaceChildren();
  taskReferences(ui).then((refs) => {
    kept.refs = refs;
    kept.tasks.replaceChildren(...taskRows(refs, tasks).children);
  });
}

/** The office's proposal, the tasks it gives, and the button that drafts the report. */
function reportEditor(c, ui) {
  const given = c.report ? c.report.conclusions || "" : "";
  const givenTasks = c.report ? c.report.tasks : [];
  const signature = JSON.stringify(givenTasks.map((task) => task.id));
  if (!ui.report || ui.report.id !== c.id) {
    const text = h("textarea", { id: "cs-report-text", rows: 6, maxlength: 20000, "aria-describedby": "cs-report-hint" }, given);
    const tasks = h("div", { class: "task-rows", id: "cs-report-task-rows" });
    ui.report = { id: c.id, text, tasks, dirty: false, signature, refs: null };
    const touched = () => { ui.report.dirty = true; };
    text.addEventListener("input", touched);
    tasks.addEventListener("input", touched);
    tasks.addEventListener("change", touched);
    tasks.addEventListener("click", (e) => { if (e.target.closest("button")) touched(); });
    fillTaskRows(ui, givenTasks);
  } else if (!ui.report.dirty && (ui.report.text.value !== given || ui.report.signature !== signature)) {
    // Not being typed into: what the office last drafted, perhaps from another screen.
    ui.report.text.value = given;
    ui.report.signature = signature;
    fillTaskRows(ui, givenTasks);
  }
  const kept = ui.report;
  const add = h("button", { type: "button", class: "ghost small", id: "cs-report-add-task" }, t("task_add"));
  add.addEventListener("click", () => attempt(async () => {
    const refs = kept.refs || await taskReferences(ui);
    kept.dirty = true;
    const row = taskRow(refs);
    kept.tasks.append(row);
    row.querySelector(".t-content").focus();
  }, add));
  const draft = h("button", { type: "button", id: "cs-report-draft" }, c.report ? t("cs_report_redraft") : t("cs_report_draft"));
  draft.addEventListener("click", () => attempt(async () => {
    const detail = await post(`/api/consultations/${c.id}/report`,
      { conclusions: kept.text.value, tasks: readTaskRows(kept.tasks) });
    kept.dirty = false;
    kept.signature = JSON.stringify(detail.report ? detail.report.tasks.map((task) => task.id) : []);
    toast(t("cs_report_drafted"));
    ui.apply(detail);
  }, draft));
  return h("div", { class: "cs-report-editor" },
    h("label", { for: "cs-report-text" }, t("cs_report_text")), kept.text,
    h("span", { class: "field-hint", id: "cs-report-hint" }, t("cs_report_hint")),
    h("fieldset", { class: "cs-report-task-editor" }, h("legend", {}, t("cs_report_tasks")),
      h("p", { class: "field-hint" }, t("cs_report_tasks_hint")), kept.tasks, add),
    h("div", { class: "row cs-report-buttons" }, h("span", { class: "spacer" }), draft));
}
