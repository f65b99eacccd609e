"""Catching a screen up: the events it missed, or a fresh snapshot when the gap is too old."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import eventlog, meetings, snapshot
from ecabinet.models import User


async def catch_up(
    session: AsyncSession, user: User, meeting_id: int, last_seq: int | None
) -> dict[str, Any]:
    """{"events": [...]} after `last_seq`, or {"snapshot": {...}} for a new or stale screen."""
    meeting = await meetings.get_meeting(session, user, meeting_id)
    if last_seq is not None and 0 <= last_seq <= meeting.last_seq:
        rows = await eventlog.since(session, meeting_id, last_seq)
        if rows is not None:
            return {"events": [eventlog.envelope(row, user.id) for row in rows]}
    return {"snapshot": await snapshot.meeting_snapshot(session, user, meeting_id)}
