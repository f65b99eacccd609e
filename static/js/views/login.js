import { t } from "../i18n.js";
import { connect } from "../live.js";
import { navigate } from "../router.js";
import { logIn } from "../session.js";
import { h, mount } from "../ui.js";

export async function loginView(_params, query) {
  const error = h("p", { class: "error", role: "alert" });
  const username = h("input", { name: "username", autocomplete: "username", required: true, autofocus: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const submit = h("button", { type: "submit" }, t("login"));
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
    h("label", {}, t("username"), username),
    h("label", {}, t("password"), password),
    error,
    h("div", { class: "row" }, submit),
  );
  mount(form);
  return null;
}
