"""What each person is shown of a consultation: members their own reply, and others'
only once it is closed (or from the start where it is open); the office who has replied."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import signatures, tasks
from ecabinet.consultations import access, report
from ecabinet.models import (
    Consultation,
    ConsultationAnswer,
    ConsultationMember,
    ConsultationQuestion,
    ConsultationStatus,
    OfficialPdf,
    OfficialPdfStatus,
    Role,
    SignerKey,
    Unit,
    User,
)
from ecabinet.models.base import utcnow
from ecabinet.workdays import local_date

S = ConsultationStatus


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def actions(user: User, consultation: Consultation, manages: bool,
            report_status: OfficialPdfStatus | None = None) -> list[str]:
    """What the user may do with it now, for the screen's buttons (`manages`: as
    `access.can_manage` says; `report_status`: its synthesis report's, if drafted)."""
    chair = access.is_chair(user, consultation)
    closed = consultation.status == S.closed
    allowed = {
        "edit": manages and consultation.status == S.draft,
        "submit": manages and consultation.status == S.draft,
        "delete": manages and consultation.status == S.draft,
        "withdraw": manages and consultation.status == S.submitted,
        "approve": chair and consultation.status == S.submitted,
        "return": chair and consultation.status == S.submitted,
        "close": manages and consultation.status == S.sent,
        "report": manages and closed and report_status != OfficialPdfStatus.signed,
        "sign_report": chair and closed and report_status == OfficialPdfStatus.signing,
    }
    return [name for name, may in allowed.items() if may]


async def detail(session: AsyncSession, user: User, consultation: Consultation
                 ) -> dict[str, Any]:
    """The whole consultation as this user may see it."""
    questions = (await session.scalars(select(ConsultationQuestion).where(
        ConsultationQuestion.consultation_id == consultation.id)
        .order_by(ConsultationQuestion.position))).all()
    members = (await session.execute(
        select(ConsultationMember, User.full_name, User.title, Unit.name)
        .join(User, User.id == ConsultationMember.user_id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(ConsultationMember.consultation_id == consultation.id)
        .order_by(User.full_name))).all()
    manages = await access.can_manage(session, user, consultation)
    office = manages or access.is_chair(user, consultation) or user.role == Role.admin
    shown = consultation.status == S.closed or (
        consultation.open_replies and consultation.status == S.sent)
    answers = (await session.scalars(select(ConsultationAnswer).where(
        ConsultationAnswer.consultation_id == consultation.id,
        *([] if shown else [ConsultationAnswer.user_id == user.id])))).all()
    by_member: dict[int, list[dict[str, Any]]] = {}
    for answer in answers:
        by_member.setdefault(answer.user_id, []).append(
            {"question_id": answer.question_id, "choice": answer.choice,
             "opinion": answer.opinion})
    mine = next((m for m, *_ in members if m.user_id == user.id), None)
    drafted = await report.current(session, consultation.id)
    view: dict[str, Any] = {
        **summary(consultation, (await names_of(session, [consultation]))[consultation.id]),
        "matter": consultation.matter,
        "created_by_id": consultation.created_by_id,
        "rule": consultation.rule.value,
        "working_days": consultation.working_days,
        "changeable": consultation.changeable,
        "open_replies": consultation.open_replies,
        "close_when_all": consultation.close_when_all,
        "signed_replies": consultation.signed_replies,
        "return_comment": consultation.return_comment,
        "questions": [{"id": q.id, "text": q.text, "options": list(q.options)}
                      for q in questions],
        "asked": len(members),
        "replied": sum(m.replied_at is not None for m, *_ in members),
        "mine": None if mine is None else {
            "replied_at": _when(mine.replied_at),
            "answers": by_member.get(user.id, []) if mine.replied_at else [],
            "paper": mine.paper_pdf_id is not None},
        "result": consultation.result if consultation.status == S.closed else None,
        "actions": actions(user, consultation, manages,
                           drafted.status if drafted is not None else None),
        "report": await _report(session, consultation, drafted, office),
    }
    if office or shown:
        # Who has replied: the office follows it live; members see it with the replies.
        keys = set((await session.scalars(select(SignerKey.user_id).where(
            SignerKey.active.is_(True),
            SignerKey.user_id.in_([m.user_id for m, *_ in members])))).all()) \
            if office and consultation.signed_replies else set()
        view["members"] = [
            {"user_id": m.user_id, "name": name, "title": title, "unit": unit or "",
             "replied_at": _when(m.replied_at),
             "answers": by_member.get(m.user_id) if shown else None,
             "paper": m.paper_pdf_id is not None,
             # Where replies are signed, the office sees who cannot sign yet.
             "has_key": m.user_id in keys if office and consultation.signed_replies
             else None}
            for m, name, title, unit in members]
    else:
        view["members"] = None
    return view


async def _report(session: AsyncSession, consultation: Consultation,
                  drafted: OfficialPdf | None, office: bool) -> dict[str, Any] | None:
    """The synthesis report: the office and the chair follow its draft, members read it
    once signed."""
    if drafted is None or (drafted.status != OfficialPdfStatus.signed and not office):
        return None
    signed = await signatures.signed_versions(session, drafted)
    given = await report.planned(session, consultation.id)
    names = await tasks.names_for(session, given)
    return {"number": drafted.number, "status": drafted.status.value,
            "conclusions": consultation.report_text,
            "tasks": [tasks.task_view(t, names) for t in given],
            "signed_by": signed[-1].signer_name if signed else None,
            "signed_at": _when(signed[-1].created_at) if signed else None}


def summary(consultation: Consultation, names: Names) -> dict[str, Any]:
    """The line of a list, its unit and chair named from `names` (see `names_of`)."""
    unit_name, (chair_name, chair_title) = names
    return {"id": consultation.id, "title": consultation.title, "unit_id": consultation.unit_id,
            "unit": {"id": consultation.unit_id, "name": unit_name},
            "chair_id": consultation.chair_id,
            "chair": {"id": consultation.chair_id, "name": chair_name, "title": chair_title},
            "status": consultation.status.value, "sent_at": _when(consultation.sent_at),
            "deadline": _when(consultation.deadline), "closed_at": _when(consultation.closed_at)}


# (unit name, (chair's name, chair's title))
Names = tuple[str, tuple[str, str]]


async def names_of(session: AsyncSession, consultations: list[Consultation]
                   ) -> dict[int, Names]:
    """The names of each consultation's unit and chair, read in two queries."""
    unit_ids = {c.unit_id for c in consultations}
    chair_ids = {c.chair_id for c in consultations}
    units = {uid: name for uid, name in (await session.execute(select(Unit.id, Unit.name).where(
        Unit.id.in_(unit_ids)))).all()} if unit_ids else {}
    chairs = {uid: (name, title) for uid, name, title in (await session.execute(
        select(User.id, User.full_name, User.title).where(User.id.in_(chair_ids)))).all()} \
        if chair_ids else {}
    return {c.id: (units.get(c.unit_id, ""), chairs.get(c.chair_id, ("", "")))
            for c in consultations}


async def waiting(session: AsyncSession, user: User, *, on: date | None = None
                  ) -> list[dict[str, Any]]:
    """What waits for the user: consultations to reply to (soonest deadline first;
    `last_day` when it is today, in Vietnam), then, for their chair, those to approve and
    the synthesis reports to sign."""
    today = on or local_date(utcnow())
    rows = (await session.execute(
        select(Consultation.id, Consultation.title, Consultation.deadline)
        .join(ConsultationMember, ConsultationMember.consultation_id == Consultation.id)
        .where(ConsultationMember.user_id == user.id, ConsultationMember.replied_at.is_(None),
               Consultation.status == S.sent)
        .order_by(Consultation.deadline))).all()
    replies = [{"id": cid, "title": title, "deadline": _when(deadline), "awaits": "reply",
                "last_day": deadline is not None and local_date(deadline) == today}
               for cid, title, deadline in rows
               if deadline is None or local_date(deadline) >= today]
    if user.role != Role.chair:
        return replies
    approvals = [
        {"id": cid, "title": title, "deadline": None, "awaits": "approval", "last_day": False}
        for cid, title in (await session.execute(
            select(Consultation.id, Consultation.title)
            .where(Consultation.chair_id == user.id, Consultation.status == S.submitted)
            .order_by(Consultation.id))).all()]
    reports = [
        {"id": cid, "title": title, "deadline": None, "awaits": "report", "last_day": False}
        for cid, title in (await session.execute(
            select(Consultation.id, Consultation.title)
            .join(OfficialPdf, OfficialPdf.consultation_id == Consultation.id)
            .where(Consultation.chair_id == user.id, Consultation.status == S.closed,
                   OfficialPdf.kind == report.KIND,
                   OfficialPdf.status == OfficialPdfStatus.signing)
            .order_by(Consultation.id))).all()]
    return replies + approvals + reports


async def listing(session: AsyncSession, user: User) -> list[dict[str, Any]]:
    """The consultations the user may see, newest first, each with the user's own state."""
    asked = {m.consultation_id: m for m in (await session.scalars(select(ConsultationMember)
             .where(ConsultationMember.user_id == user.id))).all()}
    units = await access.managed_units(session, user)
    query = select(Consultation).order_by(Consultation.created_at.desc(),
                                          Consultation.id.desc())
    if user.role != Role.admin:
        # The candidates in SQL; `access` has the last word on each below.
        query = query.where(or_(
            Consultation.id.in_(list(asked)), Consultation.chair_id == user.id,
            Consultation.created_by_id == user.id, Consultation.unit_id.in_(list(units))))
    listed = []
    found = list((await session.scalars(query)).all())
    to_sign = set((await session.scalars(select(OfficialPdf.consultation_id).where(
        OfficialPdf.consultation_id.in_([c.id for c in found if c.chair_id == user.id]),
        OfficialPdf.kind == report.KIND,
        OfficialPdf.status == OfficialPdfStatus.signing))).all())
    names = await names_of(session, found)
    for consultation in found:
        member = asked.get(consultation.id)
        visible = user.role == Role.admin or access.is_chair(user, consultation) \
            or access.manages(user, consultation, units) \
            or (member is not None and consultation.status in (S.sent, S.closed))
        if not visible:
            continue
        waits = None
        if access.is_chair(user, consultation) and consultation.status == S.submitted:
            waits = "approval"
        elif access.is_chair(user, consultation) and consultation.id in to_sign:
            waits = "report"
        elif member is not None and member.replied_at is None and consultation.status == S.sent:
            waits = "reply"
        listed.append({**summary(consultation, names[consultation.id]),
                       "asked_me": member is not None, "awaits_me": waits,
                       # The chair sent it back: the office has it to change.
                       "returned": consultation.status == S.draft
                       and bool(consultation.return_comment),
                       "replied_at": _when(member.replied_at) if member else None})
    return listed
