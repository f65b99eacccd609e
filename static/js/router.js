// History-API routing: links with data-link navigate without a reload.
import { t } from "./i18n.js";
import { h, mount } from "./ui.js";

const routes = [];
let cleanup = null;

export function route(pattern, view) {
  const keys = [];
  const regex = new RegExp("^" + pattern.replace(/:(\w+)/g, (_, k) => { keys.push(k); return "([^/]+)"; }) + "/?$");
  routes.push({ regex, keys, view });
}

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState({}, "", path); else history.pushState({}, "", path);
  render();
}

export async function render() {
  if (typeof cleanup === "function") cleanup();
  cleanup = null;
  const path = location.pathname;
  for (const { regex, keys, view } of routes) {
    const match = path.match(regex);
    if (match) {
      const params = Object.fromEntries(keys.map((k, i) => [k, decodeURIComponent(match[i + 1])]));
      try {
        cleanup = await view(params, new URLSearchParams(location.search));
      } catch (err) {
        // A screen that cannot open (refused, gone, offline) says so: no blank page.
        failed(err);
      }
      document.dispatchEvent(new CustomEvent("routechange", { detail: path }));
      return;
    }
  }
  navigate("/", { replace: true });
}

function failed(err) {
  mount(h("div", { class: "card", id: "page-error", role: "alert" },
    h("h1", {}, t("page_error")),
    err && err.message ? h("p", {}, err.message) : null,
    location.pathname.startsWith("/consultations")
      ? h("a", { class: "button ghost", href: "/consultations", "data-link": true }, t("back_to_consultations"))
      : h("a", { class: "button ghost", href: "/", "data-link": true }, t("back_to_meetings"))));
}

export function start() {
  window.addEventListener("popstate", render);
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-link]");
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    navigate(link.getAttribute("href"));
  });
  return render();
}
