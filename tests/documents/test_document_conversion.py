"""Word, Excel and OpenDocument drafts: converted to PDF by a real LibreOffice, read and
searched like any PDF, their original kept for those who may download; a conversion that
fails or runs too long stores nothing and leaves no LibreOffice behind."""

from __future__ import annotations

import asyncio
import hashlib
import http.server
import os
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from ecabinet.app import create_app
from ecabinet.config import Settings
from ecabinet.models import AuditEntry, Document, DocumentPage, DocumentVersion, MeetingStatus
from ecabinet.pdf.convert import (
    MEDIA_TYPES,
    Converter,
    Limits,
    OfficeType,
    content_is,
    find_soffice,
    office_type,
)
from tests.conftest import Client, World
from tests.documents import office, pdfs
from tests.documents.conftest import add_item, advance, library_of, upload
from tests.test_meetings import make_meeting

pytestmark = pytest.mark.skipif(find_soffice() is None, reason="LibreOffice is not installed "
                                "(.ci/setup installs it)")

PLAN = "Kế hoạch phát triển kinh tế – xã hội năm 2027"
DOCX = MEDIA_TYPES[OfficeType.DOCX]


def stored_files(root: Path) -> list[Path]:
    """Every file under the documents directory, the incoming folder's leftovers included."""
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def counts(sessions: Any) -> list[int]:
    """Documents, versions, pages and audit rows."""
    async with sessions() as s:
        return [await s.scalar(select(func.count(model.id))) or 0
                for model in (Document, DocumentVersion, DocumentPage, AuditEntry)]


async def send(client: Client | httpx.AsyncClient, item_id: int, data: bytes, filename: str,
               **fields: str) -> httpx.Response:
    """POST a file to an agenda item as the browser does, with the type it would declare."""
    kind = office_type(filename)
    media_type = MEDIA_TYPES[kind] if kind else "application/octet-stream"
    return await client.post(f"/api/agenda/items/{item_id}/documents",
                             files={"file": (filename, data, media_type)}, data=fields)


def office_processes(marker: str) -> list[str]:
    """Live (not zombie) processes whose command line names `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(
                errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmdline and state != "Z":
            found.append(f"{entry.name} {state} {cmdline}")
    return found


async def test_a_docx_is_converted_searched_without_diacritics_and_its_original_kept(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    meeting_id = await make_meeting(sessions, world)
    item_id = await add_item(sessions, world, meeting_id)
    secretary = await client_factory("secretary")
    data = office.docx(PLAN, "Tờ trình của Sở Kế hoạch và Đầu tư")
    response = await send(secretary, item_id, data, "Kế hoạch 2027.docx")
    assert response.status_code == 201, response.text
    doc = response.json()
    assert doc["title"] == "Kế hoạch 2027"
    assert doc["version"]["filename"] == "Kế hoạch 2027.pdf"
    assert doc["version"]["source_name"] == "Kế hoạch 2027.docx"
    library = library_of(app)
    await library.drain()

    described = (await secretary.get(f"/api/documents/{doc['id']}")).json()
    assert described["readable"]["status"] == "ready" and described["readable"]["pages"] == 1
    version = described["readable"]["id"]
    # The converted text is searchable without its diacritics, as any PDF's.
    hits = (await secretary.get(f"/api/meetings/{meeting_id}/search",
                                params={"q": "ke hoach phat trien"})).json()["hits"]
    assert [(h["document_id"], h["page"]) for h in hits] == [(doc["id"], 1)]
    assert "Kế hoạch phát triển" in hits[0]["snippet"]
    words = (await secretary.get(
        f"/api/documents/{doc['id']}/versions/{version}/pages/1/words")).json()["words"]
    assert [w[4] for w in words[:3]] == ["Kế", "hoạch", "phát"]

    # The PDF is what readers get; the .docx, byte for byte, is kept beside it.
    base = f"/api/documents/{doc['id']}/versions/{version}"
    pdf = await secretary.get(f"{base}/original")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    source = await secretary.get(f"{base}/source")
    assert source.status_code == 200, source.text
    assert source.content == data
    assert source.headers["content-type"] == DOCX
    assert "attachment" in source.headers["content-disposition"]
    assert "2027.docx" in source.headers["content-disposition"]
    sha = hashlib.sha256(data).hexdigest()
    assert library.blob(sha).read_bytes() == data

    # The same draft again is no new version, though its PDF would carry a new date.
    again = await secretary.post(f"/api/documents/{doc['id']}/versions",
                                 files={"file": ("Kế hoạch 2027.docx", data, DOCX)})
    assert again.status_code == 409 and again.json()["error"]["code"] == "version_unchanged"

    # A PDF upload has no source.
    plain = (await upload(secretary, item_id, pdfs.agenda_pdf(1))).json()
    await library.drain()
    none = await secretary.get(
        f"/api/documents/{plain['id']}/versions/{plain['version']['id']}/source")
    assert none.status_code == 404 and none.json()["error"]["code"] == "source_not_found"

    # Restricted: the named reader may read it, but download neither the PDF nor the draft,
    # and a member who is not named (the observer) does not learn it exists.
    secret = (await send(secretary, item_id, office.docx("Phương án nhân sự năm 2027"),
                         "Nhân sự.docx", restricted="true",
                         readers=str(world["delegate"].id))).json()
    await library.drain()
    await advance(sessions, world, meeting_id, MeetingStatus.published)
    secret_base = f"/api/documents/{secret['id']}/versions/{secret['version']['id']}"
    reader = await client_factory("delegate")
    for path in ("original", "source"):
        refused = await reader.get(f"{secret_base}/{path}")
        assert refused.status_code == 403, path
        assert refused.json()["error"]["code"] == "restricted_no_download"
    other = await client_factory("observer")
    assert (await other.get(f"{secret_base}/source")).status_code == 404
    # Members download an unrestricted draft as they download its PDF; others cannot.
    assert (await other.get(f"{base}/source")).content == data
    assert (await reader.get(f"{base}/source")).content == data
    outsider = await client_factory("delegate2")
    assert (await outsider.get(f"{base}/source")).status_code == 404


async def test_an_odt_and_an_xlsx_convert_too(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    meeting_id = await make_meeting(sessions, world)
    item_id = await add_item(sessions, world, meeting_id)
    secretary = await client_factory("secretary")
    odt = office.odt("Báo cáo tình hình thực hiện nhiệm vụ quý IV")
    xlsx = office.xlsx([["Đơn vị", "Kinh phí (triệu đồng)"], ["Sở Tài chính", 1200],
                        ["Sở Xây dựng", 3400]])
    sent = {}
    for name, data in (("Báo cáo.odt", odt), ("Dự toán.xlsx", xlsx)):
        response = await send(secretary, item_id, data, name)
        assert response.status_code == 201, (name, response.text)
        sent[name] = response.json()
    await library_of(app).drain()
    for query, name in (("bao cao tinh hinh", "Báo cáo.odt"), ("so xay dung", "Dự toán.xlsx")):
        hits = (await secretary.get(f"/api/meetings/{meeting_id}/search",
                                    params={"q": query})).json()["hits"]
        assert [h["document_id"] for h in hits] == [sent[name]["id"]], query
    for name, data in (("Báo cáo.odt", odt), ("Dự toán.xlsx", xlsx)):
        doc = (await secretary.get(f"/api/documents/{sent[name]['id']}")).json()
        source = await secretary.get(
            f"/api/documents/{doc['id']}/versions/{doc['readable']['id']}/source")
        assert source.content == data, name
        assert source.headers["content-type"] == MEDIA_TYPES[
            OfficeType.ODT if name.endswith(".odt") else OfficeType.XLSX]


async def test_a_word_97_doc_converts_too(
    app: Any, client_factory: Any, world: World, sessions: Any, tmp_path: Path
) -> None:
    meeting_id = await make_meeting(sessions, world)
    item_id = await add_item(sessions, world, meeting_id)
    secretary = await client_factory("secretary")
    data = await asyncio.to_thread(office.doc, tmp_path, "Quyết định phê duyệt đề án số 15")
    response = await send(secretary, item_id, data, "Quyết định.doc")
    assert response.status_code == 201, response.text
    assert response.json()["version"]["source_name"] == "Quyết định.doc"
    await library_of(app).drain()
    hits = (await secretary.get(f"/api/meetings/{meeting_id}/search",
                                params={"q": "quyet dinh phe duyet de an"})).json()["hits"]
    assert [h["document_id"] for h in hits] == [response.json()["id"]]


async def test_a_file_that_cannot_be_converted_is_refused_and_leaves_nothing(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    meeting_id = await make_meeting(sessions, world)
    item_id = await add_item(sessions, world, meeting_id)
    secretary = await client_factory("secretary")
    root = library_of(app).root
    before = await counts(sessions)
    damaged = office.zip_of({"[Content_Types].xml": b"<Types/>",
                             "word/document.xml": os.urandom(4000)})
    cases = [
        ("damaged.docx", damaged, "conversion_failed", "Không chuyển được tệp Word/Excel"),
        ("empty.docx", b"", "pdf_empty", "rỗng"),
        ("no-word.docx", office.zip_of({"[Content_Types].xml": b"<Types/>",
                                        "xl/workbook.xml": b"<x/>"}),
         "file_type_mismatch", "không đúng định dạng .docx"),
        ("a-pdf.docx", pdfs.agenda_pdf(1), "file_type_mismatch", "không đúng định dạng"),
        ("text.doc", "Kế hoạch năm 2027\n".encode(), "file_type_mismatch", ".doc"),
        ("word.odt", office.docx(PLAN), "file_type_mismatch", ".odt"),
        ("random.xlsx", os.urandom(2000), "file_type_mismatch", ".xlsx"),
    ]
    for name, data, code, words in cases:
        response = await send(secretary, item_id, data, name)
        assert response.status_code == 422, (name, response.text)
        error = response.json()["error"]
        assert error["code"] == code, (name, error)
        assert words in error["message"], (name, error["message"])
        assert await counts(sessions) == before, name
        assert stored_files(root) == [], name
    secretary.cookies.set("ecabinet_lang", "en")
    english = await send(secretary, item_id, damaged, "damaged.docx")
    assert "could not be converted" in english.json()["error"]["message"]
    assert stored_files(root) == []


async def refused_on(settings: Settings, world: World, sessions: Any, code: str,
                     data: bytes) -> tuple[str, list[str], float]:
    """Upload a .docx to a node with `settings`: it must be refused with `code`, storing
    nothing and leaving no LibreOffice process behind. Returns the message, the
    soffice.bin processes seen while the upload was under way, and how long it took."""
    asgi = create_app(settings)
    async with asgi.starlette.router.lifespan_context(asgi.starlette):
        meeting_id = await make_meeting(sessions, world)
        item_id = await add_item(sessions, world, meeting_id)
        root = asgi.starlette.state.library.root
        async with Client(transport=httpx.ASGITransport(app=asgi),
                          base_url="http://testserver") as secretary:
            assert (await secretary.login("secretary")).status_code == 200
            before = await counts(sessions)
            started = time.monotonic()
            sending = asyncio.create_task(send(secretary, item_id, data, "Kế hoạch.docx"))
            seen: set[str] = set()
            while not sending.done():
                seen |= {p for p in office_processes(str(root)) if "soffice.bin" in p}
                await asyncio.sleep(0.05)
            response = await sending
            took = time.monotonic() - started
            assert response.status_code == 422, response.text
            error = response.json()["error"]
            assert error["code"] == code
            assert await counts(sessions) == before
        # Every LibreOffice process of that conversion (its profile is under the store's
        # incoming folder) is gone: killed as a group, not left to finish or linger.
        left = office_processes(str(root))
        for _ in range(50):
            if not left:
                break
            await asyncio.sleep(0.1)
            left = office_processes(str(root))
        assert left == []
        assert stored_files(root) == []
        return str(error["message"]), sorted(seen), took


async def test_a_conversion_past_its_time_is_killed_with_all_its_processes(
    settings: Settings, world: World, sessions: Any
) -> None:
    # A 60,000-paragraph report takes LibreOffice half a minute; 4 s is time enough for it
    # to start its office process (soffice.bin, a child of oosplash) and begin, no more.
    hurried = replace(settings, convert_timeout_seconds=4)
    report = office.docx(*[f"Đoạn {n}: {PLAN}, nội dung chi tiết của các sở, ngành."
                           for n in range(60_000)])
    message, seen, took = await refused_on(hurried, world, sessions, "conversion_timeout",
                                           report)
    assert "quá 4 giây" in message
    assert seen, "LibreOffice was not yet running when the time ran out: nothing was killed"
    # Answered at the limit: had only oosplash been killed, soffice.bin would hold the
    # pipes open (and the upload) until it finished the whole report.
    assert took < 4 + 4, took


async def test_a_conversion_over_its_memory_fails_and_stores_nothing(
    settings: Settings, world: World, sessions: Any
) -> None:
    # 100 MB of address space: LibreOffice cannot even map its libraries.
    starved = replace(settings, convert_memory_mb=100)
    message, _seen, _took = await refused_on(starved, world, sessions, "conversion_failed",
                                             office.docx(PLAN))
    assert message.startswith("Không chuyển được tệp Word/Excel sang PDF")


async def test_a_draft_cannot_make_the_server_fetch_what_it_links(tmp_path: Path) -> None:
    # Plain LibreOffice fetches a linked picture while converting (a request from the
    # server to wherever the draft points); the conversion profile sends it nowhere.
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        draft = tmp_path / "linking.docx"
        draft.write_bytes(office.docx_linking(
            f"http://127.0.0.1:{server.server_address[1]}/leak.png"))
        work = tmp_path / "work"
        work.mkdir()
        pdf = await Converter(Limits()).to_pdf(draft, OfficeType.DOCX, work)
        assert pdf.read_bytes().startswith(b"%PDF-")
    finally:
        server.shutdown()
        server.server_close()
    assert asked == []


@pytest.mark.parametrize(("name", "make", "kind", "fits"), [
    ("docx", lambda: office.docx("x"), OfficeType.DOCX, True),
    ("odt", lambda: office.odt("x"), OfficeType.ODT, True),
    ("xlsx", lambda: office.xlsx([["x"]]), OfficeType.XLSX, True),
    ("ole2", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), OfficeType.DOC, True),
    ("docx as xlsx", lambda: office.docx("x"), OfficeType.XLSX, False),
    ("xlsx as docx", lambda: office.xlsx([["x"]]), OfficeType.DOCX, False),
    ("odt as docx", lambda: office.odt("x"), OfficeType.DOCX, False),
    ("docx as doc", lambda: office.docx("x"), OfficeType.DOC, False),
    ("ole2 as docx", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
     OfficeType.DOCX, False),
    ("pdf as odt", lambda: pdfs.agenda_pdf(1), OfficeType.ODT, False),
    ("empty", lambda: b"", OfficeType.DOCX, False),
    ("broken zip", lambda: b"PK\x03\x04" + bytes(100), OfficeType.DOCX, False),
])
def test_the_content_must_be_what_the_name_says(
    tmp_path: Path, name: str, make: Any, kind: OfficeType, fits: bool
) -> None:
    path = tmp_path / "upload"
    path.write_bytes(make())
    assert content_is(path, kind) is fits, name


@pytest.mark.parametrize(("filename", "kind"), [
    ("Tờ trình.docx", OfficeType.DOCX), ("A.DOC", OfficeType.DOC), ("b.Xlsx", OfficeType.XLSX),
    ("c.odt", OfficeType.ODT), ("d.pdf", None), ("e.docx.pdf", None), ("docx", None),
    ("C:\\Users\\x\\f.docx", OfficeType.DOCX), ("", None),
])
def test_the_name_says_which_drafts_are_converted(filename: str, kind: OfficeType | None
                                                  ) -> None:
    assert office_type(filename) == kind


async def test_without_libreoffice_drafts_are_refused_and_pdfs_still_accepted(
    app: Any, client_factory: Any, world: World, sessions: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    meeting_id = await make_meeting(sessions, world)
    item_id = await add_item(sessions, world, meeting_id)
    secretary = await client_factory("secretary")
    # A node where soffice is nowhere on PATH (LibreOffice is looked for at each upload).
    monkeypatch.setenv("PATH", "/nonexistent")
    before = await counts(sessions)
    response = await send(secretary, item_id, office.docx(PLAN), "Kế hoạch.docx")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "conversion_unavailable"
    assert "LibreOffice" in error["message"] and "PDF" in error["message"]
    assert await counts(sessions) == before
    assert stored_files(library_of(app).root) == []
    assert (await upload(secretary, item_id, pdfs.agenda_pdf(1))).status_code == 201
    await library_of(app).drain()
