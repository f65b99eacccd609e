// The agenda tab: the secretary builds the agenda (items, documents, drag-and-drop order) and
// submits it; the chair approves or returns it; once published every member reads it, with
// changes marked "updated", and the tablet keeps the documents for reading offline.
import { del, get, post, put } from "../api.js";
import { formatBytes } from "../format.js";
import { t } from "../i18n.js";
import { attempt, confirmDialog, h, statusBadge, toast } from "../ui.js";
import { unitGroups } from "../units.js";
import { briefcaseProgress, drawsPdfs, dropBriefcase, dropDocument, keepBriefcase, onBriefcase, syncBriefcase } from "./briefcase.js";
import { docRow, uploadZone } from "./document_list.js";
import { markMatch, markSeen, unseen } from "./document_upload.js";
import "./documents_i18n.js";
import { takeTransition } from "./meeting_overview.js";
import { listDocuments, pdfjs } from "./reader_pdf.js";

const READABLE = ["published", "in_session", "adjourned", "closed"];
const BRIEFCASE = ["published", "in_session", "adjourned"];
const byPosition = (a, b) => a.position - b.position || a.id - b.id;
const limitsCache = new Map(); // meetingId -> Promise<limits>

function limitsOf(meetingId) {
  if (!limitsCache.has(meetingId)) {
    limitsCache.set(meetingId, get(`/api/meetings/${meetingId}/agenda`).then((a) => a.limits)
      .catch(() => { limitsCache.delete(meetingId); return { widths: [480, 1024, 1280], max_bytes: 0 }; }));
  }
  return limitsCache.get(meetingId);
}

// -- live state ---------------------------------------------------------------------

/** The agenda's items: their text, their order, their removal (the hall follows these too). */
export const agendaItemReducers = {
  "agenda.item_updated": (state, event) => {
    if (!state.agenda) return;
    const item = event.data.item;
    state.agenda.items = [...state.agenda.items.filter((i) => i.id !== item.id), item].sort(byPosition);
  },
  "agenda.item_removed": (state, event) => {
    if (!state.agenda) return;
    state.agenda.items = state.agenda.items.filter((i) => i.id !== event.data.item_id);
    state.documents = (state.documents || []).filter((d) => d.item_id !== event.data.item_id);
  },
  "agenda.order": (state, event) => {
    if (!state.agenda) return;
    const position = new Map(event.data.item_ids.map((id, index) => [id, index + 1]));
    for (const item of state.agenda.items) item.position = position.get(item.id) ?? item.position;
    state.agenda.items.sort(byPosition);
  },
};

/** The agenda tab's state: the items, their documents, and when to fetch them again. */
export const agendaReducers = {
  ...agendaItemReducers,
  "document.updated": (state, event) => {
    const doc = event.data.document;
    state.documents = [...(state.documents || []).filter((d) => d.id !== doc.id), doc];
  },
  "document.removed": (state, event) => {
    state.documents = (state.documents || []).filter((d) => d.id !== event.data.document_id);
  },
  "meeting.status": (state) => {
    // Who may read and edit the agenda follows the meeting's status: fetch it again.
    state.agendaStale = true;
  },
};

/**
 * What the meeting page does as its state changes, besides drawing it: the briefcase
 * follows the meeting's status, a document withdrawn from the reader leaves it, and the
 * reader hears of that and of the publication. (An item taken off the agenda takes its
 * documents along; that is no withdrawal.)
 */
export const agendaWatcher = {
  note: (state) => ({
    status: state.meeting.status,
    items: new Set(state.agenda ? state.agenda.items.map((i) => i.id) : []),
    documents: (state.documents || []).map((d) => ({ id: d.id, itemId: d.item_id })),
  }),
  react(before, state) {
    keepOffline(state);
    if (!before) return;
    const manages = Boolean(state.agenda && state.agenda.manages);
    const items = new Set(state.agenda ? state.agenda.items.map((i) => i.id) : []);
    const removedItems = new Set([...before.items].filter((id) => !items.has(id)));
    const documents = new Set((state.documents || []).map((d) => d.id));
    const withdrawn = before.documents.filter((d) => !documents.has(d.id) && !removedItems.has(d.itemId));
    for (const d of withdrawn) dropDocument(d.id);
    if (withdrawn.length && !manages) toast(t("doc_withdrawn"));
    if (state.meeting.status === "published" && before.status !== "published" && !manages) toast(t("published_toast"));
  },
};

async function refresh(ctx) {
  const fresh = await get(`/api/meetings/${ctx.meetingId}/agenda`);
  ctx.state.agenda = fresh.agenda;
  ctx.state.documents = fresh.documents;
  ctx.state.agendaStale = false;
  limitsCache.set(ctx.meetingId, Promise.resolve(fresh.limits));
}

function keepOffline(state) {
  const id = state.meeting.id;
  if (BRIEFCASE.includes(state.meeting.status)) {
    limitsOf(id).then((l) => syncBriefcase(id, l.widths));
    // The reader's PDF engine, ready before a document is opened (a tablet takes a while).
    if (drawsPdfs()) setTimeout(() => pdfjs().catch(() => {}), 1000);
  }
  else if (state.meeting.status === "closed") dropBriefcase(id);
}

// -- pieces ---------------------------------------------------------------------------

/** The briefcase's line: the documents' size, then the download's progress, or the
 * question a heavy briefcase waits on. */
function showBriefcase(note, meetingId, msg) {
  const size = (n) => formatBytes(n);
  if (msg.type === "briefcase.ask") {
    note.replaceChildren(h("span", {}, t("offline_ask", { size: size(msg.total) }), " "),
      h("button", { type: "button", class: "small", id: "briefcase-keep", onclick: () => keepBriefcase(meetingId) },
        t("offline_keep", { size: size(msg.total) })));
  } else if (msg.complete || (msg.total > 0 && msg.done >= msg.total)) {
    note.replaceChildren(t("offline_ready", { size: size(msg.total) }));
  } else if (msg.type === "briefcase.planned" || msg.type === "briefcase.progress") {
    const label = msg.type === "briefcase.progress" && msg.complete === false && !navigator.onLine ? "offline_paused" : "offline_saving";
    note.replaceChildren(h("span", {}, t("offline_size", { size: size(msg.total) }), " ",
      t(label, { done: size(msg.done), total: size(msg.total) }), " "),
      h("progress", { id: "briefcase-progress", max: msg.total || 1, value: msg.done || 0 }));
  }
}

function docsOf(ctx, itemId) {
  return (ctx.state.documents || []).filter((d) => d.item_id === itemId)
    .sort((a, b) => a.position - b.position || a.id - b.id);
}

function readerHref(ctx, doc, extra = "") {
  return `/meetings/${ctx.meetingId}/documents/${doc.id}${extra}`;
}

/** The meeting as document_list.js sees it: where its documents live and open. */
function documentsHome(ctx) {
  return {
    get documents() { return ctx.state.documents || []; },
    set documents(list) { ctx.state.documents = list; },
    rerender: () => ctx.rerender(),
    href: (doc) => readerHref(ctx, doc),
    limits: () => limitsOf(ctx.meetingId),
    people: async () => (await get(`/api/meetings/${ctx.meetingId}/participants`))
      .map((p) => ({ user_id: p.user_id, name: p.name, note: t(`role_${p.role}`) })),
  };
}

function field(label, control) {
  return h("label", {}, label, control);
}

async function itemDialog(ctx, item = null) {
  const units = await get("/api/units").then((u) => u.units || u).catch(() => []);
  const flat = Array.isArray(units) ? units : [];
  const title = h("input", { id: "item-title", required: true, maxlength: 500, value: item ? item.title : "" });
  const presenter = h("input", { id: "item-presenter", maxlength: 200, value: item ? item.presenter : "" });
  const presenting = item && item.presenter_unit ? item.presenter_unit.id : null;
  const unit = h("select", { id: "item-unit" }, h("option", { value: "" }, t("none")),
    unitGroups(flat).map((group) => h("optgroup", { label: group.label },
      group.units.map((u) => h("option", { value: u.id, selected: presenting === u.id }, u.name)))));
  const minutes = h("input", { id: "item-minutes", type: "number", min: 1, max: 600, value: item ? item.planned_minutes : 15 });
  const description = h("textarea", { id: "item-description", maxlength: 10000 }, item ? item.description : "");
  const dialog = h("dialog", { class: "sheet-dialog" });
  const form = h("form", { method: "dialog" },
    h("h2", {}, item ? t("edit_item") : t("add_item")),
    field(t("item_title"), title),
    h("div", { class: "two" }, field(t("presenter"), presenter), field(t("planned_minutes"), minutes)),
    field(t("presenter_unit"), unit),
    field(t("item_description"), description),
    h("div", { class: "row dialog-buttons" },
      item ? h("button", { type: "button", class: "ghost danger", onclick: () => attempt(async () => {
        if (!await confirmDialog({ id: "remove-item-dialog", title: t("remove_item"), danger: true,
                                   message: t("confirm_remove_item", { title: item.title }),
                                   confirmLabel: t("remove_item") })) return;
        await del(`/api/agenda/items/${item.id}`);
        ctx.state.agenda.items = ctx.state.agenda.items.filter((i) => i.id !== item.id);
        dialog.close();
        ctx.rerender();
      }) }, t("remove_item")) : null,
      h("span", { class: "spacer" }),
      h("button", { type: "button", class: "ghost", onclick: () => dialog.close() }, t("cancel")),
      h("button", { type: "submit", id: "item-save" }, t("save"))));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const submit = form.querySelector("#item-save");
    attempt(async () => {
      const body = {
        title: title.value, presenter: presenter.value, description: description.value,
        planned_minutes: Number(minutes.value) || 15,
        presenter_unit_id: unit.value ? Number(unit.value) : null,
      };
      const saved = item ? await put(`/api/agenda/items/${item.id}`, body)
        : await post(`/api/meetings/${ctx.meetingId}/agenda/items`, body);
      ctx.state.agenda.items = [...ctx.state.agenda.items.filter((i) => i.id !== saved.id), saved].sort(byPosition);
      dialog.close();
      toast(t("saved"));
      ctx.rerender();
    }, submit);
  });
  dialog.append(form);
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  title.focus();
}

function itemCard(ctx, item, index, editable) {
  const fresh = item.updated && unseen("item", item.id, item.version);
  const unit = item.presenter_unit ? item.presenter_unit.name : "";
  // "Giám đốc Sở Tài chính" already names its unit: it is not said twice.
  const who = unit && (item.presenter || "").includes(unit) ? item.presenter : [item.presenter, unit].filter(Boolean).join(" — ");
  const docs = docsOf(ctx, item.id);
  const badge = fresh ? h("button", { type: "button", class: "badge updated", title: t("updated_badge"),
    onclick: (event) => { markSeen("item", item.id, item.version); event.target.remove(); } }, t("updated_badge")) : null;
  const card = h("li", { class: "card agenda-item", dataset: { itemId: item.id } },
    h("div", { class: "item-head" },
      editable ? h("span", { class: "drag-handle", title: t("drag_to_reorder"), "aria-label": t("drag_to_reorder"), role: "button", tabindex: 0 }, "⋮⋮") : null,
      h("span", { class: "item-no" }, String(index + 1)),
      h("div", { class: "item-main" },
        h("h3", { class: "item-title" }, item.title, " ", badge),
        h("div", { class: "muted item-meta" }, who, who ? " · " : "", t("minutes_short", { n: item.planned_minutes }),
          item.version > 1 ? ` · ${t("version_n", { n: item.version })}` : "")),
      editable ? h("div", { class: "item-tools" },
        h("button", { type: "button", class: "ghost small icon", title: t("move_up"), "aria-label": t("move_up"), disabled: index === 0,
          onclick: () => move(ctx, item.id, -1) }, "↑"),
        h("button", { type: "button", class: "ghost small icon", title: t("move_down"), "aria-label": t("move_down"),
          disabled: index === ctx.state.agenda.items.length - 1, onclick: () => move(ctx, item.id, 1) }, "↓"),
        h("button", { type: "button", class: "ghost small", onclick: () => itemDialog(ctx, item) }, t("edit"))) : null),
    item.description ? h("p", { class: "item-desc" }, item.description) : null,
    docs.length ? h("ul", { class: "doc-list" }, docs.map((d) => docRow(documentsHome(ctx), d, editable)))
      : (editable ? null : h("p", { class: "muted small-note" }, t("no_documents"))),
    editable ? uploadZone(documentsHome(ctx), t("upload_pdf"), `/api/agenda/items/${item.id}/documents`, { offerRestricted: true }) : null);
  return card;
}

async function saveOrder(ctx, ids) {
  const before = ctx.state.agenda.items.map((i) => i.id);
  if (before.join() === ids.join()) {
    ctx.rerender(); // what live events changed meanwhile
    return;
  }
  const position = new Map(ids.map((id, i) => [id, i + 1]));
  ctx.state.agenda.items.forEach((item) => { item.position = position.get(item.id); });
  ctx.state.agenda.items.sort(byPosition);
  try {
    await put(`/api/meetings/${ctx.meetingId}/agenda/order`, { item_ids: ids });
    toast(t("reordered"));
  } catch (err) {
    toast(err.message, "error");
    await refresh(ctx).catch(() => {});
  }
  ctx.rerender();
}

function move(ctx, itemId, delta) {
  const ids = ctx.state.agenda.items.map((i) => i.id);
  const from = ids.indexOf(itemId);
  const to = from + delta;
  if (to < 0 || to >= ids.length) return;
  ids.splice(to, 0, ids.splice(from, 1)[0]);
  saveOrder(ctx, ids);
}

/** Drag-and-drop by pointer (mouse, pen and touch alike): grab the handle, move, release. */
// A live event redrawing the tab mid-drag would drop the item being carried: while a drag
// is on, renders wait for the drop.
let dragging = false;

function enableDragging(ctx, list) {
  let dragged = null;
  list.addEventListener("pointerdown", (event) => {
    const handle = event.target.closest(".drag-handle");
    if (!handle) return;
    event.preventDefault();
    dragged = handle.closest(".agenda-item");
    dragged.classList.add("dragging");
    dragging = true;
    try {
      handle.setPointerCapture(event.pointerId);
    } catch {
      // The pointer is already gone; the drag ends at the next pointerup anyway.
    }
  });
  list.addEventListener("pointermove", (event) => {
    if (!dragged) return;
    const over = [...list.children].find((el) => {
      const box = el.getBoundingClientRect();
      return el !== dragged && event.clientY >= box.top && event.clientY <= box.bottom;
    });
    if (!over) return;
    const box = over.getBoundingClientRect();
    if (event.clientY < box.top + box.height / 2) over.before(dragged);
    else over.after(dragged);
  });
  const drop = () => {
    if (!dragged) return;
    dragged.classList.remove("dragging");
    dragged = null;
    dragging = false;
    saveOrder(ctx, [...list.children].map((el) => Number(el.dataset.itemId)));
  };
  list.addEventListener("pointerup", drop);
  list.addEventListener("pointercancel", drop);
  list.addEventListener("keydown", (event) => {
    const handle = event.target.closest(".drag-handle");
    if (!handle || !["ArrowUp", "ArrowDown"].includes(event.key)) return;
    event.preventDefault();
    move(ctx, Number(handle.closest(".agenda-item").dataset.itemId), event.key === "ArrowUp" ? -1 : 1);
  });
}

function searchBox(ctx) {
  const input = h("input", { type: "search", id: "meeting-search", placeholder: t("search_placeholder"),
    "aria-label": t("search_meeting"), value: ctx.agendaQuery || "" });
  const results = h("div", { class: "search-results", id: "meeting-search-results", "aria-live": "polite" });
  // Results are kept on the context: live events redraw the tab, they do not search again.
  const show = () => {
    const { q, hits } = ctx.agendaSearch || {};
    if (!q) { results.replaceChildren(); return; }
    results.replaceChildren(
      h("div", { class: "muted" }, hits.length ? t("search_hits", { n: hits.length }) : t("search_no_hits", { q })),
      h("ul", { class: "hit-list" }, hits.map((hit) => h("li", {},
        h("a", { href: readerHref(ctx, { id: hit.document_id }, `?page=${hit.page}&q=${encodeURIComponent(q)}`), "data-link": true },
          h("strong", {}, hit.title), " · ", t("page_n", { n: hit.page })),
        h("div", { class: "snippet" }, markMatch(hit.snippet, q))))));
  };
  const run = () => attempt(async () => {
    const q = input.value.trim();
    ctx.agendaQuery = q;
    ctx.agendaSearch = q ? { q, hits: (await get(`/api/meetings/${ctx.meetingId}/search?q=${encodeURIComponent(q)}`)).hits } : null;
    show();
  });
  const form = h("form", { class: "search-form", role: "search" }, input,
    h("button", { type: "submit", class: "small" }, t("search")));
  form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
  input.addEventListener("input", () => { ctx.agendaQuery = input.value; });
  show();
  return h("div", { class: "agenda-search" }, h("label", { for: "meeting-search" }, t("search_meeting")), form, results);
}

function transitionButtons(ctx) {
  const names = (ctx.state.transitions || []).filter((n) => ["submit", "approve", "return", "publish"].includes(n));
  return names.map((name) => {
    const button = h("button", { type: "button", class: name === "return" ? "ghost" : "", dataset: { transition: name } }, t(`t_${name}`));
    button.addEventListener("click", () => attempt(async () => {
      // Asks first when the step cannot be undone (publish, approve), as on the overview.
      const snapshot = await takeTransition(ctx.meetingId, ctx.state.meeting, name);
      if (!snapshot) return;
      ctx.state.transitions = snapshot.transitions;
      ctx.state.meeting = snapshot.meeting;
      ctx.state.agenda = snapshot.agenda;
      ctx.state.documents = snapshot.documents;
      ctx.rerender();
    }, button));
    return button;
  });
}

// -- the tab --------------------------------------------------------------------------

function render(container, ctx) {
  if (dragging && container.querySelector(".agenda-item.dragging")) return undefined;
  if (ctx.state.agendaStale || !ctx.state.agenda) {
    container.replaceChildren(h("p", { class: "muted" }, t("loading")));
    refresh(ctx).then(() => ctx.rerender(), (err) => toast(err.message, "error"));
    return undefined;
  }
  const typing = document.activeElement && document.activeElement.id === "meeting-search";
  const m = ctx.state.meeting;
  const agenda = ctx.state.agenda;
  const items = [...agenda.items].sort(byPosition);
  const editable = agenda.editable;
  const minutes = items.reduce((sum, i) => sum + i.planned_minutes, 0);
  const offline = h("div", { class: "muted offline-note", id: "briefcase-note", "aria-live": "polite" });
  const head = h("div", { class: "card agenda-head" },
    h("div", { class: "row" }, h("h2", { class: "flat" }, t("agenda_title")),
      agenda.readable || m.status === "cancelled" ? statusBadge(m.status) : h("span", { class: "badge draft" }, t("in_preparation")),
      h("span", { class: "muted" }, agenda.readable ? t("agenda_summary", { items: items.length, minutes }) : ""),
      h("span", { class: "spacer" }), ...transitionButtons(ctx)),
    m.return_comment && m.status === "draft"
      ? h("div", { class: "notice", id: "agenda-return-comment" }, t("returned_with"), " ", h("em", {}, m.return_comment)) : null,
    agenda.manages && m.status === "submitted" ? h("p", { class: "muted" }, t("agenda_locked_hint")) : null,
    agenda.manages && m.status === "approved" ? h("p", { class: "muted" }, t("agenda_locked_approved_hint")) : null,
    agenda.manages && editable && READABLE.includes(m.status) ? h("p", { class: "muted" }, t("agenda_versioned_hint")) : null,
    agenda.readable ? searchBox(ctx) : null,
    offline);
  if (!agenda.readable) {
    // A cancelled meeting never publishes its documents: do not promise them.
    container.replaceChildren(head, h("div", { class: "card empty-state" }, h("p", {},
      m.status === "cancelled" ? [t("cancelled_notice"), " ", m.change_reason || ""] : t("agenda_hidden"))));
    return undefined;
  }
  listDocuments(ctx.state.documents || []);
  const list = h("ol", { class: "agenda-items", id: "agenda-items" }, items.map((item, i) => itemCard(ctx, item, i, editable)));
  if (editable) enableDragging(ctx, list);
  container.replaceChildren(...[head,
    items.length ? list : h("div", { class: "card empty-state" }, h("p", {}, editable ? t("agenda_empty_hint") : t("agenda_none"))),
    editable ? h("div", { class: "row" }, h("button", { type: "button", id: "add-item", onclick: () => itemDialog(ctx) }, "+ ", t("add_item"))) : null,
  ].filter(Boolean));
  const show = (msg) => { if (msg && msg.meetingId === ctx.meetingId) showBriefcase(offline, ctx.meetingId, msg); };
  show(briefcaseProgress(ctx.meetingId));
  if (typing) container.querySelector("#meeting-search")?.focus();
  return onBriefcase(show);
}

export const agendaTab = {
  id: "agenda",
  label: () => t("agenda_tab"),
  visible: () => true,
  render,
};
