"""The province's IT office manages units and accounts from the admin screen."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.e2e.conftest import Screens, keep_for_guide


async def user_named(page: Page, username: str) -> dict[str, object]:
    found: dict[str, object] = await page.evaluate(
        """async (name) => (await (await fetch('/api/users')).json())
             .find((u) => u.username === name)""", username)
    return found


async def test_admin_edits_units_and_accounts_and_others_never_see_the_screen(
        screens: Screens) -> None:
    admin = await screens.login("admin")
    await admin.click("#nav a[href='/admin']")
    await admin.wait_for_selector("#unit-tree .unit-line")
    await keep_for_guide(admin, "admin-units.png")

    # A new commune under Phú Lộc, then its code corrected, then removed again.
    form = admin.locator("#unit-form")
    await form.locator("[name=unit_name]").fill("UBND xã Vinh Hưng")
    await form.locator("[name=unit_code]").fill("TTH-PL-VH")
    await form.locator("[name=unit_kind]").select_option("commune")
    await form.locator("[name=unit_parent]").select_option(label="UBND huyện Phú Lộc")
    await form.locator("button[type=submit]").click()
    line = admin.locator(".unit-line", has_text="UBND xã Vinh Hưng")
    await expect(line).to_contain_text("TTH-PL-VH")
    await line.locator("[data-action=edit-unit]").click()
    await admin.locator("#unit-tree [name=unit_code]").fill("TTH-PL-VHG")
    await admin.locator("#unit-tree button[type=submit]").click()
    await expect(admin.locator(".unit-line", has_text="UBND xã Vinh Hưng")).to_contain_text(
        "TTH-PL-VHG")
    # A unit with accounts cannot go; an empty one can.
    await admin.locator(".unit-line", has_text="UBND xã Lộc An").locator(
        "[data-action=delete-unit]").click()
    await admin.click("#delete-unit-dialog [data-answer=confirm]")
    await expect(admin.locator("#toast")).to_be_visible()
    await expect(admin.locator(".unit-line", has_text="UBND xã Lộc An")).to_have_count(1)
    await admin.locator(".unit-line", has_text="UBND xã Vinh Hưng").locator(
        "[data-action=delete-unit]").click()
    await admin.click("#delete-unit-dialog [data-answer=confirm]")
    await expect(admin.locator(".unit-line", has_text="UBND xã Vinh Hưng")).to_have_count(0)

    # A director promoted to vice-chairman: new title and role, and a new password.
    row = admin.locator("#account-table tr[data-username=daibieu2]")
    await row.locator("[data-action=edit]").click()
    editor = admin.locator("#account-table tr[data-username=daibieu2] form")
    await editor.locator("[name=edit_title]").fill("Phó Chủ tịch UBND tỉnh")
    await editor.locator("[name=edit_role]").select_option("chair")
    await editor.locator("[name=edit_password]").fill("mat-khau-moi-2027")
    await editor.locator("button[type=submit]").click()
    await expect(admin.locator("#account-table tr[data-username=daibieu2]")).to_contain_text(
        "Phó Chủ tịch UBND tỉnh")
    changed = await user_named(admin, "daibieu2")
    assert (changed["role"], changed["title"]) == ("chair", "Phó Chủ tịch UBND tỉnh")

    # The new password works; a delegate's screen offers no administration at all.
    chair = await screens.browser.new_context(base_url=screens.base_url)
    screens.contexts.append(chair)
    page = await chair.new_page()
    await page.goto("/login")
    await page.fill("input[name=username]", "daibieu2")
    await page.fill("input[name=password]", "mat-khau-moi-2027")
    await page.click("form button[type=submit]")
    # The administrator chose that password: its owner is asked for their own first, and
    # no other page opens until then.
    await expect(page.locator("#account-must-change")).to_be_visible()
    await page.goto("/tasks")
    await expect(page).to_have_url(re.compile(r"/account$"))
    await page.fill("#account-current", "mat-khau-moi-2027")
    await page.fill("#account-new", "cua-rieng-toi-2027")
    await page.fill("#account-repeat", "cua-rieng-khac")
    await page.click("#account-save")
    await expect(page.locator("#account-error")).to_contain_text("không khớp")
    await page.fill("#account-repeat", "cua-rieng-toi-2027")
    await page.click("#account-save")
    await page.wait_for_selector("#meeting-list")
    await page.goto("/tasks")
    await expect(page).to_have_url(re.compile(r"/tasks(\?.*)?$"))
    await page.click("#who-link")
    await expect(page.locator("#account-must-change")).to_have_count(0)
    delegate = await screens.login("daibieu1")
    assert await delegate.locator("#nav a[href='/admin']").count() == 0
    assert await delegate.locator("#nav a[href='/meetings/new']").count() == 0
    assert await delegate.evaluate("fetch('/api/users').then((r) => r.status)") == 403
