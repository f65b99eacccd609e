"""The office postpones a published meeting and cancels another, each with a reason: the
delegate's open page and list say so without a reload, on a tablet, and so does the calendar
feed the delegate made from the meeting list."""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar
from playwright.async_api import Page, expect

from ecabinet.workdays import VIETNAM
from tests.e2e.conftest import Screens, meeting_id

PUBLISHED = "Hội nghị trực tuyến triển khai Chính quyền điện tử 3 cấp"  # 6 days ahead
APPROVED = "Họp về dự toán ngân sách và đầu tư công năm 2027"  # 8 days ahead
TABLET = {"width": 768, "height": 1024}
REASON = "Trùng lịch làm việc với Đoàn công tác của Bộ"


async def feed_start(page: Page, url: str, m: int) -> datetime:
    """The meeting's start in the calendar feed at `url`, as a calendar reads it."""
    answer = await page.request.get(url)
    assert answer.ok and answer.headers["content-type"].startswith("text/calendar")
    events = {str(e["uid"]).split("@")[0]: e for e in
              Calendar.from_ical(await answer.body()).walk("VEVENT")}
    start: datetime = events[f"meeting-{m}"].decoded("dtstart")
    return start


async def test_postponed_then_cancelled_with_reasons_seen_live(screens: Screens) -> None:
    secretary = await screens.login("thuky")
    m = await meeting_id(secretary, PUBLISHED)
    delegate = await screens.login("daibieu1", viewport=TABLET)
    # The delegate subscribes a calendar to the meetings, from the list.
    await delegate.click("#calendar-button")
    await expect(delegate.locator("#cal-state")).to_have_attribute("data-active", "false")
    await delegate.click("#cal-make")
    feed = await delegate.locator("#cal-url").input_value()
    await expect(delegate.locator("#cal-state")).to_have_attribute("data-active", "true")
    await delegate.click("#calendar-dialog [data-answer=cancel]")
    before = await feed_start(delegate, feed, m)
    await delegate.goto(f"/meetings/{m}")
    await delegate.wait_for_selector("#starts-at")
    await expect(delegate.locator("#postpone")).to_have_count(0)  # not the delegate's to do
    await delegate.evaluate("window.__kept = true")

    await secretary.goto(f"/meetings/{m}")
    await secretary.click("#postpone")
    dialog = secretary.locator("#postpone-dialog")
    await expect(dialog).to_be_visible()
    # A day already past is refused inside the dialog, in Vietnamese.
    await dialog.locator("#postpone-day").fill("01/01/2020")
    await dialog.locator("textarea").fill(REASON)
    await dialog.locator("[data-answer=confirm]").click()
    await expect(dialog.locator(".dialog-error")).to_contain_text("muộn hơn")
    new_day = (datetime.now(VIETNAM) + timedelta(days=13)).strftime("%d/%m/%Y")
    await dialog.locator("#postpone-day").fill(new_day)
    await dialog.locator("#postpone-time").fill("14:00")
    await dialog.locator("[data-answer=confirm]").click()
    await expect(dialog).to_have_count(0)
    notice = secretary.locator("#change-notice[data-change=postponed]")
    await expect(notice).to_contain_text(REASON)

    # The delegate's page, left open, tells the new time and why.
    seen = delegate.locator("#change-notice[data-change=postponed]")
    await expect(seen).to_contain_text(REASON)
    await expect(seen).to_contain_text("14:00")
    await expect(delegate.locator("#starts-at")).to_contain_text("14:00")
    assert await delegate.evaluate("window.__kept === true")
    # The calendar holds the same event at its new time, in Vietnam's.
    after = await feed_start(delegate, feed, m)
    assert after != before and after.utcoffset() == timedelta(hours=7)
    assert (after.strftime("%d/%m/%Y %H:%M")) == f"{new_day} 14:00"
    await delegate.goto("/")
    card = delegate.locator(f".meeting-card[data-meeting-id='{m}']")
    await expect(card.locator("[data-role=postponed]")).to_have_text("Đã hoãn")

    # Cancelling asks for a reason first, then says it at the head of the meeting.
    a = await meeting_id(secretary, APPROVED)
    await secretary.goto(f"/meetings/{a}")
    await secretary.click("[data-transition=cancel]")
    ask = secretary.locator("#transition-dialog")
    await expect(ask).to_contain_text("Không thể hoàn tác")
    await ask.locator("[data-answer=confirm]").click()
    await expect(ask.locator(".dialog-error")).to_be_visible()
    await ask.locator("textarea").fill("Nội dung đã xử lý bằng phiếu lấy ý kiến")
    await ask.locator("[data-answer=confirm]").click()
    await expect(ask).to_have_count(0)
    await expect(secretary.locator(".badge[data-status=cancelled]")).to_have_count(1)
    await expect(secretary.locator("#change-notice[data-change=cancelled]")).to_contain_text(
        "phiếu lấy ý kiến")
    await expect(secretary.locator("[data-transition]")).to_have_count(0)
    await expect(secretary.locator("#postpone")).to_have_count(0)

    # Revoked, the address answers nothing.
    await delegate.click("#calendar-button")
    await delegate.click("#cal-revoke")
    await expect(delegate.locator("#cal-state")).to_have_attribute("data-active", "false")
    assert (await delegate.request.get(feed)).status == 404
