// A tiny DOM builder, in-place re-rendering for live views, and the shared bits of page chrome.
import { t } from "./i18n.js";

/** h("div", {class: "x", onclick: fn}, child, "text") builds an element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    // Through the CSSOM: the CSP refuses inline style attributes (setAttribute("style")).
    else if (key === "style") el.style.cssText = value;
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

let toastTimer = null;

/** The modal dialog on top, if one is open: it dims the page, and a toast under it. */
function topModal() {
  const open = [...document.querySelectorAll("dialog[open]")].filter((d) => {
    try { return d.matches(":modal"); } catch { return true; }
  });
  return open.length ? open[open.length - 1] : null;
}

/** Say `message` in a form's error line and mark `field` as the one to fix (focused);
 * null, for a check to return. */
export function refuseField(error, message, field) {
  error.textContent = message;
  error.hidden = false;
  field.setAttribute("aria-invalid", "true");
  field.focus();
  return null;
}

/** Show (or, with an empty message, clear) an error inside a dialog, above its buttons. */
export function dialogError(dialog, message) {
  let slot = dialog.querySelector(".dialog-error");
  if (!slot) {
    slot = h("p", { class: "error dialog-error", role: "alert" });
    const rows = dialog.querySelectorAll(".row");
    if (rows.length) rows[rows.length - 1].before(slot);
    else (dialog.querySelector("form") || dialog).append(slot);
  }
  slot.textContent = message || "";
  slot.hidden = !message;
  return slot;
}

/** A short message at the bottom of the screen; errors stay longer. An error while a modal
 * dialog is open is shown in that dialog: the page under it is dimmed and out of reach. */
export function toast(message, kind = "info") {
  const modal = kind === "error" ? topModal() : null;
  if (modal) {
    dialogError(modal, message);
    return;
  }
  const box = document.getElementById("toast");
  box.textContent = message;
  box.className = `toast ${kind}`;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, kind === "error" ? 6000 : 3000);
}

export function statusBadge(status) {
  return h("span", { class: `badge ${status}`, dataset: { status } }, t(`status_${status}`));
}

/** Run an async action from a button, showing the server's message if it is refused. */
export async function attempt(action, button) {
  if (button) button.disabled = true;
  try {
    return await action();
  } catch (err) {
    toast(err.message || String(err), "error");
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

/** Replace an element's children, skipping the empty (null, false) ones. */
export function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

/**
 * Keep one view per tab container and update it in place on every event, so a form
 * being typed into or a button being pressed survives the live updates.
 */
export function keepView(container, id, build) {
  const kept = container.__liveView;
  if (!kept || kept.id !== id || kept.root.parentNode !== container) {
    const view = build();
    view.id = id;
    container.replaceChildren(view.root);
    container.__liveView = view;
  }
  return container.__liveView;
}

export function mount(...children) {
  const main = document.getElementById("main");
  main.replaceChildren(...children);
  return main;
}

let dialogCount = 0;

/**
 * Ask before doing what cannot be undone, in the page (not window.confirm): a <dialog>
 * opened with showModal, so focus stays inside, Esc and "Hủy" cancel, the title names it
 * and the message describes it to screen readers; "Hủy" has the focus at first.
 *
 * {title, message (text, node or a list of them), confirmLabel, cancelLabel, danger, id,
 *  input: {label, multiline, required, value, maxlength}, action(value)}
 *
 * With `action`, the dialog stays open while it runs: a refusal is shown inside the dialog
 * for another try, and the promise resolves once it succeeded. Resolves to the typed text
 * (with `input`) or true, or null when cancelled.
 */
export function askDialog({ title, message = "", confirmLabel, cancelLabel, danger = false, id,
                            input = null, action = null }) {
  return new Promise((resolve) => {
    const n = ++dialogCount;
    let result = null;
    let busy = false;
    const field = !input ? null : input.multiline === false
      ? h("input", { id: `ask-${n}-field`, value: input.value || "", maxlength: input.maxlength, autocomplete: "off" })
      : h("textarea", { id: `ask-${n}-field`, rows: 3, maxlength: input.maxlength }, input.value || "");
    const ok = h("button", { type: "submit", class: danger ? "danger" : "", dataset: { answer: "confirm" } },
      confirmLabel || t("confirm"));
    const no = h("button", { type: "button", class: "ghost", dataset: { answer: "cancel" } }, cancelLabel || t("cancel"));
    const error = h("p", { class: "error dialog-error", role: "alert", hidden: true });
    const dialog = h("dialog", {
      class: "ask-dialog", id, role: "alertdialog",
      "aria-labelledby": `ask-${n}-title`, "aria-describedby": `ask-${n}-text`,
    });
    const form = h("form", { method: "dialog", novalidate: true },
      h("h2", { id: `ask-${n}-title` }, title),
      h("div", { id: `ask-${n}-text`, class: "ask-text" },
        [message].flat().filter((x) => x !== null && x !== undefined && x !== "")
          .map((x) => (x instanceof Node ? x : h("p", {}, x)))),
      field ? h("label", { for: field.id }, input.label, field) : null,
      error,
      h("div", { class: "row dialog-buttons" }, h("span", { class: "spacer" }), no, ok));
    dialog.append(form);
    const setBusy = (on) => { busy = on; ok.disabled = on; no.disabled = on; };
    no.addEventListener("click", () => dialog.close());
    dialog.addEventListener("cancel", (event) => { if (busy) event.preventDefault(); });
    dialog.addEventListener("close", () => { dialog.remove(); resolve(result); });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (busy) return;
      const value = field ? field.value.trim() : true;
      if (field && input.required !== false && !value) {
        dialogError(dialog, t("dialog_required"));
        field.focus();
        return;
      }
      if (action) {
        setBusy(true);
        dialogError(dialog, "");
        try {
          await action(value);
        } catch (err) {
          setBusy(false);
          dialogError(dialog, err.message || String(err));
          (field || ok).focus();
          return;
        }
        setBusy(false);
      }
      result = value;
      dialog.close();
    });
    document.body.append(dialog);
    dialog.showModal();
    (field || no).focus();
  });
}

/** askDialog for a yes or no: resolves true once confirmed (and its action done), else false. */
export async function confirmDialog(options) {
  return (await askDialog(options)) !== null;
}
