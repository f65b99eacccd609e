"""A meeting in session with an agenda, five voting members, an observer and a remote room."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import accounts, attendance, db, meetings
from ecabinet.models import AgendaItem, MeetingEvent, MeetingStatus, ParticipantRole, User
from tests.conftest import PASSWORD, World, future

T = TypeVar("T")
STEPS = {
    MeetingStatus.draft: [],
    MeetingStatus.published: ["submit", "approve", "publish"],
    MeetingStatus.in_session: ["submit", "approve", "publish", "start"],
}


@dataclass
class Hall:
    """The meeting and who is who in it."""

    sessions: async_sessionmaker[AsyncSession]
    world: World
    meeting_id: int
    items: list[int]
    users: dict[str, User]

    def __getitem__(self, name: str) -> User:
        return self.users[name]

    async def run(self, name: str, action: Callable[[AsyncSession, User], Awaitable[T]]) -> T:
        """Run `action(session, user)` as that user in one transaction."""
        async with db.transaction(self.sessions) as session:
            user = await session.get(User, self.users[name].id)
            assert user is not None
            return await action(session, user)

    async def check_in(self, *names: str, remote: bool = False) -> None:
        """Check these members in from their tablets."""
        for name in names:
            await self.run(name, lambda s, u: attendance.check_in(
                s, u, self.meeting_id, remote=remote))

    async def events(self, type_prefix: str = "") -> list[MeetingEvent]:
        """The meeting's event log (optionally only types starting with a prefix)."""
        async with self.sessions() as session:
            rows = await session.scalars(
                select(MeetingEvent).where(MeetingEvent.meeting_id == self.meeting_id)
                .order_by(MeetingEvent.seq))
            return [r for r in rows if r.type.startswith(type_prefix)]


VOTERS = ["chair", "delegate", "delegate2", "delegate3", "delegate4"]


async def build_hall(sessions: async_sessionmaker[AsyncSession], world: World,
                     status: MeetingStatus = MeetingStatus.in_session, extra_voters: int = 2
                     ) -> Hall:
    """The meeting, chaired by "chair", prepared by "secretary", with two agenda items."""
    users = dict(world.users)
    async with db.transaction(sessions) as s:
        for n in range(3, 3 + extra_voters):
            users[f"delegate{n}"] = await accounts.create_user(
                s, username=f"delegate{n}", full_name=f"Đại biểu số {n}", password=PASSWORD,
                role="delegate", unit_id=world.province)
        secretary = await s.get(User, world["secretary"].id)
        assert secretary is not None
        meeting = await meetings.create_meeting(s, secretary, meetings.MeetingInput(
            title="Kỳ họp chuyên đề về phòng chống thiên tai", unit_id=world.province,
            chair_id=world["chair"].id, starts_at=future(10), place="Hội trường tầng 3",
            participants=[
                (world["delegate"].id, ParticipantRole.delegate),
                (world["delegate2"].id, ParticipantRole.delegate),
                *[(users[f"delegate{n}"].id, ParticipantRole.delegate)
                  for n in range(3, 3 + extra_voters)],
                (world["observer"].id, ParticipantRole.observer),
            ],
            invited_units=[(world.commune, True)],
        ))
        items = []
        for position, title in enumerate(
                ["Báo cáo tình hình mưa lũ", "Phương án sơ tán dân cư vùng trũng"], start=1):
            item = AgendaItem(meeting_id=meeting.id, position=position, title=title,
                              presenter="Sở Nông nghiệp và Môi trường")
            s.add(item)
            await s.flush()
            items.append(item.id)
        chair = await s.get(User, world["chair"].id)
        assert chair is not None
        for step in STEPS[status]:
            await meetings.transition(s, chair if step == "approve" else secretary,
                                      meeting.id, step)
    return Hall(sessions, world, meeting.id, items, users)


@pytest.fixture
async def hall(sessions: async_sessionmaker[AsyncSession], world: World) -> Hall:
    """A meeting in session; nobody checked in yet."""
    return await build_hall(sessions, world)


def codes(exc_info: Any) -> str:
    """The code of a DomainError caught by pytest.raises."""
    return str(exc_info.value.code)
