"""The secretary issues a conclusion with a task, the chair signs it, the responsible unit
hands in its deliverable, and the task shows done: in real Chromium on the demo province."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.async_api import FilePayload

from tests.e2e.conftest import Screens, keep_for_guide

MEETING = "Họp giao ban kinh tế - xã hội tháng 11/2026"  # adjourned in the demo
TASK = "Báo cáo tiến độ giải phóng mặt bằng tuyến đường ven biển qua huyện Phú Lộc"


async def test_conclusion_signed_task_delivered_and_done(screens: Screens) -> None:
    secretary = await screens.login("thuky")
    await secretary.click(f"#meeting-list .meeting-card:has-text('{MEETING}')")
    await secretary.wait_for_selector("#meeting-title")
    found = re.search(r"/meetings/(\d+)", secretary.url)
    assert found is not None
    meeting_id = found.group(1)

    # The secretary writes the notice: a conclusion and a task for the Phú Lộc district.
    await secretary.click("[data-tab=conclusion]")
    await secretary.wait_for_selector("#conclusion-deadline")
    await secretary.click("#conclusion-create")
    first = secretary.locator(".conclusion-item").first
    await first.wait_for()
    await first.locator(".c-text").fill("Yêu cầu các địa phương đẩy nhanh tiến độ giải ngân.")
    await first.locator(".add-task").click()
    row = first.locator(".task-row").first
    await row.locator(".t-content").fill(TASK)
    await row.locator(".t-responsible").select_option(label="UBND huyện Phú Lộc")
    await row.locator(".t-deadline").fill((date.today() + timedelta(days=20)).isoformat())
    await row.locator(".t-deliverable").fill("Báo cáo bằng văn bản")
    await keep_for_guide(secretary, "conclusion.png")
    await secretary.click("#conclusion-submit")
    await secretary.wait_for_selector(".badge[data-status=signing]")
    number = await secretary.locator("#conclusion-number").inner_text()
    assert re.fullmatch(r"\d{2}/TB-UBND", number), number

    # The chair signs with the demo key; the secretary's screen turns "issued" live.
    chair = await screens.login("chutich")
    await chair.goto(f"/meetings/{meeting_id}/conclusion")
    await chair.click("#conclusion-sign")
    await chair.fill("#sign-passphrase", "demo12345")
    await chair.click("#sign-confirm")
    await chair.wait_for_selector(".badge[data-status=issued]")
    assert await chair.locator("#signatures li").count() == 1
    await secretary.wait_for_selector(".badge[data-status=issued]", timeout=5000)
    pdf = await chair.request.get(f"/api/meetings/{meeting_id}/conclusion/pdf")
    assert pdf.ok and (await pdf.body()).startswith(b"%PDF")

    # The district's office finds the task, hands in a file and a note: the task is done.
    unit = await screens.login("thukyphuloc")
    await unit.click("#nav a[href='/tasks']")
    card = unit.locator(".task-card", has_text=TASK)
    await card.wait_for()
    assert await card.get_attribute("data-state") == "on_track"
    await card.locator(".task-head").click()
    await card.locator(".deliver-note").fill("Gửi báo cáo số 125/BC-UBND ngày hôm nay.")
    report: FilePayload = {"name": "bao-cao-125.pdf", "mimeType": "application/pdf",
                           "buffer": b"%PDF-1.4\n% Bao cao giai phong mat bang\n%%EOF\n"}
    await card.locator(".deliver-file").set_input_files(files=[report])
    await card.locator(".deliver-send").click()
    await unit.wait_for_selector(f".task-card[data-state=done]:has-text('{TASK}')")
    assert "bao-cao-125.pdf" in await card.inner_text()

    # The office's follow-up list shows it done, and so does the notice, live.
    await secretary.wait_for_selector(f"tr:has-text('{TASK}') .badge[data-state=done]",
                                      timeout=5000)
    await secretary.click("#nav a[href='/tasks']")
    await secretary.wait_for_selector(f".task-card[data-state=done]:has-text('{TASK}')")
    await keep_for_guide(secretary, "tasks.png")
