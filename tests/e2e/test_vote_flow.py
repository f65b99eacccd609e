"""The chair opens a vote, two delegates vote on their tablets, the hall shows the result."""

from __future__ import annotations

import re

from tests.e2e.conftest import Screens, meeting_id

TITLE = "Họp khẩn về phòng chống lụt bão"
TABLET = {"width": 800, "height": 1280}
PROJECTOR = {"width": 1920, "height": 1080}


async def test_chair_opens_a_vote_delegates_vote_and_the_hall_shows_the_result(
    screens: Screens,
) -> None:
    hall = await screens.login("manhinh", viewport=PROJECTOR)
    m = await meeting_id(hall, TITLE)
    await hall.goto(f"/hall/{m}")
    await hall.wait_for_selector(f"#hall-title:has-text('{TITLE}')")

    delegates = []
    for username in ("daibieu1", "daibieu2", "daibieu4"):
        tablet = await screens.login(username, viewport=TABLET)
        await tablet.goto(f"/meetings/{m}/live")
        await tablet.click("#check-in")
        await tablet.wait_for_selector("#checkin.done")
        delegates.append(tablet)
    # The current item's own papers are a tap away on the tablet.
    paper = delegates[0].locator("#current-item-docs a[data-document-id]").first
    assert re.search(rf"/meetings/{m}/documents/\d+$", await paper.get_attribute("href") or "")
    # Three more present in the hall's tally (one was already checked in by the demo):
    # 4 of the 6 voting members, the quorum.
    await hall.wait_for_selector("#attendance-counts [data-role=present]:has-text('4/6')")

    chair = await screens.login("chutich")
    await chair.goto(f"/meetings/{m}/console")
    await chair.fill("#poll-question", "Thông qua phương án sơ tán dân cư vùng trũng thấp")
    await chair.click("#poll-open")

    # The ballot appears on the tablets without a reload; each votes "Tán thành".
    for tablet in delegates:
        await tablet.click("#ballot [data-choice='0']", timeout=5000)
        await tablet.wait_for_selector("#my-ballot .lv-receipt")
    # While open, the hall shows how many voted, never what.
    await hall.wait_for_selector("#hall-vote [data-role=voted]:has-text('3')")
    assert await hall.locator("#hall-vote [data-role=verdict]").count() == 0

    await chair.click("#poll-list [data-action=close]")
    await chair.click("#close-poll-dialog [data-answer=confirm]")

    result = hall.locator("#hall-result")
    await result.wait_for(timeout=5000)
    # 4 present, more than half is 3: three approvals carry it.
    assert await result.locator("[data-role=verdict]").inner_text() == "THÔNG QUA"
    assert await result.locator("[data-role=no-quorum]").count() == 0
    counts = [await result.locator(f"[data-option='{i}'] [data-count]").get_attribute("data-count")
              for i in range(3)]
    assert counts == ["3", "0", "0"]
    # The tablets show it too, with the receipt each was given.
    for tablet in delegates:
        await tablet.wait_for_selector("#last-result [data-role=verdict]:has-text('THÔNG QUA')")
    # Nothing overflows the tablet in portrait.
    assert await delegates[0].evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    # A shared hall tablet forgets its user's ballots when they log out.
    held = "Object.keys(localStorage).filter((k) => /^ecabinet\\.(vote|ballot)\\./.test(k)).length"
    assert await delegates[0].evaluate(held) == 2  # its ballot id and its receipt
    await delegates[0].click("#logout")
    await delegates[0].wait_for_selector("input[name=username]")
    assert await delegates[0].evaluate(held) == 0
