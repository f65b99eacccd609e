"""Live attendance actions: a tablet checks its user in (or out)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import attendance, payload
from ecabinet.models import User
from realtime.hub import Hub


async def check_in(session: AsyncSession, user: User, data: dict[str, Any]) -> dict[str, Any]:
    """`attendance:checkin` {meeting_id, remote?}: the tablet's own user is present."""
    row = await attendance.check_in(session, user, payload.required_int(data, "meeting_id"),
                                    remote=payload.boolean(data, "remote"))
    return {"present": row.checked_in_at is not None, "remote": row.remote}


async def check_out(session: AsyncSession, user: User, data: dict[str, Any]) -> dict[str, Any]:
    """`attendance:checkout` {meeting_id}: the tablet's user left the meeting."""
    row = await attendance.check_out(session, user, payload.required_int(data, "meeting_id"))
    return {"present": row.checked_in_at is not None}


def register(hub: Hub) -> None:
    """Attach the attendance actions to the live channel."""
    hub.on("attendance:checkin", check_in)
    hub.on("attendance:checkout", check_out)
