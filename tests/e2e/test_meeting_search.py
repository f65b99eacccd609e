"""The secretary finds last month's meeting by words typed without diacritics, then sees it
in the month view; the chair's "awaiting my approval" is one click; on a phone nothing
widens the page."""

from __future__ import annotations

import re
from datetime import datetime

from playwright.async_api import expect

from ecabinet.workdays import VIETNAM
from tests.e2e.conftest import Screens, find_only, meeting_id

PAST = "Phiên họp thường kỳ UBND tỉnh tháng 10/2026"  # 30 days ago in the demo
SUBMITTED = "Họp bàn kế hoạch chuyển đổi số năm 2027"
PHONE = {"width": 390, "height": 844}


async def test_find_by_words_then_see_it_in_the_month(screens: Screens) -> None:
    secretary = await screens.login("thuky")
    past = await meeting_id(secretary, PAST)
    await find_only(secretary, "thuong ky thang 10", past)
    cards = secretary.locator("#meeting-list .meeting-card")
    # The search stays in the address: a reload (or coming back) shows the same list.
    await expect(secretary).to_have_url(re.compile(r"\?q=thuong"))
    await secretary.reload()
    await expect(secretary.locator("#meeting-search")).to_have_value("thuong ky thang 10")
    await expect(cards).to_have_count(1)
    await secretary.fill("#meeting-search", "khong co cuoc hop nay")
    await expect(secretary.locator("#no-meetings")).to_be_visible()
    await secretary.fill("#meeting-search", "")
    await expect(cards.first).to_be_visible()

    starts = await secretary.evaluate(
        "async (id) => (await (await fetch(`/api/meetings/${id}`)).json()).meeting.starts_at", past)
    month = datetime.fromisoformat(starts).astimezone(VIETNAM).strftime("%Y-%m")
    await secretary.click("#view-month")
    grid = secretary.locator("#meeting-calendar")
    await expect(grid).to_be_visible()
    if month != datetime.now(VIETNAM).strftime("%Y-%m"):
        await secretary.click("#cal-prev")
    entry = grid.locator(f".cal-meeting[data-meeting-id='{past}']")
    await expect(entry).to_be_visible()
    await secretary.reload()
    await expect(secretary.locator("#view-month")).to_have_attribute("aria-pressed", "true")
    await expect(entry).to_be_visible()
    await entry.click()
    await secretary.wait_for_url(f"**/meetings/{past}")

    chair = await screens.login("chutich")
    await chair.click("#todo-approval")
    await expect(chair.locator("#meeting-list .meeting-card")).to_have_count(1)
    await expect(chair.locator("#meeting-list .meeting-card").first).to_contain_text(SUBMITTED)

    phone = await screens.login("daibieu1", viewport=PHONE)
    await phone.click("#view-week")
    await expect(phone.locator("#meeting-calendar")).to_be_visible()
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
