"""Who answered the invitation how, and who is in the hall (or on a remote site) now."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecabinet.models.base import Base, utcnow


class AttendanceResponse(enum.StrEnum):
    """An invitee's answer to the invitation."""

    pending = "pending"
    attend = "attend"
    absent = "absent"
    substitute = "substitute"


class CheckInMethod(enum.StrEnum):
    """How a presence was recorded."""

    tablet = "tablet"
    qr = "qr"
    secretary = "secretary"


class Attendance(Base):
    """One invitee of one meeting: the answer, and the check-in at the door."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    response: Mapped[AttendanceResponse] = mapped_column(
        Enum(AttendanceResponse, native_enum=False, length=20),
        default=AttendanceResponse.pending,
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    # A member who cannot come may send someone (cử người dự thay); the substitute
    # attends and speaks but neither counts towards the quorum nor votes.
    substitute_name: Mapped[str] = mapped_column(String(200), default="")
    substitute_title: Mapped[str] = mapped_column(String(200), default="")
    responded_at: Mapped[datetime | None] = mapped_column(default=None)
    # Set while present (the member, or their substitute when response is substitute).
    checked_in_at: Mapped[datetime | None] = mapped_column(default=None)
    checkin_method: Mapped[str] = mapped_column(String(20), default="")
    remote: Mapped[bool] = mapped_column(default=False)
    left_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
