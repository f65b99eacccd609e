"""Finding meetings among those the user may see: by words of the title, place, agenda and
documents (with or without Vietnamese diacritics), status, days, host unit and the user's
part in them; a page at a time, and the chair's and the secretary's to-do lists.

The search starts from `meetings.list_meetings`, the user's visible meetings, so it can never
show one they may not see; a restricted document's title counts only for its readers and
the office preparing the meeting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import agenda, db, meetings
from ecabinet.errors import Invalid
from ecabinet.models import (
    AgendaItem,
    Document,
    DocumentReader,
    Meeting,
    MeetingStatus,
    Participant,
    User,
)
from ecabinet.vntext import fold

S = MeetingStatus
ROLES = ("chair", "organiser", "member")
WAITING = ("approval", "prepare")
MAX_LIMIT = 500


@dataclass(frozen=True)
class MeetingQuery:
    """What the user looks for; each field left empty matches every meeting."""

    text: str = ""
    status: MeetingStatus | None = None
    since: datetime | None = None
    until: datetime | None = None
    unit_id: int | None = None
    role: str = ""  # chair, organiser (made or prepares it), member (invited)
    waiting: str = ""  # approval (a chair's to approve), prepare (a secretary's drafts)
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class Found:
    """One page of meetings, and how many match in all."""

    meetings: list[Meeting]
    total: int


async def search(session: AsyncSession, user: User, query: MeetingQuery) -> Found:
    """The matching meetings the user may see, newest first, one page of them."""
    if query.role and query.role not in ROLES:
        raise Invalid("field_invalid", field="role")
    if query.waiting and query.waiting not in WAITING:
        raise Invalid("field_invalid", field="waiting")
    if not 1 <= query.limit <= MAX_LIMIT or query.offset < 0:
        raise Invalid("field_invalid", field="limit")
    found = await meetings.list_meetings(session, user, status=query.status)
    if query.since is not None:
        found = [m for m in found if m.starts_at >= query.since]
    if query.until is not None:
        found = [m for m in found if m.starts_at < query.until]
    if query.unit_id is not None:
        found = [m for m in found if m.unit_id == query.unit_id]
    if query.role:
        found = await _by_role(session, user, found, query.role)
    if query.waiting == "approval":
        found = [m for m in found if m.status == S.submitted and m.chair_id == user.id]
    elif query.waiting == "prepare":
        found = [m for m in found if m.status == S.draft
                 and await meetings.can_manage(session, user, m)]
    words = fold(query.text)
    if words:
        found = await _containing(session, user, found, words)
    return Found(found[query.offset:query.offset + query.limit], len(found))


async def _by_role(session: AsyncSession, user: User, found: Sequence[Meeting], role: str
                   ) -> list[Meeting]:
    if role == "chair":
        return [m for m in found if m.chair_id == user.id]
    if role == "organiser":
        return [m for m in found if m.created_by_id == user.id
                or await meetings.can_manage(session, user, m)]
    invited = set((await session.scalars(select(Participant.meeting_id).where(
        Participant.user_id == user.id))).all())
    return [m for m in found if m.id in invited]


async def _containing(session: AsyncSession, user: User, found: Sequence[Meeting],
                      words: str) -> list[Meeting]:
    """The meetings whose title, place, description, or agenda and documents (when the
    user may read them now) hold every word, diacritics ignored."""
    texts: dict[int, list[str]] = {m.id: [m.title, m.place, m.description] for m in found}
    # An agenda not yet published is the office's and the chair's: a member searching
    # must not learn what it holds.
    readable = [m for m in found if await agenda.can_read(session, user, m)]
    preparing = {m.id for m in readable if await agenda.can_prepare(session, user, m)}
    mine = select(DocumentReader.document_id).where(DocumentReader.user_id == user.id)
    for chunk in db.in_chunks([m.id for m in readable]):
        for meeting_id, title in (await session.execute(
                select(AgendaItem.meeting_id, AgendaItem.title)
                .where(AgendaItem.meeting_id.in_(chunk)))).all():
            texts[meeting_id].append(title)
        for owner, title, restricted, reader in (await session.execute(
                select(Document.meeting_id, Document.title, Document.restricted,
                       Document.id.in_(mine))
                .where(Document.meeting_id.in_(chunk)))).all():
            if owner is not None and (not restricted or reader or owner in preparing):
                texts[owner].append(title)
    wanted = words.split()
    folded = {m.id: fold(" ".join(texts[m.id])) for m in found}
    return [m for m in found if all(w in folded[m.id] for w in wanted)]
