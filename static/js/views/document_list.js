// A list of documents, wherever they belong (a meeting's agenda item, a consultation's
// drafts): each row, the upload with its progress, and the office's settings for one
// document (title, restricted readers, a new version, removal). The caller passes a
// `home`: { documents (get/set), rerender(), href(doc), limits(), people(), and optionally
// noReaders: the label key saying who reads a restricted document with no reader named }.
import { del, put } from "../api.js";
import { t } from "../i18n.js";
import { attempt, confirmDialog, h, toast } from "../ui.js";
import { precheck, statusLabel, unseen, UPLOAD_ACCEPT, uploadPdf } from "./document_upload.js";
import "./documents_i18n.js";

function field(label, control) {
  return h("label", {}, label, control);
}

/** "Original (.docx)": the Word/Excel file a readable version was converted from, for those
 * who may download (never a restricted document). */
function sourceLink(doc) {
  const v = doc.readable;
  if (!v || !v.source_name || !doc.downloadable) return null;
  const ext = (v.source_name.match(/\.([A-Za-z0-9]+)$/) || ["", "?"])[1].toLowerCase();
  return h("a", { class: "button ghost small doc-source", href: `/api/documents/${doc.id}/versions/${v.id}/source`,
                  download: "", title: t("source_title", { name: v.source_name }) }, t("source_link", { ext }));
}

/** One document: its title (opening the reader once readable), its state and, for the
 * office, its settings. */
export function docRow(home, doc, editable) {
  const v = doc.version || {};
  const ready = Boolean(doc.readable);
  const fresh = doc.updated && unseen("doc", doc.id, v.number || 1);
  const busy = v.status === "pending" || v.status === "processing";
  const row = h("li", { class: `doc-row ${v.status || ""}${doc.restricted ? " restricted" : ""}`, dataset: { documentId: doc.id, status: v.status || "" } },
    h("span", { class: "doc-icon", "aria-hidden": "true" }, "PDF"),
    h("div", { class: "doc-main" },
      ready ? h("a", { class: "doc-title", href: home.href(doc), "data-link": true }, doc.title)
        : h("span", { class: "doc-title" }, doc.title),
      h("div", { class: "doc-meta" },
        doc.restricted ? h("span", { class: "badge restricted" }, t("restricted_badge")) : null,
        fresh ? h("span", { class: "badge updated" }, t("updated_badge")) : null,
        busy ? h("span", { class: "spinner", "aria-hidden": "true" }) : null,
        h("span", { class: v.status === "failed" ? "error" : "muted" }, statusLabel(doc)),
        doc.versions > 1 ? h("span", { class: "muted" }, " · ", t("version_n", { n: v.number })) : null,
        doc.restricted && doc.readers.length ? h("span", { class: "muted doc-readers" }, `· ${t("readers_prefix")} `, doc.readers.map((r) => r.name).join(", ")) : null)),
    h("div", { class: "doc-actions" },
      ready ? h("a", { class: "button small", href: home.href(doc), "data-link": true }, t("open_document")) : null,
      sourceLink(doc),
      editable ? h("button", { type: "button", class: "ghost small", onclick: (e) => attempt(async () => docDialog(home, doc, await home.people()), e.currentTarget) }, t("doc_settings")) : null));
  return row;
}

// Uploads outlive re-renders: live events redraw the tab while a file is still on its way,
// so each upload's state lives here and every zone for its URL shows it.
const uploads = new Map(); // url -> {busy, pct, note, error}

function showUpload(url) {
  const state = uploads.get(url) || {};
  for (const zone of document.querySelectorAll(".upload-zone")) {
    if (zone.dataset.url !== url) continue;
    const bar = zone.querySelector("progress");
    const note = zone.querySelector(".upload-note");
    bar.hidden = !state.busy;
    bar.value = state.pct || 0;
    note.textContent = state.note || "";
    note.className = `${state.error ? "error" : "muted"} upload-note`;
    zone.querySelector(".upload-button").classList.toggle("disabled", Boolean(state.busy));
  }
}

/** A file picker that uploads one PDF (or a Word/Excel/OpenDocument draft the server converts)
 * to `url` with a progress bar, refusing at once what the server would refuse. */
export function uploadZone(home, label, url, { offerRestricted = false } = {}) {
  const input = h("input", { type: "file", accept: UPLOAD_ACCEPT, class: "visually-hidden" });
  // Restricted from the first byte: readers are named afterwards in the document's settings.
  const restricted = offerRestricted ? h("input", { type: "checkbox", class: "upload-restricted" }) : null;
  const zone = h("div", { class: "upload-zone", dataset: { url } },
    h("label", { class: "button ghost small upload-button" }, "⬆ ", label, input),
    restricted ? h("label", { class: "inline upload-flag" }, restricted, t("upload_restricted")) : null,
    h("progress", { max: 100, value: 0, hidden: true }),
    h("span", { class: "muted upload-note", "aria-live": "polite" }),
    h("small", { class: "muted upload-hint" }, t("upload_hint")));
  const set = (state) => { uploads.set(url, state); showUpload(url); };
  input.addEventListener("change", async () => {
    const file = input.files[0];
    input.value = "";
    if (!file) return;
    const limits = await home.limits();
    const refused = precheck(file, limits.max_bytes ? limits : null);
    if (refused) {
      set({ note: refused, error: true });
      toast(refused, "error");
      return;
    }
    // A Word or Excel draft is turned into PDF once it has arrived: seconds with nothing
    // moving, so the note says what the server is doing.
    const office = /\.(docx|doc|xlsx|odt)$/i.test(file.name);
    const show = (fraction) => {
      const pct = Math.round(fraction * 100);
      set({ busy: true, pct, note: office && pct >= 100 ? t("converting", { name: file.name })
        : t("uploading", { name: file.name, pct }) });
    };
    show(0);
    try {
      const doc = await uploadPdf(url, file, restricted && restricted.checked ? { restricted: "true" } : {}, show);
      // The event may arrive before or after this answer; both are "set" updates.
      home.documents = [...home.documents.filter((d) => d.id !== doc.id), doc];
      uploads.delete(url);
      toast(t("uploaded"));
      home.rerender();
    } catch (err) {
      set({ note: err.message, error: true });
      toast(err.message, "error");
    }
  });
  queueMicrotask(() => showUpload(url));
  return zone;
}

function docDialog(home, doc, people) {
  const title = h("input", { id: "doc-title", value: doc.title, maxlength: 300 });
  const restricted = h("input", { type: "checkbox", id: "doc-restricted", checked: doc.restricted });
  const chosen = new Set(doc.readers.map((r) => r.id));
  const readers = h("div", { class: "people", id: "doc-readers" },
    people.map((p) => h("label", { class: "inline" },
      h("input", { type: "checkbox", value: p.user_id, checked: chosen.has(p.user_id) }), p.name,
      p.note ? h("span", { class: "muted" }, ` — ${p.note}`) : null)));
  // Restricted to nobody is allowed (readers are often named later), but said plainly.
  const nobody = h("p", { class: "notice", id: "doc-no-readers", role: "note" }, t(home.noReaders || "no_readers"));
  const showNobody = () => { nobody.hidden = Boolean(readers.querySelector("input:checked")); };
  readers.addEventListener("change", showNobody);
  showNobody();
  const readersBlock = h("div", { hidden: !doc.restricted }, h("p", { class: "muted" }, t("restricted_hint")),
    h("strong", {}, t("readers")), readers, nobody);
  restricted.addEventListener("change", () => { readersBlock.hidden = !restricted.checked; });
  const dialog = h("dialog", { class: "sheet-dialog" });
  const form = h("form", { method: "dialog" },
    h("h2", {}, t("doc_settings")),
    field(t("doc_title"), title),
    h("label", { class: "inline" }, restricted, t("restricted_label")),
    readersBlock,
    h("div", { class: "row upload-version" }, uploadZone(home, t("upload_new_version"), `/api/documents/${doc.id}/versions`)),
    h("div", { class: "row dialog-buttons" },
      h("button", { type: "button", class: "ghost danger", onclick: () => attempt(async () => {
        if (!await confirmDialog({ id: "remove-doc-dialog", title: t("remove_document"), danger: true,
                                   message: t("confirm_remove_doc", { title: doc.title }),
                                   confirmLabel: t("remove_document") })) return;
        await del(`/api/documents/${doc.id}`);
        home.documents = home.documents.filter((d) => d.id !== doc.id);
        dialog.close();
        home.rerender();
      }) }, t("remove_document")),
      h("span", { class: "spacer" }),
      h("button", { type: "button", class: "ghost", onclick: () => dialog.close() }, t("cancel")),
      h("button", { type: "submit", id: "doc-save" }, t("save"))));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(async () => {
      const ids = [...readers.querySelectorAll("input:checked")].map((i) => Number(i.value));
      const saved = await put(`/api/documents/${doc.id}`, {
        title: title.value, restricted: restricted.checked, readers: restricted.checked ? ids : [],
      });
      home.documents = [...home.documents.filter((d) => d.id !== saved.id), saved];
      dialog.close();
      toast(t("saved_doc"));
      home.rerender();
    }, form.querySelector("#doc-save"));
  });
  dialog.append(form);
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}
