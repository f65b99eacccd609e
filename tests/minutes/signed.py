"""Give a meeting signed minutes without composing or signing, for tests that must close it.

Closing needs minutes signed by the secretary and the chair (ecabinet.minutes guard);
tests about something else can record that state directly.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet.models import Minutes, MinutesStatus
from ecabinet.models.base import utcnow


async def record_signed_minutes(session: AsyncSession, meeting_id: int) -> Minutes:
    """Minutes in the signed state for `meeting_id` (no PDF): enough to pass the close guard."""
    minutes = Minutes(meeting_id=meeting_id, status=MinutesStatus.signed, sections=[],
                      signed_at=utcnow())
    session.add(minutes)
    await session.flush()
    return minutes
