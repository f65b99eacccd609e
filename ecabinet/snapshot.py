"""A screen's start and catch-up: the whole meeting as one user may see it, or the events
it missed since its last seq.

Catch-up lives here alone: the live channel's `meeting:join` and `meeting:sync` and the
HTTP events route all answer with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import (
    agenda,
    attendance,
    conclusions,
    documents,
    eventlog,
    live_state,
    meetings,
    minutes,
    questions,
    speakers,
    voting,
)
from ecabinet import annotations as overlays
from ecabinet.models import Meeting, MeetingEvent, User


async def meeting_snapshot(session: AsyncSession, user: User, meeting_id: int) -> dict[str, Any]:
    """Everything a meeting screen shows, if the user may see the meeting (else NotFound)."""
    return await snapshot_of(session, user, await meetings.get_meeting(session, user, meeting_id))


async def catch_up(
    session: AsyncSession, user: User, meeting_id: int, last_seq: int | None
) -> dict[str, Any]:
    """{"events": [...]} after `last_seq`, or {"snapshot": {...}} for a new or stale screen."""
    meeting = await meetings.get_meeting(session, user, meeting_id)
    return await catch_up_meeting(session, user, meeting, last_seq)


async def catch_up_meeting(
    session: AsyncSession, user: User, meeting: Meeting, last_seq: int | None
) -> dict[str, Any]:
    """`catch_up` for a meeting the caller has already checked the user may see."""
    if last_seq is not None and 0 <= last_seq <= meeting.last_seq:
        rows = await eventlog.since(session, meeting.id, last_seq)
        if rows is not None:
            hidden = await _hidden_now(session, user, meeting, rows)
            return {"events": [eventlog.placeholder(row) if row.seq in hidden
                               else eventlog.envelope(row, user.id) for row in rows]}
    return {"snapshot": await snapshot_of(session, user, meeting)}


async def _hidden_now(session: AsyncSession, user: User, meeting: Meeting,
                      rows: Sequence[MeetingEvent]) -> set[int]:
    """The seqs of replayed events about documents and notes the user may no longer see.

    An event went to its audience of then; a document restricted since, or a note
    unshared, must not reach anyone else through a replay of the old event.
    """
    shown = [r for r in rows if eventlog.visible_to(r, user.id)]
    docs = {r.seq: r.data["document"]["id"] for r in shown if r.type == "document.updated"}
    notes = {r.seq: r.data["annotation"]["id"] for r in shown if r.type == "annotation.updated"}
    if not docs and not notes:
        return set()
    readable = {d.id for d in await documents.visible_documents(session, user, meeting)}
    visible_notes = await overlays.shown_ids(session, user, set(notes.values()), readable) \
        if notes else set()
    return ({seq for seq, doc in docs.items() if doc not in readable}
            | {seq for seq, note in notes.items() if note not in visible_notes})


async def snapshot_of(session: AsyncSession, user: User, meeting: Meeting) -> dict[str, Any]:
    """Everything a meeting screen shows, with the seq it is current to.

    The seq is read before the state: a change committed in between is then both
    in the state and replayed as an event, and events are idempotent "set" updates.
    """
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
