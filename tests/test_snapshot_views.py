"""Joins in constant time: each audience's view of a meeting is built once per seq and
served to every screen of that audience, with only the user's own rows read per join."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import accounts, attendance, db, demo, encoded_json, meetings, snapshot
from ecabinet.errors import NotFound
from ecabinet.models import Meeting, MeetingStatus, Participant, ParticipantRole, Role, User
from ecabinet.snapshot import SharedView, SharedViews
from tests.conftest import PASSWORD

AUDIENCE = (False, False, False, True)


def _without_clock(snap: dict[str, Any]) -> dict[str, Any]:
    # As the screen receives it: shared parts are sent as text encoded once.
    plain: dict[str, Any] = json.loads(encoded_json.dumps(snap))
    del plain["live"]["server_time"]
    return plain


def _sqlite_only(database_url: str) -> None:
    # The views are the same Python objects on either backend; the demo is costly to load.
    if not database_url.startswith("sqlite"):
        pytest.skip("backend-independent; run once, on SQLite")


async def test_every_demo_screen_gets_from_the_shared_views_what_a_fresh_build_gives(
        database_url: str, sessions: async_sessionmaker[AsyncSession]) -> None:
    _sqlite_only(database_url)
    async with db.transaction(sessions) as s:
        await demo.load(s)
    async with sessions() as s:
        users = list((await s.scalars(select(User).order_by(User.id))).all())
        # Before, during and after the meeting: restricted documents, ballots, minutes.
        meeting_ids = list((await s.scalars(select(Meeting.id).where(Meeting.status.in_(
            (MeetingStatus.published, MeetingStatus.in_session, MeetingStatus.closed))))).all())
    shared_between_users = 0
    for meeting_id in meeting_ids:
        views = SharedViews(max_age=3600)
        served_before: list[dict[str, Any]] = []
        for user in users:
            async with sessions() as s:
                try:
                    served = await snapshot.meeting_snapshot(s, user, meeting_id, views)
                except NotFound:
                    # The live channel's join refuses exactly those the HTTP route does.
                    with pytest.raises(NotFound):
                        await snapshot.open_meeting(s, user, meeting_id)
                    continue
                built = await snapshot.meeting_snapshot(s, user, meeting_id)
                # A join reads the user's standing once, for the check and the view.
                meeting, standing = await snapshot.open_meeting(s, user, meeting_id)
                joined = await snapshot.catch_up_meeting(s, user, meeting, None, views, standing)
            # Restricted documents, ballots and voting rights differ within an audience:
            # whatever was shared, each user sees exactly their own screen.
            assert _without_clock(served) == _without_clock(built), (meeting_id, user.username)
            assert _without_clock(joined["snapshot"]) == _without_clock(built), user.username
            shared_between_users += any(served["meeting"] is m for m in served_before)
            served_before.append(served["meeting"])
    assert shared_between_users > 10


@contextmanager
def counting(session: AsyncSession) -> Iterator[dict[str, int]]:
    """Statements run and ORM rows loaded through `session` while the block runs."""
    seen = {"statements": 0, "rows": 0}
    engine = session.bind.sync_engine  # type: ignore[union-attr]

    def statement(*_args: Any) -> None:
        seen["statements"] += 1

    def loaded(*_args: Any) -> None:
        seen["rows"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(session.sync_session, "loaded_as_persistent", loaded)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(session.sync_session, "loaded_as_persistent", loaded)


async def _demo_in_session(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    """The demo province loaded: its meeting in session, and the meeting's unit."""
    async with db.transaction(sessions) as s:
        await demo.load(s)
        meeting = await demo.meeting_by_status(s, MeetingStatus.in_session)
        assert meeting is not None
        return meeting.id, meeting.unit_id


async def _joined(sessions: async_sessionmaker[AsyncSession], meeting_id: int) -> dict[str, int]:
    """What one delegate's join reads once another delegate's screen has joined, and the
    bytes it sends."""
    views = SharedViews(max_age=3600)
    async with sessions() as s:
        first = await s.scalar(select(User).where(User.username == "daibieu2"))
        assert first is not None
        await snapshot.meeting_snapshot(s, first, meeting_id, views)
    async with sessions() as s:
        second = await s.scalar(select(User).where(User.username == "daibieu3"))
        assert second is not None
        with counting(s) as seen:
            served = await snapshot.meeting_snapshot(s, second, meeting_id, views)
    return {**seen, "bytes": len(encoded_json.dumps(served))}


async def test_a_join_reads_as_much_for_a_meeting_of_two_hundred_as_for_a_small_one(
        database_url: str, sessions: async_sessionmaker[AsyncSession]) -> None:
    _sqlite_only(database_url)
    meeting_id, unit_id = await _demo_in_session(sessions)
    small = await _joined(sessions, meeting_id)

    hash_ = await accounts.prepare_password(PASSWORD)
    async with db.transaction(sessions) as s:
        for n in range(200):
            user = await accounts.create_user(
                s, username=f"dbx{n}", full_name=f"Đại biểu {n}", role=Role.delegate,
                unit_id=unit_id, password=hash_)
            s.add(Participant(meeting_id=meeting_id, user_id=user.id,
                              role=ParticipantRole.delegate, voting=True))
    large = await _joined(sessions, meeting_id)

    assert large["statements"] == small["statements"] and large["rows"] == small["rows"]
    assert small["statements"] < 10
    # Nor does it send more: the member lists are fetched by the screens that show them.
    # (A few bytes for the counts' extra digits: 200 members' lines would be ~50 KB.)
    assert large["bytes"] - small["bytes"] < 40, (small, large)


async def test_the_snapshot_carries_each_users_own_attendance_line_as_the_list_has_it(
        database_url: str, sessions: async_sessionmaker[AsyncSession]) -> None:
    _sqlite_only(database_url)
    meeting_id, _unit = await _demo_in_session(sessions)
    async with sessions() as s:
        users = list((await s.scalars(select(User).order_by(User.id))).all())
    seen_lines = 0
    for user in users:
        async with sessions() as s:
            try:
                served = await snapshot.meeting_snapshot(s, user, meeting_id, SharedViews())
            except NotFound:
                continue
            found = await s.get(Meeting, meeting_id)
            assert found is not None
            listed = await attendance.roster_view(s, user, found)
        assert "entries" not in served["attendance"]
        line = next((e for e in listed["entries"] if e["user_id"] == user.id), None)
        assert served["attendance"]["mine"] == line == listed["mine"], user.username
        assert listed["seq"] == served["seq"]
        assert _without_clock(served)["meeting"]["participant_count"] == len(
            await _participants(sessions, found))
        seen_lines += line is not None
    assert seen_lines >= 5  # delegates, the chair and the remote rooms


async def _participants(sessions: async_sessionmaker[AsyncSession],
                        meeting: Meeting) -> list[dict[str, Any]]:
    async with sessions() as s:
        return await meetings.participants_of(s, meeting)


async def test_screens_arriving_together_wait_for_one_build_and_a_failed_one_is_redone(
        ) -> None:
    views = SharedViews()
    builds: list[str] = []
    release = asyncio.Event()

    async def build(name: str, fail: bool = False) -> SharedView:
        builds.append(name)
        await release.wait()
        if fail:
            raise RuntimeError("the builder's transaction failed")
        return SharedView(parts={"by": name}, documents=[], restricted=set())

    storm = [asyncio.create_task(views.get_or_build(1, 7, AUDIENCE, lambda n=n: build(n)))
             for n in ("first", "second", "third")]
    await asyncio.sleep(0)
    release.set()
    assert {id(v) for v in await asyncio.gather(*storm)} == {id(storm[0].result())}
    assert builds == ["first"]

    # A later seq is another view; if its builder fails, the screens waiting build their own.
    release.clear()
    failing = asyncio.create_task(views.get_or_build(1, 8, AUDIENCE, lambda: build("x", True)))
    waiting = asyncio.create_task(views.get_or_build(1, 8, AUDIENCE, lambda: build("y")))
    await asyncio.sleep(0)
    release.set()
    with pytest.raises(RuntimeError):
        await failing
    assert (await waiting).parts == {"by": "y"}
