"""Uploading, validating, storing, versioning, processing and reading documents."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pymupdf
import pytest
from sqlalchemy import func, select

from ecabinet import db, documents, meetings
from ecabinet.errors import Conflict
from ecabinet.models import (
    Document,
    DocumentPage,
    DocumentVersion,
    MeetingStatus,
    User,
    VersionStatus,
)
from ecabinet.pdf.render import render_page_image
from tests.conftest import World
from tests.documents import pdfs
from tests.documents.conftest import MAX_BYTES, add_item, advance, library_of, upload
from tests.test_meetings import make_meeting

S = MeetingStatus


def stored_files(settings_dir: Path) -> list[Path]:
    """Every file under the documents directory (the incoming folder's leftovers included)."""
    if not settings_dir.exists():
        return []
    return [p for p in settings_dir.rglob("*") if p.is_file()]


async def counts(sessions: Any) -> tuple[int, int, int]:
    async with sessions() as s:
        return (
            await s.scalar(select(func.count(Document.id))) or 0,
            await s.scalar(select(func.count(DocumentVersion.id))) or 0,
            await s.scalar(select(func.count(DocumentPage.id))) or 0,
        )


async def test_upload_is_processed_and_read_page_by_page(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    meeting_id = await make_meeting(sessions, world)
    item_id = await add_item(sessions, world, meeting_id)
    secretary = await client_factory("secretary")
    data = pdfs.agenda_pdf(3)
    response = await upload(secretary, item_id, data, filename="Tờ trình số 12.pdf",
                            title="Tờ trình số 12/TTr-SKHĐT")
    assert response.status_code == 201, response.text
    doc = response.json()
    assert doc["title"] == "Tờ trình số 12/TTr-SKHĐT"
    assert doc["version"]["status"] in ("pending", "processing", "ready")
    assert doc["version"]["pages"] == 3 and doc["version"]["filename"] == "Tờ trình số 12.pdf"
    library = library_of(app)
    await library.drain()

    sha = hashlib.sha256(data).hexdigest()
    blob = library.root / sha[:2] / f"{sha}.pdf"
    assert blob.read_bytes() == data
    described = (await secretary.get(f"/api/documents/{doc['id']}")).json()
    assert described["version"]["status"] == "ready"
    version = described["readable"]["id"]
    assert described["pages"] == [[595.0, 842.0]] * 3
    base = f"/api/documents/{doc['id']}/versions/{version}/pages"
    image = await secretary.get(f"{base}/2/image?w=800")
    assert image.status_code == 200 and image.headers["content-type"] == "image/webp"
    assert image.content.startswith(b"RIFF") and image.content[8:12] == b"WEBP"
    assert (await secretary.get(f"{base}/2/image?w=801")).json()["error"]["code"] == (
        "width_not_offered")
    assert (await secretary.get(f"{base}/4/image?w=800")).status_code == 404
    words = (await secretary.get(f"{base}/2/words")).json()["words"]
    assert [w[4] for w in words[:2]] == ["Trang", "2"]
    assert all(0 <= v <= 1 for w in words for v in w[:4])
    thumb = await secretary.get(f"{base}/1/thumbnail")
    assert thumb.status_code == 200 and thumb.content.startswith(b"\x89PNG")
    original = await secretary.get(f"/api/documents/{doc['id']}/versions/{version}/original")
    assert original.content == data
    assert "attachment" in original.headers["content-disposition"]


async def test_every_bad_upload_is_refused_and_leaves_nothing(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    meeting_id = await make_meeting(sessions, world)
    item_id = await add_item(sessions, world, meeting_id)
    secretary = await client_factory("secretary")
    root = library_of(app).root
    cases = [
        ("empty", b"", 422, "pdf_empty", "rỗng"),
        ("not a pdf", pdfs.NOT_PDF, 422, "pdf_not_pdf", "không phải"),
        ("png", pdfs.PNG_HEADER, 422, "pdf_not_pdf", "không phải"),
        ("corrupt", pdfs.corrupt_pdf(), 422, "pdf_corrupt", "hỏng"),
        ("encrypted", pdfs.encrypted_pdf(), 422, "pdf_encrypted", "mật khẩu"),
        ("no pages", pdfs.zero_page_pdf(), 422, "pdf_no_pages", "không có trang"),
        ("too many pages", pdfs.agenda_pdf(13), 422, "pdf_too_many_pages", "13 trang"),
        ("too large", pdfs.large_pdf(MAX_BYTES + 1), 413, "pdf_too_large", "quá lớn"),
        ("far too large", pdfs.large_pdf(MAX_BYTES + 100_000), 413, "pdf_too_large", "quá lớn"),
    ]
    for name, data, status, code, words in cases:
        response = await upload(secretary, item_id, data, filename=f"{name}.pdf")
        assert response.status_code == status, (name, response.text)
        error = response.json()["error"]
        assert error["code"] == code, name
        assert words in error["message"], (name, error["message"])
        assert await counts(sessions) == (0, 0, 0), name
        assert stored_files(root) == [], name

    # Malformed requests: not multipart, no file part, a body that never ends.
    plain = await secretary.post(f"/api/agenda/items/{item_id}/documents", content=b"%PDF-1.7",
                                 headers={"content-type": "application/pdf"})
    assert plain.json()["error"]["code"] == "upload_needs_multipart"
    nofile = await secretary.post(f"/api/agenda/items/{item_id}/documents",
                                  files={"other": ("x.pdf", b"%PDF", "application/pdf")})
    assert nofile.json()["error"]["code"] == "upload_no_file"

    async def endless() -> AsyncIterator[bytes]:
        yield (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.pdf\"\r\n"
               b"Content-Type: application/pdf\r\n\r\n%PDF-1.7\n")
        for _ in range(40):
            yield b"0" * 16384

    streamed = await secretary.post(f"/api/agenda/items/{item_id}/documents", content=endless(),
                                    headers={"content-type": "multipart/form-data; boundary=b"})
    assert streamed.status_code == 413
    assert await counts(sessions) == (0, 0, 0)
    assert stored_files(root) == []
    # English for an English speaker.
    secretary.cookies.set("ecabinet_lang", "en")
    english = await upload(secretary, item_id, pdfs.encrypted_pdf())
    secretary.cookies.delete("ecabinet_lang")
    assert "password" in english.json()["error"]["message"]
    # A good file afterwards is accepted: the refusals left no state behind.
    assert (await upload(secretary, item_id, pdfs.agenda_pdf(2))).status_code == 201
    await library_of(app).drain()


async def test_new_versions_never_overwrite_and_show_as_updated(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    meeting_id = await make_meeting(sessions, world)
    item_id = await add_item(sessions, world, meeting_id)
    secretary = await client_factory("secretary")
    first, second = pdfs.agenda_pdf(2, marker="v1"), pdfs.agenda_pdf(3, marker="v2")
    doc = (await upload(secretary, item_id, first)).json()
    library = library_of(app)
    await library.drain()
    await advance(sessions, world, meeting_id, S.published)

    response = await secretary.post(f"/api/documents/{doc['id']}/versions",
                                    files={"file": ("v2.pdf", second, "application/pdf")})
    assert response.status_code == 201, response.text
    await library.drain()
    same = await secretary.post(f"/api/documents/{doc['id']}/versions",
                                files={"file": ("v2b.pdf", second, "application/pdf")})
    assert same.status_code == 409 and same.json()["error"]["code"] == "version_unchanged"

    delegate = await client_factory("delegate")
    described = (await delegate.get(f"/api/documents/{doc['id']}")).json()
    assert described["versions"] == 2 and described["updated"] is True
    assert described["version"]["number"] == 2 and described["version"]["after_publish"]
    assert [v["number"] for v in described["history"]] == [2, 1]
    assert len(described["pages"]) == 3
    for data in (first, second):
        sha = hashlib.sha256(data).hexdigest()
        assert (library.root / sha[:2] / f"{sha}.pdf").read_bytes() == data
    # The first version is still readable and downloadable as it was.
    v1 = described["history"][1]["id"]
    old = await delegate.get(f"/api/documents/{doc['id']}/versions/{v1}/original")
    assert old.content == first
    page = await delegate.get(f"/api/documents/{doc['id']}/versions/{v1}/pages/2/words")
    assert page.status_code == 200


async def test_submission_waits_for_processing(app: Any, world: World, sessions: Any) -> None:
    meeting_id = await make_meeting(sessions, world)
    item_id = await add_item(sessions, world, meeting_id)
    library = library_of(app)
    temp = library.incoming()
    temp.write_bytes(pdfs.agenda_pdf(2))
    accepted = await library.accept(temp, "bao-cao.pdf")
    async with db.transaction(sessions) as s:
        secretary = await s.get_one(User, world["secretary"].id)
        _doc, version = await documents.add_document(s, secretary, item_id, accepted)
        version_id = version.id
    with pytest.raises(Conflict) as waiting:
        async with db.transaction(sessions) as s:
            secretary = await s.get_one(User, world["secretary"].id)
            await meetings.transition(s, secretary, meeting_id, "submit")
    assert waiting.value.code == "documents_processing"
    library.submit(version_id)
    await library.drain()
    async with db.transaction(sessions) as s:
        assert (await s.get_one(DocumentVersion, version_id)).status == VersionStatus.ready
        secretary = await s.get_one(User, world["secretary"].id)
        await meetings.transition(s, secretary, meeting_id, "submit")


async def test_staged_bytes_are_validated_and_stored_when_processed(
    app: Any, world: World, sessions: Any
) -> None:
    meeting_id = await make_meeting(sessions, world)
    item_id = await add_item(sessions, world, meeting_id)
    good, bad = pdfs.agenda_pdf(2, marker="staged"), pdfs.corrupt_pdf()
    async with db.transaction(sessions) as s:
        secretary = await s.get_one(User, world["secretary"].id)
        _d1, v1 = await documents.stage_document(s, secretary, item_id, good, filename="a.pdf")
        _d2, v2 = await documents.stage_document(s, secretary, item_id, bad, filename="b.pdf")
        ids = (v1.id, v2.id)
    library = library_of(app)
    for version_id in ids:
        library.submit(version_id)
    await library.drain()
    async with sessions() as s:
        ok = await s.get_one(DocumentVersion, ids[0])
        failed = await s.get_one(DocumentVersion, ids[1])
        assert ok.status == VersionStatus.ready and ok.page_count == 2
        assert failed.status == VersionStatus.failed and failed.error == "pdf_corrupt"
    assert [p.name for p in stored_files(library.root)] == [
        f"{hashlib.sha256(good).hexdigest()}.pdf"]


async def test_watermark_on_restricted_pages_only(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    meeting_id = await make_meeting(sessions, world)
    item_id = await add_item(sessions, world, meeting_id)
    secretary = await client_factory("secretary")
    plain_data = pdfs.agenda_pdf(2, marker="công khai")
    secret_data = pdfs.agenda_pdf(2, marker="mật")
    plain = (await upload(secretary, item_id, plain_data)).json()
    secret = (await upload(secretary, item_id, secret_data, restricted="true",
                           readers=str(world["delegate"].id))).json()
    await library_of(app).drain()
    await advance(sessions, world, meeting_id, S.published)
    delegate = await client_factory("delegate")

    async def page(doc: dict[str, Any]) -> httpx.Response:
        described = (await delegate.get(f"/api/documents/{doc['id']}")).json()
        return await delegate.get(
            f"/api/documents/{doc['id']}/versions/{described['readable']['id']}/pages/1/image"
            "?w=480")

    def local(data: bytes, lines: tuple[str, ...] | None) -> bytes:
        from ecabinet.pdf.watermark import Watermark

        with pymupdf.open(stream=data, filetype="pdf") as doc:
            return render_page_image(doc, 0, 480, watermark=Watermark(lines) if lines else None)

    normal = await page(plain)
    assert "x-watermark-time" not in normal.headers
    assert normal.content == local(plain_data, None)
    marked = await page(secret)
    from urllib.parse import unquote

    seen_at = unquote(marked.headers["x-watermark-time"])
    expected = (world["delegate"].full_name, "UBND tỉnh Thừa Thiên Huế", seen_at)
    assert marked.content == local(secret_data, expected)
    assert marked.content != local(secret_data, None)
    assert marked.headers["cache-control"] == "no-store"


async def test_service_worker_is_served_for_the_whole_origin(client_factory: Any) -> None:
    client = await client_factory()
    response = await client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["service-worker-allowed"] == "/"
    assert response.headers["cache-control"] == "no-cache"
    assert "javascript" in response.headers["content-type"]
    assert "briefcase.sync" in response.text
