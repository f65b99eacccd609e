"""The speaker queue and the floor: ask to speak, reorder, give and end the floor, history.

`floor.changed` events name who holds the floor, so the video SFU can forward that
speaker's stream to every room.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import audit, eventlog, live_state, meetings
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from ecabinet.models import Attendance, Meeting, SpeakerRequest, Unit, User
from ecabinet.models.base import utcnow
from ecabinet.models.speakers import SpeakerStatus

S = SpeakerStatus
ACTIVE = (S.waiting, S.speaking)
HISTORY_SHOWN = 100
MAX_NOTE = 300


async def _requests(session: AsyncSession, meeting_id: int, statuses: Sequence[SpeakerStatus]
                    ) -> list[SpeakerRequest]:
    rows = await session.scalars(
        select(SpeakerRequest)
        .where(SpeakerRequest.meeting_id == meeting_id, SpeakerRequest.status.in_(statuses))
        .order_by(SpeakerRequest.position, SpeakerRequest.id)
    )
    return list(rows.all())


async def _views(session: AsyncSession, requests: list[SpeakerRequest]) -> list[dict[str, Any]]:
    if not requests:
        return []
    user_ids = {r.user_id for r in requests}
    users = {u.id: u for u in (await session.scalars(
        select(User).where(User.id.in_(user_ids)))).all()}
    unit_ids = {u.unit_id for u in users.values() if u.unit_id is not None}
    units = {u.id: u.name for u in (await session.scalars(
        select(Unit).where(Unit.id.in_(unit_ids)))).all()} if unit_ids else {}
    remote = set((await session.scalars(
        select(Attendance.user_id).where(Attendance.meeting_id == requests[0].meeting_id,
                                         Attendance.user_id.in_(user_ids),
                                         Attendance.remote.is_(True)))).all())
    views = []
    for r in requests:
        user = users.get(r.user_id)
        views.append({
            "id": r.id, "user_id": r.user_id, "name": user.full_name if user else "",
            "title": user.title if user else "",
            "unit": units.get(user.unit_id) if user and user.unit_id else None,
            "remote": r.user_id in remote or bool(user and user.role.value == "remote_room"),
            "item_id": r.agenda_item_id, "status": r.status.value, "note": r.note,
            "requested_at": r.created_at.isoformat(),
            "started_at": r.started_at.isoformat() if r.started_at else None,
            "ended_at": r.ended_at.isoformat() if r.ended_at else None,
            "limit_seconds": r.limit_seconds,
            "spoke_seconds": int((r.ended_at - r.started_at).total_seconds())
            if r.started_at and r.ended_at else None,
        })
    return views


async def state(session: AsyncSession, meeting_id: int) -> dict[str, Any]:
    """The queue in order, who speaks now, and who spoke (newest first)."""
    queue = await _requests(session, meeting_id, [S.waiting])
    current = await _requests(session, meeting_id, [S.speaking])
    history = list((await session.scalars(
        select(SpeakerRequest)
        .where(SpeakerRequest.meeting_id == meeting_id, SpeakerRequest.status == S.done)
        .order_by(SpeakerRequest.ended_at.desc(), SpeakerRequest.id.desc()).limit(HISTORY_SHOWN)
    )).all())
    current_views = await _views(session, current)
    return {
        "queue": await _views(session, queue),
        "current": current_views[0] if current_views else None,
        "history": await _views(session, history),
    }


async def _emit(session: AsyncSession, meeting: Meeting, *, floor_changed: bool) -> None:
    await session.flush()
    now = await state(session, meeting.id)
    await eventlog.append(session, meeting.id, "speakers.updated", now)
    if floor_changed:
        current = now["current"]
        await eventlog.append(session, meeting.id, "floor.changed", {
            "user_id": current["user_id"] if current else None,
            "request_id": current["id"] if current else None,
            "name": current["name"] if current else None,
            "remote": current["remote"] if current else False,
            "started_at": current["started_at"] if current else None,
            "limit_seconds": current["limit_seconds"] if current else None,
        })


async def request(session: AsyncSession, user: User, meeting_id: int, note: str = ""
                  ) -> SpeakerRequest:
    """Ask for the floor on the item under discussion; one open request per person."""
    meeting = await meetings.get_meeting(session, user, meeting_id)
    live_state.require_in_session(meeting)
    if not await live_state.takes_part(session, user, meeting):
        raise Forbidden("forbidden")
    if len(note) > MAX_NOTE:
        raise Invalid("field_too_long", field="note", max=MAX_NOTE)
    await _lock_meeting(session, meeting.id)
    open_request = await session.scalar(
        select(SpeakerRequest).where(SpeakerRequest.meeting_id == meeting.id,
                                     SpeakerRequest.user_id == user.id,
                                     SpeakerRequest.status.in_(ACTIVE))
    )
    if open_request is not None:
        return open_request  # a resent hand raise keeps its place
    current = await live_state.state_of(session, meeting.id)
    last = await session.scalar(
        select(func.max(SpeakerRequest.position)).where(SpeakerRequest.meeting_id == meeting.id)
    )
    row = SpeakerRequest(meeting_id=meeting.id, user_id=user.id, status=S.waiting,
                         agenda_item_id=current.current_item_id, position=(last or 0) + 1,
                         note=note.strip(), limit_seconds=0)
    session.add(row)
    await _emit(session, meeting, floor_changed=False)
    await audit.record(session, "speaker.request", actor_id=user.id, object_type="speaker",
                       object_id=row.id, meeting_id=meeting.id)
    return row


async def _lock_meeting(session: AsyncSession, meeting_id: int) -> None:
    # Serialises queue changes of one meeting (positions, the single current speaker).
    await live_state.state_of(session, meeting_id, create=True)
    await session.get(Meeting, meeting_id, with_for_update=True, populate_existing=True)


async def _request_in(session: AsyncSession, meeting: Meeting, request_id: int) -> SpeakerRequest:
    row = await session.get(SpeakerRequest, request_id)
    if row is None or row.meeting_id != meeting.id:
        raise NotFound("speaker_request_not_found")
    return row


async def withdraw(session: AsyncSession, user: User, meeting_id: int, request_id: int
                   ) -> SpeakerRequest:
    """Take back one's own waiting request, or (presiding) strike one from the queue."""
    meeting = await meetings.get_meeting(session, user, meeting_id)
    await _lock_meeting(session, meeting.id)
    row = await _request_in(session, meeting, request_id)
    if row.user_id != user.id and not await live_state.presides(session, user, meeting):
        raise Forbidden("forbidden")
    if row.status != S.waiting:
        return row
    row.status = S.withdrawn
    row.ended_at = utcnow()
    await _emit(session, meeting, floor_changed=False)
    await audit.record(session, "speaker.withdraw", actor_id=user.id, object_type="speaker",
                       object_id=row.id, meeting_id=meeting.id)
    return row


async def _finish_current(session: AsyncSession, meeting_id: int, now: datetime) -> bool:
    ended = False
    for row in await _requests(session, meeting_id, [S.speaking]):
        row.status = S.done
        row.ended_at = now
        ended = True
    return ended


async def grant(
    session: AsyncSession, actor: User, meeting_id: int, *, request_id: int | None = None,
    user_id: int | None = None, limit_seconds: int | None = None,
) -> SpeakerRequest:
    """Give the floor to a waiting request (or call on a member directly); the previous
    speaker's turn ends."""
    meeting = await live_state.presided_meeting(session, actor, meeting_id)
    live_state.require_in_session(meeting)
    await _lock_meeting(session, meeting.id)
    settings = await live_state.state_of(session, meeting.id)
    if request_id is not None:
        row = await _request_in(session, meeting, request_id)
        if row.status == S.speaking:
            return row
        if row.status != S.waiting:
            raise Conflict("speaker_request_closed")
    elif user_id is not None:
        speaker = await session.get(User, user_id)
        if speaker is None or not await live_state.takes_part(session, speaker, meeting):
            raise Invalid("not_invited")
        row = SpeakerRequest(meeting_id=meeting.id, user_id=speaker.id, status=S.waiting,
                             agenda_item_id=settings.current_item_id, position=0, note="",
                             limit_seconds=0)
        session.add(row)
    else:
        raise Invalid("field_required", field="request_id")
    limit = limit_seconds if limit_seconds is not None else settings.speaking_limit_seconds
    if not live_state.MIN_SPEAKING_SECONDS <= limit <= live_state.MAX_SPEAKING_SECONDS:
        raise Invalid("speaking_limit_range", low=live_state.MIN_SPEAKING_SECONDS,
                      high=live_state.MAX_SPEAKING_SECONDS)
    now = utcnow()
    await _finish_current(session, meeting.id, now)
    row.status = S.speaking
    row.started_at = now
    row.limit_seconds = limit
    row.granted_by_id = actor.id
    await _emit(session, meeting, floor_changed=True)
    await audit.record(session, "speaker.grant", actor_id=actor.id, object_type="speaker",
                       object_id=row.id, meeting_id=meeting.id,
                       data={"user_id": row.user_id, "limit_seconds": limit})
    return row


async def end(session: AsyncSession, actor: User, meeting_id: int) -> None:
    """End the current turn (the presider, or the speaker yielding the floor)."""
    meeting = await meetings.get_meeting(session, actor, meeting_id)
    await _lock_meeting(session, meeting.id)
    current = await _requests(session, meeting.id, [S.speaking])
    presiding = await live_state.presides(session, actor, meeting)
    if not presiding and not any(r.user_id == actor.id for r in current):
        raise Forbidden("forbidden")
    if not await _finish_current(session, meeting.id, utcnow()):
        return
    await _emit(session, meeting, floor_changed=True)
    await audit.record(session, "speaker.end", actor_id=actor.id, object_type="speaker",
                       object_id=current[0].id, meeting_id=meeting.id)


async def reorder(session: AsyncSession, actor: User, meeting_id: int, order: Sequence[int]
                  ) -> list[SpeakerRequest]:
    """Put the waiting requests in the given order (the list must name each exactly once)."""
    meeting = await live_state.presided_meeting(session, actor, meeting_id)
    await _lock_meeting(session, meeting.id)
    waiting = await _requests(session, meeting.id, [S.waiting])
    by_id = {r.id: r for r in waiting}
    if len(order) != len(by_id) or set(order) != set(by_id):
        raise Conflict("speaker_queue_changed")
    base = min((r.position for r in waiting), default=1)
    for offset, request_id in enumerate(order):
        by_id[request_id].position = base + offset
    await _emit(session, meeting, floor_changed=False)
    await audit.record(session, "speaker.reorder", actor_id=actor.id, object_type="meeting",
                       object_id=meeting.id, meeting_id=meeting.id, data={"order": list(order)})
    return [by_id[i] for i in order]


async def floor_holder(session: AsyncSession, meeting_id: int) -> int | None:
    """The user id holding the floor now (for the SFU starting up), or None."""
    current = await _requests(session, meeting_id, [S.speaking])
    return current[0].user_id if current else None


async def snapshot(session: AsyncSession, user: User, meeting: Meeting) -> dict[str, Any]:
    """The speaker part of a meeting screen."""
    return await state(session, meeting.id)
