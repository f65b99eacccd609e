"""The ballot paper (phiếu lấy ý kiến): a member's reply laid out as a Decree 30 document,
to be signed with the member's own key where the consultation asks for signed replies."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import signatures
from ecabinet.consultations import access
from ecabinet.consultations.report import matter_of
from ecabinet.errors import NotFound
from ecabinet.models import (
    Consultation,
    ConsultationMember,
    ConsultationQuestion,
    OfficialPdf,
    OfficialPdfStatus,
    Role,
    Unit,
    User,
)
from ecabinet.models.base import utcnow
from ecabinet.pdf import official
from ecabinet.pdf.official import ComposedDocument
from ecabinet.workdays import VIETNAM, local_date

KIND = "consultation_reply"
ROLE_MEMBER = "member"
CHOSEN, NOT_CHOSEN = "X", ""
OPTION_HEADERS = ("TT", "Phương án", "Lựa chọn")


def ballot(*, issuer: str, place: str, day: dt.date, consultation_title: str,
           deadline: str, member: User, member_unit: str,
           questions: Sequence[ConsultationQuestion], rows: Sequence[dict[str, object]]
           ) -> official.OfficialDocument:
    """The paper for `rows` (question_id, choice, opinion per question), as `member` signs it."""
    by_question = {row["question_id"]: row for row in rows}
    sections = [official.Section(paragraphs=(
        f"Họ và tên thành viên: {member.full_name}",
        f"Chức vụ: {member.title or '—'}",
        f"Đơn vị: {member_unit or '—'}",
        *((f"Thời hạn gửi phiếu: {deadline}",) if deadline else ()),
    ))]
    for number, question in enumerate(questions, start=1):
        row = by_question[question.id]
        table = official.Table(
            headers=OPTION_HEADERS,
            rows=tuple((str(i), option, CHOSEN if i - 1 == row["choice"] else NOT_CHOSEN)
                       for i, option in enumerate(question.options, start=1)),
            widths=(0.5, 4, 1.2))
        opinion = str(row["opinion"] or "").strip()
        sections.append(official.Section(
            heading=f"Câu {number}. {question.text}",
            paragraphs=(f"Ý kiến cụ thể: {opinion}",) if opinion else (),
            table=table))
    return official.OfficialDocument(
        issuer_parent="", issuer=issuer, number="", place=place, date=day,
        kind_title="PHIẾU LẤY Ý KIẾN THÀNH VIÊN",
        summary=f"Về {matter_of(consultation_title)}",
        sections=sections,
        signers=(official.SignerBlock(ROLE_MEMBER, ("THÀNH VIÊN",), member.full_name),),
        title_metadata=f"Phiếu lấy ý kiến: {consultation_title} ({member.full_name})",
    )


async def for_reply(session: AsyncSession, consultation: Consultation, member: User,
                    questions: Sequence[ConsultationQuestion], rows: Sequence[dict[str, object]],
                    now: dt.datetime) -> official.OfficialDocument:
    """The paper of a member's reply to `consultation`, dated `now` in Vietnam."""
    head = await signatures.letterhead(session, consultation.unit_id)
    unit = await session.get(Unit, member.unit_id) if member.unit_id else None
    deadline = ""
    if consultation.deadline is not None:
        local = consultation.deadline.astimezone(VIETNAM)
        deadline = f"{local:%H} giờ {local:%M}, ngày {local:%d/%m/%Y}"
    return ballot(issuer=head.issuer, place=head.place, day=local_date(now),
                  consultation_title=consultation.title, deadline=deadline, member=member,
                  member_unit=unit.name if unit else "", questions=questions, rows=rows)


@dataclass(frozen=True)
class SignedPaper:
    """A member's ballot paper as composed and as signed, not yet stored."""

    composed: ComposedDocument
    signed: bytes
    signer_name: str
    serial: str

    @property
    def sha256(self) -> str:
        """The signed bytes' digest, as the audit chain records it."""
        return hashlib.sha256(self.signed).hexdigest()


async def signed(session: AsyncSession, consultation: Consultation, member: User,
                 questions: Sequence[ConsultationQuestion], rows: Sequence[dict[str, object]],
                 *, secret: str, timestamp_url: str = "", now: dt.datetime | None = None
                 ) -> SignedPaper:
    """The paper of `rows`, composed and signed with the member's own key (nothing stored:
    a wrong passphrase or a missing key leaves no trace)."""
    document = await for_reply(session, consultation, member, questions, rows,
                               now or utcnow())
    composed = await signatures.compose(document)
    data, key = await signatures.sign_content(
        session, member, composed.pdf, ROLE_MEMBER, composed.signature_boxes[ROLE_MEMBER],
        secret=secret, timestamp_url=timestamp_url)
    return SignedPaper(composed, data, key.subject_name or member.full_name, key.serial)


async def store(session: AsyncSession, consultation: Consultation, member: User,
                paper: SignedPaper, earlier_id: int | None) -> OfficialPdf:
    """Keep the paper, as composed then as signed; a paper it replaces stays on record."""
    if earlier_id is not None:
        earlier = await session.get(OfficialPdf, earlier_id)
        if earlier is not None:
            earlier.status = OfficialPdfStatus.superseded
    pdf = await signatures.store_composed(
        session, paper.composed, kind=KIND, number="",
        title=f"Phiếu lấy ý kiến: {consultation.title}",
        signers=[signatures.SignerSlot(ROLE_MEMBER, member.id)],
        consultation_id=consultation.id)
    await signatures.store_signed(session, pdf, member, ROLE_MEMBER, paper.signed,
                                  signer_name=paper.signer_name, serial=paper.serial)
    return pdf


async def pdf_of(session: AsyncSession, user: User, consultation_id: int, member_id: int
                 ) -> bytes:
    """A member's signed paper: for the member, the office and the chair."""
    consultation = await access.get_consultation(session, user, consultation_id)
    office = user.role == Role.admin or access.is_chair(user, consultation) \
        or await access.can_manage(session, user, consultation)
    pdf_id = await session.scalar(select(ConsultationMember.paper_pdf_id).where(
        ConsultationMember.consultation_id == consultation.id,
        ConsultationMember.user_id == member_id))
    pdf = await session.get(OfficialPdf, pdf_id) if pdf_id is not None else None
    if pdf is None or not (office or member_id == user.id):
        raise NotFound("consultation_paper_missing")
    return await signatures.content(session, pdf)
