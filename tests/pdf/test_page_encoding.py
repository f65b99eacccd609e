"""Server-rendered pages encoded for what they hold: grey WebP text, colour WebP, JPEG photos."""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Any

import pymupdf
import pytest
from PIL import Image, ImageChops

from ecabinet.pdf.cache import PageCache
from ecabinet.pdf.fonts import font_file
from ecabinet.pdf.render import (
    GREY_LEVELS,
    PALETTE_COLOURS,
    encode_page,
    image_file_media_type,
    image_media_type,
    is_photo_page,
    load_page,
    render_page_image,
    render_pixmap,
)
from ecabinet.pdf.watermark import Watermark
from tests.conftest import World
from tests.documents.conftest import add_item, add_pdf
from tests.test_meetings import make_meeting

VIEWER = Watermark(("Nguyễn Văn Ánh", "UBND huyện Phú Lộc", "2026-11-23 09:15"))
WORDS = (
    "Ủy ban nhân dân tỉnh — Kế hoạch chuyển đổi số năm 2026 của huyện Phú Lộc: đẩy mạnh "
    "cải cách hành chính, xây dựng chính quyền điện tử, họp không giấy, ký số văn bản, "
    "lưu trữ hồ sơ điện tử, nâng cao chất lượng phục vụ người dân và doanh nghiệp; "
    "Điều chỉnh dự toán ngân sách, giải ngân vốn đầu tư công, thẩm định đề án, tổng hợp ý kiến"
).split()
RED = (0.8, 0.05, 0.05)


def text_page(doc: pymupdf.Document, *, seed: int = 1,
              heading_colour: tuple[float, float, float] | None = None) -> pymupdf.Page:
    """An A4 page of Vietnamese running text (varied, like a real page), 11 pt, 36 lines."""
    rng = random.Random(seed)
    page = doc.new_page(width=595, height=842)
    page.insert_font(fontname="vn", fontfile=font_file("serif"))
    page.insert_text((70, 80), "ỦY BAN NHÂN DÂN TỈNH THỪA THIÊN HUẾ", fontname="vn",
                     fontsize=15, color=heading_colour)
    y = 120.0
    for _ in range(36):
        page.insert_text((70, y), " ".join(rng.choice(WORDS) for _ in range(11)),
                         fontname="vn", fontsize=11)
        y += 19
    return page


def rgb_render(page: pymupdf.Page, width: int = 1280, watermark: Watermark | None = None
               ) -> Image.Image:
    """The page drawn as the server draws it, before any encoding."""
    pix = render_pixmap(page.get_displaylist(), width, watermark=watermark)
    return Image.frombytes("RGB", (pix.width, pix.height), pix.samples)


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def encoded(page: pymupdf.Page, width: int = 1280, watermark: Watermark | None = None
            ) -> bytes:
    pix = render_pixmap(page.get_displaylist(), width, watermark=watermark)
    return encode_page(pix, photo=is_photo_page(page))


def rgb_colours(image: Image.Image, limit: int = 1 << 24) -> dict[tuple[int, int, int], int]:
    """Pixel count of each colour of `image` in RGB."""
    found = image.convert("RGB").getcolors(limit)
    assert found is not None
    return {(rgb[0], rgb[1], rgb[2]): n for n, rgb in found if isinstance(rgb, tuple)}


def count(image: Image.Image, test: Any) -> int:
    """Pixels of an RGB image whose (r, g, b) satisfies `test`."""
    return sum(n for rgb, n in rgb_colours(image).items() if test(rgb))


def reddish(rgb: tuple[int, int, int]) -> bool:
    r, g, b = rgb
    return r - g > 8 and r - b > 8


def test_a_vietnamese_text_page_is_a_small_grey_webp_close_to_the_render() -> None:
    doc = pymupdf.open()
    page = text_page(doc)
    data = encoded(page)
    assert image_media_type(data) == "image/webp"
    assert len(data) <= 60 * 1024, f"{len(data) / 1024:.0f} KB"
    image = decode(data)
    assert image.format == "WEBP" and image.width == 1280
    colours = rgb_colours(image)
    assert len(colours) <= GREY_LEVELS
    assert all(r == g == b for r, g, b in colours)
    # Close to what MuPDF drew: little error on average, and the glyphs' dark cores
    # (where diacritics live) stay dark.
    original = rgb_render(page).convert("L")
    decoded = image.convert("L")
    histogram = ImageChops.difference(original, decoded).histogram()
    mean = sum(n * v for v, n in enumerate(histogram)) / (1280 * image.height)
    assert mean < 2.0
    worst = max(v for v, n in enumerate(histogram) if n)
    assert 0 < worst <= 255 // (GREY_LEVELS - 1) // 2 + 2  # the nearest level, never further
    dark = original.point(lambda v: 255 if v < 64 else 0)
    # Within half a level step (255 / 7 / 2) of dark: no glyph core paled or vanished.
    still_dark = ImageChops.multiply(dark, decoded.point(lambda v: 255 if v < 64 + 19 else 0))
    dark_pixels = dark.histogram()[255]
    assert dark_pixels > 20_000
    assert still_dark.histogram()[255] == dark_pixels


def test_a_scanned_page_stays_jpeg_in_colour_or_grey() -> None:
    rng = random.Random(3)
    doc = pymupdf.open()
    for mode in ("RGB", "L"):
        noise = Image.frombytes(mode, (300, 420), rng.randbytes(300 * 420 * len(mode)))
        out = io.BytesIO()
        noise.save(out, "PNG")
        page = doc.new_page(width=595, height=842)
        page.insert_image(page.rect, stream=out.getvalue())
        assert is_photo_page(page)
        data = encoded(page)
        assert image_media_type(data) == "image/jpeg"
        assert decode(data).mode == mode  # a grey scan is sent as a grey JPEG


def test_a_small_picture_does_not_make_a_text_page_a_photo() -> None:
    doc = pymupdf.open()
    page = text_page(doc)
    logo = Image.new("RGB", (40, 40), (30, 90, 200))
    out = io.BytesIO()
    logo.save(out, "PNG")
    page.insert_image(pymupdf.Rect(480, 40, 540, 100), stream=out.getvalue())  # < 1 %
    assert not is_photo_page(page)
    page.insert_image(pymupdf.Rect(0, 421, 595, 842), stream=out.getvalue())  # half
    assert is_photo_page(page)


def test_a_page_with_a_red_heading_and_seal_is_a_colour_palette_webp_keeping_the_red() -> None:
    doc = pymupdf.open()
    page = text_page(doc, heading_colour=RED)
    page.draw_circle((460, 760), 45, color=RED, width=3)
    data = encoded(page)
    assert image_media_type(data) == "image/webp"
    assert len(data) <= 80 * 1024
    image = decode(data).convert("RGB")
    assert GREY_LEVELS < len(rgb_colours(image)) <= PALETTE_COLOURS

    def strong_red(rgb: tuple[int, int, int]) -> bool:
        return rgb[0] > 150 and rgb[1] < 90 and rgb[2] < 90

    drawn = count(rgb_render(page), strong_red)
    assert drawn > 2_000
    assert count(image, strong_red) >= drawn * 0.9
    # Black text stays neutral: the palette did not tint it.
    assert count(image, lambda rgb: max(rgb) < 40 and max(rgb) - min(rgb) > 12) == 0


def test_a_watermarked_page_keeps_its_watermark_where_the_stamp_is() -> None:
    doc = pymupdf.open()
    page = text_page(doc)
    plain = decode(encoded(page))
    data = encoded(page, watermark=VIEWER)
    assert image_media_type(data) == "image/webp"
    marked = decode(data).convert("RGB")
    assert count(plain, reddish) == 0
    assert count(marked, reddish) > 50_000
    # Where the stamp changed the drawn page, the encoded page changed too.
    raw_plain, raw_marked = rgb_render(page), rgb_render(page, watermark=VIEWER)
    stamp = ImageChops.difference(raw_plain, raw_marked).convert("L").point(
        lambda v: 255 if v > 20 else 0)
    kept = ImageChops.multiply(stamp, ImageChops.difference(plain.convert("RGB"), marked)
                               .convert("L").point(lambda v: 255 if v > 10 else 0))
    stamped = stamp.histogram()[255]
    assert stamped > 50_000
    assert kept.histogram()[255] >= stamped * 0.95


def test_a_page_too_long_for_webp_is_jpeg() -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=200, height=4000)  # 1280 x 25,600 px, past WebP's 16,383
    page.insert_text((20, 40), "Trang dài", fontsize=12)
    data = render_page_image(doc, 0, 1280)
    assert image_media_type(data) == "image/jpeg"
    assert decode(data).height > 16_383


def test_media_type_is_sniffed_from_the_first_bytes(tmp_path: Path) -> None:
    doc = pymupdf.open()
    text_page(doc)
    webp = render_page_image(doc, 0, 480)
    assert webp[:4] == b"RIFF" and webp[8:12] == b"WEBP"
    path = tmp_path / "p0-w480.img"
    path.write_bytes(webp)
    assert image_file_media_type(path) == "image/webp"
    assert image_media_type(b"\xff\xd8\xff\xe0" + bytes(8)) == "image/jpeg"
    assert image_media_type(b"\x89PNG\r\n\x1a\n" + bytes(4)) == "image/png"
    with pytest.raises(ValueError):
        image_media_type(b"GIF89a" + bytes(6))


def test_cached_page_files_have_a_neutral_name_and_stale_marked_ones_are_purged(
    tmp_path: Path
) -> None:
    cache = PageCache(tmp_path)
    sha = "a" * 64
    plain = cache.page_path(sha, 0, 480, None)
    marked = cache.page_path(sha, 0, 480, VIEWER)
    assert plain.suffix == marked.suffix == ".img"
    legacy = marked.with_suffix(".jpg")  # written by versions that made only JPEG
    for path in (plain, marked, legacy):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    assert cache.purge_watermarked(0, now=4_000_000_000) == 2
    assert plain.exists() and not marked.exists() and not legacy.exists()


def test_render_page_image_matches_the_worker_choice_for_a_loaded_page() -> None:
    doc = pymupdf.open()
    text_page(doc)
    assert not is_photo_page(load_page(doc, 0))
    assert image_media_type(render_page_image(doc, 0, 800)) == "image/webp"


async def test_the_page_route_serves_a_text_page_as_webp(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    doc = pymupdf.open()
    text_page(doc)
    rng = random.Random(5)
    scan = Image.frombytes("RGB", (200, 280), rng.randbytes(200 * 280 * 3))
    out = io.BytesIO()
    scan.save(out, "PNG")
    photo = doc.new_page(width=595, height=842)
    photo.insert_image(photo.rect, stream=out.getvalue())
    data = doc.tobytes(garbage=3, deflate=True)
    item_id = await add_item(sessions, world, await make_meeting(sessions, world))
    doc_id, version_id = await add_pdf(app, sessions, world, item_id, data)
    secretary = await client_factory("secretary")
    base = f"/api/documents/{doc_id}/versions/{version_id}/pages"
    text = await secretary.get(f"{base}/1/image?w=1280")
    assert text.status_code == 200, text.text
    assert text.headers["content-type"] == "image/webp"
    assert text.headers["cache-control"] == "private, no-cache"
    assert decode(text.content).format == "WEBP"
    again = await secretary.get(f"{base}/1/image?w=1280")  # now from the cache
    assert again.headers["content-type"] == "image/webp" and again.content == text.content
    picture = await secretary.get(f"{base}/2/image?w=1280")
    assert picture.headers["content-type"] == "image/jpeg"
    assert decode(picture.content).format == "JPEG"
