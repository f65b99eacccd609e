"""The projector cannot scroll: the hall display fits 1920×1080 and 1280×720 in every state.

The display is driven through a meeting's life: waiting for the session, in session with
nothing on the floor, an item, a speaker in the hall (with others waiting), a vote open, its
result, and the session over. In each state no visible element lies outside the viewport and
the page does not scroll. The remote room on the floor is covered by test_video_conference.

It is also read from the back of the hall: the four attendance counts sit in one row or a
clean 2×2 (never 3+1), agenda titles are large enough and the current one is not cut, and
the count of a vote says what it counts.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import Page, expect

from tests.e2e.conftest import Screens, keep_for_guide, meeting_id
from tests.e2e.test_vote_prompt import watch_console

URGENT = "Họp khẩn về phòng chống lụt bão"
UPCOMING = "Hội nghị trực tuyến triển khai Chính quyền điện tử 3 cấp"
TABLET = {"width": 800, "height": 1280}
# A long question, as real ones are: it must not push the count off the screen.
QUESTION = ("Thông qua phương án sơ tán khẩn cấp dân cư vùng trũng thấp, ven biển và ven phá "
            "Tam Giang, bố trí lực lượng, phương tiện và kinh phí bảo đảm an toàn cho nhân dân "
            "trong đợt mưa lũ từ ngày 02 đến ngày 06 tháng 12 năm 2026")

OUT_OF_VIEW = """() => {
  const width = window.innerWidth, height = window.innerHeight, out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    if (!el.checkVisibility()) continue;
    if (r.left < -1 || r.top < -1 || r.right > width + 1 || r.bottom > height + 1) {
      const cls = typeof el.className === 'string' && el.className
        ? '.' + el.className.split(' ').join('.') : '';
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls;
      const box = [r.left, r.top, r.right, r.bottom].map(Math.round).join(',');
      out.push(`${name} [${box}]`);
    }
  }
  const root = document.scrollingElement;
  return {out, scrollHeight: root.scrollHeight, scrollWidth: root.scrollWidth,
          height, width};
}"""


async def assert_fits(page: Page, state: str) -> None:
    """Nothing visible outside the viewport, and nothing to scroll."""
    await page.wait_for_timeout(150)  # the redraw is once per animation frame
    found: dict[str, Any] = await page.evaluate(OUT_OF_VIEW)
    assert not found["out"], (state, found["out"][:12])
    assert found["scrollHeight"] <= found["height"], (state, found)
    assert found["scrollWidth"] <= found["width"], (state, found)


# The attendance tiles by row (their tops), and the agenda's titles: size, and whether cut.
READABLE = """() => {
  const rows = {};
  const tiles = '#attendance-counts .lv-stat:not([data-role=rooms])';
  for (const tile of document.querySelectorAll(tiles)) {
    const top = Math.round(tile.getBoundingClientRect().top);
    rows[top] = (rows[top] || 0) + 1;
  }
  const titles = [...document.querySelectorAll('#hall-agenda .hall-agenda-t')];
  const current = document.querySelector('#hall-agenda li.on .hall-agenda-t');
  return {
    rows: Object.keys(rows).sort((a, b) => a - b).map((top) => rows[top]),
    titleSize: Math.min(...titles.map((t) => parseFloat(getComputedStyle(t).fontSize))),
    currentCut: current ? current.scrollHeight > current.clientHeight + 1
      || current.scrollWidth > current.clientWidth + 1 : null,
  };
}"""


async def assert_readable(page: Page, state: str) -> None:
    """Attendance tiles in one row or 2×2; agenda titles ≥ 16 px, the current one whole."""
    found: dict[str, Any] = await page.evaluate(READABLE)
    assert found["rows"] in ([4], [2, 2]), (state, found)
    assert found["titleSize"] >= 16, (state, found)
    assert found["currentCut"] in (None, False), (state, found)


async def shoot(page: Page, state: str) -> None:
    """The 1920×1080 state is the guide's docs/images/hall-<state>.png."""
    if page.viewport_size == {"width": 1920, "height": 1080}:
        await keep_for_guide(page, f"hall-{state}.png")


async def api(page: Page, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """A write through the HTTP API as the page's user (with its CSRF token)."""
    answer: dict[str, Any] = await page.evaluate(
        """async ([method, path, body]) => {
             const session = await (await fetch('/api/session')).json();
             const response = await fetch(path, {method, credentials: 'same-origin',
               headers: {'content-type': 'application/json', 'x-csrf-token': session.csrf_token},
               body: JSON.stringify(body || {})});
             return {status: response.status, data: await response.json()};
           }""", [method, path, body])
    assert answer["status"] < 300, answer
    return answer["data"]


# Both projector sizes watch the same meeting through every state: one pass, two screens.
VIEWPORTS = ({"width": 1920, "height": 1080}, {"width": 1280, "height": 720})


async def check(halls: list[Page], state: str, *, readable: bool = False) -> None:
    """Each hall screen fits (and reads well) in `state`; the 1080p one is the guide's."""
    for hall in halls:
        await assert_fits(hall, state)
        if readable:
            await assert_readable(hall, state)
        await shoot(hall, state)


async def test_the_hall_display_fits_the_projector_in_every_state(screens: Screens) -> None:
    errors: list[str] = []
    halls = [await screens.login("manhinh", viewport=viewport) for viewport in VIEWPORTS]
    for hall in halls:
        watch_console(hall, errors, f"hall {hall.viewport_size}")

    # Waiting: the session has not started.
    upcoming = await meeting_id(halls[0], UPCOMING)
    for hall in halls:
        await hall.goto(f"/hall/{upcoming}")
        await expect(hall.locator("#hall-banner")).to_have_text("Phiên họp chưa bắt đầu")
        await expect(hall.locator("#hall-item")).to_have_count(0)
    await check(halls, "waiting")

    # Idle: in session, nothing on the floor.
    m = await meeting_id(halls[0], URGENT)
    chair = await screens.login("chutich")
    watch_console(chair, errors, "chair")
    await api(chair, "PUT", f"/api/meetings/{m}/live/item", {"item_id": None})
    for hall in halls:
        await hall.goto(f"/hall/{m}")
        await hall.wait_for_selector(f"#hall-title:has-text('{URGENT}')")
        await expect(hall.locator("#hall-item")).to_have_text(
            "Chưa đưa nội dung nào ra thảo luận")
        await expect(hall.locator("#hall-banner")).to_have_count(0)
    await check(halls, "idle")

    # An item before the hall.
    await chair.goto(f"/meetings/{m}/console")
    await chair.click("#agenda-control li:nth-child(2) [data-set-item]")
    for hall in halls:
        await expect(hall.locator("#hall-item .hall-eyebrow")).to_contain_text("Nội dung 2")
        await expect(hall.locator("#hall-agenda li.on")).to_have_count(1)
    await check(halls, "item", readable=True)

    # A speaker in the hall, two more waiting.
    speakers = []
    for username in ("daibieu3", "daibieu1", "daibieu2"):
        tablet = await screens.login(username, viewport=TABLET)
        watch_console(tablet, errors, username)
        await tablet.goto(f"/meetings/{m}/live")
        await tablet.wait_for_selector("#checkin")
        if await tablet.locator("#check-in").count():
            await tablet.click("#check-in")
            await tablet.wait_for_selector("#checkin.done")
        await tablet.click("#ask-to-speak")
        speakers.append(tablet)
    queue = chair.locator("#speaker-queue .lv-queue-row")
    await expect(queue).to_have_count(3)
    await queue.first.locator("[data-grant]").click()
    for hall in halls:
        await expect(hall.locator("#hall-speaker .speaker-name")).to_have_count(1)
        await expect(hall.locator("#hall-speaker .next-speakers li")).to_have_count(2)
    await check(halls, "speaker")

    # A vote open, with a long question; one ballot cast.
    await chair.fill("#poll-question", QUESTION)
    await chair.click("#poll-open")
    await halls[0].wait_for_selector("#hall-vote", timeout=5000)
    poll = await halls[0].get_attribute("#hall-vote", "data-poll-id")
    await api(speakers[1], "POST", f"/api/polls/{poll}/ballots",
              {"choice": 0, "client_ballot_id": "hall-fits-ballot-0001"})
    for hall in halls:
        await hall.wait_for_selector("#hall-vote [data-role=voted]:has-text('1')")
        # The big count says what it counts: ballots cast, out of the members present.
        await expect(hall.locator("#hall-vote [data-role=voted]")).to_have_text(
            re.compile(r"^Đã bỏ phiếu\s*1\s*/\s*\d+$"))
    await check(halls, "vote", readable=True)

    # Its result.
    await api(chair, "POST", f"/api/polls/{poll}/close")
    for hall in halls:
        await hall.wait_for_selector("#hall-result [data-role=verdict]", timeout=5000)
    await check(halls, "result")

    # The session over: nothing is said to be under discussion any more.
    office = await screens.login("thuky")
    watch_console(office, errors, "secretary")
    await api(office, "POST", f"/api/meetings/{m}/transitions/adjourn")
    for hall in halls:
        await expect(hall.locator("#hall-banner")).to_have_text("Phiên họp đã kết thúc")
        await expect(hall.locator("#hall")).not_to_contain_text("đang thảo luận")
        await expect(hall.locator("#hall-speaker")).to_have_count(0)
    await check(halls, "ended")

    assert not errors, errors
