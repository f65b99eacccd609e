"""An account's language applies from the moment its owner logs in, as after a reload."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from ecabinet import demo
from tests.conftest import LiveServer


async def test_an_account_that_chose_english_gets_english_at_login(
        browser: Browser, demo_server: LiveServer) -> None:
    # The owner chose English earlier, on another device: it is saved on the account.
    elsewhere = await browser.new_context(base_url=demo_server.url)
    login = await elsewhere.request.post("/api/login", data={
        "username": "daibieu1", "password": demo.DEMO_PASSWORD})
    assert login.ok, await login.text()
    chose = await elsewhere.request.post(
        "/api/language", data={"language": "en"},
        headers={"x-csrf-token": (await login.json())["csrf_token"], "origin": demo_server.url})
    assert chose.ok, await chose.text()
    await elsewhere.close()

    # On a tablet that never chose, the login page is in Vietnamese, the app then in English.
    context = await browser.new_context(base_url=demo_server.url, locale="vi-VN",
                                        viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    await page.goto("/login")
    await expect(page.locator("label[for=login-username]")).to_have_text("Tên đăng nhập")
    await page.fill("input[name=username]", "daibieu1")
    await page.fill("input[name=password]", demo.DEMO_PASSWORD)
    await page.click("form button[type=submit]")
    await page.wait_for_selector("#meeting-list")
    await expect(page.locator("#nav a").first).to_have_text("Meetings")
    await page.reload()
    await page.wait_for_selector("#meeting-list")
    await expect(page.locator("#nav a").first).to_have_text("Meetings")
    await context.close()


async def test_errors_come_in_the_language_the_page_speaks(
        browser: Browser, demo_server: LiveServer) -> None:
    # A browser set up in English that never chose: the page speaks Vietnamese, and so do
    # the server's refusals.
    context = await browser.new_context(base_url=demo_server.url, locale="en-US",
                                        viewport={"width": 390, "height": 844})
    page = await context.new_page()
    await page.goto("/login")
    await expect(page.locator("label[for=login-username]")).to_have_text("Tên đăng nhập")
    await page.fill("input[name=username]", "daibieu1")
    await page.fill("input[name=password]", "khong-phai-mat-khau")
    await page.click("form button[type=submit]")
    await expect(page.locator("form.login")).to_contain_text(
        "Tên đăng nhập hoặc mật khẩu không đúng")
    await context.close()
