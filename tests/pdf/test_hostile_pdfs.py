"""Hostile PDFs through the real upload and render paths, the node answering /healthz throughout.

The corpus (tests/pdf/hostile.py) is generated on the fly: an enormous page, a 10,000-page
tree, objects nested 10,000 deep, JavaScript, an embedded file, a broken xref and a 5 KB
stream that inflates to 2 GiB. Each is refused with its own code and a message the
secretary can act on, or rendered within `render.MAX_PIXELS`; PDF workers run under
the node's memory limit. Timeouts are hang guards only, never measurements.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import resource
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from ecabinet import db, documents
from ecabinet.config import Settings
from ecabinet.models import Document, User
from ecabinet.pdf.pool import PdfWorkerOutOfMemory
from ecabinet.pdf.render import MAX_PIXELS, MAX_SIDE
from ecabinet.pdf.validate import PT_PER_MM, PdfInfo, PdfRejected, RejectCode, validate_pdf
from tests.conftest import Client, World
from tests.documents.conftest import add_item, library_of, upload
from tests.test_meetings import make_meeting

from . import hostile

HANG_GUARD = 60  # seconds; generous on a busy two-core machine
MEMORY_MB = 1024


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The node's default upload limits (100 MB, 2,000 pages) and worker memory limit."""
    return replace(settings, pdf_workers=2, pdf_worker_memory_mb=MEMORY_MB)


@asynccontextmanager
async def healthy_throughout(client: httpx.AsyncClient) -> AsyncIterator[list[int]]:
    """Poll GET /healthz while the body runs; afterwards every answer must have been 200."""
    answers: list[int] = []
    done = asyncio.Event()

    async def poll() -> None:
        while not done.is_set():
            answers.append((await client.get("/healthz")).status_code)
            try:
                await asyncio.wait_for(done.wait(), 0.05)
            except TimeoutError:
                pass

    poller = asyncio.create_task(poll())
    try:
        async with asyncio.timeout(HANG_GUARD):
            yield answers
    finally:
        done.set()
        await poller
    assert answers and set(answers) == {200}, answers


async def document_count(sessions: Any) -> int:
    async with sessions() as s:
        return await s.scalar(select(func.count(Document.id))) or 0


async def item_of(sessions: Any, world: World) -> int:
    return await add_item(sessions, world, await make_meeting(sessions, world))


async def page_image(client: Client, doc_id: int, width: int) -> httpx.Response:
    """GET page 1 of the document's readable version `width` px wide."""
    described = (await client.get(f"/api/documents/{doc_id}")).json()
    version = described["readable"]["id"]
    return await client.get(f"/api/documents/{doc_id}/versions/{version}/pages/1/image?w={width}")


def decoded(response: httpx.Response) -> Image.Image:
    assert response.status_code == 200, response.text
    # WebP for a drawn page, JPEG past WebP's 16,383 px a side (the long pages here).
    assert response.headers["content-type"] in ("image/webp", "image/jpeg")
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return image


async def store_unchecked(app: Any, sessions: Any, world: World, item_id: int, data: bytes
                          ) -> int:
    """Store and process a PDF as a node without today's upload checks did; its document id."""
    library = library_of(app)
    sha = hashlib.sha256(data).hexdigest()
    path = library.blob(sha)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    accepted = documents.Accepted(PdfInfo(sha256=sha, byte_size=len(data), page_count=1),
                                  "ban-cu.pdf", path, True)
    async with db.transaction(sessions) as s:
        secretary = await s.get_one(User, world["secretary"].id)
        doc, version = await documents.add_document(s, secretary, item_id, accepted)
        doc_id, version_id = doc.id, version.id
    library.submit(version_id)
    await library.drain()
    return doc_id


async def test_a_tiny_pdf_with_an_enormous_page_is_refused_before_any_render(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    # Finding 6: 549 bytes, one 200 x 14,400 pt page; at w=1280 that was a 1280 x 92,160
    # px render taking gigabytes and ending in a 500, on every request.
    item_id = await item_of(sessions, world)
    secretary = await client_factory("secretary")
    data = hostile.enormous_page()
    assert len(data) < 1024
    async with healthy_throughout(secretary):
        refused = await upload(secretary, item_id, data)
        assert refused.status_code == 422, refused.text
        error = refused.json()["error"]
        assert error["code"] == "pdf_page_size"
        assert "71 × 5080 mm" in error["message"] and "20 lần" in error["message"]
        secretary.cookies.set("ecabinet_lang", "en")
        english = (await upload(secretary, item_id, data)).json()["error"]["message"]
        assert "unusable size" in english and "at most 20 times" in english
    assert await document_count(sessions) == 0


CORPUS: list[tuple[str, Callable[[], bytes], str, str]] = [
    ("page_tree_of_10000_pages", hostile.page_tree, "pdf_too_many_pages", "10000 trang"),
    ("objects_nested_10000_deep", hostile.nested_objects, "pdf_corrupt", "hỏng"),
    ("javascript_on_open", hostile.javascript, "pdf_javascript", "JavaScript"),
    ("embedded_executable", hostile.embedded_file, "pdf_attachments", "đính kèm"),
    ("broken_xref_table", hostile.broken_xref, "pdf_corrupt", "xref"),
    ("stream_inflating_to_2_gib", hostile.decompression_bomb, "pdf_too_complex", "bộ nhớ"),
]


@pytest.mark.parametrize(("build", "code", "words"), [c[1:] for c in CORPUS],
                         ids=[c[0] for c in CORPUS])
async def test_a_hostile_upload_is_refused_with_a_clear_message_and_leaves_nothing(
    app: Any, client_factory: Any, world: World, sessions: Any,
    build: Callable[[], bytes], code: str, words: str,
) -> None:
    item_id = await item_of(sessions, world)
    secretary = await client_factory("secretary")
    async with healthy_throughout(secretary):
        refused = await upload(secretary, item_id, build())
        assert refused.status_code == 422, refused.text
        error = refused.json()["error"]
        assert error["code"] == code
        assert words in error["message"], error["message"]
        # The workers are still there for the next secretary.
        good = await upload(secretary, item_id, hostile.one_page())
        assert good.status_code == 201, good.text
        await library_of(app).drain()
    assert await document_count(sessions) == 1
    assert sorted(p.name for p in library_of(app).root.rglob("*.pdf")) == [
        f"{hashlib.sha256(hostile.one_page()).hexdigest()}.pdf"]


async def test_an_enormous_page_stored_before_the_size_check_renders_fitted_not_as_a_500(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    item_id = await item_of(sessions, world)
    doc_id = await store_unchecked(app, sessions, world, item_id, hostile.enormous_page())
    secretary = await client_factory("secretary")
    async with healthy_throughout(secretary):
        for width in (1280, 1024, 480):
            image = decoded(await page_image(secretary, doc_id, width))
            assert image.width * image.height <= MAX_PIXELS
            assert image.height <= MAX_SIDE
            assert image.height / image.width == pytest.approx(72, rel=0.02)


async def test_a_long_page_within_the_limits_is_accepted_and_drawn_within_the_pixel_cap(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    # A strip 254 mm high and 5.08 m long, at both limits: the longest page admitted.
    item_id = await item_of(sessions, world)
    secretary = await client_factory("secretary")
    async with healthy_throughout(secretary):
        response = await upload(secretary, item_id, hostile.one_page((720, 14_400)))
        assert response.status_code == 201, response.text
        await library_of(app).drain()
        wide = decoded(await page_image(secretary, response.json()["id"], 1280))
        assert wide.width * wide.height <= MAX_PIXELS < 1280 * 1280 * 20
        assert wide.height / wide.width == pytest.approx(20, rel=0.01)
        narrow = decoded(await page_image(secretary, response.json()["id"], 480))
        assert narrow.size == (480, 9600)  # within the cap: exactly the asked width


async def test_a_worker_past_its_memory_limit_fails_the_job_and_the_next_is_served(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    library = library_of(app)
    limit = MEMORY_MB * 1024 * 1024
    soft, _hard = await library.pdf._call(resource.getrlimit, resource.RLIMIT_DATA)
    assert soft == limit
    item_id = await item_of(sessions, world)
    secretary = await client_factory("secretary")
    async with healthy_throughout(secretary):
        with pytest.raises(PdfWorkerOutOfMemory):
            await library.pdf._call(hostile.allocate, 2 * limit)
        assert await library.pdf._call(hostile.allocate, 64 << 20) == 64 << 20
        response = await upload(secretary, item_id, hostile.one_page())
        assert response.status_code == 201, response.text
        await library.drain()
        assert decoded(await page_image(secretary, response.json()["id"], 1280)).width == 1280


async def test_a_pdf_that_kills_its_worker_is_refused_as_corrupt_and_the_next_is_served(
    app: Any, client_factory: Any, world: World, sessions: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    library = library_of(app)

    async def dies(*args: object, **kwargs: object) -> PdfInfo:
        # Stand-in for MuPDF crashing on a file: the worker process exits mid-job.
        await library.pdf._call(os._exit, 70)
        raise AssertionError("unreachable")

    item_id = await item_of(sessions, world)
    secretary = await client_factory("secretary")
    async with healthy_throughout(secretary):
        with monkeypatch.context() as patch:
            patch.setattr(library.pdf, "validate", dies)
            refused = await upload(secretary, item_id, hostile.one_page())
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["code"] == "pdf_corrupt"
        response = await upload(secretary, item_id, hostile.one_page())
        assert response.status_code == 201, response.text
        await library.drain()
    assert await document_count(sessions) == 1


def verdict(data: bytes) -> RejectCode | None:
    """The refusal code validation gives `data` at the default limits, or None if accepted."""
    try:
        validate_pdf(data, max_bytes=100 << 20, max_pages=2000)
    except PdfRejected as exc:
        return exc.code
    return None


def mm(width: float, height: float) -> tuple[float, float]:
    return width * PT_PER_MM, height * PT_PER_MM


@pytest.mark.parametrize(("size", "code"), [
    (mm(210, 297), None),                     # A4
    (mm(420, 297), None),                     # A3 landscape
    (mm(841, 1189), None),                    # A0 drawing
    (mm(1682, 2378), None),                   # 4A0 planning map
    (mm(80, 1600), None),                     # receipt roll, 1:20
    ((720, 14_400), None),                    # both limits at once
    ((719, 14_400), RejectCode.PAGE_SIZE),    # a hair past 1:20
    ((14_401, 14_401), RejectCode.PAGE_SIZE),  # past PDF's own 200 in
    (mm(9, 9), RejectCode.PAGE_SIZE),         # a stamp, not a sheet
])
def test_page_size_limits_admit_real_sheets_and_nothing_unshowable(
    size: tuple[float, float], code: RejectCode | None
) -> None:
    assert verdict(hostile.one_page(size)) is code


@pytest.mark.parametrize(("catalog_extra", "code"), [
    (b"/OpenAction << /S /Launch /F (cmd.exe) >> ", RejectCode.JAVASCRIPT),
    (b"/Names << /JavaScript << /Names [(a) << /S /JavaScript /JS (x) >>] >> >> ",
     RejectCode.JAVASCRIPT),
    (b"/Outlines << /First << /Title (1) /A << /S /URI /URI (http://x) "
     b"/Next << /S /JavaScript /JS (x) >> >> >> >> ", RejectCode.JAVASCRIPT),
    (b"/AcroForm << /Fields [] /XFA 5 0 R >> ", RejectCode.JAVASCRIPT),
    (b"/OpenAction << /S /GoToE /T << /R /C /N (a.pdf) >> >> ", RejectCode.ATTACHMENTS),
    # Text that merely names them is not active content; nor is a web link.
    (b"/Subject (Cong van 12/JS ve /JavaScript \\(/EmbeddedFiles\\)) ", None),
    (b"/OpenAction << /S /URI /URI (https://hanoi.gov.vn) >> ", None),
])
def test_scripts_and_attachments_are_found_wherever_they_hide(
    catalog_extra: bytes, code: RejectCode | None
) -> None:
    assert verdict(hostile.one_page(catalog_extra=catalog_extra,
                                    more=(hostile.stream(b"<xdp/>"),))) is code
