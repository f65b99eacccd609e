"""The whole state of a meeting as one user may see it, for a screen starting fresh."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import (
    agenda,
    attendance,
    conclusions,
    documents,
    live_state,
    meetings,
    minutes,
    questions,
    speakers,
    voting,
)
from ecabinet.models import User


async def meeting_snapshot(session: AsyncSession, user: User, meeting_id: int) -> dict[str, Any]:
    """Everything a meeting screen shows, with the seq it is current to.

    The seq is read before the state: a change committed in between is then both
    in the state and replayed as an event, and events are idempotent "set" updates.
    """
    meeting = await meetings.get_meeting(session, user, meeting_id)
    seq = meeting.last_seq
    return {
        "seq": seq,
        "meeting": await meetings.describe(session, meeting),
        "transitions": await meetings.allowed_transitions(session, user, meeting),
        "live": await live_state.snapshot(session, user, meeting),
        "attendance": await attendance.snapshot(session, user, meeting),
        "questions": await questions.snapshot(session, user, meeting),
        "speakers": await speakers.snapshot(session, user, meeting),
        "polls": await voting.snapshot(session, user, meeting),
        "agenda": await agenda.snapshot(session, user, meeting),
        "documents": await documents.snapshot(session, user, meeting),
        "minutes": await minutes.snapshot(session, user, meeting),
        "conclusion": await conclusions.snapshot(session, user, meeting),
    }
