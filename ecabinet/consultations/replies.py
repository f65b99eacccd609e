"""A member's reply: a choice on every question and a written opinion, on time; a resend
is acknowledged without being counted twice."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import audit, eventlog, payload
from ecabinet.consultations import access, closing, paper
from ecabinet.consultations.prepare import DEFAULT_OPTIONS
from ecabinet.errors import Conflict, DomainError, Invalid, NotFound
from ecabinet.models import (
    Consultation,
    ConsultationAnswer,
    ConsultationMember,
    ConsultationQuestion,
    ConsultationStatus,
    User,
)
from ecabinet.models.base import utcnow

MAX_OPINION = 4000
OTHER_OPINION = DEFAULT_OPTIONS[2]
CLIENT_REPLY_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@dataclass(frozen=True)
class AnswerInput:
    """The member's choice (0-based option index) on one question, and their opinion."""

    question_id: int
    choice: int
    opinion: str = ""


@dataclass(frozen=True)
class ReplyOutcome:
    """What the member's device is told once the reply is stored."""

    consultation_id: int
    replied_at: datetime
    already: bool  # a resend of the reply stored last: nothing changed
    changed: bool  # it replaced an earlier reply

    def view(self) -> dict[str, Any]:
        """As the acknowledgement carries it."""
        return {"consultation_id": self.consultation_id,
                "replied_at": self.replied_at.isoformat(), "already": self.already,
                "changed": self.changed}


def reply_of(body: dict[str, Any]) -> tuple[list[AnswerInput], str]:
    """A reply's answers and the device's id for it, as a request or live action sends them."""
    answers = [AnswerInput(question_id=payload.required_int(raw, "question_id"),
                           choice=payload.required_int(raw, "choice"),
                           opinion=payload.text(raw, "opinion", required=False,
                                                max_length=MAX_OPINION) or "")
               for raw in payload.items(body, "answers")]
    return answers, payload.text(body, "client_reply_id", max_length=64)


@dataclass(frozen=True)
class ReplyRequest:
    """One member's reply, as the live channel's group commit queues it."""

    user: User
    consultation_id: int
    answers: Sequence[AnswerInput]
    client_reply_id: str
    # Where replies are signed: the ballot paper of these answers, signed (`sign_paper`).
    signed_paper: paper.SignedPaper | None = None


async def reply(session: AsyncSession, user: User, consultation_id: int,
                answers: Sequence[AnswerInput], client_reply_id: str,
                now: datetime | None = None, *, signed: paper.SignedPaper | None = None
                ) -> ReplyOutcome:
    """Store the member's reply (or acknowledge its resend)."""
    [outcome] = await reply_many(session, [ReplyRequest(user, consultation_id, answers,
                                                        client_reply_id, signed)], now)
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


async def sign_paper(session: AsyncSession, user: User, consultation_id: int,
                     answers: Sequence[AnswerInput], client_reply_id: str, secret: str, *,
                     timestamp_url: str = "", now: datetime | None = None
                     ) -> paper.SignedPaper | None:
    """Where the consultation's replies are signed: the member's ballot paper for `answers`,
    signed with their key before anything is written. None where replies are not signed,
    or for a resend of the reply already stored."""
    consultation = await access.get_consultation(session, user, consultation_id)
    if not consultation.signed_replies:
        return None
    member = await session.scalar(select(ConsultationMember).where(
        ConsultationMember.consultation_id == consultation_id,
        ConsultationMember.user_id == user.id))
    if member is None:
        raise NotFound("consultation_not_asked")
    if member.replied_at is not None and member.client_reply_id == client_reply_id:
        return None
    if consultation.status != ConsultationStatus.sent:
        raise Conflict("consultation_closed")
    if member.replied_at is not None and not consultation.changeable:
        raise Conflict("consultation_reply_final")
    questions = (await session.scalars(select(ConsultationQuestion).where(
        ConsultationQuestion.consultation_id == consultation_id)
        .order_by(ConsultationQuestion.position))).all()
    rows = _checked(questions, answers)
    return await paper.signed(session, consultation, user, questions, rows, secret=secret,
                              timestamp_url=timestamp_url, now=now)


async def reply_many(session: AsyncSession, requests: Sequence[ReplyRequest],
                     now: datetime | None = None) -> list[ReplyOutcome | DomainError]:
    """Store many members' replies in one transaction: each is stored or refused on its
    own (a refusal writes nothing), and the audit chain, the counts and the notices are
    done once for the group."""
    moment = now or utcnow()
    group = _Group(session, moment)
    outcomes: list[ReplyOutcome | DomainError] = []
    for request in requests:
        try:
            outcomes.append(await group.store(request))
        except DomainError as exc:
            outcomes.append(exc)
    await group.finish()
    return outcomes


class _Group:
    """The replies of one transaction, and what they share."""

    def __init__(self, session: AsyncSession, moment: datetime) -> None:
        self.session = session
        self.moment = moment
        self.consultations: dict[int, Consultation | None] = {}
        self.questions: dict[int, Sequence[ConsultationQuestion]] = {}
        self.records: list[audit.AuditRecord] = []
        self.replied: dict[int, list[int]] = {}  # consultation id -> members who replied

    async def _consultation(self, consultation_id: int) -> Consultation | None:
        if consultation_id not in self.consultations:
            # Locked: a close waits for these replies to commit (and counts them), or they
            # wait for the close and are refused. Replies queue here as they would at the
            # audit chain's head anyway, and taking this row first keeps one lock order
            # with closing.
            self.consultations[consultation_id] = await self.session.get(
                Consultation, consultation_id, with_for_update=True, populate_existing=True)
        return self.consultations[consultation_id]

    async def store(self, request: ReplyRequest) -> ReplyOutcome:
        """Check and write one reply (all checks come before any write)."""
        session, user, consultation_id = self.session, request.user, request.consultation_id
        if not CLIENT_REPLY_ID.match(request.client_reply_id):
            raise Invalid("field_invalid", field="client_reply_id")
        consultation = await self._consultation(consultation_id)
        # The member's own row serialises two tablets of one member sending at once.
        member = await session.scalar(select(ConsultationMember).where(
            ConsultationMember.consultation_id == consultation_id,
            ConsultationMember.user_id == user.id).with_for_update())
        if consultation is None or member is None or consultation.status not in (
                ConsultationStatus.sent, ConsultationStatus.closed):
            # Say "not asked" only to someone who may know it exists.
            await access.get_consultation(session, user, consultation_id)
            raise NotFound("consultation_not_asked")
        if member.replied_at is not None and member.client_reply_id == request.client_reply_id:
            return ReplyOutcome(consultation_id, member.replied_at, already=True, changed=False)
        if consultation.status != ConsultationStatus.sent or (
                consultation.deadline is not None and self.moment >= consultation.deadline):
            raise Conflict("consultation_closed")
        changed = member.replied_at is not None
        if changed and not consultation.changeable:
            raise Conflict("consultation_reply_final")
        if consultation.signed_replies and request.signed_paper is None:
            raise Conflict("consultation_reply_needs_signature")
        if consultation_id not in self.questions:
            self.questions[consultation_id] = (await session.scalars(
                select(ConsultationQuestion).where(
                    ConsultationQuestion.consultation_id == consultation_id))).all()
        rows = _checked(self.questions[consultation_id], request.answers)
        if changed:
            await session.execute(delete(ConsultationAnswer).where(
                ConsultationAnswer.consultation_id == consultation_id,
                ConsultationAnswer.user_id == user.id))
        await session.execute(insert(ConsultationAnswer), [
            {"consultation_id": consultation_id, "user_id": user.id, **row} for row in rows])
        signed = {}
        if request.signed_paper is not None and consultation.signed_replies:
            stored = await paper.store(session, consultation, user, request.signed_paper,
                                       member.paper_pdf_id)
            member.paper_pdf_id = stored.id
            signed = {"paper_sha256": request.signed_paper.sha256}
        member.replied_at = self.moment
        member.client_reply_id = request.client_reply_id
        member.changes += int(changed)
        self.records.append(audit.AuditRecord(
            action="consultation.change" if changed else "consultation.reply",
            actor_id=user.id, object_type="consultation", object_id=str(consultation_id),
            data={"choices": {str(r["question_id"]): r["choice"] for r in rows},
                  "opinions_sha256": _digest(rows), **signed}))
        self.replied.setdefault(consultation_id, []).append(user.id)
        return ReplyOutcome(consultation_id, self.moment, already=False, changed=changed)

    async def finish(self) -> None:
        """Chain the group's audit entries, tell the office, close what everyone answered."""
        session = self.session
        if not self.records:
            return
        await session.flush()
        await audit.record_many(session, self.records)
        for consultation_id, users in self.replied.items():
            consultation = self.consultations[consultation_id]
            assert consultation is not None
            asked, replied = (await session.execute(
                select(func.count(), func.count(ConsultationMember.replied_at))
                .where(ConsultationMember.consultation_id == consultation_id))).one()
            audience = await access.followers(session, consultation)
            if consultation.open_replies:
                audience |= set(await access.member_ids(session, consultation_id))
            for user_id in users:
                # The member's other screens (a phone beside the tablet) follow too.
                eventlog.notify(session, audience | {user_id}, "consultation.replied",
                                consultation_id=consultation_id, user_id=user_id,
                                replied_at=self.moment.isoformat(), replied=replied,
                                asked=asked)
            if consultation.close_when_all and replied == asked:
                await closing.close(session, consultation, None, "all_replied", self.moment)


def _checked(questions: Sequence[ConsultationQuestion], answers: Sequence[AnswerInput]
             ) -> list[dict[str, Any]]:
    by_id = {q.id: q for q in questions}
    given = {a.question_id for a in answers}
    if given != set(by_id) or len(answers) != len(by_id):
        raise Invalid("consultation_answer_every_question")
    rows = []
    for answer in answers:
        if not 0 <= answer.choice < len(by_id[answer.question_id].options):
            raise Invalid("field_invalid", field="answers")
        opinion = answer.opinion.strip()
        if len(opinion) > MAX_OPINION:
            raise Invalid("field_too_long", field="opinion", max=MAX_OPINION)
        # "Ý kiến khác" says nothing until the member writes what the other opinion is.
        if by_id[answer.question_id].options[answer.choice] == OTHER_OPINION and not opinion:
            raise Invalid("consultation_opinion_needed")
        rows.append({"question_id": answer.question_id, "choice": answer.choice,
                     "opinion": opinion})
    return rows


def _digest(rows: Sequence[dict[str, Any]]) -> str:
    # The chain fixes the opinions' words without copying them into the audit log.
    text = "\n".join(f"{r['question_id']}:{r['opinion']}" for r in rows)
    return hashlib.sha256(text.encode()).hexdigest()
