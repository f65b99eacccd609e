"""Departments are units in every picker: the secretary finds "Sở Thông tin và Truyền thông"
among the departments when naming who presents an item and who carries out a task; the
participant picker offers people only; removing an item asks in the page, not the browser."""

from __future__ import annotations

from playwright.async_api import expect

from tests.e2e.conftest import Screens, meeting_id

DRAFT = "Phiên họp thường kỳ UBND tỉnh tháng 12/2026"  # draft in the demo
ADJOURNED = "Họp giao ban kinh tế - xã hội tháng 11/2026"  # adjourned, no notice yet
DEPARTMENTS = "optgroup[label='Sở, ban, ngành']"
DEPARTMENT = "Sở Thông tin và Truyền thông"


async def test_departments_are_offered_where_units_are_picked(screens: Screens) -> None:
    secretary = await screens.login("thuky")
    native: list[str] = []
    secretary.on("dialog", lambda d: native.append(d.message))

    # The agenda item form: "Đơn vị trình" lists the departments as a group of their own.
    draft = await meeting_id(secretary, DRAFT)
    await secretary.goto(f"/meetings/{draft}/agenda")
    await secretary.click("#add-item")
    presenter = secretary.locator("#item-unit")
    await expect(presenter.locator(f"{DEPARTMENTS} option", has_text=DEPARTMENT)).to_have_count(1)
    groups = await presenter.locator("optgroup").evaluate_all("(gs) => gs.map((g) => g.label)")
    assert groups[:2] == ["Sở, ban, ngành", "UBND tỉnh"], groups
    await secretary.keyboard.press("Escape")

    # Removing an item asks in the page's own dialog; cancelling keeps it.
    first = secretary.locator(".agenda-item").first
    title = await first.locator(".item-title").inner_text()
    await first.locator(".item-tools button", has_text="Sửa").click()
    await secretary.locator("dialog.sheet-dialog button.danger", has_text="Gỡ nội dung").click()
    ask = secretary.locator("#remove-item-dialog")
    await expect(ask).to_be_visible()
    await expect(ask.locator("[data-answer=confirm]")).to_have_class("danger")
    await ask.locator("[data-answer=cancel]").click()
    await expect(ask).to_have_count(0)
    await secretary.keyboard.press("Escape")
    await expect(secretary.locator(".agenda-item").first).to_contain_text(title.strip())
    assert not native, native

    # The conclusion notice: a task goes to the department; it can receive the notice.
    adjourned = await meeting_id(secretary, ADJOURNED)
    await secretary.goto(f"/meetings/{adjourned}/conclusion")
    await secretary.click("#conclusion-create")
    item = secretary.locator(".conclusion-item").first
    await item.locator(".add-task").click()
    responsible = item.locator(".task-row .t-responsible")
    await expect(responsible.locator(f"{DEPARTMENTS} option", has_text=DEPARTMENT)).to_have_count(1)
    await responsible.select_option(label=DEPARTMENT)
    recipients = secretary.locator(".recipients label", has_text=DEPARTMENT)
    await expect(recipients.locator("input.c-recipient")).to_have_count(1)

    # The meeting form offers people only: not the hall screen, not the remote rooms.
    await secretary.goto("/meetings/new")
    participants = secretary.locator("#participants")
    await expect(participants).to_contain_text("Võ Thị Hồng Nhung")
    await expect(participants).not_to_contain_text("Màn hình hội trường")
    await expect(participants).not_to_contain_text("Phòng họp UBND huyện Phú Lộc")
    await expect(secretary.locator(".people-group legend", has_text=DEPARTMENT)).to_have_count(1)
