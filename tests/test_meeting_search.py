"""Finding meetings: words without diacritics find the title, the agenda and documents;
filters by status, day, unit, role and to-do; pages; and never a meeting the user may not
see, nor a restricted document's title for someone who may not read it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import db
from ecabinet.models import AgendaItem, Document, DocumentReader, Meeting, MeetingStatus
from ecabinet.workdays import VIETNAM
from tests.conftest import World
from tests.test_meetings import make_meeting


async def titled(sessions: async_sessionmaker[AsyncSession], meeting_id: int, title: str,
                 **values: Any) -> None:
    async with db.transaction(sessions) as s:
        await s.execute(update(Meeting).where(Meeting.id == meeting_id)
                        .values(title=title, **values))


async def ids(client: Any, **params: Any) -> list[int]:
    answer = await client.get("/api/meetings", params=params)
    assert answer.status_code == 200, answer.text
    assert int(answer.headers["x-total-count"]) >= len(answer.json())
    return [m["id"] for m in answer.json()]


async def test_words_without_diacritics_find_title_agenda_and_documents(
        client_factory: Any, world: World, sessions: async_sessionmaker[AsyncSession]) -> None:
    plan = await make_meeting(sessions, world, MeetingStatus.published)
    await titled(sessions, plan, "Họp về Kế hoạch đầu tư công năm 2027")
    budget = await make_meeting(sessions, world, MeetingStatus.published)
    await titled(sessions, budget, "Họp giao ban tháng 12")
    async with db.transaction(sessions) as s:
        s.add(AgendaItem(meeting_id=budget, position=5, title="Dự toán ngân sách địa phương"))
        secret = Document(meeting_id=budget, title="Phương án nhân sự lãnh đạo Sở",
                          restricted=True)
        s.add(secret)
        await s.flush()
        s.add(DocumentReader(document_id=secret.id, user_id=world["delegate"].id))
    delegate = await client_factory("delegate")
    assert await ids(delegate, q="ke hoach") == [plan]
    assert await ids(delegate, q="KẾ HOẠCH đầu tư") == [plan]
    assert await ids(delegate, q="du toan ngan sach") == [budget]
    # A restricted document's title finds the meeting for its reader and the office...
    assert await ids(delegate, q="nhan su lanh dao") == [budget]
    assert await ids(await client_factory("secretary"), q="nhan su") == [budget]
    # ...but not for another member, who must not learn what it is about.
    assert await ids(await client_factory("delegate2"), q="nhan su") == []
    # Someone not invited finds neither, whatever the words.
    assert await ids(await client_factory("outsider"), q="ke hoach") == []
    assert await ids(delegate, q="khong co tu nay") == []
    # An agenda still in preparation is the office's and the chair's, not yet the members'.
    preparing = await make_meeting(sessions, world, MeetingStatus.submitted)
    async with db.transaction(sessions) as s:
        s.add(AgendaItem(meeting_id=preparing, position=5, title="Phương án sắp xếp thôn"))
    assert await ids(delegate, q="sap xep thon") == []
    assert await ids(await client_factory("secretary"), q="sap xep thon") == [preparing]
    assert await ids(await client_factory("chair"), q="sap xep thon") == [preparing]


async def test_filters_pages_and_to_do_lists(
        client_factory: Any, world: World, sessions: async_sessionmaker[AsyncSession]) -> None:
    draft = await make_meeting(sessions, world, MeetingStatus.draft)
    submitted = await make_meeting(sessions, world, MeetingStatus.submitted)
    published = [await make_meeting(sessions, world, MeetingStatus.published) for _ in range(3)]
    last_month = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    await titled(sessions, published[0], "Họp tháng trước", starts_at=last_month)
    chair = await client_factory("chair")
    assert await ids(chair, waiting="approval") == [submitted]
    secretary = await client_factory("secretary")
    assert await ids(secretary, waiting="prepare") == [draft]
    assert await ids(secretary, status="draft") == [draft]
    day = last_month.astimezone(VIETNAM).date().isoformat()  # days are Vietnam's
    assert await ids(secretary, since=day, until=day) == [published[0]]
    assert published[0] not in await ids(
        secretary, since=dt.datetime.now(VIETNAM).date().isoformat())
    assert set(await ids(chair, role="chair")) == {draft, submitted, *published}
    assert await ids(await client_factory("delegate"), role="chair") == []
    assert len(await ids(await client_factory("delegate"), role="member")) == 5
    assert await ids(secretary, unit_id=world.other_district) == []
    first = await secretary.get("/api/meetings", params={"limit": 2})
    assert first.headers["x-total-count"] == "5" and len(first.json()) == 2
    rest = await ids(secretary, limit=2, offset=2) + await ids(secretary, limit=2, offset=4)
    assert len(set(rest) | {m["id"] for m in first.json()}) == 5
    bad = await secretary.get("/api/meetings", params={"role": "boss"})
    assert bad.status_code == 422
