"""A commune room's video screen: the hall large, its own camera small, on air unmistakable."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.e2e.conftest import Screens, keep_for_guide
from tests.e2e.test_video_conference import open_video_tab

VIEWPORT = {"width": 1280, "height": 800}
STAGE_VIDEO = "#video-stage video"


async def box(page: Page, selector: str) -> dict[str, float]:
    found = await page.locator(selector).bounding_box()
    assert found is not None, f"{selector} is not shown"
    return found


async def test_commune_room_watches_the_floor_and_goes_on_air(screens: Screens) -> None:
    hall = await screens.login("thuky")
    await open_video_tab(hall)
    await hall.click("#video-join-hall")
    await hall.wait_for_selector("#video-status[data-state=connected]", timeout=40000)
    # The hall PC calls its own picture what it is, on the stage while the hall speaks.
    await expect(hall.locator("#video-stage-caption")).to_contain_text("Hội trường (hình của bạn)")

    room = await screens.login("phonglocan", viewport=VIEWPORT)
    await open_video_tab(room)
    # Before joining: nothing to leave, no empty status pill, no empty device lists.
    await expect(room.locator("#video-leave")).to_have_count(0)
    await expect(room.get_by_role("button", name="Rời phòng")).to_have_count(0)
    await expect(room.locator("#video-status")).to_be_hidden()
    await expect(room.locator("select")).to_have_count(0)
    await expect(room.locator("#video-placeholder")).to_contain_text("Vào phòng truyền hình")

    await room.click("#video-join")
    await room.wait_for_selector("#video-status[data-state=connected]", timeout=40000)
    await expect(room.locator("#video-leave")).to_be_visible()
    # The large stage plays the hall, not a black box; the room's own camera is small.
    await room.wait_for_function(
        f"() => document.querySelector('{STAGE_VIDEO}')?.videoWidth > 0", timeout=40000)
    await expect(room.locator("#video-stage")).to_have_attribute("data-kind", "hall")
    await expect(room.locator("#video-placeholder")).to_be_hidden()
    await expect(room.locator("#video-pip")).to_contain_text("Điểm cầu của bạn: UBND xã Lộc An")
    stage, pip = await box(room, "#video-stage"), await box(room, "#video-pip")
    assert pip["width"] * pip["height"] < 0.15 * stage["width"] * stage["height"]
    assert stage["width"] >= 900, stage
    assert await room.eval_on_selector("#video-pip video", "v => v.videoWidth > 0")
    await keep_for_guide(room, "video-remote-room.png")

    # The room asks to speak; the hall's secretary, presiding, gives it the floor.
    await room.click("#video-ask-floor")
    await expect(room.locator("#video-waiting")).to_be_visible()
    await hall.click("[data-tab=console]")
    await hall.locator("#speaker-queue [data-grant]").click()

    # On air: a red banner over the stage, inside the viewport without scrolling, and no
    # more "ask to speak"; the room still watches the hall.
    banner = room.locator("#video-on-air")
    await expect(banner).to_be_visible(timeout=10000)
    await expect(banner).to_contain_text("ĐANG PHÁT BIỂU")
    await expect(room.locator("#video-pip.on-air")).to_be_visible()
    top = await box(room, "#video-on-air")
    assert top["y"] >= 0 and top["y"] + top["height"] <= VIEWPORT["height"], top
    assert await room.evaluate("() => window.scrollY") == 0
    await expect(room.locator("#video-ask-floor")).to_have_count(0)
    await expect(room.get_by_text("Xin phát biểu")).to_have_count(0)
    await expect(room.locator("#video-speaking")).to_be_visible()
    assert await room.eval_on_selector(STAGE_VIDEO, "v => v.videoWidth > 0")
    # The screen says it is on air itself: no floor card hides the room's own picture.
    await expect(room.locator(".prompt-floor")).to_have_count(0)
    await expect(room.locator("#toast")).to_be_hidden()
    await keep_for_guide(room, "video-on-air.png")

    # The hall PC puts the speaking room on its stage, its own picture small.
    await hall.click("[data-tab=video]")
    await expect(hall.locator("#video-stage")).to_have_attribute("data-kind", "floor",
                                                                  timeout=10000)
    await expect(hall.locator("#video-stage-caption")).to_contain_text("Phòng họp UBND xã Lộc An")
    await expect(hall.locator("#video-pip")).to_contain_text("Hội trường (hình của bạn)")
    await hall.wait_for_function(
        f"() => document.querySelector('{STAGE_VIDEO}')?.videoWidth > 0", timeout=20000)
    await keep_for_guide(hall, "video-hall.png")
