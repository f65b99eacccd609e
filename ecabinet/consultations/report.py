"""The synthesis report (báo cáo tổng hợp ý kiến): drafted by the office from the replies
once a consultation has closed, then signed by its chair. Its conclusions may give tasks
(who, by when, what they deliver): planned with the draft, they go to the follow-up of
tasks when the chair signs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import audit, eventlog, signatures, tasks
from ecabinet.conclusions import signer_titles
from ecabinet.consultations import access
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from ecabinet.models import (
    Consultation,
    ConsultationAnswer,
    ConsultationQuestion,
    ConsultationStatus,
    OfficialPdf,
    OfficialPdfStatus,
    Role,
    Task,
    TaskStatus,
    Unit,
    User,
)
from ecabinet.models.base import utcnow
from ecabinet.pdf import official
from ecabinet.workdays import VIETNAM, local_date

KIND = "consultation_report"
NUMBER_KIND = "BC"
MAX_CONCLUSIONS = 20000
NOT_REPLIED = "Không gửi phiếu"
COUNT_HEADERS = ("Phương án", "Số thành viên", "Tỷ lệ")
OPINION_HEADERS = ("Phương án", "Đơn vị", "Thành viên", "Ý kiến")


@dataclass(frozen=True)
class Opinion:
    """One member's written opinion on one question, with what they chose."""

    question_id: int
    choice: int
    unit: str
    member: str
    text: str


def matter_of(title: str) -> str:
    """The matter a title names, without its own "Lấy ý kiến về": "Về Kế hoạch …" rather
    than "Về Lấy ý kiến về Kế hoạch …"."""
    for prefix in ("lấy ý kiến thành viên về ", "lấy ý kiến về ", "xin ý kiến về "):
        if title.lower().startswith(prefix):
            return title[len(prefix):]
    return title


def _percent(part: int, whole: int) -> str:
    # Vietnamese writes the decimal comma: 66,7%.
    return f"{100 * part / whole:.1f}%".replace(".", ",") if whole else "0%"


def _moment(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(VIETNAM)
    return f"{local:%H} giờ {local:%M} ngày {local:%d/%m/%Y}"


def sections(consultation: Consultation, questions: Sequence[ConsultationQuestion],
             opinions: Sequence[Opinion], unit_name: str, conclusions: str,
             given: official.Table | None = None) -> list[official.Section]:
    """The report's body: what was asked, the counts per question against the rule, every
    written opinion grouped by choice and by unit, and the office's proposal with the tasks
    it gives (`given`)."""
    result = consultation.result or {}
    asked, needed = int(result.get("asked", 0)), int(result.get("needed", 0))
    tallies = {t["question_id"]: t for t in result.get("questions", [])}
    replied = max((int(t["replied"]) for t in tallies.values()), default=0)
    rule = "hai phần ba" if result.get("rule") == "two_thirds" else "quá nửa"
    body = [official.Section(paragraphs=(
        f"Ngày {consultation.sent_at.astimezone(VIETNAM):%d/%m/%Y}, {unit_name} đã gửi "
        f"phiếu lấy ý kiến {asked} thành viên về {matter_of(consultation.title)}."
        if consultation.sent_at else f"{unit_name} đã lấy ý kiến {asked} thành viên về "
        f"{matter_of(consultation.title)}.",
        f"Đến {_moment(consultation.closed_at)} đã nhận được {replied}/{asked} phiếu; "
        f"{asked - replied} thành viên không gửi phiếu. Nội dung được thông qua khi có "
        f"{rule} tổng số thành viên được hỏi đồng ý (ít nhất {needed}/{asked}).",
    )), official.Section(heading="I. KẾT QUẢ LẤY Ý KIẾN")]
    for number, question in enumerate(questions, start=1):
        tally = tallies.get(question.id, {"counts": [0] * len(question.options),
                                          "not_replied": asked, "passed": False})
        counts = list(tally["counts"])
        rows = [(option, str(count), _percent(count, asked))
                for option, count in zip(question.options, counts, strict=False)]
        rows.append((NOT_REPLIED, str(tally["not_replied"]),
                     _percent(int(tally["not_replied"]), asked)))
        verdict = "được thông qua" if tally["passed"] else "không được thông qua"
        body.append(official.Section(
            heading=f"Câu {number}. {question.text}",
            paragraphs=(f"Kết quả: {verdict} ({counts[0] if counts else 0}/{asked} thành viên "
                        f"{question.options[0].lower()}).",),
            table=official.Table(headers=COUNT_HEADERS, rows=tuple(rows),
                                 widths=(3, 1.4, 1.2))))
    body.append(official.Section(heading="II. Ý KIẾN CỤ THỂ CỦA CÁC THÀNH VIÊN"))
    for number, question in enumerate(questions, start=1):
        written = sorted((o for o in opinions if o.question_id == question.id and o.text),
                         key=lambda o: (o.choice, o.unit, o.member))
        body.append(official.Section(
            heading=f"Câu {number}. {question.text}",
            paragraphs=() if written else ("Không có ý kiến cụ thể.",),
            table=official.Table(
                headers=OPINION_HEADERS,
                rows=tuple((question.options[o.choice] if o.choice < len(question.options)
                            else str(o.choice), o.unit, o.member, o.text) for o in written),
                widths=(1.4, 1.8, 1.6, 4)) if written else None))
    proposal = tuple(p.strip() for p in conclusions.splitlines() if p.strip())
    if proposal or given:
        body.append(official.Section(heading="III. ĐỀ XUẤT, KẾT LUẬN", paragraphs=proposal,
                                     table=given))
    return body


async def current(session: AsyncSession, consultation_id: int) -> OfficialPdf | None:
    """The report being signed or signed (a redrafted one is superseded)."""
    return await session.scalar(select(OfficialPdf).where(
        OfficialPdf.consultation_id == consultation_id, OfficialPdf.kind == KIND,
        OfficialPdf.status != OfficialPdfStatus.superseded).order_by(OfficialPdf.id.desc())
        .limit(1))


async def _opinions(session: AsyncSession, consultation_id: int) -> list[Opinion]:
    rows = (await session.execute(
        select(ConsultationAnswer, User.full_name, Unit.name)
        .join(User, User.id == ConsultationAnswer.user_id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(ConsultationAnswer.consultation_id == consultation_id))).all()
    return [Opinion(a.question_id, a.choice, unit or "", name, a.opinion)
            for a, name, unit in rows]


async def planned(session: AsyncSession, consultation_id: int) -> list[Task]:
    """The tasks the report gives, in its order."""
    return list((await session.scalars(select(Task).where(
        Task.consultation_id == consultation_id).order_by(Task.position, Task.id))).all())


async def _plan(session: AsyncSession, consultation: Consultation,
                given: Sequence[tasks.TaskInput]) -> list[Task]:
    # Nothing is assigned before the signature, so a redraft writes its tasks anew.
    await session.execute(delete(Task).where(Task.consultation_id == consultation.id))
    rows = []
    for position, task_in in enumerate(given):
        task = Task(consultation_id=consultation.id, status=TaskStatus.planned, content="",
                    deadline=task_in.deadline)
        tasks.fill(task, task_in, position)
        session.add(task)
        rows.append(task)
    await session.flush()
    return rows


async def draft(session: AsyncSession, actor: User, consultation_id: int, conclusions: str,
                given: Sequence[tasks.TaskInput] = (), *, on: dt.date | None = None
                ) -> Consultation:
    """Compose the report for its chair's signature, with the tasks its conclusions give; a
    report not yet signed is replaced."""
    consultation = await access.managed(session, actor, consultation_id)
    if consultation.status != ConsultationStatus.closed:
        raise Conflict("consultation_not_closed")
    earlier = await current(session, consultation.id)
    if earlier is not None and earlier.status == OfficialPdfStatus.signed:
        raise Conflict("consultation_report_signed")
    text = conclusions.strip()
    if not text:
        # A report without the office's proposal gives the chair nothing to conclude on.
        raise Invalid("consultation_report_needs_conclusions", field="conclusions")
    if len(text) > MAX_CONCLUSIONS:
        raise Invalid("field_too_long", field="conclusions", max=MAX_CONCLUSIONS)
    day = on or local_date(utcnow())
    # A task due before the report is drafted would be overdue the day it is assigned.
    await tasks.check_inputs(session, given, day, "task_deadline_past")
    chair = await session.get(User, consultation.chair_id)
    assert chair is not None
    head = await signatures.letterhead(session, consultation.unit_id)
    if not consultation.report_number:
        # Reserved once: a report redrafted keeps its number.
        sequence = await signatures.next_number(session, consultation.unit_id, day.year,
                                                NUMBER_KIND)
        consultation.report_number = signatures.number_text(sequence, NUMBER_KIND, head.symbol)
    questions = (await session.scalars(select(ConsultationQuestion).where(
        ConsultationQuestion.consultation_id == consultation.id)
        .order_by(ConsultationQuestion.position))).all()
    summary = f"Tổng hợp ý kiến thành viên về {matter_of(consultation.title)}"
    rows = await _plan(session, consultation, given)
    names = await tasks.names_for(session, rows)
    responsible = dict.fromkeys(names.units[t.responsible_unit_id] for t in rows
                                if t.responsible_unit_id is not None)
    document = official.OfficialDocument(
        issuer_parent="", issuer=head.issuer, number=consultation.report_number,
        place=head.place, date=day, kind_title="BÁO CÁO", summary=summary,
        sections=sections(consultation, questions, await _opinions(session, consultation.id),
                          head.name, text, tasks.table(rows, names) if rows else None),
        signers=(official.SignerBlock(official.ROLE_SIGNER,
                                      signer_titles(chair, head.committee), chair.full_name),),
        recipients=("Các thành viên được lấy ý kiến;", *(f"{u};" for u in responsible),
                    "Lưu: VT."))
    await signatures.supersede(session, earlier.id if earlier else None)
    await signatures.create_pdf(
        session, consultation_id=consultation.id, kind=KIND,
        number=consultation.report_number, title=summary, document=document,
        signers=[signatures.SignerSlot(official.ROLE_SIGNER, chair.id, seal=True)])
    consultation.report_text = text
    await audit.record(session, "consultation.report", actor_id=actor.id,
                       object_type="consultation", object_id=consultation.id,
                       data={"number": consultation.report_number, "tasks": len(rows)})
    eventlog.notify(session, await access.followers(session, consultation),
                    "consultations.changed", consultation_id=consultation.id,
                    status=consultation.status.value)
    return consultation


async def sign(session: AsyncSession, actor: User, consultation_id: int, *, secret: str,
               timestamp_url: str = "") -> Consultation:
    """The chair signs the report: the members asked can then read it, and the tasks it
    gives go to their units."""
    consultation = await access.get_consultation(session, actor, consultation_id, lock=True)
    if not access.is_chair(actor, consultation):
        raise Forbidden("forbidden")
    pdf = await current(session, consultation.id)
    if pdf is None:
        raise Conflict("consultation_report_missing")
    signed = await signatures.sign(session, actor, pdf.id, secret=secret,
                                   timestamp_url=timestamp_url)
    if signed.status != OfficialPdfStatus.signed:
        raise RuntimeError("a synthesis report has a single signer")
    given = await planned(session, consultation.id)
    acting = await tasks.assign(session, actor, given)
    if given:
        await audit.record(session, "consultation.tasks_assigned", actor_id=actor.id,
                           object_type="consultation", object_id=consultation.id,
                           data={"tasks": [t.id for t in given]})
        eventlog.notify(session, acting, "tasks.changed")
    eventlog.notify(session, {*await access.member_ids(session, consultation.id),
                              *await access.followers(session, consultation)},
                    "consultations.changed", consultation_id=consultation.id,
                    status=consultation.status.value)
    return consultation


async def pdf_of(session: AsyncSession, user: User, consultation_id: int
                 ) -> tuple[OfficialPdf, bytes]:
    """The report's current bytes: the office and the chair while it is being signed, the
    members asked once signed."""
    consultation = await access.get_consultation(session, user, consultation_id)
    pdf = await current(session, consultation.id)
    office = user.role == Role.admin or access.is_chair(user, consultation) \
        or await access.can_manage(session, user, consultation)
    if pdf is None or (pdf.status != OfficialPdfStatus.signed and not office):
        raise NotFound("consultation_report_missing")
    return pdf, await signatures.content(session, pdf)
