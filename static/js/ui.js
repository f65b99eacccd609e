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

/** A short message at the bottom of the screen; errors stay longer. */
export function toast(message, kind = "info") {
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
