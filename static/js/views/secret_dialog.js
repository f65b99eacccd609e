// A secret shown once (an API token, a webhook's signing key): copy it now, it is not kept.
import { t } from "../i18n.js";
import { askDialog, h, toast } from "../ui.js";
import "./meetings_i18n.js";

/** Shows `secret` with a copy button until the admin says it is saved. */
export function secretDialog({ id, title, warning, hint, secret, confirmLabel }) {
  const field = h("input", { id: `${id}-value`, readonly: true, value: secret, class: "mono secret-value" });
  const copy = h("button", { type: "button", class: "ghost small", id: `${id}-copy` }, t("tok_copy"));
  copy.addEventListener("click", async () => {
    field.select();
    try { await navigator.clipboard.writeText(secret); } catch { document.execCommand("copy"); }
    toast(t("tok_copied"));
  });
  // Both buttons close it: what was made stays made ("Hủy" would promise otherwise).
  return askDialog({
    id, title, confirmLabel, cancelLabel: t("close_dialog"),
    message: [h("p", { class: "warning" }, warning), h("div", { class: "row cal-url-row" }, field, copy),
      h("p", { class: "field-hint" }, hint)],
  });
}
