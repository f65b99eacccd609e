// The drafts put to the members (the draft decision, its explanatory report): listed on the
// consultation's page and opened in the same reader as a meeting's documents; the office
// adds, restricts and replaces them while it prepares, and they are fixed once submitted.
import { get } from "../api.js";
import { t } from "../i18n.js";
import { onNotice } from "../live.js";
import { h } from "../ui.js";
import { docRow, uploadZone } from "./document_list.js";
import { listDocuments } from "./reader_pdf.js";
import "./consultations_i18n.js";

const byPosition = (a, b) => a.position - b.position || a.id - b.id;

export class Drafts {
  constructor(consultationId, redraw) {
    this.id = consultationId;
    this.documents = [];
    this.limits = null;
    this.redraw = redraw;
  }

  /** Fetch the drafts the user may see, and the node's upload and page limits. */
  async load() {
    const data = await get(`/api/consultations/${this.id}/documents`);
    this.documents = data.documents;
    this.limits = data.limits;
  }

  /** Follow the drafts' notices (added, processed, renamed, restricted, removed). */
  follow() {
    const mine = (fn) => (data) => { if (data.consultation_id === this.id) { fn(data); this.redraw(); } };
    return [
      onNotice("document.updated", mine((data) => {
        this.documents = [...this.documents.filter((d) => d.id !== data.document.id), data.document];
      })),
      onNotice("document.removed", mine((data) => {
        this.documents = this.documents.filter((d) => d.id !== data.document_id);
      })),
    ];
  }

  /** The drafts as document_list.js sees them; readers are chosen among the members asked. */
  home(c) {
    const drafts = this;
    return {
      get documents() { return drafts.documents; },
      set documents(list) { drafts.documents = list; },
      rerender: () => drafts.redraw(),
      href: (doc) => `/consultations/${drafts.id}/documents/${doc.id}`,
      limits: async () => drafts.limits || (await drafts.load(), drafts.limits),
      people: async () => (c.members || []).map((m) => ({ user_id: m.user_id, name: m.name, note: m.title || m.unit })),
      noReaders: "cs_drafts_no_readers",
    };
  }

  /** The card: nothing for a member when there are no drafts. */
  card(c) {
    const editable = c.status === "draft" && (c.actions || []).includes("edit");
    const docs = [...this.documents].sort(byPosition);
    if (!docs.length && !editable) return null;
    listDocuments(docs);
    const home = this.home(c);
    return h("section", { class: "card cs-drafts", id: "cs-drafts" },
      h("h2", {}, t("cs_drafts"), docs.length ? h("span", { class: "muted" }, ` (${docs.length})`) : null),
      editable ? h("p", { class: "muted small-text" }, t("cs_drafts_hint")) : null,
      docs.length ? h("ul", { class: "doc-list" }, docs.map((d) => docRow(home, d, editable)))
        : h("p", { class: "muted small-note" }, t("cs_drafts_none")),
      editable ? uploadZone(home, t("upload_pdf"), `/api/consultations/${this.id}/documents`, { offerRestricted: true }) : null);
  }
}
