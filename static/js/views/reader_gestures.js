// Touch and mouse on the reader's page: swipe to turn pages, pinch or double-tap to zoom,
// drag to pan a zoomed page, and hand single-finger strokes to the annotation tools.
const SWIPE_PX = 60;
const TAP_PX = 10;
const DOUBLE_TAP_MS = 320;

export class Gestures {
  constructor(reader) {
    this.reader = reader;
    this.pointers = new Map();
    this.pinch = null;
    this.drag = null;
    this.lastTap = 0;
    this.wheelAccum = 0;
    const el = reader.viewport;
    el.addEventListener("pointerdown", (e) => this.down(e));
    el.addEventListener("pointermove", (e) => this.move(e));
    el.addEventListener("pointerup", (e) => this.up(e));
    el.addEventListener("pointercancel", (e) => this.cancel(e));
    el.addEventListener("wheel", (e) => this.wheel(e), { passive: false });
  }

  local(event) {
    const box = this.reader.viewport.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top };
  }

  /** The point in normalised page coordinates ([0, 1] both ways), or null off the page. */
  onPage(event) {
    const box = this.reader.sheet.getBoundingClientRect();
    const x = (event.clientX - box.left) / box.width;
    const y = (event.clientY - box.top) / box.height;
    return x >= 0 && x <= 1 && y >= 0 && y <= 1 ? { x, y } : null;
  }

  down(event) {
    if (event.target.closest(".note-pin, .note-popover, button, a, input")) return;
    const reader = this.reader;
    this.pointers.set(event.pointerId, this.local(event));
    if (this.pointers.size === 2) {
      // A second finger always means zoom, whatever the tool: drop the stroke begun.
      reader.notes.cancel();
      this.drag = null;
      const [a, b] = [...this.pointers.values()];
      this.pinch = { dist: Math.hypot(a.x - b.x, a.y - b.y) || 1, mid: { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 },
                     zoom: reader.zoom, pan: { ...reader.pan } };
      return;
    }
    if (this.pointers.size > 2) return;
    const mouseReading = event.pointerType === "mouse" && reader.tool === "read" && reader.zoom === 1;
    if (mouseReading) {
      this.pointers.delete(event.pointerId);
      return; // leave the mouse to select text
    }
    try {
      reader.viewport.setPointerCapture(event.pointerId);
    } catch {
      // The pointer is already gone (a very short tap): nothing to capture.
    }
    const point = this.onPage(event);
    this.drag = { start: this.local(event), pan: { ...reader.pan }, time: Date.now(), tool: reader.tool, point };
    if (reader.tool !== "read" && point) {
      event.preventDefault();
      reader.notes.begin(reader.tool, point);
    }
  }

  move(event) {
    if (!this.pointers.has(event.pointerId)) return;
    const reader = this.reader;
    this.pointers.set(event.pointerId, this.local(event));
    if (this.pinch && this.pointers.size >= 2) {
      const [a, b] = [...this.pointers.values()];
      const dist = Math.hypot(a.x - b.x, a.y - b.y) || 1;
      const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
      const zoom = Math.min(5, Math.max(1, this.pinch.zoom * (dist / this.pinch.dist)));
      reader.pan.x = mid.x - ((this.pinch.mid.x - this.pinch.pan.x) * zoom) / this.pinch.zoom;
      reader.pan.y = mid.y - ((this.pinch.mid.y - this.pinch.pan.y) * zoom) / this.pinch.zoom;
      reader.zoom = zoom;
      reader.applyTransform();
      return;
    }
    if (!this.drag) return;
    const here = this.local(event);
    const dx = here.x - this.drag.start.x;
    const dy = here.y - this.drag.start.y;
    if (this.drag.tool !== "read" && this.drag.point) {
      const point = this.onPage(event);
      if (point) reader.notes.extend(point);
      return;
    }
    if (reader.zoom > 1) {
      reader.pan.x = this.drag.pan.x + dx;
      reader.pan.y = this.drag.pan.y + dy;
      reader.applyTransform();
    } else if (Math.abs(dx) > TAP_PX) {
      // Let the page follow the finger a little, as paper would.
      reader.sheet.style.transform = `translate(${reader.pan.x + dx * 0.35}px, ${reader.pan.y}px)`;
    }
  }

  up(event) {
    if (!this.pointers.has(event.pointerId)) return;
    const reader = this.reader;
    const here = this.local(event);
    this.pointers.delete(event.pointerId);
    if (this.pinch) {
      if (this.pointers.size < 2) {
        this.pinch = null;
        reader.sharpen();
      }
      return;
    }
    const drag = this.drag;
    this.drag = null;
    if (!drag) return;
    const dx = here.x - drag.start.x;
    const dy = here.y - drag.start.y;
    const moved = Math.hypot(dx, dy);
    if (drag.tool !== "read" && drag.point) {
      reader.notes.end(moved <= TAP_PX ? drag.point : null);
      return;
    }
    if (reader.zoom === 1 && Math.abs(dx) > SWIPE_PX && Math.abs(dx) > Math.abs(dy) * 1.2) {
      reader.go(reader.page + (dx < 0 ? 1 : -1));
      return;
    }
    reader.applyTransform();
    if (moved <= TAP_PX && Date.now() - drag.time < 300) {
      if (Date.now() - this.lastTap < DOUBLE_TAP_MS) {
        this.lastTap = 0;
        if (reader.zoom > 1) { reader.zoom = 1; reader.pan = { x: 0, y: 0 }; reader.applyTransform(); }
        else reader.zoomTo(2.5, here.x, here.y);
      } else {
        this.lastTap = Date.now();
      }
    }
  }

  cancel(event) {
    this.pointers.delete(event.pointerId);
    if (this.pointers.size < 2) this.pinch = null;
    if (this.drag && this.drag.tool !== "read") this.reader.notes.cancel();
    this.drag = null;
    this.reader.applyTransform();
  }

  wheel(event) {
    const reader = this.reader;
    if (event.ctrlKey) {
      event.preventDefault();
      const at = this.local(event);
      reader.zoomTo(reader.zoom * (event.deltaY < 0 ? 1.1 : 1 / 1.1), at.x, at.y);
    } else if (reader.zoom > 1) {
      event.preventDefault();
      reader.pan.x -= event.deltaX;
      reader.pan.y -= event.deltaY;
      reader.applyTransform();
    } else {
      event.preventDefault();
      this.wheelAccum += event.deltaY;
      if (Math.abs(this.wheelAccum) > 120) {
        reader.go(reader.page + Math.sign(this.wheelAccum));
        this.wheelAccum = 0;
      }
    }
  }
}
