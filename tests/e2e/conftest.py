"""Real Chromium against a real server with the demo province loaded (SQLite)."""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from ecabinet import db, demo
from ecabinet.app import create_app
from ecabinet.config import Settings
from ecabinet.documents import Library
from ecabinet.schema import upgrade_async
from tests.conftest import TEST_ARGON2, LiveServer, start_server, stop_server
from tests.e2e import reading

CHROMIUM = "/usr/bin/chromium"
# Where the screenshots the user guide and the README show are kept.
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns",
]


_templates: list[Path] = []


async def _demo_template() -> Path:
    """A folder holding the demo province, loaded once per test process: `demo.sqlite` and
    `data/`, its PDFs stored and processed (pages, text, page images). Loading and
    processing take many seconds of both cores, copying the file and linking the files
    a fraction of one; each test's node would otherwise redo it beside the browser."""
    if not _templates:
        folder = Path(tempfile.mkdtemp(prefix="ecabinet-demo-"))
        atexit.register(shutil.rmtree, folder, True)
        path = folder / "demo.sqlite"
        url = f"sqlite+aiosqlite:///{path}"
        await upgrade_async(url)
        engine = db.create_engine(url)
        sessions = db.sessionmaker(engine)
        async with db.transaction(sessions) as session:
            await demo.load(session)
        library = Library(Settings(data_dir=folder / "data", database_url=url,
                                   secret_key="demo-template"), sessions)
        await library.start()  # picks up the staged demo PDFs
        await library.drain()
        await library.stop()
        # Closing the last connection folds the write-ahead log into the file.
        await engine.dispose()
        _templates.append(folder)
    return _templates[0]


def _link_or_copy(source: str, target: str) -> None:
    # Stored files are never changed in place (named by digest, replaced whole), so a test's
    # node may share them with the template.
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


async def start_demo(tmp_path: Path, wrap: Callable[[Any], Any] | None = None,
                     **settings: Any) -> LiveServer:
    """A node on a fresh SQLite file holding the demo province; `wrap` may put an ASGI
    layer of the test's in front of it, `settings` override the defaults."""
    database = tmp_path / "e2e.sqlite"
    template = await _demo_template()
    shutil.copyfile(template / "demo.sqlite", database)
    if (template / "data").exists():
        shutil.copytree(template / "data", tmp_path / "data", copy_function=_link_or_copy)
    url = f"sqlite+aiosqlite:///{database}"
    app = create_app(Settings(data_dir=tmp_path / "data", database_url=url,
                              secret_key=secrets.token_hex(16), **{**TEST_ARGON2, **settings}))
    return await start_server(wrap(app) if wrap else app)


@pytest.fixture
async def demo_server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    """A node on a fresh SQLite file holding the demo province."""
    live = await start_demo(tmp_path)
    yield live
    await stop_server(live)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Debian Chromium driven by Playwright (no browser download)."""
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                           args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


async def log_in(page: Page, username: str) -> None:
    """Log in through the form as a demo account; done when the live channel is up."""
    await page.goto("/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", demo.DEMO_PASSWORD)
    await page.click("form button[type=submit]")
    await page.wait_for_selector("#meeting-list")
    await page.wait_for_selector("#conn[data-state=online]")


async def meeting_id(page: Page, title: str) -> int:
    """The id of the demo meeting with this title, as the logged-in page's user sees it."""
    found: int = await page.evaluate(
        """async (title) => (await (await fetch('/api/meetings')).json())
             .find((m) => m.title === title).id""", title)
    return found


async def find_only(page: Page, words: str, meeting: int) -> None:
    """Type `words` in the meeting list's search: `meeting` is the one card found."""
    await page.fill("#meeting-search", words)
    cards = page.locator("#meeting-list .meeting-card")
    await expect(cards).to_have_count(1)
    await expect(cards.first).to_have_attribute("data-meeting-id", str(meeting))


class Screens:
    """Opens logged-in pages, each user in their own browser context (own cookies)."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts: list[BrowserContext] = []
        self.errors: list[str] = []

    async def login(self, username: str, *, viewport: dict[str, int] | None = None,
                    locale: str = "vi-VN") -> Page:
        """A new context logged in as `username` on the meeting list."""
        context = await self.browser.new_context(
            base_url=self.base_url, viewport=viewport or {"width": 1280, "height": 800},
            locale=locale,
        )
        self.contexts.append(context)
        page = await context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{username}: {exc}"))
        await log_in(page, username)
        return page

    async def close(self) -> None:
        """Close every context."""
        for context in self.contexts:
            await context.close()


@asynccontextmanager
async def screens_on(browser: Browser, url: str) -> AsyncIterator[Screens]:
    """Logged-in pages on the node at `url`; fails the test on any uncaught page error."""
    made = Screens(browser, url)
    yield made
    await made.close()
    assert not made.errors, made.errors


@pytest.fixture
async def screens(browser: Browser, demo_server: LiveServer) -> AsyncIterator[Screens]:
    """Logged-in pages on the demo server; fails the test on any uncaught page error."""
    async with screens_on(browser, demo_server.url) as made:
        yield made


@pytest.fixture
async def recorded_node(request: pytest.FixtureRequest, tmp_path: Path
                        ) -> AsyncIterator[LiveServer]:
    """The demo node behind a recorder of what it sends (`reading.Recorder`); a test module
    may set NODE_SETTINGS to change the node's settings."""
    live = await start_demo(tmp_path, wrap=reading.Recorder,
                            **getattr(request.module, "NODE_SETTINGS", {}))
    yield live
    await stop_server(live)


@pytest.fixture
async def recorded_screens(browser: Browser, recorded_node: LiveServer
                           ) -> AsyncIterator[Screens]:
    """Logged-in pages on the recorded node."""
    async with screens_on(browser, recorded_node.url) as made:
        yield made


async def keep_for_guide(page: Page, name: str) -> None:
    """With ECABINET_DOC_IMAGES=1, save the screenshot the user guide shows (docs/images)."""
    if os.environ.get("ECABINET_DOC_IMAGES"):
        IMAGES.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(IMAGES / name), animations="disabled")


def pytest_collection_modifyitems(items: list[Any]) -> None:
    """Everything under tests/e2e is an e2e test."""
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
