"""The annotated copy: real PDF annotations at the right place, original untouched."""

from __future__ import annotations

import pymupdf
import pytest
from PIL import Image

from ecabinet.pdf.annotated import Highlight, Ink, Note, compose_annotated_copy, parse_colour

from .samples import make_doc, make_pdf, to_bytes

NOTE = "Đề nghị làm rõ nguồn vốn đầu tư công – ý kiến của đại biểu Nguyễn Văn Ánh"


def saturated_bbox(page: pymupdf.Page) -> tuple[float, float, float, float]:
    """Bounding box of strongly coloured pixels of the rendered page, as fractions."""
    pix = page.get_pixmap()
    image = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
    saturation = image.convert("HSV").split()[1]
    box = saturation.point(lambda v: 255 if v > 150 else 0).getbbox()
    assert box is not None
    return box[0] / pix.width, box[1] / pix.height, box[2] / pix.width, box[3] / pix.height


def test_annotations_land_where_they_were_drawn() -> None:
    original = make_pdf(2)  # 595 × 842 pt pages
    copy = compose_annotated_copy(
        original,
        [
            Highlight(page=1, rects=[(0.1, 0.2, 0.5, 0.25)], colour="#ffeb3b"),
            Ink(page=1, strokes=[[(0.2, 0.6), (0.4, 0.6), (0.4, 0.7)]], colour="#d32f2f"),
            Note(page=0, x=0.9, y=0.05, text=NOTE),
        ],
        author="Nguyễn Văn Ánh",
    )
    doc = pymupdf.open(stream=copy)
    page1 = doc[1]
    found = {a.type[1]: a for a in page1.annots()}
    highlight = found["Highlight"]
    quad = highlight.vertices
    xs = [p[0] for p in quad]
    ys = [p[1] for p in quad]
    assert min(xs) == pytest.approx(0.1 * 595, abs=1)
    assert max(xs) == pytest.approx(0.5 * 595, abs=1)
    assert min(ys) == pytest.approx(0.2 * 842, abs=1)
    assert max(ys) == pytest.approx(0.25 * 842, abs=1)
    assert highlight.colors["stroke"] == pytest.approx(parse_colour("#ffeb3b"), abs=0.01)

    ink = found["Ink"]
    stroke = ink.vertices[0]
    assert [(round(x), round(y)) for x, y in stroke] == [
        (round(0.2 * 595), round(0.6 * 842)),
        (round(0.4 * 595), round(0.6 * 842)),
        (round(0.4 * 595), round(0.7 * 842)),
    ]
    assert ink.info["title"] == "Nguyễn Văn Ánh"

    page0 = doc[0]
    (note,) = list(page0.annots())
    assert note.info["content"] == NOTE
    assert note.rect.x0 == pytest.approx(0.9 * 595, abs=1)
    assert note.rect.y0 == pytest.approx(0.05 * 842, abs=1)


def test_original_is_an_untouched_prefix_of_the_copy() -> None:
    original = make_pdf(1)
    before = bytes(original)
    copy = compose_annotated_copy(original, [Note(page=0, x=0.5, y=0.5, text="Ghi chú")])
    assert original == before
    # Incremental update: a signature over the original bytes would still hold.
    assert copy.startswith(original) and len(copy) > len(original)
    assert "Ghi chú" in [a.info["content"] for a in pymupdf.open(stream=copy)[0].annots()]


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_highlight_and_ink_appear_over_the_drawn_area(rotation: int) -> None:
    # A crop box off the media box origin, too: coordinates are of the page as displayed.
    original = to_bytes(make_doc(1, rotation=rotation, cropbox=pymupdf.Rect(30, 40, 560, 800)))
    highlighted = compose_annotated_copy(
        original, [Highlight(page=0, rects=[(0.6, 0.1, 0.9, 0.14)], colour="#0000ff")]
    )
    box = saturated_bbox(pymupdf.open(stream=highlighted)[0])
    # Highlights get rounded ends a little beyond the line; top and bottom are exact.
    assert box == pytest.approx((0.6, 0.1, 0.9, 0.14), abs=0.012)

    inked = compose_annotated_copy(
        original,
        [Ink(page=0, strokes=[[(0.2, 0.7), (0.5, 0.9)]], colour="#ff0000", width=0.004)],
    )
    box = saturated_bbox(pymupdf.open(stream=inked)[0])
    assert box == pytest.approx((0.2, 0.7, 0.5, 0.9), abs=0.012)


def test_annotation_on_missing_page_is_refused() -> None:
    with pytest.raises(ValueError):
        compose_annotated_copy(make_pdf(1), [Note(page=3, x=0.1, y=0.1, text="x")])


@pytest.mark.parametrize("colour", ["red", "#12345", "#gggggg"])
def test_bad_colour_is_refused(colour: str) -> None:
    with pytest.raises(ValueError):
        compose_annotated_copy(make_pdf(1), [Note(page=0, x=0.1, y=0.1, text="x", colour=colour)])
