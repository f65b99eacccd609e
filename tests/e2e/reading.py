"""What the reader's browser tests share: PDFs with known content, an upload as the demo's
secretary, and a record of every response the server sent (the service worker's requests
included, which the browser's own events do not show)."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from typing import Any

import httpx
import pymupdf

from ecabinet import demo
from ecabinet.pdf.fonts import font_file

PHRASE = "Kế hoạch đầu tư công trung hạn"


def sha256(data: bytes) -> str:
    """SHA-256 of `data` in hex, as the briefcase check computes it in the page."""
    return hashlib.sha256(data).hexdigest()
HIT_PAGE = 250


def book(pages: int = 300, *, hit_page: int = HIT_PAGE, filler: int = 12) -> bytes:
    """A Vietnamese agenda book; PHRASE stands on `hit_page` only."""
    doc = pymupdf.open()
    serif = font_file("serif")
    for n in range(1, pages + 1):
        page = doc.new_page(width=595, height=842)
        page.insert_font(fontname="vn", fontfile=serif)
        lines = [f"Trang {n}. Báo cáo tình hình kinh tế – xã hội quý IV"]
        lines += [f"Nội dung {k}: thu ngân sách, giải ngân vốn, cải cách hành chính xã {k}."
                  for k in range(filler)]
        if n == hit_page:
            lines.insert(3, f"Thông qua {PHRASE} giai đoạn 2026–2030 của tỉnh.")
        for k, line in enumerate(lines):
            page.insert_text((72, 90 + 22 * k), line, fontname="vn", fontsize=12)
    doc.subset_fonts()
    data = doc.tobytes(garbage=3, deflate=True)
    doc.close()
    return bytes(data)


# Where the black squares of `squares()` stand, in points from the page's top left as shown.
SQUARE = (400.0, 300.0, 20.0)


def squares() -> bytes:
    """Page 1: a black square at SQUARE. Page 2: the same page turned a quarter (/Rotate 90)
    and cropped off-origin, where renderers that disagree on page geometry part ways."""
    doc = pymupdf.open()
    x, y, side = SQUARE
    for n in (1, 2):
        page = doc.new_page(width=595, height=842)
        page.draw_rect(pymupdf.Rect(x, y, x + side, y + side), color=(0, 0, 0), fill=(0, 0, 0))
        page.insert_text((72, 80), f"Trang {n}: ô vuông đen", fontsize=14,
                         fontname="vn", fontfile=font_file("serif"))
        if n == 2:
            page.set_cropbox(pymupdf.Rect(30, 40, 565, 800))
            page.set_rotation(90)
    data = doc.tobytes(garbage=3, deflate=True)
    doc.close()
    return bytes(data)


async def secretary(base_url: str) -> httpx.AsyncClient:
    """The demo's secretary (thuky) logged in over HTTP."""
    client = httpx.AsyncClient(base_url=base_url, timeout=60)
    response = await client.post("/api/login", json={"username": "thuky",
                                                      "password": demo.DEMO_PASSWORD})
    response.raise_for_status()
    client.headers["x-csrf-token"] = response.json()["csrf_token"]
    return client


async def upload(client: httpx.AsyncClient, item_id: int, data: bytes, title: str, *,
                 restricted: bool = False, readers: str = "") -> tuple[int, int]:
    """Upload a PDF to an agenda item and wait until it is readable: (document, version)."""
    fields = {"title": title, "restricted": "1" if restricted else "", "readers": readers}
    response = await client.post(f"/api/agenda/items/{item_id}/documents",
                                 files={"file": ("tai-lieu.pdf", data, "application/pdf")},
                                 data=fields)
    assert response.status_code == 201, response.text
    doc_id = response.json()["id"]
    for _ in range(600):
        described = (await client.get(f"/api/documents/{doc_id}")).json()
        if described["readable"]:
            return doc_id, described["readable"]["id"]
        await asyncio.sleep(0.1)
    raise AssertionError("the document was not processed in time")


async def processed_agenda(page: Any, meeting_id: int) -> dict[str, Any]:
    """The meeting's agenda as `page`'s user sees it, once every document is processed
    (the demo's are processed when the node starts)."""
    for _ in range(300):
        agenda: dict[str, Any] = await page.evaluate(
            "(m) => fetch(`/api/meetings/${m}/agenda`).then((r) => r.json())", meeting_id)
        if all(d["readable"] for d in agenda["documents"]):
            return agenda
        await asyncio.sleep(0.1)
    raise AssertionError("the demo's documents were not processed in time")


async def first_item(client: httpx.AsyncClient, meeting_id: int) -> int:
    """The id of the meeting's first agenda item."""
    agenda = (await client.get(f"/api/meetings/{meeting_id}/agenda")).json()
    return int(sorted(agenda["agenda"]["items"], key=lambda i: i["position"])[0]["id"])


@dataclass
class Sent:
    """One response: what was asked and what went back."""

    path: str
    range: str
    briefcase: bool
    status: int
    content_type: str
    body_bytes: int = 0


@dataclass
class Recorder:
    """An ASGI layer that keeps every HTTP response's outline, and can cut one short.

    `drop` names a predicate over (path, range header): the first request it accepts gets
    its headers and half its body, then the connection is closed, as a Wi-Fi drop would.
    """

    app: Any
    sent: list[Sent] = field(default_factory=list)
    drop: Any = None

    @property
    def starlette(self) -> Any:
        """The wrapped node's Starlette app (the tests reach its state)."""
        return self.app.starlette

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Record the response; cut it if `drop` says so."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        entry = Sent(scope["path"], headers.get("range", ""), "x-ecabinet-briefcase" in headers,
                     0, "")
        self.sent.append(entry)
        cut = self.drop is not None and self.drop(entry.path, entry.range)
        if cut:
            self.drop = None

        async def recording(message: Any) -> None:
            if message["type"] == "http.response.start":
                entry.status = message["status"]
                entry.content_type = next((v.decode() for k, v in message["headers"]
                                           if k.lower() == b"content-type"), "")
            elif message["type"] == "http.response.body":
                body = message.get("body", b"")
                if cut:
                    await send({**message, "body": body[: len(body) // 2], "more_body": True})
                    raise ConnectionResetError("the Wi-Fi dropped")
                entry.body_bytes += len(body)
            await send(message)

        await self.app(scope, receive, recording)
