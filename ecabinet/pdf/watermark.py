"""Per-viewer watermarks for restricted documents: name, unit and time, tiled diagonally.

A watermark is drawn as real text (the Vietnamese font from `fonts.py`) on a
*stamp*: a one-page in-memory PDF of the page's size holding nothing but the
watermark. Rendering draws the page and then the stamp's display list into the
same pixmap (see `render.py`), so the stored original is never opened for
writing and the stamp, built once per (watermark, page size) in each process,
costs a few milliseconds of glyph drawing per render instead of a font embedding.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from functools import cache, lru_cache

import pymupdf

from ecabinet.pdf.fonts import font_file

_MAX_LINES = 4
_MAX_LINE_CHARS = 120
_ANGLE = 35.0  # degrees, counter-clockwise: reads bottom-left to top-right
_OPACITY = 0.16
_COLOUR = (0.55, 0.0, 0.0)
_KEY_VERSION = "wm1"  # bump when the look changes so cached pages are re-rendered


@dataclass(frozen=True)
class Watermark:
    """Lines of text stamped across every page a viewer sees, e.g. (name, unit, time)."""

    lines: tuple[str, ...]

    def __post_init__(self) -> None:
        lines = tuple(" ".join(str(line).split()) for line in self.lines)
        lines = tuple(line[:_MAX_LINE_CHARS] for line in lines if line)
        if not lines:
            raise ValueError("a watermark needs at least one non-empty line")
        if len(lines) > _MAX_LINES:
            raise ValueError(f"a watermark has at most {_MAX_LINES} lines")
        object.__setattr__(self, "lines", lines)

    @property
    def key(self) -> str:
        """Short stable hash of the text and look, used in cache file names."""
        digest = hashlib.sha256("\x1f".join((_KEY_VERSION, *self.lines)).encode()).hexdigest()
        return digest[:16]


@cache
def _font() -> pymupdf.Font:
    return pymupdf.Font(fontfile=font_file("sans"))


def build_stamp(watermark: Watermark, width: float, height: float) -> pymupdf.Document:
    """A one-page PDF of `width` × `height` points holding only the tiled, rotated watermark."""
    doc = pymupdf.open()
    page = doc.new_page(width=width, height=height)
    font = _font()
    fontsize = max(9.0, min(width, height) / 28)
    leading = fontsize * 1.3
    block_w = max(font.text_length(line, fontsize=fontsize) for line in watermark.lines)
    block_h = leading * len(watermark.lines)
    step_x = block_w + fontsize * 4
    step_y = block_h + fontsize * 3.5

    centre = pymupdf.Point(width / 2, height / 2)
    # The morph is applied in PDF space (y up), so a positive angle turns the text
    # counter-clockwise as seen; on the y-down page that is a rotation by -angle.
    turn = pymupdf.Matrix(_ANGLE)
    to_page = (
        pymupdf.Matrix(1, 0, 0, 1, -centre.x, -centre.y)
        * pymupdf.Matrix(-_ANGLE)
        * pymupdf.Matrix(1, 0, 0, 1, centre.x, centre.y)
    )
    page_rect = page.rect
    reach = math.hypot(width, height) / 2 + max(step_x, step_y)

    writer = pymupdf.TextWriter(page_rect, opacity=_OPACITY, color=_COLOUR)
    row = 0
    y = centre.y - reach
    while y < centre.y + reach:
        # Offset every other row by half a tile so the pattern has no blank columns.
        x = centre.x - reach + (step_x / 2 if row % 2 else 0.0)
        while x < centre.x + reach:
            block = pymupdf.Rect(x, y - fontsize, x + block_w, y + block_h) * to_page
            if block.intersects(page_rect):
                for n, line in enumerate(watermark.lines):
                    writer.append((x, y + n * leading), line, font=font, fontsize=fontsize)
            x += step_x
        y += step_y
        row += 1
    writer.write_text(page, morph=(centre, turn))
    return doc


@lru_cache(maxsize=32)
def stamp_display_list(
    watermark: Watermark, width: float, height: float
) -> tuple[pymupdf.Document, pymupdf.DisplayList]:
    """The stamp for (watermark, page size) as a display list, cached in this process.

    The document is returned with its display list so it stays alive as long as
    the list does.
    """
    doc = build_stamp(watermark, width, height)
    return doc, doc[0].get_displaylist()
