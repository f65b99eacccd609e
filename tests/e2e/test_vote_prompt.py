"""A delegate reading page 12 of a document is asked to vote there, and told they have the floor.

The prompts (static/js/views/prompts.js) reach a member whatever their screen shows: the
question and its buttons over the document reader, the countdown of a timed vote, the
receipt; "Bạn được phát biểu" when the chair gives them the floor; and, for the chair, a
new request to speak.
"""

from __future__ import annotations

import asyncio
import base64
import re

import pymupdf
from playwright.async_api import Page, expect

from ecabinet.pdf.fonts import font_file
from tests.e2e.conftest import Screens, keep_for_guide, meeting_id

TITLE = "Họp khẩn về phòng chống lụt bão"
PAPER = "Báo cáo tổng hợp thiệt hại do mưa lũ tháng 11/2026"
QUESTION = "Thông qua phương án hỗ trợ khẩn cấp 500 triệu đồng cho các hộ dân bị ngập"
DELEGATE_NAME = "Phan Thiên Định"  # daibieu1
SCREEN = {"width": 1280, "height": 800}


def long_paper(pages: int = 14) -> bytes:
    """A report long enough to be read on page 12."""
    doc = pymupdf.open()
    for n in range(1, pages + 1):
        page = doc.new_page()
        page.insert_font(fontname="vn", fontfile=font_file("serif"))
        page.insert_text((72, 90), f"Trang {n}", fontname="vn", fontsize=16)
        page.insert_textbox(pymupdf.Rect(72, 120, 523, 760),
                            f"Phần {n}. Tình hình thiệt hại tại các huyện, thị xã và thành phố "
                            "Huế do mưa lũ gây ra; số hộ dân bị ngập, số hộ cần di dời khẩn cấp "
                            "và đề xuất mức hỗ trợ từ ngân sách tỉnh. " * 6,
                            fontname="vn", fontsize=12)
    doc.subset_fonts()
    data = bytes(doc.tobytes(garbage=3, deflate=True))
    doc.close()
    return data


def watch_console(page: Page, errors: list[str], who: str) -> None:
    """Console errors and uncaught exceptions of a page end up in `errors`."""
    page.on("console", lambda msg: errors.append(f"{who} console: {msg.text}")
            if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"{who} pageerror: {exc}"))


async def upload_to_current_item(page: Page, meeting: int, data: bytes, title: str) -> int:
    """The secretary adds a document to the item under discussion; its id once readable."""
    doc_id: int = await page.evaluate(
        """async ({meeting, data, title}) => {
             const session = await (await fetch('/api/session')).json();
             const live = (await (await fetch(`/api/meetings/${meeting}`)).json()).live;
             const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
             const form = new FormData();
             form.append('title', title);
             const pdf = new Blob([bytes], {type: 'application/pdf'});
             form.append('file', pdf, 'bao-cao-thiet-hai.pdf');
             const response = await fetch(`/api/agenda/items/${live.current_item.id}/documents`,
               {method: 'POST', headers: {'x-csrf-token': session.csrf_token}, body: form});
             const doc = await response.json();
             if (!response.ok) throw new Error(JSON.stringify(doc));
             return doc.id;
           }""",
        {"meeting": meeting, "data": base64.b64encode(data).decode(), "title": title})
    for _ in range(120):
        pages = await page.evaluate(
            """async (id) => { const d = await (await fetch(`/api/documents/${id}`)).json();
                               return d.readable ? d.readable.pages : 0; }""", doc_id)
        if pages:
            assert pages == 14
            return doc_id
        await asyncio.sleep(0.5)
    raise AssertionError("the uploaded document was never processed")


async def test_the_vote_and_the_floor_reach_a_delegate_reading_a_document(
        screens: Screens) -> None:
    errors: list[str] = []
    secretary = await screens.login("thuky")
    m = await meeting_id(secretary, TITLE)
    doc = await upload_to_current_item(secretary, m, long_paper(), PAPER)

    chair = await screens.login("chutich", viewport=SCREEN)
    watch_console(chair, errors, "chair")
    await chair.goto(f"/meetings/{m}/console")
    await chair.wait_for_selector("#poll-question")

    delegate = await screens.login("daibieu1", viewport=SCREEN)
    watch_console(delegate, errors, "delegate")
    await delegate.goto(f"/meetings/{m}/live")
    await delegate.click("#check-in")
    await delegate.wait_for_selector("#checkin.done")
    # The delegate opens the new report from the item under discussion and reads page 12.
    await delegate.click(f"#current-item-docs a[data-document-id='{doc}']")
    await delegate.wait_for_selector("#reader #page-canvas")
    await delegate.click(".thumb[data-page='12']")
    await expect(delegate.locator("#page-input")).to_have_value("12")
    await expect(delegate.locator("#sheet")).to_have_attribute("data-page", "12")
    assert await delegate.locator("#prompt-layer .prompt").count() == 0

    # The chair opens a one-minute vote from the console.
    progress = chair.locator("#poll-list .poll-row.open [data-role=progress]")
    await chair.fill("#poll-question", QUESTION)
    await chair.select_option("#poll-limit", "60")
    await chair.click("#poll-open")
    await expect(progress).to_contain_text("Đã biểu quyết: 0/")

    # Over the reader, still on page 12: the question, a big button per option, the countdown.
    prompt = delegate.locator("#prompt-layer .prompt-vote")
    await expect(prompt).to_be_visible(timeout=5000)
    await expect(prompt.locator(".prompt-question")).to_have_text(QUESTION)
    buttons = prompt.locator(".ballot-option")
    await expect(buttons).to_have_text(["Tán thành", "Không tán thành", "Không biểu quyết"])
    for i in range(3):
        box = await buttons.nth(i).bounding_box()
        assert box is not None and box["height"] >= 48 and box["width"] >= 48, box
    await expect(prompt.locator("[data-role=countdown]")).to_have_text(
        re.compile(r"^0:[0-5]\d$|^1:00$"))
    await expect(delegate.locator("#reader")).to_be_visible()
    await expect(delegate.locator("#page-input")).to_have_value("12")
    # The sound toggle is on the prompt, off until turned on, and remembered.
    sound = prompt.locator(".prompt-sound")
    await expect(sound).to_have_attribute("aria-pressed", "false")
    await sound.click()
    await expect(prompt.locator(".prompt-sound")).to_have_attribute("aria-pressed", "true")
    assert await delegate.evaluate("() => localStorage.getItem('ecabinet.prompt_sound')") == "on"

    # For the user guide: the prompt over page 12 of the report.
    await expect(delegate.locator("#sheet")).to_have_attribute("data-drawn", "12")
    await keep_for_guide(delegate, "vote-prompt.png")

    # Voting from the prompt: the receipt, and the chair's count goes up.
    await prompt.locator(".ballot-option[data-choice='0']").click()
    receipt = prompt.locator("[data-role=receipt] .lv-receipt")
    await expect(receipt).to_have_text(re.compile(r"^[A-Z0-9]{5}-[A-Z0-9]{5}$"))
    await expect(prompt.locator("[data-role=receipt]")).to_contain_text(
        "Bạn đã biểu quyết: Tán thành")
    await expect(progress).to_contain_text("Đã biểu quyết: 1/")
    await prompt.locator(".prompt-dismiss").click()
    await expect(delegate.locator("#prompt-layer .prompt")).to_have_count(0)
    await expect(delegate.locator("#page-input")).to_have_value("12")

    # The chair closes the vote; nothing more is asked of the delegate.
    await chair.click("#poll-list [data-action=close]")
    await chair.click("#close-poll-dialog [data-answer=confirm]")
    await expect(chair.locator("#poll-list .poll-row.closed")).to_have_count(1)
    await expect(chair.locator("#prompt-layer .prompt-vote")).to_have_count(0)

    # The chair turns to the agenda's documents; the console would show the queue itself.
    await chair.click("[data-tab=agenda]")
    await expect(chair.locator("#agenda-items")).to_be_visible()
    # The delegate asks to speak on the tablet and goes back to reading.
    await delegate.click(".reader-bar .back")
    await delegate.click("[data-tab=live]")
    await delegate.click("#ask-to-speak")
    await delegate.click(f"#current-item-docs a[data-document-id='{doc}']")
    await delegate.click(".thumb[data-page='12']")
    await expect(delegate.locator("#page-input")).to_have_value("12")

    # The chair is told of the request away from the console, and gives the floor from the
    # prompt.
    ask = chair.locator("#prompt-layer .prompt-request")
    await expect(ask).to_be_visible(timeout=5000)
    await expect(ask).to_contain_text(DELEGATE_NAME)
    await ask.locator("[data-grant]").click()
    await expect(ask).to_have_count(0)

    # Over the reader: "Bạn được phát biểu", with the running time.
    floor = delegate.locator("#prompt-layer .prompt-floor")
    await expect(floor).to_be_visible(timeout=5000)
    await expect(floor).to_contain_text("Bạn được phát biểu")
    await expect(floor.locator("[data-role=speaking-timer]")).to_have_text(re.compile(r"^0:\d\d$"))
    await expect(delegate.locator("#page-input")).to_have_value("12")
    # Yielding the floor from the prompt ends the turn; the prompt goes with it.
    await floor.get_by_role("button", name="Kết thúc phát biểu").click()
    await expect(floor).to_have_count(0)
    await chair.click("[data-tab=console]")
    await expect(chair.locator("#speaker-now.empty")).to_be_visible()

    assert not errors, errors
