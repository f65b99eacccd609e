"""Restricted documents: only named readers (and the preparing office) know they exist."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ecabinet.models import AuditEntry, MeetingEvent, MeetingStatus
from tests.conftest import World
from tests.documents import pdfs
from tests.documents.conftest import add_item, advance, library_of, upload
from tests.test_meetings import make_meeting

S = MeetingStatus
SECRET_WORD = "Phương án nhân sự Ban Quản lý dự án"


async def test_restricted_document_is_invisible_to_everyone_else(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    meeting_id = await make_meeting(sessions, world)
    item_id = await add_item(sessions, world, meeting_id)
    secretary = await client_factory("secretary")
    public = (await upload(secretary, item_id, pdfs.agenda_pdf(2, marker="công khai"))).json()
    reader = world["delegate"].id
    secret = (await upload(secretary, item_id, pdfs.agenda_pdf(2, extra=SECRET_WORD),
                           title="Phương án nhân sự (mật)", restricted="true",
                           readers=str(reader))).json()
    assert secret["restricted"] and [r["id"] for r in secret["readers"]] == [reader]
    await library_of(app).drain()
    await advance(sessions, world, meeting_id, S.published)
    version = (await secretary.get(f"/api/documents/{secret['id']}")).json()["readable"]["id"]
    base = f"/api/documents/{secret['id']}/versions/{version}"

    for role, sees in [("delegate", True), ("secretary", True), ("chair", False),
                       ("observer", False), ("room", False), ("admin", False),
                       ("outsider", False)]:
        client = await client_factory(role)
        listed = await client.get(f"/api/meetings/{meeting_id}")
        if role == "outsider":
            assert listed.status_code == 404
        else:
            ids = {d["id"] for d in listed.json()["documents"]}
            assert (secret["id"] in ids) is sees, role
            assert public["id"] in ids, role
            agenda = (await client.get(f"/api/meetings/{meeting_id}/agenda")).json()
            assert (secret["id"] in {d["id"] for d in agenda["documents"]}) is sees, role
            hits = (await client.get(f"/api/meetings/{meeting_id}/search",
                                     params={"q": "phuong an nhan su"})).json()["hits"]
            assert bool(hits) is sees, (role, hits)
            assert all(h["document_id"] == secret["id"] for h in hits)
        for path in ("", "/pages/1/image?w=480", "/pages/1/words", "/original"):
            url = f"/api/documents/{secret['id']}" + (f"/versions/{version}{path}" if path else "")
            response = await client.get(url)
            if not sees:
                assert response.status_code == 404, (role, path)
                assert response.json()["error"]["code"] == "document_not_found"
            elif path == "/original":
                # View-only: nobody downloads the original, not even its readers.
                assert response.status_code == 403
                assert response.json()["error"]["code"] == "restricted_no_download"
            else:
                assert response.status_code == 200, (role, path, response.text)
        thumb = await client.get(f"{base}/pages/1/thumbnail")
        assert thumb.status_code == (403 if sees else 404)
        copy = await client.get(f"/api/documents/{secret['id']}/annotated-copy")
        assert copy.status_code == (403 if sees else 404)

    # Every page view is recorded, by whom and which page.
    async with sessions() as s:
        views = (await s.scalars(select(AuditEntry).where(
            AuditEntry.action == "document.view"))).all()
        assert {(v.actor_id, v.data["page"]) for v in views} == {
            (reader, 1), (world["secretary"].id, 1)}
        assert all(v.object_id == str(secret["id"]) for v in views)
        # Its text layer too: the words of a restricted page are a view of it.
        texts = (await s.scalars(select(AuditEntry).where(
            AuditEntry.action == "document.text"))).all()
        assert {(v.actor_id, v.data["page"]) for v in texts} == {
            (reader, 1), (world["secretary"].id, 1)}
        # Its events were addressed to its readers and the office only.
        rows = (await s.scalars(select(MeetingEvent).where(
            MeetingEvent.meeting_id == meeting_id, MeetingEvent.type == "document.updated"))).all()
        mine = [r for r in rows if r.data["document"]["id"] == secret["id"]]
        assert mine and all(set(r.audience or []) <= {reader, world["secretary"].id}
                            for r in mine)
        assert all(r.audience is not None for r in mine)


async def test_withdrawing_a_reader_hides_the_document_and_tells_them(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    meeting_id = await make_meeting(sessions, world)
    item_id = await add_item(sessions, world, meeting_id)
    secretary = await client_factory("secretary")
    doc = (await upload(secretary, item_id, pdfs.agenda_pdf(1))).json()
    await library_of(app).drain()
    await advance(sessions, world, meeting_id, S.published)
    observer = await client_factory("observer")
    described = (await observer.get(f"/api/documents/{doc['id']}")).json()
    image = (f"/api/documents/{doc['id']}/versions/{described['readable']['id']}"
             "/pages/1/image?w=480")
    assert (await observer.get(image)).status_code == 200
    changed = await secretary.put(f"/api/documents/{doc['id']}", json={
        "restricted": True, "readers": [world["delegate"].id]})
    assert changed.status_code == 200, changed.text
    assert (await observer.get(f"/api/documents/{doc['id']}")).status_code == 404
    # No page image either, not even one remembered from a moment ago.
    assert (await observer.get(image)).status_code == 404
    briefcase = (await observer.get(f"/api/meetings/{meeting_id}/briefcase?w=480")).json()
    assert not any(f"/api/documents/{doc['id']}" in url for url in briefcase["urls"])
    outsider_reader = await secretary.put(f"/api/documents/{doc['id']}", json={
        "readers": [world["outsider"].id]})
    assert outsider_reader.json()["error"]["code"] == "reader_not_member"
    async with sessions() as s:
        removed = (await s.scalars(select(MeetingEvent).where(
            MeetingEvent.meeting_id == meeting_id, MeetingEvent.type == "document.removed"))).all()
        assert len(removed) == 1
        lost = set(removed[0].audience or [])
        assert world["observer"].id in lost and world["room"].id in lost
        assert world["delegate"].id not in lost and world["secretary"].id not in lost
