"""Page images: sizes, formats, bounds, and the per-viewer watermark."""

from __future__ import annotations

import io

import pymupdf
import pytest
from PIL import Image, ImageChops

from ecabinet.pdf.render import (
    PageOutOfRange,
    render_page_image,
    render_thumbnail_png,
)
from ecabinet.pdf.watermark import Watermark, build_stamp

from .samples import make_doc

VIEWER = Watermark(("Nguyễn Văn Ánh", "UBND huyện Phú Lộc", "2026-11-23 09:15"))


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def reddish_pixels(image: Image.Image) -> int:
    """Pixels noticeably redder than green: the watermark's tint, absent from black text."""
    r, g, _ = image.convert("RGB").split()
    diff = ImageChops.subtract(r, g)
    return sum(diff.point(lambda v: 1 if v > 8 else 0).histogram()[1:])


@pytest.mark.parametrize("width", [1280, 1024, 480, 333])
def test_page_has_requested_width_and_page_aspect(width: int) -> None:
    doc = make_doc(2)
    image = decode(render_page_image(doc, 1, width))
    assert image.format == "WEBP"  # a text page
    assert image.width == width
    assert image.height == pytest.approx(width * 842 / 595, abs=1)


def test_rotated_page_renders_landscape() -> None:
    doc = make_doc(1, rotation=90)
    image = decode(render_page_image(doc, 0, 1280))
    assert image.size[0] == 1280
    assert image.height == pytest.approx(1280 * 595 / 842, abs=1)


def test_thumbnail_is_png_of_width() -> None:
    doc = make_doc(1)
    data = render_thumbnail_png(doc, 0, 160)
    assert data.startswith(b"\x89PNG")
    assert decode(data).width == 160


@pytest.mark.parametrize("page", [-1, 2, 99])
def test_missing_page(page: int) -> None:
    with pytest.raises(PageOutOfRange):
        render_page_image(make_doc(2), page, 480)


@pytest.mark.parametrize("width", [0, 8, 5000])
def test_width_out_of_bounds(width: int) -> None:
    with pytest.raises(ValueError):
        render_page_image(make_doc(1), 0, width)


def test_watermark_stamp_holds_the_viewer_lines_in_vietnamese() -> None:
    stamp = build_stamp(VIEWER, 595, 842)
    text = stamp[0].get_text()
    for line in VIEWER.lines:
        assert line in text
    # Tiled: the name appears many times across the page.
    assert text.count("Nguyễn Văn Ánh") >= 4


def test_watermarked_render_shows_the_mark_and_plain_render_does_not() -> None:
    doc = make_doc(1)
    plain = decode(render_page_image(doc, 0, 800))
    marked = decode(render_page_image(doc, 0, 800, watermark=VIEWER))
    assert plain.size == marked.size
    assert reddish_pixels(plain) < 50
    assert reddish_pixels(marked) > 5_000
    # The page itself was not modified: no watermark text got into it, and a
    # plain render after a watermarked one is still clean.
    assert "Nguyễn Văn Ánh" not in doc[0].get_text().replace("Nguyễn Văn Ánh, Chủ tịch", "")
    assert reddish_pixels(decode(render_page_image(doc, 0, 800))) < 50


def test_watermark_reaches_every_quarter_of_the_page() -> None:
    doc = make_doc(1, rotation=90)
    marked = decode(render_page_image(doc, 0, 800, watermark=VIEWER))
    w, h = marked.size
    for box in [
        (0, 0, w // 2, h // 2),
        (w // 2, 0, w, h // 2),
        (0, h // 2, w // 2, h),
        (w // 2, h // 2, w, h),
    ]:
        assert reddish_pixels(marked.crop(box)) > 500


def test_watermark_key_depends_on_text_only() -> None:
    same = Watermark(("Nguyễn Văn Ánh", "UBND huyện Phú Lộc", "2026-11-23 09:15"))
    other = Watermark(("Nguyễn Văn Ánh", "UBND huyện Phú Lộc", "2026-11-23 09:16"))
    assert same.key == VIEWER.key
    assert other.key != VIEWER.key
    assert len(VIEWER.key) == 16


def test_watermark_lines_are_tidied_and_checked() -> None:
    assert Watermark(("  Lê   Thị Hoa ", "", "UBND xã")).lines == ("Lê Thị Hoa", "UBND xã")
    with pytest.raises(ValueError):
        Watermark(("", "  "))
    with pytest.raises(ValueError):
        Watermark(("a", "b", "c", "d", "e"))


def test_page_with_odd_size_renders(tmp_path: object) -> None:
    doc = pymupdf.open()
    doc.new_page(width=200.5, height=1000.25)
    image = decode(render_page_image(doc, 0, 401, watermark=VIEWER))
    assert image.size == (401, 2001)
