"""Preparing a meeting in few steps: participants all at once or by unit, the day typed
dd/mm/yyyy and the time on the 24-hour clock whatever the browser's locale, and the chair's
list bringing forward what waits for their approval."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from playwright.async_api import Browser, Page, expect

from ecabinet import demo
from ecabinet.workdays import VIETNAM
from tests.conftest import LiveServer
from tests.e2e.conftest import Screens, keep_for_guide

SUBMITTED = "Họp bàn kế hoạch chuyển đổi số năm 2027"  # submitted in the demo, chaired by chutich
TITLE = "Họp triển khai phương án phòng chống rét đậm, rét hại"


async def english_browser_in_new_york(browser: Browser, server: LiveServer, username: str,
                                      errors: list[str]) -> Page:
    """A browser whose own locale writes mm/dd/yyyy and AM/PM, in another time zone."""
    context = await browser.new_context(base_url=server.url, locale="en-US",
                                        timezone_id="America/New_York",
                                        viewport={"width": 1366, "height": 768})
    page = await context.new_page()
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: errors.append(f"console: {msg.text}")
            if msg.type == "error" else None)
    await page.goto("/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", demo.DEMO_PASSWORD)
    await page.click("form button[type=submit]")
    await page.wait_for_selector("#meeting-list")
    return page


async def test_secretary_prepares_a_meeting_with_few_clicks(
        browser: Browser, demo_server: LiveServer) -> None:
    errors: list[str] = []
    page = await english_browser_in_new_york(browser, demo_server, "thuky", errors)
    await page.click("text=+ Tạo cuộc họp")
    await page.wait_for_selector("#f-title")
    await page.fill("#f-title", TITLE)

    # The day is typed day first and the time in 24 hours: the mask adds "/" and ":".
    day = (datetime.now(VIETNAM) + timedelta(days=15)).date()
    await page.click("#f-starts_at")
    await page.keyboard.type(day.strftime("%d%m%Y"))
    await expect(page.locator("#f-starts_at")).to_have_value(day.strftime("%d/%m/%Y"))
    await page.click("#f-starts_time")
    await page.keyboard.type("1430")
    await expect(page.locator("#f-starts_time")).to_have_value("14:30")
    shown = day.strftime("%d/%m/%Y")
    await expect(page.locator("#starts-hint")).to_contain_text(f"{shown} lúc 14:30")
    # The end on the same day needs only its time.
    await page.fill("#f-ends_time", "16:45")
    await expect(page.locator("#ends-hint")).to_contain_text(f"{shown} lúc 16:45")

    # A day that does not exist is explained, and nothing is sent.
    await page.fill("#f-place", "Phòng họp số 2, trụ sở UBND tỉnh")
    await page.fill("#f-starts_at", "31/02/2026")
    await page.click("form button[type=submit]")
    await expect(page.locator("#form-error")).to_contain_text("Ngày chưa đúng")
    assert "/meetings/new" in page.url
    await page.fill("#f-starts_at", day.strftime("%d/%m/%Y"))

    # Participants: everyone in one click, then one unit out in one more.
    counter = page.locator("#participants-count")
    total = await page.locator("input[name=participant]").count()
    await expect(counter).to_have_text(f"Đã chọn 1/{total}")  # the secretary herself
    await page.check("#participants-all")
    await expect(counter).to_have_text(f"Đã chọn {total}/{total}")
    district = page.locator(".people-group", has_text="UBND huyện Phú Lộc")
    in_district = await district.locator("input[name=participant]").count()
    assert in_district == 2
    await district.locator("[data-unit-toggle]").uncheck()
    await expect(counter).to_have_text(f"Đã chọn {total - in_district}/{total}")
    await expect(district.locator("input[name=participant]:checked")).to_have_count(0)
    assert await page.locator("#participants-all").evaluate("(box) => box.indeterminate")
    # Every district and commune is invited in one click.
    await page.check("#invited-all")
    units = await page.locator("input[name=invited_unit]").count()
    await expect(page.locator("#invited-count")).to_have_text(f"Đã chọn {units}/{units}")
    await keep_for_guide(page, "meeting-form.png")

    await page.click("form button[type=submit]")
    await page.wait_for_selector(f"#meeting-title:has-text('{TITLE}')")
    meeting_id = int(page.url.rstrip("/").split("/")[-1])
    saved: dict[str, Any] = await page.evaluate(
        "async (id) => ({...(await (await fetch(`/api/meetings/${id}`)).json()).meeting,"
        " participants: await (await fetch(`/api/meetings/${id}/participants`)).json()})",
        meeting_id)

    # Stored as the moment meant in Vietnam, whatever the browser's own zone.
    starts = datetime.fromisoformat(saved["starts_at"])
    ends = datetime.fromisoformat(saved["ends_at"])
    assert starts == datetime(day.year, day.month, day.day, 14, 30, tzinfo=VIETNAM)
    assert ends == datetime(day.year, day.month, day.day, 16, 45, tzinfo=VIETNAM)
    people = [p for p in saved["participants"] if p["role"] != "observer"]
    usernames = {p["name"] for p in people}
    assert len(people) == total - in_district
    # The province's hall screen was not offered as a person, yet watches the meeting.
    assert [p["name"] for p in saved["participants"] if p["role"] == "observer"] == [
        "Màn hình hội trường"]
    assert "Đặng Văn Hòa" not in usernames and "Trương Thị Lan" not in usernames
    assert "Lê Thị Thu Hà" in usernames
    assert len(saved["invited_units"]) == units

    # Editing reads the same way back.
    await page.goto(f"/meetings/{meeting_id}/edit")
    await expect(page.locator("#f-starts_at")).to_have_value(day.strftime("%d/%m/%Y"))
    await expect(page.locator("#f-starts_time")).to_have_value("14:30")
    await expect(page.locator("#f-ends_time")).to_have_value("16:45")
    assert not errors, errors


async def test_chair_sees_what_waits_for_their_approval_first(screens: Screens) -> None:
    chair = await screens.login("chutich")
    cards = chair.locator("#meeting-list .meeting-card")
    # The meeting in session first (everyone is going there), then what waits for approval.
    await expect(cards.first).to_contain_text("Họp khẩn về phòng chống lụt bão")
    waiting = cards.nth(1)
    await expect(waiting).to_have_attribute("data-awaiting", "approval")
    await expect(waiting).to_contain_text(SUBMITTED)
    await expect(waiting).to_contain_text("Chờ đồng chí phê duyệt")
    assert await chair.locator("#meeting-list [data-awaiting]").count() == 1

    # The vice-chairman takes part in that meeting but does not chair it: nothing to mark.
    vice = await screens.login("phochutich")
    await expect(vice.locator("#meeting-list .meeting-card", has_text=SUBMITTED)).to_have_count(1)
    assert await vice.locator("#meeting-list [data-awaiting]").count() == 0
