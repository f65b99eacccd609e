"""A written consultation from start to result: the secretary prepares it in the UI and
submits it, the chair approves it, two delegates reply on their tablets, the secretary's
page follows the replies live, closes it, and the result shows."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.documents.pdfs import agenda_pdf
from tests.e2e.conftest import Screens

TITLE = "Lấy ý kiến về phương án hỗ trợ hộ dân bị ảnh hưởng bởi bão số 15"
QUESTIONS = ["Đồng ý mức hỗ trợ 5 triệu đồng mỗi hộ có nhà bị tốc mái?",
             "Đồng ý giao Sở Tài chính bố trí kinh phí từ nguồn dự phòng ngân sách tỉnh?"]
ASKED = ["Phan Thiên Định", "Nguyễn Thanh Bình", "Võ Thị Hồng Nhung"]
TABLET = {"width": 768, "height": 1024}
OPINION = "Đề nghị nâng mức hỗ trợ lên 7 triệu đồng đối với hộ nghèo."
UNSENT = "Object.keys(localStorage).filter((k) => k.startsWith('ecabinet.reply.')).length"


async def reply(page: Page, choices: list[int], opinion: str = "") -> None:
    """From the delegate's list of what waits for them: open it, answer, send."""
    badge = page.locator("#nav a[href='/consultations'] #consultations-badge")
    await expect(badge).to_have_text("1")
    await page.click("#nav a[href='/consultations']")
    await page.locator("#cs-waiting .cs-line", has_text=TITLE).click()
    cards = page.locator("#cs-reply fieldset.cs-question")
    await expect(cards).to_have_count(2)
    for index, choice in enumerate(choices):
        await cards.nth(index).locator(f"label.cs-option[data-choice='{choice}']").click()
    if opinion:
        await cards.nth(0).locator("textarea").fill(opinion)
    await page.click("#cs-send")
    await expect(page.locator("#cs-my-reply[data-state=sent] [data-role=sent-at]")) \
        .to_contain_text("Đã gửi lúc")
    # The device's reply id is dropped once acknowledged, and the count on the top bar goes.
    assert await page.evaluate(UNSENT) == 0
    await expect(badge).to_have_count(0)
    # Large choices, and nothing wider than a 10-inch portrait screen.
    assert await page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]


async def test_secretary_prepares_chair_approves_members_reply_office_sees_the_result(
        screens: Screens) -> None:
    secretary = await screens.login("thuky")
    await secretary.click("#nav a[href='/consultations']")
    await secretary.click("#cs-new")
    await secretary.fill("#cs-f-title", TITLE)
    await secretary.fill("#cs-f-matter", "Căn cứ báo cáo thiệt hại do bão số 15 gây ra …")
    await secretary.select_option("#cs-f-chair", label="Nguyễn Văn Phương — Chủ tịch UBND tỉnh")
    await secretary.locator(".cs-question-text").nth(0).fill(QUESTIONS[0])
    await secretary.click("#cs-add-question")
    await secretary.locator(".cs-question-text").nth(1).fill(QUESTIONS[1])
    # Each question comes with the usual answers, the first one agreeing.
    options = secretary.locator("#cs-questions fieldset").nth(1).locator(".cs-option-input")
    assert await options.evaluate_all("(inputs) => inputs.map((i) => i.value)") == [
        "Đồng ý", "Không đồng ý", "Ý kiến khác"]
    await secretary.check("#cs-who-pick")
    for name in ASKED:
        await secretary.check(f"#cs-people label:has-text('{name}') input")
    await expect(secretary.locator("#cs-who-preview")).to_contain_text("Sẽ hỏi ý kiến 3 người")
    await secretary.click("#cs-save")
    await expect(secretary.locator("#cs-title")).to_have_text(TITLE)
    await expect(secretary.locator(".cs-head [data-status=draft]")).to_have_text("Đang soạn thảo")
    await secretary.click("[data-action=submit]")
    await expect(secretary.locator(".cs-head [data-status=submitted]")).to_be_visible()

    # The chair finds it waiting for them and approves it.
    chair = await screens.login("chutich")
    await chair.click("#nav a[href='/consultations']")
    await chair.locator("#cs-waiting .cs-line", has_text=TITLE).click()
    await chair.click("[data-action=approve]")
    await expect(chair.locator("#cs-step-dialog")).to_contain_text("3 thành viên")
    await chair.click("#cs-step-dialog [data-answer=confirm]")
    await expect(chair.locator(".cs-head [data-status=sent]")).to_have_text("Đang lấy ý kiến")
    await expect(chair.locator("#cs-deadline")).to_contain_text("17:00")

    # The secretary's page, left open, learns it was sent; from now on it is never reloaded.
    progress = secretary.locator("#cs-replied")
    await expect(progress).to_have_text("0/3 đã trả lời")
    await secretary.evaluate("window.__kept = true")

    first = await screens.login("daibieu1", viewport=TABLET)
    await reply(first, [0, 0])
    second = await screens.login("daibieu2", viewport=TABLET)
    await reply(second, [2, 0], OPINION)
    # What was sent reads back, the opinion with it.
    await expect(second.locator("#cs-my-reply")).to_contain_text("Ý kiến khác")
    await expect(second.locator("#cs-my-reply")).to_contain_text(OPINION)

    # Both replies arrived on the secretary's page without a reload; who, not what.
    await expect(progress).to_have_text("2/3 đã trả lời")
    assert await secretary.evaluate("window.__kept === true")
    rows = secretary.locator("#cs-members tr[data-replied=true]")
    await expect(rows).to_have_count(2)
    await expect(secretary.locator("#cs-members")).not_to_contain_text(OPINION)

    await secretary.click("[data-action=close]")
    await expect(secretary.locator("#cs-step-dialog")).to_contain_text("2/3")
    await secretary.click("#cs-step-dialog [data-answer=confirm]")
    result = secretary.locator("#cs-result")
    await expect(result).to_be_visible()
    await expect(result.locator("#cs-closed-why")).to_contain_text("Văn phòng kết thúc trước hạn")
    assert await secretary.evaluate("window.__kept === true")
    # Three asked, more than half is two: the first question lacks one "Đồng ý"; the one who
    # did not reply never counts as agreeing.
    questions = result.locator("article.cs-result-q")
    q1, q2 = questions.nth(0), questions.nth(1)
    await expect(q1.locator("[data-role=verdict]")).to_have_text("KHÔNG THÔNG QUA")
    await expect(q2.locator("[data-role=verdict]")).to_have_text("THÔNG QUA")
    counts = [await q1.locator(f".cs-bar[data-option='{i}'] [data-count]")
              .get_attribute("data-count") for i in range(3)]
    assert counts == ["1", "0", "1"]
    await expect(q1.locator(".cs-bar[data-role=not-replied] [data-count]")).to_have_text("1")
    await expect(q1.locator("[data-role=rule]")).to_contain_text(
        "cần ít nhất 2 trong tổng số 3 thành viên được hỏi")
    # The replies grouped by answer, each opinion with its member's unit.
    other = q1.locator(".cs-choice-group[data-option='2']")
    await expect(other).to_contain_text("Nguyễn Thanh Bình — Sở Kế hoạch và Đầu tư")
    await expect(other.locator("blockquote")).to_have_text(OPINION)
    await expect(q1.locator(".cs-choice-group[data-role=not-replied]")).to_contain_text(
        "Võ Thị Hồng Nhung")

    # The members' tablets show the result too, without a reload.
    await expect(first.locator("#cs-result article.cs-result-q").nth(1)
                 .locator("[data-role=verdict]")).to_have_text("THÔNG QUA")
    assert await first.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]


SIGNED_TITLE = "Lấy ý kiến về chủ trương đầu tư cầu Phú Lộc 2 (phiếu ký số)"
DRAFT = "Dự thảo Nghị quyết về chủ trương đầu tư cầu Phú Lộc 2"
SIGNED_QUESTION = "Đồng ý chủ trương đầu tư cầu Phú Lộc 2 theo tờ trình của Sở Giao thông vận tải?"
PHONE = {"width": 390, "height": 844}
REPORT_TASK = "Thẩm định tổng mức đầu tư cầu Phú Lộc 2"
PROPOSAL = "Đề nghị Chủ tịch UBND tỉnh ký quyết định phê duyệt chủ trương đầu tư."
WIDTH = "document.documentElement.scrollWidth"


async def sign_reply(page: Page, consultation_id: int, choice: int, *, wrong_first: bool = False
                     ) -> None:
    """Open the consultation, answer, and sign the reply with the demo key's passphrase."""
    width = page.viewport_size["width"] if page.viewport_size else 1280
    await page.goto(f"/consultations/{consultation_id}")
    # Said before answering: this ballot is signed with the member's own key.
    await expect(page.locator("#cs-signed-notice")).to_contain_text("ký số")
    send = page.locator("#cs-send")
    dialog = page.locator("#cs-sign-dialog")
    if wrong_first:
        # "Ý kiến khác" with nothing written is caught before the passphrase is asked.
        await page.locator("#cs-reply label.cs-option[data-choice='2']").click()
        await send.click()
        await expect(page.locator("#cs-reply-error")).to_contain_text("ý kiến khác")
        await expect(dialog).to_have_count(0)
    await page.locator(f"#cs-reply label.cs-option[data-choice='{choice}']").click()
    await expect(send).to_contain_text("Ký và gửi phiếu")
    await send.click()
    await expect(dialog).to_be_visible()
    assert await page.evaluate(WIDTH) <= width
    if wrong_first:
        await page.fill("#cs-passphrase", "not-the-pin")
        await page.click("#cs-sign-send")
        # Told in the dialog, which stays open; nothing was stored or kept on the device.
        await expect(dialog.locator("#cs-sign-error")).to_contain_text("không đúng")
        await expect(dialog).to_be_visible()
        mine = await (await page.request.get(f"/api/consultations/{consultation_id}")).json()
        assert mine["mine"]["replied_at"] is None
        assert await page.evaluate(UNSENT) == 0
    await page.fill("#cs-passphrase", "demo12345")
    await page.click("#cs-sign-send")
    await expect(dialog).to_have_count(0)
    sent = page.locator("#cs-my-reply[data-state=sent]")
    await expect(sent).to_contain_text("Đã ký số")
    # The passphrase never reaches the device's storage; the signed paper opens as a PDF.
    assert await page.evaluate(UNSENT) == 0
    assert "demo12345" not in await page.evaluate("JSON.stringify(localStorage)")
    paper = await sent.locator("#cs-my-paper").get_attribute("href")
    assert paper and paper.startswith(f"/api/consultations/{consultation_id}/papers/")
    assert (await (await page.request.get(paper)).body()).startswith(b"%PDF")
    assert await page.evaluate(WIDTH) <= width


async def test_signed_replies_and_the_signed_synthesis_report(screens: Screens) -> None:
    secretary = await screens.login("thuky")
    # Someone with no signing key is pointed out to the office before it is sent.
    await secretary.goto("/consultations/new")
    await secretary.fill("#cs-f-title", "Phiếu thử: thành viên chưa có khóa ký số")
    await secretary.locator(".cs-question-text").nth(0).fill(SIGNED_QUESTION)
    await secretary.check("#cs-who-pick")
    await secretary.check("#cs-people label:has-text('Trương Thị Lan') input")
    await secretary.check("#cs-f-signed")
    await secretary.click("#cs-save")
    await expect(secretary.locator("#cs-members [data-role=no-key]")).to_have_text(
        "⚠ chưa có khóa ký số")
    await expect(secretary.locator("#cs-no-key-warning")).to_contain_text("Trương Thị Lan")

    await secretary.goto("/consultations/new")
    await secretary.fill("#cs-f-title", SIGNED_TITLE)
    await secretary.select_option("#cs-f-chair", label="Nguyễn Văn Phương — Chủ tịch UBND tỉnh")
    await secretary.locator(".cs-question-text").nth(0).fill(SIGNED_QUESTION)
    await secretary.check("#cs-who-pick")
    for name in ASKED[:2]:
        await secretary.check(f"#cs-people label:has-text('{name}') input")
    await secretary.check("#cs-f-signed")
    await secretary.click("#cs-save")
    await expect(secretary.locator("#cs-signed-fact")).to_be_visible()
    consultation_id = int(await secretary.locator("#cs-page").get_attribute(
        "data-consultation-id") or 0)
    # The draft the members decide on goes through the document pipeline, live.
    await secretary.locator("#cs-drafts input[type=file]").set_input_files(
        {"name": f"{DRAFT}.pdf", "mimeType": "application/pdf",
         "buffer": agenda_pdf(3, extra="Tổng mức đầu tư cầu Phú Lộc 2")})
    row = secretary.locator("#cs-drafts .doc-row", has_text=DRAFT)
    await expect(row).to_have_attribute("data-status", "ready", timeout=20000)
    await expect(row).to_contain_text("3 trang")
    # Kept on edit.
    await secretary.click("[data-action=edit]")
    await expect(secretary.locator("#cs-f-signed")).to_be_checked()
    await secretary.click("#cs-save-submit")
    await expect(secretary.locator(".cs-head [data-status=submitted]")).to_be_visible()

    chair = await screens.login("chutich")
    await chair.goto(f"/consultations/{consultation_id}")
    await chair.click("[data-action=approve]")
    await chair.click("#cs-step-dialog [data-answer=confirm]")
    await expect(chair.locator(".cs-head [data-status=sent]")).to_be_visible()
    progress = secretary.locator("#cs-replied")
    await expect(progress).to_have_text("0/2 đã trả lời")
    await secretary.evaluate("window.__kept = true")

    first = await screens.login("daibieu1", viewport=TABLET)
    # The member reads the draft in the reader first, searching it without diacritics.
    await first.goto(f"/consultations/{consultation_id}")
    await first.locator("#cs-drafts .doc-row", has_text=DRAFT).get_by_role(
        "link", name="Đọc").click()
    await first.wait_for_selector("#reader #page-canvas")
    await first.click("#search-toggle")
    await first.locator("#reader-search-scope").select_option("meeting")
    await first.fill("#reader-search", "tong muc dau tu")
    await first.press("#reader-search", "Enter")
    await first.locator("#reader-search-results button.hit").first.click()
    await expect(first.locator("#page-input")).to_have_value("3")
    await first.click("#reader .back")
    await expect(first.locator("#cs-drafts")).to_be_visible()
    await sign_reply(first, consultation_id, 0, wrong_first=True)
    await expect(progress).to_have_text("1/2 đã trả lời")
    second = await screens.login("daibieu2", viewport=PHONE)
    await sign_reply(second, consultation_id, 0)

    # Both arrive on the secretary's page without a reload, each with its signed paper.
    await expect(progress).to_have_text("2/2 đã trả lời")
    await expect(secretary.locator("#cs-members tr[data-paper=true]")).to_have_count(2)
    await expect(secretary.locator("#cs-members [data-role=paper]")).to_have_count(2)
    await expect(secretary.locator("#cs-members [data-role=no-key]")).to_have_count(0)
    assert await secretary.evaluate("window.__kept === true")

    await secretary.click("[data-action=close]")
    await secretary.click("#cs-step-dialog [data-answer=confirm]")
    await expect(secretary.locator("#cs-result")).to_be_visible()
    draft = secretary.locator("#cs-report-draft")
    await expect(draft).to_have_text("Lập báo cáo tổng hợp")
    await secretary.fill("#cs-report-text", PROPOSAL)
    # Its conclusions give a task: who, by when, what they deliver.
    await secretary.click("#cs-report-add-task")
    task = secretary.locator("#cs-report-task-rows .task-row")
    await expect(task).to_have_count(1)
    await task.locator(".t-content").fill(REPORT_TASK)
    await task.locator(".t-responsible").select_option(label="Sở Kế hoạch và Đầu tư")
    await task.locator(".t-deadline").fill("15/03/2027")
    await task.locator(".t-deliverable").fill("Báo cáo thẩm định")
    await draft.click()
    await expect(secretary.locator("#cs-report-status")).to_contain_text("Chờ")
    await expect(secretary.locator("#cs-report-number")).not_to_be_empty()
    await expect(draft).to_have_text("Lập lại báo cáo")
    await expect(secretary.locator("#cs-report-text")).to_have_value(PROPOSAL)
    await expect(task.locator(".t-content")).to_have_value(REPORT_TASK)
    # Members see the report only once it is signed.
    await expect(first.locator("#cs-result")).to_be_visible()
    await expect(first.locator("#cs-report")).to_have_count(0)

    # The chair's page, left open, says at its head that the report waits for him, and
    # his list puts it among what waits for him.
    await expect(chair.locator("#cs-report-waiting")).to_be_visible()
    lists = await screens.login("chutich")
    await lists.click("#nav a[href='/consultations']")
    await expect(lists.locator(f"#cs-waiting [data-consultation-id='{consultation_id}'] "
                                "[data-role=report-to-sign]")).to_be_visible()
    await lists.close()
    sign = chair.locator("#cs-report-sign")
    await sign.click()
    await expect(chair.locator("#cs-sign-dialog")).to_be_visible()
    # He reads what he signs on the page, and that signing gives the task.
    await expect(chair.locator("#cs-report-proposal")).to_contain_text(PROPOSAL)
    await expect(chair.locator("#cs-sign-dialog")).to_contain_text("1 nhiệm vụ")
    await chair.fill("#cs-passphrase", "demo12345")
    await chair.click("#cs-report-sign-confirm")
    await expect(chair.locator("#cs-sign-dialog")).to_have_count(0)
    await expect(chair.locator("#cs-report-status")).to_contain_text(
        "Đã ký bởi Nguyễn Văn Phương")
    await expect(sign).to_have_count(0)
    await expect(chair.locator("#cs-report-waiting")).to_have_count(0)
    await expect(secretary.locator("#cs-report-status")).to_contain_text("Đã ký bởi")
    await expect(secretary.locator("#cs-report-draft")).to_have_count(0)

    pdf = await chair.request.get(f"/api/consultations/{consultation_id}/report/pdf")
    assert pdf.ok and (await pdf.body()).startswith(b"%PDF")
    # The members' pages show the signed report without a reload.
    link = first.locator("#cs-report-pdf")
    await expect(link).to_be_visible()
    member_pdf = await first.request.get(await link.get_attribute("href") or "")
    assert (await member_pdf.body()).startswith(b"%PDF")
    await expect(second.locator("#cs-report-pdf")).to_be_visible()
    assert await second.evaluate(WIDTH) <= PHONE["width"]
    # The task went to the unit with the signature: its director follows it from the
    # report, reports progress, and the office's page shows where it stands.
    given = second.locator("#cs-report-tasks")
    await expect(given).to_contain_text(REPORT_TASK)
    await expect(given.locator("[data-state=on_track]")).to_be_visible()
    await given.locator("#cs-report-tasks-follow").click()
    card = second.locator(".task-card", has_text=REPORT_TASK)
    await expect(card.locator(".task-origin")).to_contain_text(SIGNED_TITLE)
    await card.locator(".task-head").click()
    await card.locator(".t-progress").fill("30")
    await card.locator("button", has_text="Gửi báo cáo tiến độ").click()
    await expect(card.locator(".progress")).to_have_attribute("title", "30%")
    assert await second.evaluate(WIDTH) <= PHONE["width"]
    await card.locator(".task-origin-link").click()
    await expect(second.locator("#cs-report-tasks")).to_be_in_viewport()
    assert await second.evaluate(WIDTH) <= PHONE["width"]


async def test_the_office_withdraws_a_submission_and_deletes_the_draft(
        screens: Screens) -> None:
    title = "Lấy ý kiến về dự thảo cần xóa"
    secretary = await screens.login("thuky")
    await secretary.goto("/consultations/new")
    await secretary.fill("#cs-f-title", title)
    await secretary.select_option("#cs-f-chair", label="Nguyễn Văn Phương — Chủ tịch UBND tỉnh")
    await secretary.locator(".cs-question-text").nth(0).fill("Thông qua?")
    await secretary.click("#cs-save")
    await secretary.click("[data-action=submit]")
    await expect(secretary.locator(".cs-head [data-status=submitted]")).to_be_visible()
    # Taken back before the chair decides: a draft again, which can go for good.
    await secretary.click("[data-action=withdraw]")
    await expect(secretary.locator(".cs-head [data-status=draft]")).to_be_visible()
    await secretary.click("[data-action=delete]")
    await expect(secretary.locator("#cs-step-dialog")).to_contain_text(title)
    await secretary.click("#cs-step-dialog [data-answer=confirm]")
    await secretary.wait_for_url("**/consultations")
    await expect(secretary.locator("#cs-list .cs-line").first).to_be_visible()
    await expect(secretary.locator("#cs-list")).not_to_contain_text(title)
