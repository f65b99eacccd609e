"""What cannot be undone asks first, in the page: publishing, starting (saying when the
meeting is scheduled, and that it is not today) and ending the session; cancelling does
nothing. A wrong signing PIN is told inside the signing dialog. A delegate opening the
new-meeting form is told it is not theirs, without an error."""

from __future__ import annotations

from datetime import datetime

from playwright.async_api import Page, expect

from ecabinet.workdays import VIETNAM
from tests.e2e.conftest import Screens, keep_for_guide, meeting_id

APPROVED = "Họp về dự toán ngân sách và đầu tư công năm 2027"  # 8 days ahead in the demo
PUBLISHED = "Hội nghị trực tuyến triển khai Chính quyền điện tử 3 cấp"  # 6 days ahead
IN_SESSION = "Họp khẩn về phòng chống lụt bão"
ADJOURNED = "Họp giao ban kinh tế - xã hội tháng 11/2026"  # chaired by chutich


async def status_of(page: Page, m: int) -> str:
    status: str = await page.evaluate(
        "async (id) => (await (await fetch(`/api/meetings/${id}`)).json()).meeting.status", m)
    return status


async def open_overview(page: Page, title: str) -> int:
    m = await meeting_id(page, title)
    await page.goto(f"/meetings/{m}")
    await page.wait_for_selector("#transitions")
    return m


async def test_publish_start_and_end_ask_first_and_cancel_does_nothing(screens: Screens) -> None:
    secretary = await screens.login("thuky")
    # No window.confirm or prompt (they would block the page; Playwright dismisses them).
    native: list[str] = []
    secretary.on("dialog", lambda d: native.append(d.message))
    dialog = secretary.locator("#transition-dialog")

    # Publishing: asked, cancelled, still approved.
    m = await open_overview(secretary, APPROVED)
    await secretary.click("[data-transition=publish]")
    await expect(dialog).to_be_visible()
    assert await dialog.get_attribute("role") == "alertdialog"
    await expect(dialog).to_contain_text("Phát hành giấy mời và tài liệu?")
    await expect(dialog.locator("[data-answer=cancel]")).to_be_focused()
    await dialog.locator("[data-answer=cancel]").click()
    await expect(dialog).to_have_count(0)
    assert await status_of(secretary, m) == "approved"
    await expect(secretary.locator(".badge[data-status=approved]")).to_have_count(1)

    # Starting a week early: the dialog says when it is scheduled and that today is not it.
    m = await open_overview(secretary, PUBLISHED)
    starts = await secretary.evaluate(
        "async (id) => (await (await fetch(`/api/meetings/${id}`)).json()).meeting.starts_at", m)
    planned = datetime.fromisoformat(starts).astimezone(VIETNAM).strftime("%d/%m/%Y")
    today = datetime.now(VIETNAM).strftime("%d/%m/%Y")
    await secretary.click("[data-transition=start]")
    await expect(dialog).to_be_visible()
    await expect(dialog.locator("#start-day-warning")).to_have_text(
        f"Cuộc họp dự kiến ngày {planned}; hôm nay là {today}. Vẫn bắt đầu?")
    await expect(dialog.locator("[data-answer=confirm]")).to_have_text("Vẫn bắt đầu")
    await keep_for_guide(secretary, "confirm-start.png")
    await secretary.keyboard.press("Escape")  # Esc cancels too
    await expect(dialog).to_have_count(0)
    assert await status_of(secretary, m) == "published"

    # Ending the session: asked, cancelled, still in session.
    m = await open_overview(secretary, IN_SESSION)
    await secretary.click("[data-transition=adjourn]")
    await expect(dialog).to_contain_text("Kết thúc phiên họp?")
    await dialog.locator("[data-answer=cancel]").click()
    await expect(dialog).to_have_count(0)
    assert await status_of(secretary, m) == "in_session"

    # Confirming does it: publishing the approved meeting, from the agenda tab as well.
    m = await meeting_id(secretary, APPROVED)
    await secretary.goto(f"/meetings/{m}/agenda")
    await secretary.click("#tab-body [data-transition=publish]")
    await dialog.locator("[data-answer=confirm]").click()
    await expect(dialog).to_have_count(0)
    await expect(secretary.locator(".badge[data-status=published]").first).to_be_visible()
    assert await status_of(secretary, m) == "published"
    assert not native, native


async def test_a_wrong_pin_is_told_inside_the_signing_dialog(screens: Screens) -> None:
    secretary = await screens.login("thuky")
    m = await meeting_id(secretary, ADJOURNED)
    await secretary.goto(f"/meetings/{m}/conclusion")
    await secretary.click("#conclusion-create")
    first = secretary.locator(".conclusion-item").first
    await first.wait_for()
    await first.locator(".c-text").fill("Giao các sở, ngành rà soát kế hoạch năm 2027.")
    await secretary.click("#conclusion-submit")
    await secretary.wait_for_selector(".badge[data-status=signing]")
    # The toast says what happened: sent to the chair, not "saved".
    await expect(secretary.locator("#toast")).to_have_text(
        "Đã trình chủ trì ký thông báo kết luận.")
    await expect(secretary.locator("#sign-next")).to_have_text("Đang chờ chủ trì ký.")

    chair = await screens.login("chutich")
    await chair.goto(f"/meetings/{m}/conclusion")
    await expect(chair.locator("#sign-next")).to_have_text("Đến lượt bạn ký số.")
    await chair.click("#conclusion-sign")
    dialog = chair.locator("#sign-dialog")
    await expect(dialog).to_be_visible()
    await keep_for_guide(chair, "sign-dialog.png")
    await chair.fill("#sign-passphrase", "sai-ma-pin")
    await chair.click("#sign-confirm")
    error = dialog.locator(".dialog-error")
    await expect(error).to_be_visible()
    assert (await error.inner_text()).strip()
    await expect(dialog).to_be_visible()  # still open for another try
    await expect(chair.locator("#toast")).to_be_hidden()
    await expect(chair.locator("#sign-passphrase")).to_be_focused()

    # The right PIN then signs.
    await chair.fill("#sign-passphrase", "demo12345")
    await chair.click("#sign-confirm")
    await expect(dialog).to_have_count(0)
    await chair.wait_for_selector(".badge[data-status=issued]")


async def test_a_delegate_on_the_new_meeting_form_is_told_it_is_not_theirs(
        screens: Screens) -> None:
    delegate = await screens.login("daibieu1")
    errors: list[str] = []
    delegate.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    await delegate.goto("/meetings/new")
    message = delegate.locator("#form-forbidden")
    await expect(message).to_contain_text("không tạo được cuộc họp")
    await expect(message.get_by_role("link", name="Về danh sách cuộc họp")).to_be_visible()
    assert await delegate.locator("#f-title").count() == 0
    assert not errors, errors  # and the screens fixture fails on any page error
