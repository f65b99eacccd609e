"""Annotations are private unless shared, never touch the original, and compose into a copy."""

from __future__ import annotations

import hashlib
from typing import Any

import pymupdf
from sqlalchemy import select

from ecabinet.models import MeetingEvent, MeetingStatus
from tests.conftest import World
from tests.documents import pdfs
from tests.documents.conftest import add_item, add_pdf, advance, library_of
from tests.test_meetings import make_meeting


async def test_annotations_are_private_unless_shared(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    meeting_id = await make_meeting(sessions, world)
    item_id = await add_item(sessions, world, meeting_id)
    data = pdfs.agenda_pdf(3)
    doc_id, version_id = await add_pdf(app, sessions, world, item_id, data)
    await advance(sessions, world, meeting_id, MeetingStatus.published)
    delegate, observer = await client_factory("delegate"), await client_factory("observer")
    url = f"/api/documents/{doc_id}/annotations"

    note = await delegate.post(url, json={
        "version_id": version_id, "page": 2, "kind": "note",
        "data": {"x": 0.6, "y": 0.2, "text": "Đề nghị làm rõ nguồn vốn đối ứng"}})
    assert note.status_code == 201, note.text
    ink = await delegate.post(url, json={
        "version_id": version_id, "page": 1, "kind": "ink",
        "data": {"strokes": [[[0.1, 0.1], [0.2, 0.15], [0.3, 0.12]]], "width": 0.004}})
    mark = await delegate.post(url, json={
        "version_id": version_id, "page": 1, "kind": "highlight", "colour": "#8bc34a",
        "data": {"rects": [[0.12, 0.125, 0.7, 0.145]]}})
    assert ink.status_code == mark.status_code == 201
    note_id = note.json()["id"]

    mine = (await delegate.get(url, params={"version": version_id})).json()
    assert {a["kind"] for a in mine} == {"note", "ink", "highlight"}
    assert all(not a["shared"] for a in mine)
    assert (await observer.get(url, params={"version": version_id})).json() == []
    # Someone else's private note does not exist for them.
    stolen = await observer.put(f"/api/annotations/{note_id}", json={"shared": True})
    assert stolen.status_code == 404
    assert (await observer.delete(f"/api/annotations/{note_id}")).status_code == 404

    shared = await delegate.put(f"/api/annotations/{note_id}", json={"shared": True})
    assert shared.json()["shared"] is True
    seen = (await observer.get(url, params={"version": version_id})).json()
    assert [(a["id"], a["author"]) for a in seen] == [(note_id, world["delegate"].full_name)]
    refused = await observer.put(f"/api/annotations/{note_id}", json={"data": {"text": "x"}})
    assert refused.status_code == 403
    await delegate.put(f"/api/annotations/{note_id}", json={"shared": False})
    assert (await observer.get(url, params={"version": version_id})).json() == []

    bad = await delegate.post(url, json={"version_id": version_id, "page": 1, "kind": "note",
                                         "data": {"x": 1.7, "y": 0.2, "text": "ngoài trang"}})
    assert bad.json()["error"]["code"] == "annotation_out_of_page"
    nopage = await delegate.post(url, json={"version_id": version_id, "page": 9, "kind": "note",
                                            "data": {"x": 0.5, "y": 0.2, "text": "?"}})
    assert nopage.status_code == 404

    async with sessions() as s:
        rows = (await s.scalars(select(MeetingEvent).where(
            MeetingEvent.meeting_id == meeting_id, MeetingEvent.type.like("annotation.%"))
            .order_by(MeetingEvent.seq))).all()
        # Private overlays travel to their author only; sharing reaches every member.
        assert [r.audience for r in rows[:3]] == [[world["delegate"].id]] * 3
        assert rows[3].type == "annotation.updated" and rows[3].audience is None
        assert rows[4].type == "annotation.removed" and rows[4].audience is None
        assert rows[5].audience == [world["delegate"].id]

    copy = await delegate.get(f"/api/documents/{doc_id}/annotated-copy")
    assert copy.status_code == 200 and copy.headers["content-type"] == "application/pdf"
    # Composed as an incremental update: the original bytes are untouched, then the overlays.
    assert copy.content.startswith(data)
    with pymupdf.open(stream=copy.content, filetype="pdf") as composed:
        kinds = {n: sorted(a.type[1] for a in composed[n].annots()) for n in range(3)}
        assert kinds == {0: ["Highlight", "Ink"], 1: ["Text"], 2: []}
        text = next(composed[1].annots()).info["content"]
        assert text == "Đề nghị làm rõ nguồn vốn đối ứng"
    other = await observer.get(f"/api/documents/{doc_id}/annotated-copy")
    with pymupdf.open(stream=other.content, filetype="pdf") as composed:
        assert all(not list(page.annots()) for page in composed)
    sha = hashlib.sha256(data).hexdigest()
    assert library_of(app).blob(sha).read_bytes() == data
