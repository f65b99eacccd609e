"""Fixtures for the agenda and document tests: small upload limits and quick page widths."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest

from ecabinet import agenda, db, documents, meetings
from ecabinet.config import Settings
from ecabinet.documents import Library
from ecabinet.models import MeetingStatus, User
from tests.conftest import Client, World

MAX_BYTES = 300_000
MAX_PAGES = 12
WIDTHS = (480, 800)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The node's settings with limits small enough to exceed cheaply in a test."""
    return replace(settings, upload_max_bytes=MAX_BYTES, upload_max_pages=MAX_PAGES,
                   render_widths=WIDTHS, pdf_workers=2)


def library_of(app: Any) -> Library:
    """The app's document library."""
    library: Library = app.starlette.state.library
    return library


async def upload(client: Client | httpx.AsyncClient, item_id: int, data: bytes, *,
                 filename: str = "to-trinh.pdf", **fields: str) -> httpx.Response:
    """POST a PDF to an agenda item the way the browser does (multipart/form-data)."""
    return await client.post(f"/api/agenda/items/{item_id}/documents",
                             files={"file": (filename, data, "application/pdf")}, data=fields)


async def add_pdf(
    app: Any, sessions: Any, world: World, item_id: int, data: bytes, *,
    who: str = "secretary", restricted: bool = False, readers: tuple[int, ...] = (),
    filename: str = "to-trinh.pdf",
) -> tuple[int, int]:
    """Store and process a PDF as `who` (domain level); returns (document id, version id)."""
    library = library_of(app)
    temp = library.incoming()
    temp.write_bytes(data)
    accepted = await library.accept(temp, filename)
    async with db.transaction(sessions) as s:
        actor = await s.get(User, world[who].id)
        assert actor is not None
        doc, version = await documents.add_document(s, actor, item_id, accepted,
                                                    restricted=restricted, readers=readers)
        ids = (doc.id, version.id)
    library.submit(ids[1])
    await library.drain()
    return ids


async def add_item(sessions: Any, world: World, meeting_id: int, title: str = "Kế hoạch 2026",
                   who: str = "secretary") -> int:
    """An agenda item added by `who`; returns its id."""
    async with db.transaction(sessions) as s:
        actor = await s.get(User, world[who].id)
        assert actor is not None
        item = await agenda.add_item(s, actor, meeting_id, agenda.ItemInput(title=title))
        return item.id


async def advance(sessions: Any, world: World, meeting_id: int, status: MeetingStatus) -> None:
    """Take a prepared draft meeting to `status` the normal way (chair approves)."""
    path = ["submit", "approve", "publish", "start", "adjourn", "close"]
    target = {MeetingStatus.draft: 0, MeetingStatus.submitted: 1, MeetingStatus.approved: 2,
              MeetingStatus.published: 3, MeetingStatus.in_session: 4,
              MeetingStatus.adjourned: 5, MeetingStatus.closed: 6}[status]
    async with db.transaction(sessions) as s:
        for step in path[:target]:
            actor = await s.get(User, world["chair" if step == "approve" else "secretary"].id)
            assert actor is not None
            await meetings.transition(s, actor, meeting_id, step)
