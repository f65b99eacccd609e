// The member's part of a consultation's page: one card per question with its answers as
// large choices and a box for their opinion, then "Gửi ý kiến"; once sent, what was sent
// and when, and a way to change it where the consultation allows. Sending is reply_outbox's,
// except for a consultation whose replies are signed: the passphrase is never kept on the
// device, so that reply is signed and sent at once, or refused in the signing dialog.
import { get, post } from "../api.js";
import { formatDate, formatDayTime } from "../format.js";
import { t } from "../i18n.js";
import { connected } from "../live.js";
import { sendReply, unsentReply } from "../reply_outbox.js";
import { session } from "../session.js";
import { confirmDialog, dialogError, h } from "../ui.js";
import "./consultations_i18n.js";

/**
 * Ask for the signing key's passphrase (the minutes' signing dialog, with this screen's
 * ids) and run `action(passphrase)`. A refusal (a wrong PIN, no key, an expired one) is
 * told inside the dialog, which stays open for another try. Resolves true once done,
 * false when cancelled. The passphrase lives in the input only: never stored.
 */
export async function signingDialog({ title, message = [], confirmLabel, confirmId, action }) {
  let key;
  try {
    ({ key } = await get("/api/signing/my-key"));
  } catch {
    key = undefined; // not known: the server has the last word
  }
  return new Promise((resolve) => {
    let done = false;
    let busy = false;
    const input = h("input", { type: "password", id: "cs-passphrase", autocomplete: "off", enterkeyhint: "done" });
    const submit = h("button", { type: "submit", id: confirmId }, "✍ ", confirmLabel);
    const cancel = h("button", { type: "button", class: "ghost", id: "cs-sign-cancel" }, t("cancel"));
    const error = h("p", { class: "error dialog-error", id: "cs-sign-error", role: "alert", hidden: key !== null },
      key === null ? t("cs_sign_no_key") : "");
    const dialog = h("dialog", { class: "sign-dialog cs-sign-dialog", id: "cs-sign-dialog", "aria-labelledby": "cs-sign-title" });
    const form = h("form", { method: "dialog", novalidate: true },
      h("h2", { id: "cs-sign-title" }, title),
      [message].flat().filter(Boolean).map((line) => h("p", {}, line)),
      key ? h("p", { class: "muted small-text" }, t("cs_sign_cert", { subject: key.subject_name, date: formatDate(key.not_after) })) : null,
      key === null ? null : key && key.unattended ? h("p", {}, t("cs_sign_unattended"))
        : h("label", { for: "cs-passphrase" }, t("cs_sign_passphrase"), input),
      key && key.demo ? h("p", { class: "notice" }, t("cs_sign_demo_hint")) : null,
      error,
      h("div", { class: "row dialog-buttons" }, h("span", { class: "spacer" }), cancel, key === null ? null : submit));
    dialog.append(form);
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("cancel", (event) => { if (busy) event.preventDefault(); });
    dialog.addEventListener("close", () => {
      input.value = "";
      dialog.remove();
      resolve(done);
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (busy || key === null) return;
      busy = true;
      submit.disabled = cancel.disabled = true;
      dialogError(dialog, "");
      try {
        await action(key && key.unattended ? null : input.value);
        done = true;
        dialog.close();
      } catch (err) {
        dialogError(dialog, err.message || String(err));
        if (!(key && key.unattended)) {
          input.setAttribute("aria-invalid", "true");
          input.select();
          input.focus();
        }
      } finally {
        busy = false;
        submit.disabled = cancel.disabled = false;
      }
    });
    document.body.append(dialog);
    dialog.showModal();
    (key === null || (key && key.unattended) ? cancel : input).focus();
  });
}

function randomId() {
  const bytes = new Uint8Array(18);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** What the member answered, question by question, read-only. */
function answersList(c, answers) {
  const byQuestion = new Map(answers.map((a) => [a.question_id, a]));
  return h("ol", { class: "cs-answers" }, c.questions.map((q) => {
    const answer = byQuestion.get(q.id);
    return h("li", { dataset: { questionId: q.id } },
      h("div", { class: "muted" }, q.text),
      answer ? h("strong", { dataset: { role: "choice", choice: answer.choice } }, q.options[answer.choice]) : "—",
      answer && answer.opinion ? h("blockquote", { class: "cs-opinion" }, answer.opinion) : null);
  }));
}

// The default third option, which needs the member's own words (as the server checks).
const OTHER_OPINION = "Ý kiến khác";

/** One question: its answers as radio choices big enough for a finger, then the opinion. */
function questionCard(q, n, answer) {
  const name = `cs-q-${q.id}`;
  const opinionLabel = h("label", { for: `cs-opinion-${q.id}` }, t("cs_opinion"));
  const opinion = h("textarea", { id: `cs-opinion-${q.id}`, class: "cs-opinion-input", rows: 3, maxlength: 4000 },
    answer ? answer.opinion || "" : "");
  const choices = q.options.map((option, i) => h("label", { class: "cs-option", dataset: { choice: i } },
    h("input", { type: "radio", name, value: i, checked: Boolean(answer) && answer.choice === i }),
    h("span", {}, option)));
  const box = h("fieldset", { class: "card cs-question", dataset: { questionId: q.id } },
    h("legend", {}, h("span", { class: "eyebrow" }, t("cs_question_n", { n })), h("span", { class: "cs-q-text" }, q.text)),
    h("div", { class: "cs-options" }, choices),
    opinionLabel, opinion);
  // The chosen answer stands out (without :has(), which older tablets lack); any answer but
  // the first (agreeing) one asks for the member's own words.
  const mark = () => {
    const picked = choices.findIndex((c) => c.querySelector("input").checked);
    choices.forEach((c, i) => c.classList.toggle("chosen", i === picked));
    opinionLabel.textContent = picked > 0 ? t("cs_opinion_other") : t("cs_opinion");
    if (picked >= 0) box.classList.remove("missing");
  };
  box.addEventListener("change", mark);
  mark();
  box.read = () => {
    const picked = box.querySelector(`input[name=${name}]:checked`);
    return picked ? { question_id: q.id, choice: Number(picked.value), opinion: opinion.value.trim() } : null;
  };
  // "Ý kiến khác" says nothing until the member writes what it is (the server says so too,
  // but a signed reply would first ask for the passphrase).
  box.unexplained = () => {
    const given = box.read();
    return Boolean(given) && q.options[given.choice] === OTHER_OPINION && !given.opinion;
  };
  box.opinion = opinion;
  return box;
}

/**
 * The questions to answer, prefilled with `answers` (a reply being changed, or one the
 * server refused). onCancel, when given, keeps the reply already sent.
 */
function replyForm(c, answers, { onSent, onSigned, onCancel }) {
  const byQuestion = new Map((answers || []).map((a) => [a.question_id, a]));
  const cards = c.questions.map((q, i) => questionCard(q, i + 1, byQuestion.get(q.id)));
  const error = h("p", { class: "error", role: "alert", id: "cs-reply-error" });
  const send = h("button", { type: "submit", class: "big-action", id: "cs-send" },
    c.signed_replies ? ["✍ ", t("cs_sign_send")] : t("cs_send"));
  // One id for this form's reply: a try refused (a wrong PIN) leaves nothing stored.
  const clientReplyId = randomId();
  const form = h("form", { class: "cs-reply", id: "cs-reply", novalidate: true },
    cards, error,
    h("div", { class: "row cs-reply-buttons" },
      onCancel ? h("button", { type: "button", class: "ghost", id: "cs-change-cancel", onclick: onCancel }, t("cs_change_cancel")) : null,
      h("span", { class: "spacer" }), send));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const given = cards.map((card) => card.read());
    const missing = cards.filter((card, i) => !given[i]);
    if (missing.length) {
      missing.forEach((card) => card.classList.add("missing"));
      error.textContent = t("cs_choose_every");
      missing[0].scrollIntoView({ block: "center", behavior: "smooth" });
      missing[0].querySelector("input").focus({ preventScroll: true });
      return;
    }
    const unexplained = cards.find((card) => card.unexplained());
    if (unexplained) {
      error.textContent = t("cs_opinion_needed");
      unexplained.scrollIntoView({ block: "center", behavior: "smooth" });
      unexplained.opinion.focus({ preventScroll: true });
      return;
    }
    if (c.signed_replies) {
      // Signed and sent now, never through the device's outbox: it would keep the
      // passphrase. Refused, the dialog says why and the choices stay as they are.
      send.disabled = true;
      try {
        await signingDialog({
          title: t("cs_sign_title"), confirmLabel: t("cs_sign_send"), confirmId: "cs-sign-send",
          message: [t("cs_sign_message"), c.changeable ? null : t("cs_ask_send_final")],
          action: async (passphrase) => {
            const outcome = await post(`/api/consultations/${c.id}/reply`,
              { answers: given, client_reply_id: clientReplyId, passphrase });
            onSigned(outcome, given);
          },
        });
      } finally {
        send.disabled = false;
      }
      return;
    }
    if (!c.changeable && !await confirmDialog({ id: "cs-send-dialog", title: t("cs_ask_send_title"),
      message: t("cs_ask_send_final"), confirmLabel: t("cs_send") })) return;
    send.disabled = true;
    const sending = sendReply(c.id, given);
    onSent();
    await sending;
  });
  return form;
}

/** A reply on its way: what is being sent, and whether the network holds it back. */
function pendingCard(c, reply) {
  return h("div", { class: "card cs-my-reply pending", id: "cs-my-reply", dataset: { state: "sending" } },
    h("p", { class: connected() ? "muted" : "notice", id: "cs-sending", role: "status" },
      h("span", { class: "spinner" }), " ", connected() ? t("cs_sending") : t("cs_resending")),
    answersList(c, reply.answers));
}

/** The reply sent: when, what, and the button to change it while that is allowed. */
function sentCard(c, onChange) {
  const open = c.status === "sent" && (!c.deadline || new Date(c.deadline) > new Date());
  return h("div", { class: "card cs-my-reply", id: "cs-my-reply", dataset: { state: "sent" } },
    h("p", { class: "cs-sent-at", dataset: { role: "sent-at" } }, "✔ ", t("cs_sent_at", { at: formatDayTime(c.mine.replied_at) }),
      c.mine.paper ? h("span", { class: "badge cs-signed", id: "cs-my-signed" }, "✍ ", t("cs_signed_badge")) : null),
    c.mine.paper && session.user ? h("p", {}, h("a", {
      class: "button ghost cs-paper-link", id: "cs-my-paper", target: "_blank", rel: "noopener",
      href: `/api/consultations/${c.id}/papers/${session.user.id}`,
    }, t("cs_my_paper"))) : null,
    answersList(c, c.mine.answers),
    open ? h("p", { class: "muted" }, c.changeable ? t("cs_changeable_hint") : t("cs_final_hint")) : null,
    open && c.changeable ? h("button", { type: "button", class: "ghost", id: "cs-change", onclick: onChange }, t("cs_change")) : null);
}

/**
 * The member's reply section, or null for one not asked. `ui` lives as long as the page:
 * {editing, draft, form, formKey, rerender}; the form is kept across redraws so what is
 * being typed survives a live refresh.
 */
export function replySection(c, ui) {
  if (!c.mine || !["sent", "closed"].includes(c.status)) return null;
  const held = unsentReply(c.id);
  let body;
  if (held) {
    body = pendingCard(c, held);
  } else if (c.status === "sent" && (!c.mine.replied_at || ui.editing)) {
    const key = `${c.id}:${c.mine.replied_at}:${ui.editing}`;
    if (ui.formKey !== key) {
      ui.formKey = key;
      ui.form = replyForm(c, ui.draft || (ui.editing ? c.mine.answers : null), {
        onSent: () => { ui.editing = false; ui.draft = null; ui.rerender(); },
        onSigned: (outcome, given) => { ui.editing = false; ui.draft = null; ui.signed(outcome, given); },
        onCancel: ui.editing ? () => { ui.editing = false; ui.draft = null; ui.rerender(); } : null,
      });
    }
    body = ui.form;
  } else if (c.mine.replied_at) {
    body = sentCard(c, () => { ui.editing = true; ui.rerender(); });
  } else {
    body = h("p", { class: "notice", id: "cs-missed" }, t("cs_not_replied_in_time"));
  }
  if (body !== ui.form) { ui.form = null; ui.formKey = null; }
  // Said before the member answers: this one is signed with their key.
  const signing = c.signed_replies && body === ui.form
    ? h("p", { class: "notice cs-signed-notice", id: "cs-signed-notice", role: "note" }, "✍ ", t("cs_signed_notice")) : null;
  return h("section", { class: "cs-reply-section", id: "cs-reply-section" }, h("h2", {}, t("cs_your_reply")), signing, body);
}
