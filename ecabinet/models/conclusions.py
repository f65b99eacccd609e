"""Conclusion notices (thông báo kết luận): per agenda item the conclusions, and numbering."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecabinet.models.base import Base, Timestamped, utcnow


class ConclusionStatus(enum.StrEnum):
    """draft (secretary writes) → signing (awaits the chair) → issued (signed, sent)."""

    draft = "draft"
    signing = "signing"
    issued = "issued"


class Conclusion(Timestamped, Base):
    """The conclusion notice of one meeting."""

    __tablename__ = "conclusions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), unique=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    status: Mapped[ConclusionStatus] = mapped_column(
        Enum(ConclusionStatus, native_enum=False, length=20), default=ConclusionStatus.draft
    )
    summary: Mapped[str] = mapped_column(String(500), default="")
    opening: Mapped[str] = mapped_column(Text, default="")
    closing: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    due_date: Mapped[date]
    number: Mapped[str] = mapped_column(String(50), default="")
    number_seq: Mapped[int | None] = mapped_column(default=None)
    number_year: Mapped[int | None] = mapped_column(default=None)
    issue_date: Mapped[date | None] = mapped_column(default=None)
    issued_at: Mapped[datetime | None] = mapped_column(default=None)
    recipient_unit_ids: Mapped[list[Any]] = mapped_column(default=list)
    signer_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    return_comment: Mapped[str] = mapped_column(Text, default="")
    pdf_id: Mapped[int | None] = mapped_column(
        ForeignKey("official_pdfs.id", ondelete="SET NULL"), default=None
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ConclusionItem(Base):
    """The conclusions on one agenda item (or general ones when no item is linked)."""

    __tablename__ = "conclusion_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    conclusion_id: Mapped[int] = mapped_column(
        ForeignKey("conclusions.id", ondelete="CASCADE"), index=True
    )
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="SET NULL"), default=None
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(500), default="")
    text: Mapped[str] = mapped_column(Text, default="")


class DocumentNumber(Base):
    """The last number a unit gave documents of one kind in one year ("12" of 12/TB-UBND)."""

    __tablename__ = "document_numbers"
    __table_args__ = (UniqueConstraint("unit_id", "year", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    year: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))
    last: Mapped[int] = mapped_column(default=0)
