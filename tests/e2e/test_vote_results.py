"""Vote results say what the rule counts: bars on its base, the non-voters, the rule in words.

Two of the three members present vote "Tán thành" under the "present" rule: the bar is two
thirds of the way, "66,7 %", and the third member present is shown as not having voted.
Under "two_thirds" the same two votes are a third of all six members.
"""

from __future__ import annotations

import re

from playwright.async_api import Locator, Page, expect

from tests.e2e.conftest import Screens, meeting_id
from tests.e2e.test_vote_prompt import keep_for_guide, watch_console

TITLE = "Họp khẩn về phòng chống lụt bão"
TABLET = {"width": 800, "height": 1280}
PROJECTOR = {"width": 1920, "height": 1080}


async def share(row: Locator) -> float:
    """How much of its track a result row's bar fills."""
    fill = await row.locator(".lv-bar-fill").bounding_box()
    track = await row.locator(".lv-bar-track").bounding_box()
    assert fill is not None and track is not None
    return fill["width"] / track["width"]


async def counted(row: Locator) -> str | None:
    """The count a result row shows."""
    return await row.locator("[data-count]").get_attribute("data-count")


async def text(locator: Locator) -> str:
    """The text as read, with the no-break space before "%" read as a space."""
    return (await locator.inner_text()).replace("\u00a0", " ").strip()


async def vote(chair: Page, delegates: list[Page], question: str, rule: str) -> None:
    """The chair opens a poll under `rule`; each delegate votes "Tán thành"; the chair closes."""
    # After a result the console folds the form for a new vote: the chair unfolds it.
    if await chair.locator("details.poll-new").get_attribute("open") is None:
        await chair.click("details.poll-new > summary")
    await chair.fill("#poll-question", question)
    await chair.select_option("#poll-rule", rule)
    await chair.click("#poll-open")
    for tablet in delegates:
        await tablet.click("#ballot [data-choice='0']", timeout=5000)
        await tablet.wait_for_selector("#my-ballot .lv-receipt")
    await expect(chair.locator("#poll-list .poll-row.open [data-role=progress]")).to_contain_text(
        f"Đã biểu quyết: {len(delegates)}/3")
    await chair.click("#poll-list .poll-row.open [data-action=close]")
    await chair.click("#close-poll-dialog [data-answer=confirm]")


async def test_the_result_is_scaled_to_the_base_of_the_rule(screens: Screens) -> None:
    errors: list[str] = []
    hall = await screens.login("manhinh", viewport=PROJECTOR)
    watch_console(hall, errors, "hall")
    m = await meeting_id(hall, TITLE)
    await hall.goto(f"/hall/{m}")
    await hall.wait_for_selector(f"#hall-title:has-text('{TITLE}')")

    # daibieu3 is already checked in by the demo; two more make three present of six.
    delegates = []
    for username in ("daibieu1", "daibieu2"):
        tablet = await screens.login(username, viewport=TABLET)
        watch_console(tablet, errors, username)
        await tablet.goto(f"/meetings/{m}/live")
        await tablet.click("#check-in")
        await tablet.wait_for_selector("#checkin.done")
        delegates.append(tablet)
    await hall.wait_for_selector("#attendance-counts [data-role=present]:has-text('3/6')")

    chair = await screens.login("chutich")
    watch_console(chair, errors, "chair")
    await chair.goto(f"/meetings/{m}/console")
    await vote(chair, delegates, "Thông qua kế hoạch sơ tán dân cư ven phá Tam Giang", "present")

    result = hall.locator("#hall-result")
    await result.wait_for(timeout=5000)
    yes = result.locator("[data-option='0']")
    await expect(yes.locator("[data-count]")).to_have_attribute("data-count", "2")
    # Two of the three present: two thirds of the bar, not all of it.
    assert abs(await share(yes) - 2 / 3) < 0.02, await share(yes)
    assert await text(yes.locator(".lv-bar-pct")) == "66,7 %"
    assert await share(result.locator("[data-option='1']")) < 0.01
    # The third member present did not vote, and is shown.
    idle = result.locator("[data-role=not-voted]")
    await expect(idle.locator(".lv-bar-label")).to_have_text("Có mặt, không tham gia biểu quyết")
    await expect(idle.locator("[data-count]")).to_have_attribute("data-count", "1")
    assert abs(await share(idle) - 1 / 3) < 0.02
    assert await text(idle.locator(".lv-bar-pct")) == "33,3 %"
    # No absent row under "present": the absent are not part of what it counts.
    await expect(result.locator("[data-role=absent]")).to_have_count(0)
    # The rule in words, with its threshold: a majority of those present, not two thirds.
    await expect(result.locator("[data-role=rule]")).to_have_text(
        "Thông qua khi quá nửa số thành viên có mặt biểu quyết tán thành: "
        "cần ít nhất 2 trong số 3 thành viên có mặt.")
    # Three of six present is no quorum: the count carries, the meeting may not decide.
    await expect(result.locator("[data-role=verdict]")).to_have_text("KHÔNG THÔNG QUA")
    await expect(result.locator("[data-role=no-quorum]")).to_be_visible()
    await expect(result.locator(".lv-result-foot")).to_contain_text(
        "Tỷ lệ tính trên 3 thành viên có mặt · 3 có mặt / 6 thành viên · Kết thúc lúc ")
    await expect(result.locator(".lv-result-foot")).to_have_text(
        re.compile(r"Kết thúc lúc \d\d:\d\d \d\d/\d\d/\d{4}$"))
    await keep_for_guide(hall, "vote-result.png")

    # The tablets show the same result, on the same base.
    last = delegates[0].locator("#last-result")
    await expect(last.locator("[data-role=verdict]")).to_have_text("KHÔNG THÔNG QUA")
    assert abs(await share(last.locator("[data-option='0']")) - 2 / 3) < 0.02
    assert await text(last.locator("[data-option='0'] .lv-bar-pct")) == "66,7 %"
    await expect(last.locator("[data-role=not-voted] [data-count]")).to_have_attribute(
        "data-count", "1")

    # Under "two_thirds" the base is all six members: the same two votes are a third,
    # and the absent are shown too.
    budget = "Thông qua việc điều chỉnh dự toán ngân sách năm 2027"
    await vote(chair, delegates, budget, "two_thirds")
    await expect(hall.locator("#hall-result .hall-question")).to_have_text(budget)
    yes = result.locator("[data-option='0']")
    assert abs(await share(yes) - 1 / 3) < 0.02
    assert await text(yes.locator(".lv-bar-pct")) == "33,3 %"
    assert await counted(result.locator("[data-role=not-voted]")) == "1"
    assert await counted(result.locator("[data-role=absent]")) == "3"
    assert abs(await share(result.locator("[data-role=absent]")) - 1 / 2) < 0.02
    await expect(result.locator("[data-role=rule]")).to_have_text(
        "Thông qua khi ít nhất hai phần ba tổng số thành viên biểu quyết tán thành: "
        "cần ít nhất 4 trong tổng số 6 thành viên.")

    assert not errors, errors
