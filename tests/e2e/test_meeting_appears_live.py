"""A secretary creates a meeting; it appears live on a delegate's screen, then changes live."""

from __future__ import annotations

from datetime import datetime, timedelta

from ecabinet.workdays import VIETNAM
from tests.e2e.conftest import Screens, keep_for_guide


async def test_secretary_creates_meeting_and_delegate_sees_it_live(screens: Screens) -> None:
    delegate = await screens.login("daibieu1")
    before = await delegate.locator("#meeting-list .meeting-card").count()

    secretary = await screens.login("thuky")
    await secretary.click("text=+ Tạo cuộc họp")
    await secretary.wait_for_selector("#f-title")
    title = "Họp bàn phương án ứng phó bão số 15"
    await secretary.fill("#f-title", title)
    starts = (datetime.now(VIETNAM) + timedelta(days=14)).replace(hour=8, minute=30)
    await secretary.fill("#f-starts_at", starts.strftime("%Y-%m-%dT%H:%M"))
    await secretary.fill("#f-place", "Hội trường UBND tỉnh")
    await secretary.check("label:has-text('Phan Thiên Định') input")
    await secretary.check("label:has-text('UBND xã Lộc An') input")
    await secretary.click("form button[type=submit]")
    await secretary.wait_for_selector("#meeting-title:has-text('bão số 15')")

    # No reload on the delegate's side: the list updates through the live channel.
    card = delegate.locator("#meeting-list .meeting-card", has_text=title)
    await card.wait_for(timeout=5000)
    assert await delegate.locator("#meeting-list .meeting-card").count() == before + 1
    assert "Đang chuẩn bị" in await card.inner_text()

    # Open it on the delegate's side; the secretary edits the place; it changes live.
    await card.click()
    await delegate.wait_for_selector("#place:has-text('Hội trường UBND tỉnh')")
    await secretary.click("text=Sửa")
    await secretary.fill("#f-place", "Phòng họp trực tuyến tầng 2")
    await secretary.click("form button[type=submit]")
    await delegate.wait_for_selector("#place:has-text('Phòng họp trực tuyến tầng 2')", timeout=5000)

    # Submitting an empty agenda is refused with a message in Vietnamese; nothing changes.
    await secretary.click("[data-transition=submit]")
    toast = secretary.locator("#toast.error")
    await toast.wait_for(timeout=5000)
    assert "Chương trình họp chưa có nội dung" in await toast.inner_text()
    assert await delegate.locator(".badge[data-status=draft]").count() == 1


async def test_english_switch_and_tablet_layout(screens: Screens) -> None:
    tablet = await screens.login("daibieu2", viewport={"width": 800, "height": 1280})
    assert await tablet.locator("h1").inner_text() == "Danh sách cuộc họp"
    await keep_for_guide(tablet, "tablet-meetings.png")
    await tablet.click("#lang")
    await tablet.wait_for_selector("h1:has-text('Meetings')")
    await keep_for_guide(tablet, "tablet-meetings-en.png")
    # The choice sticks across a reload (cookie and account).
    await tablet.reload()
    await tablet.wait_for_selector("h1:has-text('Meetings')")
    # Nothing overflows a 10-inch portrait screen.
    width = await tablet.evaluate("document.documentElement.scrollWidth")
    assert width <= 800
