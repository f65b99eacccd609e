"""A delegate's "annotated copy": a new PDF with their highlights, ink and notes as annotations.

Overlays are stored in normalised coordinates of the page as displayed (the
rendered image: after /Rotate and crop box, origin top-left, x right, y down,
both in [0, 1]). Composition works on a private copy and appends the
annotations as an incremental update, so the original bytes are an exact prefix
of the result: a signature over the original still covers what it covered.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pymupdf

from ecabinet.pdf.engine import open_pdf

Point = tuple[float, float]
NormRect = tuple[float, float, float, float]  # x0, y0, x1, y1 in [0, 1]


@dataclass(frozen=True)
class Highlight:
    """Highlighted areas (usually text lines) on one page (0-based)."""

    page: int
    rects: Sequence[NormRect]
    colour: str = "#ffeb3b"


@dataclass(frozen=True)
class Ink:
    """Free-hand strokes on one page; `width` is the pen width as a fraction of page width."""

    page: int
    strokes: Sequence[Sequence[Point]]
    colour: str = "#d32f2f"
    width: float = 0.003


@dataclass(frozen=True)
class Note:
    """A sticky note anchored at (x, y) on one page, holding plain text."""

    page: int
    x: float
    y: float
    text: str
    colour: str = "#ffc107"


Annotation = Highlight | Ink | Note


def parse_colour(colour: str) -> tuple[float, float, float]:
    """'#rgb' or '#rrggbb' to an RGB triple in [0, 1]; ValueError otherwise."""
    value = colour.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    if len(value) != 6:
        raise ValueError(f"colour must be #rgb or #rrggbb, got {colour!r}")
    try:
        r, g, b = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError as exc:
        raise ValueError(f"colour must be #rgb or #rrggbb, got {colour!r}") from exc
    return (r, g, b)


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, float(value)))


class _PageFrame:
    """Maps normalised displayed-page coordinates to the un-rotated space annotations use."""

    def __init__(self, page: pymupdf.Page) -> None:
        self.width = page.rect.width
        self.height = page.rect.height
        self.derotate = page.derotation_matrix if page.rotation else None

    def point(self, x: float, y: float) -> pymupdf.Point:
        p = pymupdf.Point(_clamp(x) * self.width, _clamp(y) * self.height)
        return p * self.derotate if self.derotate is not None else p

    def quad(self, r: NormRect) -> pymupdf.Quad | None:
        """The rect as a quad whose upper-left → upper-right edge runs along the displayed
        text line, so a highlight's rounded ends sit at the ends of the line."""
        x0, y0, x1, y1 = (_clamp(v) for v in r)
        box = pymupdf.Rect(x0 * self.width, y0 * self.height, x1 * self.width, y1 * self.height)
        box.normalize()
        if box.is_empty:
            return None
        return box.quad * self.derotate if self.derotate is not None else box.quad


def _add(page: pymupdf.Page, item: Annotation, author: str) -> None:
    frame = _PageFrame(page)
    colour = parse_colour(item.colour)
    annot: pymupdf.Annot
    if isinstance(item, Highlight):
        quads = [q for q in (frame.quad(r) for r in item.rects) if q is not None]
        if not quads:
            return
        annot = page.add_highlight_annot(quads=quads)
        annot.set_colors(stroke=colour)
    elif isinstance(item, Ink):
        strokes = [[frame.point(x, y) for x, y in stroke] for stroke in item.strokes]
        strokes = [s for s in strokes if len(s) >= 1]
        if not strokes:
            return
        annot = page.add_ink_annot([[(p.x, p.y) for p in s] for s in strokes])
        annot.set_colors(stroke=colour)
        annot.set_border(width=max(0.1, item.width * frame.width))
    elif isinstance(item, Note):
        annot = page.add_text_annot(frame.point(item.x, item.y), item.text, icon="Note")
        annot.set_colors(stroke=colour)
    else:  # pragma: no cover - the type union is closed
        raise TypeError(f"unknown annotation {type(item).__name__}")
    if author:
        annot.set_info(title=author)
    annot.update()


def compose_annotated_copy(
    pdf: bytes, annotations: Sequence[Annotation], *, author: str = ""
) -> bytes:
    """A new PDF: `pdf` plus `annotations` as highlight/ink/text annotations.

    `author` becomes each annotation's title (shown by viewers as its author).
    Raises ValueError for an annotation on a page the document does not have.
    """
    with tempfile.TemporaryDirectory(prefix="ecabinet-annot-") as tmp:
        # Incremental saving needs a file; the copy lives only in this directory.
        path = Path(tmp) / "copy.pdf"
        path.write_bytes(pdf)
        doc = open_pdf(path)
        try:
            for item in annotations:
                if not 0 <= item.page < doc.page_count:
                    raise ValueError(f"annotation on page {item.page}: no such page")
                _add(doc[item.page], item, author)
            if doc.can_save_incrementally():
                doc.saveIncr()
                doc.close()
                return path.read_bytes()
            return bytes(doc.tobytes(garbage=1, deflate=True))
        finally:
            if not doc.is_closed:
                doc.close()
