"""Text extraction: exact Vietnamese, and word boxes that sit on the rendered page image."""

from __future__ import annotations

import pymupdf
import pytest
from PIL import Image

from ecabinet.pdf.render import render_pixmap
from ecabinet.pdf.text import clean_text, document_texts, page_text, page_words

from .samples import LINES, make_doc


def test_vietnamese_text_is_extracted_exactly() -> None:
    doc = make_doc(2)
    lines = page_text(doc[1]).splitlines()
    assert lines == ["Trang 2", *LINES]
    assert document_texts(doc)[0].splitlines()[0] == "Trang 1"


def test_clean_text_composes_and_drops_nul() -> None:
    assert clean_text("Ke\u0302\u0301 hoa\u0323ch\x00") == "Kế hoạch"


def test_words_are_normalised_boxes_on_an_upright_page() -> None:
    doc = make_doc(1, width=600, height=800)
    words = page_words(doc[0])
    assert [w[4] for w in words[:2]] == ["Trang", "1"]
    x0, y0, _, y1, _ = words[0]
    # "Trang" was written with its baseline origin at (72, 72) points, 14 pt.
    assert x0 == pytest.approx(72 / 600, abs=0.002)
    assert y0 < 72 / 800 < y1
    assert all(0 <= v <= 1 for w in words for v in w[:4])
    assert "Ánh," in [w[4] for w in words]


def dark_bbox(pix: pymupdf.Pixmap) -> tuple[float, float, float, float]:
    """Bounding box of the dark pixels, as fractions of the image."""
    grey = Image.frombytes("RGB", (pix.width, pix.height), pix.samples).convert("L")
    box = grey.point(lambda v: 255 if v < 160 else 0).getbbox()
    assert box is not None
    return box[0] / pix.width, box[1] / pix.height, box[2] / pix.width, box[3] / pix.height


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_words_cover_the_ink_of_rotated_and_cropped_pages(rotation: int) -> None:
    doc = make_doc(1, rotation=rotation, cropbox=pymupdf.Rect(30, 40, 560, 800))
    page = doc[0]
    words = page_words(page)
    union = (
        min(w[0] for w in words),
        min(w[1] for w in words),
        max(w[2] for w in words),
        max(w[3] for w in words),
    )
    ink = dark_bbox(render_pixmap(page.get_displaylist(), 1200))
    # Glyph ink lies inside the word boxes (boxes include ascent/descent room).
    tol = 0.02
    assert union[0] - tol <= ink[0] and ink[2] <= union[2] + tol
    assert union[1] - tol <= ink[1] and ink[3] <= union[3] + tol
    # ...and the boxes are not much larger than the ink on the text's long axis.
    if rotation in (0, 180):
        assert ink[2] - ink[0] == pytest.approx(union[2] - union[0], abs=0.03)
    else:
        assert ink[3] - ink[1] == pytest.approx(union[3] - union[1], abs=0.03)
