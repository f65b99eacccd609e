"""The hall broadcasts from Chromium's fake camera; a commune's room page decodes it."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.e2e.conftest import Screens, keep_for_guide, meeting_id
from tests.e2e.test_hall_display_fits import assert_fits

MEETING = "Họp khẩn về phòng chống lụt bão"


async def open_video_tab(page: Page) -> None:
    await page.click(f"#meeting-list .meeting-card:has-text('{MEETING}')")
    await page.click("[data-tab=video]")
    await page.wait_for_selector("#video-join")


async def frames_decoded(page: Page) -> int:
    return int(await page.eval_on_selector(
        "#video-quality", "el => Number(el.dataset.framesDecoded || 0)"))


async def test_hall_publishes_and_commune_room_decodes(screens: Screens) -> None:
    hall = await screens.login("thuky")
    await open_video_tab(hall)
    await hall.click("#video-join-hall")
    await hall.wait_for_selector("#video-status[data-state=connected]", timeout=40000)

    room = await screens.login("phonglocan")
    await open_video_tab(room)
    await room.click("#video-join")
    await room.wait_for_selector("#video-status[data-state=connected]", timeout=40000)
    await room.wait_for_function(
        "() => Number(document.querySelector('#video-quality').dataset.framesDecoded || 0) > 0",
        timeout=40000)
    first = await frames_decoded(room)
    await room.wait_for_timeout(4500)
    assert await frames_decoded(room) > first
    # The commune silences its own microphone without leaving, and turns it back on.
    mic = "document.querySelector('#video-self').srcObject.getAudioTracks()[0].enabled"
    assert await room.evaluate(mic) is True
    await room.click("#video-mic")
    await room.wait_for_selector("#video-mic[data-on=false]")
    assert await room.evaluate(mic) is False
    await room.click("#video-mic")
    await room.wait_for_selector("#video-mic[data-on=true]")
    assert await room.evaluate(mic) is True

    # The commune's room appears on the secretary's list; putting it on screen sends its
    # camera to the hall's floor slot.
    entry = hall.locator(".video-room", has_text="Phòng họp UBND xã Lộc An")
    await entry.wait_for(timeout=10000)
    await entry.locator("button", has_text="Cho phát hình").click()
    await hall.wait_for_function(
        "() => document.querySelector('#video-floor').getVideoPlaybackQuality()"
        ".totalVideoFrames > 0",
        timeout=40000)

    # The projector in the hall shows the commune while it holds the floor.
    display = await screens.login("manhinh", viewport={"width": 1920, "height": 1080})
    meeting = await meeting_id(display, MEETING)
    await display.goto(f"/hall/{meeting}")
    await display.wait_for_selector("#hall-remote figcaption:has-text('Phòng họp UBND xã Lộc An')",
                                    timeout=20000)
    await display.wait_for_function(
        "() => document.querySelector('#hall-remote video').getVideoPlaybackQuality()"
        ".totalVideoFrames > 0", timeout=40000)
    assert await display.eval_on_selector("#hall-remote video", "v => v.muted")
    # The projector cannot scroll: the room's picture, the speaker and the tally all fit,
    # and the connected rooms are the live video links (one), not the check-ins.
    await assert_fits(display, "remote speaker")
    await keep_for_guide(display, "hall-remote.png")
    rooms = display.locator("#attendance-counts [data-role=rooms]")
    await expect(rooms).to_have_attribute("data-source", "video")
    await expect(rooms.locator(".lv-stat-n")).to_have_text("1/4")
    await expect(rooms.locator(".lv-stat-label")).to_have_text("Điểm cầu kết nối")
    # The chair runs it from the console: the room is listed there, on screen, and one
    # tap takes the picture back to the hall, off the projector.
    chair = await screens.login("chutich")
    await chair.goto(f"/meetings/{meeting}/console")
    on_console = chair.locator("#console-rooms .video-room", has_text="Phòng họp UBND xã Lộc An")
    await on_console.wait_for(timeout=10000)
    await on_console.locator("button", has_text="Về hội trường").click()
    await display.wait_for_selector("#hall-remote", state="detached", timeout=10000)
    await on_console.locator("button", has_text="Cho phát hình").wait_for(timeout=10000)
