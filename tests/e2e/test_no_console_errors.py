"""The login page and every role's main pages load without a console error or a page error.

Before login the app makes no request that is refused (Chromium logs any answer >= 400 as
"Failed to load resource"), shows no empty button and no "Mất kết nối": no live channel is
opened before anyone logs in.
"""

from __future__ import annotations

import asyncio

from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.conftest import LiveServer
from tests.e2e.conftest import keep_for_guide, log_in, meeting_id

IN_SESSION = "Họp khẩn về phòng chống lụt bão"
ADJOURNED = "Họp giao ban kinh tế - xã hội tháng 11/2026"

# Each demo role and the pages it works from (besides its meetings, below).
PAGES = {
    "admin": ["/", "/admin", "/signing", "/tasks", "/verify", "/reports"],
    "thuky": ["/", "/meetings/new", "/tasks", "/verify", "/reports"],
    "chutich": ["/", "/tasks", "/verify", "/reports"],
    "daibieu1": ["/", "/meetings/new", "/tasks", "/verify", "/reports"],
    "phongphuloc": ["/", "/tasks"],
    "manhinh": ["/", "/tasks"],
}
# The meeting tabs each role opens on the meeting under way and the adjourned one.
TABS = ["", "/agenda", "/video", "/questions", "/minutes", "/conclusion"]


class Watched:
    """A fresh browser context whose console errors and page errors are kept."""

    def __init__(self, context: BrowserContext, page: Page) -> None:
        self.context = context
        self.page = page
        self.errors: list[str] = []
        self.where = "start"
        page.on("console", lambda msg: self.errors.append(
            f"{self.where}: console {msg.text} {msg.location.get('url', '')}")
            if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(f"{self.where}: pageerror {exc}"))


async def watched(browser: Browser, server: LiveServer) -> Watched:
    context = await browser.new_context(base_url=server.url, locale="vi-VN",
                                        viewport={"width": 1280, "height": 800})
    return Watched(context, await context.new_page())


async def settle(page: Page) -> None:
    """Let the page's start-up requests finish."""
    await page.wait_for_selector("#main > *")
    await page.wait_for_load_state("networkidle")


# What a page shows when a script hands an empty value to the DOM as if it were text.
LEAKED_VALUES = r"""() => (document.querySelector('#main').innerText
  .match(/\b(null|undefined|NaN)\b|\[object Object\]/g) || [])"""


async def leaked_values(page: Page) -> list[str]:
    """Words like "null" or "undefined" that reached the screen."""
    found: list[str] = await page.evaluate(LEAKED_VALUES)
    return found


async def test_login_page_is_clean(browser: Browser, demo_server: LiveServer) -> None:
    w = await watched(browser, demo_server)
    page = w.page
    for path in ("/login", "/"):  # "/" sends a logged-out browser to the login form
        w.where = path
        await page.goto(path)
        await page.wait_for_selector("form.login")
        await settle(page)
        await expect(page.locator("#topbar")).to_be_hidden()
        body = await page.inner_text("body")
        assert "Mất kết nối" not in body
        empty = await page.evaluate(
            """() => [...document.querySelectorAll("button, a.button, [role=button]")]
                 .filter((el) => el.getClientRects().length > 0)
                 .filter((el) => !el.textContent.trim() && !el.getAttribute("aria-label"))
                 .map((el) => el.outerHTML)""")
        assert empty == [], empty
    assert "/login" in page.url
    assert not w.errors, w.errors
    await w.context.close()


async def test_each_role_main_pages_are_clean(browser: Browser, demo_server: LiveServer) -> None:
    problems: list[str] = []
    # Three roles at a time, each in its own context: most of a page's time is spent
    # waiting for the network to fall idle, which overlaps.
    turns = asyncio.Semaphore(3)

    async def walk(username: str, paths: list[str]) -> None:
        async with turns:
            w = await watched(browser, demo_server)
            page = w.page
            w.where = f"{username} login"
            await log_in(page, username)
            assert await page.locator("#conn").inner_text() == "Trực tuyến"
            for path in paths:
                w.where = f"{username} {path}"
                await page.goto(path)
                await settle(page)
                if leaked := await leaked_values(page):
                    problems.append(f"{w.where}: shows {leaked}")
            for title in (IN_SESSION, ADJOURNED):
                m = await meeting_id(page, title)
                # The administrator sees the meetings but takes part in none: the overview.
                for tab in TABS if username != "admin" else [""]:
                    w.where = f"{username} {title} {tab or '/'}"
                    await page.goto(f"/meetings/{m}{tab}")
                    await page.wait_for_selector("#tab-body > *")
                    await settle(page)
                    if (username, title, tab) == ("daibieu1", IN_SESSION, "/questions"):
                        await keep_for_guide(page, "questions.png")
                    if leaked := await leaked_values(page):
                        problems.append(f"{w.where}: shows {leaked}")
            problems.extend(w.errors)
            await w.context.close()

    await asyncio.gather(*(walk(username, paths) for username, paths in PAGES.items()))
    assert not problems, problems
