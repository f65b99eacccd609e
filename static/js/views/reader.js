// The document reader for tablets: one page at a time, drawn on the tablet by PDF.js from
// the document's PDF (reader_pdf.js), or as a server-rendered image for restricted
// documents and devices that cannot run PDF.js; a transparent text layer for selection
// and search, swipe and pinch-zoom, a thumbnail strip, jump to page, search in the
// document or all of its meeting's (or consultation's), diacritics optional; the reader's own
// highlights, ink and notes, placed in page fractions whichever way the page is drawn.
import { get } from "../api.js";
import { t } from "../i18n.js";
import { onNotice } from "../live.js";
import { followMeeting } from "../meeting_state.js";
import { navigate } from "../router.js";
import { attempt, h, mount, toast } from "../ui.js";
import { drawsPdfs, dropBriefcase, dropDocument, pickWidth, rememberPdfSupport, syncBriefcase } from "./briefcase.js";
import { fold, markMatch, markSeen } from "./document_upload.js";
import "./documents_i18n.js";
import { Annotations } from "./reader_annotations.js";
import { Gestures } from "./reader_gestures.js";
import { listedVersion, openPdf } from "./reader_pdf.js";
import { promptLayer, promptReducers } from "./prompts.js";

const MAX_ZOOM = 5;
const ICONS = {
  read: "M5 3l6 16 2.2-6.8L20 10z",
  highlight: "M4 20h7M14.5 4.5l5 5L11 18H6v-5z",
  ink: "M4 20l1-4L16 5l3 3L8 19zM14 7l3 3",
  note: "M5 4h14v10l-5 6H5zM14 20v-6h5",
  search: "M10.5 4a6.5 6.5 0 1 1 0 13 6.5 6.5 0 0 1 0-13zM15.5 15.5L20 20",
  notes: "M5 6h14M5 12h14M5 18h9",
  more: "M6 12h.01M12 12h.01M18 12h.01",
  minus: "M6 12h12", plus: "M6 12h12M12 6v12",
  back: "M15 5l-7 7 7 7", prev: "M15 5l-7 7 7 7", next: "M9 5l7 7-7 7",
};

function icon(name) {
  const ns = "http://www.w3.org/2000/svg";
  const el = document.createElementNS(ns, "svg");
  el.setAttribute("viewBox", "0 0 24 24");
  el.setAttribute("class", "icon");
  el.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", ICONS[name]);
  el.append(path);
  return el;
}

function pageUrl(docId, versionId, n, kind, width) {
  const base = `/api/documents/${docId}/versions/${versionId}/pages/${n}/${kind}`;
  return width ? `${base}?w=${width}` : base;
}

/** A meeting's document: back to its agenda, kept offline while the meeting runs, its
 * changes (and the prompts of the session) on the meeting's channel. */
function meetingHome(id) {
  return {
    meetingId: id,
    consultationId: null,
    base: `/meetings/${id}`,
    back: `/meetings/${id}/agenda`,
    limits: () => get(`/api/meetings/${id}/agenda`).then((a) => a.limits),
    searchUrl: (q) => `/api/meetings/${id}/search?q=${encodeURIComponent(q)}`,
    searchAll: "reader_search_all",
    backLabel: "reader_back",
  };
}

/** A consultation's draft: back to the consultation; its changes arrive as notices. */
function consultationHome(id) {
  return {
    meetingId: null,
    consultationId: id,
    base: `/consultations/${id}`,
    back: `/consultations/${id}`,
    limits: () => get(`/api/consultations/${id}/documents`).then((d) => d.limits),
    searchUrl: (q) => `/api/consultations/${id}/search?q=${encodeURIComponent(q)}`,
    searchAll: "reader_search_drafts",
    backLabel: "reader_back_consultation",
  };
}

export function readerView(params, query) {
  return openReader(meetingHome(Number(params.id)), Number(params.doc), query);
}

export function draftReaderView(params, query) {
  return openReader(consultationHome(Number(params.id)), Number(params.doc), query);
}

async function openReader(home, docId, query) {
  document.body.classList.add("reading");
  const status = h("p", { class: "muted reader-loading" }, t("loading"));
  mount(status);
  // The PDF starts coming beside the reader's other requests when the agenda said which.
  const hint = drawsPdfs() && query.get("render") !== "pages" ? listedVersion(docId) : null;
  const early = hint ? openPdf(pdfUrl(docId, hint.id), hint.size).catch(() => null) : null;
  let info;
  let limits;
  try {
    [info, limits] = await Promise.all([
      get(`/api/documents/${docId}`),
      home.limits(),
    ]);
  } catch (err) {
    toast(err.message, "error");
    if (err.status === 404 || err.status === 403) {
      dropDocument(docId);
      navigate(home.back, { replace: true });
    }
    early?.then((pages) => pages?.close());
    return () => document.body.classList.remove("reading");
  }
  const reader = new Reader(home, docId, info, limits, query);
  const opening = drawablePdf(docId, info, query, hint, early);
  // Kept (briefcase) or quick: drawn by PDF.js at once. Slow (a big PDF over weak Wi-Fi):
  // the server's picture of the page shows meanwhile, and PDF.js takes over when ready.
  // Offline there is no picture to show meanwhile: the PDF is the briefcase's or nothing.
  const quick = !navigator.onLine ? await opening
    : await Promise.race([opening, new Promise((resolve) => { setTimeout(resolve, PREVIEW_AFTER_MS, PENDING); })]);
  if (quick !== PENDING) reader.pdf = quick;
  reader.upgrading = quick === PENDING;
  reader.mount();
  if (quick === PENDING) opening.then((pages) => reader.upgrade(pages));
  return () => reader.close();
}

const PENDING = Symbol("pending");
const PREVIEW_AFTER_MS = 150;

const pdfUrl = (docId, versionId) => `/api/documents/${docId}/versions/${versionId}/pdf`;

/** The document's PDF opened by PDF.js, or null where pages come from the server:
 * restricted documents (never downloadable), `?render=pages`, or PDF.js failing here.
 * `early` is the listed version (`hint`) already opening, used if still the readable one. */
async function drawablePdf(docId, info, query, hint, early) {
  const version = info.readable;
  const drawable = version && info.downloadable && !info.restricted && query.get("render") !== "pages"
    && drawsPdfs(); // not on a device found not to run PDF.js
  if (early && drawable && hint.id === version.id) {
    const pages = await early;
    if (pages) return pages;
  } else {
    early?.then((pages) => pages?.close());
  }
  if (!drawable) return null;
  try {
    const pages = await openPdf(pdfUrl(docId, version.id), version.size);
    rememberPdfSupport(true);
    return pages;
  } catch (err) {
    if (err.unsupported) rememberPdfSupport(false);
    return null;
  }
}

class Reader {
  constructor(home, docId, info, limits, query) {
    this.home = home;
    this.meetingId = home.meetingId;
    this.docId = docId;
    this.info = info;
    this.limits = limits;
    this.version = info.readable;
    this.sizes = info.pages || [];
    this.count = this.version ? this.version.pages : 0;
    this.page = Math.min(Math.max(1, Number(query.get("page")) || 1), Math.max(1, this.count));
    this.query = query.get("q") || "";
    this.words = new Map();
    this.zoom = 1;
    this.pan = { x: 0, y: 0 };
    this.tool = "read";
    this.width = pickWidth(limits.widths);
    this.cleanups = [];
  }

  // -- layout ---------------------------------------------------------------------------

  mount() {
    const info = this.info;
    this.pageInput = h("input", { id: "page-input", type: "number", min: 1, max: this.count, value: this.page,
      "aria-label": t("reader_goto"), inputmode: "numeric" });
    this.pageInput.addEventListener("change", () => this.go(Number(this.pageInput.value)));
    const toolButton = (tool) => h("button", { type: "button", class: "tool", title: t(`tool_${tool}`),
      "aria-label": t(`tool_${tool}`), "aria-pressed": String(tool === this.tool), dataset: { tool },
      onclick: () => this.setTool(tool) }, icon(tool), h("span", { class: "tool-label" }, t(`tool_${tool}`)));
    this.toolButtons = ["read", "highlight", "ink", "note"].map(toolButton);
    const tools = info.restricted ? [this.toolButtons[0], this.toolButtons[2], this.toolButtons[3]] : this.toolButtons;
    this.menu = h("div", { class: "reader-menu", hidden: true },
      info.downloadable ? h("a", { class: "button ghost small", href: `/api/documents/${this.docId}/versions/${this.version?.id}/original`, download: "" }, t("download")) : null,
      info.downloadable ? h("a", { class: "button ghost small", id: "annotated-copy", href: `/api/documents/${this.docId}/annotated-copy`, download: "" }, t("annotated_copy")) : null);
    this.bar = h("header", { class: "reader-bar" },
      h("a", { class: "button ghost small back", href: this.home.back, "data-link": true }, icon("back"), h("span", { class: "tool-label" }, t(this.home.backLabel))),
      h("div", { class: "reader-title", id: "reader-title" }, info.restricted ? h("span", { class: "badge restricted" }, t("restricted_badge")) : null, " ", info.title,
        info.versions > 1 && this.version ? h("span", { class: "muted" }, ` · ${t("version_n", { n: this.version.number })}`) : null),
      h("div", { class: "pager" },
        h("button", { type: "button", class: "ghost small icon", id: "prev-page", "aria-label": t("reader_prev"), onclick: () => this.go(this.page - 1) }, icon("prev")),
        this.pageInput, h("span", { class: "muted" }, t("pages_total", { n: this.count })),
        h("button", { type: "button", class: "ghost small icon", id: "next-page", "aria-label": t("reader_next"), onclick: () => this.go(this.page + 1) }, icon("next"))),
      h("div", { class: "tools" }, ...tools,
        h("span", { class: "tool-gap" }),
        h("button", { type: "button", class: "tool", title: t("tool_zoom_out"), "aria-label": t("tool_zoom_out"), onclick: () => this.zoomBy(1 / 1.4) }, icon("minus")),
        h("button", { type: "button", class: "tool", title: t("tool_zoom_in"), "aria-label": t("tool_zoom_in"), onclick: () => this.zoomBy(1.4) }, icon("plus")),
        h("button", { type: "button", class: "tool", id: "search-toggle", title: t("reader_search"), "aria-label": t("reader_search"), onclick: () => this.togglePanel("search") },
          icon("search"), h("span", { class: "tool-label" }, t("reader_search"))),
        h("button", { type: "button", class: "tool", id: "notes-toggle", title: t("my_annotations"), "aria-label": t("my_annotations"), onclick: () => this.togglePanel("notes") }, icon("notes")),
        info.downloadable ? h("button", { type: "button", class: "tool", id: "more-toggle", title: t("more"), "aria-label": t("more"), onclick: () => { this.menu.hidden = !this.menu.hidden; } }, icon("more")) : null),
      this.menu);
    this.banner = h("div", { class: "reader-banners", "aria-live": "polite" },
      info.restricted ? h("div", { class: "notice restricted-banner" }, t("restricted_banner")) : null);
    this.img = this.pdf ? h("canvas", { class: "page-img page-canvas", id: "page-canvas" })
      : h("img", { class: "page-img", id: "page-img", alt: "", draggable: "false" });
    this.textLayer = h("div", { class: `text-layer${info.restricted ? " view-only" : ""}`, id: "text-layer" });
    this.sheet = h("div", { class: "sheet", id: "sheet" }, this.img, this.textLayer);
    this.viewport = h("div", { class: "viewport", id: "viewport", tabindex: 0 }, this.sheet);
    this.panel = h("aside", { class: "side-panel", id: "side-panel", hidden: true });
    this.thumbs = h("nav", { class: "thumbs", id: "thumbs", "aria-label": t("thumbnails") });
    this.root = h("div", { class: "reader", id: "reader" }, this.bar, this.banner,
      h("div", { class: "reader-body" }, this.viewport, this.panel), this.thumbs);
    mount(this.root);
    if (!this.version) {
      this.viewport.replaceChildren(h("div", { class: "empty-state" }, h("span", { class: "spinner" }), " ", t("reader_processing")));
      this.listen();
      return;
    }
    markSeen("doc", this.docId, (info.version || this.version).number);
    this.notes = new Annotations(this);
    this.gestures = new Gestures(this);
    this.firstDrawn = new Promise((resolve) => { this.onFirstDrawn = resolve; });
    this.buildThumbs();
    this.layout();
    this.go(this.page, { force: true });
    const onResize = () => {
      const before = this.base.w;
      this.layout();
      this.applyTransform();
      if (this.pdf && this.base.w > before * 1.1) this.drawPdf(this.page, { sharpen: true });
    };
    window.addEventListener("resize", onResize);
    this.cleanups.push(() => window.removeEventListener("resize", onResize));
    const onKey = (event) => {
      if (event.target.closest("input, textarea, dialog")) return;
      if (["ArrowRight", "PageDown"].includes(event.key)) this.go(this.page + 1);
      else if (["ArrowLeft", "PageUp"].includes(event.key)) this.go(this.page - 1);
    };
    document.addEventListener("keydown", onKey);
    this.cleanups.push(() => document.removeEventListener("keydown", onKey));
    const onNet = () => this.showOffline();
    window.addEventListener("online", onNet);
    window.addEventListener("offline", onNet);
    this.cleanups.push(() => { window.removeEventListener("online", onNet); window.removeEventListener("offline", onNet); });
    // Opened from the briefcase with no network: say so now, not at the next change.
    this.showOffline();
    this.listen();
    if (this.query) this.openSearch(this.query);
    this.keepOffline = () => {
      if (["published", "in_session", "adjourned"].includes(info.meeting_status)) {
        syncBriefcase(this.meetingId, this.limits.widths, { first: this.docId });
      }
    };
    // The page first; the briefcase's download would share the Wi-Fi with it. (A reader
    // showing pictures while its PDF comes starts it once the PDF is drawn: `upgrade`.)
    if (!this.pdf && !this.upgrading) this.keepOffline();
  }

  close() {
    this.closed = true;
    document.body.classList.remove("reading");
    this.cleanups.forEach((fn) => fn());
    this.thumbObserver?.disconnect();
    this.pdf?.close();
    if (this.channel) this.channel.close();
    if (this.prompts) this.prompts.close();
  }

  /** Base size of the sheet: the whole page fits the viewport (zoom then magnifies). */
  layout() {
    const [pw, ph] = this.sizes[this.page - 1] || [595, 842];
    const box = this.viewport.getBoundingClientRect();
    const availW = Math.max(200, box.width - 16);
    const availH = Math.max(200, box.height - 16);
    // The whole page in view; pinch or double-tap to read small print.
    const scale = Math.min(availW / pw, availH / ph);
    this.base = { w: Math.round(pw * scale), h: Math.round(ph * scale) };
    this.sheet.style.width = `${this.base.w}px`;
    this.sheet.style.height = `${this.base.h}px`;
    // A picture shown only until PDF.js draws the page need not be sharp for every pixel
    // of the screen: the lighter one, one image pixel per CSS pixel, arrives sooner.
    this.width = this.upgrading && !this.pdf ? pickWidth(this.limits.widths, this.base.w / (window.devicePixelRatio || 1))
      : pickWidth(this.limits.widths, this.base.w);
  }

  applyTransform() {
    const box = this.viewport.getBoundingClientRect();
    const w = this.base.w * this.zoom;
    const hgt = this.base.h * this.zoom;
    // Keep the page on screen: centred when smaller than the viewport, else clamped.
    const clamp = (value, size, avail) => (size <= avail ? (avail - size) / 2 : Math.min(0, Math.max(avail - size, value)));
    this.pan.x = clamp(this.pan.x, w, box.width);
    this.pan.y = clamp(this.pan.y, hgt, box.height);
    this.sheet.style.transform = `translate(${this.pan.x}px, ${this.pan.y}px) scale(${this.zoom})`;
  }

  zoomTo(zoom, cx, cy) {
    const box = this.viewport.getBoundingClientRect();
    const x = cx ?? box.width / 2;
    const y = cy ?? box.height / 2;
    const next = Math.min(MAX_ZOOM, Math.max(1, zoom));
    this.pan.x = x - ((x - this.pan.x) * next) / this.zoom;
    this.pan.y = y - ((y - this.pan.y) * next) / this.zoom;
    this.zoom = next;
    this.applyTransform();
    this.sharpen();
  }

  zoomBy(factor) { this.zoomTo(this.zoom * factor); }

  /** After zooming in, fetch a wider image so text stays crisp. */
  sharpen() {
    clearTimeout(this.sharpenTimer);
    this.sharpenTimer = setTimeout(() => {
      if (this.pdf) {
        if (this.zoom > (this.drawnZoom || 1)) this.drawPdf(this.page, { sharpen: true });
        return;
      }
      const want = pickWidth(this.limits.widths, this.base.w * this.zoom);
      if (want > this.width) {
        this.width = want;
        this.img.src = pageUrl(this.docId, this.version.id, this.page, "image", this.width);
      }
    }, 250);
  }

  buildThumbs() {
    const restricted = this.info.restricted;
    const buttons = [];
    for (let n = 1; n <= this.count; n += 1) {
      const [pw, ph] = this.sizes[n - 1] || [595, 842];
      buttons.push(h("button", { type: "button", class: "thumb", dataset: { page: n }, "aria-label": t("page_n", { n }),
        style: `aspect-ratio: ${pw} / ${ph}`, onclick: () => this.go(n) },
        restricted ? null : this.pdf ? h("canvas", { class: "thumb-canvas", dataset: { page: n } })
          : h("img", { loading: "lazy", alt: "", src: pageUrl(this.docId, this.version.id, n, "thumbnail") }),
        h("span", { class: "thumb-no" }, String(n))));
    }
    this.thumbs.replaceChildren(...buttons);
    if (this.pdf) this.drawThumbsWhenSeen();
  }

  /** PDF.js thumbnails, drawn one after another as they scroll into view, once the page
   * itself is drawn: over weak Wi-Fi their data must not delay it. */
  drawThumbsWhenSeen() {
    const queue = [];
    let busy = false;
    const pump = async () => {
      if (busy) return;
      busy = true;
      await this.firstDrawn;
      while (queue.length && this.pdf) {
        const canvas = queue.shift();
        try { await this.pdf.draw(canvas, Number(canvas.dataset.page), 90); } catch { /* left blank */ }
      }
      busy = false;
    };
    this.thumbObserver = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        this.thumbObserver.unobserve(entry.target);
        queue.push(entry.target);
      }
      pump();
    }, { root: this.thumbs, rootMargin: "200px" });
    for (const canvas of this.thumbs.querySelectorAll("canvas")) this.thumbObserver.observe(canvas);
  }

  /** PDF.js is ready after the page was shown as the server's picture: draw the page from
   * the PDF and put it in the picture's place; from now on pages come from the PDF. */
  async upgrade(pages) {
    if (!pages) {
      this.upgrading = false; // pictures it is, for good
      this.keepOffline?.();
      return;
    }
    if (this.closed) {
      pages.close();
      return;
    }
    const canvas = h("canvas", { class: "page-img page-canvas", id: "page-canvas" });
    const shown = this.page;
    const zoom = this.zoom;
    let drawn = false;
    try {
      drawn = await pages.draw(canvas, shown, this.base.w * zoom);
    } catch {
      drawn = false; // the pictures stay
    }
    if (!drawn || this.closed) {
      pages.close();
      if (!this.closed) this.upgrade(null);
      return;
    }
    // Only now: until the canvas is in place, page turns and resizes go on with pictures.
    this.pdf = pages;
    this.img.onload = this.img.onerror = null; // a picture still loading is not shown
    this.img.replaceWith(canvas);
    this.img = canvas;
    this.upgrading = false;
    this.drawnZoom = zoom;
    // Words the server could not give (offline) come from the PDF now.
    if (!this.words.get(this.page)?.length) {
      this.words.delete(this.page);
      this.loadWords(this.page);
    }
    if (shown === this.page) this.sheet.dataset.drawn = String(shown);
    else this.drawPdf(this.page);
    this.onFirstDrawn();
    this.keepOffline?.();
    this.keepOffline = null;
  }

  /** Draw page n with PDF.js at the current zoom; the briefcase starts after the first. */
  async drawPdf(n, { sharpen = false } = {}) {
    const zoom = this.zoom;
    // A new page fades in; the same page redrawn sharper keeps showing meanwhile.
    if (!sharpen) this.img.classList.add("loading");
    try {
      const drawn = await this.pdf.draw(this.img, n, this.base.w * zoom);
      if (drawn && n === this.page) {
        this.drawnZoom = zoom;
        this.sheet.dataset.drawn = String(n);
      }
    } catch (err) {
      if (n === this.page) toast(err.message, "error");
    } finally {
      if (n === this.page) this.img.classList.remove("loading");
    }
    this.onFirstDrawn();
    if (this.keepOffline) {
      const keep = this.keepOffline;
      this.keepOffline = null;
      keep();
    }
  }

  // -- pages ------------------------------------------------------------------------------

  go(n, { force = false } = {}) {
    if (!this.version) return;
    const target = Math.min(Math.max(1, Math.round(n) || 1), this.count);
    if (target === this.page && !force) return;
    this.page = target;
    this.pageInput.value = target;
    this.zoom = 1;
    this.pan = { x: 0, y: 0 };
    this.layout();
    this.applyTransform();
    this.sheet.dataset.page = target;
    delete this.sheet.dataset.drawn;
    if (this.pdf) {
      this.drawnZoom = 1;
      this.drawPdf(target);
    } else {
      this.img.classList.add("loading");
      const img = this.img;
      img.onload = () => {
        img.classList.remove("loading");
        // A picture arriving late (the page turned, or PDF.js took over) says nothing.
        if (target === this.page && img === this.img) this.sheet.dataset.drawn = String(target);
      };
      this.img.onerror = () => this.img.classList.remove("loading");
      this.img.src = pageUrl(this.docId, this.version.id, target, "image", this.width);
    }
    this.textLayer.replaceChildren();
    this.loadWords(target);
    this.notes.render();
    for (const thumb of this.thumbs.children) {
      const active = Number(thumb.dataset.page) === target;
      thumb.classList.toggle("active", active);
      if (active) thumb.scrollIntoView({ block: "nearest", inline: "center" });
    }
    for (const near of [target + 1, target - 1]) {
      if (near < 1 || near > this.count) continue;
      if (this.pdf) this.firstDrawn.then(() => this.pdf?.prefetch(near));
      else if (!this.upgrading) new Image().src = pageUrl(this.docId, this.version.id, near, "image", this.width);
    }
    const url = `${this.home.base}/documents/${this.docId}?page=${target}${this.query ? `&q=${encodeURIComponent(this.query)}` : ""}`;
    history.replaceState({}, "", url);
    if (this.panelKind === "notes") this.notes.renderPanel();
  }

  async loadWords(n) {
    let words = this.words.get(n);
    if (!words) {
      try {
        words = this.pdf ? await this.pdf.words(n) : (await get(pageUrl(this.docId, this.version.id, n, "words"))).words;
      } catch {
        words = [];
      }
      this.words.set(n, words);
    }
    if (n !== this.page) return;
    const spans = words.map(([x0, y0, x1, y1, word], i) => h("span", {
      dataset: { i },
      style: `left:${x0 * 100}%;top:${y0 * 100}%;width:${(x1 - x0) * 100}%;height:${(y1 - y0) * 100}%;font-size:${(y1 - y0) * this.base.h * 0.85}px`,
    }, `${word} `));
    this.textLayer.replaceChildren(...spans);
    this.markHits();
  }

  /** Highlight the current search's words on the page (diacritics optional). */
  markHits() {
    const words = this.words.get(this.page) || [];
    const spans = this.textLayer.children;
    for (const span of spans) span.classList.remove("hit");
    const tokens = fold(this.query).split(" ").filter(Boolean);
    if (!tokens.length) return;
    const folded = words.map((w) => fold(w[4]));
    for (let i = 0; i < folded.length; i += 1) {
      let ok = true;
      for (let k = 0; k < tokens.length && ok; k += 1) {
        const word = folded[i + k];
        if (word === undefined) ok = false;
        else if (tokens.length === 1) ok = word.includes(tokens[0]);
        else if (k === 0) ok = word.endsWith(tokens[0]);
        else if (k === tokens.length - 1) ok = word.startsWith(tokens[k]);
        else ok = word === tokens[k];
      }
      if (ok) for (let k = 0; k < tokens.length; k += 1) spans[i + k]?.classList.add("hit");
    }
  }

  // -- tools and panels ----------------------------------------------------------------------

  setTool(tool) {
    this.tool = tool;
    for (const button of this.toolButtons) button.setAttribute("aria-pressed", String(button.dataset.tool === tool));
    this.root.dataset.tool = tool;
    const hint = { highlight: "highlight_hint", ink: "ink_hint", note: "note_hint" }[tool];
    if (hint) toast(t(hint));
  }

  togglePanel(kind) {
    if (this.panelKind === kind && !this.panel.hidden) {
      this.panel.hidden = true;
      this.panelKind = null;
    } else {
      this.panelKind = kind;
      this.panel.hidden = false;
      if (kind === "search") this.openSearch(this.query);
      else this.notes.renderPanel();
    }
    requestAnimationFrame(() => { this.layout(); this.applyTransform(); });
  }

  openSearch(initial) {
    this.panelKind = "search";
    this.panel.hidden = false;
    const input = h("input", { type: "search", id: "reader-search", value: initial || "", placeholder: t("search_placeholder"), "aria-label": t("reader_search") });
    const scope = h("select", { id: "reader-search-scope", "aria-label": t("reader_search") },
      h("option", { value: "doc" }, t("reader_search_doc")), h("option", { value: "meeting" }, t(this.home.searchAll)));
    const results = h("div", { class: "search-results", id: "reader-search-results", "aria-live": "polite" });
    const form = h("form", { class: "search-form", role: "search" }, input, h("button", { type: "submit", class: "small" }, t("search")));
    const run = () => attempt(async () => {
      const q = input.value.trim();
      this.query = q;
      this.markHits();
      if (!q) { results.replaceChildren(); return; }
      const url = scope.value === "doc" ? `/api/documents/${this.docId}/search?q=${encodeURIComponent(q)}`
        : this.home.searchUrl(q);
      const { hits } = await get(url);
      results.replaceChildren(
        h("div", { class: "muted" }, hits.length ? t("search_hits", { n: hits.length }) : t("search_no_hits", { q })),
        h("ul", { class: "hit-list" }, hits.map((hit) => h("li", {},
          h("button", { type: "button", class: "hit", dataset: { page: hit.page, document: hit.document_id }, onclick: () => this.openHit(hit) },
            h("strong", {}, hit.document_id === this.docId ? t("page_n", { n: hit.page }) : `${hit.title} · ${t("page_n", { n: hit.page })}`),
            h("span", { class: "snippet" }, markMatch(hit.snippet, q)))))));
    });
    form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
    this.panel.replaceChildren(h("div", { class: "panel-head" }, h("h2", {}, t("reader_search")),
      h("button", { type: "button", class: "ghost small icon", "aria-label": t("cancel"), onclick: () => this.togglePanel("search") }, "×")), form, scope, results);
    if (initial) run();
    else input.focus();
  }

  openHit(hit) {
    if (hit.document_id === this.docId) {
      // On a phone the panel covers the page: close it so the highlighted words show.
      if (window.matchMedia("(max-width: 600px)").matches) this.togglePanel("search");
      this.go(hit.page, { force: hit.page === this.page });
    } else {
      navigate(`${this.home.base}/documents/${hit.document_id}?page=${hit.page}&q=${encodeURIComponent(this.query)}`);
    }
  }

  showOffline() {
    const existing = this.banner.querySelector(".offline-banner");
    if (navigator.onLine) existing?.remove();
    else if (!existing) this.banner.append(h("div", { class: "notice offline-banner" }, t("reader_offline")));
    // The banner takes room from the page: fit the page again.
    if (Boolean(existing) === navigator.onLine && this.base) requestAnimationFrame(() => { this.layout(); this.applyTransform(); });
  }


  // -- live ------------------------------------------------------------------------------------

  listen() {
    if (this.home.consultationId) {
      this.listenToNotices();
      return;
    }
    // The meeting's channel: this document's changes, and the prompts over the page (a vote
    // opened, the floor given, a request to speak), for which the state is kept (prompts.js).
    this.prompts = promptLayer({ meetingId: this.meetingId });
    this.channel = followMeeting(this.meetingId, {
      reducers: promptReducers,
      watchers: [this.prompts],
      onSnapshot: (snapshot) => {
        const still = (snapshot.documents || []).find((d) => d.id === this.docId);
        if (!still) return this.withdrawn();
        if (!this.version && still.readable) return this.reopen();
        this.noticeVersion(still);
        return undefined;
      },
      onEvent: (_state, event) => {
        const data = event.data || {};
        if (event.type === "document.updated" && data.document.id === this.docId) {
          if (!this.version && data.document.readable) this.reopen();
          else this.noticeVersion(data.document);
        } else if (event.type === "document.removed" && data.document_id === this.docId) {
          this.withdrawn();
        } else if (event.type === "agenda.item_removed" && data.item_id === this.info.item_id) {
          this.withdrawn();
        } else if (event.type === "meeting.status" && data.status === "closed") {
          dropBriefcase(this.meetingId);
        } else if (this.notes && (event.type === "annotation.updated" || event.type === "annotation.removed")) {
          this.notes.apply(event);
        }
      },
      onError: (error) => {
        if (error && error.code === "meeting_not_found") {
          dropBriefcase(this.meetingId);
          navigate("/", { replace: true });
        }
      },
    });
  }

  /** A consultation's draft: its changes and notes come as notices to the user. */
  listenToNotices() {
    const mine = (handler) => (data) => { if (data.consultation_id === this.home.consultationId) handler(data); };
    const offs = [
      onNotice("document.updated", mine((data) => {
        if (data.document.id !== this.docId) return;
        if (!this.version && data.document.readable) this.reopen();
        else this.noticeVersion(data.document);
      })),
      onNotice("document.removed", mine((data) => { if (data.document_id === this.docId) this.withdrawn(); })),
      ...["annotation.updated", "annotation.removed"].map((type) => onNotice(type, mine((data) => {
        this.notes?.apply({ type, data });
      }))),
    ];
    this.cleanups.push(() => offs.forEach((off) => off()));
  }

  withdrawn() {
    dropDocument(this.docId);
    toast(t("doc_withdrawn"), "error");
    navigate(this.home.back, { replace: true });
  }

  reopen() {
    navigate(`${this.home.base}/documents/${this.docId}?page=${this.page}`, { replace: true });
  }

  noticeVersion(doc) {
    if (!doc.readable || !this.version || doc.readable.id === this.version.id) return;
    if (this.banner.querySelector(".version-banner")) return;
    this.banner.append(h("div", { class: "notice version-banner" }, t("doc_new_version"), " ",
      h("button", { type: "button", class: "small", onclick: () => this.reopen() }, t("open_new_version"))));
  }
}
