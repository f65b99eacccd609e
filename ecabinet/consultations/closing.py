"""Closing a consultation and tallying it: at its deadline (whichever node sees it first,
also after a restart), once everyone has replied where so set, or by the office."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import audit, eventlog
from ecabinet.consultations import access
from ecabinet.errors import Conflict
from ecabinet.models import (
    Consultation,
    ConsultationAnswer,
    ConsultationQuestion,
    ConsultationRule,
    ConsultationStatus,
    User,
)
from ecabinet.models.base import utcnow

# Why a consultation closed: its deadline passed, every member asked replied (where it
# closes then), or the office closed it early.
WHY = ("deadline", "all_replied", "early")


def needed(rule: ConsultationRule, asked: int) -> int:
    """How many of the members asked must agree: more than half, or two thirds."""
    if rule == ConsultationRule.two_thirds:
        return -(-2 * asked // 3)
    return asked // 2 + 1


def tally(rule: ConsultationRule, asked: int, questions: Sequence[ConsultationQuestion],
          answers: Sequence[tuple[int, int]]) -> dict[str, Any]:
    """Each question's counts over (question id, choice) answers; it passes when enough of
    all members asked chose its first option. A member who did not reply counts against."""
    required = needed(rule, asked)
    tallied = []
    for question in questions:
        counts = [0] * len(question.options)
        for question_id, choice in answers:
            if question_id == question.id and 0 <= choice < len(counts):
                counts[choice] += 1
        replied = sum(counts)
        tallied.append({"question_id": question.id, "counts": counts, "replied": replied,
                        "not_replied": asked - replied, "passed": counts[0] >= required})
    return {"rule": rule.value, "asked": asked, "needed": required, "questions": tallied}


async def close_early(session: AsyncSession, user: User, consultation_id: int) -> Consultation:
    """The office closes it before its deadline (every member asked has had their say or
    the chair decided so)."""
    consultation = await access.managed(session, user, consultation_id)
    if consultation.status != ConsultationStatus.sent:
        raise Conflict("consultation_not_sent")
    await close(session, consultation, user, "early")
    return consultation


async def close(session: AsyncSession, consultation: Consultation, actor: User | None,
                why: str, now: datetime | None = None) -> bool:
    """Close a sent consultation and store its tally and `why` (one of `WHY`), once: False
    if another transaction (another node at the same deadline) closed it first."""
    moment = now or utcnow()
    won = (await session.execute(
        update(Consultation)
        .where(Consultation.id == consultation.id, Consultation.status == ConsultationStatus.sent)
        .values(status=ConsultationStatus.closed, closed_at=moment)
        .returning(Consultation.id)
        .execution_options(synchronize_session=False))).first()
    if won is None:
        return False
    questions = (await session.scalars(select(ConsultationQuestion).where(
        ConsultationQuestion.consultation_id == consultation.id)
        .order_by(ConsultationQuestion.position))).all()
    answers = [(q, c) for q, c in (await session.execute(
        select(ConsultationAnswer.question_id, ConsultationAnswer.choice).where(
            ConsultationAnswer.consultation_id == consultation.id))).all()]
    members = await access.member_ids(session, consultation.id)
    # Kept with the tally: members read a result differently when time ran out.
    result = {**tally(consultation.rule, len(members), questions, answers), "why": why}
    await session.execute(update(Consultation).where(Consultation.id == consultation.id)
                          .values(result=result).execution_options(synchronize_session=False))
    await session.refresh(consultation)
    await audit.record(session, "consultation.close", actor_id=actor.id if actor else None,
                       object_type="consultation", object_id=consultation.id,
                       data={"why": why, "result": result})
    eventlog.notify(session, {*members, *await access.followers(session, consultation)},
                    "consultations.changed", consultation_id=consultation.id,
                    status=ConsultationStatus.closed.value)
    return True


async def close_due(session: AsyncSession, now: datetime | None = None) -> list[int]:
    """Close every sent consultation whose deadline has passed; the ids this call closed."""
    moment = now or utcnow()
    due = (await session.scalars(select(Consultation).where(
        Consultation.status == ConsultationStatus.sent, Consultation.deadline <= moment))).all()
    return [c.id for c in due if await close(session, c, None, "deadline", moment)]
