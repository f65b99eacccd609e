"""What reaches a tablet: a document's bytes in the offline briefcase and the time to its
first page over a hall's weak Wi-Fi, for the PDF drawn on the tablet (PDF.js) against
today's server-rendered page pictures (JPEG q80 at 1280 px), measured in the same run.

Used by bench/documents.py (`phase_tablet`). One in-process node holds the demo province
with the bench's documents added to its published meeting; Chromium plays the tablet
(800 × 1280 CSS px at 2 device pixels per px, so it asks for 1280-px pages). The link is
DevTools network emulation: 2 Mbit/s each way and 100 ms latency. Timed contexts block
the service worker, so the briefcase does not share the link and the emulation covers
every request; today's pictures are what the server sent before pages were drawn on the
tablet: each page as a JPEG at quality 80.
BENCH_LATENCY=0 drops the link's latency (bandwidth stays): what the round trips cost.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import statistics
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pymupdf
import uvicorn
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from ecabinet import db, demo
from ecabinet.app import create_app
from ecabinet.config import Settings
from ecabinet.pdf.render import encode_jpeg, render_pixmap
from ecabinet.schema import upgrade_async

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
MEETING = "Hội nghị trực tuyến triển khai Chính quyền điện tử 3 cấp"  # the demo's published one
TABLET = {"width": 800, "height": 1280}
WIDTH = 1280
LINK = {"offline": False, "latency": int(os.environ.get("BENCH_LATENCY", 100)),
        "downloadThroughput": 2_000_000 / 8, "uploadThroughput": 2_000_000 / 8}
ROUNDS = 3


@dataclass
class Reach:
    """One document's figures."""

    name: str
    pdf_bytes: int
    pages: int
    briefcase_bytes: int = 0  # measured: what the service worker fetched for it
    today_images: int = 0  # JPEG q80 at 1280 px, every page
    today_briefcase: int = 0  # images + text layers + thumbnails, as kept before
    first_page_new: list[float] = field(default_factory=list)
    first_page_pdfjs: list[float] = field(default_factory=list)  # PDF.js's own drawing
    first_page_today: list[float] = field(default_factory=list)


class Counter:
    """Counts the bytes the node sends per path; stands in today's JPEG pages for a
    context that says `x-bench-today`."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.briefcase: dict[str, int] = {}
        self.today: dict[str, bytes] = {}  # page-image path -> today's JPEG

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Serve, counting body bytes of the briefcase's requests."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        path = scope["path"]
        jpeg = self.today.get(path) if b"x-bench-today" in headers else None
        if jpeg is not None:
            await send({"type": "http.response.start", "status": 200, "headers": [
                (b"content-type", b"image/jpeg"), (b"content-length", str(len(jpeg)).encode()),
                (b"cache-control", b"private, no-cache")]})
            await send({"type": "http.response.body", "body": jpeg})
            return
        counted = b"x-ecabinet-briefcase" in headers

        async def counting(message: Any) -> None:
            if counted and message["type"] == "http.response.body":
                self.briefcase[path] = self.briefcase.get(path, 0) + len(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, counting)


async def _node(root: Path) -> tuple[Counter, uvicorn.Server, asyncio.Task[None], str]:
    url = f"sqlite+aiosqlite:///{root / 'tablet.sqlite'}"
    await upgrade_async(url)
    engine = db.create_engine(url)
    async with db.transaction(db.sessionmaker(engine)) as session:
        await demo.load(session)
    await engine.dispose()
    settings = Settings(data_dir=root / "data", database_url=url,
                        secret_key=secrets.token_hex(16), argon2_time_cost=1,
                        argon2_memory_kib=8192, briefcase_ask_bytes=10**12)
    counter = Counter(create_app(settings))
    config = uvicorn.Config(counter, host="127.0.0.1", port=0, log_level="warning",
                            ws="websockets-sansio", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
        await asyncio.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    return counter, server, task, f"http://127.0.0.1:{port}"


async def _upload(base: str, meeting_title: str, docs: list[tuple[str, bytes]]
                  ) -> tuple[int, list[tuple[int, int]]]:
    """The secretary adds the documents to the meeting's first item; (meeting, ids)."""
    async with httpx.AsyncClient(base_url=base, timeout=120) as office:
        login = await office.post("/api/login", json={"username": "thuky",
                                                      "password": demo.DEMO_PASSWORD})
        office.headers["x-csrf-token"] = login.json()["csrf_token"]
        meeting = next(m for m in (await office.get("/api/meetings")).json()
                       if m["title"] == meeting_title)["id"]
        agenda = (await office.get(f"/api/meetings/{meeting}/agenda")).json()
        item = min(agenda["agenda"]["items"], key=lambda i: i["position"])["id"]
        ids = []
        for title, data in docs:
            made = await office.post(f"/api/agenda/items/{item}/documents", data={"title": title},
                                     files={"file": ("tai-lieu.pdf", data, "application/pdf")})
            made.raise_for_status()
            doc = made.json()["id"]
            while True:
                described = (await office.get(f"/api/documents/{doc}")).json()
                if described["readable"]:
                    ids.append((doc, described["readable"]["id"]))
                    break
                await asyncio.sleep(0.2)
        return meeting, ids


def _today_jpegs(data: bytes) -> list[bytes]:
    """Every page as today's server sent it to a 1280-px tablet."""
    with pymupdf.open("pdf", data) as doc:
        return [encode_jpeg(render_pixmap(page.get_displaylist(), WIDTH), 80) for page in doc]


async def _logged_in(browser: Browser, base: str, *, today: bool) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(
        base_url=base, viewport=TABLET, device_scale_factor=2, service_workers="block",
        extra_http_headers={"x-bench-today": "1"} if today else {})
    page = await context.new_page()
    await page.goto("/login")
    if today:  # a tablet that shows server pages, as every tablet did before
        await page.evaluate("() => localStorage.setItem('ecabinet.pdf', 'no')")
    await page.fill("input[name=username]", "daibieu1")
    await page.fill("input[name=password]", demo.DEMO_PASSWORD)
    await page.click("form button[type=submit]")
    await page.wait_for_selector("#meeting-list")
    return context, page


async def _first_page(page: Page, meeting: int, title: str) -> tuple[float, float]:
    """Seconds from tapping "Đọc" on the agenda to the first page on screen (the server's
    picture may stand in while the PDF comes), and to it drawn by PDF.js, over the link."""
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.clearBrowserCache")
    await cdp.send("Network.emulateNetworkConditions", {**LINK, "latency": 0,
                                                         "downloadThroughput": -1,
                                                         "uploadThroughput": -1})
    await page.goto(f"/meetings/{meeting}/agenda")
    link = page.locator(".doc-row", has_text=title).get_by_role("link", name="Đọc")
    await link.wait_for()
    await page.wait_for_timeout(2500)  # the agenda has loaded the reader's code meanwhile
    await cdp.send("Network.emulateNetworkConditions", LINK)
    # Timed in the page: from the tap to the attribute the reader sets once the page is
    # on screen (Playwright's own polling would add its delay).
    await page.evaluate("""() => {
        window.__tapped = null; window.__drawn = null; window.__canvas = null;
        document.addEventListener('click', () => { window.__tapped = performance.now(); },
                                  { capture: true, once: true });
        new MutationObserver((changes, observer) => {
          if (!window.__drawn && document.querySelector("#sheet[data-drawn='1']")) {
            window.__drawn = performance.now();
          }
          if (document.querySelector("#sheet[data-drawn='1'] #page-canvas")) {
            window.__canvas = performance.now(); observer.disconnect();
          }
        }).observe(document.body, { subtree: true, childList: true, attributes: true,
                                    attributeFilter: ['data-drawn'] });
    }""")
    await link.click()
    # The canvas, where PDF.js can draw here (a tablet told otherwise keeps the picture).
    await page.wait_for_selector("#sheet[data-drawn='1']", timeout=60000)
    if await page.evaluate("() => localStorage.getItem('ecabinet.pdf') !== 'no'"):
        await page.wait_for_selector("#sheet[data-drawn='1'] #page-canvas", timeout=60000)
    shown, drawn = await page.evaluate("""() => [(window.__drawn - window.__tapped) / 1000,
        ((window.__canvas || window.__drawn) - window.__tapped) / 1000]""")
    await cdp.detach()
    return shown, drawn


async def _briefcase_bytes(browser: Browser, base: str, counter: Counter, meeting: int,
                           reach: list[Reach], ids: list[tuple[int, int]]) -> None:
    """Let a tablet fill its briefcase (unthrottled), then count each document's bytes."""
    context = await browser.new_context(base_url=base, viewport=TABLET, device_scale_factor=2)
    page = await context.new_page()
    await page.goto("/login")
    await page.fill("input[name=username]", "daibieu1")
    await page.fill("input[name=password]", demo.DEMO_PASSWORD)
    await page.click("form button[type=submit]")
    await page.wait_for_selector("#meeting-list")
    await page.goto(f"/meetings/{meeting}/agenda")
    await page.locator("#briefcase-note", has_text="Đã lưu").wait_for(timeout=300_000)
    for r, (doc, _version) in zip(reach, ids, strict=True):
        r.briefcase_bytes = sum(n for path, n in counter.briefcase.items()
                                if path == f"/api/documents/{doc}"
                                or path.startswith(f"/api/documents/{doc}/"))
    await context.close()


async def _today_briefcase(base: str, r: Reach, doc: int, version: int, jpegs: list[bytes]
                           ) -> None:
    """Today's briefcase for the document: its pictures, text layers and thumbnails."""
    r.today_images = sum(len(j) for j in jpegs)
    total = r.today_images
    async with httpx.AsyncClient(base_url=base, timeout=60) as tablet:
        await tablet.post("/api/login", json={"username": "daibieu1",
                                              "password": demo.DEMO_PASSWORD})
        for n in range(1, r.pages + 1):
            for kind in ("words", "thumbnail"):
                got = await tablet.get(f"/api/documents/{doc}/versions/{version}/pages/{n}/{kind}",
                                       headers={"accept-encoding": "gzip"})
                total += got.num_bytes_downloaded
    r.today_briefcase = total


async def measure(documents: list[tuple[str, bytes]]) -> list[Reach]:
    """Every figure for every document, against today's, in one run."""
    with tempfile.TemporaryDirectory(prefix="ecabinet-tablet-") as tmp:
        counter, server, task, base = await _node(Path(tmp))
        try:
            meeting, ids = await _upload(base, MEETING, documents)
            reach = []
            for (name, data), (doc, version) in zip(documents, ids, strict=True):
                jpegs = await asyncio.to_thread(_today_jpegs, data)
                r = Reach(name, len(data), len(jpegs))
                for n, jpeg in enumerate(jpegs, 1):
                    counter.today[f"/api/documents/{doc}/versions/{version}/pages/{n}/image"] = jpeg
                await _today_briefcase(base, r, doc, version, jpegs)
                reach.append(r)
            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                await _briefcase_bytes(browser, base, counter, meeting, reach, ids)
                for today in (False, True):
                    context, page = await _logged_in(browser, base, today=today)
                    for r, (name, _data) in zip(reach, documents, strict=True):
                        for _ in range(ROUNDS):
                            shown, drawn = await _first_page(page, meeting, name)
                            if today:
                                r.first_page_today.append(shown)
                            else:
                                r.first_page_new.append(shown)
                                r.first_page_pdfjs.append(drawn)
                    await context.close()
                await browser.close()
            return reach
        finally:
            server.should_exit = True
            await task


def median(values: list[float]) -> float:
    """The median, or 0 for none."""
    return statistics.median(values) if values else 0.0
