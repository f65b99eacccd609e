"""The UI works in real Chromium under its Content-Security-Policy: no violation reported
while logging in, going through a meeting's tabs and reading a document."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, ConsoleMessage

from ecabinet import demo
from tests.conftest import LiveServer
from tests.e2e.conftest import browser, demo_server, meeting_id  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e

MEETING = "Họp khẩn về phòng chống lụt bão"  # the demo's meeting in session
# Installed before any page script of every document: each violation its policy reports.
WATCH = """
document.addEventListener("securitypolicyviolation", (e) => window.reportCspViolation(
  `${e.effectiveDirective} refused ${e.blockedURI || "inline"}`
  + ` at ${e.sourceFile}:${e.lineNumber}`));
"""


async def test_the_ui_runs_under_its_content_security_policy(
        browser: Browser, demo_server: LiveServer) -> None:  # noqa: F811
    context = await browser.new_context(base_url=demo_server.url, locale="vi-VN",
                                        viewport={"width": 1280, "height": 900})
    reported: list[str] = []
    def report(text: str) -> None:
        reported.append(text)

    await context.expose_function("reportCspViolation", report)
    await context.add_init_script(WATCH)
    page = await context.new_page()

    def console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            reported.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda exc: reported.append(f"page error: {exc}"))
    try:
        shell = await page.goto("/login")
        assert shell is not None
        assert "script-src 'self'" in (await shell.all_headers())["content-security-policy"]
        await page.fill("input[name=username]", "thuky")
        await page.fill("input[name=password]", demo.DEMO_PASSWORD)
        await page.click("form button[type=submit]")
        await page.wait_for_selector("#meeting-list .meeting-card")
        # The live channel's websocket is allowed by connect-src.
        await page.wait_for_selector("#conn[data-state=online]")

        mid = await meeting_id(page, MEETING)
        for tab in ("overview", "agenda", "attendance", "questions", "polls", "console"):
            await page.goto(f"/meetings/{mid}/{tab}")
            await page.wait_for_selector("#tab-body > *")
            await page.wait_for_selector("#conn[data-state=online]")
        await page.goto(f"/meetings/{mid}/agenda")
        ready = page.locator(".doc-row[data-status=ready]").first
        await ready.wait_for(timeout=60000)
        await ready.get_by_role("link", name="Đọc").click()
        # A function, not an expression: Playwright would eval() a string, which the
        # policy forbids like any other eval.
        # PDF.js draws the page (its worker, fonts and WebAssembly decoders under the policy).
        await page.wait_for_selector("#sheet[data-drawn='1'] #page-canvas", timeout=30000)
        await page.wait_for_selector("#text-layer span")
        # Positions set from style values still apply (through the CSSOM, not attributes).
        left = await page.eval_on_selector("#text-layer span", "(el) => el.style.left")
        assert left.endswith("%")
        # Drawn by PDF.js, or the server's thumbnails when its pictures stood in first.
        await page.wait_for_selector(".thumb canvas, .thumb img")
        # Leave time for late reports (lazy thumbnails, socket reconnects).
        await page.wait_for_timeout(500)
    finally:
        await context.close()
    assert not reported, reported
