// Pages drawn on the tablet by PDF.js from the document's own PDF: a hall's Wi-Fi carries
// the PDF's bytes (fetched in ranges, only what the page shown needs, or read whole from
// the offline briefcase), not a picture of every page. Words come from the PDF's text in
// the same page fractions as the server's word boxes, so the text layer, search hits and
// annotations sit where they sit on a server-rendered page.
const BASE = "/static/node_modules/pdfjs-dist";
// The legacy build runs on the tablets offices have (years-old Safari and Chrome).
const LIBRARY = `${BASE}/legacy/build/pdf.min.mjs`;
const WORKER = `${BASE}/legacy/build/pdf.worker.min.mjs`;
const RANGE_CHUNK = 64 * 1024;
// A PDF this small comes in one request; larger ones in ranges, the head and the tail (where
// the cross-reference table usually sits) asked for together, the rest as pages need it.
// Over a hall's Wi-Fi each round trip costs more than a few more kilobytes.
const WHOLE = 320 * 1024;
const HEAD = 64 * 1024;
const TAIL = 64 * 1024;
// Canvas pixels for one page at most: iPads refuse (draw nothing on) larger canvases.
const MAX_PIXELS = 16 * 1024 * 1024;

let library = null;
let worker = null; // one PDF.js worker for every document: starting one costs a second on a tablet

/** PDF.js and its worker, loaded once; rejects with {unsupported: true} where the browser
 * cannot run it. The agenda calls it ahead, so opening a document only fetches the PDF. */
export function pdfjs() {
  if (!library) {
    library = import(LIBRARY).then((lib) => {
      lib.GlobalWorkerOptions.workerSrc = WORKER;
      if (!worker || worker.destroyed) worker = new lib.PDFWorker({ name: "ecabinet" });
      return lib;
    }, (err) => {
      library = null;
      throw Object.assign(new Error(`PDF.js unavailable: ${err.message}`), { unsupported: err instanceof SyntaxError || err instanceof TypeError });
    });
  }
  return library;
}

const listed = new Map(); // document id -> its readable version {id, size}, from the agenda

/** The agenda's documents the reader may draw: opening one then starts fetching its PDF
 * at once, beside the reader's other requests, rather than after them. */
export function listDocuments(documents) {
  for (const d of documents) {
    if (d.readable && d.downloadable && !d.restricted) listed.set(d.id, d.readable);
    else listed.delete(d.id);
  }
}

/** The version of a document the agenda last listed, if it may be drawn here. */
export function listedVersion(documentId) { return listed.get(documentId) || null; }

/** Where the briefcase keeps a PDF whole: read it from there rather than the network. */
async function kept(url) {
  if (typeof caches === "undefined") return null;
  try {
    const hit = await caches.match(url);
    return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
  } catch {
    return null;
  }
}

async function range(url, begin, end) {
  const response = await fetch(url, { credentials: "same-origin", headers: { range: `bytes=${begin}-${end - 1}` } });
  if (response.status !== 206 && response.status !== 200) throw new Error(`HTTP ${response.status}`);
  const data = new Uint8Array(await response.arrayBuffer());
  // A server (or proxy) that ignored the range sent everything: take the part asked for.
  return response.status === 200 ? data.slice(begin, end) : data;
}

/** Open the PDF at `url` (a version's /pdf) of `bytes` bytes, known beforehand. */
export async function openPdf(url, bytes) {
  const lib = await pdfjs();
  let task = null;
  let data = await kept(url);
  if (!data && (!bytes || bytes <= WHOLE)) {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    data = new Uint8Array(await response.arrayBuffer());
  }
  const source = {
    isEvalSupported: false, // the CSP allows no eval; PDF.js then draws glyphs without it
    standardFontDataUrl: `${BASE}/standard_fonts/`,
    cMapUrl: `${BASE}/cmaps/`,
    wasmUrl: `${BASE}/wasm/`,
    iccUrl: `${BASE}/iccs/`,
    disableWorkerRendering: true,
    worker,
  };
  if (data) {
    source.data = data;
  } else {
    const tailStart = Math.max(HEAD, bytes - TAIL);
    const tail = range(url, tailStart, bytes);
    tail.catch(() => {}); // asked for ahead; a failure shows when PDF.js needs it
    const head = await range(url, 0, Math.min(HEAD, bytes));
    const transport = rangeTransport(lib, url, bytes, head, { start: tailStart, data: tail },
      () => task?.destroy());
    Object.assign(source, { range: transport, length: bytes, rangeChunkSize: RANGE_CHUNK, disableAutoFetch: true });
  }
  task = lib.getDocument(source);
  return new PdfPages(lib, task, await task.promise);
}

/** PDF.js's range transport over fetch: the tail fetched ahead is served from memory; a
 * range that fails is asked again a few times (a Wi-Fi blip), then the document gives up. */
function rangeTransport(lib, url, length, head, tail, giveUp) {
  const transport = new lib.PDFDataRangeTransport(length, head);
  transport.requestDataRange = async (begin, end) => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const chunk = begin >= tail.start
          ? (await tail.data).subarray(begin - tail.start, end - tail.start)
          : await range(url, begin, end);
        transport.onDataRange(begin, chunk);
        return;
      } catch (err) {
        if (begin >= tail.start) tail.start = Infinity; // ask the network next time
        if (attempt >= 3) { giveUp(err); return; }
        await new Promise((resolve) => setTimeout(resolve, 1000 * (attempt + 1)));
      }
    }
  };
  return transport;
}

/** A PDF's pages for the reader: draw, thumbnail, words. */
export class PdfPages {
  constructor(lib, task, doc) {
    this.lib = lib;
    this.task = task; // destroying the loading task ends the document (the worker stays)
    this.doc = doc;
    this.tasks = new Map(); // canvas -> its render task under way
    this.measure = document.createElement("canvas").getContext("2d");
  }

  get count() { return this.doc.numPages; }

  /** Ask for a page's data ahead (the next and previous ones), without drawing it. */
  prefetch(n) {
    if (n >= 1 && n <= this.count) this.doc.getPage(n).catch(() => {});
  }

  /** Draw page n into `canvas` `cssWidth` CSS pixels wide (sharp for this screen). */
  async draw(canvas, n, cssWidth) {
    const page = await this.doc.getPage(n);
    const unit = page.getViewport({ scale: 1 });
    const ratio = Math.min(window.devicePixelRatio || 1, 3);
    let scale = (cssWidth * ratio) / unit.width;
    const pixels = unit.width * unit.height * scale * scale;
    if (pixels > MAX_PIXELS) scale *= Math.sqrt(MAX_PIXELS / pixels);
    const viewport = page.getViewport({ scale });
    // Drawn aside and swapped in whole: the page never flashes blank while redrawn.
    const next = document.createElement("canvas");
    next.width = Math.floor(viewport.width);
    next.height = Math.floor(viewport.height);
    this.tasks.get(canvas)?.cancel();
    const task = page.render({ canvas: next, viewport, background: "#fff" });
    this.tasks.set(canvas, task);
    try {
      await task.promise;
    } catch (err) {
      if (err instanceof this.lib.RenderingCancelledException) return false;
      throw err;
    } finally {
      if (this.tasks.get(canvas) === task) this.tasks.delete(canvas);
    }
    canvas.width = next.width;
    canvas.height = next.height;
    canvas.getContext("2d").drawImage(next, 0, 0);
    return true;
  }

  /** [x0, y0, x1, y1, word] per word in fractions of the page, as the server gives them. */
  async words(n) {
    const page = await this.doc.getPage(n);
    const viewport = page.getViewport({ scale: 1 });
    const content = await page.getTextContent();
    const out = [];
    for (const item of content.items) {
      if (!item.str || !item.str.trim()) continue;
      const tx = this.lib.Util.transform(viewport.transform, item.transform);
      if (Math.abs(tx[1]) > 1e-3 * Math.abs(tx[0])) continue; // rotated text: no word boxes
      const style = content.styles[item.fontName] || {};
      const height = Math.hypot(tx[2], tx[3]);
      const ascent = style.ascent || (style.descent ? 1 + style.descent : 0.8);
      const top = tx[5] - height * ascent;
      const width = item.width * viewport.scale;
      // Words split the item's width in proportion to how wide each part measures.
      this.measure.font = `100px ${style.fontFamily || "sans-serif"}`;
      const parts = item.str.split(/(\s+)/).filter((p) => p);
      const widths = parts.map((p) => this.measure.measureText(p).width);
      const total = widths.reduce((a, b) => a + b, 0) || 1;
      let x = tx[4];
      parts.forEach((part, i) => {
        const w = (widths[i] / total) * width;
        if (part.trim()) {
          out.push([x / viewport.width, top / viewport.height, (x + w) / viewport.width,
            (top + height) / viewport.height, part]);
        }
        x += w;
      });
    }
    return out.map((w) => w.map((v) => (typeof v === "number" ? Math.round(v * 1e4) / 1e4 : v)));
  }

  close() {
    for (const task of this.tasks.values()) task.cancel();
    this.task.destroy();
  }
}
