// The person's own account: who they are in eCabinet, and their password. A password an
// administrator chose (a new account, a reset, an import) must be replaced here first.
import { post } from "../api.js";
import { extend, t } from "../i18n.js";
import { navigate } from "../router.js";
import { loadSession, session } from "../session.js";
import { attempt, h, mount, refuseField, toast } from "../ui.js";

const MIN_LENGTH = 8; // accounts.MIN_PASSWORD_LENGTH

extend({
  vi: {
    nav_account: "Tài khoản", account_title: "Tài khoản của tôi", account_username: "Tên đăng nhập", account_password: "Đổi mật khẩu",
    account_must_change: "Mật khẩu này do quản trị viên đặt. Hãy đặt mật khẩu của riêng đồng chí trước khi tiếp tục làm việc.",
    account_current: "Mật khẩu hiện tại", account_new: "Mật khẩu mới", account_repeat: "Nhập lại mật khẩu mới",
    account_rule: "Ít nhất {n} ký tự. Sau khi đổi, các phiên đăng nhập khác của tài khoản (máy tính bảng, máy khác) sẽ phải đăng nhập lại.",
    account_too_short: "Mật khẩu mới cần ít nhất {n} ký tự.", account_mismatch: "Hai lần nhập mật khẩu mới không khớp.",
    account_save: "Đổi mật khẩu", account_saved: "Đã đổi mật khẩu.", account_need_current: "Hãy nhập mật khẩu hiện tại.",
  },
  en: {
    nav_account: "Account", account_title: "My account", account_username: "Username", account_password: "Change password",
    account_must_change: "This password was set by an administrator. Choose your own before you go on.",
    account_current: "Current password", account_new: "New password", account_repeat: "New password again",
    account_rule: "At least {n} characters. Once changed, the account's other sessions (tablets, other computers) must log in again.",
    account_too_short: "The new password needs at least {n} characters.", account_mismatch: "The two new passwords differ.",
    account_save: "Change password", account_saved: "Password changed.", account_need_current: "Enter your current password.",
  },
});

export async function accountView() {
  const user = session.user;
  const field = (id, autocomplete) => h("input", { id, type: "password", autocomplete, maxlength: 200, required: true });
  const current = field("account-current", "current-password");
  const fresh = field("account-new", "new-password");
  const repeat = field("account-repeat", "new-password");
  const error = h("p", { class: "error", role: "alert", id: "account-error", hidden: true });
  for (const input of [current, fresh, repeat]) input.setAttribute("aria-describedby", "account-error");
  const refuse = (message, input) => refuseField(error, message, input);
  const submit = h("button", { type: "submit", id: "account-save" }, t("account_save"));
  const form = h("form", { class: "card account-form", id: "account-form", novalidate: true },
    h("h2", {}, t("account_password")),
    user.must_change_password ? h("p", { class: "notice", id: "account-must-change" }, t("account_must_change")) : null,
    h("label", {}, t("account_current"), current), h("label", {}, t("account_new"), fresh),
    h("label", {}, t("account_repeat"), repeat),
    h("p", { class: "field-hint" }, t("account_rule", { n: MIN_LENGTH })), error, h("div", { class: "row" }, submit));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    error.hidden = true;
    for (const input of [current, fresh, repeat]) input.removeAttribute("aria-invalid");
    if (!current.value) return refuse(t("account_need_current"), current);
    if (fresh.value.trim().length < MIN_LENGTH) return refuse(t("account_too_short", { n: MIN_LENGTH }), fresh);
    if (fresh.value !== repeat.value) return refuse(t("account_mismatch"), repeat);
    return attempt(async () => {
      try {
        await post("/api/me/password", { current_password: current.value, new_password: fresh.value });
      } catch (err) { // said beside the fields: the current password mistyped is common
        return refuse(err.message || String(err), err.code === "password_too_short" || err.code === "password_unchanged" ? fresh : current);
      }
      const wasRequired = user.must_change_password;
      await loadSession();
      toast(t("account_saved"));
      form.reset();
      if (wasRequired) navigate("/", { replace: true });
      return null;
    }, submit);
  });
  mount(h("h1", {}, t("account_title")),
    h("div", { class: "card" }, h("p", {}, h("strong", {}, user.full_name), user.title ? ` · ${user.title}` : ""),
      h("p", { class: "muted" }, `${t("account_username")}: ${user.username}`)),
    form);
  (user.must_change_password ? current : null)?.focus();
  return null;
}
