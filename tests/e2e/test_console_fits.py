"""The chair runs the meeting from one 1366×768 screen: every tab and every panel in view.

The console holds the current item, attendance and quorum, the floor, the video rooms, the
polls and the item's questions. On a desktop it is one screen: the page does not scroll and
each panel scrolls inside itself, so a queue of speakers or an open poll never pushes another
panel out of sight. The tab bar wraps instead of hiding "Biên bản" and "Kết luận" off the side.
"""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page, expect

from tests.e2e.conftest import Screens, keep_for_guide, meeting_id

URGENT = "Họp khẩn về phòng chống lụt bão"
DESKTOP = {"width": 1366, "height": 768}
TABLET = {"width": 800, "height": 1280}
PANELS = ("#console-agenda", "#console-attendance", "#console-floor", "#console-video",
          "#console-polls", "#console-questions")

BOXES = """(selectors) => {
  const box = (el) => { const r = el.getBoundingClientRect();
    return {text: el.textContent.trim().slice(0, 40), left: r.left, top: r.top,
            right: r.right, bottom: r.bottom, width: r.width, height: r.height}; };
  return {
    panels: selectors.map((s) => { const el = document.querySelector(s);
      return el ? {selector: s, ...box(el)} : {selector: s, missing: true}; }),
    tabs: [...document.querySelectorAll('nav.tabs a')].map(box),
    width: window.innerWidth, height: window.innerHeight,
    scrollHeight: document.scrollingElement.scrollHeight,
    scrollWidth: document.scrollingElement.scrollWidth,
  };
}"""


def outside(box: dict[str, Any], width: int, height: int) -> bool:
    """Whether a box is missing, empty, or reaches past the viewport."""
    return bool(box.get("missing") or box["width"] <= 0 or box["height"] <= 0
                or box["left"] < -1 or box["top"] < -1
                or box["right"] > width + 1 or box["bottom"] > height + 1)


async def assert_one_screen(page: Page, moment: str) -> None:
    """Every tab and every console panel inside the viewport, and nothing to scroll."""
    await page.wait_for_timeout(150)  # the console redraws once per animation frame
    found: dict[str, Any] = await page.evaluate(BOXES, list(PANELS))
    width, height = found["width"], found["height"]
    off = [p for p in found["panels"] if outside(p, width, height)]
    assert not off, (moment, off)
    hidden_tabs = [tab for tab in found["tabs"] if outside(tab, width, height)]
    assert not hidden_tabs, (moment, hidden_tabs)
    assert found["scrollHeight"] <= height and found["scrollWidth"] <= width, (moment, found)


async def assert_in_view(page: Page, selector: str) -> None:
    """The element lies inside the viewport as it is, without scrolling anything."""
    box = await page.locator(selector).first.bounding_box()
    assert box is not None, selector
    view = page.viewport_size
    assert view is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= view["height"], (selector, box)
    assert box["x"] >= 0 and box["x"] + box["width"] <= view["width"], (selector, box)


async def test_the_console_is_one_screen_at_1366_by_768(screens: Screens) -> None:
    chair = await screens.login("chutich", viewport=DESKTOP)
    m = await meeting_id(chair, URGENT)
    await chair.goto(f"/meetings/{m}/console")
    await expect(chair.locator("#agenda-control")).to_be_visible()
    tabs = chair.locator("nav.tabs a")
    await expect(tabs.filter(has_text="Biên bản")).to_be_visible()
    await expect(tabs.filter(has_text="Kết luận")).to_be_visible()
    await assert_one_screen(chair, "idle")
    # Beside the video rooms panel, the attendance counts rooms by check-in and says so.
    rooms = chair.locator("#console-attendance [data-role=rooms] .lv-stat-label")
    await expect(rooms).to_have_text("Điểm cầu đã điểm danh")

    # Two delegates ask to speak: the queue shows on the console, in view, with its buttons.
    for username in ("daibieu3", "daibieu1"):
        tablet = await screens.login(username, viewport=TABLET)
        await tablet.goto(f"/meetings/{m}/live")
        await tablet.click("#ask-to-speak")
    queue = chair.locator("#speaker-queue .lv-queue-row")
    await expect(queue).to_have_count(2)
    # The queue is in view on the console: no card is put over the other panels for it.
    await expect(chair.locator("#prompt-layer .prompt")).to_have_count(0)
    await assert_one_screen(chair, "speakers waiting")
    await assert_in_view(chair, "#speaker-queue .lv-queue-row [data-grant]")

    # A vote opened from the console: its progress is in view beside the floor.
    await chair.fill("#poll-question", "Thông qua phương án sơ tán dân cư vùng trũng thấp")
    await chair.click("#poll-open")
    await expect(chair.locator("#console-polls .poll-row.open")).to_have_count(1)
    await assert_one_screen(chair, "vote open")
    await assert_in_view(chair, "#console-polls .poll-row.open")
    await keep_for_guide(chair, "console.png")

    # Closed: its verdict and every bar are in view at once, the form for a new vote folded.
    await chair.click("#poll-list [data-action=close]")
    await chair.click("#close-poll-dialog [data-answer=confirm]")
    result = chair.locator("#console-polls .poll-row.closed .lv-result")
    await expect(result).to_have_count(1)
    await assert_one_screen(chair, "vote closed")
    await assert_in_view(chair, "#console-polls .poll-row.closed [data-role=verdict]")
    await assert_in_view(chair, "#console-polls .poll-row.closed .lv-bar-row:last-child")
    await expect(chair.locator("#console-polls details.poll-new")).not_to_have_attribute(
        "open", "")
