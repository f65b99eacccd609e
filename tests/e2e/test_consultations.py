"""A written consultation from start to result: the secretary prepares it in the UI and
submits it, the chair approves it, two delegates reply on their tablets, the secretary's
page follows the replies live, closes it, and the result shows."""

from __future__ import annotations

from playwright.async_api import Page, expect

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
