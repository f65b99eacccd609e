"""Page images: each page encoded for what it holds, PNG thumbnails, optionally watermarked.

A page image goes to every delegate's tablet, over meeting-room Wi-Fi and into the
offline briefcase, and most pages are typeset text, which JPEG serves badly: at
quality 80 a text page 1280 px wide is 200-400 KB, most of it spent on ringing
around glyph edges. `encode_page` therefore chooses per page. Figures are medians
at 1280 px on this 2-core machine, from `bench/documents.py` (the agenda book's
text pages / libtasn1.pdf, a typeset manual):

* A page mostly covered by images (>= 25 % of its area: scans, photographs) stays
  JPEG, and greyscale JPEG when it has no colour (a grey scan: 307 KB against 320 KB
  in RGB). Lossless coding of sensor noise or of a scan's own JPEG artefacts would be
  several times larger and no sharper. The test is made on the PDF page (image
  boxes), not on pixels, where a scan and a drawing can look alike.
* A grey page (MuPDF antialiases black text to R = G = B) is mapped to the nearest of
  8 evenly spaced greys and sent as lossless WebP, which codes so few colours as a
  packed palette: 57 / 44 KB against 339 / 224 KB as JPEG. 8 levels are antialiasing
  enough for Vietnamese diacritics to stay crisp at tablet width, and stay within 18
  of the drawn grey everywhere; 16 levels cost 10-15 % more and look the same; an
  8-level PNG is half as large again (85 / 71 KB), WebP's spatial prediction and
  LZ77 back-references being what PNG lacks.
* A page with colour but no photograph (a red seal, blue headings, a chart, and the
  red watermark of every restricted page) gets a 32-colour palette (fast octree, no
  dithering, which would speckle text edges and cost bytes), also lossless WebP:
  flat colours survive exactly, red stays red and black text stays neutral. A
  watermarked text page is 125 KB against 393 KB as JPEG; flattened to grey it
  would be ~95 KB, but the viewer's name would turn pale grey, harder to read.
* WebP cannot exceed 16,383 px a side; a longer page (see `fit_zoom`) is JPEG.

The price is encoding time, paid once per (page, width, watermark) since images are
cached: libwebp's lossless encoder takes 100-140 ms a text page (190-260 ms a
watermarked one) where JPEG takes 6-10 ms, so rendering a whole book at one width
takes several times longer than with JPEG. method 4 is kept over faster settings:
method 2 saves ~15 % of the time for a file ~15 % larger, method 0 is 30 ms but
2.5 times larger (148 KB).

JPEG is encoded with Pillow (libjpeg-turbo): MuPDF's own JPEG writer takes about
110 ms for a 1280 × 1810 page on this machine against about 9 ms. Each encoding
starts with its format's signature, and `image_media_type` reads it back for HTTP.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import pymupdf
from PIL import Image, ImageChops
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

PHOTO_SHARE = 0.25  # of the page's area covered by images, from which a page is a photo
GREY_LEVELS = 8
PALETTE_COLOURS = 32
WEBP_MAX_SIDE = 16_383  # libwebp's limit
# Largest |R - G| or |G - B| on a 4x-reduced copy for a page to count as grey. MuPDF's
# grey antialiasing gives R = G = B exactly; even one pure red pixel averaged with 15
# white ones in a 4 x 4 box differs by 16, so a thin coloured stroke keeps its colour.
_GREY_TOLERANCE = 6
_GREY_CHECK_REDUCTION = 4
# Nearest of GREY_LEVELS evenly spaced greys, for Image.point.
_GREY_LUT = [
    round(round(v * (GREY_LEVELS - 1) / 255) * 255 / (GREY_LEVELS - 1)) for v in range(256)
]
# Lossless; method and quality set the effort of the search (see the module docstring).
_WEBP_OPTIONS = {"lossless": True, "method": 4, "quality": 80}


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


def _image(pix: pymupdf.Pixmap) -> Image.Image:
    """A Pillow view of an RGB or grey pixmap without alpha (no copy)."""
    if pix.alpha or pix.n not in (1, 3):
        raise ValueError("expected a grey or RGB pixmap without alpha")
    mode = "RGB" if pix.n == 3 else "L"
    return Image.frombuffer(
        mode, (pix.width, pix.height), pix.samples_mv, "raw", mode, pix.stride, 1
    )


def _save(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def encode_jpeg(pix: pymupdf.Pixmap, quality: int = DEFAULT_JPEG_QUALITY) -> bytes:
    """Encode an RGB or grey pixmap without alpha as baseline JPEG."""
    return _save(_image(pix), "JPEG", quality=quality)


def image_share(page: pymupdf.Page) -> float:
    """Fraction of `page`'s area covered by the images drawn on it, in [0, 1]."""
    # Image boxes are in the unrotated page's space; overlaps are counted twice,
    # which only matters for pages that are images anyway.
    area = page.rect * page.derotation_matrix
    total = area.width * area.height
    if not total > 0:
        return 0.0
    covered = 0.0
    for info in page.get_image_info():
        box = pymupdf.Rect(info["bbox"]) & area
        if not box.is_empty:
            covered += box.width * box.height
    return min(1.0, covered / total)


def is_photo_page(page: pymupdf.Page) -> bool:
    """Whether images cover enough of `page` (PHOTO_SHARE) for it to be sent as a photo."""
    return image_share(page) >= PHOTO_SHARE


def is_grey(image: Image.Image) -> bool:
    """Whether an RGB image has no visible colour (checked on a reduced copy)."""
    if image.mode == "L":
        return True
    small = image.reduce(_GREY_CHECK_REDUCTION) if min(image.size) >= 64 else image
    r, g, b = small.split()
    spread = ImageChops.lighter(ImageChops.difference(r, g), ImageChops.difference(g, b))
    highest = spread.getextrema()[1]  # a one-band image: (min, max)
    assert isinstance(highest, int)
    return highest <= _GREY_TOLERANCE


def encode_page(
    pix: pymupdf.Pixmap, *, photo: bool, quality: int = DEFAULT_JPEG_QUALITY
) -> bytes:
    """Encode a rendered page for what it holds: JPEG for photos, else palette WebP.

    `photo` comes from `is_photo_page` on the page that was drawn; see the module
    docstring for the choices and their figures.
    """
    image = _image(pix)
    grey = is_grey(image)
    if photo or max(image.size) > WEBP_MAX_SIDE:
        return _save(image.convert("L") if grey and image.mode != "L" else image, "JPEG",
                     quality=quality)
    if grey:
        # Pillow hands libwebp RGB; with only 8 colours libwebp codes a palette.
        levels = image.convert("L").point(_GREY_LUT)
        return _save(levels, "WEBP", **_WEBP_OPTIONS)
    # No dithering: it would speckle text edges and the background, and cost bytes.
    palette = image.quantize(
        colors=PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    return _save(palette, "WEBP", **_WEBP_OPTIONS)


def image_media_type(head: bytes) -> str:
    """Media type of an encoded page image from its first bytes (at least 12)."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:2] == b"\xff\xd8":
        return "image/jpeg"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    raise ValueError("not a WebP, JPEG or PNG image")  # never written by this module


def image_file_media_type(path: Path) -> str:
    """Media type of the page image stored at `path`, from its first 12 bytes."""
    # One small read of a local file: cheaper than handing it to a thread.
    with open(path, "rb") as image:
        return image_media_type(image.read(12))


def encode_png(pix: pymupdf.Pixmap) -> bytes:
    """Encode a pixmap as PNG (MuPDF's writer is fine at thumbnail sizes)."""
    return bytes(pix.tobytes("png"))


def render_page_image(
    doc: pymupdf.Document,
    page: int,
    width: int,
    *,
    quality: int = DEFAULT_JPEG_QUALITY,
    watermark: Watermark | None = None,
) -> bytes:
    """Page `page` (0-based) `width` pixels wide as `encode_page` chooses, as served."""
    loaded = load_page(doc, page)
    pix = render_pixmap(loaded.get_displaylist(), width, watermark=watermark)
    return encode_page(pix, photo=is_photo_page(loaded), quality=quality)


def render_thumbnail_png(doc: pymupdf.Document, page: int, width: int) -> bytes:
    """PNG thumbnail of page `page` (0-based) `width` pixels wide."""
    display_list = load_page(doc, page).get_displaylist()
    return encode_png(render_pixmap(display_list, width))
