"""What a document belongs to: a meeting (through an agenda item) or a written consultation.

Who may read a document, who prepares it, who hears of its changes and on which channel
all follow from its owner. `documents` asks these questions of an `Owner` and never of a
meeting or a consultation directly, so the same pipeline (validation, pages, search,
restricted readers, watermark) serves a meeting's agenda and a consultation's drafts.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import agenda, eventlog, meetings
from ecabinet.consultations import access
from ecabinet.errors import Conflict, NotFound
from ecabinet.models import Consultation, ConsultationStatus, Document, Meeting, User


class Owner(ABC):
    """The meeting or consultation a document belongs to, as the document pipeline sees it."""

    meeting_id: int | None = None  # the meeting's event stream and audit rows
    consultation_id: int | None = None
    status: str  # the owner's own status, for screens
    published: bool  # its members have it: a new version is marked for them

    @property
    @abstractmethod
    def published_at(self) -> datetime | None:
        """When its members first received it; a later version is marked "updated"."""

    @abstractmethod
    async def can_read(self, session: AsyncSession, user: User) -> bool:
        """Whether the user may read its (unrestricted) documents now."""

    @abstractmethod
    async def reads_restricted(self, session: AsyncSession, user: User) -> bool:
        """Whether the user reads every document, restricted ones included, without being
        named: who prepares it (and, for a consultation, the chair who approves it)."""

    @abstractmethod
    async def restricted_reader_ids(self, session: AsyncSession) -> set[int]:
        """Everyone `reads_restricted` admits."""

    @abstractmethod
    async def everyone(self, session: AsyncSession) -> set[int]:
        """Everyone who may ever read its documents: the possible named readers."""

    @abstractmethod
    async def audience(self, session: AsyncSession) -> list[int] | None:
        """Who hears of its documents' changes now (None: every member of the meeting)."""

    @abstractmethod
    async def editable(self, session: AsyncSession, user: User) -> Owner:
        """This owner, re-read, if the user may change its documents now; else refused."""

    @abstractmethod
    async def publish(self, session: AsyncSession, type: str, data: dict[str, Any],
                      audience: list[int] | None) -> None:
        """Tell screens of a document change, in the owner's transaction."""


class MeetingOwner(Owner):
    """A meeting's agenda: its events are sequenced in the meeting's stream."""

    def __init__(self, meeting: Meeting) -> None:
        self.meeting = meeting
        self.meeting_id = meeting.id
        self.status = meeting.status.value
        self.published = meeting.status in agenda.PUBLISHED

    @property
    def published_at(self) -> datetime | None:
        return self.meeting.published_at

    async def can_read(self, session: AsyncSession, user: User) -> bool:
        return await agenda.can_read(session, user, self.meeting)

    async def reads_restricted(self, session: AsyncSession, user: User) -> bool:
        return await meetings.can_manage(session, user, self.meeting)

    async def restricted_reader_ids(self, session: AsyncSession) -> set[int]:
        return await agenda.manager_ids(session, self.meeting)

    async def everyone(self, session: AsyncSession) -> set[int]:
        return (await meetings.member_ids(session, self.meeting)
                | await agenda.preparer_ids(session, self.meeting))

    async def audience(self, session: AsyncSession) -> list[int] | None:
        return await agenda.audience(session, self.meeting)

    async def editable(self, session: AsyncSession, user: User) -> Owner:
        return MeetingOwner(await agenda.editable_meeting(session, user, self.meeting.id))

    async def publish(self, session: AsyncSession, type: str, data: dict[str, Any],
                      audience: list[int] | None) -> None:
        await eventlog.append(session, self.meeting.id, type, data, audience=audience)


# Members asked read a consultation's drafts from the moment it is sent.
SENT = frozenset({ConsultationStatus.sent, ConsultationStatus.closed})


class ConsultationOwner(Owner):
    """A written consultation's drafts: changes reach screens as notices to named users."""

    def __init__(self, consultation: Consultation) -> None:
        self.consultation = consultation
        self.consultation_id = consultation.id
        self.status = consultation.status.value
        self.published = consultation.status in SENT

    @property
    def published_at(self) -> datetime | None:
        # Drafts are fixed once submitted: none is ever "updated" after it was sent.
        return None

    async def can_read(self, session: AsyncSession, user: User) -> bool:
        return await access.can_view(session, user, self.consultation)

    async def reads_restricted(self, session: AsyncSession, user: User) -> bool:
        # The chair approves what is sent, so reads every draft, restricted or not.
        return access.is_chair(user, self.consultation) \
            or await access.can_manage(session, user, self.consultation)

    async def restricted_reader_ids(self, session: AsyncSession) -> set[int]:
        return await access.followers(session, self.consultation)

    async def everyone(self, session: AsyncSession) -> set[int]:
        return (await access.followers(session, self.consultation)
                | set(await access.member_ids(session, self.consultation.id)))

    async def audience(self, session: AsyncSession) -> list[int] | None:
        if self.consultation.status in SENT:
            return sorted(await self.everyone(session))
        return sorted(await access.followers(session, self.consultation))

    async def editable(self, session: AsyncSession, user: User) -> Owner:
        # The members answer on the drafts they were sent: those are fixed once it leaves.
        consultation = await access.managed(session, user, self.consultation.id)
        if consultation.status != ConsultationStatus.draft:
            raise Conflict("consultation_not_draft")
        return ConsultationOwner(consultation)

    async def publish(self, session: AsyncSession, type: str, data: dict[str, Any],
                      audience: list[int] | None) -> None:
        users = audience if audience is not None else await self.everyone(session)
        eventlog.notify(session, users, type, consultation_id=self.consultation.id, **data)


async def owner_of(session: AsyncSession, doc: Document) -> Owner:
    """The owner of a stored document."""
    if doc.consultation_id is not None:
        consultation = await session.get(Consultation, doc.consultation_id)
        if consultation is not None:
            return ConsultationOwner(consultation)
    elif doc.meeting_id is not None:
        meeting = await session.get(Meeting, doc.meeting_id)
        if meeting is not None:
            return MeetingOwner(meeting)
    raise NotFound("document_not_found")
