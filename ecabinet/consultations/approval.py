"""The chair's approval: a prepared consultation is submitted, then sent or returned."""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import audit, documents, eventlog
from ecabinet.consultations import access
from ecabinet.document_owners import ConsultationOwner
from ecabinet.errors import Conflict, Forbidden, Invalid
from ecabinet.models import Consultation, ConsultationStatus, User
from ecabinet.models.base import utcnow
from ecabinet.workdays import VIETNAM, add_working_days, local_date

S = ConsultationStatus
# Replies are due by the end of the office's day on the last working day.
CLOSE_OF_DAY = time(17, 0)


def deadline_after(sent_at: datetime, working_days: int) -> datetime:
    """17:00 in Vietnam on the `working_days`-th working day after the day it is sent."""
    day = add_working_days(local_date(sent_at), working_days)
    # In UTC, as every stored time is read back.
    return datetime.combine(day, CLOSE_OF_DAY, tzinfo=VIETNAM).astimezone(UTC)


async def submit(session: AsyncSession, user: User, consultation_id: int) -> Consultation:
    """The office asks the chair to approve a draft, once the chair can read its drafts."""
    consultation = await access.managed(session, user, consultation_id)
    if consultation.status == S.draft:
        await documents.require_ready(session, ConsultationOwner(consultation))
    return await _move(session, user, consultation, "submit", S.draft, S.submitted)


async def withdraw(session: AsyncSession, user: User, consultation_id: int) -> Consultation:
    """The office takes a submission back to change it before the chair has decided."""
    consultation = await access.managed(session, user, consultation_id)
    return await _move(session, user, consultation, "withdraw", S.submitted, S.draft)


async def approve(session: AsyncSession, user: User, consultation_id: int, *,
                  now: datetime | None = None) -> Consultation:
    """The chair approves: it is sent to the members asked, due in its working days."""
    consultation = await _chaired(session, user, consultation_id)
    sent_at = now or utcnow()
    consultation.sent_at = sent_at
    consultation.deadline = deadline_after(sent_at, consultation.working_days)
    consultation.return_comment = ""
    return await _move(session, user, consultation, "approve", S.submitted, S.sent)


async def send_back(session: AsyncSession, user: User, consultation_id: int, comment: str
                    ) -> Consultation:
    """The chair returns it to the office with what to change."""
    if not comment.strip():
        raise Invalid("consultation_return_needs_comment")
    consultation = await _chaired(session, user, consultation_id)
    consultation.return_comment = comment.strip()
    return await _move(session, user, consultation, "return", S.submitted, S.draft)


async def _chaired(session: AsyncSession, user: User, consultation_id: int) -> Consultation:
    consultation = await access.get_consultation(session, user, consultation_id, lock=True)
    if not access.is_chair(user, consultation):
        raise Forbidden("forbidden")
    return consultation


async def _move(session: AsyncSession, user: User, consultation: Consultation, name: str,
                source: ConsultationStatus, target: ConsultationStatus) -> Consultation:
    if consultation.status != source:
        raise Conflict("consultation_bad_transition", status=consultation.status.value)
    consultation.status = target
    await session.flush()
    await audit.record(session, f"consultation.{name}", actor_id=user.id,
                       object_type="consultation", object_id=consultation.id,
                       data={"from": source.value, "to": target.value,
                             "comment": consultation.return_comment,
                             "deadline": consultation.deadline.isoformat()
                             if consultation.deadline and target == S.sent else None})
    audience = await access.followers(session, consultation)
    if target == S.sent:
        # Every member asked sees it arrive on whatever screen they have open.
        audience |= set(await access.member_ids(session, consultation.id))
    eventlog.notify(session, audience, "consultations.changed",
                    consultation_id=consultation.id, status=consultation.status.value)
    return consultation
