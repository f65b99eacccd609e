"""A consultation's drafts go through the document pipeline: validated, processed into
pages and text, searchable, restricted to named readers with a watermark, and sent to the
members asked with the consultation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from ecabinet import audit, db, documents
from ecabinet.consultations import approval, prepare
from ecabinet.errors import Conflict
from ecabinet.models import AuditEntry, Document, DocumentVersion, User
from tests.conftest import World
from tests.consultations.conftest import draft_input
from tests.documents import pdfs
from tests.documents.conftest import library_of

SECRET_WORD = "Phương án sắp xếp nhân sự"


async def draft(sessions: Any, world: World, **changes: object) -> int:
    """A consultation being prepared by the province's secretary."""
    async with db.transaction(sessions) as s:
        return (await prepare.create(s, world["secretary"], draft_input(world, **changes))).id


async def upload(client: httpx.AsyncClient, consultation_id: int, data: bytes, *,
                 filename: str = "du-thao.pdf", **fields: str) -> httpx.Response:
    """POST a PDF as a draft the way the browser does (multipart/form-data)."""
    return await client.post(f"/api/consultations/{consultation_id}/documents",
                             files={"file": (filename, data, "application/pdf")}, data=fields)


async def send(sessions: Any, world: World, consultation_id: int) -> None:
    """Submitted by the secretary and approved by the chair."""
    async with db.transaction(sessions) as s:
        await approval.submit(s, world["secretary"], consultation_id)
    async with db.transaction(sessions) as s:
        await approval.approve(s, world["chair"], consultation_id)


async def stored(sessions: Any) -> tuple[int, int]:
    async with sessions() as s:
        return (await s.scalar(select(func.count(Document.id))) or 0,
                await s.scalar(select(func.count(DocumentVersion.id))) or 0)


async def test_a_draft_is_processed_searched_and_reaches_the_members_when_sent(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    cid = await draft(sessions, world)
    secretary = await client_factory("secretary")
    made = await upload(secretary, cid, pdfs.agenda_pdf(3, extra="Kế hoạch chuyển đổi số"),
                        filename="Dự thảo Kế hoạch.pdf")
    assert made.status_code == 201, made.text
    doc = made.json()
    assert doc["consultation_id"] == cid and doc["meeting_id"] is None
    assert doc["title"] == "Dự thảo Kế hoạch" and doc["item_id"] is None
    await library_of(app).drain()

    listed = (await secretary.get(f"/api/consultations/{cid}/documents")).json()
    assert [d["id"] for d in listed["documents"]] == [doc["id"]]
    assert listed["documents"][0]["readable"]["pages"] == 3
    assert listed["limits"]["widths"]
    described = (await secretary.get(f"/api/documents/{doc['id']}")).json()
    assert described["consultation_status"] == "draft" and described["meeting_status"] is None
    assert len(described["pages"]) == 3

    # Before it is sent, the members asked know nothing of it.
    delegate = await client_factory("delegate")
    assert (await delegate.get(f"/api/documents/{doc['id']}")).status_code == 404
    assert (await delegate.get(f"/api/consultations/{cid}/documents")).status_code == 404

    await send(sessions, world, cid)
    listed = (await delegate.get(f"/api/consultations/{cid}/documents")).json()
    assert [d["id"] for d in listed["documents"]] == [doc["id"]]
    version = listed["documents"][0]["readable"]["id"]
    page = await delegate.get(f"/api/documents/{doc['id']}/versions/{version}/pages/2/image",
                              params={"w": listed["limits"]["widths"][0]})
    assert page.status_code == 200 and page.headers["content-type"].startswith("image/")
    hits = (await delegate.get(f"/api/consultations/{cid}/search",
                               params={"q": "ke hoach chuyen doi so"})).json()["hits"]
    assert [h["page"] for h in hits] == [3]  # the words are on its last page only
    assert all(h["document_id"] == doc["id"] and h["item_id"] is None for h in hits)

    # Someone not asked never learns it exists.
    outsider = await client_factory("outsider")
    assert (await outsider.get(f"/api/documents/{doc['id']}")).status_code == 404
    assert (await outsider.get(
        f"/api/documents/{doc['id']}/versions/{version}/pages/1/words")).status_code == 404


async def test_drafts_are_fixed_once_submitted_and_a_refusal_stores_nothing(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    cid = await draft(sessions, world)
    secretary = await client_factory("secretary")
    doc = (await upload(secretary, cid, pdfs.agenda_pdf(2))).json()
    await library_of(app).drain()
    before = await stored(sessions)
    async with db.transaction(sessions) as s:
        await approval.submit(s, world["secretary"], cid)
    refused = await upload(secretary, cid, pdfs.agenda_pdf(2, marker="muộn"))
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "consultation_not_draft"
    assert (await secretary.post(f"/api/documents/{doc['id']}/versions",
                                 files={"file": ("v2.pdf", pdfs.agenda_pdf(1), "application/pdf")}
                                 )).status_code == 409
    assert (await secretary.delete(f"/api/documents/{doc['id']}")).status_code == 409
    assert await stored(sessions) == before

    # Not the preparing office: refused before the upload is read.
    other = await client_factory("district_secretary")
    assert (await upload(other, cid, pdfs.agenda_pdf(1))).status_code == 404
    delegate = await client_factory("delegate")
    assert (await upload(delegate, cid, pdfs.agenda_pdf(1))).status_code == 404
    # A corrupt file is refused with its reason and leaves nothing either.
    async with db.transaction(sessions) as s:
        await approval.withdraw(s, world["secretary"], cid)
    bad = await upload(secretary, cid, pdfs.corrupt_pdf())
    assert bad.status_code == 422 and bad.json()["error"]["message"]
    assert await stored(sessions) == before


async def test_a_restricted_draft_is_read_only_by_its_readers_watermarked_and_audited(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    cid = await draft(sessions, world)
    secretary = await client_factory("secretary")
    chair = await client_factory("chair")
    # A reader must be among the members asked (or the office): an outsider is refused.
    refused = await upload(secretary, cid, pdfs.agenda_pdf(1), restricted="true",
                           readers=str(world["outsider"].id))
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "reader_not_member"
    secret = (await upload(secretary, cid, pdfs.agenda_pdf(2, extra=SECRET_WORD),
                           title="Phương án nhân sự (mật)", restricted="true",
                           readers=str(world["delegate"].id))).json()
    public = (await upload(secretary, cid, pdfs.agenda_pdf(1))).json()
    await library_of(app).drain()
    async with db.transaction(sessions) as s:
        await approval.submit(s, world["secretary"], cid)
    # Before approving, the chair sees it among the drafts waiting for him.
    listed = (await chair.get(f"/api/consultations/{cid}/documents")).json()["documents"]
    assert {d["id"] for d in listed} == {secret["id"], public["id"]}
    assert not any(d["updated"] for d in listed)
    async with db.transaction(sessions) as s:
        await approval.approve(s, world["chair"], cid)
    version = (await secretary.get(f"/api/documents/{secret['id']}")).json()["readable"]["id"]

    # Its chair approves what is sent, so reads every draft without being named.
    for role, sees in [("delegate", True), ("secretary", True), ("chair", True),
                       ("delegate2", False), ("chair2", False)]:
        client = await client_factory(role)
        ids = {d["id"] for d in
               (await client.get(f"/api/consultations/{cid}/documents")).json()["documents"]}
        assert public["id"] in ids, role
        assert (secret["id"] in ids) is sees, role
        hits = (await client.get(f"/api/consultations/{cid}/search",
                                 params={"q": "phuong an sap xep nhan su"})).json()["hits"]
        assert bool(hits) is sees, role
        image = await client.get(
            f"/api/documents/{secret['id']}/versions/{version}/pages/1/image?w=480")
        assert image.status_code == (200 if sees else 404), role
        # View-only: no original and no PDF, even for its readers.
        assert (await client.get(f"/api/documents/{secret['id']}/versions/{version}/original")
                ).status_code == (403 if sees else 404), role

    delegate = await client_factory("delegate")
    marked = await delegate.get(
        f"/api/documents/{secret['id']}/versions/{version}/pages/2/image?w=480")
    assert "x-watermark-time" in marked.headers and marked.headers["cache-control"] == "no-store"
    async with sessions() as s:
        views = (await s.scalars(select(AuditEntry).where(
            AuditEntry.action == "document.view",
            AuditEntry.object_id == str(secret["id"])))).all()
        assert views and views[-1].data["consultation_id"] == cid
        assert views[-1].actor_id == world["delegate"].id
        assert views[-1].meeting_id is None
        assert await audit.verify_chain(s) is None


async def test_the_chair_is_asked_only_once_every_draft_is_readable(
    app: Any, world: World, sessions: Any
) -> None:
    cid = await draft(sessions, world)
    library = library_of(app)
    temp = library.incoming()
    temp.write_bytes(pdfs.agenda_pdf(2))
    accepted = await library.accept(temp, "du-thao.pdf")
    async with db.transaction(sessions) as s:
        actor = await s.get(User, world["secretary"].id)
        assert actor is not None
        _doc, version = await documents.add_draft(s, actor, cid, accepted)
    with pytest.raises(Conflict) as waiting:
        async with db.transaction(sessions) as s:
            await approval.submit(s, world["secretary"], cid)
    assert waiting.value.code == "documents_processing"
    library.submit(version.id)
    await library.drain()
    async with db.transaction(sessions) as s:
        assert (await approval.submit(s, world["secretary"], cid)).status == "submitted"


async def test_discarding_a_draft_consultation_takes_its_drafts_with_it(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    cid = await draft(sessions, world)
    secretary = await client_factory("secretary")
    doc = (await upload(secretary, cid, pdfs.agenda_pdf(1))).json()
    await library_of(app).drain()
    assert (await secretary.delete(f"/api/consultations/{cid}")).status_code == 200
    assert (await secretary.get(f"/api/documents/{doc['id']}")).status_code == 404
    assert await stored(sessions) == (0, 0)
