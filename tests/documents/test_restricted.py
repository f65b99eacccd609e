"""Restricted documents: only named readers (and the preparing office) know they exist."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ecabinet.models import AuditEntry, MeetingEvent, MeetingStatus
from tests.conftest import World
from tests.documents import pdfs
from tests.documents.conftest import add_item, add_pdf, advance, library_of, upload
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
    assert not any(f"/api/documents/{doc['id']}" in f["url"] for f in briefcase["files"])
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


async def test_a_search_hit_in_a_restricted_document_is_audited_as_a_view(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    meeting_id = await make_meeting(sessions, world)
    item_id = await add_item(sessions, world, meeting_id)
    secretary = await client_factory("secretary")
    reader = world["delegate"].id
    secret = (await upload(secretary, item_id, pdfs.agenda_pdf(2, extra=SECRET_WORD),
                           restricted="true", readers=str(reader))).json()
    public = (await upload(secretary, item_id, pdfs.agenda_pdf(1, extra=SECRET_WORD))).json()
    await library_of(app).drain()
    await advance(sessions, world, meeting_id, S.published)
    delegate = await client_factory("delegate")
    # The snippet is the restricted text itself: both searches are views of it.
    found = (await delegate.get(f"/api/meetings/{meeting_id}/search",
                                params={"q": "phuong an nhan su"})).json()["hits"]
    assert {h["document_id"] for h in found} == {secret["id"], public["id"]}
    one = (await delegate.get(f"/api/documents/{secret['id']}/search",
                              params={"q": "ban quan ly"})).json()["hits"]
    assert one
    async with sessions() as s:
        audited = (await s.scalars(select(AuditEntry).where(
            AuditEntry.action == "document.search"))).all()
    assert [(a.actor_id, a.object_id) for a in audited] == [(reader, str(secret["id"]))] * 2
    assert all(a.data["pages"] for a in audited)


async def test_catching_up_never_replays_what_a_reader_has_since_lost(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    meeting_id = await make_meeting(sessions, world)
    item_id = await add_item(sessions, world, meeting_id)
    await advance(sessions, world, meeting_id, S.published)
    observer = await client_factory("observer")
    start = (await observer.get(f"/api/meetings/{meeting_id}")).json()["seq"]
    secretary = await client_factory("secretary")
    doc = (await upload(secretary, item_id, pdfs.agenda_pdf(1),
                        title="Dự thảo phương án sắp xếp cán bộ")).json()
    await library_of(app).drain()
    restricted = await secretary.put(f"/api/documents/{doc['id']}", json={
        "restricted": True, "readers": [world["delegate"].id]})
    assert restricted.status_code == 200
    # The observer's screen was away while the title went out openly, then was restricted:
    # catching up must not show the title, over HTTP or the live channel's replay.
    replay = (await observer.get(f"/api/meetings/{meeting_id}/events",
                                 params={"after": start})).json()["events"]
    assert replay and all("cán bộ" not in str(e["data"]) for e in replay)
    assert any(e["type"] == "document.removed" for e in replay)
    reader = await client_factory("delegate")
    shown = (await reader.get(f"/api/meetings/{meeting_id}/events",
                              params={"after": start})).json()["events"]
    assert any("cán bộ" in str(e["data"]) for e in shown)


async def test_catching_up_never_replays_a_note_since_unshared(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    meeting_id = await make_meeting(sessions, world)
    item_id = await add_item(sessions, world, meeting_id)
    doc_id, version_id = await add_pdf(app, sessions, world, item_id, pdfs.agenda_pdf(1))
    await advance(sessions, world, meeting_id, S.published)
    observer = await client_factory("observer")
    start = (await observer.get(f"/api/meetings/{meeting_id}")).json()["seq"]
    delegate = await client_factory("delegate")
    note = (await delegate.post(f"/api/documents/{doc_id}/annotations", json={
        "version_id": version_id, "page": 1, "kind": "note", "shared": True,
        "data": {"x": 0.5, "y": 0.5, "text": "Ghi chú riêng về nhân sự"}})).json()
    unshared = await delegate.put(f"/api/annotations/{note['id']}", json={"shared": False})
    assert unshared.status_code == 200
    replay = (await observer.get(f"/api/meetings/{meeting_id}/events",
                                 params={"after": start})).json()["events"]
    assert replay and all("nhân sự" not in str(e["data"]) for e in replay)
    own = (await delegate.get(f"/api/meetings/{meeting_id}/events",
                              params={"after": start})).json()["events"]
    assert any("nhân sự" in str(e["data"]) for e in own)
