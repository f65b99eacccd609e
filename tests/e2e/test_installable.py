"""eCabinet installs to a tablet's home screen: Chromium reads the manifest without errors,
finds nothing stopping the install but the test's own private window, and the installed app
opens on the same service worker, which keeps the briefcase."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Screens

TABLET = {"width": 768, "height": 1024}
# What a browser context made by a test is, not what the app is: Playwright's contexts are
# private windows, where Chromium installs nothing.
THE_TESTS_OWN = {"in-incognito"}


async def test_chromium_finds_the_app_installable(screens: Screens) -> None:
    page = await screens.login("daibieu1", viewport=TABLET)
    cdp = await page.context.new_cdp_session(page)
    manifest: dict[str, Any] = await cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest")
    assert manifest["errors"] == [], manifest["errors"]
    assert manifest["parsed"]["scope"] == page.url.split("/", 3)[0] + "//" + page.url.split(
        "/", 3)[2] + "/"
    errors = (await cdp.send("Page.getInstallabilityErrors"))["installabilityErrors"]
    assert {e["errorId"] for e in errors} <= THE_TESTS_OWN, errors
    # Every icon the manifest names is a PNG of the size it claims.
    icons = await page.evaluate("""async () => {
        const m = await (await fetch('/manifest.webmanifest')).json();
        const out = [];
        for (const icon of m.icons) {
          const blob = await (await fetch(icon.src)).blob();
          const bitmap = await createImageBitmap(blob);
          out.push([icon.sizes, `${bitmap.width}x${bitmap.height}`, blob.type]);
        }
        return [m.display, m.start_url, m.lang, out]; }""")
    display, start, lang, sizes = icons
    assert (display, start, lang) == ("standalone", "/", "vi")
    assert sizes and all(claimed == real and kind == "image/png" for claimed, real, kind in sizes)
    assert {claimed for claimed, _, _ in sizes} >= {"192x192", "512x512"}
    # Installed, the app opens in its own window on the same origin, under the same worker
    # that keeps the briefcase.
    controlled = await page.evaluate("""async () => {
        await navigator.serviceWorker.ready;
        return new URL((await navigator.serviceWorker.getRegistration()).active.scriptURL)
          .pathname; }""")
    assert controlled == "/sw.js"
