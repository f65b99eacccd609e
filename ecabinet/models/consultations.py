"""Written consultations (lấy ý kiến thành viên bằng phiếu): matters a committee decides
without meeting, its members answering a ballot by a deadline."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecabinet.models.base import Base, Timestamped, utcnow


class ConsultationStatus(enum.StrEnum):
    """The life of a consultation: prepared, approved and sent, then closed."""

    draft = "draft"
    submitted = "submitted"  # waiting for the chair's approval
    sent = "sent"  # the members asked are answering
    closed = "closed"


class ConsultationRule(enum.StrEnum):
    """What share of all members asked must agree for a question to pass."""

    half = "half"  # more than half
    two_thirds = "two_thirds"  # at least two thirds


class Consultation(Timestamped, Base):
    """A matter put to the members in writing."""

    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    chair_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(300))
    matter: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ConsultationStatus] = mapped_column(
        Enum(ConsultationStatus, native_enum=False, length=20), default=ConsultationStatus.draft,
        index=True)
    rule: Mapped[ConsultationRule] = mapped_column(
        Enum(ConsultationRule, native_enum=False, length=20), default=ConsultationRule.half)
    working_days: Mapped[int] = mapped_column(default=5)
    changeable: Mapped[bool] = mapped_column(default=True)  # a reply may change until closed
    open_replies: Mapped[bool] = mapped_column(default=False)  # members see others' replies
    close_when_all: Mapped[bool] = mapped_column(default=False)  # close once everyone replied
    # Each reply is a ballot paper (phiếu) the member signs with their own key.
    signed_replies: Mapped[bool] = mapped_column(default=False)
    # The synthesis report: its number, reserved once, and the office's proposal.
    report_number: Mapped[str] = mapped_column(String(50), default="")
    report_text: Mapped[str] = mapped_column(Text, default="")
    return_comment: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    deadline: Mapped[datetime | None] = mapped_column(default=None, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    result: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ConsultationQuestion(Base):
    """One question of the ballot, with its options (the first one agrees)."""

    __tablename__ = "consultation_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(String(1000))
    options: Mapped[list[Any]] = mapped_column()


class ConsultationMember(Base):
    """A member asked, and whether and when they replied."""

    __tablename__ = "consultation_members"
    __table_args__ = (UniqueConstraint("consultation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    replied_at: Mapped[datetime | None] = mapped_column(default=None)
    # The device's id of the reply last stored: a resend of it is acknowledged, not stored.
    client_reply_id: Mapped[str] = mapped_column(String(64), default="")
    changes: Mapped[int] = mapped_column(default=0)
    # The signed ballot paper of the reply stored last, where replies are signed.
    paper_pdf_id: Mapped[int | None] = mapped_column(
        ForeignKey("official_pdfs.id", ondelete="SET NULL"), default=None)


class ConsultationAnswer(Base):
    """A member's choice on one question, and their written opinion."""

    __tablename__ = "consultation_answers"
    __table_args__ = (UniqueConstraint("question_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_questions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    choice: Mapped[int] = mapped_column()
    opinion: Mapped[str] = mapped_column(Text, default="")
