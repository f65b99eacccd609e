"""Where a task comes from: the conclusion notice of a meeting, or the synthesis report of a
written consultation. The follow-up asks its origin who follows the task, who may send it
back, and where a change to it is announced; everything else about a task is the same.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from ecabinet import eventlog, meetings
from ecabinet.consultations import access
from ecabinet.minutes import office_ids
from ecabinet.models import Consultation, Meeting, Role, Task, User
from ecabinet.units import descendant_ids


class Origin(ABC):
    """The notice or report a task was given by."""

    @abstractmethod
    async def may_manage(self, session: AsyncSession, user: User) -> bool:
        """The office that gave the task: it may send a done task back."""

    @abstractmethod
    async def may_follow(self, session: AsyncSession, user: User) -> bool:
        """The office, the chair or an admin: they follow the task."""

    @abstractmethod
    async def watchers(self, session: AsyncSession) -> set[int]:
        """The office and the chair, whose lists change with the task."""

    @abstractmethod
    async def announce(self, session: AsyncSession, view: dict[str, Any]) -> None:
        """Tell the screens showing the origin itself that the task changed."""

    def audit_data(self) -> dict[str, Any]:
        """What an audit entry of the task records of its origin beside its meeting."""
        return {}


class MeetingOrigin(Origin):
    """A task of a meeting's conclusion notice."""

    def __init__(self, meeting: Meeting) -> None:
        self.meeting = meeting

    async def may_manage(self, session: AsyncSession, user: User) -> bool:
        """The meeting's office."""
        return await meetings.can_manage(session, user, self.meeting)

    async def may_follow(self, session: AsyncSession, user: User) -> bool:
        """The meeting's office, its chair, an admin."""
        return user.role == Role.admin or meetings.is_chair(user, self.meeting) \
            or await meetings.can_manage(session, user, self.meeting)

    async def watchers(self, session: AsyncSession) -> set[int]:
        """The meeting's office and chair."""
        return await office_ids(session, self.meeting) | {self.meeting.chair_id}

    async def announce(self, session: AsyncSession, view: dict[str, Any]) -> None:
        """The meeting's conclusion tab shows its tasks' states: sequenced in its log."""
        await eventlog.append(session, self.meeting.id, "task.updated", {"task": view})


class ConsultationOrigin(Origin):
    """A task of a written consultation's synthesis report."""

    def __init__(self, consultation: Consultation) -> None:
        self.consultation = consultation

    async def may_manage(self, session: AsyncSession, user: User) -> bool:
        """The consultation's office."""
        return await access.can_manage(session, user, self.consultation)

    async def may_follow(self, session: AsyncSession, user: User) -> bool:
        """The consultation's office, its chair, an admin."""
        return user.role == Role.admin or access.is_chair(user, self.consultation) \
            or await access.can_manage(session, user, self.consultation)

    async def watchers(self, session: AsyncSession) -> set[int]:
        """Its creator, chair and the secretaries of its unit and above."""
        return await access.followers(session, self.consultation)

    async def announce(self, session: AsyncSession, view: dict[str, Any]) -> None:
        """The consultation's page lists its report's tasks: those who see it refresh."""
        eventlog.notify(session, await self.watchers(session)
                        | set(await access.member_ids(session, self.consultation.id)),
                        "consultations.changed", consultation_id=self.consultation.id,
                        status=self.consultation.status.value)

    def audit_data(self) -> dict[str, Any]:
        """A consultation has no meeting: the entry names the consultation."""
        return {"consultation_id": self.consultation.id}


async def origin_of(session: AsyncSession, task: Task) -> Origin:
    """The origin of a task."""
    if task.consultation_id is not None:
        consultation = await session.get(Consultation, task.consultation_id)
        assert consultation is not None
        return ConsultationOrigin(consultation)
    meeting = await session.get(Meeting, task.meeting_id)
    assert meeting is not None
    return MeetingOrigin(meeting)


async def followed_condition(session: AsyncSession, user: User) -> ColumnElement[bool] | None:
    """Tasks whose origin the user prepares (secretary) or chairs, as a condition over tasks
    outer-joined with their meeting and their consultation; None when there are none."""
    if user.role == Role.admin:
        return Task.id.is_not(None)
    conditions: list[ColumnElement[bool]] = []
    if user.role == Role.secretary:
        if user.unit_id is not None:
            managed = await descendant_ids(session, user.unit_id)
            conditions += [Meeting.unit_id.in_(managed), Consultation.unit_id.in_(managed)]
        conditions += [Meeting.created_by_id == user.id, Consultation.created_by_id == user.id]
    if user.role == Role.chair:
        conditions += [Meeting.chair_id == user.id, Consultation.chair_id == user.id]
    return or_(*conditions) if conditions else None
