"""A hall of tablets checking in at once: written in groups, one tally and one extension of
the audit chain per group, every tablet acknowledged, a refusal sinking nobody else."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from ecabinet import attendance, audit, db
from ecabinet.errors import DomainError
from ecabinet.models import Attendance, User
from tests.conftest import LiveServer, World
from tests.live import LiveClient
from tests.live_meeting.conftest import Hall, build_hall


async def test_a_group_of_check_ins_shares_one_tally_and_a_refusal_changes_nothing(
        hall: Hall) -> None:
    async with db.transaction(hall.sessions) as s:
        people = {name: await s.get(User, hall[name].id)
                  for name in ("delegate", "delegate2", "observer")}
        asked = [attendance.CheckIn(people[name], hall.meeting_id)  # type: ignore[arg-type]
                 for name in ("delegate", "observer", "delegate2", "delegate")]
        done = await attendance.check_in_many(s, asked)

    assert isinstance(done[0], Attendance) and isinstance(done[2], Attendance)
    assert isinstance(done[1], DomainError) and done[1].code == "not_invited"
    assert done[3] is done[0]
    updates = await hall.events("attendance.updated")
    # The repeated tap said nothing; both check-ins carry the tally after the group.
    assert [e.data["entry"]["user_id"] for e in updates] == [hall["delegate"].id,
                                                             hall["delegate2"].id]
    assert [e.data["counts"]["present"] for e in updates] == [2, 2]
    async with hall.sessions() as s:
        assert await audit.verify_chain(s) is None
        # The refused request left no row behind.
        assert await s.scalar(select(Attendance).where(
            Attendance.meeting_id == hall.meeting_id,
            Attendance.user_id == hall["observer"].id)) is None


async def test_tablets_checking_in_together_are_each_acknowledged_and_grouped(
        live_server: LiveServer, world: World, sessions: Any) -> None:
    hall = await build_hall(sessions, world, extra_voters=12)
    names = ["delegate", "delegate2", *[f"delegate{n}" for n in range(3, 15)]]
    tablets = [LiveClient(live_server.url) for _ in names]
    try:
        for tablet, name in zip(tablets, names, strict=True):
            await tablet.login(name)
            await tablet.connect()
        acks = await asyncio.gather(*(
            t.call("attendance:checkin", {"meeting_id": hall.meeting_id}) for t in tablets))
    finally:
        for tablet in tablets:
            await tablet.close()
    assert all(ack == {"ok": True, "present": True, "remote": False} for ack in acks)
    updates = await hall.events("attendance.updated")
    assert sorted(e.data["entry"]["user_id"] for e in updates) == sorted(
        hall[n].id for n in names)
    tallies = [e.data["counts"]["present"] for e in updates]
    assert tallies[-1] == len(names)
    # One transaction a tablet would give every event its own tally: 1, 2, 3 …
    assert len(set(tallies)) < len(tallies)
    async with sessions() as s:
        assert await audit.verify_chain(s) is None
