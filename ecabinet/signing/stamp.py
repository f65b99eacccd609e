"""The visible signature: signer, unit, ISO 8601 signing time and the seal image (Decree 30)."""

from __future__ import annotations

import binascii
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from io import BytesIO

import pymupdf
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.content import PdfContent
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStampStyle

from ecabinet.pdf.fonts import font_file

SEAL_RED = (0.82, 0.07, 0.09)
_TEXT_SIZE = 8.5
_LEADING = 10.5
_MARGIN = 3
# Decree 30, Appendix I: the seal image overlaps about a third of what it stamps.
_SEAL_OVERLAP = 1 / 3


@dataclass(frozen=True)
class SignatureAppearance:
    """What a visible signature shows; unset fields come from the signer's certificate."""

    signer_name: str | None = None
    """Defaults to the certificate's common name."""
    unit: str | None = None
    """Defaults to the certificate's organisation."""
    seal_png: bytes | None = field(default=None, repr=False)
    """The organisation's seal, a PNG (transparent background preferred)."""
    font_path: str | None = None
    """A TrueType font covering Vietnamese; defaults to the project's serif face."""


def appearance_lines(signer_name: str, unit: str, signed_at_iso: str) -> list[str]:
    """The text lines of the stamp, in the order Decree 30 lists them."""
    lines = [f"Ký bởi: {signer_name}"]
    if unit:
        lines.append(f"Cơ quan: {unit}")
    lines.append(f"Thời gian ký: {signed_at_iso}")
    return lines


def stamp_style(
    lines: Sequence[str],
    *,
    width: float,
    height: float,
    seal_png: bytes | None,
    font_path: str | None = None,
) -> tuple[TextStampStyle, dict[str, str]]:
    """A pyHanko stamp style for a `width` × `height` box, and its text parameters.

    The text goes in as a parameter, never into the template, so a "%" in a name
    cannot break pyHanko's %-interpolation.
    """
    font = font_path or font_file("serif")
    seal_side = max(0.0, min(height, width / 2) - 2 * _MARGIN) if seal_png else 0.0
    text_left = _MARGIN + seal_side * (1 - _SEAL_OVERLAP) if seal_png else _MARGIN
    wrapped = _wrap(lines, font, width - text_left - _MARGIN)
    style = TextStampStyle(
        stamp_text="%(body)s",
        border_width=0,
        text_box_style=TextBoxStyle(
            font=GlyphAccumulatorFactory(font, font_size=int(_TEXT_SIZE)),
            font_size=int(_TEXT_SIZE),
            leading=int(_LEADING),
        ),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(
                left=round(text_left), right=_MARGIN, top=_MARGIN, bottom=_MARGIN
            ),
        ),
        background=_PdfPageContent(png_to_pdf(seal_png)) if seal_png else None,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(_MARGIN),
        ),
        background_opacity=0.9,
    )
    return style, {"body": "\n".join(wrapped)}


def _wrap(lines: Sequence[str], font_path: str, width: float) -> list[str]:
    """Break each line at spaces so it fits `width` points (pyHanko does not wrap)."""
    font = pymupdf.Font(fontfile=font_path)
    out: list[str] = []
    for line in lines:
        current = ""
        for word in line.split(" "):
            candidate = f"{current} {word}" if current else word
            if current and font.text_length(candidate, _TEXT_SIZE) > width:
                out.append(current)
                current = word
            else:
                current = candidate
        out.append(current)
    return out


def png_to_pdf(png: bytes) -> bytes:
    """A one-page PDF showing the image at its pixel size (keeps transparency)."""
    try:
        image = pymupdf.open(stream=png, filetype="png")
    except (RuntimeError, ValueError) as exc:
        raise ValueError("the seal image is not a readable PNG") from exc
    with image:
        rect = image[0].rect
    pdf = pymupdf.open()
    try:
        page = pdf.new_page(width=rect.width, height=rect.height)
        page.insert_image(page.rect, stream=png)
        return pdf.tobytes(garbage=3, deflate=True)
    finally:
        pdf.close()


class _PdfPageContent(PdfContent):
    """The first page of an in-memory PDF as stamp content (no temporary file, no Pillow)."""

    def __init__(self, pdf: bytes) -> None:
        super().__init__()
        self._pdf = pdf

    def render(self) -> bytes:
        """Import the page as a form XObject and draw it."""
        writer = self._ensure_writer
        xobject = writer.import_page_as_xobject(PdfFileReader(BytesIO(self._pdf)), page_ix=0)
        name = b"/Seal" + binascii.hexlify(uuid.uuid4().bytes)
        self.resources.xobject[name.decode("ascii")] = xobject
        x1, y1, x2, y2 = xobject.get_object()["/BBox"]
        self.box = layout.BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return name + b" Do"


def demo_seal_png(organization: str, *, centre_text: str = "", pixels: int = 360) -> bytes:
    """A round red seal for the demo: the organisation's name around a star, transparent PNG."""
    side = 200.0
    centre = pymupdf.Point(side / 2, side / 2)
    doc = pymupdf.open()
    try:
        page = doc.new_page(width=side, height=side)
        page.draw_circle(centre, 96, color=SEAL_RED, width=4)
        page.draw_circle(centre, 68, color=SEAL_RED, width=1.5)
        _draw_star(page, centre, 22)
        bold = font_file("serif-bold")
        _draw_ring_text(page, organization.upper(), centre, bold, radius=73, size=14)
        if centre_text:
            font = pymupdf.Font(fontfile=bold)
            size = 11.0
            while font.text_length(centre_text, size) > 110 and size > 6:
                size -= 0.5
            x = centre.x - font.text_length(centre_text, size) / 2
            page.insert_text(
                (x, centre.y + 42),
                centre_text,
                fontname="sealb",
                fontfile=bold,
                fontsize=size,
                color=SEAL_RED,
            )
        zoom = pixels / side
        pixmap = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=True)
        return pixmap.tobytes("png")
    finally:
        doc.close()


def _draw_star(page: pymupdf.Page, centre: pymupdf.Point, radius: float) -> None:
    points = []
    for index in range(10):
        angle = math.radians(-90 + index * 36)
        r = radius if index % 2 == 0 else radius * 0.4
        points.append(pymupdf.Point(centre.x + r * math.cos(angle), centre.y + r * math.sin(angle)))
    page.draw_polyline([*points, points[0]], color=SEAL_RED, fill=SEAL_RED, width=0.5)


def _draw_ring_text(
    page: pymupdf.Page,
    text: str,
    centre: pymupdf.Point,
    fontfile: str,
    *,
    radius: float,
    size: float,
) -> None:
    """Write `text` clockwise around `centre`, letters upright towards the outside."""
    font = pymupdf.Font(fontfile=fontfile)
    while font.text_length(text, size) > 2 * math.pi * radius * 0.8 and size > 5:
        size -= 0.5
    total = font.text_length(text, size)
    sweep = total / radius  # radians the text covers at this radius
    angle = -sweep / 2  # centred on the top of the ring
    for char in text:
        advance = font.text_length(char, size)
        middle = angle + advance / radius / 2
        # Point on the ring, measured clockwise from 12 o'clock (y grows downwards).
        base = pymupdf.Point(
            centre.x + radius * math.sin(middle), centre.y - radius * math.cos(middle)
        )
        # Shift back half a glyph along the tangent so the glyph is centred on `base`.
        start = base - pymupdf.Point(math.cos(middle), math.sin(middle)) * (advance / 2)
        if char.strip():
            page.insert_text(
                start,
                char,
                fontname="sealb",
                fontfile=fontfile,
                fontsize=size,
                color=SEAL_RED,
                morph=(start, pymupdf.Matrix(-math.degrees(middle))),
            )
        angle += advance / radius
