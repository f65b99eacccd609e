"""What a walk-through of the meeting in Chromium found (issue 12), checked on one server.

- The login form: the username has the focus, the language switch comes after the submit.
- The hall screen's account (observer): a menu without what it cannot use, and a button
  that opens the hall display of each meeting published or in session.
- The attendance tab at 1366×768: every column is headed, no button's text wraps.
- The chair's console during a vote: no prompt asks a chair who is not checked in to check
  in over the console; once checked in, the prompt is a small card docked in a corner that
  covers none of the vote's controls, and voting from it works. Closing the vote asks in the
  page (no window.confirm), and cancelling keeps it open.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import Dialog, Page, expect

from ecabinet import demo
from tests.e2e.conftest import Screens, keep_for_guide, meeting_id
from tests.e2e.test_hall_display_fits import api
from tests.e2e.test_vote_prompt import watch_console

URGENT = "Họp khẩn về phòng chống lụt bão"  # in session
UPCOMING = "Hội nghị trực tuyến triển khai Chính quyền điện tử 3 cấp"  # published
ADJOURNED = "Họp giao ban kinh tế - xã hội tháng 11/2026"
QUESTION = "Thông qua phương án sơ tán khẩn cấp dân cư vùng trũng thấp ven phá Tam Giang"

# Buttons whose text runs over more than one line (each line of text is one client rect
# of a range over the button's text nodes).
WRAPPED_BUTTONS = """(scope) => [...document.querySelectorAll(scope + ' button')]
  .filter((b) => b.checkVisibility())
  .filter((b) => {
    const range = document.createRange();
    range.selectNodeContents(b);
    const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0)
      .map((r) => Math.round(r.top)));
    return tops.size > 1;
  }).map((b) => b.textContent.trim())"""


async def box(page: Page, selector: str) -> dict[str, float]:
    found = await page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return found


async def refuse(dialog: Dialog, native: list[str]) -> None:
    """A native dialog (window.confirm) is noted and dismissed: the page must ask itself."""
    native.append(dialog.message)
    await dialog.dismiss()


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


async def test_what_the_walkthrough_found(screens: Screens) -> None:
    errors: list[str] = []
    native: list[str] = []

    # -- the login form, by keyboard, as the hall screen's account -------------------------
    context = await screens.browser.new_context(
        base_url=screens.base_url, viewport={"width": 1280, "height": 720}, locale="vi-VN")
    screens.contexts.append(context)
    hall = await context.new_page()
    watch_console(hall, errors, "hall")
    await hall.goto("/login")
    await expect(hall.locator("#login-username")).to_be_focused()
    await keep_for_guide(hall, "login.png")
    await hall.keyboard.type("manhinh")
    order = []
    for _ in range(3):
        await hall.keyboard.press("Tab")
        order.append(await hall.evaluate(
            "() => document.activeElement.id || document.activeElement.type"))
    assert order == ["login-password", "submit", "login-lang"], order
    await hall.fill("#login-password", demo.DEMO_PASSWORD)
    await hall.press("#login-password", "Enter")
    await hall.wait_for_selector("#meeting-list")

    # -- the observer's menu and meeting list -------------------------------------------------
    await expect(hall.locator("#nav a")).to_have_text(["Cuộc họp"])
    urgent = await meeting_id(hall, URGENT)
    upcoming = await meeting_id(hall, UPCOMING)
    for m in (urgent, upcoming):
        link = hall.locator(f"#meeting-list [data-meeting-id='{m}'] [data-role=open-hall]")
        await expect(link).to_have_text("Mở màn hình hội trường")
        assert await link.get_attribute("href") == f"/hall/{m}"
    listed: list[dict[str, Any]] = await hall.evaluate(
        "async () => (await (await fetch('/api/meetings')).json())")
    for meeting in listed:
        if meeting["status"] not in ("published", "in_session"):
            await expect(hall.locator(
                f"#meeting-list [data-meeting-id='{meeting['id']}'] [data-role=open-hall]"
            )).to_have_count(0)
    assert any(m["title"] == ADJOURNED for m in listed) or len(listed) >= 2
    await hall.click(f"#meeting-list [data-meeting-id='{urgent}'] [data-role=open-hall]")
    await expect(hall).to_have_url(re.compile(f"/hall/{urgent}$"))
    await hall.wait_for_selector(f"#hall-title:has-text('{URGENT}')")

    # -- the attendance tab at 1366×768 --------------------------------------------------------
    secretary = await screens.login("thuky", viewport={"width": 1366, "height": 768})
    watch_console(secretary, errors, "secretary")
    secretary.on("dialog", lambda d: refuse(d, native))
    await secretary.goto(f"/meetings/{urgent}/attendance")
    await secretary.wait_for_selector("#attendance-list tr")
    heads = await secretary.locator("#attendance-list thead th").all_inner_texts()
    cells = await secretary.locator("#attendance-list tr").last.locator("td").count()
    assert cells >= 4 and len(heads) == cells, (heads, cells)
    assert all(h.strip() and h.strip() != "—" for h in heads[:4]), heads
    presence = await secretary.locator("#attendance-list tr td:nth-child(4)").all_inner_texts()
    assert "—" not in [p.strip() for p in presence], presence
    assert await secretary.evaluate(WRAPPED_BUTTONS, ".attendance-tab") == []
    await keep_for_guide(secretary, "attendance.png")

    # -- a delegate finds their own line at once, on a tablet held upright -------------------
    delegate = await screens.login("daibieu1", viewport={"width": 800, "height": 1280})
    watch_console(delegate, errors, "delegate")
    await delegate.goto(f"/meetings/{urgent}/attendance")
    await delegate.wait_for_selector("#attendance-list tr")
    me = await delegate.evaluate(
        "async () => (await (await fetch('/api/session')).json()).user.id")
    own = delegate.locator("#attendance-list tr.mine")
    await expect(own).to_have_count(1)
    assert await own.get_attribute("data-user-id") == str(me)
    await expect(own.locator(".badge.you")).to_have_text("Bạn")
    # On another user's screen the delegate's line is an ordinary one.
    await expect(secretary.locator(f"#attendance-list tr[data-user-id='{me}']")).not_to_have_class(
        re.compile(r"\bmine\b"))

    # -- the chair's console during a vote ------------------------------------------------------
    chair = await screens.login("chutich", viewport={"width": 1280, "height": 800})
    watch_console(chair, errors, "chair")
    chair.on("dialog", lambda d: refuse(d, native))
    await chair.goto(f"/meetings/{urgent}/console")
    await chair.fill("#poll-question", QUESTION)
    await chair.click("#poll-open")
    open_row = chair.locator("#poll-list .poll-row.open")
    await expect(open_row).to_have_count(1)
    await hall.wait_for_selector("#hall-vote")
    # Not checked in: nothing is put over the console to ask for it.
    await chair.wait_for_timeout(300)
    await expect(chair.locator("#prompt-layer .prompt-vote")).to_have_count(0)

    # Checked in: the chair's own ballot sits in the polls panel under the vote it runs;
    # no prompt is put over the console, and the vote's controls stay uncovered.
    await api(chair, "POST", f"/api/meetings/{urgent}/attendance/checkin", {})
    ballot = chair.locator("#console-polls #ballot")
    await expect(ballot).to_be_visible(timeout=5000)
    await chair.wait_for_timeout(300)
    await expect(chair.locator("#prompt-layer .prompt")).to_have_count(0)
    close = chair.locator("#poll-list [data-action=close]")
    await close.scroll_into_view_if_needed()
    hit = await close.evaluate(
        """(b) => { const r = b.getBoundingClientRect();
                    const at = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
                    return b === at || b.contains(at); }""")
    assert hit, "the close button is covered"
    await ballot.locator(".ballot-option[data-choice='0']").click()
    await expect(ballot.locator("#my-ballot")).to_contain_text("Bạn đã biểu quyết: Tán thành")
    await expect(open_row.locator("[data-role=progress]")).to_contain_text("Đã biểu quyết: 1/")

    # Closing asks in the page; cancelling keeps the vote open, confirming closes it.
    dialog = chair.locator("#close-poll-dialog")
    await close.click()
    await expect(dialog).to_be_visible()
    assert await dialog.get_attribute("role") == "alertdialog"
    await expect(dialog).to_contain_text("Kết thúc biểu quyết và công bố kết quả?")
    await expect(dialog.locator("[data-answer=cancel]")).to_be_focused()
    await dialog.locator("[data-answer=cancel]").click()
    await expect(dialog).to_have_count(0)
    await expect(open_row).to_have_count(1)
    await close.click()
    await dialog.locator("[data-answer=confirm]").click()
    await expect(chair.locator("#poll-list .poll-row.closed")).to_have_count(1)
    await hall.wait_for_selector("#hall-result [data-role=verdict]", timeout=5000)

    assert not native, native
    assert not errors, errors
