"""A delegate asks to speak; the chair moves on; the console says which item it was for."""

from __future__ import annotations

from playwright.async_api import expect

from tests.e2e.conftest import Screens, keep_for_guide, meeting_id

TITLE = "Họp khẩn về phòng chống lụt bão"


async def test_a_hand_raised_on_an_earlier_item_is_marked_on_the_console(
        screens: Screens) -> None:
    tablet = await screens.login("daibieu3", viewport={"width": 800, "height": 1280})
    m = await meeting_id(tablet, TITLE)
    await tablet.goto(f"/meetings/{m}/live")
    await tablet.click("#ask-to-speak")

    chair = await screens.login("chutich")
    await chair.goto(f"/meetings/{m}/console")
    row = chair.locator("#speaker-queue .lv-queue-row")
    await expect(row).to_have_count(1)
    await keep_for_guide(tablet, "tablet-live.png")
    # Asked on the item under discussion: nothing to say about it.
    await expect(row.locator(".lv-queue-item")).to_have_count(0)
    await chair.click("#agenda-control li:nth-child(2) [data-set-item]")
    await expect(chair.locator("#agenda-control li:nth-child(2)")).to_have_class("on")
    await expect(row.locator(".lv-queue-item")).to_contain_text("Đăng ký ở nội dung 1.")
    # Given the floor, the delegate leaves the queue.
    await row.locator("[data-grant]").click()
    await expect(chair.locator("#speaker-queue .lv-queue-row")).to_have_count(0)
