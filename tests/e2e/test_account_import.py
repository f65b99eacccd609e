"""The administrator imports a commune's accounts from a spreadsheet: the first file has a
mistyped role, named on its row, and nothing is imported; the corrected file is imported
whole, the generated passwords are shown once, and the new people are in the list."""

from __future__ import annotations

from playwright.async_api import expect

from tests.e2e.conftest import Screens

BAD = ("Tên đăng nhập,Họ và tên,Chức vụ,Vai trò,Đơn vị,Email\n"
       "ubnd.locan.ct,Phan Văn Lộc,Chủ tịch UBND xã,Chủ trì,UBND tỉnh Thừa Thiên Huế,\n"
       "ubnd.locan.vp,Lê Thị Hoa,Văn phòng UBND xã,Văn thư,UBND tỉnh Thừa Thiên Huế,\n")
GOOD = BAD.replace("Văn thư", "Thư ký")


async def test_a_bad_row_is_named_then_the_fixed_file_is_imported(screens: Screens) -> None:
    admin = await screens.login("admin")
    await admin.goto("/admin")
    card = admin.locator("#import-card")
    await card.locator("#import-file").set_input_files(files=[{
        "name": "tai-khoan.csv", "mimeType": "text/csv", "buffer": BAD.encode()}])
    await card.locator("#import-check").click()
    await expect(card.locator("#import-summary")).to_have_attribute("data-ok", "false")
    bad_row = card.locator("#import-table tr[data-ok=false]")
    await expect(bad_row).to_have_count(1)
    await expect(bad_row).to_contain_text("Văn thư")
    await expect(card.locator("#import-run")).to_have_count(0)

    await card.locator("#import-file").set_input_files(files=[{
        "name": "tai-khoan.csv", "mimeType": "text/csv", "buffer": GOOD.encode()}])
    await card.locator("#import-check").click()
    await expect(card.locator("#import-summary")).to_have_attribute("data-ok", "true")
    await card.locator("#import-run").click()
    await expect(card.locator("#import-summary")).to_have_attribute("data-done", "true")
    passwords = card.locator("#import-passwords tr")
    await expect(passwords).to_have_count(2)
    await expect(admin.locator("#account-table tr[data-username='ubnd.locan.vp']")).to_be_visible()
    await expect(card.locator("#import-passwords-csv")).to_have_attribute(
        "download", "mat-khau-tai-khoan-moi.csv")
    # The chair of the commune logs in with the password shown.
    first = await passwords.first.locator("td").nth(1).inner_text()
    user = await passwords.first.locator("td").first.inner_text()
    answer = await admin.request.post("/api/login", data={"username": user,
                                                          "password": first.strip()})
    assert answer.ok
    # A password someone else chose: its owner is asked for their own at once.
    assert (await answer.json())["user"]["must_change_password"] is True
