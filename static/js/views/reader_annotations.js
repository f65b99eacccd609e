// The reader's overlays: highlights (drag across words), ink strokes and sticky notes, kept
// in page-relative coordinates, private unless shared; shared ones from others arrive live.
import { del, get, post, put } from "../api.js";
import { t } from "../i18n.js";
import { session } from "../session.js";
import { attempt, h, toast } from "../ui.js";
import "./documents_i18n.js";

const SVG = "http://www.w3.org/2000/svg";
const COLOURS = { highlight: "#ffeb3b", ink: "#d32f2f", note: "#ffc107" };
const INK_WIDTH = 0.003;

function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
  return el;
}

/** Word boxes from index a to b merged into one rectangle per text line. */
function lineRects(words, a, b) {
  const [from, to] = a <= b ? [a, b] : [b, a];
  const rects = [];
  for (const [x0, y0, x1, y1] of words.slice(from, to + 1)) {
    const last = rects[rects.length - 1];
    const mid = (y0 + y1) / 2;
    if (last && mid > last[1] && mid < last[3]) {
      last[0] = Math.min(last[0], x0); last[1] = Math.min(last[1], y0);
      last[2] = Math.max(last[2], x1); last[3] = Math.max(last[3], y1);
    } else {
      rects.push([x0, y0, x1, y1]);
    }
  }
  return rects;
}

function nearestWord(words, p) {
  let best = -1;
  let bestDist = Infinity;
  words.forEach(([x0, y0, x1, y1], i) => {
    const dx = p.x < x0 ? x0 - p.x : p.x > x1 ? p.x - x1 : 0;
    const dy = p.y < y0 ? y0 - p.y : p.y > y1 ? p.y - y1 : 0;
    const dist = dx + dy * 3; // lines matter more than columns
    if (dist < bestDist) { bestDist = dist; best = i; }
  });
  return bestDist < 0.05 ? best : -1;
}

export class Annotations {
  constructor(reader) {
    this.reader = reader;
    this.items = new Map();
    this.draft = null;
    this.layer = svg("svg", { class: "ink-layer", viewBox: "0 0 1 1", preserveAspectRatio: "none", "aria-hidden": "true" });
    this.pins = h("div", { class: "note-layer" });
    reader.sheet.append(this.layer, this.pins);
    this.load();
  }

  get docId() { return this.reader.docId; }

  get versionId() { return this.reader.version.id; }

  async load() {
    try {
      const list = await get(`/api/documents/${this.docId}/annotations?version=${this.versionId}`);
      for (const a of list) this.items.set(a.id, a);
    } catch {
      // Offline: the overlays come back with the network.
    }
    this.render();
    if (this.reader.panelKind === "notes") this.renderPanel();
  }

  /** A live annotation event (mine from another device, or someone's shared one). */
  apply(event) {
    const data = event.data;
    if (event.type === "annotation.updated") {
      const a = data.annotation;
      if (a.document_id !== this.docId || a.version_id !== this.versionId) return;
      this.items.set(a.id, a);
    } else if (data.document_id === this.docId) {
      this.items.delete(data.annotation_id);
    } else {
      return;
    }
    this.render();
    if (this.reader.panelKind === "notes") this.renderPanel();
  }

  onPage() {
    return [...this.items.values()].filter((a) => a.page === this.reader.page)
      .sort((a, b) => a.id - b.id);
  }

  render() {
    const base = this.reader.base ? this.reader.base.w : 800;
    const shapes = [];
    const pins = [];
    for (const a of this.onPage()) {
      const mine = a.user_id === session.user.id;
      if (a.kind === "highlight") {
        for (const [x0, y0, x1, y1] of a.data.rects) {
          shapes.push(svg("rect", { x: x0, y: y0, width: x1 - x0, height: y1 - y0, fill: a.colour,
            class: `hl${mine ? "" : " theirs"}`, "data-annotation": a.id }));
        }
      } else if (a.kind === "ink") {
        for (const stroke of a.data.strokes) {
          shapes.push(svg("polyline", { points: stroke.map((p) => p.join(",")).join(" "), stroke: a.colour,
            "stroke-width": Math.max(1.5, a.data.width * base), class: "ink", "data-annotation": a.id }));
        }
      } else {
        pins.push(h("button", { type: "button", class: `note-pin${mine ? "" : " theirs"}${a.shared ? " shared" : ""}`,
          style: `left:${a.data.x * 100}%;top:${a.data.y * 100}%;--pin:${a.colour}`, dataset: { annotation: a.id },
          title: a.data.text, "aria-label": `${t("kind_note")}: ${a.data.text}`,
          onclick: (event) => { event.stopPropagation(); this.popover(a, event.currentTarget); } }, "✉"));
      }
    }
    this.layer.replaceChildren(...shapes);
    this.pins.replaceChildren(...pins);
  }

  // -- drawing (called by the gestures) ------------------------------------------------------

  begin(tool, point) {
    if (tool === "ink") {
      this.draft = { tool, points: [[point.x, point.y]],
        line: svg("polyline", { stroke: COLOURS.ink, class: "ink drafting",
          "stroke-width": Math.max(1.5, INK_WIDTH * this.reader.base.w) }) };
      this.layer.append(this.draft.line);
      this.drawDraft();
    } else if (tool === "highlight") {
      const words = this.reader.words.get(this.reader.page) || [];
      const start = nearestWord(words, point);
      if (start < 0) return;
      this.draft = { tool, words, start, end: start, group: svg("g", { class: "drafting" }) };
      this.layer.append(this.draft.group);
      this.drawDraft();
    } else if (tool === "note") {
      this.draft = { tool, point };
    }
  }

  extend(point) {
    const d = this.draft;
    if (!d) return;
    if (d.tool === "ink") {
      const [lx, ly] = d.points[d.points.length - 1];
      if (Math.hypot(point.x - lx, point.y - ly) > 0.002 && d.points.length < 2000) d.points.push([point.x, point.y]);
    } else if (d.tool === "highlight") {
      const end = nearestWord(d.words, point);
      if (end >= 0) d.end = end;
    }
    this.drawDraft();
  }

  drawDraft() {
    const d = this.draft;
    if (d.tool === "ink") {
      d.line.setAttribute("points", d.points.map((p) => p.map((v) => v.toFixed(4)).join(",")).join(" "));
    } else if (d.tool === "highlight") {
      d.group.replaceChildren(...lineRects(d.words, d.start, d.end).map(([x0, y0, x1, y1]) =>
        svg("rect", { x: x0, y: y0, width: x1 - x0, height: y1 - y0, fill: COLOURS.highlight, class: "hl" })));
    }
  }

  /** Finish a stroke; `tap` is where a short tap landed (notes are placed by tapping). */
  end(tap) {
    const d = this.draft;
    this.draft = null;
    if (!d) return;
    if (d.tool === "ink") {
      d.line.remove();
      const points = d.points.length === 1 ? [d.points[0], d.points[0]] : d.points;
      this.save("ink", { strokes: [points.map(([x, y]) => [+x.toFixed(4), +y.toFixed(4)])], width: INK_WIDTH });
    } else if (d.tool === "highlight") {
      d.group.remove();
      this.save("highlight", { rects: lineRects(d.words, d.start, d.end).map((r) => r.map((v) => +v.toFixed(4))) });
    } else if (d.tool === "note" && tap) {
      this.noteDialog(tap);
    }
  }

  cancel() {
    const d = this.draft;
    this.draft = null;
    if (d && d.line) d.line.remove();
    if (d && d.group) d.group.remove();
  }

  async save(kind, data, shared = false) {
    return attempt(async () => {
      const a = await post(`/api/documents/${this.docId}/annotations`, {
        version_id: this.versionId, page: this.reader.page, kind, data, colour: COLOURS[kind], shared,
      });
      this.items.set(a.id, a);
      this.render();
      if (this.reader.panelKind === "notes") this.renderPanel();
      return a;
    });
  }

  noteDialog(point) {
    const text = h("textarea", { id: "note-text", placeholder: t("note_placeholder"), maxlength: 4000, required: true });
    const share = h("input", { type: "checkbox", id: "note-share" });
    const dialog = h("dialog", { class: "sheet-dialog note-dialog" });
    const form = h("form", { method: "dialog" },
      h("h2", {}, t("kind_note"), " · ", t("page_n", { n: this.reader.page })), text,
      h("label", { class: "inline" }, share, t("share")),
      h("div", { class: "row dialog-buttons" }, h("span", { class: "spacer" }),
        h("button", { type: "button", class: "ghost", onclick: () => dialog.close() }, t("cancel")),
        h("button", { type: "submit", id: "note-save" }, t("note_save"))));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!text.value.trim()) return;
      const saved = await this.save("note", { x: +point.x.toFixed(4), y: +point.y.toFixed(4), text: text.value }, share.checked);
      if (saved) {
        toast(t("note_saved"));
        dialog.close();
      }
    });
    dialog.append(form);
    dialog.addEventListener("close", () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
    text.focus();
  }

  actions(a) {
    if (a.user_id !== session.user.id) return [];
    return [
      h("button", { type: "button", class: "ghost small", dataset: { share: a.id }, onclick: () => attempt(async () => {
        const updated = await put(`/api/annotations/${a.id}`, { shared: !a.shared });
        this.items.set(updated.id, updated);
        this.render();
        this.closePopover();
        if (this.reader.panelKind === "notes") this.renderPanel();
      }) }, a.shared ? t("unshare") : t("share")),
      h("button", { type: "button", class: "ghost small danger", onclick: () => attempt(async () => {
        await del(`/api/annotations/${a.id}`);
        this.items.delete(a.id);
        this.render();
        this.closePopover();
        if (this.reader.panelKind === "notes") this.renderPanel();
      }) }, t("delete")),
    ];
  }

  describe(a) {
    const mine = a.user_id === session.user.id;
    return h("div", { class: "annotation-info" },
      h("div", { class: "row" }, h("strong", {}, t(`kind_${a.kind}`)),
        h("span", { class: `badge ${a.shared ? "shared" : "private"}` }, a.shared ? t("shared_badge") : t("private_badge")),
        mine ? null : h("span", { class: "muted" }, t("by_author", { name: a.author }))),
      a.kind === "note" ? h("p", { class: "note-text" }, a.data.text) : null);
  }

  popover(a, pin) {
    this.closePopover();
    const box = h("div", { class: "note-popover", role: "dialog" }, this.describe(a),
      h("div", { class: "row" }, ...this.actions(a), h("span", { class: "spacer" }),
        h("button", { type: "button", class: "ghost small icon", "aria-label": t("cancel"), onclick: () => this.closePopover() }, "×")));
    box.style.left = pin.style.left;
    box.style.top = pin.style.top;
    this.pins.append(box);
    this.open = box;
  }

  closePopover() {
    if (this.open) this.open.remove();
    this.open = null;
  }

  renderPanel() {
    const reader = this.reader;
    const list = this.onPage();
    reader.panel.replaceChildren(
      h("div", { class: "panel-head" }, h("h2", {}, t("page_annotations", { n: reader.page })),
        h("button", { type: "button", class: "ghost small icon", "aria-label": t("cancel"), onclick: () => reader.togglePanel("notes") }, "×")),
      list.length ? h("ul", { class: "annotation-list", id: "annotation-list" }, list.map((a) =>
        h("li", { dataset: { annotation: a.id } }, this.describe(a), h("div", { class: "row" }, ...this.actions(a)))))
        : h("p", { class: "muted" }, t("no_annotations")),
      reader.info.downloadable ? h("a", { class: "button ghost small", href: `/api/documents/${this.docId}/annotated-copy`, download: "" }, "⬇ ", t("annotated_copy")) : null);
  }
}
