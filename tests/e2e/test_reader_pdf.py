"""Documents drawn on the tablet by PDF.js: a 300-page book, its search hits on the right
words, annotations on the same spot whichever way a page is drawn, and restricted
documents that never leave the server as a PDF."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page, expect

from tests.conftest import LiveServer
from tests.e2e import reading
from tests.e2e.conftest import Screens, meeting_id

MEETING = "Hội nghị trực tuyến triển khai Chính quyền điện tử 3 cấp"  # the demo's published one
RESTRICTED = "Phương án nhân sự Ban Chỉ đạo chuyển đổi số (tài liệu mật)"
TABLET = {"width": 800, "height": 1280}


def pdfs_sent(node: LiveServer) -> list[reading.Sent]:
    """Every response that carried PDF bytes."""
    recorder: reading.Recorder = node.app
    return [s for s in recorder.sent if s.content_type.startswith("application/pdf")]


async def word_boxes(page: Page) -> list[dict[str, Any]]:
    """The text layer's highlighted words with their boxes in fractions of the page."""
    boxes: list[dict[str, Any]] = await page.evaluate("""() => {
        const layer = document.querySelector('#text-layer').getBoundingClientRect();
        return [...document.querySelectorAll('#text-layer span.hit')].map((s) => {
          const r = s.getBoundingClientRect();
          return { text: s.textContent.trim(), x0: (r.left - layer.left) / layer.width,
                   y0: (r.top - layer.top) / layer.height, x1: (r.right - layer.left) / layer.width,
                   y1: (r.bottom - layer.top) / layer.height };
        });
    }""")
    return boxes


async def test_a_300_page_book_is_drawn_on_the_tablet_and_search_lands_on_the_words(
        recorded_screens: Screens, recorded_node: LiveServer) -> None:
    office = await reading.secretary(recorded_node.url)
    tablet = await recorded_screens.login("daibieu1", viewport=TABLET)
    m = await meeting_id(tablet, MEETING)
    data = reading.book(300)
    doc, version = await reading.upload(office, await reading.first_item(office, m), data,
                                        "Tài liệu phiên họp (300 trang)")
    await tablet.goto(f"/meetings/{m}/documents/{doc}")
    await expect(tablet.locator("#sheet")).to_have_attribute("data-drawn", "1", timeout=20000)
    # Drawn by PDF.js (a picture from the server may stand in while the PDF comes).
    await expect(tablet.locator("#page-canvas")).to_be_visible(timeout=20000)
    await expect(tablet.locator("#page-img")).to_have_count(0)
    await expect(tablet.locator(".pager")).to_contain_text("300")
    # The page is on the canvas: dark pixels where the text is.
    inked = await tablet.evaluate("""() => {
        const c = document.querySelector('#page-canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let dark = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 100) dark += 1;
        return dark; }""")
    assert inked > 1000

    # Searching without diacritics finds page 250, and the hits cover the words there.
    await tablet.click("#search-toggle")
    await tablet.fill("#reader-search", "ke hoach dau tu cong")
    await tablet.press("#reader-search", "Enter")
    hit = tablet.locator("#reader-search-results .hit")
    await expect(hit).to_have_count(1)
    await hit.click()
    await expect(tablet.locator("#page-input")).to_have_value(str(reading.HIT_PAGE))
    await expect(tablet.locator("#sheet")).to_have_attribute("data-drawn", str(reading.HIT_PAGE))
    hits = tablet.locator("#text-layer span.hit")
    await expect(hits).to_have_count(5)
    boxes = await word_boxes(tablet)
    assert [b["text"] for b in boxes] == ["Kế", "hoạch", "đầu", "tư", "công"]
    # ... where the server's own word boxes put those words (within 1% of the page).
    words = (await tablet.evaluate(
        f"fetch('/api/documents/{doc}/versions/{version}/pages/{reading.HIT_PAGE}/words')"
        ".then((r) => r.json())"))["words"]
    texts = [w[4] for w in words]
    start = next(i for i in range(len(texts)) if texts[i:i + 2] == ["Kế", "hoạch"])
    for box, server in zip(boxes, words[start:start + 5], strict=True):
        assert server[4] == box["text"]
        centre = ((box["y0"] + box["y1"]) / 2, (server[1] + server[3]) / 2)
        assert abs(box["x0"] - server[0]) < 0.01, (box, server)
        assert abs(box["x1"] - server[2]) < 0.01, (box, server)
        assert abs(centre[0] - centre[1]) < 0.01, (box, server)
    # The tablet drew the book from its own PDF: at most one page picture was sent for it
    # (page 1, standing in while the PDF came), and the reader fetched ranges of the PDF,
    # not the whole (the briefcase keeps the whole later).
    recorder: reading.Recorder = recorded_node.app
    pictures = [s.path for s in recorder.sent if s.path.startswith(f"/api/documents/{doc}/")
                and s.path.endswith("/image")]
    assert pictures in ([], [f"/api/documents/{doc}/versions/{version}/pages/1/image"]), pictures
    ranges = [s for s in pdfs_sent(recorded_node) if s.path.startswith(f"/api/documents/{doc}/")
              and not s.briefcase and s.status == 206]
    assert ranges and all(s.body_bytes <= 256 * 1024 for s in ranges)
    await office.aclose()


async def dark_centre(page: Page, source: str) -> dict[str, float]:
    """The centre of the black square on a drawn page, in pixels of that drawing, with the
    drawing's size. `source` is a JS expression for a canvas or an image URL."""
    found: dict[str, float] = await page.evaluate("""async (source) => {
        let canvas = source.startsWith('#') ? document.querySelector(source) : null;
        if (!canvas) {
          const img = new Image(); img.src = source; await img.decode();
          canvas = document.createElement('canvas');
          canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
          canvas.getContext('2d').drawImage(img, 0, 0);
        }
        const { width, height } = canvas;
        const d = canvas.getContext('2d').getImageData(0, 0, width, height).data;
        const dark = (x, y) => x >= 0 && y >= 0 && x < width && y < height
          && d[(y * width + x) * 4] < 60;
        let sx = 0, sy = 0, n = 0;
        // The square is the only black area wider than a text stroke: a pixel counts when
        // it and its neighbours 3 px away on every side are black (symmetric, unbiased).
        for (let y = 0; y < height; y += 1) for (let x = 0; x < width; x += 1) {
          if (dark(x, y) && dark(x - 3, y) && dark(x + 3, y) && dark(x, y - 3) && dark(x, y + 3)) {
            sx += x + 0.5; sy += y + 0.5; n += 1;
          }
        }
        return { x: sx / n, y: sy / n, width, height, n };
    }""", source)
    return found


async def test_an_annotation_made_on_a_pdfjs_page_sits_on_the_same_spot_on_a_server_page(
        recorded_screens: Screens, recorded_node: LiveServer) -> None:
    office = await reading.secretary(recorded_node.url)
    tablet = await recorded_screens.login("daibieu1", viewport={"width": 1400, "height": 1000})
    m = await meeting_id(tablet, MEETING)
    doc, version = await reading.upload(office, await reading.first_item(office, m),
                                        reading.squares(), "Sơ đồ vị trí")
    for page_no in (1, 2):
        await tablet.goto(f"/meetings/{m}/documents/{doc}?page={page_no}")
        await expect(tablet.locator("#sheet")).to_have_attribute("data-drawn", str(page_no),
                                                                 timeout=20000)
        await expect(tablet.locator("#page-canvas")).to_be_visible(timeout=20000)
        drawn = await dark_centre(tablet, "#page-canvas")
        assert drawn["n"] > 50
        sheet = await tablet.locator("#sheet").bounding_box()
        assert sheet is not None
        # A note on the square's centre, as the delegate taps it on the PDF.js page.
        await tablet.click("[data-tool=note]")
        await tablet.mouse.click(sheet["x"] + sheet["width"] * drawn["x"] / drawn["width"],
                                 sheet["y"] + sheet["height"] * drawn["y"] / drawn["height"])
        await tablet.fill("#note-text", f"Vị trí trang {page_no}")
        await tablet.click("#note-save")
        await expect(tablet.locator(".note-pin")).to_have_count(1)
        notes = await tablet.evaluate(
            f"fetch('/api/documents/{doc}/annotations?version={version}').then((r) => r.json())")
        note = next(n for n in notes if n["page"] == page_no)
        # The server draws the same page 1280 px wide: the square is where the note is.
        image = f"/api/documents/{doc}/versions/{version}/pages/{page_no}/image?w=1280"
        server = await dark_centre(tablet, image)
        assert server["width"] == 1280
        dx = note["data"]["x"] * server["width"] - server["x"]
        dy = note["data"]["y"] * server["height"] - server["y"]
        assert abs(dx) <= 2 and abs(dy) <= 2, (page_no, dx, dy, note, server)
        # And the server-rendered reader shows that note on that page.
        await tablet.goto(f"/meetings/{m}/documents/{doc}?page={page_no}&render=pages")
        await expect(tablet.locator("#page-img")).to_be_visible()
        await expect(tablet.locator("#sheet")).to_have_attribute("data-drawn", str(page_no))
        await expect(tablet.locator(".note-pin")).to_have_count(1)
    await office.aclose()


async def test_a_restricted_document_is_shown_as_pictures_and_never_sent_as_a_pdf(
        recorded_screens: Screens, recorded_node: LiveServer) -> None:
    tablet = await recorded_screens.login("daibieu1", viewport=TABLET)  # one of its named readers
    m = await meeting_id(tablet, MEETING)
    agenda = await reading.processed_agenda(tablet, m)
    doc = next(d for d in agenda["documents"] if d["title"] == RESTRICTED)
    await tablet.goto(f"/meetings/{m}/agenda")
    await expect(tablet.locator("#briefcase-note")).to_contain_text("Đã lưu", timeout=30000)
    await tablet.goto(f"/meetings/{m}/documents/{doc['id']}")
    await expect(tablet.locator("#page-img")).to_be_visible()
    await expect(tablet.locator("#sheet")).to_have_attribute("data-drawn", "1", timeout=20000)
    await expect(tablet.locator("#page-canvas")).to_have_count(0)
    await expect(tablet.locator(".restricted-banner")).to_be_visible()
    # Asked for directly, the PDF is refused too.
    status = await tablet.evaluate("""async (id) => {
        const doc = await (await fetch(`/api/documents/${id}`)).json();
        return (await fetch(`/api/documents/${id}/versions/${doc.readable.id}/pdf`)).status;
    }""", doc["id"])
    assert status == 403
    recorder: reading.Recorder = recorded_node.app
    mine = [s for s in recorder.sent if s.path.startswith(f"/api/documents/{doc['id']}/")]
    assert any(s.path.endswith("/image") and s.status == 200 for s in mine)
    mine_as_pdf = [s for s in pdfs_sent(recorded_node)
                   if s.path.startswith(f"/api/documents/{doc['id']}/")]
    assert not mine_as_pdf
    # Other documents of the meeting did travel as PDFs (the briefcase kept them).
    assert [s for s in pdfs_sent(recorded_node) if s.briefcase and s.status in (200, 206)]
