"""A tablet that was away when its user lost access drops the meeting's cached pages."""

from __future__ import annotations

from playwright.async_api import expect

from tests.e2e.conftest import Screens, meeting_id

MEETING = "Hội nghị trực tuyến triển khai Chính quyền điện tử 3 cấp"  # the demo's published one
DELEGATE = "Võ Thị Hồng Nhung"  # daibieu3

CACHED = """(id) => caches.keys().then((names) => names.filter(
    (n) => n.startsWith('ecabinet-briefcase:') && n.endsWith(':m' + id)).length)"""


async def test_pages_go_when_access_is_withdrawn_while_the_tablet_is_away(
        screens: Screens) -> None:
    tablet = await screens.login("daibieu3", viewport={"width": 800, "height": 1280})
    m = await meeting_id(tablet, MEETING)
    await tablet.goto(f"/meetings/{m}/agenda")
    await expect(tablet.locator("#briefcase-note")).to_contain_text("Đã lưu", timeout=30000)
    assert await tablet.evaluate(CACHED, m) == 1
    context = tablet.context
    await tablet.close()  # the delegate puts the tablet away

    # Meanwhile the office takes the delegate off the meeting.
    secretary = await screens.login("thuky")
    await secretary.goto(f"/meetings/{m}/edit")
    box = secretary.locator("label", has_text=DELEGATE).locator("input[name=participant]")
    await box.uncheck()
    await secretary.click("form button[type=submit]")
    await secretary.wait_for_url(f"**/meetings/{m}")

    # The tablet comes back: on start it asks about its briefcases and drops this one.
    again = await context.new_page()
    await again.goto("/")
    await again.wait_for_selector("#conn[data-state=online]")
    for _ in range(100):
        if await again.evaluate(CACHED, m) == 0:
            break
        await again.wait_for_timeout(150)
    assert await again.evaluate(CACHED, m) == 0
    # And the pages are no longer served, from the cache or the server.
    assert await again.evaluate(
        "(id) => fetch(`/api/meetings/${id}/briefcase`).then((r) => r.status)", m) == 404
