"""Preparing a consultation: its matter, questions, members asked and rules (drafts only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import audit, eventlog
from ecabinet.consultations import access
from ecabinet.errors import Conflict, Forbidden, Invalid
from ecabinet.models import (
    Consultation,
    ConsultationMember,
    ConsultationQuestion,
    ConsultationRule,
    ConsultationStatus,
    Role,
    User,
)

DEFAULT_OPTIONS = ("Đồng ý", "Không đồng ý", "Ý kiến khác")
MAX_QUESTIONS = 20
MAX_OPTIONS = 10
MAX_TEXT = 1000
MAX_OPTION = 200
MAX_WORKING_DAYS = 30
# Accounts that answer for a person: a remote room or an observer is never asked.
ANSWERING_ROLES = (Role.chair, Role.delegate, Role.secretary)


@dataclass(frozen=True)
class QuestionInput:
    """One question; no options means Đồng ý / Không đồng ý / Ý kiến khác."""

    text: str
    options: Sequence[str] | None = None


@dataclass(frozen=True)
class ConsultationInput:
    """What the office fills in. No people and no units: the unit's members are asked."""

    title: str
    unit_id: int
    chair_id: int
    questions: Sequence[QuestionInput]
    matter: str = ""
    member_ids: Sequence[int] = field(default_factory=list)
    unit_ids: Sequence[int] = field(default_factory=list)  # units whose members are asked
    working_days: int = 5
    rule: str = ConsultationRule.half.value
    changeable: bool = True
    open_replies: bool = False
    close_when_all: bool = False
    signed_replies: bool = False  # each reply a ballot paper the member signs


async def create(session: AsyncSession, user: User, data: ConsultationInput) -> Consultation:
    """A new draft, prepared by a secretary for their unit or one below it."""
    if user.role != Role.secretary:
        raise Forbidden("forbidden")
    consultation = Consultation(created_by_id=user.id, unit_id=data.unit_id,
                                chair_id=data.chair_id, title="")
    await _fill(session, user, consultation, data)
    await audit.record(session, "consultation.create", actor_id=user.id,
                       object_type="consultation", object_id=consultation.id,
                       data={"title": consultation.title})
    eventlog.notify(session, await access.followers(session, consultation),
                    "consultations.changed", consultation_id=consultation.id,
                    status=consultation.status.value)
    return consultation


async def update(session: AsyncSession, user: User, consultation_id: int,
                 data: ConsultationInput) -> Consultation:
    """Change a draft (or one returned by the chair)."""
    consultation = await access.managed(session, user, consultation_id)
    if consultation.status != ConsultationStatus.draft:
        raise Conflict("consultation_not_draft")
    await _fill(session, user, consultation, data)
    await audit.record(session, "consultation.update", actor_id=user.id,
                       object_type="consultation", object_id=consultation.id,
                       data={"title": consultation.title})
    eventlog.notify(session, await access.followers(session, consultation),
                    "consultations.changed", consultation_id=consultation.id,
                    status=consultation.status.value)
    return consultation


async def discard(session: AsyncSession, user: User, consultation_id: int) -> None:
    """Discard a draft nobody was asked about yet (kept in the audit log by its title)."""
    consultation = await access.managed(session, user, consultation_id)
    if consultation.status != ConsultationStatus.draft:
        raise Conflict("consultation_not_draft")
    audience = await access.followers(session, consultation)
    await audit.record(session, "consultation.delete", actor_id=user.id,
                       object_type="consultation", object_id=consultation.id,
                       data={"title": consultation.title})
    await session.delete(consultation)
    await session.flush()
    eventlog.notify(session, audience, "consultations.changed",
                    consultation_id=consultation_id, status="deleted")


async def _fill(session: AsyncSession, user: User, consultation: Consultation,
                data: ConsultationInput) -> None:
    title = data.title.strip()
    if not title:
        raise Invalid("field_required", field="title")
    if data.unit_id not in await access.managed_units(session, user):
        raise Invalid("consultation_unit_not_managed", field="unit_id")
    chair = await session.get(User, data.chair_id)
    if chair is None or chair.role != Role.chair or not chair.active:
        raise Invalid("consultation_not_a_chair")
    if not 1 <= data.working_days <= MAX_WORKING_DAYS:
        raise Invalid("consultation_working_days", low=1, high=MAX_WORKING_DAYS)
    try:
        rule = ConsultationRule(data.rule)
    except ValueError:
        raise Invalid("field_invalid", field="rule") from None
    questions = _questions(data.questions)
    members = await _members(session, data)
    consultation.title = title[:300]
    consultation.matter = data.matter.strip()
    consultation.unit_id = data.unit_id
    consultation.chair_id = data.chair_id
    consultation.working_days = data.working_days
    consultation.rule = rule
    consultation.changeable = data.changeable
    consultation.open_replies = data.open_replies
    consultation.close_when_all = data.close_when_all
    consultation.signed_replies = data.signed_replies
    session.add(consultation)
    await session.flush()
    await session.execute(delete(ConsultationQuestion).where(
        ConsultationQuestion.consultation_id == consultation.id))
    await session.execute(delete(ConsultationMember).where(
        ConsultationMember.consultation_id == consultation.id))
    session.add_all(ConsultationQuestion(consultation_id=consultation.id, position=n,
                                         text=text, options=options)
                    for n, (text, options) in enumerate(questions))
    session.add_all(ConsultationMember(consultation_id=consultation.id, user_id=member)
                    for member in sorted(members))
    await session.flush()


def _questions(given: Sequence[QuestionInput]) -> list[tuple[str, list[str]]]:
    if not given:
        raise Invalid("consultation_questions_needed")
    if len(given) > MAX_QUESTIONS:
        raise Invalid("consultation_too_many_questions", max=MAX_QUESTIONS)
    questions = []
    for question in given:
        text = question.text.strip()
        if not text or len(text) > MAX_TEXT:
            raise Invalid("consultation_question_text", max=MAX_TEXT)
        options = [o.strip() for o in (question.options or DEFAULT_OPTIONS)]
        if not 2 <= len(options) <= MAX_OPTIONS or len(set(options)) != len(options) \
                or not all(0 < len(o) <= MAX_OPTION for o in options):
            raise Invalid("consultation_question_options", low=2, high=MAX_OPTIONS, max=MAX_OPTION)
        questions.append((text, options))
    return questions


async def _members(session: AsyncSession, data: ConsultationInput) -> set[int]:
    named = set(data.member_ids)
    units = set(data.unit_ids) or (set() if named else {data.unit_id})
    answering = select(User.id).where(User.active.is_(True), User.role.in_(ANSWERING_ROLES))
    found = set((await session.scalars(answering.where(User.id.in_(named)))).all()) \
        if named else set()
    if found != named:
        raise Invalid("consultation_members_unknown")
    if units:
        found |= set((await session.scalars(answering.where(
            User.unit_id.in_(units), User.role != Role.secretary))).all())
    if not found:
        raise Invalid("consultation_members_needed")
    return found
