"""Secretary uploads and submits, chair approves and publishes, a delegate reads on a tablet."""

from __future__ import annotations

import pymupdf
from playwright.async_api import Page, expect

from ecabinet.pdf.fonts import font_file
from tests.e2e.conftest import Screens, keep_for_guide

MEETING = "Phiên họp thường kỳ UBND tỉnh tháng 12/2026"  # the demo's draft meeting
TITLE = "Tờ trình phân bổ vốn đầu tư công 2027"


def paper() -> bytes:
    """Three pages; the last one speaks of KẾ HOẠCH (found by typing "ke hoach")."""
    doc = pymupdf.open()
    for n, line in enumerate(("Ủy ban nhân dân tỉnh Thừa Thiên Huế",
                              "Phương án phân bổ vốn cho các huyện, thị xã",
                              "KẾ HOẠCH VỐN ĐẦU TƯ CÔNG NĂM 2027"), start=1):
        page = doc.new_page()
        page.insert_font(fontname="vn", fontfile=font_file("serif"))
        page.insert_text((72, 90), f"Trang {n}", fontname="vn", fontsize=16)
        page.insert_text((72, 140), line, fontname="vn", fontsize=14)
    doc.subset_fonts()
    data = bytes(doc.tobytes(garbage=3, deflate=True))
    doc.close()
    return data


async def open_agenda(page: Page) -> None:
    await page.click(f"#meeting-list .meeting-card:has-text('{MEETING}')")
    await page.click("[data-tab=agenda]")
    await page.wait_for_selector("#agenda-items .agenda-item")


async def test_upload_approve_publish_and_read_on_a_tablet(screens: Screens) -> None:
    secretary = await screens.login("thuky")
    await open_agenda(secretary)
    # Drag the last item to the top; the new order is saved.
    items = secretary.locator("#agenda-items .agenda-item")
    last_title = await items.last.locator(".item-title").inner_text()
    await items.last.locator(".drag-handle").drag_to(items.first.locator(".item-title"))
    await expect(items.first.locator(".item-title")).to_contain_text(last_title.strip())
    await secretary.reload()
    await secretary.wait_for_selector("#agenda-items .agenda-item")
    await expect(items.first.locator(".item-title")).to_contain_text(last_title.strip())
    first_item = secretary.locator("#agenda-items .agenda-item").first
    await first_item.locator("input[type=file]").set_input_files(
        {"name": f"{TITLE}.pdf", "mimeType": "application/pdf", "buffer": paper()})
    row = secretary.locator(".doc-row", has_text=TITLE)
    # Processing state shows, then the document turns readable live.
    await expect(row).to_have_attribute("data-status", "ready", timeout=20000)
    await expect(row).to_contain_text("3 trang")
    # Every demo document must be processed too before the agenda can be submitted.
    await expect(secretary.locator(".doc-row:not([data-status=ready])")).to_have_count(
        0, timeout=30000)
    await keep_for_guide(secretary, "agenda.png")
    await secretary.click("#tab-body [data-transition=submit]")
    await secretary.wait_for_selector(".badge[data-status=submitted]")

    chair = await screens.login("phochutich")
    await keep_for_guide(chair, "meetings-awaiting.png")
    await open_agenda(chair)
    await keep_for_guide(chair, "approve.png")
    # Approving and publishing cannot be undone: each asks first, in the page.
    await chair.click("#tab-body [data-transition=approve]")
    await chair.click("#transition-dialog [data-answer=confirm]")
    await chair.wait_for_selector(".badge[data-status=approved]")
    await chair.click("#tab-body [data-transition=publish]")
    await chair.click("#transition-dialog [data-answer=confirm]")
    await chair.wait_for_selector(".badge[data-status=published]")

    delegate = await screens.login("daibieu1", viewport={"width": 800, "height": 1280})
    await open_agenda(delegate)
    await delegate.locator(".doc-row", has_text=TITLE).get_by_role("link", name="Đọc").click()
    # Drawn on the tablet from the PDF itself (PDF.js), not sent as pictures.
    await delegate.wait_for_selector("#reader #page-canvas")
    await delegate.click(".thumb[data-page='2']")
    await expect(delegate.locator("#page-input")).to_have_value("2")
    await expect(delegate.locator("#sheet")).to_have_attribute("data-drawn", "2")
    await delegate.wait_for_selector("#text-layer span")

    # A sticky note on page 2.
    await delegate.click("[data-tool=note]")
    sheet = await delegate.locator("#sheet").bounding_box()
    assert sheet is not None
    x, y = sheet["x"] + sheet["width"] * 0.7, sheet["y"] + sheet["height"] * 0.3
    await delegate.mouse.click(x, y)
    await delegate.fill("#note-text", "Đề nghị Sở Tài chính làm rõ nguồn vốn đối ứng")
    await delegate.click("#note-save")
    await expect(delegate.locator(".note-pin")).to_have_count(1)
    await delegate.click("#notes-toggle")
    await expect(delegate.locator("#annotation-list")).to_contain_text("nguồn vốn đối ứng")
    await keep_for_guide(delegate, "reader-notes.png")

    # Searching without diacritics finds the page that says KẾ HOẠCH.
    await delegate.click("[data-tool=read]")
    await delegate.click("#search-toggle")
    await delegate.fill("#reader-search", "ke hoach")
    await delegate.press("#reader-search", "Enter")
    hit = delegate.locator("#reader-search-results .hit")
    await expect(hit).to_have_count(1)
    await expect(hit).to_contain_text("KẾ HOẠCH")
    await keep_for_guide(delegate, "reader-search.png")
    await hit.click()
    await expect(delegate.locator("#page-input")).to_have_value("3")
    await expect(delegate.locator("#text-layer span.hit").first).to_be_visible()
    # The note stays on page 2.
    await expect(delegate.locator(".note-pin")).to_have_count(0)

    # The briefcase: the meeting's pages were kept, so reading goes on without Wi-Fi.
    await delegate.click(".reader-bar .back")
    await expect(delegate.locator("#briefcase-note")).to_contain_text("Đã lưu", timeout=30000)
    await keep_for_guide(delegate, "briefcase.png")
    await delegate.context.set_offline(True)
    await delegate.locator(".doc-row", has_text=TITLE).get_by_role("link", name="Đọc").click()
    await delegate.click(".thumb[data-page='2']")
    await expect(delegate.locator("#sheet")).to_have_attribute("data-drawn", "2")
    # Read from the service worker's briefcase, not by luck from the browser's memory.
    assert await delegate.evaluate(
        "(async () => Boolean(navigator.serviceWorker.controller) && (await Promise.all("
        "(await caches.keys()).filter((n) => n.startsWith('ecabinet-briefcase:'))"
        ".map(async (n) => (await (await caches.open(n)).keys())"
        ".some((r) => r.url.endsWith('/pdf'))))).some(Boolean))()")
    await delegate.context.set_offline(False)
