// A person's email: where eCabinet writes to them, and which kinds of email they take
// (invitations with the calendar event, reminders, tasks, signatures awaited).
import { get, put } from "../api.js";
import { extend, t } from "../i18n.js";
import { askDialog, attempt, h, toast } from "../ui.js";

extend({
  vi: {
    mail_button: "Thông báo email", mail_title: "Thông báo qua email",
    mail_explain: "eCabinet gửi thư tới địa chỉ này; giấy mời có kèm lịch họp để thêm vào Outlook, Thunderbird hoặc điện thoại.",
    mail_address: "Địa chỉ email", mail_kinds: "Nhận các loại thư",
    mail_kind_invitations: "Giấy mời họp, thay đổi, hoãn, hủy (kèm lịch họp)",
    mail_kind_reminders: "Nhắc lịch họp trước một ngày",
    mail_kind_tasks: "Nhiệm vụ sắp đến hạn, quá hạn",
    mail_kind_signatures: "Văn bản chờ ký số",
    mail_none: "Để trống địa chỉ thì eCabinet không gửi thư nào cho đồng chí.", mail_saved: "Đã lưu cài đặt email.",
  },
  en: {
    mail_button: "Email notifications", mail_title: "Email notifications",
    mail_explain: "eCabinet writes to this address; invitations carry the meeting for Outlook, Thunderbird or your phone's calendar.",
    mail_address: "Email address", mail_kinds: "Emails to receive",
    mail_kind_invitations: "Invitations, changes, postponements, cancellations (with the calendar event)",
    mail_kind_reminders: "Meeting reminders the day before",
    mail_kind_tasks: "Tasks due soon or overdue",
    mail_kind_signatures: "Documents awaiting my signature",
    mail_none: "With no address, eCabinet sends you no email.", mail_saved: "Email settings saved.",
  },
});

async function openDialog() {
  const prefs = await get("/api/me/mail");
  const address = h("input", { id: "mail-address", type: "email", value: prefs.email, autocomplete: "email", maxlength: 200 });
  // Said while the field is empty, whatever is stored: what saving it would mean.
  const none = h("p", { class: "field-hint", id: "mail-none", hidden: Boolean(prefs.email) }, t("mail_none"));
  address.addEventListener("input", () => { none.hidden = address.value.trim() !== ""; });
  const boxes = prefs.categories.map((c) => h("label", { class: "inline" },
    h("input", { type: "checkbox", name: "mail-kind", value: c, checked: !prefs.off.includes(c) }), " ", t(`mail_kind_${c}`)));
  const saved = await askDialog({
    id: "mail-dialog", title: t("mail_title"), confirmLabel: t("save"),
    message: [t("mail_explain"), h("label", { for: "mail-address" }, t("mail_address")), address,
      none,
      h("fieldset", { class: "mail-kinds" }, h("legend", {}, t("mail_kinds")), boxes)],
    action: () => put("/api/me/mail", {
      email: address.value.trim(),
      off: boxes.map((b) => b.querySelector("input")).filter((i) => !i.checked).map((i) => i.value),
    }),
  });
  if (saved !== null) toast(t("mail_saved"));
}

/** The button that opens the email settings. */
export function mailButton() {
  return h("button", { type: "button", class: "ghost", id: "mail-button", onclick: () => attempt(openDialog) },
    "✉ ", t("mail_button"));
}
