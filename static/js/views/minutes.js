// The minutes tab (biên bản): the secretary drafts them from what the meeting recorded and
// edits them; the chair reviews; both sign (secretary first); members read the signed PDF.
import { get, post, put } from "../api.js";
import { extend, formatDateTime, t } from "../i18n.js";
import { session } from "../session.js";
import { askDialog, attempt, confirmDialog, dialogError, h, toast } from "../ui.js";

extend({
  vi: {
    minutes_tab: "Biên bản", minutes_title: "Biên bản cuộc họp",
    minutes_status_draft: "Đang soạn", minutes_status_review: "Chờ chủ trì duyệt",
    minutes_status_approved: "Đã duyệt, đang ký số", minutes_status_signed: "Đã ký số",
    minutes_none: "Chưa có biên bản.", minutes_none_member: "Biên bản sẽ hiển thị khi đã được ký số.",
    minutes_draft: "Soạn biên bản từ dữ liệu cuộc họp", minutes_redraft: "Cập nhật từ dữ liệu cuộc họp",
    minutes_redraft_confirm: "Các đoạn lấy từ dữ liệu cuộc họp sẽ được soạn lại; phần tóm tắt bạn đã viết được giữ nguyên. Tiếp tục?",
    minutes_save: "Lưu biên bản", minutes_submit: "Trình chủ trì duyệt", minutes_approve: "Duyệt biên bản",
    minutes_return: "Trả lại thư ký", minutes_return_prompt: "Ý kiến khi trả lại biên bản",
    minutes_returned: "Chủ trì trả lại với ý kiến:", minutes_add_section: "+ Thêm mục",
    minutes_heading: "Tiêu đề mục", minutes_paragraphs: "Nội dung (mỗi dòng một đoạn)",
    minutes_summary: "Tóm tắt ý kiến thảo luận", minutes_conclusion: "Kết luận của chủ trì",
    minutes_submit_after_adjourn: "Trình duyệt sau khi kết thúc phiên họp.",
    minutes_number: "Số", minutes_saved: "Đã lưu biên bản.", minutes_pdf: "Xem biên bản (PDF)",
    minutes_signed_pdf: "Tải biên bản đã ký số (PDF)",
    sign: "Ký số", sign_title: "Ký số văn bản", sign_passphrase: "Mật khẩu (mã PIN) khóa ký số",
    sign_demo_hint: "Khóa thử nghiệm của bản demo: mật khẩu là demo12345.",
    sign_unattended: "Khóa của bạn được cấu hình ký không cần nhập mật khẩu.",
    sign_no_key: "Tài khoản của bạn chưa có khóa ký số. Liên hệ quản trị hệ thống.",
    sign_confirm: "Ký", signed_ok: "Đã ký số.", signatures: "Chữ ký số",
    sign_waiting_for: "Đang chờ {role} ký.", role_sig_secretary: "thư ký", role_sig_chair: "chủ trì",
    role_sig_signer: "chủ trì", sign_your_turn: "Đến lượt bạn ký số.", signed_by: "{name} đã ký — {time}",
    minutes_redraft_title: "Cập nhật biên bản từ dữ liệu cuộc họp?", minutes_redraft_go: "Cập nhật",
    minutes_return_title: "Trả lại biên bản cho thư ký",
    minutes_submitted: "Đã trình chủ trì duyệt biên bản.", minutes_approved: "Đã duyệt biên bản.",
    minutes_returned_ok: "Đã trả lại biên bản cho thư ký.",
    key_expires: "Chứng thư: {subject}, hiệu lực đến {date}",
  },
  en: {
    minutes_tab: "Minutes", minutes_title: "Minutes of the meeting",
    minutes_status_draft: "Drafting", minutes_status_review: "Awaiting the chair's review",
    minutes_status_approved: "Approved, being signed", minutes_status_signed: "Signed",
    minutes_none: "No minutes yet.", minutes_none_member: "The minutes appear here once signed.",
    minutes_draft: "Draft the minutes from the meeting's records", minutes_redraft: "Refresh from the meeting's records",
    minutes_redraft_confirm: "Paragraphs taken from the meeting's records will be redrafted; your summaries are kept. Continue?",
    minutes_save: "Save minutes", minutes_submit: "Send to the chair", minutes_approve: "Approve minutes",
    minutes_return: "Return to secretary", minutes_return_prompt: "Why are the minutes returned?",
    minutes_returned: "The chair returned them with this comment:", minutes_add_section: "+ Add section",
    minutes_heading: "Section heading", minutes_paragraphs: "Text (one paragraph per line)",
    minutes_summary: "Summary of the discussion", minutes_conclusion: "The chair's conclusions",
    minutes_submit_after_adjourn: "Send for review once the meeting has adjourned.",
    minutes_number: "No.", minutes_saved: "Minutes saved.", minutes_pdf: "View minutes (PDF)",
    minutes_signed_pdf: "Download the signed minutes (PDF)",
    sign: "Sign", sign_title: "Digital signature", sign_passphrase: "Signing key passphrase (PIN)",
    sign_demo_hint: "Demo key: the passphrase is demo12345.",
    sign_unattended: "Your key signs without a passphrase.",
    sign_no_key: "Your account has no signing key. Contact the administrator.",
    sign_confirm: "Sign", signed_ok: "Signed.", signatures: "Digital signatures",
    sign_waiting_for: "Waiting for the {role} to sign.", role_sig_secretary: "secretary", role_sig_chair: "chair",
    role_sig_signer: "chair", sign_your_turn: "Your signature is next.", signed_by: "{name} signed — {time}",
    minutes_redraft_title: "Refresh the minutes from the meeting's records?", minutes_redraft_go: "Refresh",
    minutes_return_title: "Return the minutes to the secretary",
    minutes_submitted: "The minutes were sent to the chair.", minutes_approved: "Minutes approved.",
    minutes_returned_ok: "The minutes were returned to the secretary.",
    key_expires: "Certificate: {subject}, valid until {date}",
  },
});

const OPEN = ["in_session", "adjourned", "closed"];

export const minutesReducers = {
  "minutes.updated": (state, event) => {
    state.minutes = state.minutes || { access: {} };
    state.minutes.minutes = event.data.minutes;
  },
};

/** "27/11/2026" from "2026-11-27". */
export function formatDay(iso) {
  if (!iso) return "";
  const [y, m, d] = iso.slice(0, 10).split("-");
  return `${d}/${m}/${y}`;
}

export function docBadge(prefix, status) {
  return h("span", { class: `badge doc-${status}`, dataset: { status } }, t(`${prefix}_status_${status}`));
}

/** Who signed, and who signs next ("Đang chờ chủ trì ký.", or "Đến lượt bạn ký số."). */
export function signaturesBlock(pdf) {
  if (!pdf) return null;
  const mine = pdf.next && session.user && pdf.next.user_id === session.user.id;
  return h("div", { class: "signatures", id: "signatures" },
    h("h3", {}, t("signatures")),
    h("ul", {}, pdf.signatures.map((s) => h("li", { dataset: { role: s.role } },
      "✔ ", t("signed_by", { name: s.signer_name, time: formatDateTime(s.signed_at) })))),
    pdf.next ? h("p", { class: "muted", id: "sign-next" },
      mine ? t("sign_your_turn") : t("sign_waiting_for", { role: t(`role_sig_${pdf.next.role}`) })) : null);
}

/** Ask for the passphrase (or PIN) and run `action(passphrase)`; resolves when done. */
export async function signDialog(action) {
  const { key } = await get("/api/signing/my-key");
  if (!key) {
    toast(t("sign_no_key"), "error");
    return;
  }
  const passphrase = h("input", { type: "password", id: "sign-passphrase", autocomplete: "off",
                                   required: !key.unattended, disabled: key.unattended });
  const submit = h("button", { type: "submit", id: "sign-confirm" }, "✍ ", t("sign_confirm"));
  const cancel = h("button", { type: "button", class: "ghost", onclick: () => dialog.close() }, t("cancel"));
  const dialog = h("dialog", { class: "sign-dialog", id: "sign-dialog", "aria-labelledby": "sign-title" });
  // A refusal (a wrong PIN, say) is shown here, in the dialog, not in a toast under it.
  const error = h("p", { class: "error dialog-error", id: "sign-error", role: "alert", hidden: true });
  const form = h("form", { method: "dialog" },
    h("h2", { id: "sign-title" }, t("sign_title")),
    h("p", { class: "muted" }, t("key_expires", { subject: key.subject_name, date: formatDay(key.not_after) })),
    key.unattended ? h("p", {}, t("sign_unattended")) : h("label", {}, t("sign_passphrase"), passphrase),
    key.demo ? h("p", { class: "notice" }, t("sign_demo_hint")) : null,
    error,
    h("div", { class: "row" }, h("span", { class: "spacer" }), cancel, submit));
  dialog.append(form);
  document.body.append(dialog);
  let busy = false;
  dialog.addEventListener("cancel", (event) => { if (busy) event.preventDefault(); });
  dialog.addEventListener("close", () => dialog.remove());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    submit.disabled = cancel.disabled = true;
    dialogError(dialog, "");
    try {
      await action(passphrase.value);
      dialog.close();
      toast(t("signed_ok"));
    } catch (err) {
      dialogError(dialog, err.message || String(err));
      if (!key.unattended) {
        passphrase.setAttribute("aria-invalid", "true");
        passphrase.select();
        passphrase.focus();
      }
    } finally {
      busy = false;
      submit.disabled = cancel.disabled = false;
    }
  });
  dialog.showModal();
  if (!key.unattended) passphrase.focus();
}

function readOnly(minutes) {
  return h("div", { class: "paper", id: "minutes-paper" },
    minutes.sections.map((s) => h("section", { dataset: { key: s.key } },
      s.heading ? h("h3", {}, s.heading) : null,
      s.paragraphs.map((p) => h("p", {}, p)),
      s.summary ? s.summary.split("\n").filter(Boolean).map((p) => h("p", { class: "summary" }, p)) : null)));
}

function sectionEditor(section) {
  const summaryLabel = section.key === "summary" ? t("minutes_conclusion") : t("minutes_summary");
  const wantsSummary = section.key === "summary" || section.key.startsWith("item:") || section.key.startsWith("custom:");
  return h("fieldset", { class: "minutes-section", dataset: { key: section.key } },
    h("label", {}, t("minutes_heading"), h("input", { class: "m-heading", value: section.heading, maxlength: 500 })),
    h("label", {}, t("minutes_paragraphs"),
      h("textarea", { class: "m-paragraphs", rows: Math.min(12, section.paragraphs.length + 2) },
        section.paragraphs.join("\n"))),
    wantsSummary ? h("label", {}, summaryLabel,
      h("textarea", { class: "m-summary", rows: 4 }, section.summary || "")) : null);
}

function collect(editor) {
  return [...editor.querySelectorAll(".minutes-section")].map((el) => ({
    key: el.dataset.key,
    heading: el.querySelector(".m-heading").value,
    paragraphs: el.querySelector(".m-paragraphs").value.split("\n"),
    summary: el.querySelector(".m-summary") ? el.querySelector(".m-summary").value : "",
  }));
}

function editor(ctx, minutes) {
  const sections = h("div", { id: "minutes-editor" }, minutes.sections.map(sectionEditor));
  let custom = 0;
  const add = h("button", { type: "button", class: "ghost small", onclick: () => {
    custom += 1;
    const section = { key: `custom:${Date.now()}${custom}`, heading: "", paragraphs: [], summary: "" };
    const closing = sections.querySelector('[data-key="closing"]');
    sections.insertBefore(sectionEditor(section), closing);
  } }, t("minutes_add_section"));
  const save = h("button", { type: "button", id: "minutes-save" }, t("minutes_save"));
  const store = async () => {
    const answer = await put(`/api/meetings/${ctx.meetingId}/minutes`,
      { sections: collect(sections), version: minutes.version });
    ctx.state.minutes = answer;
    ctx.minutesEditor = null;
    return answer;
  };
  save.addEventListener("click", () => attempt(async () => { await store(); toast(t("minutes_saved")); ctx.rerender(); }, save));
  const redraft = h("button", { type: "button", class: "ghost", id: "minutes-redraft" }, t("minutes_redraft"));
  redraft.addEventListener("click", () => attempt(async () => {
    if (!await confirmDialog({ id: "minutes-redraft-dialog", title: t("minutes_redraft_title"),
                               message: t("minutes_redraft_confirm"), confirmLabel: t("minutes_redraft_go") })) return;
    await store();
    ctx.state.minutes = await post(`/api/meetings/${ctx.meetingId}/minutes/draft`);
    ctx.minutesEditor = null;
    ctx.rerender();
  }, redraft));
  const adjourned = ctx.state.meeting.status === "adjourned";
  const submit = h("button", { type: "button", id: "minutes-submit", disabled: !adjourned,
                               title: adjourned ? "" : t("minutes_submit_after_adjourn") }, t("minutes_submit"));
  submit.addEventListener("click", () => attempt(async () => {
    await store();
    ctx.state.minutes = await post(`/api/meetings/${ctx.meetingId}/minutes/submit`);
    toast(t("minutes_submitted"));
    ctx.rerender();
  }, submit));
  return h("div", {}, sections, h("div", { class: "row sticky-actions" }, add, h("span", { class: "spacer" }), redraft, save, submit));
}

function render(container, ctx) {
  const state = ctx.state.minutes || { access: {} };
  const access = state.access || {};
  const minutes = state.minutes;
  const me = session.user ? session.user.id : null;
  const head = h("div", { class: "row" }, h("h2", {}, t("minutes_title")), h("span", { class: "spacer" }),
    minutes ? docBadge("minutes", minutes.status) : null);
  if (!minutes) {
    const draft = h("button", { type: "button", id: "minutes-draft" }, t("minutes_draft"));
    draft.addEventListener("click", () => attempt(async () => {
      ctx.state.minutes = await post(`/api/meetings/${ctx.meetingId}/minutes/draft`);
      ctx.rerender();
    }, draft));
    container.replaceChildren(h("div", { class: "card" }, head,
      h("p", { class: "muted" }, access.manage || access.chair ? t("minutes_none") : t("minutes_none_member")),
      access.manage && ["in_session", "adjourned"].includes(ctx.state.meeting.status) ? draft : null));
    return;
  }
  const parts = [head];
  if (minutes.number) parts.push(h("p", {}, `${t("minutes_number")}: `, h("strong", { id: "minutes-number" }, minutes.number)));
  if (minutes.status === "draft" && minutes.review_comment) {
    parts.push(h("div", { class: "notice" }, t("minutes_returned"), " ", h("em", {}, minutes.review_comment)));
  }
  const actions = h("div", { class: "row", id: "minutes-actions" });
  if (minutes.pdf) {
    actions.append(h("a", { class: "button ghost", href: `/api/meetings/${ctx.meetingId}/minutes/pdf`, target: "_blank",
                            rel: "noopener", id: "minutes-pdf" },
      minutes.status === "signed" ? t("minutes_signed_pdf") : t("minutes_pdf")));
  }
  if (minutes.status === "review" && access.chair) {
    const approve = h("button", { type: "button", id: "minutes-approve" }, t("minutes_approve"));
    approve.addEventListener("click", () => attempt(async () => {
      ctx.state.minutes = await post(`/api/meetings/${ctx.meetingId}/minutes/approve`);
      toast(t("minutes_approved"));
      ctx.rerender();
    }, approve));
    actions.append(approve);
  }
  if (["review", "approved"].includes(minutes.status) && access.chair) {
    const back = h("button", { type: "button", class: "ghost", id: "minutes-return" }, t("minutes_return"));
    back.addEventListener("click", () => attempt(async () => {
      const comment = await askDialog({
        id: "minutes-return-dialog", title: t("minutes_return_title"), confirmLabel: t("minutes_return"),
        input: { label: t("minutes_return_prompt"), maxlength: 2000 },
        action: async (text) => {
          ctx.state.minutes = await post(`/api/meetings/${ctx.meetingId}/minutes/return`, { comment: text });
        },
      });
      if (comment === null) return;
      toast(t("minutes_returned_ok"));
      ctx.rerender();
    }, back));
    actions.append(back);
  }
  if (minutes.status === "approved" && minutes.pdf && minutes.pdf.next && minutes.pdf.next.user_id === me) {
    const sign = h("button", { type: "button", id: "minutes-sign" }, "✍ ", t("sign"));
    sign.addEventListener("click", () => attempt(() => signDialog(async (passphrase) => {
      ctx.state.minutes = await post(`/api/meetings/${ctx.meetingId}/minutes/sign`, { passphrase });
      ctx.rerender();
    }), sign));
    actions.append(sign);
  }
  parts.push(actions, signaturesBlock(minutes.pdf));
  const card = h("div", { class: "card" }, ...parts);
  if (minutes.status === "draft" && access.manage) {
    // Keep the open editor (and what is typed in it) across live re-renders of the same version.
    if (!ctx.minutesEditor || ctx.minutesEditor.version !== minutes.version) {
      ctx.minutesEditor = { version: minutes.version, element: editor(ctx, minutes) };
    }
    container.replaceChildren(card, h("div", { class: "card" }, ctx.minutesEditor.element));
  } else {
    ctx.minutesEditor = null;
    container.replaceChildren(card, h("div", { class: "card" }, readOnly(minutes)));
  }
}

export const minutesTab = {
  id: "minutes",
  label: () => t("minutes_tab"),
  visible: (state) => OPEN.includes(state.meeting.status) && Boolean(
    state.minutes && (state.minutes.access.manage || state.minutes.access.chair || state.minutes.minutes)),
  render,
};
