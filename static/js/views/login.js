// The login form. Nothing here needs a session: no live channel, no request that a
// logged-out browser would see refused.
import { post } from "../api.js";
import { language, setLanguage, t } from "../i18n.js";
import { connect } from "../live.js";
import { navigate, render } from "../router.js";
import { logIn } from "../session.js";
import { h, mount } from "../ui.js";

export async function loginView(_params, query) {
  const error = h("p", { class: "error", role: "alert" });
  const username = h("input", { name: "username", id: "login-username", autocomplete: "username", required: true });
  const password = h("input", { name: "password", id: "login-password", type: "password", autocomplete: "current-password", required: true });
  const submit = h("button", { type: "submit" }, t("login"));
  const other = language() === "vi" ? "en" : "vi";
  const switchLanguage = h("button", { type: "button", class: "ghost small login-lang", id: "login-lang", lang: other },
    t("switch_language"));
  switchLanguage.addEventListener("click", async () => {
    await post("/api/language", { language: other }).catch(() => {});
    setLanguage(other);
    render();
  });
  const form = h("form", {
    class: "card login",
    onsubmit: async (event) => {
      event.preventDefault();
      error.textContent = "";
      submit.disabled = true;
      try {
        await logIn(username.value, password.value);
        connect();
        const next = query.get("next");
        navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : "/", { replace: true });
      } catch (err) {
        error.textContent = err.message;
      } finally {
        submit.disabled = false;
      }
    },
  },
    h("h1", {}, "eCabinet"),
    h("p", { class: "muted" }, t("login_title"), " · ", t("login_hint")),
    h("label", { for: "login-username" }, t("username")), username,
    h("label", { for: "login-password" }, t("password")), password,
    error,
    // The language switch comes after the form's own controls: the keyboard reaches the
    // username first, and the submit right after the password.
    h("div", { class: "row" }, submit, switchLanguage),
  );
  mount(form);
  username.focus();
  return null;
}
