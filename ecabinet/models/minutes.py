"""Meeting minutes (biên bản họp): drafted from the meeting, reviewed, then signed."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ecabinet.models.base import Base, Timestamped, utcnow


class MinutesStatus(enum.StrEnum):
    """draft (secretary edits) → review (chair reads) → approved (being signed) → signed."""

    draft = "draft"
    review = "review"
    approved = "approved"
    signed = "signed"


class Minutes(Timestamped, Base):
    """The minutes of one meeting, as ordered sections of text."""

    __tablename__ = "minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[MinutesStatus] = mapped_column(
        Enum(MinutesStatus, native_enum=False, length=20), default=MinutesStatus.draft
    )
    # [{"key", "heading", "paragraphs": [str], "summary": str}, ...]
    sections: Mapped[list[Any]] = mapped_column(default=list)
    number: Mapped[str] = mapped_column(String(50), default="")
    drafted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    review_comment: Mapped[str] = mapped_column(Text, default="")
    pdf_id: Mapped[int | None] = mapped_column(
        ForeignKey("official_pdfs.id", ondelete="SET NULL"), default=None
    )
    version: Mapped[int] = mapped_column(default=1)
    signed_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
