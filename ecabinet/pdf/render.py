"""Page images: JPEG pages at a pixel width, PNG thumbnails, optionally watermarked.

JPEG is encoded with Pillow (libjpeg-turbo): MuPDF's own JPEG writer takes about
110 ms for a 1280 × 1810 page on this machine against about 9 ms, and page
encoding would otherwise dominate rendering (the page itself draws in ~5 ms).
"""

from __future__ import annotations

import io
import math

import pymupdf
from PIL import Image
from pymupdf import mupdf

from ecabinet.pdf.watermark import Watermark, stamp_display_list

MIN_WIDTH = 16
MAX_WIDTH = 4096  # bounds the memory one request can make a worker allocate
DEFAULT_JPEG_QUALITY = 80
# Width alone does not bound an image: a page 72 times taller than wide is a
# 1280 x 92,160 px pixmap at a tablet's width. A page is drawn at the asked width
# unless that would exceed these, then scaled down to fit them (never refused):
# an A-series page at MAX_WIDTH (4096 x 5793 px) fits; the RGB pixmap stays under
# 76 MB; and no side passes baseline JPEG's 65,535 px.
MAX_PIXELS = MAX_WIDTH * MAX_WIDTH * 3 // 2
MAX_SIDE = 65_000


class PageOutOfRange(IndexError):
    """The requested page number does not exist in the document."""


def check_width(width: int) -> int:
    """Return `width` if it is an acceptable image width in pixels, else raise ValueError."""
    if not isinstance(width, int) or not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ValueError(f"image width must be an integer in [{MIN_WIDTH}, {MAX_WIDTH}]")
    return width


def fit_zoom(page_width: float, page_height: float, width: int) -> float:
    """Scale drawing a `page_width` x `page_height` pt page `width` px wide, within MAX_PIXELS.

    The image is `width` px wide when that fits; otherwise as large as fits, with
    the page's proportions (rounding to whole pixels included).
    """
    if not page_width > 0 or not page_height > 0:
        raise ValueError("page has an empty area")
    zoom = check_width(width) / page_width
    for _ in range(4):
        w, h = math.ceil(page_width * zoom) + 1, math.ceil(page_height * zoom) + 1
        if w * h <= MAX_PIXELS and max(w, h) <= MAX_SIDE:
            return zoom
        zoom *= min(math.sqrt(MAX_PIXELS / (w * h)), MAX_SIDE / max(w, h)) * 0.999
    return zoom


def load_page(doc: pymupdf.Document, page: int) -> pymupdf.Page:
    """Page `page` (0-based) of `doc`, or PageOutOfRange."""
    if not isinstance(page, int) or not 0 <= page < doc.page_count:
        raise PageOutOfRange(f"page {page} not in 0..{doc.page_count - 1}")
    return doc.load_page(page)


def render_pixmap(
    display_list: pymupdf.DisplayList,
    width: int,
    *,
    watermark: Watermark | None = None,
    colorspace: pymupdf.Colorspace | None = None,
) -> pymupdf.Pixmap:
    """Draw a page's display list `width` pixels wide (RGB, white background), stamp on top.

    A page too tall (or too wide) for that within MAX_PIXELS is drawn smaller, see
    `fit_zoom`. The watermark stamp is drawn by the same draw device into the same
    pixmap, so it costs glyph drawing only; the page itself is never modified.
    """
    bounds = display_list.rect
    zoom = fit_zoom(bounds.width, bounds.height, width)
    ctm = mupdf.FzMatrix(zoom, 0, 0, zoom, 0, 0)
    cs = colorspace or pymupdf.csRGB
    irect = mupdf.fz_round_rect(
        mupdf.fz_transform_rect(mupdf.fz_bound_display_list(display_list.this), ctm)
    )
    pix = mupdf.fz_new_pixmap_with_bbox(cs.this, irect, mupdf.FzSeparations(), 0)
    mupdf.fz_clear_pixmap_with_value(pix, 0xFF)
    device = mupdf.fz_new_draw_device(ctm, pix)
    everything = mupdf.FzRect(mupdf.FzRect.Fixed_INFINITE)
    try:
        mupdf.fz_run_display_list(
            display_list.this, device, mupdf.FzMatrix(), everything, mupdf.FzCookie()
        )
        if watermark is not None:
            _, stamp = stamp_display_list(
                watermark, round(bounds.width, 2), round(bounds.height, 2)
            )
            mupdf.fz_run_display_list(
                stamp.this, device, mupdf.FzMatrix(), everything, mupdf.FzCookie()
            )
    finally:
        mupdf.fz_close_device(device)
    return pymupdf.Pixmap("raw", pix)


def encode_jpeg(pix: pymupdf.Pixmap, quality: int = DEFAULT_JPEG_QUALITY) -> bytes:
    """Encode an RGB or grey pixmap without alpha as baseline JPEG."""
    if pix.alpha or pix.n not in (1, 3):
        raise ValueError("JPEG needs a grey or RGB pixmap without alpha")
    mode = "RGB" if pix.n == 3 else "L"
    image = Image.frombuffer(
        mode, (pix.width, pix.height), pix.samples_mv, "raw", mode, pix.stride, 1
    )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def encode_png(pix: pymupdf.Pixmap) -> bytes:
    """Encode a pixmap as PNG (MuPDF's writer is fine at thumbnail sizes)."""
    return bytes(pix.tobytes("png"))


def render_page_jpeg(
    doc: pymupdf.Document,
    page: int,
    width: int,
    *,
    quality: int = DEFAULT_JPEG_QUALITY,
    watermark: Watermark | None = None,
) -> bytes:
    """JPEG of page `page` (0-based) `width` pixels wide, watermarked when one is given."""
    display_list = load_page(doc, page).get_displaylist()
    return encode_jpeg(render_pixmap(display_list, width, watermark=watermark), quality)


def render_thumbnail_png(doc: pymupdf.Document, page: int, width: int) -> bytes:
    """PNG thumbnail of page `page` (0-based) `width` pixels wide."""
    display_list = load_page(doc, page).get_displaylist()
    return encode_png(render_pixmap(display_list, width))
